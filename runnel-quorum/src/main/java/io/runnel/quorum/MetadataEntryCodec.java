package io.runnel.quorum;

import io.runnel.metadata.MetadataRecordSerde;
import io.runnel.protocol.GrowableWritable;
import io.runnel.protocol.Message;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * The payload of one Raft log entry of the metadata quorum: a batch of metadata records.
 *
 * <pre>
 * int8 format (1)    int32 count    count x { int16 type, int16 version, int32 size, payload }
 * </pre>
 * Records are framed by {@link MetadataRecordSerde}, exactly as in the single-node log's segments.
 * Stateless and thread-safe.
 */
public final class MetadataEntryCodec {
    /** The only entry format so far; a reader refuses any other. */
    static final byte FORMAT_BATCH = 1;

    private MetadataEntryCodec() {
    }

    /** Encodes {@code records} as one entry payload. */
    public static byte[] encode(List<? extends Message> records) {
        GrowableWritable out = new GrowableWritable(64 + records.size() * 64);
        out.writeByte(FORMAT_BATCH);
        out.writeInt(records.size());
        for (Message m : records) MetadataRecordSerde.write(m, out);
        return out.toArray();
    }

    /**
     * Decodes an entry payload.
     *
     * @throws IllegalStateException when it is not a well-formed batch this build can read
     */
    public static List<Message> decode(ByteBuffer in) {
        if (in.remaining() < 5) throw new IllegalStateException("metadata entry of " + in.remaining() + " bytes is too short");
        byte format = in.get();
        if (format != FORMAT_BATCH) throw new IllegalStateException("unknown metadata entry format " + format);
        int count = in.getInt();
        if (count < 0) throw new IllegalStateException("negative record count " + count);
        List<Message> out = new ArrayList<>(Math.min(count, 4096));
        for (int i = 0; i < count; i++) out.add(MetadataRecordSerde.read(in));
        if (in.hasRemaining()) throw new IllegalStateException(in.remaining() + " bytes after the last record");
        return out;
    }
}
