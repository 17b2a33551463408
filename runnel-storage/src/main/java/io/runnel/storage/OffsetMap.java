package io.runnel.storage;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The cleaner's key → latest offset map, in a fixed block of memory: open addressing over slots of a
 * 16-byte MD5 digest of the key and an 8-byte offset. Keys are never stored, so memory use is exact
 * ({@code 24} bytes per slot) and independent of key sizes; a digest collision between two different
 * keys (probability about 2^-128 per pair) would make the cleaner treat them as one key.
 *
 * <p>At most {@value #LOAD_FACTOR} of the slots are filled, keeping probe sequences short.
 *
 * <p>Not thread-safe: each cleaner thread owns one.
 */
final class OffsetMap {
    static final double LOAD_FACTOR = 0.9;
    private static final int HASH_SIZE = 16;
    static final int SLOT_SIZE = HASH_SIZE + 8;

    private final ByteBuffer slots;
    private final int capacity;
    private final MessageDigest digest;
    private final byte[] hash = new byte[HASH_SIZE];
    private int entries;

    /** A map using at most {@code memoryBytes} (and at least two slots). */
    OffsetMap(long memoryBytes) {
        long n = Math.max(2, Math.min(memoryBytes / SLOT_SIZE, Integer.MAX_VALUE / SLOT_SIZE));
        this.capacity = (int) n;
        this.slots = ByteBuffer.allocate(capacity * SLOT_SIZE);
        try {
            this.digest = MessageDigest.getInstance("MD5");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("MD5 is required by every Java platform", e);
        }
        clear();
    }

    /** How many keys fit. */
    int maxEntries() {
        return Math.max(1, Math.min(capacity - 1, (int) (capacity * LOAD_FACTOR)));
    }

    int size() {
        return entries;
    }

    void clear() {
        entries = 0;
        for (int i = 0; i < capacity; i++) slots.putLong(i * SLOT_SIZE + HASH_SIZE, -1L);
    }

    private void hashKey(byte[] key) {
        digest.reset();
        digest.update(key);
        try {
            digest.digest(hash, 0, HASH_SIZE);
        } catch (java.security.DigestException e) {
            throw new IllegalStateException(e);
        }
    }

    private int findSlot() {
        long h = ((long) (hash[0] & 0xff) << 24 | (hash[1] & 0xff) << 16 | (hash[2] & 0xff) << 8 | (hash[3] & 0xff));
        int slot = (int) (h % capacity);
        while (true) {
            int base = slot * SLOT_SIZE;
            if (slots.getLong(base + HASH_SIZE) < 0 || matches(base)) return slot;
            slot = slot + 1 == capacity ? 0 : slot + 1;
        }
    }

    private boolean matches(int base) {
        for (int i = 0; i < HASH_SIZE; i++) {
            if (slots.get(base + i) != hash[i]) return false;
        }
        return true;
    }

    /**
     * Records {@code offset} as the latest offset of {@code key}.
     *
     * @return false when the key is new and the map is full (nothing stored)
     */
    boolean put(byte[] key, long offset) {
        hashKey(key);
        int base = findSlot() * SLOT_SIZE;
        if (slots.getLong(base + HASH_SIZE) < 0) {
            if (entries >= maxEntries()) return false;
            slots.put(base, hash);
            entries++;
        }
        slots.putLong(base + HASH_SIZE, offset);
        return true;
    }

    /** The latest offset recorded for {@code key}, or -1. */
    long get(byte[] key) {
        hashKey(key);
        return slots.getLong(findSlot() * SLOT_SIZE + HASH_SIZE);
    }
}
