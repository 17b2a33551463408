package io.runnel.group;

import io.runnel.common.Errors;
import io.runnel.group.api.AdminApi.ClassicGroupDescription;
import io.runnel.group.api.AdminApi.ClassicMemberDescription;
import io.runnel.group.api.ClassicGroupApi.HeartbeatParams;
import io.runnel.group.api.ClassicGroupApi.JoinMember;
import io.runnel.group.api.ClassicGroupApi.JoinParams;
import io.runnel.group.api.ClassicGroupApi.JoinResult;
import io.runnel.group.api.ClassicGroupApi.LeaveMember;
import io.runnel.group.api.ClassicGroupApi.LeaveParams;
import io.runnel.group.api.ClassicGroupApi.SyncParams;
import io.runnel.group.api.ClassicGroupApi.SyncResult;
import io.runnel.group.api.ConsumerGroupApi.GroupDescription;
import io.runnel.group.records.PartitionSet;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

import static io.runnel.group.Harness.done;
import static io.runnel.group.Harness.range;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Random bursts of joins, leaves, crashes, heartbeats and clock jumps, after which the surviving clients
 * follow the protocol: the group must always end Stable with exactly the live clients, each holding its
 * assignment (classic) or with every partition owned by exactly one live member (consumer protocol); and a
 * coordinator rebuilt from the log must hold the same durable state.
 */
class GroupBurstPropertiesTest {
    private static final String G = "burst";

    enum Kind { JOIN, SYNC, HEARTBEAT, LEAVE, CRASH, ADVANCE, STATIC_LEAVE }

    record Action(Kind kind, int client, int amount) {
    }

    @Provide
    Arbitrary<List<Action>> bursts() {
        Arbitrary<Action> action = Combinators.combine(Arbitraries.of(Kind.class), Arbitraries.integers().between(0, 4),
                Arbitraries.integers().between(0, 20_000)).as(Action::new);
        return action.list().ofMinSize(1).ofMaxSize(40);
    }

    // ------------------------------------------------------------------ classic

    /** A classic client: joins, syncs (the leader assigns its own member id to each member), heartbeats. */
    static final class Classic {
        final Harness h;
        final String instanceId;
        boolean alive = true;
        String memberId = "";
        int generation = -1;
        boolean synced;
        List<JoinMember> toAssign = List.of();
        CompletableFuture<JoinResult> join;
        CompletableFuture<SyncResult> sync;
        byte[] assignment;

        Classic(Harness h, String instanceId) {
            this.h = h;
            this.instanceId = instanceId;
        }

        void join() {
            if (join != null) return;
            JoinParams p = new JoinParams(G, memberId, instanceId, "consumer", range("t"), Harness.SESSION, Harness.REBALANCE,
                    "client", "/h", (short) 9);
            join = h.coordinator.joinGroup(p);
            synced = false;
            sync = null;
        }

        void sync() {
            if (generation < 0 || sync != null || synced) return;
            Map<String, byte[]> asg = new HashMap<>();
            for (JoinMember m : toAssign) asg.put(m.memberId(), label(m.memberId(), m.groupInstanceId()).getBytes(StandardCharsets.UTF_8));
            sync = h.coordinator.syncGroup(new SyncParams(G, generation, memberId, instanceId, "consumer", "range", asg));
        }

        void heartbeat() {
            if (!synced) return;
            Errors e = done(h.coordinator.heartbeat(new HeartbeatParams(G, generation, memberId, instanceId)));
            onError(e);
        }

        void leave() {
            h.coordinator.leaveGroup(new LeaveParams(G, List.of(new LeaveMember(memberId, instanceId))));
            reset(true);
        }

        void reset(boolean forgetId) {
            if (forgetId && instanceId == null) memberId = "";
            if (forgetId && instanceId != null) memberId = "";
            generation = -1;
            synced = false;
            join = null;
            sync = null;
            toAssign = List.of();
        }

        private void onError(Errors e) {
            switch (e) {
                case NONE -> { }
                case UNKNOWN_MEMBER_ID, FENCED_INSTANCE_ID -> reset(true);
                default -> reset(false);
            }
        }

