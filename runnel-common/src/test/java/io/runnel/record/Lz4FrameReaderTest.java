package io.runnel.record;

import io.runnel.common.ApiException;
import io.runnel.common.Errors;
import net.jpountz.lz4.LZ4Factory;
import net.jpountz.lz4.LZ4FrameOutputStream;
import net.jpountz.xxhash.XXHashFactory;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The produce path's lz4 frame reader: every frame lz4-java's writer makes (each block size, each checksum and the
 * content size) reads back exactly, in a heap or a direct buffer; a broken frame is CORRUPT_MESSAGE naming what is
 * wrong. Frames with hand-set flags are written by {@link #frame} below, independently of the production code.
 */
class Lz4FrameReaderTest {

    @Property(tries = 60)
    void everyFrameLz4JavaWritesReadsBackExactly(@ForAll("contents") byte[] content, @ForAll("blockSizes") LZ4FrameOutputStream.BLOCKSIZE size,
                                                 @ForAll boolean blockChecksum, @ForAll boolean contentChecksum,
                                                 @ForAll boolean contentSize, @ForAll boolean direct) throws IOException {
        List<LZ4FrameOutputStream.FLG.Bits> bits = new ArrayList<>(List.of(LZ4FrameOutputStream.FLG.Bits.BLOCK_INDEPENDENCE));
        if (blockChecksum) bits.add(LZ4FrameOutputStream.FLG.Bits.BLOCK_CHECKSUM);
        if (contentChecksum) bits.add(LZ4FrameOutputStream.FLG.Bits.CONTENT_CHECKSUM);
        if (contentSize) bits.add(LZ4FrameOutputStream.FLG.Bits.CONTENT_SIZE);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (LZ4FrameOutputStream lz = new LZ4FrameOutputStream(out, size, contentSize ? content.length : -1L,
                bits.toArray(LZ4FrameOutputStream.FLG.Bits[]::new))) {
            lz.write(content);
        }
        assertThat(read(wrap(out.toByteArray(), direct))).isEqualTo(content);
    }

    @Provide
    Arbitrary<byte[]> contents() {
        // letters compress a little, a repeated pattern a lot, random bytes not at all (stored blocks)
        return Arbitraries.integers().between(0, 300_000).flatMap(n -> Arbitraries.integers().between(0, 2).map(kind -> {
            byte[] b = new byte[n];
            Random r = new Random(n * 31L + kind);
            for (int i = 0; i < n; i++) {
                b[i] = switch (kind) {
                    case 0 -> (byte) ('A' + r.nextInt(26));
                    case 1 -> (byte) (i % 97);
                    default -> (byte) r.nextInt();
                };
            }
            return b;
        }));
    }

    @Provide
    Arbitrary<LZ4FrameOutputStream.BLOCKSIZE> blockSizes() {
        return Arbitraries.of(LZ4FrameOutputStream.BLOCKSIZE.SIZE_64KB, LZ4FrameOutputStream.BLOCKSIZE.SIZE_256KB,
                LZ4FrameOutputStream.BLOCKSIZE.SIZE_1MB, LZ4FrameOutputStream.BLOCKSIZE.SIZE_4MB);
    }

    @Test
    void framesFollowOneAnotherAndSkippableFramesAreSkipped() {
        byte[] a = letters(70_000, 1);
        byte[] b = letters(1_000, 2);
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        all.writeBytes(frame(a, 0x60, 0x40, 65_536, false));
        all.writeBytes(le(0x184D2A53));
        all.writeBytes(le(3));
        all.writeBytes(new byte[] {9, 9, 9});
        // the second frame has 256 KiB blocks: the scanner's window grows for it
        all.writeBytes(frame(b, 0x60, 0x50, 262_144, false));
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        expected.writeBytes(a);
        expected.writeBytes(b);
        assertThat(read(ByteBuffer.wrap(all.toByteArray()))).isEqualTo(expected.toByteArray());
    }

    @Test
    void storedBlocksAreReadAsTheyAre() {
        byte[] content = letters(100_000, 3);
        assertThat(read(ByteBuffer.wrap(frame(content, 0x60, 0x40, 65_536, true)))).isEqualTo(content);
    }

    @Test
    void aBrokenFrameIsCorruptAndNamesWhatIsWrong() {
        byte[] content = repeated(100_000, 4);
        byte[] good = frame(content, 0x60, 0x40, 65_536, false);
        assertThat(ByteBuffer.wrap(good).order(ByteOrder.LITTLE_ENDIAN).getInt(7)).as("first block compressed").isBetween(1, 65_535);

        assertCorrupt(patch(good, 0, (byte) 0x05), "Not an lz4 frame");
        assertCorrupt(withHeaderChecksum(0x80, 0x40), "Unsupported lz4 frame version 2");
        assertCorrupt(withHeaderChecksum(0x62, 0x40), "Reserved bits");
        assertCorrupt(withHeaderChecksum(0x60, 0x41), "Reserved bits");
        assertCorrupt(withHeaderChecksum(0x61, 0x40), "dictionary");
        assertCorrupt(withHeaderChecksum(0x40, 0x40), "dependent blocks");
        assertCorrupt(withHeaderChecksum(0x60, 0x30), "maximum block size id 3");
        assertCorrupt(patch(good, 6, (byte) (good[6] ^ 0x01)), "header checksum mismatch");
        assertCorrupt(java.util.Arrays.copyOf(good, good.length - 10), "Truncated lz4 stream");
        assertCorrupt(java.util.Arrays.copyOf(good, good.length - 4), "Truncated lz4 stream: the block size");
        // a block size word above the frame's maximum
        byte[] big = good.clone();
        ByteBuffer.wrap(big).order(ByteOrder.LITTLE_ENDIAN).putInt(7, 65_537);
        assertCorrupt(big, "larger than the frame's maximum block size 65536");
        // garbage where a compressed block should be
        byte[] garbage = good.clone();
        for (int i = 11; i < 40; i++) garbage[i] = (byte) 0xFF;
        assertCorrupt(garbage, "Malformed lz4 block");
    }

    @Test
    void everyChecksumPresentIsChecked() {
        byte[] content = repeated(100_000, 5);
        // block checksum (FLG 0x70): flip a byte inside the first block
        byte[] blocks = frame(content, 0x70, 0x40, 65_536, false);
        assertThat(read(ByteBuffer.wrap(blocks))).isEqualTo(content);
        assertCorrupt(patch(blocks, 20, (byte) (blocks[20] ^ 0x20)), "lz4 block checksum mismatch");
        // content checksum (FLG 0x64): the last four bytes
        byte[] whole = frame(content, 0x64, 0x40, 65_536, false);
        assertThat(read(ByteBuffer.wrap(whole))).isEqualTo(content);
        assertCorrupt(patch(whole, whole.length - 1, (byte) (whole[whole.length - 1] ^ 0x01)), "lz4 content checksum mismatch");
        // content size (FLG 0x68) that does not match what the blocks hold
        byte[] sized = frameWithContentSize(content, content.length + 1L);
        assertCorrupt(sized, "lz4 frame holds 100000 bytes, its header says 100001");
        assertThat(read(ByteBuffer.wrap(frameWithContentSize(content, content.length)))).isEqualTo(content);
    }

    @Test
    void aValidatedLz4BatchWithChecksumsPassesAndABrokenOneIsCorrupt() {
        RawBatches.RecordsWriter w = new RawBatches.RecordsWriter();
        for (int i = 0; i < 50; i++) w.record(i, i, null, letters(1024, 10 + i));
        byte[] section = frame(w.toByteArray(), 0x74, 0x40, 65_536, false); // block and content checksums
        ByteBuffer ok = RawBatches.batchWithSection(CompressionType.LZ4, 49, 1_000L, 50, section);
        BatchValidator.Result r = validate(ok);
        assertThat(r.lastOffset()).isEqualTo(49);
        byte[] broken = section.clone();
        broken[broken.length - 2] ^= 0x10; // the content checksum; the batch CRC is recomputed over it
        assertThatThrownBy(() -> validate(RawBatches.batchWithSection(CompressionType.LZ4, 49, 1_000L, 50, broken)))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.error()).isEqualTo(Errors.CORRUPT_MESSAGE))
                .hasMessageContaining("lz4 content checksum mismatch");
    }

    private static BatchValidator.Result validate(ByteBuffer batch) {
        return BatchValidator.validateAndAssignOffsets(new MemoryRecords(batch), 0L, 0, TimestampType.CREATE_TIME, 1_000L,
                Long.MAX_VALUE, Long.MAX_VALUE, Integer.MAX_VALUE, false);
    }

    // ---- helpers, independent of the production reader ----

    private static byte[] read(ByteBuffer frames) {
        RecordScanner s = new RecordScanner().resetLz4(frames, frames.position(), frames.limit());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        while (!s.atEnd()) out.writeBytes(s.readBytes(s.knownRemaining()));
        s.release();
        return out.toByteArray();
    }

    private static void assertCorrupt(byte[] frames, String message) {
        assertThatThrownBy(() -> read(ByteBuffer.wrap(frames)))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.error()).isEqualTo(Errors.CORRUPT_MESSAGE))
                .hasMessageContaining(message);
    }

    private static ByteBuffer wrap(byte[] b, boolean direct) {
        if (!direct) return ByteBuffer.wrap(b);
        return ByteBuffer.allocateDirect(b.length).put(b).flip();
    }

    private static byte[] letters(int n, long seed) {
        Random r = new Random(seed);
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) b[i] = (byte) ('A' + r.nextInt(26));
        return b;
    }

    /** Compressible: 1,000 random letters over and over. */
    private static byte[] repeated(int n, long seed) {
        byte[] unit = letters(1_000, seed);
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) b[i] = unit[i % unit.length];
        return b;
    }

    private static byte[] patch(byte[] b, int at, byte value) {
        byte[] c = b.clone();
        c[at] = value;
        return c;
    }

    private static byte[] le(int v) {
        return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array();
    }

    /** Magic, the given FLG and BD, a correct header checksum, one empty stored block: for header checks. */
    private static byte[] withHeaderChecksum(int flg, int bd) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(le(0x184D2204));
        byte[] descriptor = {(byte) flg, (byte) bd};
        out.writeBytes(descriptor);
        out.write((XXHashFactory.safeInstance().hash32().hash(descriptor, 0, 2, 0) >>> 8) & 0xFF);
        out.writeBytes(le(0));
        return out.toByteArray();
    }

    /**
     * One frame by hand: FLG and BD as given (content size is not written here), blocks of {@code blockSize},
     * compressed unless {@code stored}, with a block checksum if FLG bit 4 and a content checksum if FLG bit 2.
     */
    private static byte[] frame(byte[] content, int flg, int bd, int blockSize, boolean stored) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(le(0x184D2204));
        byte[] descriptor = {(byte) flg, (byte) bd};
        out.writeBytes(descriptor);
        out.write((XXHashFactory.safeInstance().hash32().hash(descriptor, 0, 2, 0) >>> 8) & 0xFF);
        writeBlocks(out, content, flg, blockSize, stored);
        return out.toByteArray();
    }

    private static byte[] frameWithContentSize(byte[] content, long declared) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(le(0x184D2204));
        ByteBuffer d = ByteBuffer.allocate(10).order(ByteOrder.LITTLE_ENDIAN);
        d.put((byte) 0x68).put((byte) 0x40).putLong(declared);
        byte[] descriptor = d.array();
        out.writeBytes(descriptor);
        out.write((XXHashFactory.safeInstance().hash32().hash(descriptor, 0, descriptor.length, 0) >>> 8) & 0xFF);
        writeBlocks(out, content, 0x68, 65_536, false);
        return out.toByteArray();
    }

    private static void writeBlocks(ByteArrayOutputStream out, byte[] content, int flg, int blockSize, boolean stored) {
        var compressor = LZ4Factory.safeInstance().fastCompressor();
        var hash = XXHashFactory.safeInstance().hash32();
        for (int off = 0; off < content.length; off += blockSize) {
            int n = Math.min(blockSize, content.length - off);
            byte[] data;
            int word;
            byte[] c = new byte[compressor.maxCompressedLength(n)];
            int len = compressor.compress(content, off, n, c, 0, c.length);
            if (stored || len >= n) { // as every writer does, a block that does not shrink is stored
                data = java.util.Arrays.copyOfRange(content, off, off + n);
                word = n | 0x80000000;
            } else {
                data = java.util.Arrays.copyOf(c, len);
                word = len;
            }
            out.writeBytes(le(word));
            out.writeBytes(data);
            if ((flg & 0x10) != 0) out.writeBytes(le(hash.hash(data, 0, data.length, 0)));
        }
        out.writeBytes(le(0));
        if ((flg & 0x04) != 0) out.writeBytes(le(hash.hash(content, 0, content.length, 0)));
    }
}
