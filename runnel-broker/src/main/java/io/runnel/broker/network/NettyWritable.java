package io.runnel.broker.network;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.runnel.common.Uuid;
import io.runnel.protocol.Writable;
import io.runnel.record.FileRecords;
import io.runnel.record.MemoryRecords;
import io.runnel.record.Records;

import java.util.ArrayList;
import java.util.List;

/**
 * Encodes a response into Netty buffers. Bytes go into pooled ByteBufs; {@link FileRecords} become
 * {@link SharedFileRegion}s between them, so fetch data is sent zero-copy; in-memory records are
 * copied, and so are file records when zero-copy is off (TLS connections) or impossible.
 * {@link #finish()} returns the chunks in order (the first holds a 4-byte size placeholder that it fills in).
 */
final class NettyWritable implements Writable {
    private static final Class<?> PLATFORM_FILE_CHANNEL = platformFileChannelClass();

    private static Class<?> platformFileChannelClass() {
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(java.nio.file.Path.of("/dev/null"))) {
            return ch.getClass();
        } catch (java.io.IOException e) {
            return null; // then every file region is copied
        }
    }

    private final ByteBufAllocator alloc;
    private final boolean zeroCopy;
    private final List<Object> chunks = new ArrayList<>(2);
    private ByteBuf current;
    private long total;

    NettyWritable(ByteBufAllocator alloc, int initialCapacity, boolean zeroCopy) {
        this.alloc = alloc;
        this.zeroCopy = zeroCopy;
        this.current = alloc.buffer(initialCapacity);
        this.current.writeInt(0); // size, filled in by finish()
    }

    @Override public void writeByte(byte v) { current.writeByte(v); }
    @Override public void writeShort(short v) { current.writeShort(v); }
    @Override public void writeInt(int v) { current.writeInt(v); }
    @Override public void writeLong(long v) { current.writeLong(v); }
    @Override public void writeDouble(double v) { current.writeDouble(v); }

    @Override
    public void writeUnsignedVarint(int v) {
        while ((v & 0xffffff80) != 0) {
            current.writeByte((v & 0x7f) | 0x80);
            v >>>= 7;
        }
        current.writeByte(v);
    }

    @Override
    public void writeVarint(int v) {
        writeUnsignedVarint((v << 1) ^ (v >> 31));
    }

    @Override
    public void writeVarlong(long v) {
        long z = (v << 1) ^ (v >> 63);
        while ((z & 0xffffffffffffff80L) != 0) {
            current.writeByte((int) ((z & 0x7f) | 0x80));
            z >>>= 7;
        }
        current.writeByte((int) z);
    }

    @Override
    public void writeUuid(Uuid v) {
        current.writeLong(v.mostSignificantBits()).writeLong(v.leastSignificantBits());
    }

    @Override
    public void writeBytes(byte[] b, int offset, int length) {
        current.writeBytes(b, offset, length);
    }

    @Override
    public void writeRecords(Records records) {
        switch (records) {
            case MemoryRecords m -> current.writeBytes(m.buffer());
            case FileRecords f -> {
                if (f.size() == 0) return;
                // sendfile needs the JDK's own file channel; storage hands out its reopening wrapper when it
                // cannot keep a descriptor open for the send (more files in use than log.max.open.files allows)
                if (!zeroCopy || f.channel().getClass() != PLATFORM_FILE_CHANNEL) {
                    copy(f);
                    return;
                }
                flushCurrent();
                chunks.add(new SharedFileRegion(f.channel(), f.position(), f.size()));
                total += f.size();
                current = alloc.buffer(256);
            }
        }
    }

    /**
     * Copies a file region into pooled buffers (TLS, or a channel sendfile cannot use): one buffer per
     * {@link #COPY_CHUNK} bytes, so a large fetch does not need one large contiguous buffer, read straight from the
     * file channel (no intermediate heap copy).
     */
    private void copy(FileRecords f) {
        long pos = f.position();
        long end = pos + f.size();
        try {
            while (pos < end) {
                if (current.readableBytes() >= COPY_CHUNK) {
                    flushCurrent();
                    current = alloc.buffer((int) Math.min(COPY_CHUNK, end - pos));
                }
                int want = (int) Math.min(COPY_CHUNK - current.readableBytes(), end - pos);
                current.ensureWritable(want);
                int n = current.writeBytes(f.channel(), pos, want);
                if (n < 0) throw new java.io.EOFException("file region ends early at " + pos + " of " + end);
                pos += n;
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The size of the pooled buffers a copied file region is read into (TLS). */
    static final int COPY_CHUNK = 64 * 1024;

    private void flushCurrent() {
        total += current.readableBytes();
        chunks.add(current);
        current = null;
    }

    /** The chunks to write, in order; the size prefix is set. */
    List<Object> finish() {
        if (current.readableBytes() > 0 || chunks.isEmpty()) {
            flushCurrent();
        } else {
            current.release();
        }
        ByteBuf first = (ByteBuf) chunks.get(0);
        first.setInt(0, (int) (total - 4));
        return chunks;
    }

    /** Releases everything written so far (encoding failed). */
    void discard() {
        if (current != null) current.release();
        for (Object c : chunks) io.netty.util.ReferenceCountUtil.release(c);
        chunks.clear();
    }
}
