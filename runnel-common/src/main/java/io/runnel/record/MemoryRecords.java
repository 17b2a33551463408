package io.runnel.record;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Record batches held in memory. The buffer's position..limit is the content. This view itself never
 * modifies the bytes; {@link #buffer()} returns a duplicate that shares them, through which
 * {@link BatchValidator} assigns offsets in place (so a validated MemoryRecords holds the stamped batches).
 * Not thread-safe while being validated; otherwise as safe as the bytes.
 */
public final class MemoryRecords implements Records {
    public static final MemoryRecords EMPTY = new MemoryRecords(ByteBuffer.allocate(0));

    private final ByteBuffer buffer;

    public MemoryRecords(ByteBuffer buffer) {
        this.buffer = buffer.slice();
    }

    public static MemoryRecords of(byte[] bytes) {
        return new MemoryRecords(ByteBuffer.wrap(bytes));
    }

    /** An independent view of the bytes, position 0, limit = size. */
    public ByteBuffer buffer() {
        return buffer.duplicate();
    }

    /** The complete batches, as flyweights over these bytes (see {@link Batches#iterate}). */
    public Iterable<RecordBatch> batches() {
        return () -> Batches.iterate(buffer.duplicate());
    }

    @Override
    public int sizeInBytes() {
        return buffer.remaining();
    }

    public byte[] toArray() {
        byte[] out = new byte[buffer.remaining()];
        buffer.duplicate().get(out);
        return out;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MemoryRecords m && buffer.equals(m.buffer);
    }

    @Override
    public int hashCode() {
        return buffer.hashCode();
    }

    @Override
    public String toString() {
        return "MemoryRecords(" + sizeInBytes() + " bytes" + (sizeInBytes() <= 16 ? " " + Arrays.toString(toArray()) : "") + ")";
    }
}
