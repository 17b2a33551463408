package io.runnel.broker.security;

import io.runnel.common.security.ScramFunctions;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * SCRAM-SHA-256/512 server (RFC 5802, RFC 7677): client-first -> server-first (combined nonce, salt, iterations),
 * client-final (channel binding "n", nonce, proof) -> server-final (server signature). No channel binding
 * (SASL_PLAINTEXT), no delegation tokens ({@code tokenauth} extension refused). The credential is looked up
 * when the client names its user.
 */
final class ScramServer implements SaslMechanismServer {
    /** A user's credential for one mechanism. */
    record Credential(byte[] salt, byte[] storedKey, byte[] serverKey, int iterations) {
    }

    interface Credentials {
        /** The credential of {@code user} for {@code mechanism}, or null. */
        Credential get(String user, String mechanism);
    }

    private static final SecureRandom RANDOM = new SecureRandom();
    private final String mechanism;
    private final ScramFunctions f;
    private final Credentials credentials;
    private int step;
    private String user;
    private String gs2Header;
    private String clientFirstBare;
    private String serverFirst;
    private String nonce;
    private String clientNonce;
    private Credential credential;
    private boolean complete;
    /** The server's part of the nonce; random unless a test fixes it. */
    private final String serverNonce;

    ScramServer(String mechanism, Credentials credentials) {
        this(mechanism, credentials, null);
    }

    ScramServer(String mechanism, Credentials credentials, String serverNonce) {
        this.serverNonce = serverNonce;
        this.mechanism = mechanism;
        this.f = ScramFunctions.forMechanism(mechanism);
        this.credentials = credentials;
    }

    private SaslAuthenticationFailure invalidCredentials() {
        return new SaslAuthenticationFailure("Authentication failed during authentication due to invalid credentials with SASL mechanism " + mechanism);
    }

    @Override
    public byte[] evaluate(byte[] response) throws SaslAuthenticationFailure {
        String msg = new String(response, StandardCharsets.UTF_8);
        return switch (step++) {
            case 0 -> clientFirst(msg);
            case 1 -> clientFinal(msg);
            default -> throw new SaslAuthenticationFailure("Authentication failed: unexpected SCRAM message after the exchange ended");
        };
    }

    private byte[] clientFirst(String msg) throws SaslAuthenticationFailure {
        // gs2-header: ("n" | "y" | "p=...") "," [ "a=" authzid ] ","
        int c1 = msg.indexOf(',');
        int c2 = c1 < 0 ? -1 : msg.indexOf(',', c1 + 1);
        if (c2 < 0) throw new SaslAuthenticationFailure("Invalid SCRAM client first message: no GS2 header");
        String cb = msg.substring(0, c1);
        if (cb.startsWith("p=")) throw new SaslAuthenticationFailure("Invalid SCRAM client first message: channel binding is not supported");
        if (!cb.equals("n") && !cb.equals("y")) throw new SaslAuthenticationFailure("Invalid SCRAM client first message: bad GS2 header");
        String authzid = msg.substring(c1 + 1, c2);
        gs2Header = msg.substring(0, c2 + 1);
        clientFirstBare = msg.substring(c2 + 1);
        String[] parts = clientFirstBare.split(",", -1);
        if (parts.length < 2 || !parts[0].startsWith("n=") || !parts[1].startsWith("r=") || parts[1].length() <= 2) {
            throw new SaslAuthenticationFailure("Invalid SCRAM client first message: expected n=<user>,r=<nonce>");
        }
        user = saslName(parts[0].substring(2));
        for (int i = 2; i < parts.length; i++) {
            if (parts[i].startsWith("tokenauth=") && !parts[i].equalsIgnoreCase("tokenauth=false")) {
                throw new SaslAuthenticationFailure("Authentication failed: delegation tokens are not supported");
            }
        }
        if (!authzid.isEmpty() && !(authzid.startsWith("a=") && saslName(authzid.substring(2)).equals(user))) {
            throw new SaslAuthenticationFailure("Authentication failed: Client requested an authorization id that is different from username");
        }
        credential = user.isEmpty() ? null : credentials.get(user, mechanism);
        if (credential == null) throw new SaslAuthenticationFailure("Authentication failed: Invalid user credentials");
        String ours = serverNonce;
        if (ours == null) {
            byte[] random = new byte[24];
            RANDOM.nextBytes(random);
            ours = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
        }
        clientNonce = parts[1].substring(2);
        nonce = clientNonce + ours;
        serverFirst = "r=" + nonce + ",s=" + Base64.getEncoder().encodeToString(credential.salt()) + ",i=" + credential.iterations();
        return serverFirst.getBytes(StandardCharsets.UTF_8);
    }

    private byte[] clientFinal(String msg) throws SaslAuthenticationFailure {
        int p = msg.lastIndexOf(",p=");
        if (!msg.startsWith("c=") || p < 0) throw new SaslAuthenticationFailure("Invalid SCRAM client final message");
        String withoutProof = msg.substring(0, p);
        String[] parts = withoutProof.split(",", -1);
        if (parts.length < 2 || !parts[1].startsWith("r=")) throw new SaslAuthenticationFailure("Invalid SCRAM client final message");
        String expectedBinding = Base64.getEncoder().encodeToString(gs2Header.getBytes(StandardCharsets.UTF_8));
        if (!parts[0].substring(2).equals(expectedBinding)) throw new SaslAuthenticationFailure("Invalid SCRAM client final message: channel binding does not match");
        String echoed = parts[1].substring(2);
        // librdkafka before 2.6.1 sends its own nonce once more in front of the combined one (Kafka 3.8.1-3.9
        // accept that too); the server's random part is still checked in full, so replay protection holds
        if (!echoed.equals(nonce) && !echoed.equals(clientNonce + nonce)) {
            throw new SaslAuthenticationFailure("Invalid SCRAM client final message: nonce does not match");
        }
        byte[] proof;
        try {
            proof = Base64.getDecoder().decode(msg.substring(p + 3));
        } catch (IllegalArgumentException e) {
            throw new SaslAuthenticationFailure("Invalid SCRAM client final message: proof is not base64");
        }
        byte[] authMessage = (clientFirstBare + "," + serverFirst + "," + withoutProof).getBytes(StandardCharsets.UTF_8);
        byte[] clientSignature = f.hmac(credential.storedKey(), authMessage);
        if (proof.length != clientSignature.length) throw invalidCredentials();
        byte[] clientKey = new byte[proof.length];
        for (int i = 0; i < proof.length; i++) clientKey[i] = (byte) (proof[i] ^ clientSignature[i]);
        if (!MessageDigest.isEqual(f.hash(clientKey), credential.storedKey())) throw invalidCredentials();
        complete = true;
        byte[] serverSignature = f.hmac(credential.serverKey(), authMessage);
        return ("v=" + Base64.getEncoder().encodeToString(serverSignature)).getBytes(StandardCharsets.UTF_8);
    }

    /** RFC 5802 saslname: "=2C" is ',', "=3D" is '='; any other '=' is invalid. */
    private static String saslName(String s) throws SaslAuthenticationFailure {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != '=') {
                b.append(c);
            } else if (s.startsWith("=2C", i)) {
                b.append(',');
                i += 2;
            } else if (s.startsWith("=3D", i)) {
                b.append('=');
                i += 2;
            } else {
                throw new SaslAuthenticationFailure("Invalid SCRAM user name: bad '=' escape");
            }
        }
        return b.toString();
    }

    @Override
    public boolean isComplete() {
        return complete;
    }

    @Override
    public String user() {
        return complete ? user : null;
    }
}
