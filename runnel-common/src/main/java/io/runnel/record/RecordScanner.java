package io.runnel.record;

import io.runnel.common.ApiException;
import io.runnel.common.Errors;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * A forward-only cursor over the records section of a batch: over the batch's own bytes (uncompressed), over its lz4
 * frames (decompressed block by block by {@link Lz4FrameReader}) or over a decompressing stream (the other codecs).
 * Either way the bytes are read through one reusable heap window (16 KiB, 64 KiB once lz4 blocks were read; less while
 * batches are small), refilled by a bulk copy from the batch, a decompressed block or a read from the stream. One
 * shape of code serves all three, with plain array reads: the record walks the JIT compiles are smaller and no longer mix two buffer classes (on a cold
 * broker, lz4 batches after uncompressed ones made C2 spend 1.35 s recompiling the walk; 0.18 s with the window;
 * docs/benchmarks.md, "Idle machine, 2026-12-03 afternoon").
 * Skipping over an uncompressed batch jumps without copying. Reads beyond the end, overlong varints and
 * decompression failures are reported as {@link ApiException} with {@link Errors#CORRUPT_MESSAGE}.
 *
 * <p>One instance is reused for many batches by one thread; not thread-safe.
 */
final class RecordScanner {
    private static final int CHUNK = 16 * 1024;

    /** Up to 16 KiB; smaller while only small uncompressed batches were scanned. */
    private byte[] window = new byte[0];
    private int pos;
    private int limit;
    /** position() = base + pos. */
    private long base;
    /** The batch's bytes not yet in the window, {@code [srcPos, srcEnd)} (uncompressed); null when streaming. */
    private ByteBuffer src;
    private int srcPos;
    private int srcEnd;
    /** The decompressing stream; null over a batch's own bytes or its lz4 frames. */
    private InputStream in;
    /** Reads lz4 frames block by block; created on first use, then reused. */
    private Lz4FrameReader lz4;
    /** Over lz4 frames: the window holds one decompressed block at a time. */
    private boolean lz4Mode;

    /** Scans {@code buffer[from, to)}. */
    RecordScanner reset(ByteBuffer buffer, int from, int to) {
        int want = Math.min(CHUNK, Math.max(64, to - from));
        if (window.length < want) window = new byte[want];
        this.src = buffer;
        this.srcPos = from;
        this.srcEnd = to;
        this.in = null;
        this.lz4Mode = false;
        this.pos = 0;
        this.limit = 0;
        this.base = 0;
        return this;
    }

    /** Scans the bytes of {@code stream} (typically a decompressing stream). */
    RecordScanner reset(InputStream stream) {
        if (window.length < CHUNK) window = new byte[CHUNK];
        this.src = null;
        this.in = stream;
        this.lz4Mode = false;
        this.pos = 0;
        this.limit = 0;
        this.base = 0;
        return this;
    }

    /** Scans the content of the lz4 frames in {@code buffer[from, to)}. */
    RecordScanner resetLz4(ByteBuffer buffer, int from, int to) {
        if (lz4 == null) lz4 = new Lz4FrameReader();
        lz4.reset(buffer, from, to);
        if (window.length < Math.max(CHUNK, lz4.maxBlockSize())) window = new byte[Math.max(CHUNK, lz4.maxBlockSize())];
        this.src = null;
        this.in = null;
        this.lz4Mode = true;
        this.pos = 0;
        this.limit = 0;
        this.base = 0;
        return this;
    }

    /** Bytes consumed since the last reset. */
    long position() {
        return base + pos;
    }

    /** Bytes certainly left: exact over a batch's own bytes, a lower bound when decompressing. */
    int knownRemaining() {
        return limit - pos + (src != null ? srcEnd - srcPos : 0);
    }

    /** Decompressing: only the window's bytes are known to be there. */
    boolean isStreaming() {
        return src == null;
    }

    /** True when no byte is left (may read ahead from the stream). */
    boolean atEnd() {
        return pos == limit && !fill();
    }

    /** Moves the window on (it must be used up); false at the end of the bytes. */
    private boolean fill() {
        base += limit;
        pos = 0;
        limit = 0;
        if (lz4Mode) {
            while (true) {
                int n = lz4.nextBlock(window);
                if (n == -1) return false;
                if (n < -1) { // a later frame has larger blocks
                    window = new byte[-2 - n];
                    continue;
                }
                if (n == 0) continue;
                limit = n;
                return true;
            }
        }
        if (src != null) {
            int n = Math.min(window.length, srcEnd - srcPos);
            if (n <= 0) return false;
            src.get(srcPos, window, 0, n);
            srcPos += n;
            limit = n;
            return true;
        }
        try {
            int n;
            do {
                n = in.read(window, 0, window.length);
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
        return window[pos++];
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
        int inWindow = limit - pos;
        if (n <= inWindow) {
            pos += n;
            return;
        }
        pos = limit;
        n -= inWindow;
        if (src != null) { // over the batch's own bytes: jump, nothing to copy
            if (n > srcEnd - srcPos) throw corrupt("Record batch ends in the middle of a record", null);
            srcPos += n;
            base += n;
            return;
        }
        while (n > 0) {
            if (!fill()) throw corrupt("Record batch ends in the middle of a record", null);
            int k = Math.min(n, limit);
            pos = k;
            n -= k;
        }
    }

    /** Reads {@code n >= 0} bytes into a new array. A bogus huge length cannot allocate beyond the data. */
    byte[] readBytes(int n) {
        int inWindow = limit - pos;
        if (n <= inWindow) {
            byte[] out = Arrays.copyOfRange(window, pos, pos + n);
            pos += n;
            return out;
        }
        if (src != null) { // over the batch's own bytes: the rest straight from them, not through the window
            if (n > knownRemaining()) throw corrupt("Record batch ends in the middle of a record", null);
            byte[] out = new byte[n];
            System.arraycopy(window, pos, out, 0, inWindow);
            pos = limit;
            src.get(srcPos, out, inWindow, n - inWindow);
            srcPos += n - inWindow;
            base += n - inWindow;
            return out;
        }
        byte[] out = new byte[Math.min(n, 64 * 1024)];
        int have = 0;
        while (have < n) {
            if (pos == limit && !fill()) throw corrupt("Record batch ends in the middle of a record", null);
            int k = Math.min(n - have, limit - pos);
            if (have + k > out.length) out = Arrays.copyOf(out, (int) Math.min(n, Math.max(have + k, out.length * 2L)));
            System.arraycopy(window, pos, out, have, k);
            pos += k;
            have += k;
        }
        return out;
    }

    /**
     * The bytes not yet consumed, as a stream (for code that copies them on rather than walking records: the
     * transcoder). Reading the stream consumes them from this scanner.
     */
    InputStream asStream() {
        return new InputStream() {
            @Override
            public int read() {
                return atEnd() ? -1 : readByte() & 0xFF;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                java.util.Objects.checkFromIndexSize(off, len, b.length);
                if (len == 0) return 0;
                if (atEnd()) return -1;
                int n = Math.min(len, limit - pos);
                System.arraycopy(window, pos, b, off, n);
                pos += n;
                return n;
            }
        };
    }

    /** Drops the references to the last batch's bytes or stream (the scanner may outlive them, kept by its thread). */
    void release() {
        src = null;
        in = null;
        lz4Mode = false;
        if (lz4 != null) lz4.release();
    }

    static ApiException corrupt(String message, Throwable cause) {
        return new ApiException(Errors.CORRUPT_MESSAGE, message, cause);
    }
}
