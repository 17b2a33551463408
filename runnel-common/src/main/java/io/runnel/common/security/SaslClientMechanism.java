package io.runnel.common.security;

import javax.security.sasl.SaslException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import java.util.Locale;

/**
 * The client side of a SASL mechanism Runnel speaks: PLAIN (RFC 4616) and SCRAM-SHA-256/512 (RFC 5802, RFC 7677).
 * It only produces and consumes token bytes, so any transport can drive it (Kafka's SaslAuthenticate requests, a
 * test, a broker connecting to another broker):
 *
 * <pre>
 *   SaslClientMechanism m = SaslClientMechanism.create("SCRAM-SHA-256", user, password);
 *   byte[] token = m.initialResponse();
 *   while (token != null) {
 *       byte[] answer = send(token);        // the server's auth bytes
 *       token = m.evaluate(answer);         // null once the exchange is over
 *   }
 *   // m.isComplete() is now true; a bad server answer threw SaslException
 * </pre>
 *
 * PLAIN sends one token ({@code \0user\0password}) and accepts the server's (empty) answer. SCRAM sends the
 * client-first message ({@code n,,n=<user>,r=<nonce>}, the user name with {@code =2C}/{@code =3D} escaping), reads
 * the server-first message (combined nonce, salt, iterations), sends the client-final message with its proof and
 * verifies the server signature of the server-final message: a server that does not know the password cannot
 * pass. No channel binding ({@code n}), no authorization id. Instances are single-use and not thread-safe.
 */
public abstract sealed class SaslClientMechanism permits SaslClientMechanism.Plain, SaslClientMechanism.Scram {
    public static final String PLAIN = "PLAIN";
    public static final String SCRAM_SHA_256 = "SCRAM-SHA-256";
    public static final String SCRAM_SHA_512 = "SCRAM-SHA-512";
    /** The mechanisms {@link #create} knows. */
    public static final List<String> SUPPORTED = List.of(PLAIN, SCRAM_SHA_256, SCRAM_SHA_512);
    /** Kafka's clients refuse a SCRAM server asking for fewer iterations than this. */
    public static final int MIN_SCRAM_ITERATIONS = 4096;
    /** Kafka's limit on SCRAM iterations (a server asking for more is refused). */
    public static final int MAX_SCRAM_ITERATIONS = 16384;

    private static final SecureRandom RANDOM = new SecureRandom();

    /**
     * A client for {@code mechanism} authenticating as {@code user} with {@code password}.
     *
     * @throws IllegalArgumentException the mechanism is not one of {@link #SUPPORTED}, or the user is empty
     */
    public static SaslClientMechanism create(String mechanism, String user, String password) {
        return create(mechanism, user, password, null);
    }

    /** As {@link #create(String, String, String)} with a fixed SCRAM client nonce (tests; null: random). */
    static SaslClientMechanism create(String mechanism, String user, String password, String scramNonce) {
        if (user == null || user.isEmpty()) throw new IllegalArgumentException("A SASL user name is needed");
        if (password == null) throw new IllegalArgumentException("A SASL password is needed");
        String m = mechanism == null ? "" : mechanism.toUpperCase(Locale.ROOT);
        return switch (m) {
            case PLAIN -> new Plain(user, password);
            case SCRAM_SHA_256, SCRAM_SHA_512 -> new Scram(m, user, password, scramNonce != null ? scramNonce : randomNonce());
            default -> throw new IllegalArgumentException("SASL mechanism " + mechanism + " is not supported; use one of " + SUPPORTED);
        };
    }

    /** The mechanism's name as SaslHandshake sends it. */
    public abstract String mechanism();

    /** The first token the client sends. */
    public abstract byte[] initialResponse();

    /**
     * Consumes the server's answer to the last token sent.
     *
     * @return the next token to send, or null when the exchange is over ({@link #isComplete()} is then true)
     * @throws SaslException the server's answer is malformed, an error, or fails verification
     */
    public abstract byte[] evaluate(byte[] serverToken) throws SaslException;

    /** Whether the exchange ended successfully. */
    public abstract boolean isComplete();

    private static String randomNonce() {
        byte[] b = new byte[24];
        RANDOM.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b); // printable, never ','
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** PLAIN: one token, authorization id empty. */
    static final class Plain extends SaslClientMechanism {
        private final String user;
        private final String password;
        private int step;
        private boolean complete;

        Plain(String user, String password) {
            if (user.indexOf('\0') >= 0 || password.indexOf('\0') >= 0) {
                throw new IllegalArgumentException("A PLAIN user name or password cannot contain a NUL character");
            }
            this.user = user;
            this.password = password;
        }

        @Override
        public String mechanism() {
            return PLAIN;
        }

        @Override
        public byte[] initialResponse() {
            if (step != 0) throw new IllegalStateException("initialResponse() was called already");
            step = 1;
            return utf8("\0" + user + "\0" + password);
        }

        @Override
        public byte[] evaluate(byte[] serverToken) throws SaslException {
            if (step != 1) throw new SaslException("Unexpected PLAIN server message: the exchange is " + (step == 0 ? "not started" : "over"));
            step = 2;
            complete = true;
            return null;
        }

        @Override
        public boolean isComplete() {
            return complete;
        }
    }

