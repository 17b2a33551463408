package io.runnel.cli;

import io.runnel.common.TopicPartition;
import io.runnel.protocol.ByteBufferReadable;
import io.runnel.protocol.GrowableWritable;
import io.runnel.protocol.MalformedMessageException;
import io.runnel.protocol.message.ConsumerProtocolAssignment;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The member assignment of a classic group whose protocol type is "consumer" (the bytes a leader sends in
 * SyncGroup and DescribeGroups returns): an int16 version, then {@link ConsumerProtocolAssignment} of that
 * version, the schema the group coordinator uses too ({@code consumer_protocol.api}). A newer version than
 * the schema knows is read as the newest known: later versions only append fields.
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
        ConsumerProtocolAssignment a = new ConsumerProtocolAssignment(in,
                (short) Math.min(version, ConsumerProtocolAssignment.HIGHEST_VERSION));
        for (ConsumerProtocolAssignment.TopicPartition tp : a.assignedPartitions) {
            for (int p : tp.partitions) out.add(new TopicPartition(tp.topic, p));
        }
        return out;
    }

    /** Encodes a version-0 assignment (used by tests and tools that fake a leader). */
    public static byte[] encode(Map<String, List<Integer>> partitionsByTopic, byte[] userData) {
        ConsumerProtocolAssignment a = new ConsumerProtocolAssignment();
        for (Map.Entry<String, List<Integer>> e : partitionsByTopic.entrySet()) {
            ConsumerProtocolAssignment.TopicPartition tp = new ConsumerProtocolAssignment.TopicPartition();
            tp.topic = e.getKey();
            tp.partitions = new ArrayList<>(e.getValue());
            a.assignedPartitions.add(tp);
        }
        a.userData = userData;
        GrowableWritable w = new GrowableWritable(64);
        w.writeShort((short) 0);
        a.write(w, (short) 0);
        return w.toArray();
    }
}
