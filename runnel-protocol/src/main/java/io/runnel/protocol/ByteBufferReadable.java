package io.runnel.protocol;

import io.runnel.common.Uuid;
import io.runnel.record.MemoryRecords;
import io.runnel.record.Records;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/** Reads from a heap or direct ByteBuffer; records are returned as zero-copy slices of it. */
public final class ByteBufferReadable implements Readable {
    private final ByteBuffer buf;

    public ByteBufferReadable(ByteBuffer buf) {
        this.buf = buf;
    }

    public ByteBuffer buffer() {
        return buf;
    }

    private void need(int n) {
        if (n < 0 || buf.remaining() < n) {
            throw new MalformedMessageException("need " + n + " bytes, " + buf.remaining() + " remain");
        }
    }

    @Override public byte readByte() { need(1); return buf.get(); }
    @Override public short readShort() { need(2); return buf.getShort(); }
    @Override public int readInt() { need(4); return buf.getInt(); }
    @Override public long readLong() { need(8); return buf.getLong(); }
    @Override public double readDouble() { need(8); return buf.getDouble(); }

    @Override
    public int readUnsignedVarint() {
        int value = 0;
        for (int shift = 0; shift < 35; shift += 7) {
            byte b = readByte();
            value |= (b & 0x7f) << shift;
            if ((b & 0x80) == 0) return value;
        }
        throw new MalformedMessageException("varint longer than 5 bytes");
    }

    @Override
    public int readVarint() {
        int raw = readUnsignedVarint();
        return (raw >>> 1) ^ -(raw & 1);
    }

    @Override
    public long readVarlong() {
        long value = 0;
        for (int shift = 0; shift < 70; shift += 7) {
            byte b = readByte();
            value |= (long) (b & 0x7f) << shift;
            if ((b & 0x80) == 0) return (value >>> 1) ^ -(value & 1);
        }
        throw new MalformedMessageException("varlong longer than 10 bytes");
    }

    @Override
    public Uuid readUuid() {
        need(16);
        return new Uuid(buf.getLong(), buf.getLong());
    }

    @Override
    public byte[] readBytes(int length) {
        need(length);
        byte[] b = new byte[length];
        buf.get(b);
        return b;
    }

    @Override
    public String readString(int length) {
        need(length);
        String s;
        if (buf.hasArray()) {
            s = new String(buf.array(), buf.arrayOffset() + buf.position(), length, StandardCharsets.UTF_8);
            buf.position(buf.position() + length);
        } else {
            s = new String(readBytes(length), StandardCharsets.UTF_8);
        }
        return s;
    }

    @Override
    public Records readRecords(int length) {
        need(length);
        ByteBuffer slice = buf.slice(buf.position(), length);
        buf.position(buf.position() + length);
        return new MemoryRecords(slice);
    }

    @Override
    public void skip(int length) {
        need(length);
        buf.position(buf.position() + length);
    }

    @Override
    public int remaining() {
        return buf.remaining();
    }

    /** Wraps a buffer underflow from a caller into our exception type. */
    static MalformedMessageException underflow(BufferUnderflowException e) {
        return new MalformedMessageException("truncated message", e);
    }
}
