package io.runnel.record;

import com.github.luben.zstd.ZstdInputStream;
import com.github.luben.zstd.ZstdOutputStream;
import io.runnel.common.ApiException;
import io.runnel.common.Errors;
import net.jpountz.lz4.LZ4FrameOutputStream;
import org.xerial.snappy.SnappyInputStream;
import org.xerial.snappy.SnappyOutputStream;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * The codecs a v2 record batch may use, by the id stored in bits 0-2 of the batch attributes.
 *
 * <p>Each codec produces exactly the stream format Kafka clients write and read, so batches move
 * unchanged between Runnel and any Kafka client:
 * <ul>
 *   <li>{@code gzip}: RFC 1952 gzip ({@code java.util.zip});</li>
 *   <li>{@code snappy}: snappy-java's own framing ({@code SnappyOutputStream}, the "xerial" framing);</li>
 *   <li>{@code lz4}: the LZ4 frame format, version 01, independent blocks of at most 64 KiB, no block or
 *       content checksums, correct header checksum (what Kafka clients write for magic v2);</li>
 *   <li>{@code zstd}: a standard zstd frame (zstd-jni).</li>
 * </ul>
 *
 * <p>The wrapping methods return a fresh stream per call; streams are not thread-safe, the enum is.
 * Closing a stream from {@link #wrapForOutput} finishes the compressed frame and closes the wrapped
 * stream. Both methods report I/O failures while writing or reading a frame header as
 * {@link UncheckedIOException}; a malformed lz4 frame is reported as {@link ApiException} with
 * CORRUPT_MESSAGE, as on the produce path ({@link Lz4FrameReader}).
 */
public enum CompressionType {
    NONE(0, "none") {
        @Override public OutputStream wrapForOutput(OutputStream out) { return out; }
        @Override public InputStream wrapForInput(InputStream in) { return in; }
    },
    GZIP(1, "gzip") {
        @Override public OutputStream wrapForOutput(OutputStream out) {
            try {
                // GZIPOutputStream deflates every write call; a buffer in front keeps small record writes cheap.
                return new BufferedOutputStream(new GZIPOutputStream(out, 8 * 1024), 16 * 1024);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        @Override public InputStream wrapForInput(InputStream in) {
            try {
                return new BufferedInputStream(new GZIPInputStream(in, 8 * 1024), 16 * 1024);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    },
    SNAPPY(2, "snappy") {
        @Override public OutputStream wrapForOutput(OutputStream out) { return new SnappyOutputStream(out); }
        @Override public InputStream wrapForInput(InputStream in) {
            try {
                return new SnappyInputStream(in);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    },
    LZ4(3, "lz4") {
        @Override public OutputStream wrapForOutput(OutputStream out) {
            try {
                return new LZ4FrameOutputStream(out, LZ4FrameOutputStream.BLOCKSIZE.SIZE_64KB,
                        LZ4FrameOutputStream.FLG.Bits.BLOCK_INDEPENDENCE);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        /** Read by {@link Lz4FrameReader}, the broker's one lz4 reader: the stream's bytes are read in first. */
        @Override public InputStream wrapForInput(InputStream in) {
            try {
                byte[] frames = in.readAllBytes();
                return RecordBatch.openDecompressed(this, ByteBuffer.wrap(frames), 0, frames.length);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    },
    ZSTD(4, "zstd") {
        @Override public OutputStream wrapForOutput(OutputStream out) {
            try {
                // Each write into zstd-jni is a native call; buffer small writes first.
                return new BufferedOutputStream(new ZstdOutputStream(out), 16 * 1024);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        @Override public InputStream wrapForInput(InputStream in) {
            try {
                return new BufferedInputStream(new ZstdInputStream(in), 16 * 1024);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    };

    private static final CompressionType[] BY_ID = {NONE, GZIP, SNAPPY, LZ4, ZSTD};

    private final int id;
    private final String configName;

    CompressionType(int id, String configName) {
        this.id = id;
        this.configName = configName;
    }

    /** The id stored in the batch attributes (bits 0-2). */
    public int id() { return id; }

    /** The name used by the {@code compression.type} configs: none, gzip, snappy, lz4, zstd. */
    public String configName() { return configName; }

    /**
     * The codec with this attribute id.
     *
     * @throws ApiException with {@link Errors#UNSUPPORTED_COMPRESSION_TYPE} for any other id: ids come
     *         from the wire, and an unknown codec is exactly that error
     */
    public static CompressionType forId(int id) {
        if (id < 0 || id >= BY_ID.length) {
            throw new ApiException(Errors.UNSUPPORTED_COMPRESSION_TYPE, "Unknown compression type id " + id);
        }
        return BY_ID[id];
    }

    /**
     * The codec with this config name (exact, lower case, as Kafka spells it).
     *
     * @throws IllegalArgumentException for an unknown name
     */
    public static CompressionType forName(String name) {
        for (CompressionType c : BY_ID) {
            if (c.configName.equals(name)) return c;
        }
        throw new IllegalArgumentException("Unknown compression name: " + name);
    }

    /** Wraps {@code out} so that bytes written are compressed; close the result to finish the frame. */
    public abstract OutputStream wrapForOutput(OutputStream out);

    /** Wraps {@code in}, whose bytes are one compressed stream, so that reads return the plain bytes. */
    public abstract InputStream wrapForInput(InputStream in);
}
