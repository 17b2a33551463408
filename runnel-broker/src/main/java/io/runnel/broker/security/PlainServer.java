package io.runnel.broker.security;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Map;

/**
 * SASL PLAIN (RFC 4616): one client message {@code [authzid] NUL authcid NUL passwd} (UTF-8), checked against the
 * listener's {@code user_<name>="<password>"} JAAS entries. An authorization id other than the user name is refused,
 * as Kafka does. The answer is empty.
 */
final class PlainServer implements SaslMechanismServer {
    static final String INVALID = "Authentication failed: Invalid username or password";
    private final Map<String, String> users;
    private String user;

    PlainServer(Map<String, String> users) {
        this.users = users;
    }

    @Override
    public byte[] evaluate(byte[] response) throws SaslAuthenticationFailure {
        if (user != null) throw new SaslAuthenticationFailure("Authentication failed: PLAIN takes a single message");
        String text = new String(response, StandardCharsets.UTF_8);
        int first = text.indexOf('\0');
        int second = first < 0 ? -1 : text.indexOf('\0', first + 1);
        if (first < 0 || second < 0 || text.indexOf('\0', second + 1) >= 0) {
            throw new SaslAuthenticationFailure("Invalid SASL/PLAIN response: expected 3 tokens separated by NUL");
        }
        String authzid = text.substring(0, first);
        String name = text.substring(first + 1, second);
        String password = text.substring(second + 1);
        if (name.isEmpty()) throw new SaslAuthenticationFailure("Authentication failed: username not specified");
        if (password.isEmpty()) throw new SaslAuthenticationFailure("Authentication failed: password not specified");
        if (!authzid.isEmpty() && !authzid.equals(name)) {
            throw new SaslAuthenticationFailure("Authentication failed: Client requested an authorization id that is different from username");
        }
        String expected = users.get(name);
        // compare in time independent of where the passwords differ; an unknown user gets the same answer
        boolean ok = MessageDigest.isEqual(password.getBytes(StandardCharsets.UTF_8),
                (expected == null ? "\0" + password : expected).getBytes(StandardCharsets.UTF_8)) && expected != null;
        if (!ok) throw new SaslAuthenticationFailure(INVALID);
        user = name;
        return new byte[0];
    }

    @Override
    public boolean isComplete() {
        return user != null;
    }

    @Override
    public String user() {
        return user;
    }
}