    /** SCRAM-SHA-256 / SCRAM-SHA-512 without channel binding. */
    static final class Scram extends SaslClientMechanism {
        private final String mechanism;
        private final ScramFunctions f;
        private final String user;
        private final String password;
        private final String clientNonce;
        private int step;
        private String clientFirstBare;
        private byte[] expectedServerSignature;
        private boolean complete;

        Scram(String mechanism, String user, String password, String clientNonce) {
            if (clientNonce.isEmpty() || clientNonce.indexOf(',') >= 0) throw new IllegalArgumentException("Bad SCRAM nonce");
            this.mechanism = mechanism;
            this.f = ScramFunctions.forMechanism(mechanism);
            this.user = user;
            this.password = password;
            this.clientNonce = clientNonce;
        }

        @Override
        public String mechanism() {
            return mechanism;
        }

        @Override
        public byte[] initialResponse() {
            if (step != 0) throw new IllegalStateException("initialResponse() was called already");
            step = 1;
            clientFirstBare = "n=" + escape(user) + ",r=" + clientNonce;
            return utf8("n,," + clientFirstBare);
        }

        @Override
        public byte[] evaluate(byte[] serverToken) throws SaslException {
            String msg = new String(serverToken == null ? new byte[0] : serverToken, StandardCharsets.UTF_8);
            return switch (step) {
                case 1 -> serverFirst(msg);
                case 2 -> serverFinal(msg);
                default -> throw new SaslException("Unexpected SCRAM server message: the exchange is "
                        + (step == 0 ? "not started" : "over"));
            };
        }

        private byte[] serverFirst(String msg) throws SaslException {
            step = 2;
            if (msg.startsWith("e=")) throw new SaslException("SCRAM server error: " + msg.substring(2));
            String nonce = null;
            String salt = null;
            String iterations = null;
            String[] parts = msg.split(",", -1);
            for (int i = 0; i < parts.length; i++) {
                String p = parts[i];
                if (i == 0 && p.startsWith("m=")) throw new SaslException("Invalid SCRAM server first message: unsupported mandatory extension");
                if (p.startsWith("r=") && nonce == null) nonce = p.substring(2);
                else if (p.startsWith("s=") && salt == null) salt = p.substring(2);
                else if (p.startsWith("i=") && iterations == null) iterations = p.substring(2);
            }
            if (nonce == null || salt == null || iterations == null || !parts[0].startsWith("r=")) {
                throw new SaslException("Invalid SCRAM server first message: expected r=<nonce>,s=<salt>,i=<iterations>");
            }
            if (!nonce.startsWith(clientNonce) || nonce.length() == clientNonce.length()) {
                throw new SaslException("Invalid SCRAM server first message: the server nonce does not extend the client nonce");
            }
            byte[] saltBytes;
            int n;
            try {
                saltBytes = Base64.getDecoder().decode(salt);
                n = Integer.parseInt(iterations);
            } catch (IllegalArgumentException e) {
                throw new SaslException("Invalid SCRAM server first message: bad salt or iteration count");
            }
            if (n < MIN_SCRAM_ITERATIONS || n > MAX_SCRAM_ITERATIONS) {
                throw new SaslException("Invalid SCRAM server first message: " + n + " iterations is outside ["
                        + MIN_SCRAM_ITERATIONS + ", " + MAX_SCRAM_ITERATIONS + "]");
            }
            byte[] salted = f.saltedPassword(password, saltBytes, n);
            String withoutProof = "c=" + Base64.getEncoder().encodeToString(utf8("n,,")) + ",r=" + nonce;
            byte[] authMessage = utf8(clientFirstBare + "," + msg + "," + withoutProof);
            byte[] clientKey = f.clientKey(salted);
            byte[] clientSignature = f.hmac(f.hash(clientKey), authMessage);
            byte[] proof = new byte[clientKey.length];
            for (int i = 0; i < proof.length; i++) proof[i] = (byte) (clientKey[i] ^ clientSignature[i]);
            expectedServerSignature = f.hmac(f.serverKey(salted), authMessage);
            return utf8(withoutProof + ",p=" + Base64.getEncoder().encodeToString(proof));
        }

        private byte[] serverFinal(String msg) throws SaslException {
            step = 3;
            if (msg.startsWith("e=")) throw new SaslException("SCRAM server error: " + msg.substring(2));
            int comma = msg.indexOf(',');
            String v = comma < 0 ? msg : msg.substring(0, comma);
            if (!v.startsWith("v=")) throw new SaslException("Invalid SCRAM server final message: expected v=<server signature>");
            byte[] signature;
            try {
                signature = Base64.getDecoder().decode(v.substring(2));
            } catch (IllegalArgumentException e) {
                throw new SaslException("Invalid SCRAM server final message: the server signature is not base64");
            }
            if (!MessageDigest.isEqual(signature, expectedServerSignature)) {
                throw new SaslException("Invalid SCRAM server signature: the server does not know " + user + "'s credential");
            }
            complete = true;
            return null;
        }

        @Override
        public boolean isComplete() {
            return complete;
        }

        /** RFC 5802 saslname: ',' is "=2C" and '=' is "=3D". */
        static String escape(String name) {
            return name.replace("=", "=3D").replace(",", "=2C");
        }
    }
}
