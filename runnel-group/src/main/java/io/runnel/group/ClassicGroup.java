package io.runnel.group;

import io.runnel.group.api.ClassicGroupApi.Protocol;
import io.runnel.group.records.GroupRecord.GroupMetadataValue;
import io.runnel.group.records.GroupRecord.MemberMetadata;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A classic group: the members that take part in JoinGroup/SyncGroup rebalances, one of them the leader that
 * runs the client-side assignor. States and transitions are Kafka's:
 *
 * <pre>
 * Empty ──join──▶ PreparingRebalance ──all joined / rebalance timeout──▶ CompletingRebalance ──leader's sync──▶ Stable
 *                   ▲      │ nobody left: Empty                            │ member change: PreparingRebalance │
 *                   └──────┴─────────────────────────────────────────────────┴──────────── member change ────────┘
 * </pre>
 * Dead is used while a group is being deleted. The fields persisted in the GroupMetadata record are the
 * group as of its last stable (or empty) generation; the rest is session state (see {@link ClassicMember}).
 * Coordinator thread only.
 */
final class ClassicGroup implements Group {
    enum State {
        EMPTY("Empty"), PREPARING_REBALANCE("PreparingRebalance"), COMPLETING_REBALANCE("CompletingRebalance"),
        STABLE("Stable"), DEAD("Dead");

        final String display;

        State(String display) {
            this.display = display;
        }
    }

    final String groupId;
    State state = State.EMPTY;
    int generationId;
    String protocolType;
    String protocolName;
    String leaderId;
    long currentStateTimestamp = -1;
    final LinkedHashMap<String, ClassicMember> members = new LinkedHashMap<>();
    final Map<String, String> staticMembers = new HashMap<>();
    /** Member ids handed out with MEMBER_ID_REQUIRED, not yet joined. */
    final Set<String> pendingMembers = new LinkedHashSet<>();
    /** Members of the current generation that have not sent SyncGroup yet. */
    final Set<String> pendingSyncMembers = new HashSet<>();
    /** While the initial delayed join of an empty group runs: whether a member joined during the last delay. */
    boolean newMemberAdded;
    boolean initialDelayActive;
    long initialDelayRemainingMs;

    ClassicGroup(String groupId) {
        this.groupId = groupId;
    }

    /** Rebuilds a group from its GroupMetadata record (at load): Stable with members, else Empty. */
    static ClassicGroup fromRecord(String groupId, GroupMetadataValue v) {
        ClassicGroup g = new ClassicGroup(groupId);
        g.apply(v);
        return g;
    }

    /**
     * Replays a GroupMetadata record over the group. Members named by the record keep their live objects
     * (protocols, parked responses) and take the record's assignment; the others are created from the record,
     * and members the record does not name are dropped. At run time the record was built from this very group,
     * so only assignments change; during a load, later records of the same group replace earlier ones. A group
     * loaded Empty becomes Stable when a record gives it members.
     */
    void apply(GroupMetadataValue v) {
        protocolType = v.protocolType() == null || v.protocolType().isEmpty() ? protocolType : v.protocolType();
        generationId = v.generation();
        protocolName = v.protocol();
        leaderId = v.leader();
        currentStateTimestamp = v.currentStateTimestamp();
        LinkedHashMap<String, ClassicMember> next = new LinkedHashMap<>();
        for (MemberMetadata m : v.members()) {
            ClassicMember cm = members.get(m.memberId());
            if (cm == null) {
                cm = new ClassicMember(m.memberId(), m.groupInstanceId(), m.clientId(), m.clientHost(), m.sessionTimeout(),
                        m.rebalanceTimeout(), protocolType, List.of(new Protocol(protocolName == null ? "" : protocolName, m.subscription())));
            }
            cm.assignment = m.assignment();
            next.put(cm.memberId, cm);
        }
        members.clear();
        members.putAll(next);
        staticMembers.clear();
        for (ClassicMember cm : members.values()) if (cm.isStatic()) staticMembers.put(cm.groupInstanceId, cm.memberId);
        if (members.isEmpty()) state = State.EMPTY;
        else if (state == State.EMPTY) state = State.STABLE;
    }

    /** The record value for the group as it is now, with {@code assignments} (by member id) if not null. */
    GroupMetadataValue toRecord(Map<String, byte[]> assignments) {
        List<MemberMetadata> ms = new ArrayList<>();
        for (ClassicMember m : members.values()) {
            byte[] sub = protocolName == null ? null : m.metadata(protocolName);
            byte[] asg = assignments != null ? assignments.getOrDefault(m.memberId, new byte[0]) : m.assignment;
            ms.add(new MemberMetadata(m.memberId, m.groupInstanceId, m.clientId, m.clientHost, m.rebalanceTimeoutMs,
                    m.sessionTimeoutMs, sub == null ? new byte[0] : sub, asg == null ? new byte[0] : asg));
        }
        return new GroupMetadataValue(protocolType == null ? "" : protocolType, generationId, protocolName,
                leaderId, currentStateTimestamp, ms);
    }

    @Override public String groupId() { return groupId; }
    @Override public String type() { return "classic"; }
    @Override public String stateName() { return state.display; }
    @Override public String protocolType() { return protocolType == null ? "" : protocolType; }
    @Override public boolean isEmpty() { return state == State.EMPTY || state == State.DEAD; }

    boolean is(State s) {
        return state == s;
    }

