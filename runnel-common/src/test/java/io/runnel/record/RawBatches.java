package io.runnel.record;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * Test helper: writes batches and records byte by byte, independent of {@link RecordBatchBuilder}, so
 * tests can craft malformed input and cross-check the builder's encoding.
 */
final class RawBatches {
    private RawBatches() {}

    /** Encodes records by hand (zig-zag varints), including deliberately wrong fields. */
    static final class RecordsWriter {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        /** A well-formed record; null key/value encode as -1. */
        RecordsWriter record(long timestampDelta, int offsetDelta, byte[] key, byte[] value, String... headerKeyValues) {
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            body.write(0);
            varlong(body, timestampDelta);
            varint(body, offsetDelta);
            bytes(body, key);
            bytes(body, value);
            varint(body, headerKeyValues.length / 2);
            for (int i = 0; i < headerKeyValues.length; i += 2) {
                bytes(body, headerKeyValues[i].getBytes());
                bytes(body, headerKeyValues[i + 1] == null ? null : headerKeyValues[i + 1].getBytes());
            }
            varint(out, body.size());
            out.writeBytes(body.toByteArray());
            return this;
        }

        /** A record whose body is given raw, with a declared length that may be wrong. */
        RecordsWriter rawRecord(int declaredLength, byte[] body) {
            varint(out, declaredLength);
            out.writeBytes(body);
            return this;
        }

        RecordsWriter rawBytes(byte... b) {
            out.writeBytes(b);
            return this;
        }

        byte[] toByteArray() {
            return out.toByteArray();
        }
    }

    static void varint(ByteArrayOutputStream out, int v) {
        varlong(out, v);
    }

    static void varlong(ByteArrayOutputStream out, long v) {
        long u = (v << 1) ^ (v >> 63);
        while ((u & ~0x7FL) != 0) {
            out.write((int) ((u & 0x7F) | 0x80));
            u >>>= 7;
        }
        out.write((int) u);
    }

    static void bytes(ByteArrayOutputStream out, byte[] b) {
        if (b == null) {
            varint(out, -1);
        } else {
            varint(out, b.length);
            out.writeBytes(b);
        }
    }

    static byte[] compress(CompressionType codec, byte[] plain) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (OutputStream os = codec.wrapForOutput(out)) {
            os.write(plain);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        return out.toByteArray();
    }

    /**
     * A v2 batch with the given (already encoded, uncompressed) records section, compressed with
     * {@code codec}, header fields as given, and a correct CRC.
     */
    static ByteBuffer batch(CompressionType codec, int attributesExtra, long baseOffset, int lastOffsetDelta,
                            long baseTimestamp, long maxTimestamp, long producerId, short epoch, int baseSequence,
                            int count, byte[] plainRecords) {
        byte[] section = codec == CompressionType.NONE ? plainRecords : compress(codec, plainRecords);
        return assemble(codec, attributesExtra, baseOffset, lastOffsetDelta, baseTimestamp, maxTimestamp, producerId, epoch,
                baseSequence, count, section);
    }

    private static ByteBuffer assemble(CompressionType codec, int attributesExtra, long baseOffset, int lastOffsetDelta,
                                       long baseTimestamp, long maxTimestamp, long producerId, short epoch, int baseSequence,
                                       int count, byte[] section) {
        ByteBuffer b = ByteBuffer.allocate(61 + section.length);
        b.putLong(baseOffset);
        b.putInt(49 + section.length);
        b.putInt(-1);
        b.put((byte) 2);
        b.putInt(0);
        b.putShort((short) (codec.id() | attributesExtra));
        b.putInt(lastOffsetDelta);
        b.putLong(baseTimestamp);
        b.putLong(maxTimestamp);
        b.putLong(producerId);
        b.putShort(epoch);
        b.putInt(baseSequence);
        b.putInt(count);
        b.put(section);
        fixCrc(b, 0);
        return b.flip();
    }

    /** A client-like batch (base offset 0, no producer, CreateTime) around an already compressed records section. */
    static ByteBuffer batchWithSection(CompressionType codec, int lastOffsetDelta, long baseTimestamp, int count, byte[] section) {
        return assemble(codec, 0, 0, lastOffsetDelta, baseTimestamp, baseTimestamp, -1, (short) -1, -1, count, section);
    }

    /** A simple client-like batch: base offset 0, no producer, CreateTime. */
    static ByteBuffer batch(CompressionType codec, int lastOffsetDelta, long baseTimestamp, int count, byte[] plainRecords) {
        return batch(codec, 0, 0, lastOffsetDelta, baseTimestamp, baseTimestamp, -1, (short) -1, -1, count, plainRecords);
    }

    /** Recomputes the CRC of the batch at {@code pos} independently of production code. */
    static void fixCrc(ByteBuffer b, int pos) {
        int size = 12 + b.getInt(pos + 8);
        CRC32C crc = new CRC32C();
        crc.update(b.array(), b.arrayOffset() + pos + 21, size - 21);
        b.putInt(pos + 17, (int) crc.getValue());
    }

    static ByteBuffer concat(ByteBuffer... parts) {
        int n = 0;
        for (ByteBuffer p : parts) n += p.remaining();
        ByteBuffer out = ByteBuffer.allocate(n);
        for (ByteBuffer p : parts) out.put(p.duplicate());
        return out.flip();
    }
}
