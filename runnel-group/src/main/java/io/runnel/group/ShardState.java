package io.runnel.group;

import io.runnel.common.TopicPartition;
import io.runnel.group.records.GroupRecord;
import io.runnel.group.records.GroupRecord.OffsetValue;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The durable state of one coordinator shard (one partition of {@code __consumer_offsets}): its groups and
 * their committed offsets. {@link #replay} is the only way the durable part changes, both when loading the
 * partition and after every successful append; so a shard rebuilt from the log equals the one that wrote it
 * (classic groups excepted in their session state: parked responses, rebalance in progress).
 *
 * <p>Replay rules: an OffsetCommit value puts, its tombstone removes the offset. A GroupMetadata value creates
 * the classic group (replacing a consumer group of the same id) or refreshes it; its tombstone removes it.
 * Consumer-group records create the group on their first value (replacing a classic group of the same id)
 * and the ConsumerGroupMetadata tombstone removes it; other tombstones of an unknown group are ignored.
 *
 * <p>Threads: the loader thread replays into a fresh instance; after the hand-over only the coordinator thread
 * touches it.
 */
final class ShardState {
    final Map<String, Group> groups = new HashMap<>();
    /** group id → committed offsets, in commit order of first commit. */
    final Map<String, LinkedHashMap<TopicPartition, OffsetValue>> offsets = new HashMap<>();
    /**
     * producer id → group id → offsets of TxnOffsetCommit records (transactional batches) whose transaction has
     * no marker yet: a commit marker applies them, an abort marker drops them.
     */
    final Map<Long, Map<String, LinkedHashMap<TopicPartition, OffsetValue>>> pendingTxnOffsets = new HashMap<>();

    /** A record of a transactional batch of {@code producerId}: only OffsetCommit values count, pending. */
    void replayTransactional(long producerId, GroupRecord r) {
        if (r instanceof GroupRecord.OffsetCommit o && o.value() != null) {
            pendingTxnOffsets.computeIfAbsent(producerId, k -> new HashMap<>())
                    .computeIfAbsent(o.groupId(), g -> new LinkedHashMap<>())
                    .put(new TopicPartition(o.topic(), o.partition()), o.value());
        }
    }

    /** A commit or abort marker of {@code producerId} in this partition. */
    void completeTransaction(long producerId, boolean commit) {
        Map<String, LinkedHashMap<TopicPartition, OffsetValue>> pending = pendingTxnOffsets.remove(producerId);
        if (pending == null || !commit) return;
        pending.forEach((group, m) -> offsets.computeIfAbsent(group, g -> new LinkedHashMap<>()).putAll(m));
    }

    /** Whether an open transaction has a pending offset of the group for the partition. */
    boolean hasPendingOffset(String groupId, TopicPartition tp) {
        for (Map<String, LinkedHashMap<TopicPartition, OffsetValue>> byGroup : pendingTxnOffsets.values()) {
            LinkedHashMap<TopicPartition, OffsetValue> m = byGroup.get(groupId);
            if (m != null && m.containsKey(tp)) return true;
        }
        return false;
    }

    /** The partitions of the group with a pending transactional offset. */
    java.util.Set<TopicPartition> pendingPartitions(String groupId) {
        java.util.Set<TopicPartition> out = new java.util.HashSet<>();
        for (Map<String, LinkedHashMap<TopicPartition, OffsetValue>> byGroup : pendingTxnOffsets.values()) {
            LinkedHashMap<TopicPartition, OffsetValue> m = byGroup.get(groupId);
            if (m != null) out.addAll(m.keySet());
        }
        return out;
    }

    void replay(GroupRecord r) {
        switch (r) {
            case GroupRecord.OffsetCommit o -> {
                TopicPartition tp = new TopicPartition(o.topic(), o.partition());
                if (o.value() == null) {
                    LinkedHashMap<TopicPartition, OffsetValue> m = offsets.get(o.groupId());
                    if (m != null) {
                        m.remove(tp);
                        if (m.isEmpty()) offsets.remove(o.groupId());
                    }
                } else {
                    offsets.computeIfAbsent(o.groupId(), g -> new LinkedHashMap<>()).put(tp, o.value());
                }
            }
            case GroupRecord.GroupMetadata g -> {
                Group existing = groups.get(g.groupId());
                if (g.value() == null) {
                    if (existing instanceof ClassicGroup) groups.remove(g.groupId());
                } else if (existing instanceof ClassicGroup c) {
                    c.apply(g.value());
                } else {
                    groups.put(g.groupId(), ClassicGroup.fromRecord(g.groupId(), g.value()));
                }
            }
            default -> {
                Group existing = groups.get(r.groupId());
                if (r instanceof GroupRecord.ConsumerGroupMetadata && r.isTombstone()) {
                    if (existing instanceof ConsumerGroup) groups.remove(r.groupId());
                    return;
                }
                if (existing instanceof ConsumerGroup c) {
                    c.replay(r);
                } else if (!r.isTombstone()) {
                    ConsumerGroup c = new ConsumerGroup(r.groupId());
                    groups.put(r.groupId(), c);
                    c.replay(r);
                }
            }
        }
    }

    Map<TopicPartition, OffsetValue> offsetsOf(String groupId) {
        Map<TopicPartition, OffsetValue> m = offsets.get(groupId);
        return m == null ? Map.of() : m;
    }

    /**
     * A canonical description of the durable state, for tests comparing a live shard with one rebuilt from the
     * log: offsets, classic groups as their GroupMetadata value, consumer groups in full.
     */
    String describeDurable() {
        StringBuilder sb = new StringBuilder();
        new TreeMap<>(offsets).forEach((g, m) -> {
            sb.append("offsets ").append(g).append('\n');
            new TreeMap<>(m).forEach((tp, v) -> sb.append("  ").append(tp).append(' ').append(v).append('\n'));
        });
        new TreeMap<>(groups).forEach((id, g) -> {
            switch (g) {
                case ClassicGroup c -> {
                    if (c.generationId == 0 || (!c.isEmpty() && !c.is(ClassicGroup.State.STABLE))) return;
                    sb.append("classic ").append(id).append(" gen=").append(c.generationId).append(" type=")
                            .append(c.protocolType()).append(" protocol=").append(c.protocolName).append(" leader=")
                            .append(c.leaderId).append('\n');
                    c.members.values().forEach(m -> sb.append("  ").append(m.memberId).append(' ').append(m.groupInstanceId)
                            .append(" asg=").append(java.util.Arrays.toString(m.assignment)).append('\n'));
                }
                case ConsumerGroup c -> {
                    sb.append("consumer ").append(id).append(" epoch=").append(c.groupEpoch).append(" hash=")
                            .append(c.metadataHash).append(" assignmentEpoch=").append(c.assignmentEpoch).append('\n');
                    c.members.values().forEach(m -> sb.append("  ").append(m).append(" target=").append(c.target(m.memberId()))
                            .append(c.isClassic(m.memberId()) ? " classic=" + c.classicMembers.get(m.memberId()) : "").append('\n'));
                }
            }
        });
        return sb.toString();
    }
}
