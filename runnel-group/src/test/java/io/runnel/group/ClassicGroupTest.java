package io.runnel.group;

import io.runnel.common.Errors;
import io.runnel.group.api.AdminApi.ClassicGroupDescription;
import io.runnel.group.api.ClassicGroupApi.JoinMember;
import io.runnel.group.api.ClassicGroupApi.JoinParams;
import io.runnel.group.api.ClassicGroupApi.JoinResult;
import io.runnel.group.api.ClassicGroupApi.LeaveMember;
import io.runnel.group.api.ClassicGroupApi.LeaveResult;
import io.runnel.group.api.ClassicGroupApi.Protocol;
import io.runnel.group.api.ClassicGroupApi.SyncResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static io.runnel.group.Harness.REBALANCE;
import static io.runnel.group.Harness.SESSION;
import static io.runnel.group.Harness.done;
import static io.runnel.group.Harness.join;
import static io.runnel.group.Harness.range;
import static org.assertj.core.api.Assertions.assertThat;

class ClassicGroupTest {
    private final Harness h = new Harness();
    private static final String G = "group-a";

    private static byte[] bytes(String s) {
        return s.getBytes();
    }

    /** Starts a group with {@code n} dynamic members and brings it to Stable; returns their last join results. */
    private List<JoinResult> stableGroup(Harness h, String group, int n) {
        // members join one by one; each newcomer starts a rebalance the earlier ones have to rejoin
        List<CompletableFuture<JoinResult>> joins = new ArrayList<>();
        for (int i = 0; i < n; i++) joins.add(h.newMember(group));
        List<CompletableFuture<JoinResult>> rejoins = new ArrayList<>();
        for (CompletableFuture<JoinResult> f : joins) {
            if (f.isDone()) rejoins.add(h.coordinator.joinGroup(join(group, f.join().memberId(), null, range("t"))));
            else rejoins.add(f);
        }
        List<JoinResult> gen = rejoins.stream().map(Harness::done).toList();
        assertThat(gen).allSatisfy(j -> assertThat(j.error()).isEqualTo(Errors.NONE));
        assertThat(gen.stream().map(JoinResult::generationId).distinct()).hasSize(1);
        Map<String, byte[]> assignment = new HashMap<>();
        for (JoinResult j : gen) assignment.put(j.memberId(), bytes("p-" + j.memberId()));
        List<CompletableFuture<SyncResult>> syncs = new ArrayList<>();
        for (JoinResult j : gen) syncs.add(h.sync(group, j, j.memberId().equals(j.leader()) ? assignment : Map.of()));
        for (int i = 0; i < gen.size(); i++) {
            SyncResult s = done(syncs.get(i));
            assertThat(s.error()).isEqualTo(Errors.NONE);
            assertThat(s.assignment()).isEqualTo(bytes("p-" + gen.get(i).memberId()));
        }
        assertThat(h.state(group)).isEqualTo("Stable");
        return gen;
    }

