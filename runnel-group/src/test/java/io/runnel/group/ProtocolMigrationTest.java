package io.runnel.group;

import io.runnel.common.Errors;
import io.runnel.common.TopicPartition;
import io.runnel.common.Uuid;
import io.runnel.group.api.AdminApi.ListedGroup;
import io.runnel.group.api.ClassicGroupApi;
import io.runnel.group.api.ClassicGroupApi.JoinResult;
import io.runnel.group.api.ClassicGroupApi.Protocol;
import io.runnel.group.api.ClassicGroupApi.SyncResult;
import io.runnel.group.api.ConsumerGroupApi.GroupDescription;
import io.runnel.group.api.ConsumerGroupApi.HeartbeatResult;
import io.runnel.group.api.OffsetApi.CommitParams;
import io.runnel.group.api.OffsetApi.CommitPartition;
import io.runnel.group.records.PartitionSet;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;

import static io.runnel.group.Harness.done;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Online migration between the classic and the consumer protocols (KIP-848 upgrade/downgrade): a classic
 * group converts when a consumer-protocol member joins, its classic members keep working through
 * JoinGroup/SyncGroup/Heartbeat with server-side assignments, and it converts back when the last
 * consumer-protocol member leaves.
 */
class ProtocolMigrationTest {
    private static final String G = "mig";
    private static final int PARTITIONS = 6;

    /** An eager classic consumer (range): revokes everything before it rejoins, adopts what SyncGroup gives it. */
    static final class ClassicSim {
        final Harness h;
        /** false: cooperative, keeps what it owns across a rejoin, revokes after SyncGroup and rejoins if it did. */
        boolean eager = true;
        boolean mustRejoin;
        String instanceId;
        String memberId = "";
        int generation = -1;
        Set<Integer> owned = new TreeSet<>();
        Errors lastError = Errors.NONE;

        ClassicSim(Harness h) {
            this.h = h;
        }

        List<Protocol> protocols() {
            return List.of(new Protocol("range", subscriptionV1(owned)), new Protocol("cooperative-sticky", subscriptionV1(owned)));
        }

        CompletableFuture<JoinResult> joinAsync() {
            if (eager) owned.clear(); // eager: revoke all before joining
            return h.coordinator.joinGroup(new ClassicGroupApi.JoinParams(G, memberId, instanceId, "consumer", protocols(),
                    Harness.SESSION, Harness.REBALANCE, "classic", "/10.0.0.2", (short) 9));
        }

        JoinResult adopt(JoinResult j) {
            lastError = j.error();
            if (j.error() == Errors.MEMBER_ID_REQUIRED) memberId = j.memberId();
            if (j.error() == Errors.NONE) {
                memberId = j.memberId();
                generation = j.generationId();
            }
            return j;
        }

        /** JoinGroup (twice on MEMBER_ID_REQUIRED), then SyncGroup as a follower. */
        void rejoinAndSync() {
            JoinResult j = adopt(done(joinAsync()));
            if (j.error() == Errors.MEMBER_ID_REQUIRED) j = adopt(done(joinAsync()));
            assertThat(j.error()).isEqualTo(Errors.NONE);
            assertThat(j.leader()).isNotEqualTo(memberId);
            sync(done(h.sync(G, memberId, instanceId, generation, Map.of())));
        }

        void sync(SyncResult s) {
            lastError = s.error();
            assertThat(s.error()).isEqualTo(Errors.NONE);
            ConsumerProtocolCodec.Assignment a = ConsumerProtocolCodec.assignment(s.assignment());
            List<Integer> assigned = a.partitions().getOrDefault("t", List.of());
            mustRejoin = !eager && !assigned.containsAll(owned);
            owned.clear();
            owned.addAll(assigned);
        }

        Errors heartbeat() {
            lastError = h.heartbeat(G, memberId, instanceId, generation);
            return lastError;
        }

        Errors commit(int partition, long offset) {
            var r = done(h.coordinator.commitOffsets(new CommitParams(G, memberId, null, generation, -1,
                    List.of(new CommitPartition("t", partition, offset, -1, "")), (short) 8)));
            return r.partitions().get(new TopicPartition("t", partition));
        }
    }

    static byte[] subscriptionV1(Set<Integer> owned) {
        byte[] t = "t".getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(2 + 4 + 2 + t.length + 4 + 4 + (owned.isEmpty() ? 0 : 2 + t.length + 4 + 4 * owned.size()));
        b.putShort((short) 1).putInt(1).putShort((short) t.length).put(t).putInt(-1);
        if (owned.isEmpty()) {
            b.putInt(0);
        } else {
            b.putInt(1).putShort((short) t.length).put(t).putInt(owned.size());
            for (int p : owned) b.putInt(p);
        }
        return b.array();
    }

