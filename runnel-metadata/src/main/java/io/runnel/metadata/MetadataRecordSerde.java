package io.runnel.metadata;

import io.runnel.protocol.ByteBufferReadable;
import io.runnel.protocol.GrowableWritable;
import io.runnel.protocol.MalformedMessageException;
import io.runnel.protocol.Message;
import io.runnel.protocol.message.ClusterRecord;
import io.runnel.protocol.message.ConfigRecord;
import io.runnel.protocol.message.PartitionChangeRecord;
import io.runnel.protocol.message.PartitionRecord;
import io.runnel.protocol.message.FeatureLevelRecord;
import io.runnel.protocol.message.ProducerIdsRecord;
import io.runnel.protocol.message.RegisterBrokerRecord;
import io.runnel.protocol.message.RemoveTopicRecord;
import io.runnel.protocol.message.TopicRecord;
import io.runnel.protocol.message.UnregisterBrokerRecord;

import java.nio.ByteBuffer;

/**
 * Maps metadata record classes to their type ids (from {@code metadata-records.api}) and encodes one
 * record as {@code int16 type, int16 version, int32 size, payload}. Records are written at the
 * highest version this build knows; reading a higher version fails, since an older Runnel cannot know
 * what it means. Stateless and thread-safe.
 */
public final class MetadataRecordSerde {
    private MetadataRecordSerde() {
    }

    /** The type id of {@code record}. */
    public static short typeId(Message record) {
        return switch (record) {
            case ClusterRecord r -> ClusterRecord.TYPE_ID;
            case RegisterBrokerRecord r -> RegisterBrokerRecord.TYPE_ID;
            case UnregisterBrokerRecord r -> UnregisterBrokerRecord.TYPE_ID;
            case TopicRecord r -> TopicRecord.TYPE_ID;
            case PartitionRecord r -> PartitionRecord.TYPE_ID;
            case PartitionChangeRecord r -> PartitionChangeRecord.TYPE_ID;
            case RemoveTopicRecord r -> RemoveTopicRecord.TYPE_ID;
            case ConfigRecord r -> ConfigRecord.TYPE_ID;
            case ProducerIdsRecord r -> ProducerIdsRecord.TYPE_ID;
            case FeatureLevelRecord r -> FeatureLevelRecord.TYPE_ID;
            case io.runnel.protocol.message.UserScramCredentialRecord r -> io.runnel.protocol.message.UserScramCredentialRecord.TYPE_ID;
            case io.runnel.protocol.message.RemoveUserScramCredentialRecord r -> io.runnel.protocol.message.RemoveUserScramCredentialRecord.TYPE_ID;
            case io.runnel.protocol.message.ClientQuotaRecord r -> io.runnel.protocol.message.ClientQuotaRecord.TYPE_ID;
            case io.runnel.protocol.message.AccessControlEntryRecord r -> io.runnel.protocol.message.AccessControlEntryRecord.TYPE_ID;
            case io.runnel.protocol.message.RemoveAccessControlEntryRecord r -> io.runnel.protocol.message.RemoveAccessControlEntryRecord.TYPE_ID;
            default -> throw new IllegalArgumentException("not a metadata record: " + record.getClass().getName());
        };
    }

    /** A fresh, empty record of type {@code type}; IllegalStateException for an unknown type. */
    public static Message newRecord(short type) {
        return switch (type) {
            case ClusterRecord.TYPE_ID -> new ClusterRecord();
            case RegisterBrokerRecord.TYPE_ID -> new RegisterBrokerRecord();
            case UnregisterBrokerRecord.TYPE_ID -> new UnregisterBrokerRecord();
            case TopicRecord.TYPE_ID -> new TopicRecord();
            case PartitionRecord.TYPE_ID -> new PartitionRecord();
            case PartitionChangeRecord.TYPE_ID -> new PartitionChangeRecord();
            case RemoveTopicRecord.TYPE_ID -> new RemoveTopicRecord();
            case ConfigRecord.TYPE_ID -> new ConfigRecord();
            case ProducerIdsRecord.TYPE_ID -> new ProducerIdsRecord();
            case FeatureLevelRecord.TYPE_ID -> new FeatureLevelRecord();
            case io.runnel.protocol.message.UserScramCredentialRecord.TYPE_ID -> new io.runnel.protocol.message.UserScramCredentialRecord();
            case io.runnel.protocol.message.RemoveUserScramCredentialRecord.TYPE_ID -> new io.runnel.protocol.message.RemoveUserScramCredentialRecord();
            case io.runnel.protocol.message.ClientQuotaRecord.TYPE_ID -> new io.runnel.protocol.message.ClientQuotaRecord();
            case io.runnel.protocol.message.AccessControlEntryRecord.TYPE_ID -> new io.runnel.protocol.message.AccessControlEntryRecord();
            case io.runnel.protocol.message.RemoveAccessControlEntryRecord.TYPE_ID -> new io.runnel.protocol.message.RemoveAccessControlEntryRecord();
            default -> throw new IllegalStateException("unknown metadata record type " + type);
        };
    }

    /** Appends the framed record to {@code out}. */
    public static void write(Message record, GrowableWritable out) {
        short version = record.highestSupportedVersion();
        GrowableWritable payload = new GrowableWritable(64);
        record.write(payload, version);
        out.writeShort(typeId(record));
        out.writeShort(version);
        out.writeInt(payload.size());
        out.writeBuffer(payload.toByteBuffer());
    }

    /**
     * Reads one framed record from {@code in}, advancing it.
     *
     * @throws IllegalStateException for an unknown type, an unsupported version or a payload that does
     *                               not decode exactly
     */
    public static Message read(ByteBuffer in) {
        if (in.remaining() < 8) throw new IllegalStateException("truncated record header");
        short type = in.getShort();
        short version = in.getShort();
        int size = in.getInt();
        if (size < 0 || size > in.remaining()) throw new IllegalStateException("record size " + size + " out of bounds");
        Message m = newRecord(type);
        if (version < m.lowestSupportedVersion() || version > m.highestSupportedVersion()) {
            throw new IllegalStateException("record type " + type + " has version " + version + ", this build reads "
                    + m.lowestSupportedVersion() + "-" + m.highestSupportedVersion());
        }
        ByteBuffer payload = in.slice(in.position(), size);
        in.position(in.position() + size);
        try {
            ByteBufferReadable r = new ByteBufferReadable(payload);
            m.read(r, version);
            if (r.remaining() != 0) throw new IllegalStateException(r.remaining() + " trailing bytes in record type " + type);
        } catch (MalformedMessageException e) {
            throw new IllegalStateException("record type " + type + " does not decode: " + e.getMessage(), e);
        }
        return m;
    }
}
