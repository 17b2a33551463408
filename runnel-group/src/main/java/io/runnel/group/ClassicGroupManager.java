package io.runnel.group;

import io.runnel.common.Errors;
import io.runnel.group.ClassicGroup.State;
import io.runnel.group.api.ClassicGroupApi.HeartbeatParams;
import io.runnel.group.api.ClassicGroupApi.JoinMember;
import io.runnel.group.api.ClassicGroupApi.JoinParams;
import io.runnel.group.api.ClassicGroupApi.JoinResult;
import io.runnel.group.api.ClassicGroupApi.LeaveMember;
import io.runnel.group.api.ClassicGroupApi.LeaveMemberResult;
import io.runnel.group.api.ClassicGroupApi.LeaveParams;
import io.runnel.group.api.ClassicGroupApi.LeaveResult;
import io.runnel.group.api.ClassicGroupApi.SyncParams;
import io.runnel.group.api.ClassicGroupApi.SyncResult;
import io.runnel.group.records.GroupRecord;
import io.runnel.group.records.GroupRecord.GroupMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The classic group protocol of one shard: JoinGroup, SyncGroup, Heartbeat, LeaveGroup and their timers, with
 * Kafka's semantics (KIP-394 MEMBER_ID_REQUIRED, KIP-345 static membership, group.initial.rebalance.delay.ms,
 * group.max.size, rebalance and session timeouts). Protocol metadata and assignments are opaque bytes, so every
 * client-side assignor works, cooperative ones included (their incremental rebalances are just more
 * generations to the coordinator).
 *
 * <p>Timers (keys in the shard's timer table):
 * <ul>
 *   <li>{@code cs/<group>/<member>}: session expiry; a member parked in JoinGroup or SyncGroup is kept alive
 *       (those phases have their own deadlines);</li>
 *   <li>{@code cp/<group>/<member>}: expiry of a member id handed out with MEMBER_ID_REQUIRED;</li>
 *   <li>{@code cj/<group>}: end of the join phase (initial delay, or the largest rebalance timeout): members
 *       that did not rejoin are removed (static members stay, as KIP-345 wants);</li>
 *   <li>{@code cy/<group>}: end of the sync phase (largest rebalance timeout): members of the new generation
 *       that never sent SyncGroup are removed and the group rebalances, so a dead leader cannot wedge it.</li>
 * </ul>
 * Coordinator thread only.
 */
final class ClassicGroupManager {
    private static final Logger log = LoggerFactory.getLogger(ClassicGroupManager.class);

    private final GroupShard shard;

    ClassicGroupManager(GroupShard shard) {
        this.shard = shard;
    }

    private GroupCoordinatorConfig config() {
        return shard.config;
    }

    private static String sessionKey(String group, String member) {
        return "cs/" + group + "/" + member;
    }

    private static String pendingKey(String group, String member) {
        return "cp/" + group + "/" + member;
    }

    private static String joinKey(String group) {
        return "cj/" + group;
    }

    private static String syncKey(String group) {
        return "cy/" + group;
    }

    private ClassicGroup classic(String groupId) {
        return shard.state().groups.get(groupId) instanceof ClassicGroup c ? c : null;
    }

    // ------------------------------------------------------------------ JoinGroup

    void join(JoinParams p, CompletableFuture<JoinResult> f) {
        GroupCoordinatorConfig cfg = config();
        if (p.sessionTimeoutMs() < cfg.minSessionTimeoutMs() || p.sessionTimeoutMs() > cfg.maxSessionTimeoutMs()) {
            f.complete(JoinResult.error(Errors.INVALID_SESSION_TIMEOUT, p.memberId()));
            return;
        }
        Group existing = shard.state().groups.get(p.groupId());
        if (existing instanceof ConsumerGroup cg) {
            if (!cg.isEmpty()) {
                // a classic member in a consumer group (an online migration, KIP-848)
                shard.consumer.classicJoin(cg, p, f);
                return;
            }
            // an empty consumer-protocol group (offsets only) becomes a classic group
            shard.write(ConsumerGroupManager.groupTombstones(cg),
                    () -> shard.resubmit(() -> join(p, f), t -> f.complete(JoinResult.error(Errors.forException(t), p.memberId()))),
                    t -> f.complete(JoinResult.error(GroupShard.appendError(t, false), p.memberId())));
            return;
        }
        boolean unknownMember = p.memberId().isEmpty();
        ClassicGroup g = (ClassicGroup) existing;
        boolean created = false;
        if (g == null) {
            if (!unknownMember) {
                f.complete(JoinResult.error(Errors.UNKNOWN_MEMBER_ID, p.memberId()));
                return;
            }
            g = new ClassicGroup(p.groupId());
            shard.state().groups.put(p.groupId(), g);
            created = true;
        }
        Errors e = Errors.NONE;
        if (g.is(State.DEAD)) {
            e = Errors.COORDINATOR_NOT_AVAILABLE;
        } else if (!g.supportsProtocols(p.protocolType(), p.protocols())) {
            e = Errors.INCONSISTENT_GROUP_PROTOCOL;
        } else if (!acceptJoiningMember(g, p.memberId())) {
            e = Errors.GROUP_MAX_SIZE_REACHED;
            ClassicMember m = g.member(p.memberId());
            if (m != null) removeMemberAndUpdateGroup(g, m);
        }
        if (e != Errors.NONE) {
            if (created && g.members.isEmpty()) shard.state().groups.remove(p.groupId());
            f.complete(JoinResult.error(e, p.memberId()));
            return;
        }
        if (unknownMember) joinNewMember(g, p, f);
        else joinExistingMember(g, p, f);
    }

    /** group.max.size: a member already counted may always rejoin; a new one only while there is room. */
    private boolean acceptJoiningMember(ClassicGroup g, String memberId) {
        int max = config().classicMaxSize();
        return switch (g.state) {
            case EMPTY, DEAD -> true;
            case PREPARING_REBALANCE -> (g.has(memberId) && g.member(memberId).isAwaitingJoin()) || g.numAwaitingJoin() < max;
            case COMPLETING_REBALANCE, STABLE -> g.has(memberId) || g.members.size() < max;
        };
    }

    private void joinNewMember(ClassicGroup g, JoinParams p, CompletableFuture<JoinResult> f) {
        String prefix = p.groupInstanceId() != null ? p.groupInstanceId() : p.clientId();
        String newId = shard.newMemberId(prefix);
        if (p.groupInstanceId() != null) {
            String oldId = g.staticMemberId(p.groupInstanceId());
            if (oldId != null) {
                replaceStaticMember(g, oldId, newId, p, f);
            } else {
                addMemberAndRebalance(g, newId, p, f);
            }
        } else if (p.requireKnownMemberId()) {
            // KIP-394: hand out the id; the member joins with it, so a lost response leaves no ghost member
            g.pendingMembers.add(newId);
            String gid = g.groupId;
            shard.schedule(pendingKey(gid, newId), p.sessionTimeoutMs(), () -> expirePendingMember(gid, newId));
            f.complete(JoinResult.error(Errors.MEMBER_ID_REQUIRED, newId));
        } else {
            addMemberAndRebalance(g, newId, p, f);
        }
    }

    private void joinExistingMember(ClassicGroup g, JoinParams p, CompletableFuture<JoinResult> f) {
        String memberId = p.memberId();
        if (g.pendingMembers.remove(memberId)) {
            shard.cancel(pendingKey(g.groupId, memberId));
            addMemberAndRebalance(g, memberId, p, f);
            return;
        }
        Errors e = validateMember(g, memberId, p.groupInstanceId());
        if (e != Errors.NONE) {
            f.complete(JoinResult.error(e, memberId));
            return;
        }
        ClassicMember m = g.member(memberId);
        switch (g.state) {
            case PREPARING_REBALANCE -> updateMemberAndRebalance(g, m, p, f);
            case COMPLETING_REBALANCE -> {
                if (m.sameProtocols(p.protocols())) {
                    // the JoinGroup response was lost: send it again
                    f.complete(currentJoinResult(g, m, g.isLeader(memberId)));
                } else {
                    updateMemberAndRebalance(g, m, p, f);
                }
            }
            case STABLE -> {
                if (g.isLeader(memberId) || !m.sameProtocols(p.protocols())) {
                    updateMemberAndRebalance(g, m, p, f);
                } else {
                    f.complete(currentJoinResult(g, m, false));
                }
            }
            case EMPTY, DEAD -> f.complete(JoinResult.error(Errors.UNKNOWN_MEMBER_ID, memberId));
        }
    }

    private JoinResult currentJoinResult(ClassicGroup g, ClassicMember m, boolean withMembers) {
        return new JoinResult(Errors.NONE, g.generationId, g.protocolType, g.protocolName, g.leaderId, false,
                m.memberId, withMembers ? joinMembers(g) : List.of());
    }

    private static List<JoinMember> joinMembers(ClassicGroup g) {
        List<JoinMember> out = new ArrayList<>(g.members.size());
        for (ClassicMember m : g.members.values()) {
            byte[] md = m.metadata(g.protocolName);
            out.add(new JoinMember(m.memberId, m.groupInstanceId, md == null ? new byte[0] : md));
        }
        return out;
    }

    /** UNKNOWN_MEMBER_ID or FENCED_INSTANCE_ID unless {@code memberId} (with its instance id) is a member. */
    static Errors validateMember(ClassicGroup g, String memberId, String groupInstanceId) {
        if (groupInstanceId != null) {
            String current = g.staticMemberId(groupInstanceId);
            if (current == null) return Errors.UNKNOWN_MEMBER_ID;
            if (!current.equals(memberId)) return Errors.FENCED_INSTANCE_ID;
            return Errors.NONE;
        }
        return g.has(memberId) ? Errors.NONE : Errors.UNKNOWN_MEMBER_ID;
    }

    private void addMemberAndRebalance(ClassicGroup g, String memberId, JoinParams p, CompletableFuture<JoinResult> f) {
        ClassicMember m = new ClassicMember(memberId, p.groupInstanceId(), p.clientId(), p.clientHost(),
                p.sessionTimeoutMs(), p.rebalanceTimeoutMs(), p.protocolType(), p.protocols());
        m.isNew = true;
        m.awaitingJoin = f;
        m.lastHeartbeatMs = shard.now();
        if (g.is(State.PREPARING_REBALANCE) && g.initialDelayActive) g.newMemberAdded = true;
        g.add(m);
        scheduleSession(g, m);
        maybePrepareRebalance(g);
    }

    private void updateMemberAndRebalance(ClassicGroup g, ClassicMember m, JoinParams p, CompletableFuture<JoinResult> f) {
        if (m.isAwaitingJoin()) m.completeJoin(JoinResult.error(Errors.REBALANCE_IN_PROGRESS, m.memberId), shard.now());
        m.protocols = List.copyOf(p.protocols());
        m.sessionTimeoutMs = p.sessionTimeoutMs();
        m.rebalanceTimeoutMs = p.rebalanceTimeoutMs();
        m.clientId = p.clientId();
        m.clientHost = p.clientHost();
        m.awaitingJoin = f;
        touch(g, m);
        maybePrepareRebalance(g);
    }

    /**
     * KIP-345: a static member restarting (JoinGroup with its group.instance.id and no member id) replaces its
     * previous incarnation, which is fenced. In a Stable group it gets the current generation and its old
     * assignment back without a rebalance, unless the group's selected protocol would change with its new
     * protocols; the new member id is persisted first so that a coordinator move does not resurrect the old one.
     * As in Kafka, a changed subscription alone does not rebalance: the metadata bytes always differ after a
     * restart, because a consumer's subscription carries its owned partitions and generation (ConsumerProtocol
     * v1+), so comparing them would turn every static restart into a rebalance.
     */
    private void replaceStaticMember(ClassicGroup g, String oldId, String newId, JoinParams p, CompletableFuture<JoinResult> f) {
        ClassicMember old = g.member(oldId);
        String leaderBefore = g.leaderId;
        old.completeJoin(JoinResult.error(Errors.FENCED_INSTANCE_ID, oldId), shard.now());
        old.completeSync(SyncResult.error(Errors.FENCED_INSTANCE_ID), shard.now());
        ClassicMember nm = old.withId(newId);
        nm.protocols = List.copyOf(p.protocols());
        nm.sessionTimeoutMs = p.sessionTimeoutMs();
        nm.rebalanceTimeoutMs = p.rebalanceTimeoutMs();
        nm.clientId = p.clientId();
        nm.clientHost = p.clientHost();
        nm.lastHeartbeatMs = shard.now();
        shard.cancel(sessionKey(g.groupId, oldId));
        g.replaceStatic(oldId, nm);
        scheduleSession(g, nm);
        switch (g.state) {
            case STABLE -> {
                boolean protocolChanges = !g.selectProtocol().equals(g.protocolName);
                int generation = g.generationId;
                shard.write(List.of(new GroupMetadata(g.groupId, g.toRecord(null))), () -> {
                    if (protocolChanges) {
                        nm.awaitingJoin = f;
                        maybePrepareRebalance(g);
                    } else if (p.apiVersion() >= 9) {
                        // a returning static leader learns it leads, but must not assign again (KIP-814)
                        boolean leader = g.isLeader(newId);
                        f.complete(new JoinResult(Errors.NONE, generation, g.protocolType, g.protocolName, g.leaderId,
                                leader, newId, leader ? joinMembers(g) : List.of()));
                    } else {
                        // no skipAssignment before v9: name the leader as it was, so that the member does not
                        // take itself for the leader and run an assignment nobody asked for (Kafka does the same)
                        f.complete(new JoinResult(Errors.NONE, generation, g.protocolType, g.protocolName, leaderBefore,
                                false, newId, List.of()));
                    }
                }, err -> {
                    // put the previous incarnation back: the log still names it
                    if (g.has(newId)) {
                        shard.cancel(sessionKey(g.groupId, newId));
                        g.replaceStatic(newId, old);
                        scheduleSession(g, old);
                    }
                    f.complete(JoinResult.error(GroupShard.appendError(err, false), ""));
                });
            }
            case COMPLETING_REBALANCE -> {
                nm.awaitingJoin = f;
                prepareRebalance(g);
            }
            case PREPARING_REBALANCE -> {
                nm.awaitingJoin = f;
                maybeCompleteJoin(g);
            }
            case EMPTY, DEAD -> {
                nm.awaitingJoin = f;
                maybePrepareRebalance(g);
            }
        }
    }

    private void expirePendingMember(String groupId, String memberId) {
        ClassicGroup g = classic(groupId);
        if (g != null && g.pendingMembers.remove(memberId)) {
            log.debug("pending member {} of group {} did not join in time", memberId, groupId);
            maybeCompleteJoin(g);
        }
    }

    // ------------------------------------------------------------------ rebalance phases

    private void maybePrepareRebalance(ClassicGroup g) {
        switch (g.state) {
            case STABLE, COMPLETING_REBALANCE, EMPTY -> prepareRebalance(g);
            case PREPARING_REBALANCE -> maybeCompleteJoin(g);
            case DEAD -> { }
        }
    }

    private void prepareRebalance(ClassicGroup g) {
        if (g.is(State.COMPLETING_REBALANCE)) {
            for (ClassicMember m : g.members.values()) {
                m.assignment = new byte[0];
                m.completeSync(SyncResult.error(Errors.REBALANCE_IN_PROGRESS), shard.now());
            }
        }
        shard.cancel(syncKey(g.groupId));
        g.pendingSyncMembers.clear();
        boolean initial = g.is(State.EMPTY);
        g.transitionTo(State.PREPARING_REBALANCE, shard.now());
        String gid = g.groupId;
        int delay = config().initialRebalanceDelayMs();
        if (initial && delay > 0) {
            int rebalanceTimeout = g.maxRebalanceTimeoutMs();
            g.initialDelayActive = true;
            g.newMemberAdded = false;
            g.initialDelayRemainingMs = Math.max(rebalanceTimeout - delay, 0);
            shard.schedule(joinKey(gid), Math.min(delay, rebalanceTimeout), () -> onInitialDelay(gid));
        } else {
            g.initialDelayActive = false;
            shard.schedule(joinKey(gid), g.maxRebalanceTimeoutMs(), () -> onJoinTimeout(gid));
            maybeCompleteJoin(g);
        }
    }

    /** group.initial.rebalance.delay.ms: keep waiting while members keep arriving, up to the rebalance timeout. */
    private void onInitialDelay(String groupId) {
        ClassicGroup g = classic(groupId);
        if (g == null || !g.is(State.PREPARING_REBALANCE) || !g.initialDelayActive) return;
        if (g.newMemberAdded && g.initialDelayRemainingMs > 0) {
            g.newMemberAdded = false;
            long delay = Math.min(config().initialRebalanceDelayMs(), g.initialDelayRemainingMs);
            g.initialDelayRemainingMs = Math.max(g.initialDelayRemainingMs - config().initialRebalanceDelayMs(), 0);
            shard.schedule(joinKey(groupId), delay, () -> onInitialDelay(groupId));
        } else {
            g.initialDelayActive = false;
            completeJoin(g);
        }
    }

    private void onJoinTimeout(String groupId) {
        ClassicGroup g = classic(groupId);
        if (g != null && g.is(State.PREPARING_REBALANCE) && !g.initialDelayActive) completeJoin(g);
    }

    private void maybeCompleteJoin(ClassicGroup g) {
        if (g.is(State.PREPARING_REBALANCE) && !g.initialDelayActive && g.allMembersJoined()) completeJoin(g);
    }

    /** Ends the join phase: drops members that did not rejoin, starts the next generation, answers the joins. */
    private void completeJoin(ClassicGroup g) {
        if (!g.is(State.PREPARING_REBALANCE)) return;
        shard.cancel(joinKey(g.groupId));
        for (ClassicMember m : new ArrayList<>(g.members.values())) {
            if (!m.isAwaitingJoin() && !m.isStatic()) {
                log.debug("member {} of group {} did not rejoin in time", m.memberId, g.groupId);
                removeMember(g, m);
            }
        }
        int max = config().classicMaxSize();
        while (g.members.size() > max) {
            ClassicMember victim = null;
            for (ClassicMember m : g.members.values()) if (!m.isAwaitingJoin()) victim = m;
            if (victim == null) victim = new ArrayList<>(g.members.values()).getLast();
            victim.completeJoin(JoinResult.error(Errors.GROUP_MAX_SIZE_REACHED, victim.memberId), shard.now());
            removeMember(g, victim);
        }
        if (g.leaderId == null || !g.member(g.leaderId).isAwaitingJoin()) {
            for (ClassicMember m : g.members.values()) {
                if (m.isAwaitingJoin()) {
                    g.leaderId = m.memberId;
                    break;
                }
            }
        }
        long now = shard.now();
        g.generationId++;
        if (g.members.isEmpty()) {
            g.protocolName = null;
            g.leaderId = null;
            g.transitionTo(State.EMPTY, now);
            String gid = g.groupId;
            shard.write(List.of(new GroupMetadata(gid, g.toRecord(null))), () -> { },
                    err -> log.warn("could not store empty generation of group {}: {}", gid, err.toString()));
            return;
        }
        g.protocolName = g.selectProtocol();
        g.transitionTo(State.COMPLETING_REBALANCE, now);
        g.pendingSyncMembers.clear();
        g.pendingSyncMembers.addAll(g.members.keySet());
        List<JoinMember> all = joinMembers(g);
        for (ClassicMember m : g.members.values()) {
            if (!m.isAwaitingJoin()) continue;
            boolean leader = g.isLeader(m.memberId);
            m.isNew = false;
            m.completeJoin(new JoinResult(Errors.NONE, g.generationId, g.protocolType, g.protocolName, g.leaderId, false,
                    m.memberId, leader ? all : List.of()), shard.now());
            touch(g, m);
        }
        String gid = g.groupId;
        int generation = g.generationId;
        shard.schedule(syncKey(gid), g.maxRebalanceTimeoutMs(), () -> onSyncTimeout(gid, generation));
    }

    /** Members of the generation that never synced are removed, and the group rebalances without them. */
    private void onSyncTimeout(String groupId, int generation) {
        ClassicGroup g = classic(groupId);
        if (g == null || g.generationId != generation || g.pendingSyncMembers.isEmpty()) return;
        if (!g.is(State.COMPLETING_REBALANCE) && !g.is(State.STABLE)) return;
        for (String id : new ArrayList<>(g.pendingSyncMembers)) {
            ClassicMember m = g.member(id);
            if (m != null) {
                log.debug("member {} of group {} did not sync in time", id, groupId);
                m.completeJoin(JoinResult.error(Errors.UNKNOWN_MEMBER_ID, id), shard.now());
                m.completeSync(SyncResult.error(Errors.UNKNOWN_MEMBER_ID), shard.now());
                removeMember(g, m);
            }
        }
        prepareRebalance(g);
    }

    // ------------------------------------------------------------------ SyncGroup

    void sync(SyncParams p, CompletableFuture<SyncResult> f) {
        if (shard.state().groups.get(p.groupId()) instanceof ConsumerGroup cg) {
            f.complete(shard.consumer.classicSync(cg, p));
            return;
        }
        ClassicGroup g = classic(p.groupId());
        if (g == null) {
            f.complete(SyncResult.error(Errors.UNKNOWN_MEMBER_ID));
            return;
        }
        if (g.is(State.DEAD)) {
            f.complete(SyncResult.error(Errors.COORDINATOR_NOT_AVAILABLE));
            return;
        }
        Errors e = validateMember(g, p.memberId(), p.groupInstanceId());
        if (e == Errors.NONE && p.generationId() != g.generationId) e = Errors.ILLEGAL_GENERATION;
        if (e == Errors.NONE && ((p.protocolType() != null && !p.protocolType().equals(g.protocolType))
                || (p.protocolName() != null && !p.protocolName().equals(g.protocolName)))) {
            e = Errors.INCONSISTENT_GROUP_PROTOCOL;
        }
        if (e != Errors.NONE) {
            f.complete(SyncResult.error(e));
            return;
        }
        ClassicMember m = g.member(p.memberId());
        switch (g.state) {
            case EMPTY, DEAD -> f.complete(SyncResult.error(Errors.UNKNOWN_MEMBER_ID));
            case PREPARING_REBALANCE -> f.complete(SyncResult.error(Errors.REBALANCE_IN_PROGRESS));
            case COMPLETING_REBALANCE -> {
                m.completeSync(SyncResult.error(Errors.REBALANCE_IN_PROGRESS), shard.now());
                m.awaitingSync = f;
                g.pendingSyncMembers.remove(m.memberId);
                touch(g, m);
                if (g.isLeader(m.memberId)) storeLeaderAssignment(g, p.assignments());
            }
            case STABLE -> {
                removePendingSync(g, m.memberId);
                touch(g, m);
                f.complete(new SyncResult(Errors.NONE, g.protocolType, g.protocolName, m.assignment));
            }
        }
    }

    /** Persists the leader's assignment; once durable the group is Stable and every parked sync is answered. */
    private void storeLeaderAssignment(ClassicGroup g, Map<String, byte[]> assignments) {
        Map<String, byte[]> all = new HashMap<>();
        for (String id : g.members.keySet()) {
            byte[] a = assignments.get(id);
            all.put(id, a == null ? new byte[0] : a);
        }
        int generation = g.generationId;
        shard.write(List.of(new GroupMetadata(g.groupId, g.toRecord(all))), () -> {
            if (!g.is(State.COMPLETING_REBALANCE) || g.generationId != generation) return;
            g.transitionTo(State.STABLE, shard.now());
            for (ClassicMember m : g.members.values()) {
                m.completeSync(new SyncResult(Errors.NONE, g.protocolType, g.protocolName, m.assignment), shard.now());
            }
            if (g.pendingSyncMembers.isEmpty()) shard.cancel(syncKey(g.groupId));
        }, err -> {
            if (!g.is(State.COMPLETING_REBALANCE) || g.generationId != generation) return;
            Errors mapped = GroupShard.appendError(err, false);
            for (ClassicMember m : g.members.values()) {
                m.assignment = new byte[0];
                m.completeSync(SyncResult.error(mapped), shard.now());
            }
            prepareRebalance(g);
        });
    }

    private void removePendingSync(ClassicGroup g, String memberId) {
        if (g.pendingSyncMembers.remove(memberId) && g.pendingSyncMembers.isEmpty()) shard.cancel(syncKey(g.groupId));
    }

    // ------------------------------------------------------------------ Heartbeat

    Errors heartbeat(HeartbeatParams p) {
        if (shard.state().groups.get(p.groupId()) instanceof ConsumerGroup cg) return shard.consumer.classicHeartbeat(cg, p);
        ClassicGroup g = classic(p.groupId());
        if (g == null) return Errors.UNKNOWN_MEMBER_ID;
        if (g.is(State.DEAD)) return Errors.COORDINATOR_NOT_AVAILABLE;
        Errors e = validateMember(g, p.memberId(), p.groupInstanceId());
        if (e != Errors.NONE) return e;
        if (p.generationId() != g.generationId) return Errors.ILLEGAL_GENERATION;
        ClassicMember m = g.member(p.memberId());
        return switch (g.state) {
            case EMPTY, DEAD -> Errors.UNKNOWN_MEMBER_ID;
            case PREPARING_REBALANCE -> {
                touch(g, m);
                yield Errors.REBALANCE_IN_PROGRESS;
            }
            case COMPLETING_REBALANCE, STABLE -> {
                touch(g, m);
                yield Errors.NONE;
            }
        };
    }

    // ------------------------------------------------------------------ LeaveGroup

    void leave(LeaveParams p, CompletableFuture<LeaveResult> f) {
        if (shard.state().groups.get(p.groupId()) instanceof ConsumerGroup cg) shard.consumer.classicLeave(cg, p, f);
        else f.complete(leave(p));
    }

    LeaveResult leave(LeaveParams p) {
        ClassicGroup g = classic(p.groupId());
        if (g == null) return new LeaveResult(Errors.UNKNOWN_MEMBER_ID, List.of());
        if (g.is(State.DEAD)) return new LeaveResult(Errors.COORDINATOR_NOT_AVAILABLE, List.of());
        List<LeaveMemberResult> results = new ArrayList<>();
        boolean removed = false, pendingRemoved = false;
        for (LeaveMember lm : p.members()) {
            String memberId = lm.memberId() == null ? "" : lm.memberId();
            Errors e;
            String target = null;
            if (lm.groupInstanceId() != null) {
                String current = g.staticMemberId(lm.groupInstanceId());
                if (current == null) e = Errors.UNKNOWN_MEMBER_ID;
                else if (!memberId.isEmpty() && !memberId.equals(current)) e = Errors.FENCED_INSTANCE_ID;
                else {
                    e = Errors.NONE;
                    target = current;
                }
            } else if (g.pendingMembers.remove(memberId)) {
                shard.cancel(pendingKey(g.groupId, memberId));
                pendingRemoved = true;
                e = Errors.NONE;
            } else if (!g.has(memberId)) {
                e = Errors.UNKNOWN_MEMBER_ID;
            } else {
                e = Errors.NONE;
                target = memberId;
            }
            if (target != null) {
                ClassicMember m = g.member(target);
                m.completeJoin(JoinResult.error(Errors.UNKNOWN_MEMBER_ID, target), shard.now());
                m.completeSync(SyncResult.error(Errors.UNKNOWN_MEMBER_ID), shard.now());
                removeMember(g, m);
                removed = true;
            }
            results.add(new LeaveMemberResult(memberId, lm.groupInstanceId(), e));
        }
        if (removed) updateGroupAfterRemoval(g);
        else if (pendingRemoved) maybeCompleteJoin(g);
        return new LeaveResult(Errors.NONE, results);
    }

    // ------------------------------------------------------------------ membership helpers

    private void removeMember(ClassicGroup g, ClassicMember m) {
        g.remove(m.memberId);
        shard.cancel(sessionKey(g.groupId, m.memberId));
    }

    private void removeMemberAndUpdateGroup(ClassicGroup g, ClassicMember m) {
        m.completeJoin(JoinResult.error(Errors.UNKNOWN_MEMBER_ID, m.memberId), shard.now());
        m.completeSync(SyncResult.error(Errors.UNKNOWN_MEMBER_ID), shard.now());
        removeMember(g, m);
        updateGroupAfterRemoval(g);
    }

    private void updateGroupAfterRemoval(ClassicGroup g) {
        switch (g.state) {
            case STABLE, COMPLETING_REBALANCE -> prepareRebalance(g);
            case PREPARING_REBALANCE -> maybeCompleteJoin(g);
            case EMPTY, DEAD -> { }
        }
    }

    /** Records a sign of life and makes sure the session timer runs. */
    private void touch(ClassicGroup g, ClassicMember m) {
        m.lastHeartbeatMs = shard.now();
        if (!shard.hasTimer(sessionKey(g.groupId, m.memberId))) scheduleSession(g, m);
    }

    private void scheduleSession(ClassicGroup g, ClassicMember m) {
        String gid = g.groupId, mid = m.memberId;
        long deadline = m.lastHeartbeatMs + m.sessionTimeoutMs;
        shard.schedule(sessionKey(gid, mid), Math.max(0, deadline - shard.now()), () -> onSessionTimer(gid, mid));
    }

    private void onSessionTimer(String groupId, String memberId) {
        ClassicGroup g = classic(groupId);
        ClassicMember m = g == null ? null : g.member(memberId);
        if (m == null) return;
        long now = shard.now();
        if (m.isAwaitingJoin() || m.isAwaitingSync()) {
            m.lastHeartbeatMs = now;
            scheduleSession(g, m);
        } else if (now < m.lastHeartbeatMs + m.sessionTimeoutMs) {
            scheduleSession(g, m);
        } else {
            log.info("member {} of group {} expired (session timeout {} ms)", memberId, groupId, m.sessionTimeoutMs);
            removeMemberAndUpdateGroup(g, m);
        }
    }

    // ------------------------------------------------------------------ load / unload / delete

    /** A group just loaded from the log: its members get a full session timeout to show up. */
    void onLoaded(ClassicGroup g) {
        long now = shard.now();
        for (ClassicMember m : g.members.values()) {
            m.lastHeartbeatMs = now;
            scheduleSession(g, m);
        }
    }

    /** A group just converted back from the consumer protocol: its members rejoin so that the leader assigns. */
    void rebalanceAfterDowngrade(ClassicGroup g) {
        if (g.is(State.STABLE)) prepareRebalance(g);
    }

    /** The shard moves away: parked responses learn that this is no longer the coordinator. */
    void onUnloaded(ClassicGroup g) {
        for (ClassicMember m : g.members.values()) {
            m.completeJoin(JoinResult.error(Errors.NOT_COORDINATOR, m.memberId), shard.now());
            m.completeSync(SyncResult.error(Errors.NOT_COORDINATOR), shard.now());
        }
    }

    /** The records that delete a classic group (its offsets are the caller's business). */
    static List<GroupRecord> groupTombstones(ClassicGroup g) {
        return List.of(new GroupMetadata(g.groupId, null));
    }

    /** Stops the timers of a group about to be deleted. */
    void cancelTimers(ClassicGroup g) {
        shard.cancel(joinKey(g.groupId));
        shard.cancel(syncKey(g.groupId));
        for (String id : g.members.keySet()) shard.cancel(sessionKey(g.groupId, id));
        for (String id : g.pendingMembers) shard.cancel(pendingKey(g.groupId, id));
    }
}
