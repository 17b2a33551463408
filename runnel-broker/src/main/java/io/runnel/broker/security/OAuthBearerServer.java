package io.runnel.broker.security;

import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * SASL OAUTHBEARER (RFC 7628) as Kafka serves it. The client's one message is a GS2 header ({@code n,,} or
 * {@code n,a=<authzid>,}), then {@code \x01}-separated {@code key=value} pairs ending with {@code \x01\x01}: {@code auth=Bearer
 * <token>} and optional SASL extensions (KIP-342; accepted, not validated, not used). A valid token completes the
 * exchange with an empty answer. An invalid one is answered with a JSON error challenge ({@code {"status":"invalid_token"}},
 * or {@code insufficient_scope} with the {@code scope} needed); the client acknowledges it with a single {@code \x01}
 * and the authentication then fails with the reason. An authorization id must be the token's principal.
 */
final class OAuthBearerServer implements SaslMechanismServer {
    private static final byte SEP = 0x01;
    private static final Pattern KEY = Pattern.compile("[A-Za-z]+");
    private static final Pattern VALUE = Pattern.compile("[\\x21-\\x7E \\t\\r\\n]*");
    private static final Pattern BEARER = Pattern.compile("(?i:Bearer) +([-._~+/A-Za-z0-9]+=*)");

    private enum State { FIRST, ERROR_SENT, DONE }

    private final OAuthBearerToken.Validator validator;
    private State state = State.FIRST;
    private String failure;
    private OAuthBearerToken.Valid valid;
    private String authzid; // from the GS2 header, or null

    OAuthBearerServer(OAuthBearerToken.Validator validator) {
        this.validator = validator;
    }

    @Override
    public byte[] evaluate(byte[] response) throws SaslAuthenticationFailure {
        switch (state) {
            case ERROR_SENT -> {
                state = State.DONE;
                if (response.length == 1 && response[0] == SEP) throw new SaslAuthenticationFailure(failure);
                throw new SaslAuthenticationFailure(failure + " (and the client did not acknowledge the error with %x01)");
            }
            case DONE -> throw new SaslAuthenticationFailure("Authentication failed: OAUTHBEARER takes a single message");
            default -> {
            }
        }
        String token = parseClientFirst(response);
        try {
            valid = validator.validate(token);
        } catch (OAuthBearerToken.Rejected e) {
            return error(e.status, e.scope, "Authentication failed: invalid OAUTHBEARER token: " + e.getMessage());
        }
        if (authzid != null && !authzid.isEmpty() && !authzid.equals(valid.principal())) {
            String why = "Authentication failed: the authorization id '" + authzid + "' is not the token's principal '" + valid.principal() + "'";
            valid = null;
            return error("invalid_token", null, why);
        }
        state = State.DONE;
        return new byte[0];
    }

    private String parseClientFirst(byte[] response) throws SaslAuthenticationFailure {
        String text = new String(response, StandardCharsets.UTF_8);
        String invalid = "Authentication failed: invalid OAUTHBEARER client message";
        if (!text.startsWith("n,")) throw new SaslAuthenticationFailure(invalid + ": it must start with the GS2 header 'n,'");
        int end = text.indexOf(',', 2);
        if (end < 0) throw new SaslAuthenticationFailure(invalid + ": the GS2 header is not closed by ','");
        String gs2 = text.substring(2, end);
        if (!gs2.isEmpty()) {
            if (!gs2.startsWith("a=")) throw new SaslAuthenticationFailure(invalid + ": the GS2 header may only hold 'a=<authzid>'");
            authzid = gs2.substring(2);
        }
        String rest = text.substring(end + 1);
        if (rest.length() < 3 || rest.charAt(0) != SEP || !rest.endsWith("\u0001\u0001")) {
            throw new SaslAuthenticationFailure(invalid + ": key=value pairs must follow the GS2 header, separated by %x01 and ended by %x01%x01");
        }
        String token = null;
        Set<String> seen = new HashSet<>();
        for (String pair : rest.substring(1, rest.length() - 2).split("\u0001", -1)) {
            int eq = pair.indexOf('=');
            if (eq <= 0) throw new SaslAuthenticationFailure(invalid + ": a pair is not key=value");
            String key = pair.substring(0, eq);
            String value = pair.substring(eq + 1);
            if (!KEY.matcher(key).matches() || !VALUE.matcher(value).matches()) {
                throw new SaslAuthenticationFailure(invalid + ": bad characters in the key or value of '" + (KEY.matcher(key).matches() ? key : "?") + "'");
            }
            if (!seen.add(key)) throw new SaslAuthenticationFailure(invalid + ": key '" + key + "' given twice");
            if (key.equals("auth")) {
                var m = BEARER.matcher(value);
                if (!m.matches()) throw new SaslAuthenticationFailure(invalid + ": 'auth' must be 'Bearer <token>'");
                token = m.group(1);
            }
        }
        if (token == null) throw new SaslAuthenticationFailure(invalid + ": no 'auth=Bearer <token>'");
        return token;
    }

    private byte[] error(String status, String scope, String message) {
        failure = message;
        state = State.ERROR_SENT;
        StringBuilder json = new StringBuilder("{\"status\":\"").append(status).append('"');
        if (scope != null) json.append(",\"scope\":\"").append(scope.replace("\\", "\\\\").replace("\"", "\\\"")).append('"');
        return json.append('}').toString().getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public boolean isComplete() {
        return state == State.DONE && valid != null;
    }

    @Override
    public String user() {
        return valid == null ? null : valid.principal();
    }

    @Override
    public long credentialExpiresAtMs() {
        return valid == null ? 0 : valid.expiresAtMs();
    }
}
