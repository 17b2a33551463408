package io.runnel.common.security;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;

/**
 * The SCRAM formulas of RFC 5802 section 3 for SHA-256 and SHA-512 (RFC 7677 and Kafka's SCRAM-SHA-512):
 * HMAC, H, Hi (the salted password) and the stored and server keys derived from a salted password. Shared by the
 * broker's SCRAM server, {@link SaslClientMechanism} and the admin tools that create SCRAM credentials.
 */
public final class ScramFunctions {
    private final String mac;
    private final String digest;

    private ScramFunctions(String mac, String digest) {
        this.mac = mac;
        this.digest = digest;
    }

    /** For {@code SCRAM-SHA-256} or {@code SCRAM-SHA-512}; null for any other name. */
    public static ScramFunctions forMechanism(String mechanism) {
        return switch (mechanism) {
            case "SCRAM-SHA-256" -> new ScramFunctions("HmacSHA256", "SHA-256");
            case "SCRAM-SHA-512" -> new ScramFunctions("HmacSHA512", "SHA-512");
            default -> null;
        };
    }

    public byte[] hmac(byte[] key, byte[] data) {
        try {
            Mac m = Mac.getInstance(mac);
            m.init(new SecretKeySpec(key, mac));
            return m.doFinal(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(mac + " is not available", e);
        }
    }

    public byte[] hash(byte[] data) {
        try {
            return MessageDigest.getInstance(digest).digest(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(digest + " is not available", e);
        }
    }

    /** The mechanism's name, {@code SCRAM-SHA-256} or {@code SCRAM-SHA-512}. */
    public String mechanism() {
        return mac.equals("HmacSHA256") ? "SCRAM-SHA-256" : "SCRAM-SHA-512";
    }

    /**
     * SaltedPassword = Hi(password, salt, iterations) of RFC 5802 (PBKDF2 with this HMAC, one block of the hash's
     * length); the password is taken as its UTF-8 bytes, as Kafka does.
     */
    public byte[] saltedPassword(String password, byte[] salt, int iterations) {
        if (iterations < 1) throw new IllegalArgumentException("SCRAM iterations must be at least 1, not " + iterations);
        try {
            Mac m = Mac.getInstance(mac);
            m.init(new SecretKeySpec(password.getBytes(StandardCharsets.UTF_8), mac));
            m.update(salt);
            byte[] u = m.doFinal(new byte[]{0, 0, 0, 1});
            byte[] result = u.clone();
            for (int i = 1; i < iterations; i++) {
                u = m.doFinal(u);
                for (int j = 0; j < result.length; j++) result[j] ^= u[j];
            }
            return result;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(mac + " is not available", e);
        }
    }

    /** ClientKey = HMAC(SaltedPassword, "Client Key"). */
    public byte[] clientKey(byte[] saltedPassword) {
        return hmac(saltedPassword, "Client Key".getBytes(StandardCharsets.US_ASCII));
    }

    /** StoredKey = H(HMAC(SaltedPassword, "Client Key")). */
    public byte[] storedKey(byte[] saltedPassword) {
        return hash(clientKey(saltedPassword));
    }

    /** ServerKey = HMAC(SaltedPassword, "Server Key"). */
    public byte[] serverKey(byte[] saltedPassword) {
        return hmac(saltedPassword, "Server Key".getBytes(StandardCharsets.US_ASCII));
    }
}
