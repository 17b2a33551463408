package io.runnel.broker.security;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;

/**
 * The SCRAM formulas of RFC 5802 section 3 for SHA-256 and SHA-512 (RFC 7677 and Kafka's SCRAM-SHA-512):
 * HMAC, H, and the stored and server keys derived from a salted password.
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

    /** StoredKey = H(HMAC(SaltedPassword, "Client Key")). */
    public byte[] storedKey(byte[] saltedPassword) {
        return hash(hmac(saltedPassword, "Client Key".getBytes(StandardCharsets.US_ASCII)));
    }

    /** ServerKey = HMAC(SaltedPassword, "Server Key"). */
    public byte[] serverKey(byte[] saltedPassword) {
        return hmac(saltedPassword, "Server Key".getBytes(StandardCharsets.US_ASCII));
    }
}
