package io.runnel.record;

import java.io.OutputStream;
import java.util.Arrays;

/**
 * A growable byte array written in Kafka's encodings (big-endian fixed-width integers, zig-zag
 * varints). Also an {@link OutputStream}, so compression streams can write into it; {@link #close()}
 * does nothing. Not thread-safe.
 */
final class ByteWriter extends OutputStream {
    private byte[] buf;
    private int size;

    ByteWriter(int initialCapacity) {
        buf = new byte[Math.max(16, initialCapacity)];
    }

    int size() { return size; }

    byte[] array() { return buf; }

    void reset() { size = 0; }

    private void ensure(int extra) {
        int need = size + extra;
        if (need < 0) throw new IllegalStateException("batch larger than 2 GiB");
        if (need > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(need, (int) Math.min(Integer.MAX_VALUE - 8, buf.length * 2L)));
        }
    }

    @Override
    public void write(int b) {
        ensure(1);
        buf[size++] = (byte) b;
    }

    @Override
    public void write(byte[] b, int off, int len) {
        ensure(len);
        System.arraycopy(b, off, buf, size, len);
        size += len;
    }

    void writeBytes(byte[] b) {
        write(b, 0, b.length);
    }

    void skip(int n) {
        ensure(n);
        size += n;
    }

    void writeVarint(int v) {
        writeUnsignedVarlong(Integer.toUnsignedLong((v << 1) ^ (v >> 31)));
    }

    void writeVarlong(long v) {
        writeUnsignedVarlong((v << 1) ^ (v >> 63));
    }

    private void writeUnsignedVarlong(long u) {
        ensure(10);
        while ((u & ~0x7FL) != 0) {
            buf[size++] = (byte) ((u & 0x7F) | 0x80);
            u >>>= 7;
        }
        buf[size++] = (byte) u;
    }

    /** Bytes {@link #writeVarint} uses for {@code v}. */
    static int varintSize(int v) {
        return unsignedVarlongSize(Integer.toUnsignedLong((v << 1) ^ (v >> 31)));
    }

    /** Bytes {@link #writeVarlong} uses for {@code v}. */
    static int varlongSize(long v) {
        return unsignedVarlongSize((v << 1) ^ (v >> 63));
    }

    private static int unsignedVarlongSize(long u) {
        int bits = 64 - Long.numberOfLeadingZeros(u | 1);
        return (bits + 6) / 7;
    }

    @Override
    public void close() {
        // nothing to release; the bytes stay readable
    }
}