    private Harness h;
    private Uuid topic;

    ProtocolMigrationTest() {
        init(Harness.defaults());
    }

    private void init(GroupCoordinatorConfig config) {
        h = new Harness(config);
        topic = h.topics.put("t", PARTITIONS).id();
    }

    private static ProtocolMigrationTest with(GroupCoordinatorConfig config) {
        ProtocolMigrationTest t = new ProtocolMigrationTest();
        t.init(config);
        return t;
    }

    /** Two classic members A (0-2) and B (3-5) in a Stable classic group. */
    private List<ClassicSim> stableClassicGroup() {
        ClassicSim a = new ClassicSim(h), b = new ClassicSim(h);
        a.adopt(done(a.joinAsync()));
        CompletableFuture<JoinResult> ja = a.joinAsync();
        b.adopt(done(b.joinAsync()));
        CompletableFuture<JoinResult> jb = b.joinAsync();
        if (ja.isDone()) {
            a.adopt(ja.join());
            ja = a.joinAsync();
        }
        if (jb.isDone()) {
            b.adopt(jb.join());
            jb = b.joinAsync();
        }
        JoinResult ra = a.adopt(done(ja)), rb = b.adopt(done(jb));
        assertThat(ra.generationId()).isEqualTo(rb.generationId());
        assertThat(ra.leader()).isEqualTo(a.memberId);
        Map<String, byte[]> assignment = Map.of(
                a.memberId, ConsumerProtocolCodec.encodeAssignment(Map.of("t", List.of(0, 1, 2))),
                b.memberId, ConsumerProtocolCodec.encodeAssignment(Map.of("t", List.of(3, 4, 5))));
        CompletableFuture<SyncResult> sa = h.sync(G, ra, assignment), sb = h.sync(G, rb, Map.of());
        a.sync(done(sa));
        b.sync(done(sb));
        assertThat(h.state(G)).isEqualTo("Stable");
        assertThat(a.owned).containsExactly(0, 1, 2);
        assertThat(b.owned).containsExactly(3, 4, 5);
        return List.of(a, b);
    }

    private void assertSingleOwnership(List<ClassicSim> classic, List<ConsumerSim> consumers) {
        Map<Integer, String> owner = new HashMap<>();
        for (ClassicSim c : classic) {
            for (int p : c.owned) assertThat(owner.put(p, c.memberId)).as("partition %s owned twice", p).isNull();
        }
        for (ConsumerSim c : consumers) {
            for (int p : c.owned.partitions(topic)) assertThat(owner.put(p, c.memberId)).as("partition %s owned twice", p).isNull();
        }
    }

    /** Rounds of heartbeats (classic members rejoin on REBALANCE_IN_PROGRESS, committing first) until stable. */
    private void settle(List<ClassicSim> classic, List<ConsumerSim> consumers) {
        for (int round = 0; round < 30; round++) {
            boolean changed = false;
            for (ConsumerSim c : consumers) {
                PartitionSet before = c.owned;
                int epoch = c.epoch;
                c.heartbeat();
                assertThat(c.lastError).isEqualTo(Errors.NONE);
                changed |= !before.equals(c.owned) || epoch != c.epoch;
                assertSingleOwnership(classic, consumers);
            }
            for (ClassicSim c : classic) {
                Errors e = c.heartbeat();
                assertThat(e).isIn(Errors.NONE, Errors.REBALANCE_IN_PROGRESS);
                if (e == Errors.REBALANCE_IN_PROGRESS || c.mustRejoin) {
                    // onPartitionsRevoked: commit what it consumed, with its current generation
                    for (int p : c.owned) assertThat(c.commit(p, 100 + p)).isEqualTo(Errors.NONE);
                    c.rejoinAndSync();
                    changed = true;
                }
                assertSingleOwnership(classic, consumers);
            }
            if (!changed) return;
        }
        throw new AssertionError("the group did not settle");
    }

    private String type(String group) {
        for (ListedGroup g : done(h.coordinator.listGroups(Set.of(), Set.of())).groups()) {
            if (g.groupId().equals(group)) return g.type();
        }
        return null;
    }

    private void assertReloadKeepsState() {
        String before = h.durableState();
        h.reload();
        assertThat(h.durableState()).isEqualTo(before);
    }