    void transitionTo(State s, long now) {
        state = s;
        currentStateTimestamp = now;
    }

    boolean has(String memberId) {
        return members.containsKey(memberId);
    }

    ClassicMember member(String memberId) {
        return members.get(memberId);
    }

    boolean isLeader(String memberId) {
        return memberId.equals(leaderId);
    }

    void add(ClassicMember m) {
        if (members.isEmpty()) protocolType = m.protocolType;
        members.put(m.memberId, m);
        if (m.isStatic()) staticMembers.put(m.groupInstanceId, m.memberId);
        if (leaderId == null) leaderId = m.memberId;
    }

    ClassicMember remove(String memberId) {
        ClassicMember m = members.remove(memberId);
        if (m == null) return null;
        if (m.isStatic() && memberId.equals(staticMembers.get(m.groupInstanceId))) staticMembers.remove(m.groupInstanceId);
        pendingSyncMembers.remove(memberId);
        if (isLeader(memberId)) leaderId = members.isEmpty() ? null : members.keySet().iterator().next();
        return m;
    }

    /** Puts {@code replacement} (same instance id, new member id) in the place of the static member {@code oldId}. */
    void replaceStatic(String oldId, ClassicMember replacement) {
        LinkedHashMap<String, ClassicMember> copy = new LinkedHashMap<>(members);
        members.clear();
        copy.forEach((id, m) -> members.put(id.equals(oldId) ? replacement.memberId : id, id.equals(oldId) ? replacement : m));
        staticMembers.put(replacement.groupInstanceId, replacement.memberId);
        if (oldId.equals(leaderId)) leaderId = replacement.memberId;
        if (pendingSyncMembers.remove(oldId)) pendingSyncMembers.add(replacement.memberId);
    }

    String staticMemberId(String instanceId) {
        return staticMembers.get(instanceId);
    }

    int numAwaitingJoin() {
        int n = 0;
        for (ClassicMember m : members.values()) if (m.isAwaitingJoin()) n++;
        return n;
    }

    boolean allMembersJoined() {
        return numAwaitingJoin() == members.size() && pendingMembers.isEmpty();
    }

    int maxRebalanceTimeoutMs() {
        int max = 0;
        for (ClassicMember m : members.values()) max = Math.max(max, m.rebalanceTimeoutMs);
        return max;
    }

    /** Names of the protocols every member supports, in the first member's order of preference. */
    List<String> candidateProtocols() {
        List<String> out = new ArrayList<>();
        if (members.isEmpty()) return out;
        for (Protocol p : members.values().iterator().next().protocols) {
            boolean all = true;
            for (ClassicMember m : members.values()) all &= m.supports(p.name());
            if (all) out.add(p.name());
        }
        return out;
    }

    /** Whether a member with these protocols may join: same protocol type and one protocol in common with all. */
    boolean supportsProtocols(String memberProtocolType, List<Protocol> memberProtocols) {
        if (members.isEmpty()) return memberProtocolType != null && !memberProtocolType.isEmpty() && !memberProtocols.isEmpty();
        if (!memberProtocolType.equals(protocolType)) return false;
        List<String> candidates = candidateProtocols();
        for (Protocol p : memberProtocols) if (candidates.contains(p.name())) return true;
        return false;
    }

    /** Each member votes for its most preferred candidate; the most votes win (ties: candidate order). */
    String selectProtocol() {
        List<String> candidates = candidateProtocols();
        if (candidates.isEmpty()) throw new IllegalStateException("no protocol common to all members of " + groupId);
        Map<String, Integer> votes = new HashMap<>();
        for (ClassicMember m : members.values()) {
            for (Protocol p : m.protocols) {
                if (candidates.contains(p.name())) {
                    votes.merge(p.name(), 1, Integer::sum);
                    break;
                }
            }
        }
        String best = candidates.get(0);
        for (String c : candidates) if (votes.getOrDefault(c, 0) > votes.getOrDefault(best, 0)) best = c;
        return best;
    }

    /**
     * The topics the members subscribe to, from their ConsumerProtocolSubscription metadata, or null when
     * that is unknown (another protocol type, or metadata that does not parse).
     */
    Set<String> subscribedTopics() {
        if (!"consumer".equals(protocolType)) return null;
        Set<String> topics = new HashSet<>();
        for (ClassicMember m : members.values()) {
            byte[] md = protocolName != null ? m.metadata(protocolName)
                    : m.protocols.isEmpty() ? null : m.protocols.get(0).metadata();
            Set<String> t = md == null ? null : consumerSubscriptionTopics(md);
            if (t == null) return null;
            topics.addAll(t);
        }
        return topics;
    }

    /**
     * The topics of a ConsumerProtocolSubscription (any version: int16 version, then an int32-counted array
     * of int16-length strings), or null if the bytes are not one.
     */
    static Set<String> consumerSubscriptionTopics(byte[] metadata) {
        try {
            ByteBuffer b = ByteBuffer.wrap(metadata);
            if (b.getShort() < 0) return null;
            int n = b.getInt();
            if (n < 0 || n > b.remaining()) return null;
            Set<String> out = new LinkedHashSet<>();
            for (int i = 0; i < n; i++) {
                int len = b.getShort();
                if (len < 0 || len > b.remaining()) return null;
                byte[] s = new byte[len];
                b.get(s);
                out.add(new String(s, StandardCharsets.UTF_8));
            }
            return out;
        } catch (BufferUnderflowException e) {
            return null;
        }
    }
}
