package io.runnel.record;

import io.runnel.common.ApiException;
import io.runnel.common.Errors;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * A forward-only cursor over the records section of a batch: either directly over the batch's bytes
 * (uncompressed; absolute reads, no copying, no allocation) or over a decompressing stream, read in
 * 16 KiB chunks into one reusable array. Reads beyond the end, overlong varints and decompression
 * failures are reported as {@link ApiException} with {@link Errors#CORRUPT_MESSAGE}.
 *
 * <p>One instance is reused for many batches by one thread; not thread-safe.
 */
final class RecordScanner {
    private static final int CHUNK = 16 * 1024;

    private ByteBuffer buf;
    private int pos;
    private int limit;
    /** position() = base + pos. */
    private long base;
    /** Null in buffer mode. */
    private InputStream in;
    private byte[] chunk;
    private ByteBuffer chunkBuffer;

    /** Scans {@code buffer[from, to)} in place. */
    RecordScanner reset(ByteBuffer buffer, int from, int to) {
        this.buf = buffer;
        this.pos = from;
        this.limit = to;
        this.base = -from;
        this.in = null;
        return this;
    }

    /** Scans the bytes of {@code stream} (typically a decompressing stream). */
    RecordScanner reset(InputStream stream) {
        if (chunk == null) {
            chunk = new byte[CHUNK];
            chunkBuffer = ByteBuffer.wrap(chunk);
        }
        this.buf = chunkBuffer;
        this.pos = 0;
        this.limit = 0;
        this.base = 0;
        this.in = stream;
        return this;
    }

    /** Bytes consumed since the last reset. */
    long position() {
        return base + pos;
    }

    /** Bytes certainly left: exact in buffer mode, a lower bound when decompressing. */
    int knownRemaining() {
        return limit - pos;
    }

    boolean isStreaming() {
        return in != null;
    }

    /** True when no byte is left (may read ahead from the stream). */
    boolean atEnd() {
        return pos == limit && !fill();
    }

    private boolean fill() {
        if (in == null) return false;
        base += limit;
        pos = 0;
        limit = 0;
        try {
            int n;
            do {
                n = in.read(chunk, 0, chunk.length);
            } while (n == 0);
            if (n < 0) return false;
            limit = n;
            return true;
        } catch (IOException | UncheckedIOException e) {
            throw corrupt("Failed to decompress record batch: " + e.getMessage(), e);
        } catch (ApiException e) {
            throw e;
        } catch (RuntimeException e) {
            // codec libraries signal malformed input with their own unchecked exceptions
            throw corrupt("Failed to decompress record batch: " + e, e);
        }
    }

    byte readByte() {
        if (pos == limit && !fill()) throw corrupt("Record batch ends in the middle of a record", null);
        return buf.get(pos++);
    }

    int readVarint() {
        int raw = 0;
        for (int shift = 0; shift < 35; shift += 7) {
            byte b = readByte();
            raw |= (b & 0x7F) << shift;
            if (b >= 0) return (raw >>> 1) ^ -(raw & 1);
        }
        throw corrupt("Varint is longer than 5 bytes", null);
    }

    long readVarlong() {
        long raw = 0;
        for (int shift = 0; shift < 70; shift += 7) {
            byte b = readByte();
            raw |= (long) (b & 0x7F) << shift;
            if (b >= 0) return (raw >>> 1) ^ -(raw & 1);
        }
        throw corrupt("Varlong is longer than 10 bytes", null);
    }

    void skip(int n) {
        while (n > 0) {
            if (pos == limit && !fill()) throw corrupt("Record batch ends in the middle of a record", null);
            int k = Math.min(n, limit - pos);
            pos += k;
            n -= k;
        }
    }

    /** Reads {@code n >= 0} bytes into a new array. A bogus huge length cannot allocate beyond the data. */
    byte[] readBytes(int n) {
        if (n <= limit - pos) {
            byte[] out = new byte[n];
            buf.get(pos, out, 0, n);
            pos += n;
            return out;
        }
        if (in == null) throw corrupt("Record batch ends in the middle of a record", null);
        byte[] out = new byte[Math.min(n, 64 * 1024)];
        int have = 0;
        while (have < n) {
            if (pos == limit && !fill()) throw corrupt("Record batch ends in the middle of a record", null);
            int k = Math.min(n - have, limit - pos);
            if (have + k > out.length) out = Arrays.copyOf(out, (int) Math.min(n, Math.max(have + k, out.length * 2L)));
            buf.get(pos, out, have, k);
            pos += k;
            have += k;
        }
        return out;
    }

    static ApiException corrupt(String message, Throwable cause) {
        return new ApiException(Errors.CORRUPT_MESSAGE, message, cause);
    }
}
