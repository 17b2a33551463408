package io.runnel.record;

import io.runnel.common.ApiException;
import io.runnel.common.Errors;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;

/**
 * Rewrites validated record batches in another codec (a topic's {@code compression.type}). The records
 * section of a v2 batch is the same byte sequence whatever the codec, so a batch is transcoded as one
 * stream — decompressed and compressed again in chunks — without decoding a record or allocating per
 * record. Header fields are kept (producer id, epoch, sequence, timestamps, offset deltas, flags) except
 * the codec bits and the length; the CRC is left for the caller to compute, which it does anyway when
 * it stamps offsets.
 *
 * <p>Only for batches the {@link BatchValidator} has checked (whole, CRC matching, records well formed).
 * Stateless.
 */
final class BatchTranscoder {
    private static final int COPY_CHUNK = 16 * 1024;

    private BatchTranscoder() {}

    /** Whether any batch in {@code buf[from, end)} has a codec other than {@code target}. */
    static boolean needed(ByteBuffer buf, int from, int end, CompressionType target) {
        for (int p = from; p < end; p += RecordBatch.sizeInBytes(buf, p)) {
            if ((RecordBatch.attributes(buf, p) & RecordBatch.COMPRESSION_CODEC_MASK) != target.id()) return true;
        }
        return false;
    }

    /**
     * The batches of {@code buf[from, end)} with their records in {@code target}, in a new heap buffer
     * (position 0); batches already in {@code target} are copied as they are. CRCs of rewritten batches
     * are stale.
     *
     * @throws ApiException MESSAGE_TOO_LARGE when a rewritten batch exceeds {@code maxMessageBytes}
     */
    static ByteBuffer transcode(ByteBuffer buf, int from, int end, CompressionType target, int maxMessageBytes) {
        ByteWriter out = new ByteWriter(end - from + 64);
        byte[] chunk = new byte[COPY_CHUNK];
        for (int p = from; p < end; ) {
            int size = RecordBatch.sizeInBytes(buf, p);
            short attributes = RecordBatch.attributes(buf, p);
            int codecId = attributes & RecordBatch.COMPRESSION_CODEC_MASK;
            int start = out.size();
            if (codecId == target.id()) {
                copy(buf, p, p + size, out, chunk);
            } else {
                copy(buf, p, p + RecordBatch.RECORDS_OFFSET, out, chunk);
                writeRecords(buf, p + RecordBatch.RECORDS_OFFSET, p + size, CompressionType.forId(codecId), target, out, chunk);
                byte[] a = out.array();
                int length = out.size() - start - RecordBatch.LOG_OVERHEAD;
                ByteBuffer.wrap(a).putInt(start + RecordBatch.LENGTH_OFFSET, length)
                        .putShort(start + RecordBatch.ATTRIBUTES_OFFSET,
                                (short) ((attributes & ~RecordBatch.COMPRESSION_CODEC_MASK) | target.id()));
                if (length + RecordBatch.LOG_OVERHEAD > maxMessageBytes) {
                    throw new ApiException(Errors.MESSAGE_TOO_LARGE, "Record batch of " + (length + RecordBatch.LOG_OVERHEAD)
                            + " bytes in the topic's compression.type " + target.configName()
                            + " is larger than the topic's max.message.bytes " + maxMessageBytes);
                }
            }
            p += size;
        }
        return ByteBuffer.wrap(out.array(), 0, out.size()).slice();
    }

    private static void writeRecords(ByteBuffer buf, int from, int to, CompressionType source, CompressionType target,
                                     ByteWriter out, byte[] chunk) {
        try (OutputStream os = target.wrapForOutput(out)) {
            if (source == CompressionType.NONE) {
                copy(buf, from, to, os, chunk);
            } else {
                try (InputStream in = RecordBatch.openDecompressed(source, buf, from, to)) {
                    for (int n; (n = in.read(chunk)) > 0; ) os.write(chunk, 0, n);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e); // in-memory streams: only a codec failure gets here
        }
    }

    private static void copy(ByteBuffer buf, int from, int to, OutputStream out, byte[] chunk) {
        try {
            if (buf.hasArray()) {
                out.write(buf.array(), buf.arrayOffset() + from, to - from);
                return;
            }
            for (int p = from; p < to; ) {
                int n = Math.min(chunk.length, to - p);
                buf.get(p, chunk, 0, n);
                out.write(chunk, 0, n);
                p += n;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
