package io.runnel.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * Batch headers of one segment file, read through a window: one positional read fetches up to
 * {@link #WINDOW} bytes and every header inside it is served from there, so a walk over many small
 * batches costs one read per window instead of one read (and one buffer) per header. A walk over large
 * batches costs what it did: one read per header.
 *
 * <p>Callers only ask for bytes below a size they have already seen published, which never change while
 * the walk lasts (appends go after it; truncation is detected by the callers' sanity checks as before).
 * One instance per walk; not thread-safe.
 */
final class HeaderWindow {
    /** Bytes read at once: a few dozen small batches' headers, one page-cache copy of 8 KiB. */
    static final int WINDOW = 8 * 1024;

    private final FileChannel channel;
    private final ByteBuffer buf = ByteBuffer.allocate(WINDOW);
    private long start = -1;

    HeaderWindow(FileChannel channel) {
        this.channel = channel;
    }

    /** The window's buffer (big-endian); indexes come from {@link #at}. */
    ByteBuffer buffer() {
        return buf;
    }

    /**
     * Makes file bytes {@code [position, position + n)} available in {@link #buffer()} and returns the
     * index of the first; -1 when the file ends first.
     *
     * @param n at most {@link #WINDOW}
     */
    int at(long position, int n) throws IOException {
        if (start >= 0 && position >= start && position + n <= start + buf.limit()) {
            return (int) (position - start);
        }
        buf.clear();
        while (buf.position() < n) {
            int r = channel.read(buf, position + buf.position());
            if (r < 0) {
                start = -1;
                return -1;
            }
        }
        buf.flip();
        start = position;
        return 0;
    }
}
