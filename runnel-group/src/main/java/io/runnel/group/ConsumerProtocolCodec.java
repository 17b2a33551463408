package io.runnel.group;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The embedded consumer protocol of the classic group protocol (the bytes of a JoinGroup protocol's metadata
 * and of a SyncGroup assignment when the protocol type is "consumer"), as far as the coordinator needs it to
 * serve classic members inside a consumer group:
 * <pre>
 * Subscription: int16 version, [string topics], nullable bytes userData,
 *               v1+: [(string topic, [int32 partitions])] ownedPartitions, v2+: int32 generationId,
 *               v3+: nullable string rackId
 * Assignment:   int16 version, [(string topic, [int32 partitions])] assignedPartitions, nullable bytes userData
 * </pre>
 * Arrays are int32-counted, strings int16-length, bytes int32-length (-1 = null). Later versions may append
 * fields, which are ignored. Pure functions.
 */
final class ConsumerProtocolCodec {
    private ConsumerProtocolCodec() {
    }

    /** ownedPartitions is null for a v0 subscription (which cannot say). */
    record Subscription(List<String> topics, Map<String, List<Integer>> ownedPartitions, String rackId) {
    }

    record Assignment(Map<String, List<Integer>> partitions, boolean hasUserData) {
    }

    /** The subscription in {@code b}, or null if the bytes are not one. */
    static Subscription subscription(byte[] bytes) {
        if (bytes == null) return null;
        try {
            ByteBuffer b = ByteBuffer.wrap(bytes);
            short version = b.getShort();
            if (version < 0) return null;
            int n = count(b);
            List<String> topics = new ArrayList<>(n);
            for (int i = 0; i < n; i++) topics.add(string(b));
            skipBytes(b);
            Map<String, List<Integer>> owned = null;
            String rack = null;
            if (version >= 1) {
                owned = topicPartitions(b);
                if (version >= 2) b.getInt();
                if (version >= 3) rack = nullableString(b);
            }
            return new Subscription(topics, owned, rack);
        } catch (BufferUnderflowException | IllegalArgumentException e) {
            return null;
        }
    }

    /** The assignment in {@code b} (an empty array is no assignment), or null if the bytes are not one. */
    static Assignment assignment(byte[] bytes) {
        if (bytes == null || bytes.length == 0) return new Assignment(Map.of(), false);
        try {
            ByteBuffer b = ByteBuffer.wrap(bytes);
            if (b.getShort() < 0) return null;
            Map<String, List<Integer>> parts = topicPartitions(b);
            boolean userData = false;
            if (b.remaining() >= 4) {
                int len = b.getInt();
                userData = len > 0;
            }
            return new Assignment(parts, userData);
        } catch (BufferUnderflowException | IllegalArgumentException e) {
            return null;
        }
    }

    /** An Assignment v0 (the layout every client version reads) of {@code partitions}, without user data. */
    static byte[] encodeAssignment(Map<String, List<Integer>> partitions) {
        TreeMap<String, List<Integer>> sorted = new TreeMap<>(partitions);
        int size = 2 + 4 + 4;
        for (Map.Entry<String, List<Integer>> e : sorted.entrySet()) {
            size += 2 + e.getKey().getBytes(StandardCharsets.UTF_8).length + 4 + 4 * e.getValue().size();
        }
        ByteBuffer b = ByteBuffer.allocate(size);
        b.putShort((short) 0).putInt(sorted.size());
        for (Map.Entry<String, List<Integer>> e : sorted.entrySet()) {
            byte[] s = e.getKey().getBytes(StandardCharsets.UTF_8);
            b.putShort((short) s.length).put(s).putInt(e.getValue().size());
            for (int p : e.getValue()) b.putInt(p);
        }
        b.putInt(-1);
        return b.array();
    }

    private static Map<String, List<Integer>> topicPartitions(ByteBuffer b) {
        int n = count(b);
        Map<String, List<Integer>> out = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            String topic = string(b);
            int m = count(b);
            List<Integer> ps = new ArrayList<>(m);
            for (int j = 0; j < m; j++) ps.add(b.getInt());
            out.computeIfAbsent(topic, k -> new ArrayList<>()).addAll(ps);
        }
        return out;
    }

    private static int count(ByteBuffer b) {
        int n = b.getInt();
        if (n < 0) return 0;
        if (n > b.remaining()) throw new IllegalArgumentException("bad count");
        return n;
    }

    private static String string(ByteBuffer b) {
        String s = nullableString(b);
        if (s == null) throw new IllegalArgumentException("null string");
        return s;
    }

    private static String nullableString(ByteBuffer b) {
        int len = b.getShort();
        if (len < 0) return null;
        if (len > b.remaining()) throw new IllegalArgumentException("bad length");
        byte[] s = new byte[len];
        b.get(s);
        return new String(s, StandardCharsets.UTF_8);
    }

    private static void skipBytes(ByteBuffer b) {
        int len = b.getInt();
        if (len > 0) {
            if (len > b.remaining()) throw new IllegalArgumentException("bad length");
            b.position(b.position() + len);
        }
    }
}