        /** Consumes whatever responses have arrived. */
        void poll() {
            if (join != null && join.isDone()) {
                JoinResult r = join.join();
                join = null;
                switch (r.error()) {
                    case NONE -> {
                        memberId = r.memberId();
                        generation = r.generationId();
                        toAssign = r.members();
                        synced = false;
                        sync = null;
                    }
                    case MEMBER_ID_REQUIRED -> memberId = r.memberId();
                    default -> onError(r.error());
                }
            }
            if (sync != null && sync.isDone()) {
                SyncResult r = sync.join();
                sync = null;
                if (r.error() == Errors.NONE) {
                    synced = true;
                    assignment = r.assignment();
                } else {
                    onError(r.error());
                }
            }
        }

        /** One step of a well-behaved client. */
        void drive() {
            poll();
            if (!alive) return;
            if (generation < 0 && join == null) join();
            else if (!synced) sync();
            else heartbeat();
            poll();
        }
    }

    @Property(tries = 150)
    void classicBurstsNeverWedgeTheGroup(@ForAll("bursts") List<Action> burst, @ForAll @IntRange(min = 1, max = 5) int clients,
                                         @ForAll @IntRange(min = 0, max = 2) int statics, @ForAll boolean initialDelay) {
        Harness h = new Harness(Harness.defaults().withInitialRebalanceDelayMs(initialDelay ? 3000 : 0));
        List<Classic> cs = new ArrayList<>();
        for (int i = 0; i < clients; i++) cs.add(new Classic(h, i < statics ? "static-" + i : null));
        for (Action a : burst) {
            Classic c = cs.get(a.client() % clients);
            c.poll();
            switch (a.kind()) {
                case JOIN -> {
                    c.alive = true;
                    c.join();
                }
                case SYNC -> c.sync();
                case HEARTBEAT -> c.heartbeat();
                case LEAVE, STATIC_LEAVE -> {
                    c.leave();
                    c.alive = false;
                }
                case CRASH -> {
                    c.alive = false;
                    c.reset(true);
                }
                case ADVANCE -> h.advance(a.amount());
            }
        }
        // a crashed client comes back as a new process or stays away, at random by index
        for (int i = 0; i < clients; i++) if (!cs.get(i).alive && i % 2 == 0) cs.get(i).alive = true;

        boolean settled = false;
        for (int step = 0; step < 400 && !settled; step++) {
            h.advance(1000);
            for (Classic c : cs) c.drive();
            settled = classicSettled(h, cs);
        }
        assertThat(settled).as("group settles; state %s", h.state(G)).isTrue();
        String before = h.durableState();
        h.reload();
        assertThat(h.durableState()).isEqualTo(before);
        h.log.compact();
        h.reload();
        assertThat(h.durableState()).as("after log compaction").isEqualTo(before);
    }

    private static boolean classicSettled(Harness h, List<Classic> cs) {
        Set<String> live = new HashSet<>();
        for (Classic c : cs) {
            if (!c.alive) continue;
            if (!c.synced) return false;
            live.add(c.memberId);
        }
        ClassicGroupDescription d = done(h.coordinator.describeGroups(List.of(G), false)).getFirst();
        if (live.isEmpty()) return !d.state().equals("PreparingRebalance") && !d.state().equals("CompletingRebalance") && d.members().isEmpty();
        if (!d.state().equals("Stable")) return false;
        Set<String> members = new HashSet<>();
        for (ClassicMemberDescription m : d.members()) {
            members.add(m.memberId());
            if (!new String(m.assignment(), StandardCharsets.UTF_8).equals(label(m.memberId(), m.groupInstanceId()))) return false;
        }
        if (!members.equals(live)) return false;
        for (Classic c : cs) {
            if (c.alive && !new String(c.assignment, StandardCharsets.UTF_8).equals(label(c.memberId, c.instanceId))) return false;
        }
        return true;
    }

    /**
     * What the leader assigns to a member, so that the check can tell whose assignment a member holds. A
     * static member keeps its assignment when it restarts under a new member id (KIP-345: no rebalance),
     * so its assignment names its instance id; a dynamic member's names its member id.
     */
    private static String label(String memberId, String instanceId) {
        return instanceId != null ? instanceId : memberId;
    }

    // ------------------------------------------------------------------ consumer protocol