    @Test
    void upgradeThenDowngrade() {
        List<ClassicSim> classic = stableClassicGroup();
        ClassicSim a = classic.get(0), b = classic.get(1);
        assertThat(a.commit(0, 5)).isEqualTo(Errors.NONE);

        // a consumer-protocol member joins: the group converts, and the newcomer gets nothing still held
        ConsumerSim c = new ConsumerSim(h, G, null, List.of("t"));
        HeartbeatResult r = c.heartbeat();
        assertThat(r.error()).isEqualTo(Errors.NONE);
        assertThat(type(G)).isEqualTo("consumer");
        assertSingleOwnership(classic, List.of(c));
        GroupDescription d = done(h.coordinator.consumerGroupDescribe(List.of(G))).getFirst();
        assertThat(d.members()).hasSize(3);
        assertThat(d.members().stream().filter(m -> m.memberType() == 0).map(m -> m.memberId()))
                .containsExactlyInAnyOrder(a.memberId, b.memberId);
        assertReloadKeepsState();

        // classic members still heartbeat and commit with their generation; they learn of the rebalance
        assertThat(a.heartbeat()).isEqualTo(Errors.REBALANCE_IN_PROGRESS);
        assertThat(a.commit(1, 7)).isEqualTo(Errors.NONE);
        settle(classic, List.of(c));
        assertThat(a.owned.size() + b.owned.size() + c.owned.size()).isEqualTo(PARTITIONS);
        assertThat(a.owned).hasSize(2);
        assertThat(b.owned).hasSize(2);
        assertThat(c.owned.size()).isEqualTo(2);
        assertThat(a.heartbeat()).isEqualTo(Errors.NONE);
        assertThat(a.commit(a.owned.iterator().next(), 9)).isEqualTo(Errors.NONE);
        assertThat(a.commit(a.owned.iterator().next(), 9)).isEqualTo(Errors.NONE);
        ClassicSim stale = new ClassicSim(h);
        stale.memberId = a.memberId;
        stale.generation = a.generation - 1;
        assertThat(stale.heartbeat()).isEqualTo(Errors.ILLEGAL_GENERATION);
        assertReloadKeepsState();
        assertThat(a.heartbeat()).isEqualTo(Errors.NONE);
        assertThat(b.heartbeat()).isEqualTo(Errors.NONE);

        // the last consumer-protocol member leaves: back to a classic group, which rebalances
        assertThat(c.leave(-1).error()).isEqualTo(Errors.NONE);
        assertThat(type(G)).isEqualTo("classic");
        assertThat(h.state(G)).isEqualTo("PreparingRebalance");
        assertThat(a.heartbeat()).isEqualTo(Errors.REBALANCE_IN_PROGRESS);
        assertThat(b.heartbeat()).isEqualTo(Errors.REBALANCE_IN_PROGRESS);
        CompletableFuture<JoinResult> ja = a.joinAsync(), jb = b.joinAsync();
        JoinResult ra = a.adopt(done(ja)), rb = b.adopt(done(jb));
        assertThat(ra.error()).isEqualTo(Errors.NONE);
        JoinResult leader = ra.leader().equals(ra.memberId()) ? ra : rb;
        assertThat(leader.members()).hasSize(2);
        Map<String, byte[]> assignment = Map.of(
                a.memberId, ConsumerProtocolCodec.encodeAssignment(Map.of("t", List.of(0, 1, 2))),
                b.memberId, ConsumerProtocolCodec.encodeAssignment(Map.of("t", List.of(3, 4, 5))));
        CompletableFuture<SyncResult> sa = h.sync(G, ra, leader == ra ? assignment : Map.of());
        CompletableFuture<SyncResult> sb = h.sync(G, rb, leader == rb ? assignment : Map.of());
        a.sync(done(sa));
        b.sync(done(sb));
        assertThat(h.state(G)).isEqualTo("Stable");
        assertThat(a.heartbeat()).isEqualTo(Errors.NONE);
        assertThat(a.commit(0, 11)).isEqualTo(Errors.NONE);
        assertReloadKeepsState();
        assertThat(type(G)).isEqualTo("classic");
    }

    @Test
    void cooperativeClassicMembersGiveUpPartitionsBeforeOthersGetThem() {
        List<ClassicSim> classic = stableClassicGroup();
        for (ClassicSim c : classic) c.eager = false;
        ConsumerSim c1 = new ConsumerSim(h, G, null, List.of("t")), c2 = new ConsumerSim(h, G, null, List.of("t"));
        c1.heartbeat();
        c2.heartbeat();
        assertSingleOwnership(classic, List.of(c1, c2));
        settle(classic, List.of(c1, c2));
        for (ClassicSim c : classic) assertThat(c.owned).isNotEmpty();
        assertThat(c1.owned.isEmpty() || c2.owned.isEmpty()).isFalse();
        assertThat(classic.get(0).owned.size() + classic.get(1).owned.size() + c1.owned.size() + c2.owned.size()).isEqualTo(PARTITIONS);
        assertReloadKeepsState();
        // a classic member leaves: the others take over its partition
        h.leave(G, new ClassicGroupApi.LeaveMember(classic.get(0).memberId, null));
        settle(List.of(classic.get(1)), List.of(c1, c2));
        assertThat(classic.get(1).owned.size() + c1.owned.size() + c2.owned.size()).isEqualTo(PARTITIONS);
    }

