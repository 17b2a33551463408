package io.runnel.record;

import io.runnel.common.ApiException;
import net.jpountz.lz4.LZ4Exception;
import net.jpountz.lz4.LZ4Factory;
import net.jpountz.lz4.LZ4SafeDecompressor;
import net.jpountz.xxhash.StreamingXXHash32;
import net.jpountz.xxhash.XXHash32;
import net.jpountz.xxhash.XXHashFactory;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Reads the LZ4 frames of a compressed batch's records section block by block, straight from the batch's buffer:
 * each block is decompressed (or, when stored uncompressed, copied) into the caller's array, with no stream, no
 * per-batch buffers and no intermediate copy. It is the broker's one lz4 reader: validation and record decoding scan
 * it through {@link RecordScanner}, the transcoder and {@link CompressionType#LZ4}'s input stream read it as a stream
 * ({@link RecordScanner#asStream()}). It replaced lz4-java's {@code LZ4FrameInputStream}, which allocated two 64 KiB
 * arrays per batch and copied every byte twice more (about 8% of the broker's CPU in benchmark scenario (b),
 * docs/benchmarks.md).
 *
 * <p>The frame format (LZ4 frame format 1.6): magic {@code 0x184D2204}; FLG (version 01, block independence, block
 * checksum, content size, content checksum, dictionary id); BD (maximum block size 64 KiB, 256 KiB, 1 MiB or 4 MiB);
 * the optional content size; the header checksum (second byte of the xxHash32 of the descriptor); then blocks, each a
 * little-endian size whose top bit marks a block stored uncompressed, followed by an optional xxHash32 of its stored
 * bytes; a zero size ends the frame, followed by the optional xxHash32 of the whole content. Every checksum present is
 * checked. Several frames may follow one another, and skippable frames are skipped, as lz4-java's reader does.
 * Dependent blocks and dictionaries are refused (neither lz4-java's reader nor Kafka's accepts them; no Kafka client
 * writes them).
 *
 * <p>Errors are reported as {@link ApiException} with CORRUPT_MESSAGE. One instance per thread,
 * reused; not thread-safe.
 */
final class Lz4FrameReader {
    private static final int MAGIC = 0x184D2204;
    private static final int SKIPPABLE_MAGIC = 0x184D2A50;
    private static final int SKIPPABLE_MASK = 0xFFFFFFF0;

    private static final int FLG_VERSION_MASK = 0xC0;
    private static final int FLG_VERSION = 0x40;
    private static final int FLG_BLOCK_INDEPENDENCE = 0x20;
    private static final int FLG_BLOCK_CHECKSUM = 0x10;
    private static final int FLG_CONTENT_SIZE = 0x08;
    private static final int FLG_CONTENT_CHECKSUM = 0x04;
    private static final int FLG_RESERVED = 0x02;
    private static final int FLG_DICT_ID = 0x01;
    private static final int BD_RESERVED = 0x8F;

    private static final LZ4SafeDecompressor DECOMPRESSOR = LZ4Factory.fastestInstance().safeDecompressor();
    private static final XXHash32 HASH = XXHashFactory.fastestInstance().hash32();

    private ByteBuffer buf;
    private int pos;
    private int end;
    /** True between a frame's header and its end mark. */
    private boolean inFrame;
    private int flags;
    private int maxBlockSize;
    private long contentSize;
    private long produced;
    /** The current frame has a content checksum: its content goes through {@link #contentHash}. */
    private boolean hashContent;
    /** Created on the first frame with a content checksum, then reused (pure Java: no native state to free). */
    private StreamingXXHash32 contentHash;
    private ByteBuffer dest;

    /** Starts reading {@code buffer[from, to)}, which must begin with a frame; checks the first frame's header. */
    Lz4FrameReader reset(ByteBuffer buffer, int from, int to) {
        this.buf = buffer.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        this.pos = from;
        this.end = to;
        this.inFrame = false;
        this.maxBlockSize = 0;
        if (!nextFrame()) throw corrupt("Empty lz4 stream");
        return this;
    }

    /** The current frame's maximum block size: an array this long holds any of its blocks. */
    int maxBlockSize() {
        return maxBlockSize;
    }

    /**
     * Puts the next block's content into {@code dst} (at least {@link #maxBlockSize()} long); its length, or -1 at the
     * end of the data. A block may be empty. When a following frame has larger blocks, {@code dst} may be too short:
     * then nothing is consumed and {@code -2 - maxBlockSize()} is returned (the caller grows its array and calls again).
     */
    int nextBlock(byte[] dst) {
        while (true) {
            if (!inFrame) {
                if (!nextFrame()) return -1;
            }
            if (dst.length < maxBlockSize) return -2 - maxBlockSize;
            int word = readIntLE("block size");
            if (word == 0) {
                endFrame();
                continue;
            }
            boolean stored = (word & 0x80000000) != 0;
            int size = word & 0x7FFFFFFF;
            if (size > maxBlockSize) {
                throw corrupt("lz4 block of " + size + " bytes is larger than the frame's maximum block size " + maxBlockSize);
            }
            need(size, "block");
            int blockStart = pos;
            pos += size;
            if ((flags & FLG_BLOCK_CHECKSUM) != 0) {
                int expected = readIntLE("block checksum");
                int actual = HASH.hash(buf, blockStart, size, 0);
                if (expected != actual) throw corrupt("lz4 block checksum mismatch");
            }
            int n;
            if (stored) {
                buf.get(blockStart, dst, 0, size);
                n = size;
            } else {
                if (dest == null || dest.array() != dst) dest = ByteBuffer.wrap(dst);
                try {
                    n = DECOMPRESSOR.decompress(buf, blockStart, size, dest, 0, maxBlockSize);
                } catch (LZ4Exception e) {
                    throw corrupt("Malformed lz4 block: " + e.getMessage());
                }
            }
            produced += n;
            if (hashContent) contentHash.update(dst, 0, n);
            return n;
        }
    }

    /** Drops the reference to the batch's buffer. */
    void release() {
        buf = null;
    }

    /** Reads the next frame's header, skipping skippable frames; false when no byte is left. */
    private boolean nextFrame() {
        while (true) {
            if (pos == end) return false;
            int magic = readIntLE("frame magic");
            if ((magic & SKIPPABLE_MASK) == SKIPPABLE_MAGIC) {
                int size = readIntLE("skippable frame size");
                if (size < 0) throw corrupt("Skippable lz4 frame of " + Integer.toUnsignedLong(size) + " bytes");
                need(size, "skippable frame");
                pos += size;
                continue;
            }
            if (magic != MAGIC) throw corrupt("Not an lz4 frame: magic 0x" + Integer.toHexString(magic));
            need(3, "frame header");
            int descriptor = pos;
            int flg = buf.get(pos++) & 0xFF;
            int bd = buf.get(pos++) & 0xFF;
            if ((flg & FLG_VERSION_MASK) != FLG_VERSION) throw corrupt("Unsupported lz4 frame version " + ((flg & FLG_VERSION_MASK) >>> 6));
            if ((flg & FLG_RESERVED) != 0 || (bd & BD_RESERVED) != 0) throw corrupt("Reserved bits are set in the lz4 frame header");
            if ((flg & FLG_DICT_ID) != 0) throw corrupt("lz4 frames with a dictionary are not supported");
            if ((flg & FLG_BLOCK_INDEPENDENCE) == 0) throw corrupt("lz4 frames with dependent blocks are not supported");
            int sizeId = (bd >>> 4) & 0x07;
            if (sizeId < 4) throw corrupt("Invalid lz4 maximum block size id " + sizeId);
            maxBlockSize = 1 << (2 * sizeId + 8);
            contentSize = -1;
            if ((flg & FLG_CONTENT_SIZE) != 0) {
                need(9, "frame header");
                contentSize = buf.getLong(pos);
                pos += 8;
            }
            int expected = buf.get(pos) & 0xFF;
            int actual = (HASH.hash(buf, descriptor, pos - descriptor, 0) >>> 8) & 0xFF;
            if (expected != actual) throw corrupt("lz4 frame header checksum mismatch");
            pos++;
            flags = flg;
            produced = 0;
            hashContent = (flg & FLG_CONTENT_CHECKSUM) != 0;
            if (hashContent) {
                if (contentHash == null) contentHash = XXHashFactory.fastestJavaInstance().newStreamingHash32(0);
                else contentHash.reset();
            }
            inFrame = true;
            return true;
        }
    }

    private void endFrame() {
        if (hashContent) {
            int expected = readIntLE("content checksum");
            if (expected != contentHash.getValue()) throw corrupt("lz4 content checksum mismatch");
        }
        if (contentSize >= 0 && contentSize != produced) {
            throw corrupt("lz4 frame holds " + produced + " bytes, its header says " + contentSize);
        }
        inFrame = false;
    }

    private int readIntLE(String what) {
        need(4, what);
        int v = buf.getInt(pos);
        pos += 4;
        return v;
    }

    private void need(int n, String what) {
        if (end - pos < n) throw corrupt("Truncated lz4 stream: the " + what + " needs " + n + " bytes, " + (end - pos) + " left");
    }

    private static ApiException corrupt(String message) {
        return RecordScanner.corrupt("Failed to decompress record batch: " + message, null);
    }
}
