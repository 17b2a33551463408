package io.runnel.group;

import io.runnel.common.Errors;
import io.runnel.common.TopicPartition;
import io.runnel.common.Uuid;
import io.runnel.group.api.AdminApi.DeleteGroupResult;
import io.runnel.group.api.AdminApi.ListedGroup;
import io.runnel.group.api.ConsumerGroupApi.DescribedTopicPartitions;
import io.runnel.group.api.ConsumerGroupApi.GroupDescription;
import io.runnel.group.api.ConsumerGroupApi.HeartbeatParams;
import io.runnel.group.api.ConsumerGroupApi.HeartbeatResult;
import io.runnel.group.api.OffsetApi.CommitParams;
import io.runnel.group.api.OffsetApi.CommitPartition;
import io.runnel.group.api.OffsetApi.FetchParams;
import io.runnel.group.records.PartitionSet;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static io.runnel.group.Harness.done;
import static org.assertj.core.api.Assertions.assertThat;

class ConsumerGroupTest {
    private static final int SESSION = 45_000;
    private static final int INTERVAL = 5_000;
    private final Harness h = new Harness();
    private final Uuid t = h.topics.put("t", 6).id();
    private static final String G = "cg";

    private ConsumerSim member(String... topics) {
        return new ConsumerSim(h, G, null, List.of(topics));
    }

    /** Heartbeats every member, in rounds, until nobody's assignment changes; checks single ownership each round. */
    private void settle(List<ConsumerSim> members) {
        for (int round = 0; round < 20; round++) {
            boolean changed = false;
            for (ConsumerSim m : members) {
                PartitionSet before = m.owned;
                int epochBefore = m.epoch;
                m.heartbeat();
                assertThat(m.lastError).isEqualTo(Errors.NONE);
                changed |= !before.equals(m.owned) || epochBefore != m.epoch;
                assertNoDoubleOwnership(members);
            }
            if (!changed) return;
        }
        throw new AssertionError("the group did not settle");
    }

    static void assertNoDoubleOwnership(List<ConsumerSim> members) {
        Map<String, String> owner = new HashMap<>();
        for (ConsumerSim m : members) {
            m.owned.forEach((topic, p) -> {
                String prev = owner.put(topic + "-" + p, m.memberId);
                assertThat(prev).as("partition %s-%s owned twice", topic, p).isNull();
            });
        }
    }

    private GroupDescription describe() {
        return done(h.coordinator.consumerGroupDescribe(List.of(G))).getFirst();
    }

    @Test
    void firstMemberGetsEverything() {
        ConsumerSim a = member("t");
        HeartbeatResult r = a.heartbeat();
        assertThat(r.error()).isEqualTo(Errors.NONE);
        assertThat(r.memberId()).isNotEmpty();
        assertThat(r.memberEpoch()).isEqualTo(1);
        assertThat(r.heartbeatIntervalMs()).isEqualTo(INTERVAL);
        assertThat(a.owned.partitions(t)).containsExactly(0, 1, 2, 3, 4, 5);
        // nothing changed: no assignment in the response
        assertThat(a.heartbeat().assignment()).isNull();
        assertThat(describe().state()).isEqualTo("Stable");
    }

    @Test
    void clientChosenMemberIdIsKept() {
        HeartbeatResult r = done(h.coordinator.consumerGroupHeartbeat(new HeartbeatParams(G, "my-uuid", 0, null, null,
                60_000, List.of("t"), null, null, List.of(), "c", "h")));
        assertThat(r.memberId()).isEqualTo("my-uuid");
    }

