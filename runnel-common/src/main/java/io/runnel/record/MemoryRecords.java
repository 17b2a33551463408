package io.runnel.record;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Record batches held in memory. The buffer's position..limit is the content; the buffer is never
 * modified through this view (callers use {@link #buffer()} which returns a duplicate).
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
