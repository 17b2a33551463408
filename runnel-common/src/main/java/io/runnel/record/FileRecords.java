package io.runnel.record;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * A region of a segment file holding whole record batches. The network layer sends it with
 * {@code FileChannel.transferTo} (zero-copy); {@link #readInto()} copies it when a copy is needed
 * (TLS, tests).
 *
 * <p>The channel stays owned by the segment; a view does not close it. A segment deleted while a view
 * is being sent is still readable through the open channel (POSIX unlink semantics).
 */
public record FileRecords(FileChannel channel, long position, int size) implements Records {

    @Override
    public int sizeInBytes() {
        return size;
    }

    /** Copies the region into a new heap buffer (position 0, limit = size). */
    public ByteBuffer readInto() {
        ByteBuffer buf = ByteBuffer.allocate(size);
        try {
            long pos = position;
            while (buf.hasRemaining()) {
                int n = channel.read(buf, pos);
                if (n < 0) break;
                pos += n;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        buf.flip();
        return buf;
    }

    public MemoryRecords toMemory() {
        return new MemoryRecords(readInto());
    }
}