    @Test
    void secondMemberWaitsForTheFirstToRevoke() {
        ConsumerSim a = member("t"), b = member("t");
        a.heartbeat();
        HeartbeatResult rb = b.heartbeat();
        assertThat(rb.memberEpoch()).isEqualTo(2);
        assertThat(b.owned.isEmpty()).as("b's target partitions are still held by a").isTrue();
        assertThat(describe().state()).isEqualTo("Reconciling");

        HeartbeatResult ra = a.heartbeat();
        assertThat(ra.memberEpoch()).as("a keeps its epoch until it revoked").isEqualTo(1);
        assertThat(a.owned.size()).isEqualTo(3);
        ra = a.heartbeat(); // acknowledges the revocation
        assertThat(ra.memberEpoch()).isEqualTo(2);
        b.heartbeat();
        assertThat(b.owned.size()).isEqualTo(3);
        assertNoDoubleOwnership(List.of(a, b));
        assertThat(describe().state()).isEqualTo("Stable");
    }

    @Test
    void joinsAndLeavesRebalanceWithTheUniformAssignor() {
        List<ConsumerSim> ms = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            ms.add(member("t"));
            settle(ms);
        }
        assertThat(ms).allSatisfy(m -> assertThat(m.owned.size()).isIn(1, 2));
        assertThat(ms.stream().mapToInt(m -> m.owned.size()).sum()).isEqualTo(6);
        int epoch = describe().groupEpoch();