    @Test
    void staticClassicMemberRestartsWithTheConsumerProtocol() {
        List<ClassicSim> classic = stableClassicGroup();
        ConsumerSim c = new ConsumerSim(h, G, null, List.of("t"));
        c.heartbeat();
        settle(classic, List.of(c));
        // a static classic member (same group.instance.id) comes back with the consumer protocol
        ClassicSim s = new ClassicSim(h);
        s.instanceId = "instance-1";
        s.rejoinAndSync();
        List<ClassicSim> all = new ArrayList<>(classic);
        all.add(s);
        for (ClassicSim x : all) x.heartbeat();
        settle(all, List.of(c));
        ConsumerSim upgraded = new ConsumerSim(h, G, "instance-1", List.of("t"));
        assertThat(upgraded.heartbeat().error()).isEqualTo(Errors.NONE);
        assertThat(done(h.coordinator.consumerGroupDescribe(List.of(G))).getFirst().members()).as(h.durableState()).hasSize(4);
        assertThat(s.heartbeat()).isEqualTo(Errors.FENCED_INSTANCE_ID);
        s.owned.clear(); // that process is gone
        settle(classic, List.of(c, upgraded));
        assertThat(classic.get(0).owned.size() + classic.get(1).owned.size() + c.owned.size() + upgraded.owned.size())
                .isEqualTo(PARTITIONS);
        assertReloadKeepsState();
    }

    @Test
    void classicMembersSessionTimeoutFencesThem() {
        List<ClassicSim> classic = stableClassicGroup();
        ConsumerSim c = new ConsumerSim(h, G, null, List.of("t"));
        c.heartbeat();
        // only the consumer member keeps heartbeating: the classic members expire after their session timeout
        for (int i = 0; i < 4; i++) {
            h.advance(Harness.SESSION / 3);
            c.heartbeat();
        }
        assertThat(classic.get(0).heartbeat()).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
        for (int i = 0; i < 3; i++) c.heartbeat();
        assertThat(c.owned.partitions(topic)).hasSize(PARTITIONS);
        assertThat(type(G)).isEqualTo("consumer");
    }

    @Test
    void lastClassicMemberLeavingKeepsConsumerGroup() {
        List<ClassicSim> classic = stableClassicGroup();
        ConsumerSim c = new ConsumerSim(h, G, null, List.of("t"));
        c.heartbeat();
        var left = h.leave(G, new ClassicGroupApi.LeaveMember(classic.get(0).memberId, null),
                new ClassicGroupApi.LeaveMember(classic.get(1).memberId, null));
        assertThat(left.members()).allSatisfy(m -> assertThat(m.error()).isEqualTo(Errors.NONE));
        assertThat(type(G)).isEqualTo("consumer");
        for (int i = 0; i < 3; i++) c.heartbeat();
        assertThat(c.owned.partitions(topic)).hasSize(PARTITIONS);
        assertReloadKeepsState();
    }

    @Test
    void disabledPolicyRefusesTheUpgrade() {
        ProtocolMigrationTest t = with(Harness.defaults().withMigrationPolicy("disabled"));
        t.stableClassicGroup();
        ConsumerSim c = new ConsumerSim(t.h, G, null, List.of("t"));
        assertThat(c.heartbeat().error()).isEqualTo(Errors.GROUP_ID_NOT_FOUND);
        assertThat(t.type(G)).isEqualTo("classic");
        assertThat(t.h.state(G)).isEqualTo("Stable");
    }

    @Test
    void upgradePolicyDoesNotDowngrade() {
        ProtocolMigrationTest t = with(Harness.defaults().withMigrationPolicy("upgrade"));
        List<ClassicSim> classic = t.stableClassicGroup();
        ConsumerSim c = new ConsumerSim(t.h, G, null, List.of("t"));
        assertThat(c.heartbeat().error()).isEqualTo(Errors.NONE);
        t.settle(classic, List.of(c));
        c.leave(-1);
        assertThat(t.type(G)).isEqualTo("consumer");
        t.settle(classic, List.of());
        assertThat(classic.get(0).owned.size() + classic.get(1).owned.size()).isEqualTo(PARTITIONS);
    }

    @Test
    void downgradePolicyRefusesTheUpgrade() {
        ProtocolMigrationTest t = with(Harness.defaults().withMigrationPolicy("downgrade"));
        t.stableClassicGroup();
        assertThat(new ConsumerSim(t.h, G, null, List.of("t")).heartbeat().error()).isEqualTo(Errors.GROUP_ID_NOT_FOUND);
    }
}