    @Property(tries = 150)
    void consumerBurstsNeverWedgeTheGroup(@ForAll("bursts") List<Action> burst, @ForAll @IntRange(min = 1, max = 5) int clients,
                                          @ForAll @IntRange(min = 0, max = 2) int statics, @ForAll boolean range,
                                          @ForAll @IntRange(min = 1, max = 12) int partitions) {
        Harness h = new Harness();
        h.topics.put("t", partitions);
        List<ConsumerSim> cs = new ArrayList<>();
        List<Boolean> alive = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
            ConsumerSim c = new ConsumerSim(h, G, i < statics ? "static-" + i : null, List.of("t"));
            c.assignor = range ? "range" : "uniform";
            c.rebalanceTimeoutMs = 20_000;
            cs.add(c);
            alive.add(false);
        }
        for (Action a : burst) {
            int i = a.client() % clients;
            ConsumerSim c = cs.get(i);
            switch (a.kind()) {
                case JOIN, SYNC, HEARTBEAT -> {
                    alive.set(i, true);
                    c.heartbeat();
                }
                case LEAVE -> {
                    if (!c.memberId.isEmpty()) c.leave(-1);
                    c.memberId = "";
                    alive.set(i, false);
                }
                case STATIC_LEAVE -> {
                    if (!c.memberId.isEmpty()) c.leave(c.instanceId != null ? -2 : -1);
                    c.memberId = "";
                    alive.set(i, false);
                }
                case CRASH -> {
                    alive.set(i, false);
                    c.memberId = "";
                    c.epoch = 0;
                    c.owned = PartitionSet.EMPTY;
                }
                case ADVANCE -> h.advance(a.amount());
            }
        }
        for (int i = 0; i < clients; i++) if (!alive.get(i) && i % 2 == 0) alive.set(i, true);

        boolean settled = false;
        for (int step = 0; step < 200 && !settled; step++) {
            h.advance(1000);
            for (int i = 0; i < clients; i++) {
                if (!alive.get(i)) continue;
                cs.get(i).heartbeat();
            }
            List<ConsumerSim> live = new ArrayList<>();
            for (int i = 0; i < clients; i++) if (alive.get(i)) live.add(cs.get(i));
            ConsumerGroupTest.assertNoDoubleOwnership(live);
            settled = consumerSettled(h, live, partitions);
        }
        assertThat(settled).as("group settles").isTrue();
        String before = h.durableState();
        h.reload();
        assertThat(h.durableState()).isEqualTo(before);
        h.log.compact();
        h.reload();
        assertThat(h.durableState()).as("after log compaction").isEqualTo(before);
    }

    private static boolean consumerSettled(Harness h, List<ConsumerSim> live, int partitions) {
        GroupDescription d = done(h.coordinator.consumerGroupDescribe(List.of(G))).getFirst();
        if (live.isEmpty()) return d.error() != Errors.NONE || d.members().isEmpty();
        if (d.error() != Errors.NONE || !d.state().equals("Stable")) return false;
        Set<String> ids = new HashSet<>();
        d.members().forEach(m -> ids.add(m.memberId()));
        Set<String> liveIds = new HashSet<>();
        int owned = 0;
        for (ConsumerSim c : live) {
            if (c.lastError != Errors.NONE || c.epoch != d.groupEpoch()) return false;
            liveIds.add(c.memberId);
            owned += c.owned.size();
        }
        return ids.equals(liveIds) && owned == partitions;
    }

    @Property(tries = 30)
    void manyMembersJoinAndLeaveInOneBurst(@ForAll @IntRange(min = 2, max = 12) int members, @ForAll @Size(max = 12) List<Boolean> leaves) {
        Harness h = new Harness();
        h.topics.put("t", 8);
        List<ConsumerSim> cs = new ArrayList<>();
        for (int i = 0; i < members; i++) {
            ConsumerSim c = new ConsumerSim(h, G, null, List.of("t"));
            c.heartbeat();
            cs.add(c);
        }
        List<ConsumerSim> live = new ArrayList<>();
        for (int i = 0; i < members; i++) {
            if (i < leaves.size() && leaves.get(i)) cs.get(i).leave(-1);
            else live.add(cs.get(i));
        }
        boolean settled = false;
        for (int step = 0; step < 50 && !settled; step++) {
            for (ConsumerSim c : live) c.heartbeat();
            ConsumerGroupTest.assertNoDoubleOwnership(live);
            settled = consumerSettled(h, live, 8);
        }
        assertThat(settled).isTrue();
    }
}
