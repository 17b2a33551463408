package io.runnel.group;

import io.runnel.group.records.GroupRecord;
import io.runnel.group.records.PartitionSet;

import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * A consumer-protocol group (KIP-848). All of it is built by replaying its records:
 * <ul>
 *   <li>ConsumerGroupMetadata: the group epoch, bumped whenever membership, subscriptions or the subscribed
 *       topics' metadata change, and the hash of that metadata;</li>
 *   <li>ConsumerGroupTargetAssignmentMetadata/Member: the target assignment the server-side assignor computed
 *       for the assignment epoch;</li>
 *   <li>ConsumerGroupMemberMetadata + ConsumerGroupCurrentMemberAssignment: each member and where it is on
 *       its way to its target (see {@link Reconciler}).</li>
 * </ul>
 * It also indexes which member holds (assigned or pending revocation) each partition, so that a partition
 * is never given to a member before its previous holder released it. Coordinator thread (or loader, before
 * the shard is active) only.
 */
final class ConsumerGroup implements Group {
    final String groupId;
    int groupEpoch;
    long metadataHash;
    int assignmentEpoch;
    final TreeMap<String, ConsumerMember> members = new TreeMap<>();
    final Map<String, PartitionSet> targetAssignment = new HashMap<>();
    final Map<String, String> staticMembers = new HashMap<>();
    /** The members that use the classic protocol (JoinGroup/SyncGroup/Heartbeat), with their classic metadata. */
    final Map<String, GroupRecord.ClassicMemberMetadata> classicMembers = new HashMap<>();
    /** topic id → partition → member id of the holder. */
    private final Map<io.runnel.common.Uuid, Map<Integer, String>> holders = new HashMap<>();

    ConsumerGroup(String groupId) {
        this.groupId = groupId;
    }

    @Override public String groupId() { return groupId; }
    @Override public String type() { return "consumer"; }
    @Override public String protocolType() { return "consumer"; }
    @Override public boolean isEmpty() { return members.isEmpty(); }

    @Override
    public String stateName() {
        if (members.isEmpty()) return "Empty";
        if (groupEpoch > assignmentEpoch) return "Assigning";
        for (ConsumerMember m : members.values()) {
            if (m.memberEpoch() != assignmentEpoch || m.state() != ConsumerMember.STABLE) return "Reconciling";
        }
        return "Stable";
    }

    boolean isClassic(String memberId) {
        return classicMembers.containsKey(memberId);
    }

    /** Whether every member uses the classic protocol (and there is at least one). */
    boolean allClassic() {
        return !members.isEmpty() && classicMembers.keySet().containsAll(members.keySet());
    }

    PartitionSet target(String memberId) {
        return targetAssignment.getOrDefault(memberId, PartitionSet.EMPTY);
    }

    /** The member holding a partition, or null if it is free. */
    String holder(io.runnel.common.Uuid topic, int partition) {
        Map<Integer, String> m = holders.get(topic);
        return m == null ? null : m.get(partition);
    }

    // ------------------------------------------------------------------ replay

    void replay(GroupRecord r) {
        switch (r) {
            case GroupRecord.ConsumerGroupMetadata g -> {
                if (g.value() != null) {
                    groupEpoch = g.value().epoch();
                    metadataHash = g.value().metadataHash();
                }
            }
            case GroupRecord.ConsumerMemberMetadata m -> {
                ConsumerMember old = members.get(m.memberId());
                if (m.value() == null) {
                    if (old != null) {
                        unindex(old);
                        members.remove(m.memberId());
                        classicMembers.remove(m.memberId());
                        if (old.instanceId() != null && m.memberId().equals(staticMembers.get(old.instanceId()))) {
                            staticMembers.remove(old.instanceId());
                        }
                    }
                } else {
                    ConsumerMember updated = (old == null ? ConsumerMember.empty(m.memberId()) : old).withMetadata(m.value());
                    members.put(m.memberId(), updated);
                    if (m.value().classic() != null) classicMembers.put(m.memberId(), m.value().classic());
                    else classicMembers.remove(m.memberId());
                    if (old != null && old.instanceId() != null && !old.instanceId().equals(updated.instanceId())) {
                        staticMembers.remove(old.instanceId(), m.memberId());
                    }
                    if (updated.instanceId() != null) staticMembers.put(updated.instanceId(), m.memberId());
                }
            }
            case GroupRecord.ConsumerTargetAssignmentMetadata t -> {
                if (t.assignmentEpoch() != null) assignmentEpoch = t.assignmentEpoch();
            }
            case GroupRecord.ConsumerTargetAssignmentMember t -> {
                if (t.partitions() == null) targetAssignment.remove(t.memberId());
                else targetAssignment.put(t.memberId(), t.partitions());
            }
            case GroupRecord.ConsumerCurrentAssignment c -> {
                ConsumerMember old = members.get(c.memberId());
                if (old != null) unindex(old);
                if (c.value() == null) {
                    if (old != null) {
                        members.put(c.memberId(), old.withAssignment(new GroupRecord.ConsumerCurrentAssignmentValue(
                                0, 0, ConsumerMember.STABLE, PartitionSet.EMPTY, PartitionSet.EMPTY)));
                    }
                } else {
                    ConsumerMember updated = (old == null ? ConsumerMember.empty(c.memberId()) : old).withAssignment(c.value());
                    members.put(c.memberId(), updated);
                    index(updated);
                }
            }
            default -> throw new IllegalArgumentException("not a consumer group record: " + r);
        }
    }

    private void index(ConsumerMember m) {
        m.owned().forEach((t, p) -> holders.computeIfAbsent(t, k -> new HashMap<>()).put(p, m.memberId()));
    }

    private void unindex(ConsumerMember m) {
        m.owned().forEach((t, p) -> {
            Map<Integer, String> ps = holders.get(t);
            if (ps != null && m.memberId().equals(ps.get(p))) {
                ps.remove(p);
                if (ps.isEmpty()) holders.remove(t);
            }
        });
    }

    /** Compiles a subscription regex (Java syntax, which covers the RE2 subset clients use), or null if invalid. */
    static Pattern compile(String regex) {
        try {
            return Pattern.compile(regex);
        } catch (PatternSyntaxException e) {
            return null;
        }
    }
}
