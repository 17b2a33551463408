package io.runnel.protocol;

import io.runnel.common.Uuid;
import io.runnel.record.FileRecords;
import io.runnel.record.MemoryRecords;
import io.runnel.record.Records;

import java.nio.ByteBuffer;

/** Writes into a heap buffer that grows as needed. Records are copied. */
public final class GrowableWritable implements Writable {
    private ByteBuffer buf;

    public GrowableWritable() {
        this(256);
    }

    public GrowableWritable(int initialCapacity) {
        buf = ByteBuffer.allocate(Math.max(16, initialCapacity));
    }

    private void ensure(int n) {
        if (buf.remaining() < n) {
            ByteBuffer bigger = ByteBuffer.allocate(Math.max(buf.capacity() * 2, buf.position() + n));
            buf.flip();
            bigger.put(buf);
            buf = bigger;
        }
    }

    /** The bytes written so far, position 0, limit = size. */
    public ByteBuffer toByteBuffer() {
        return buf.duplicate().flip();
    }

    public byte[] toArray() {
        ByteBuffer b = toByteBuffer();
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }

    public int size() {
        return buf.position();
    }

    @Override public void writeByte(byte v) { ensure(1); buf.put(v); }
    @Override public void writeShort(short v) { ensure(2); buf.putShort(v); }
    @Override public void writeInt(int v) { ensure(4); buf.putInt(v); }
    @Override public void writeLong(long v) { ensure(8); buf.putLong(v); }
    @Override public void writeDouble(double v) { ensure(8); buf.putDouble(v); }

    @Override
    public void writeUnsignedVarint(int v) {
        ensure(5);
        while ((v & 0xffffff80) != 0) {
            buf.put((byte) ((v & 0x7f) | 0x80));
            v >>>= 7;
        }
        buf.put((byte) v);
    }

    @Override
    public void writeVarint(int v) {
        writeUnsignedVarint((v << 1) ^ (v >> 31));
    }

    @Override
    public void writeVarlong(long v) {
        ensure(10);
        long z = (v << 1) ^ (v >> 63);
        while ((z & 0xffffffffffffff80L) != 0) {
            buf.put((byte) ((z & 0x7f) | 0x80));
            z >>>= 7;
        }
        buf.put((byte) z);
    }

    @Override
    public void writeUuid(Uuid v) {
        ensure(16);
        buf.putLong(v.mostSignificantBits()).putLong(v.leastSignificantBits());
    }

    @Override
    public void writeBytes(byte[] b, int offset, int length) {
        ensure(length);
        buf.put(b, offset, length);
    }

    public void writeBuffer(ByteBuffer src) {
        ensure(src.remaining());
        buf.put(src.duplicate());
    }

    @Override
    public void writeRecords(Records records) {
        switch (records) {
            case MemoryRecords m -> writeBuffer(m.buffer());
            case FileRecords f -> writeBuffer(f.readInto());
        }
    }
}
