package io.runnel.metadata;

import java.util.Arrays;
import java.util.Objects;

/**
 * A user's SCRAM credential for one mechanism as the metadata log keeps it (RFC 5802): salt, StoredKey,
 * ServerKey and the iteration count; never the password or the salted password.
 */
public final class ScramCredential {
    /** Kafka's mechanism ids in AlterUserScramCredentials / DescribeUserScramCredentials. */
    public static final byte SCRAM_SHA_256 = 1;
    public static final byte SCRAM_SHA_512 = 2;
    /** Kafka's bounds on the iteration count of a SCRAM credential. */
    public static final int MIN_ITERATIONS = 4096;
    public static final int MAX_ITERATIONS = 16384;

    private final byte[] salt;
    private final byte[] storedKey;
    private final byte[] serverKey;
    private final int iterations;

    public ScramCredential(byte[] salt, byte[] storedKey, byte[] serverKey, int iterations) {
        this.salt = salt.clone();
        this.storedKey = storedKey.clone();
        this.serverKey = serverKey.clone();
        this.iterations = iterations;
    }

    /** The SASL mechanism name of a Kafka mechanism id, or null for an unknown id. */
    public static String mechanismName(byte id) {
        return switch (id) {
            case SCRAM_SHA_256 -> "SCRAM-SHA-256";
            case SCRAM_SHA_512 -> "SCRAM-SHA-512";
            default -> null;
        };
    }

    /** The Kafka mechanism id of a SASL mechanism name, or 0 (UNKNOWN) for another name. */
    public static byte mechanismId(String name) {
        return switch (name) {
            case "SCRAM-SHA-256" -> SCRAM_SHA_256;
            case "SCRAM-SHA-512" -> SCRAM_SHA_512;
            default -> 0;
        };
    }

    public byte[] salt() {
        return salt.clone();
    }

    public byte[] storedKey() {
        return storedKey.clone();
    }

    public byte[] serverKey() {
        return serverKey.clone();
    }

    public int iterations() {
        return iterations;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ScramCredential c && iterations == c.iterations && Arrays.equals(salt, c.salt)
                && Arrays.equals(storedKey, c.storedKey) && Arrays.equals(serverKey, c.serverKey);
    }

    @Override
    public int hashCode() {
        return Objects.hash(Arrays.hashCode(salt), Arrays.hashCode(storedKey), Arrays.hashCode(serverKey), iterations);
    }

    @Override
    public String toString() {
        return "ScramCredential(iterations=" + iterations + ")"; // never the keys
    }
}
