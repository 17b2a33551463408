package io.runnel.record;

import java.io.InputStream;
import java.nio.ByteBuffer;

/**
 * An {@link InputStream} over a region of a ByteBuffer, read with absolute gets: the buffer's position
 * and limit are never touched and nothing is copied up front. Not thread-safe.
 */
final class ByteBufferInputStream extends InputStream {
    private final ByteBuffer buf;
    private int pos;
    private final int end;

    ByteBufferInputStream(ByteBuffer buf, int from, int to) {
        this.buf = buf;
        this.pos = from;
        this.end = to;
    }

    @Override
    public int read() {
        return pos < end ? buf.get(pos++) & 0xff : -1;
    }

    @Override
    public int read(byte[] b, int off, int len) {
        if (len == 0) return 0;
        if (pos >= end) return -1;
        int n = Math.min(len, end - pos);
        buf.get(pos, b, off, n);
        pos += n;
        return n;
    }

    @Override
    public long skip(long n) {
        long k = Math.max(0, Math.min(n, end - pos));
        pos += (int) k;
        return k;
    }

    @Override
    public int available() {
        return end - pos;
    }
}
