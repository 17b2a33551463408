package io.runnel.group;

import io.runnel.protocol.ByteBufferReadable;
import io.runnel.protocol.GrowableWritable;
import io.runnel.protocol.message.ConsumerProtocolAssignment;
import io.runnel.protocol.message.ConsumerProtocolSubscription;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The embedded consumer protocol of the classic group protocol (the bytes of a JoinGroup protocol's metadata
 * and of a SyncGroup assignment when the protocol type is "consumer"), as far as the coordinator needs it to
 * serve classic members inside a consumer group. The layout is the schema
 * {@code runnel-protocol/src/main/schema/consumer_protocol.api} (generated {@link ConsumerProtocolSubscription}
 * and {@link ConsumerProtocolAssignment}), which the CLI uses too: an int16 version, then the struct of that
 * version; a newer version than the schema knows is read as the newest known (later versions only append
 * fields). Pure functions.
 */
final class ConsumerProtocolCodec {
    private ConsumerProtocolCodec() {
    }

    /** ownedPartitions is null for a v0 subscription (which cannot say). */
    record Subscription(List<String> topics, Map<String, List<Integer>> ownedPartitions, String rackId) {
    }

    record Assignment(Map<String, List<Integer>> partitions, boolean hasUserData) {
    }

    /** The subscription in {@code bytes}, or null if the bytes are not one. */
    static Subscription subscription(byte[] bytes) {
        if (bytes == null) return null;
        try {
            ByteBufferReadable in = new ByteBufferReadable(ByteBuffer.wrap(bytes));
            short version = in.readShort();
            if (version < 0) return null;
            short v = (short) Math.min(version, ConsumerProtocolSubscription.HIGHEST_VERSION);
            ConsumerProtocolSubscription s = new ConsumerProtocolSubscription(in, v);
            Map<String, List<Integer>> owned = null;
            if (v >= 1) {
                owned = new LinkedHashMap<>();
                for (ConsumerProtocolSubscription.TopicPartition tp : s.ownedPartitions) {
                    owned.computeIfAbsent(tp.topic, k -> new ArrayList<>()).addAll(tp.partitions);
                }
            }
            return new Subscription(List.copyOf(s.topics), owned, s.rackId);
        } catch (RuntimeException malformed) { // client-supplied bytes: any decoding failure means "not a subscription"
            return null;
        }
    }

    /** The assignment in {@code bytes} (an empty array is no assignment), or null if the bytes are not one. */
    static Assignment assignment(byte[] bytes) {
        if (bytes == null || bytes.length == 0) return new Assignment(Map.of(), false);
        try {
            ByteBufferReadable in = new ByteBufferReadable(ByteBuffer.wrap(bytes));
            short version = in.readShort();
            if (version < 0) return null;
            ConsumerProtocolAssignment a = new ConsumerProtocolAssignment(in,
                    (short) Math.min(version, ConsumerProtocolAssignment.HIGHEST_VERSION));
            Map<String, List<Integer>> parts = new LinkedHashMap<>();
            for (ConsumerProtocolAssignment.TopicPartition tp : a.assignedPartitions) {
                parts.computeIfAbsent(tp.topic, k -> new ArrayList<>()).addAll(tp.partitions);
            }
            return new Assignment(parts, a.userData != null && a.userData.length > 0);
        } catch (RuntimeException malformed) { // client-supplied bytes: any decoding failure means "not an assignment"
            return null;
        }
    }

    /** An Assignment v0 (the layout every client version reads) of {@code partitions}, without user data. */
    static byte[] encodeAssignment(Map<String, List<Integer>> partitions) {
        ConsumerProtocolAssignment a = new ConsumerProtocolAssignment();
        for (Map.Entry<String, List<Integer>> e : new TreeMap<>(partitions).entrySet()) {
            ConsumerProtocolAssignment.TopicPartition tp = new ConsumerProtocolAssignment.TopicPartition();
            tp.topic = e.getKey();
            tp.partitions = new ArrayList<>(e.getValue());
            a.assignedPartitions.add(tp);
        }
        GrowableWritable w = new GrowableWritable(64);
        w.writeShort((short) 0);
        a.write(w, (short) 0);
        return w.toArray();
    }
}