        HeartbeatResult left = ms.remove(0).leave(-1);
        assertThat(left.memberEpoch()).isEqualTo(-1);
        settle(ms);
        assertThat(ms.stream().mapToInt(m -> m.owned.size()).sum()).isEqualTo(6);
        assertThat(describe().groupEpoch()).isEqualTo(epoch + 1);
        assertThat(describe().members()).hasSize(3);
    }

    @Test
    void rangeAssignorCoPartitions() {
        Uuid u = h.topics.put("u", 4).id();
        h.topics.put("t", 4);
        ConsumerSim a = member("t", "u"), b = member("t", "u");
        a.assignor = "range";
        b.assignor = "range";
        a.heartbeat();
        settle(List.of(a, b));
        ConsumerSim first = a.memberId.compareTo(b.memberId) < 0 ? a : b;
        assertThat(first.owned.partitions(t)).containsExactly(0, 1);
        assertThat(first.owned.partitions(u)).containsExactly(0, 1);
        assertThat(describe().assignorName()).isEqualTo("range");
    }

    @Test
    void sessionTimeoutFencesSilentMembers() {
        ConsumerSim a = member("t"), b = member("t");
        settle(List.of(a, b));
        for (int i = 0; i < SESSION / INTERVAL; i++) {
            h.advance(INTERVAL);
            a.heartbeat();
        }
        h.advance(INTERVAL);
        assertThat(describe().members()).hasSize(1);
        a.heartbeat();
        a.heartbeat();
        assertThat(a.owned.size()).isEqualTo(6);
        b.heartbeat();
        assertThat(b.lastError).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
        b.heartbeat(); // rejoins with epoch 0
        assertThat(b.lastError).isEqualTo(Errors.NONE);
    }

    @Test
    void memberThatDoesNotRevokeIsFencedAfterItsRebalanceTimeout() {
        ConsumerSim a = member("t");
        a.rebalanceTimeoutMs = 20_000;
        a.heartbeat();
        ConsumerSim b = member("t");
        b.heartbeat();
        // a keeps heartbeating but claims to still own everything
        PartitionSet all = a.owned;
        for (int i = 0; i < 3; i++) {
            h.advance(INTERVAL);
            a.heartbeat();
            a.owned = all;
        }
        h.advance(20_000);
        a.heartbeat();
        assertThat(a.lastError).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
        b.heartbeat();
        assertThat(b.owned.size()).isEqualTo(6);
    }

    @Test
    void staleOrFutureEpochsAreFenced() {
        ConsumerSim a = member("t");
        a.heartbeat();
        HeartbeatResult r = done(h.coordinator.consumerGroupHeartbeat(new HeartbeatParams(G, a.memberId, a.epoch + 1, null, null,
                -1, null, null, null, null, "c", "h")));
        assertThat(r.error()).isEqualTo(Errors.FENCED_MEMBER_EPOCH);
        // the previous epoch is accepted when the member owns a subset of its assignment (lost response)
        ConsumerSim b = member("t");
        b.heartbeat();
        a.heartbeat();
        a.heartbeat();
        assertThat(a.epoch).isEqualTo(2);
        HeartbeatResult lost = done(h.coordinator.consumerGroupHeartbeat(new HeartbeatParams(G, a.memberId, 1, null, null,
                -1, null, null, null, ConsumerGroupManager.toList(a.owned), "c", "h")));
        assertThat(lost.error()).isEqualTo(Errors.NONE);
        assertThat(lost.memberEpoch()).isEqualTo(2);
        HeartbeatResult unknown = done(h.coordinator.consumerGroupHeartbeat(new HeartbeatParams(G, "ghost", 3, null, null,
                -1, null, null, null, null, "c", "h")));
        assertThat(unknown.error()).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
    }

    @Test
    void fencedMemberRejoinsWithItsIdAndEpochZero() {
        ConsumerSim a = member("t");
        a.heartbeat();
        String id = a.memberId;
        a.epoch = 0;
        a.owned = PartitionSet.EMPTY;
        HeartbeatResult r = a.heartbeat();
        assertThat(r.error()).isEqualTo(Errors.NONE);
        assertThat(r.memberId()).isEqualTo(id);
        assertThat(a.owned.size()).isEqualTo(6);
        assertThat(describe().members()).hasSize(1);
    }

    @Test
    void staticMemberGetsItsAssignmentBackAfterATemporaryLeave() {
        ConsumerSim a = new ConsumerSim(h, G, "inst-a", List.of("t")), b = new ConsumerSim(h, G, "inst-b", List.of("t"));
        a.heartbeat();
        settle(List.of(a, b));
        PartitionSet aHad = a.owned;
        int epoch = describe().groupEpoch();
        String oldId = a.memberId;

        HeartbeatResult left = a.leave(-2);
        assertThat(left.memberEpoch()).isEqualTo(-2);
        b.heartbeat();
        assertThat(b.owned.size()).as("the leaving static member keeps its partitions").isEqualTo(3);

        // another process with the same instance id cannot take over an active one
        ConsumerSim impostor = new ConsumerSim(h, G, "inst-b", List.of("t"));
        impostor.heartbeat();
        assertThat(impostor.lastError).isEqualTo(Errors.UNRELEASED_INSTANCE_ID);

        a.heartbeat();
        assertThat(a.lastError).isEqualTo(Errors.NONE);
        assertThat(a.memberId).isNotEqualTo(oldId);
        settle(List.of(a, b));
        assertThat(a.owned).isEqualTo(aHad);
        assertThat(describe().groupEpoch()).as("no rebalance").isEqualTo(epoch);
        assertThat(describe().members()).hasSize(2);

        // the old member id is gone; a heartbeat naming the instance with another member id is fenced
        HeartbeatResult old = done(h.coordinator.consumerGroupHeartbeat(new HeartbeatParams(G, b.memberId, b.epoch, "inst-a", null,
                -1, null, null, null, null, "c", "h")));
        assertThat(old.error()).isEqualTo(Errors.FENCED_INSTANCE_ID);
    }

    @Test
    void staticMemberThatDoesNotComeBackExpires() {
        ConsumerSim a = new ConsumerSim(h, G, "inst-a", List.of("t")), b = member("t");
        a.heartbeat();
        settle(List.of(a, b));
        a.leave(-2);
        for (int i = 0; i <= SESSION / INTERVAL; i++) {
            h.advance(INTERVAL);
            b.heartbeat();
        }
        b.heartbeat();
        assertThat(b.owned.size()).isEqualTo(6);
        assertThat(describe().members()).hasSize(1);
    }

    @Test
    void invalidRequests() {
        HeartbeatResult r = done(h.coordinator.consumerGroupHeartbeat(new HeartbeatParams(G, "", 0, null, null, 60_000,
                List.of("t"), null, "sticky", List.of(), "c", "h")));
        assertThat(r.error()).isEqualTo(Errors.UNSUPPORTED_ASSIGNOR);
        r = done(h.coordinator.consumerGroupHeartbeat(new HeartbeatParams(G, "", 0, null, null, -1, List.of("t"), null, null, List.of(), "c", "h")));
        assertThat(r.error()).isEqualTo(Errors.INVALID_REQUEST);
        r = done(h.coordinator.consumerGroupHeartbeat(new HeartbeatParams(G, "", 0, null, null, 60_000, null, null, null, List.of(), "c", "h")));
        assertThat(r.error()).isEqualTo(Errors.INVALID_REQUEST);
        r = done(h.coordinator.consumerGroupHeartbeat(new HeartbeatParams(G, "", 5, null, null, -1, null, null, null, null, "c", "h")));
        assertThat(r.error()).isEqualTo(Errors.INVALID_REQUEST);
        r = done(h.coordinator.consumerGroupHeartbeat(new HeartbeatParams(G, "m", -3, null, null, -1, null, null, null, null, "c", "h")));
        assertThat(r.error()).isEqualTo(Errors.INVALID_REQUEST);
        r = done(h.coordinator.consumerGroupHeartbeat(new HeartbeatParams(G, "", 0, null, null, 60_000, null, "(", null, List.of(), "c", "h")));
        assertThat(r.error()).isEqualTo(Errors.INVALID_REGULAR_EXPRESSION);
        r = done(h.coordinator.consumerGroupHeartbeat(new HeartbeatParams("", "", 0, null, null, 60_000, List.of("t"), null, null, List.of(), "c", "h")));
        assertThat(r.error()).isEqualTo(Errors.INVALID_REQUEST);
    }

    @Test
    void groupMaxSize() {
        Harness small = new Harness(Harness.defaults().withConsumerMaxSize(1));
        small.topics.put("t", 1);
        ConsumerSim a = new ConsumerSim(small, G, null, List.of("t")), b = new ConsumerSim(small, G, null, List.of("t"));
        a.heartbeat();
        b.heartbeat();
        assertThat(b.lastError).isEqualTo(Errors.GROUP_MAX_SIZE_REACHED);
        a.heartbeat();
        assertThat(a.lastError).isEqualTo(Errors.NONE);
    }

    @Test
    void newPartitionsAndNewTopicsAreAssigned() {
        ConsumerSim a = member("t", "later");
        a.heartbeat();
        int epoch = describe().groupEpoch();
        h.topics.put("t", 8);
        a.heartbeat();
        assertThat(a.owned.partitions(t)).hasSize(8);
        Uuid later = h.topics.put("later", 2).id();
        a.heartbeat();
        assertThat(a.owned.partitions(later)).containsExactly(0, 1);
        assertThat(describe().groupEpoch()).isEqualTo(epoch + 2);
    }

    @Test
    void subscriptionChangesMoveTheAssignment() {
        Uuid u = h.topics.put("u", 2).id();
        ConsumerSim a = member("t");
        a.heartbeat();
        a.subscribe(List.of("u"));
        a.heartbeat();
        a.heartbeat();
        assertThat(a.owned.topics()).containsExactly(u);
    }

    @Test
    void regexSubscriptionsResolveAgainstTopicNames() {
        Uuid o1 = h.topics.put("orders-1", 1).id();
        Uuid o2 = h.topics.put("orders-2", 1).id();
        ConsumerSim a = new ConsumerSim(h, G, null, List.of());
        a.regex = "orders-.*";
        a.heartbeat();
        assertThat(a.lastError).isEqualTo(Errors.NONE);
        assertThat(a.owned.topics()).containsExactlyInAnyOrder(o1, o2);
        Uuid o3 = h.topics.put("orders-3", 1).id();
        h.advance(2000);
        a.heartbeat();
        assertThat(a.owned.topics()).contains(o3);
    }

    @Test
    void describeShowsEpochsAssignmentsAndTopicNames() {
        ConsumerSim a = member("t");
        a.heartbeat();
        GroupDescription d = describe();
        assertThat(d.error()).isEqualTo(Errors.NONE);
        assertThat(d.groupEpoch()).isEqualTo(1);
        assertThat(d.assignmentEpoch()).isEqualTo(1);
        assertThat(d.assignorName()).isEqualTo("uniform");
        assertThat(d.members()).singleElement().satisfies(m -> {
            assertThat(m.memberId()).isEqualTo(a.memberId);
            assertThat(m.memberEpoch()).isEqualTo(1);
            assertThat(m.subscribedTopicNames()).containsExactly("t");
            assertThat(m.assignment()).containsExactly(new DescribedTopicPartitions(t, "t", List.of(0, 1, 2, 3, 4, 5)));
            assertThat(m.targetAssignment()).isEqualTo(m.assignment());
            assertThat(m.memberType()).isEqualTo((byte) 1);
        });
        List<GroupDescription> others = done(h.coordinator.consumerGroupDescribe(List.of("missing", "")));
        assertThat(others.get(0).error()).isEqualTo(Errors.GROUP_ID_NOT_FOUND);
        assertThat(others.get(1).error()).isEqualTo(Errors.INVALID_GROUP_ID);

        assertThat(done(h.coordinator.listGroups(Set.of(), Set.of("consumer"))).groups())
                .containsExactly(new ListedGroup(G, "consumer", "Stable", "consumer"));
        assertThat(done(h.coordinator.describeGroups(List.of(G), true)).getFirst().error()).isEqualTo(Errors.GROUP_ID_NOT_FOUND);
    }

    @Test
    void classicGroupIsNotAConsumerGroup() {
        done(h.newMember("classic"));
        assertThat(done(h.coordinator.consumerGroupDescribe(List.of("classic"))).getFirst().error()).isEqualTo(Errors.GROUP_ID_NOT_FOUND);
        ConsumerSim c = new ConsumerSim(h, "classic", null, List.of("t"));
        c.heartbeat();
        // the classic group is rebalancing: an online upgrade waits until it is stable (ProtocolMigrationTest)
        assertThat(c.lastError).isEqualTo(Errors.COORDINATOR_NOT_AVAILABLE);
        assertThat(done(h.coordinator.joinGroup(Harness.join(G, "", null, Harness.range("t")))).error()).isEqualTo(Errors.MEMBER_ID_REQUIRED);
        member("t").heartbeat();
    }

    @Test
    void emptyGroupsSwitchProtocols() {
        // offsets committed by a consumer group stay when the group becomes a classic group, and back
        ConsumerSim a = member("t");
        a.heartbeat();
        a.leave(-1);
        done(h.coordinator.commitOffsets(new CommitParams(G, "", null, -1, -1, List.of(new CommitPartition("t", 0, 7, -1, "")), (short) 9)));
        var j = done(h.newMember(G));
        assertThat(j.error()).isEqualTo(Errors.NONE);
        h.leave(G, new io.runnel.group.api.ClassicGroupApi.LeaveMember(j.memberId(), null));
        ConsumerSim b = member("t");
        b.heartbeat();
        assertThat(b.lastError).isEqualTo(Errors.NONE);
        assertThat(done(h.coordinator.fetchOffsets(new FetchParams(G, null, null, -1, false))).offsets()).singleElement()
                .satisfies(o -> assertThat(o.offset()).isEqualTo(7));
    }

    @Test
    void offsetCommitsUseTheMemberEpoch() {
        ConsumerSim a = member("t");
        a.heartbeat();
        var ok = done(h.coordinator.commitOffsets(new CommitParams(G, a.memberId, null, a.epoch, -1,
                List.of(new CommitPartition("t", 0, 10, 3, "m")), (short) 9)));
        assertThat(ok.partitions().values()).containsOnly(Errors.NONE);
        var stale = done(h.coordinator.commitOffsets(new CommitParams(G, a.memberId, null, a.epoch + 5, -1,
                List.of(new CommitPartition("t", 0, 11, 3, "m")), (short) 9)));
        assertThat(stale.partitions().values()).containsOnly(Errors.STALE_MEMBER_EPOCH);
        var unknown = done(h.coordinator.commitOffsets(new CommitParams(G, "ghost", null, 1, -1,
                List.of(new CommitPartition("t", 0, 11, 3, "m")), (short) 9)));
        assertThat(unknown.partitions().values()).containsOnly(Errors.UNKNOWN_MEMBER_ID);
        assertThat(done(h.coordinator.fetchOffsets(new FetchParams(G, Map.of("t", List.of(0)), a.memberId, a.epoch, true))).offsets())
                .singleElement().satisfies(o -> assertThat(o.offset()).isEqualTo(10));
        assertThat(done(h.coordinator.fetchOffsets(new FetchParams(G, null, a.memberId, a.epoch + 1, true))).error())
                .isEqualTo(Errors.STALE_MEMBER_EPOCH);
        // subscribed topics cannot lose their offsets; the group cannot be deleted while it has members
        assertThat(done(h.coordinator.deleteOffsets(G, List.of(new TopicPartition("t", 0)))).partitions())
                .containsEntry(new TopicPartition("t", 0), Errors.GROUP_SUBSCRIBED_TO_TOPIC);
        assertThat(done(h.coordinator.deleteGroups(List.of(G)))).containsExactly(new DeleteGroupResult(G, Errors.NON_EMPTY_GROUP));
        a.leave(-1);
        assertThat(done(h.coordinator.deleteGroups(List.of(G)))).containsExactly(new DeleteGroupResult(G, Errors.NONE));
        assertThat(done(h.coordinator.consumerGroupDescribe(List.of(G))).getFirst().error()).isEqualTo(Errors.GROUP_ID_NOT_FOUND);
    }

    @Test
    void aCommitSentJustBeforeAnEpochBumpIsAcceptedForPartitionsStillOwned() {
        // KIP-1251: the coordinator bumps a member's epoch in a heartbeat response; a commit the client sent
        // before reading it (the hand-over commit of onPartitionsRevoked) carries the previous epoch and must
        // not be fenced for partitions the member still holds
        ConsumerSim a = member("t");
        a.heartbeat();
        ConsumerSim b = member("t");
        b.heartbeat();
        int before = a.epoch;
        java.util.SortedSet<Integer> ownedBefore = a.owned.partitions(t);
        for (int i = 0; i < 5 && a.epoch == before; i++) {
            a.heartbeat();
            b.heartbeat();
        }
        assertThat(a.epoch).isGreaterThan(before);
        int mine = ownedBefore.stream().filter(p -> a.owned.contains(t, p)).findFirst().orElseThrow();
        int given = ownedBefore.stream().filter(p -> !a.owned.contains(t, p)).findFirst().orElseThrow();
        assertThat(commit(a, before, mine)).containsOnly(Errors.NONE);
        assertThat(commit(a, before, given)).as("a partition it gave up").containsOnly(Errors.STALE_MEMBER_EPOCH);
        assertThat(commit(a, a.epoch + 1, mine)).as("an epoch the member never had").containsOnly(Errors.STALE_MEMBER_EPOCH);
        assertThat(commit(a, a.epoch, mine)).containsOnly(Errors.NONE);
        assertThat(commit(a, before - 1, mine)).as("older than the previous epoch").containsOnly(Errors.STALE_MEMBER_EPOCH);
    }

    private java.util.Collection<Errors> commit(ConsumerSim m, int epoch, int partition) {
        return done(h.coordinator.commitOffsets(new CommitParams(G, m.memberId, null, epoch, -1,
                List.of(new CommitPartition("t", partition, 1, -1, "")), (short) 9))).partitions().values();
    }

    @Test
    void reloadRebuildsTheSameGroupAndMembersCarryOn() {
        List<ConsumerSim> ms = new ArrayList<>(List.of(member("t"), member("t"), member("t")));
        settle(ms);
        ms.get(0).subscribe(List.of("t"));
        String before = h.durableState();
        h.reload();
        assertThat(h.durableState()).isEqualTo(before);
        settle(ms);
        assertThat(describe().state()).isEqualTo("Stable");
        h.log.compact();
        h.reload();
        assertThat(h.durableState()).isEqualTo(before);
    }
}
