package io.runnel.cli;

import io.runnel.common.TopicPartition;
import io.runnel.protocol.ByteBufferReadable;
import io.runnel.protocol.Codec;
import io.runnel.protocol.GrowableWritable;
import io.runnel.protocol.MalformedMessageException;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The member assignment of a classic group whose protocol type is "consumer" (the bytes a leader sends in
 * SyncGroup and DescribeGroups returns): int16 version, then an int32-counted array of topics (int16-length
 * name, int32-counted int32 partitions), then int32-length user data (-1 = null). Every version (0-3) has
 * this layout; later versions may only append fields, which are ignored.
 */
public final class ConsumerAssignment {
    private ConsumerAssignment() {
    }

    /** The partitions in {@code bytes}; empty for null or empty bytes (a member not yet assigned). */
    public static List<TopicPartition> decode(byte[] bytes) {
        List<TopicPartition> out = new ArrayList<>();
        if (bytes == null || bytes.length == 0) return out;
        ByteBufferReadable in = new ByteBufferReadable(ByteBuffer.wrap(bytes));
        short version = in.readShort();
        if (version < 0) throw new MalformedMessageException("negative assignment version " + version);
        int topics = Codec.readArrayLength(in, false, false, "assignedPartitions");
        for (int i = 0; i < topics; i++) {
            String topic = Codec.readString(in, false, false, "topic");
            int n = Codec.readArrayLength(in, false, false, "partitions");
            for (int j = 0; j < n; j++) out.add(new TopicPartition(topic, in.readInt()));
        }
        // user data follows (nullable bytes); it is not needed here
        return out;
    }

    /** Encodes a version-0 assignment (used by tests and tools that fake a leader). */
    public static byte[] encode(Map<String, List<Integer>> partitionsByTopic, byte[] userData) {
        GrowableWritable w = new GrowableWritable(64);
        w.writeShort((short) 0);
        Codec.writeArrayLength(w, partitionsByTopic.size(), false);
        for (Map.Entry<String, List<Integer>> e : partitionsByTopic.entrySet()) {
            Codec.writeString(w, e.getKey(), false, false, "topic", (short) 0);
            Codec.writeArrayLength(w, e.getValue().size(), false);
            for (int p : e.getValue()) w.writeInt(p);
        }
        Codec.writeBytes(w, userData, false, true, "userData", (short) 0);
        return w.toArray();
    }
}
