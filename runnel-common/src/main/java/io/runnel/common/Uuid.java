package io.runnel.common;

import java.nio.ByteBuffer;
import java.util.Base64;
import java.util.concurrent.ThreadLocalRandom;

/** A 128-bit id as Kafka uses for topics and clusters; printed as 22 characters of URL-safe base64. */
public record Uuid(long mostSignificantBits, long leastSignificantBits) implements Comparable<Uuid> {
    public static final Uuid ZERO = new Uuid(0L, 0L);
    /** Kafka reserves ids whose text starts with '-' and the ids 0 and 1 ("METADATA_TOPIC_ID"). */
    public static final Uuid ONE = new Uuid(0L, 1L);

    public static Uuid random() {
        return random(ThreadLocalRandom.current());
    }

    /** A random id drawn from {@code r} (seeded in tests, so ids replay), never one Kafka reserves. */
    public static Uuid random(java.util.random.RandomGenerator r) {
        while (true) {
            Uuid u = new Uuid(r.nextLong(), r.nextLong());
            if (!u.equals(ZERO) && !u.equals(ONE) && !u.toString().startsWith("-")) return u;
        }
    }

    public static Uuid fromString(String s) {
        byte[] b = Base64.getUrlDecoder().decode(s);
        if (b.length != 16) throw new IllegalArgumentException("not a 16-byte uuid: " + s);
        ByteBuffer buf = ByteBuffer.wrap(b);
        return new Uuid(buf.getLong(), buf.getLong());
    }

    @Override
    public String toString() {
        ByteBuffer buf = ByteBuffer.allocate(16).putLong(mostSignificantBits).putLong(leastSignificantBits);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(buf.array());
    }

    @Override
    public int compareTo(Uuid o) {
        int c = Long.compare(mostSignificantBits, o.mostSignificantBits);
        return c != 0 ? c : Long.compare(leastSignificantBits, o.leastSignificantBits);
    }
}