    @Test
    void singleMemberJoinsWithMemberIdRequiredThenSyncsAndHeartbeats() {
        JoinResult first = done(h.coordinator.joinGroup(join(G, "", null, range("t"))));
        assertThat(first.error()).isEqualTo(Errors.MEMBER_ID_REQUIRED);
        assertThat(first.memberId()).startsWith("client-");
        assertThat(h.state(G)).isEqualTo("Empty");

        JoinResult j = done(h.coordinator.joinGroup(join(G, first.memberId(), null, range("t"))));
        assertThat(j.error()).isEqualTo(Errors.NONE);
        assertThat(j.generationId()).isEqualTo(1);
        assertThat(j.leader()).isEqualTo(first.memberId());
        assertThat(j.protocolName()).isEqualTo("range");
        assertThat(j.protocolType()).isEqualTo("consumer");
        assertThat(j.members()).extracting(JoinMember::memberId).containsExactly(first.memberId());
        assertThat(j.members().getFirst().metadata()).isEqualTo(Harness.subscription("t"));
        assertThat(h.state(G)).isEqualTo("CompletingRebalance");

        SyncResult s = done(h.sync(G, j, Map.of(j.memberId(), bytes("mine"))));
        assertThat(s.error()).isEqualTo(Errors.NONE);
        assertThat(s.assignment()).isEqualTo(bytes("mine"));
        assertThat(h.state(G)).isEqualTo("Stable");
        assertThat(h.heartbeat(G, j.memberId(), 1)).isEqualTo(Errors.NONE);

        ClassicGroupDescription d = done(h.coordinator.describeGroups(List.of(G), true)).getFirst();
        assertThat(d.protocol()).isEqualTo("range");
        assertThat(d.members()).singleElement().satisfies(m -> {
            assertThat(m.assignment()).isEqualTo(bytes("mine"));
            assertThat(m.metadata()).isEqualTo(Harness.subscription("t"));
        });
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 4})
    void membersJoinOneByOneAndEndInOneGeneration(int n) {
        List<JoinResult> gen = stableGroup(h, G, n);
        assertThat(gen).hasSize(n);
        long leaders = gen.stream().filter(j -> !j.members().isEmpty()).count();
        assertThat(leaders).isEqualTo(1);
        JoinResult leader = gen.stream().filter(j -> !j.members().isEmpty()).findFirst().orElseThrow();
        assertThat(leader.members()).hasSize(n);
        assertThat(leader.memberId()).isEqualTo(leader.leader());
        for (JoinResult j : gen) assertThat(h.heartbeat(G, j.memberId(), j.generationId())).isEqualTo(Errors.NONE);
    }

    @Test
    void newMemberMakesTheOthersRejoinAndTheFollowerWaitsForTheLeadersSync() {
        JoinResult a = done(h.newMember(G));
        done(h.sync(G, a, Map.of(a.memberId(), bytes("all"))));

        CompletableFuture<JoinResult> bJoin = h.newMember(G);
        assertThat(bJoin).isNotDone();
        assertThat(h.state(G)).isEqualTo("PreparingRebalance");
        assertThat(h.heartbeat(G, a.memberId(), 1)).isEqualTo(Errors.REBALANCE_IN_PROGRESS);
        // commits of the old generation are still allowed while preparing
        JoinResult a2 = done(h.coordinator.joinGroup(join(G, a.memberId(), null, range("t"))));
        JoinResult b = done(bJoin);
        assertThat(a2.generationId()).isEqualTo(2).isEqualTo(b.generationId());
        assertThat(a2.leader()).isEqualTo(a.memberId());
        assertThat(a2.members()).hasSize(2);
        assertThat(b.members()).isEmpty();

        CompletableFuture<SyncResult> bSync = h.sync(G, b, Map.of());
        assertThat(bSync).isNotDone();
        assertThat(h.heartbeat(G, b.memberId(), 2)).isEqualTo(Errors.NONE);
        SyncResult aSync = done(h.sync(G, a2, Map.of(a.memberId(), bytes("a"), b.memberId(), bytes("b"))));
        assertThat(aSync.assignment()).isEqualTo(bytes("a"));
        assertThat(done(bSync).assignment()).isEqualTo(bytes("b"));
        assertThat(h.state(G)).isEqualTo("Stable");
    }

    @Test
    void oldProtocolVersionsJoinWithoutMemberIdRequired() {
        JoinParams v3 = new JoinParams(G, "", null, "consumer", range("t"), SESSION, REBALANCE, "c", "h", (short) 3);
        JoinResult j = done(h.coordinator.joinGroup(v3));
        assertThat(j.error()).isEqualTo(Errors.NONE);
        assertThat(j.generationId()).isEqualTo(1);
    }

    @Test
    void generationAndMemberChecks() {
        List<JoinResult> gen = stableGroup(h, G, 2);
        JoinResult a = gen.get(0);
        assertThat(h.heartbeat(G, a.memberId(), a.generationId() - 1)).isEqualTo(Errors.ILLEGAL_GENERATION);
        assertThat(h.heartbeat(G, "nobody", a.generationId())).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
        assertThat(h.heartbeat("no-such-group", "x", 1)).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
        assertThat(done(h.sync(G, a.memberId(), null, a.generationId() + 1, Map.of())).error()).isEqualTo(Errors.ILLEGAL_GENERATION);
        assertThat(done(h.sync(G, "nobody", null, a.generationId(), Map.of())).error()).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
        assertThat(done(h.coordinator.joinGroup(join(G, "nobody", null, range("t")))).error()).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
        assertThat(done(h.coordinator.joinGroup(join("fresh", "someone", null, range("t")))).error()).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
        // a stable member's sync is answered from the stored assignment
        assertThat(done(h.sync(G, a, Map.of())).assignment()).isEqualTo(bytes("p-" + a.memberId()));
    }

    @Test
    void invalidRequests() {
        assertThat(done(h.coordinator.joinGroup(join("", "", null, range("t")))).error()).isEqualTo(Errors.INVALID_GROUP_ID);
        JoinParams tooShort = new JoinParams(G, "", null, "consumer", range("t"), 10, REBALANCE, "c", "h", (short) 9);
        assertThat(done(h.coordinator.joinGroup(tooShort)).error()).isEqualTo(Errors.INVALID_SESSION_TIMEOUT);
        JoinParams noProtocols = new JoinParams(G, "", null, "consumer", List.of(), SESSION, REBALANCE, "c", "h", (short) 9);
        assertThat(done(h.coordinator.joinGroup(noProtocols)).error()).isEqualTo(Errors.INCONSISTENT_GROUP_PROTOCOL);
        assertThat(h.state(G)).isEqualTo("Dead");
    }

    @Test
    void protocolsMustBeCompatibleAndTheMostVotedCommonOneWins() {
        JoinResult a = done(h.coordinator.joinGroup(new JoinParams(G, "", null, "consumer",
                List.of(new Protocol("range", bytes("ra")), new Protocol("roundrobin", bytes("rra"))), SESSION, REBALANCE, "c", "h", (short) 3)));
        JoinParams bad = new JoinParams(G, "", null, "consumer", List.of(new Protocol("sticky", bytes("s"))), SESSION, REBALANCE, "c", "h", (short) 3);
        assertThat(done(h.coordinator.joinGroup(bad)).error()).isEqualTo(Errors.INCONSISTENT_GROUP_PROTOCOL);
        JoinParams otherType = new JoinParams(G, "", null, "connect", List.of(new Protocol("range", bytes("x"))), SESSION, REBALANCE, "c", "h", (short) 3);
        assertThat(done(h.coordinator.joinGroup(otherType)).error()).isEqualTo(Errors.INCONSISTENT_GROUP_PROTOCOL);

        CompletableFuture<JoinResult> b = h.coordinator.joinGroup(new JoinParams(G, "", null, "consumer",
                List.of(new Protocol("roundrobin", bytes("rrb")), new Protocol("range", bytes("rb"))), SESSION, REBALANCE, "c", "h", (short) 3));
        CompletableFuture<JoinResult> c = h.coordinator.joinGroup(new JoinParams(G, "", null, "consumer",
                List.of(new Protocol("roundrobin", bytes("rrc")), new Protocol("range", bytes("rc"))), SESSION, REBALANCE, "c", "h", (short) 3));
        JoinResult a2 = done(h.coordinator.joinGroup(new JoinParams(G, a.memberId(), null, "consumer",
                List.of(new Protocol("range", bytes("ra")), new Protocol("roundrobin", bytes("rra"))), SESSION, REBALANCE, "c", "h", (short) 3)));
        assertThat(done(b).error()).isEqualTo(Errors.NONE);
        assertThat(done(c).error()).isEqualTo(Errors.NONE);
        // roundrobin: 2 votes against 1; the leader sees each member's metadata for it, untouched
        assertThat(a2.protocolName()).isEqualTo("roundrobin");
        assertThat(a2.members()).extracting(m -> new String(m.metadata())).containsExactlyInAnyOrder("rra", "rrb", "rrc");
    }

    @Test
    void initialRebalanceDelayWaitsForMoreMembers() {
        Harness delayed = new Harness(Harness.defaults().withInitialRebalanceDelayMs(3000));
        List<CompletableFuture<JoinResult>> joins = new ArrayList<>();
        joins.add(delayed.newMember(G));
        delayed.advance(1000);
        joins.add(delayed.newMember(G));
        delayed.advance(1000);
        joins.add(delayed.newMember(G));
        delayed.advance(999);
        joins.add(delayed.newMember(G));
        assertThat(joins).noneMatch(CompletableFuture::isDone);
        delayed.advance(2999); // 5998 ms: a member arrived during the first delay, so a second one runs
        assertThat(joins).noneMatch(CompletableFuture::isDone);
        delayed.advance(2);
        assertThat(joins).allMatch(CompletableFuture::isDone);
        assertThat(joins).allSatisfy(f -> assertThat(f.join().generationId()).isEqualTo(1));
    }

    @Test
    void sessionTimeoutExpiresDeadMembers() {
        List<JoinResult> gen = stableGroup(h, G, 2);
        JoinResult a = gen.get(0), b = gen.get(1);
        for (int i = 0; i < 3; i++) {
            h.advance(SESSION / 3);
            assertThat(h.heartbeat(G, a.memberId(), a.generationId())).isEqualTo(Errors.NONE);
        }
        assertThat(h.state(G)).isEqualTo("Stable");
        h.advance(SESSION / 3);
        assertThat(h.state(G)).isEqualTo("PreparingRebalance");
        assertThat(h.heartbeat(G, b.memberId(), b.generationId())).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
        assertThat(h.heartbeat(G, a.memberId(), a.generationId())).isEqualTo(Errors.REBALANCE_IN_PROGRESS);
        JoinResult a2 = done(h.coordinator.joinGroup(join(G, a.memberId(), null, range("t"))));
        assertThat(a2.generationId()).isEqualTo(a.generationId() + 1);
        assertThat(a2.members()).extracting(JoinMember::memberId).containsExactly(a.memberId());
    }

    @Test
    void lastMemberExpiringLeavesTheGroupEmptyWithANewGeneration() {
        JoinResult a = stableGroup(h, G, 1).getFirst();
        h.advance(SESSION + 1);
        assertThat(h.state(G)).isEqualTo("Empty");
        ClassicGroupDescription d = done(h.coordinator.describeGroups(List.of(G), true)).getFirst();
        assertThat(d.members()).isEmpty();
        assertThat(h.heartbeat(G, a.memberId(), a.generationId())).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
    }

    @Test
    void rebalanceTimeoutRemovesMembersThatDoNotRejoin() {
        List<JoinResult> gen = stableGroup(h, G, 2);
        JoinResult a = gen.get(0), b = gen.get(1);
        CompletableFuture<JoinResult> c = h.newMember(G);
        CompletableFuture<JoinResult> a2 = h.coordinator.joinGroup(join(G, a.memberId(), null, range("t")));
        // b keeps heartbeating but never rejoins
        for (int t = 0; t < REBALANCE - 2000; t += 2000) {
            h.advance(2000);
            assertThat(h.heartbeat(G, b.memberId(), b.generationId())).isEqualTo(Errors.REBALANCE_IN_PROGRESS);
        }
        assertThat(a2).isNotDone();
        h.advance(2001);
        assertThat(done(a2).members()).extracting(JoinMember::memberId).containsExactlyInAnyOrder(a.memberId(), done(c).memberId());
        assertThat(h.heartbeat(G, b.memberId(), b.generationId())).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
    }

    @Test
    void aLeaderThatNeverSyncsIsRemovedAfterTheRebalanceTimeout() {
        List<JoinResult> gen = stableGroup(h, G, 2);
        JoinResult leader = gen.stream().filter(j -> j.memberId().equals(j.leader())).findFirst().orElseThrow();
        JoinResult follower = gen.stream().filter(j -> !j.memberId().equals(j.leader())).findFirst().orElseThrow();
        CompletableFuture<JoinResult> l2 = h.coordinator.joinGroup(join(G, leader.memberId(), null, range("t")));
        JoinResult f2 = done(h.coordinator.joinGroup(join(G, follower.memberId(), null, range("t"))));
        done(l2);
        CompletableFuture<SyncResult> fSync = h.sync(G, f2, Map.of());
        // the leader is alive (it heartbeats) but never sends its assignment
        for (int t = 0; t < REBALANCE - 3000; t += 3000) {
            h.advance(3000);
            assertThat(h.heartbeat(G, leader.memberId(), f2.generationId())).isEqualTo(Errors.NONE);
        }
        h.advance(2999);
        assertThat(fSync).isNotDone();
        h.advance(1);
        assertThat(done(fSync).error()).isEqualTo(Errors.REBALANCE_IN_PROGRESS);
        assertThat(h.state(G)).isEqualTo("PreparingRebalance");
        JoinResult f3 = done(h.coordinator.joinGroup(join(G, follower.memberId(), null, range("t"))));
        assertThat(f3.leader()).isEqualTo(follower.memberId());
        assertThat(f3.members()).hasSize(1);
    }

    @Test
    void staticMemberRestartGetsItsAssignmentBackWithoutARebalance() {
        JoinResult a = done(h.coordinator.joinGroup(join(G, "", "instance-a", range("t"))));
        CompletableFuture<JoinResult> bJoin = h.coordinator.joinGroup(join(G, "", "instance-b", range("t")));
        JoinResult a2 = done(h.coordinator.joinGroup(join(G, a.memberId(), "instance-a", range("t"))));
        JoinResult b = done(bJoin);
        assertThat(a.memberId()).startsWith("instance-a-");
        CompletableFuture<SyncResult> bSync = h.sync(G, b.memberId(), "instance-b", b.generationId(), Map.of());
        done(h.sync(G, a2.memberId(), "instance-a", a2.generationId(), Map.of(a.memberId(), bytes("A"), b.memberId(), bytes("B"))));
        assertThat(done(bSync).assignment()).isEqualTo(bytes("B"));
        int generation = b.generationId();
        int records = h.log.size();

        // b restarts: new member id, same generation, same assignment, no rebalance
        JoinResult b2 = done(h.coordinator.joinGroup(join(G, "", "instance-b", range("t"))));
        assertThat(b2.error()).isEqualTo(Errors.NONE);
        assertThat(b2.memberId()).isNotEqualTo(b.memberId()).startsWith("instance-b-");
        assertThat(b2.generationId()).isEqualTo(generation);
        assertThat(b2.members()).isEmpty();
        assertThat(b2.skipAssignment()).isFalse();
        assertThat(h.state(G)).isEqualTo("Stable");
        assertThat(h.heartbeat(G, a.memberId(), "instance-a", generation)).isEqualTo(Errors.NONE);
        assertThat(done(h.sync(G, b2.memberId(), "instance-b", generation, Map.of())).assignment()).isEqualTo(bytes("B"));
        assertThat(h.log.size()).as("the new member id was persisted").isEqualTo(records + 1);

        // the old incarnation is fenced
        assertThat(h.heartbeat(G, b.memberId(), "instance-b", generation)).isEqualTo(Errors.FENCED_INSTANCE_ID);
        assertThat(done(h.coordinator.joinGroup(join(G, b.memberId(), "instance-b", range("t")))).error()).isEqualTo(Errors.FENCED_INSTANCE_ID);
        assertThat(done(h.sync(G, b.memberId(), "instance-b", generation, Map.of())).error()).isEqualTo(Errors.FENCED_INSTANCE_ID);

        // and a coordinator move keeps the new id
        h.reload();
        assertThat(h.state(G)).isEqualTo("Stable");
        assertThat(h.heartbeat(G, b2.memberId(), "instance-b", generation)).isEqualTo(Errors.NONE);
        assertThat(done(h.sync(G, b2.memberId(), "instance-b", generation, Map.of())).assignment()).isEqualTo(bytes("B"));
    }

    @Test
    void staticLeaderRestartIsToldToSkipTheAssignment() {
        JoinResult a = done(h.coordinator.joinGroup(join(G, "", "leader", range("t"))));
        done(h.sync(G, a.memberId(), "leader", a.generationId(), Map.of(a.memberId(), bytes("A"))));
        JoinResult again = done(h.coordinator.joinGroup(join(G, "", "leader", range("t"))));
        assertThat(again.skipAssignment()).isTrue();
        assertThat(again.leader()).isEqualTo(again.memberId());
        assertThat(again.members()).extracting(JoinMember::groupInstanceId).containsExactly("leader");
        assertThat(again.generationId()).isEqualTo(a.generationId());
        // a sync in Stable returns the stored assignment whatever the leader sends
        assertThat(done(h.sync(G, again.memberId(), "leader", again.generationId(), Map.of(again.memberId(), bytes("other")))).assignment())
                .isEqualTo(bytes("A"));
    }

    @Test
    void staticMemberWhoseProtocolChoiceChangesTriggersARebalance() {
        JoinResult a = done(h.coordinator.joinGroup(join(G, "", "i", range("t"))));
        done(h.sync(G, a.memberId(), "i", a.generationId(), Map.of(a.memberId(), bytes("A"))));
        // now preferring roundrobin: the group's selected protocol would change, so the group rebalances
        List<Protocol> protocols = List.of(new Protocol("roundrobin", Harness.subscription("t")), new Protocol("range", Harness.subscription("t")));
        JoinResult r = done(h.coordinator.joinGroup(join(G, "", "i", protocols)));
        assertThat(r.generationId()).isEqualTo(a.generationId() + 1);
        assertThat(r.protocolName()).isEqualTo("roundrobin");
    }

    /**
     * A restarted consumer's subscription bytes always differ from its previous incarnation's (they carry the
     * owned partitions and the generation), so, as in Kafka, only a change of the selected protocol rebalances:
     * the static member gets its assignment back and the leader sees the new metadata.
     */
    @Test
    void staticMemberRestartWithOtherMetadataButTheSameProtocolDoesNotRebalance() {
        JoinResult a = done(h.coordinator.joinGroup(join(G, "", "a", range("t"))));
        CompletableFuture<JoinResult> bJoin = h.coordinator.joinGroup(join(G, "", "b", range("t")));
        JoinResult a2 = done(h.coordinator.joinGroup(join(G, a.memberId(), "a", range("t"))));
        JoinResult b = done(bJoin);
        CompletableFuture<SyncResult> bSync = h.sync(G, b.memberId(), "b", b.generationId(), Map.of());
        done(h.sync(G, a2.memberId(), "a", a2.generationId(), Map.of(a.memberId(), bytes("A"), b.memberId(), bytes("B"))));
        assertThat(done(bSync).assignment()).isEqualTo(bytes("B"));
        int generation = b.generationId();

        JoinResult b2 = done(h.coordinator.joinGroup(join(G, "", "b", range("t", "u"))));
        assertThat(b2.error()).isEqualTo(Errors.NONE);
        assertThat(b2.generationId()).isEqualTo(generation);
        assertThat(h.state(G)).isEqualTo("Stable");
        assertThat(done(h.sync(G, b2.memberId(), "b", generation, Map.of())).assignment()).isEqualTo(bytes("B"));

        // the leader restarts too: told to skip the assignment, it sees b's new metadata
        JoinResult a3 = done(h.coordinator.joinGroup(join(G, "", "a", range("t"))));
        assertThat(a3.generationId()).isEqualTo(generation);
        assertThat(a3.skipAssignment()).isTrue();
        assertThat(a3.members()).filteredOn(m -> "b".equals(m.groupInstanceId())).singleElement()
                .satisfies(m -> assertThat(m.metadata()).isEqualTo(Harness.subscription("t", "u")));
        assertThat(h.state(G)).isEqualTo("Stable");
    }

    /** Before JoinGroup v9 there is no skipAssignment: a returning static leader is not told it leads (as in Kafka). */
    @Test
    void staticLeaderRestartBeforeV9IsNotNamedLeader() {
        JoinResult a = done(h.coordinator.joinGroup(join(G, "", "leader", range("t"))));
        done(h.sync(G, a.memberId(), "leader", a.generationId(), Map.of(a.memberId(), bytes("A"))));
        JoinParams v8 = new JoinParams(G, "", "leader", "consumer", range("t"), SESSION, REBALANCE, "client", "/127.0.0.1", (short) 8);
        JoinResult again = done(h.coordinator.joinGroup(v8));
        assertThat(again.error()).isEqualTo(Errors.NONE);
        assertThat(again.generationId()).isEqualTo(a.generationId());
        assertThat(again.skipAssignment()).isFalse();
        assertThat(again.members()).isEmpty();
        assertThat(again.leader()).isNotEqualTo(again.memberId());
        assertThat(done(h.sync(G, again.memberId(), "leader", again.generationId(), Map.of())).assignment()).isEqualTo(bytes("A"));
    }

    @Test
    void staticMembersThatDoNotRejoinKeepTheirPlace() {
        JoinResult a = done(h.coordinator.joinGroup(join(G, "", "a", range("t"))));
        CompletableFuture<JoinResult> bj = h.coordinator.joinGroup(join(G, "", "b", range("t")));
        done(h.coordinator.joinGroup(join(G, a.memberId(), "a", range("t"))));
        JoinResult b = done(bj);
        // a new dynamic member joins; static b is slow to rejoin
        CompletableFuture<JoinResult> c = h.newMember(G);
        CompletableFuture<JoinResult> a3 = h.coordinator.joinGroup(join(G, a.memberId(), "a", range("t")));
        for (int t = 0; t < REBALANCE - 5000; t += 5000) {
            h.advance(5000);
            assertThat(h.heartbeat(G, b.memberId(), "b", b.generationId())).isEqualTo(Errors.REBALANCE_IN_PROGRESS);
        }
        h.advance(5000);
        assertThat(done(a3).members()).extracting(JoinMember::groupInstanceId).contains("a", "b");
        assertThat(done(c).error()).isEqualTo(Errors.NONE);
        assertThat(h.heartbeat(G, b.memberId(), "b", done(a3).generationId())).isEqualTo(Errors.NONE);
    }

    @Test
    void groupMaxSizeRejectsNewMembers() {
        Harness small = new Harness(Harness.defaults().withClassicMaxSize(2));
        stableGroup(small, G, 2);
        JoinResult third = done(small.coordinator.joinGroup(join(G, "", null, range("t"))));
        assertThat(third.error()).isEqualTo(Errors.GROUP_MAX_SIZE_REACHED);
        JoinResult staticThird = done(small.coordinator.joinGroup(join(G, "", "s", range("t"))));
        assertThat(staticThird.error()).isEqualTo(Errors.GROUP_MAX_SIZE_REACHED);
        assertThat(small.state(G)).isEqualTo("Stable");
    }

    @Test
    void batchedLeaveByMemberIdAndInstanceId() {
        JoinResult a = done(h.coordinator.joinGroup(join(G, "", "a", range("t"))));
        CompletableFuture<JoinResult> bj = h.coordinator.joinGroup(join(G, "", "b", range("t")));
        CompletableFuture<JoinResult> cj = h.coordinator.joinGroup(join(G, "", "c", range("t")));
        JoinResult a2 = done(h.coordinator.joinGroup(join(G, a.memberId(), "a", range("t"))));
        JoinResult b = done(bj), c = done(cj);
        done(h.sync(G, a2.memberId(), "a", a2.generationId(), Map.of()));

        LeaveResult r = h.leave(G, new LeaveMember(b.memberId(), "b"), new LeaveMember("", "c"),
                new LeaveMember("", "unknown"), new LeaveMember("wrong", "a"));
        assertThat(r.error()).isEqualTo(Errors.NONE);
        assertThat(r.members()).extracting(m -> m.error())
                .containsExactly(Errors.NONE, Errors.NONE, Errors.UNKNOWN_MEMBER_ID, Errors.FENCED_INSTANCE_ID);
        assertThat(h.state(G)).isEqualTo("PreparingRebalance");
        JoinResult a3 = done(h.coordinator.joinGroup(join(G, a.memberId(), "a", range("t"))));
        assertThat(a3.members()).extracting(JoinMember::memberId).containsExactly(a.memberId());
        assertThat(h.heartbeat(G, c.memberId(), "c", a3.generationId())).isEqualTo(Errors.UNKNOWN_MEMBER_ID);

        assertThat(h.leave("no-group", new LeaveMember("x", null)).error()).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
        assertThat(h.leave(G, new LeaveMember(a.memberId(), null)).members().getFirst().error()).isEqualTo(Errors.NONE);
        assertThat(h.state(G)).isEqualTo("Empty");
    }

    @Test
    void leavingWhileOthersRejoinCompletesTheJoinPhase() {
        List<JoinResult> gen = stableGroup(h, G, 3);
        CompletableFuture<JoinResult> a = h.coordinator.joinGroup(join(G, gen.get(0).memberId(), null, range("t")));
        CompletableFuture<JoinResult> b = h.coordinator.joinGroup(join(G, gen.get(1).memberId(), null, range("t")));
        assertThat(a).isNotDone();
        h.leave(G, new LeaveMember(gen.get(2).memberId(), null));
        assertThat(done(a).members()).hasSize(2);
        assertThat(done(b).generationId()).isEqualTo(gen.get(0).generationId() + 1);
    }

    @Test
    void pendingMemberIdExpiresIfTheMemberNeverComesBack() {
        JoinResult first = done(h.coordinator.joinGroup(join(G, "", null, range("t"))));
        h.advance(SESSION + 1);
        assertThat(done(h.coordinator.joinGroup(join(G, first.memberId(), null, range("t")))).error())
                .isEqualTo(Errors.UNKNOWN_MEMBER_ID);
    }

    @Test
    void lostJoinResponseIsSentAgainWhileCompleting() {
        List<JoinResult> gen = stableGroup(h, G, 2);
        CompletableFuture<JoinResult> a = h.coordinator.joinGroup(join(G, gen.get(0).memberId(), null, range("t")));
        JoinResult b = done(h.coordinator.joinGroup(join(G, gen.get(1).memberId(), null, range("t"))));
        assertThat(done(a).generationId()).isEqualTo(b.generationId());
        JoinResult again = done(h.coordinator.joinGroup(join(G, gen.get(1).memberId(), null, range("t"))));
        assertThat(again.generationId()).isEqualTo(b.generationId());
        assertThat(h.state(G)).isEqualTo("CompletingRebalance");
    }

    @Test
    void coordinatorMoveFailsParkedRequestsAndReloadsTheStableGroup() {
        List<JoinResult> gen = stableGroup(h, G, 2);
        String before = h.durableState();
        CompletableFuture<JoinResult> parked = h.newMember(G);
        assertThat(parked).isNotDone();
        int p = h.coordinator.partitionFor(G);
        done(h.coordinator.onResignation(p));
        assertThat(done(parked).error()).isEqualTo(Errors.NOT_COORDINATOR);
        assertThat(h.heartbeat(G, gen.get(0).memberId(), 1)).isEqualTo(Errors.NOT_COORDINATOR);

        h.reload();
        assertThat(h.durableState()).isEqualTo(before);
        assertThat(h.state(G)).isEqualTo("Stable");
        for (JoinResult j : gen) {
            assertThat(h.heartbeat(G, j.memberId(), j.generationId())).isEqualTo(Errors.NONE);
            assertThat(done(h.sync(G, j, Map.of())).assignment()).isEqualTo(bytes("p-" + j.memberId()));
        }
        // members that do not come back expire
        h.advance(SESSION + 1);
        assertThat(h.state(G)).isEqualTo("Empty");
    }

    @Test
    void failedAppendOfTheLeaderAssignmentRestartsTheRebalance() {
        JoinResult a = done(h.newMember(G));
        h.log.failNextAppends(1, Errors.NOT_ENOUGH_REPLICAS);
        SyncResult s = done(h.sync(G, a, Map.of(a.memberId(), bytes("x"))));
        assertThat(s.error()).isEqualTo(Errors.COORDINATOR_NOT_AVAILABLE);
        assertThat(h.state(G)).isEqualTo("PreparingRebalance");
        JoinResult again = done(h.coordinator.joinGroup(join(G, a.memberId(), null, range("t"))));
        assertThat(done(h.sync(G, again, Map.of(a.memberId(), bytes("y")))).assignment()).isEqualTo(bytes("y"));
    }
}
