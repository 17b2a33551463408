package io.runnel.group;

import io.runnel.common.Errors;
import io.runnel.common.TopicPartition;
import io.runnel.group.api.AdminApi.ClassicGroupDescription;
import io.runnel.group.api.AdminApi.DeleteGroupResult;
import io.runnel.group.api.AdminApi.ListedGroup;
import io.runnel.group.api.ClassicGroupApi.JoinResult;
import io.runnel.group.api.OffsetApi.CommitParams;
import io.runnel.group.api.OffsetApi.CommitPartition;
import io.runnel.group.api.OffsetApi.CommitResult;
import io.runnel.group.api.OffsetApi.DeleteResult;
import io.runnel.group.api.OffsetApi.FetchParams;
import io.runnel.group.api.OffsetApi.FetchResult;
import io.runnel.group.api.OffsetApi.FetchedOffset;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static io.runnel.group.Harness.done;
import static io.runnel.group.Harness.join;
import static io.runnel.group.Harness.range;
import static org.assertj.core.api.Assertions.assertThat;

class OffsetAndAdminTest {
    private static final long RETENTION = TimeUnit.HOURS.toMillis(1);
    private static final long CHECK = TimeUnit.MINUTES.toMillis(1);
    private final Harness h = new Harness(Harness.defaults().withOffsetsRetention(RETENTION, CHECK));

    private CommitResult commit(String group, String memberId, int generation, CommitPartition... partitions) {
        return done(h.coordinator.commitOffsets(new CommitParams(group, memberId, null, generation, -1, List.of(partitions), (short) 8)));
    }

    private static CommitPartition cp(String topic, int partition, long offset) {
        return new CommitPartition(topic, partition, offset, -1, null);
    }

    private FetchResult fetch(String group, Map<String, List<Integer>> topics) {
        return done(h.coordinator.fetchOffsets(new FetchParams(group, topics, null, -1, false)));
    }

    private JoinResult stableMember(String group, String... topics) {
        JoinResult j = done(h.newMemberWith(group, topics));
        done(h.sync(group, j, Map.of(j.memberId(), new byte[]{1})));
        return j;
    }

    /** Advances the clock while a member keeps heartbeating. */
    private void advanceAlive(long ms, String group, JoinResult member) {
        for (long t = 0; t < ms; t += 5000) {
            h.advance(Math.min(5000, ms - t));
            assertThat(h.heartbeat(group, member.memberId(), member.generationId())).isEqualTo(Errors.NONE);
        }
    }

    @Test
    void commitAndFetchKeepMetadataAndLeaderEpoch() {
        CommitResult r = done(h.coordinator.commitOffsets(new CommitParams("g", "", null, -1, -1, List.of(
                new CommitPartition("t", 0, 42, 7, "meta-0"), new CommitPartition("t", 1, 43, -1, null)), (short) 8)));
        assertThat(r.partitions()).containsOnly(Map.entry(new TopicPartition("t", 0), Errors.NONE), Map.entry(new TopicPartition("t", 1), Errors.NONE));

        FetchResult f = fetch("g", Map.of("t", List.of(0, 1, 2)));
        assertThat(f.error()).isEqualTo(Errors.NONE);
        assertThat(f.offsets()).containsExactly(
                new FetchedOffset("t", 0, 42, 7, "meta-0", Errors.NONE),
                new FetchedOffset("t", 1, 43, -1, "", Errors.NONE),
                new FetchedOffset("t", 2, -1, -1, "", Errors.NONE));
        assertThat(fetch("g", null).offsets()).hasSize(2);
        assertThat(fetch("unknown", null).offsets()).isEmpty();
        assertThat(fetch("unknown", Map.of("t", List.of(0))).offsets()).containsExactly(new FetchedOffset("t", 0, -1, -1, "", Errors.NONE));

        // a later commit replaces the offset
        commit("g", "", -1, cp("t", 0, 50));
        assertThat(fetch("g", Map.of("t", List.of(0))).offsets().getFirst().offset()).isEqualTo(50);
    }

    @Test
    void multiGroupFetchAnswersEachGroup() {
        commit("g1", "", -1, cp("t", 0, 1));
        commit("g2", "", -1, cp("t", 0, 2));
        List<FetchResult> rs = done(h.coordinator.fetchOffsets(List.of(
                new FetchParams("g1", null, null, -1, false),
                new FetchParams("g2", Map.of("t", List.of(0)), null, -1, true),
                new FetchParams("g3", null, null, -1, false))));
        assertThat(rs).extracting(FetchResult::groupId).containsExactly("g1", "g2", "g3");
        assertThat(rs.get(0).offsets()).singleElement().extracting(FetchedOffset::offset).isEqualTo(1L);
        assertThat(rs.get(1).offsets()).singleElement().extracting(FetchedOffset::offset).isEqualTo(2L);
        assertThat(rs.get(2).offsets()).isEmpty();
    }

    @Test
    void commitsAreCheckedAgainstTheGeneration() {
        JoinResult a = stableMember("g", "t");
        assertThat(commit("g", a.memberId(), a.generationId(), cp("t", 0, 1)).partitions().values()).containsOnly(Errors.NONE);
        assertThat(commit("g", a.memberId(), a.generationId() + 1, cp("t", 0, 1)).partitions().values()).containsOnly(Errors.ILLEGAL_GENERATION);
        assertThat(commit("g", "stranger", a.generationId(), cp("t", 0, 1)).partitions().values()).containsOnly(Errors.UNKNOWN_MEMBER_ID);
        assertThat(commit("g", "", -1, cp("t", 0, 1)).partitions().values()).as("admin commit to a live group").containsOnly(Errors.UNKNOWN_MEMBER_ID);
        assertThat(commit("nogroup", "m", 3, cp("t", 0, 1)).partitions().values()).containsOnly(Errors.ILLEGAL_GENERATION);
        assertThat(done(h.coordinator.commitOffsets(new CommitParams("nogroup", "m", null, 3, -1, List.of(cp("t", 0, 1)), (short) 9)))
                .partitions().values()).containsOnly(Errors.GROUP_ID_NOT_FOUND);

        // completing a rebalance: the member must finish syncing first
        h.newMember("g");
        JoinResult a2 = done(h.coordinator.joinGroup(join("g", a.memberId(), null, range("t"))));
        assertThat(commit("g", a.memberId(), a2.generationId(), cp("t", 0, 1)).partitions().values()).containsOnly(Errors.REBALANCE_IN_PROGRESS);
    }

    @Test
    void membersMayCommitTheirGenerationWhileTheGroupPreparesARebalance() {
        JoinResult a = stableMember("g", "t");
        h.newMember("g");
        assertThat(h.state("g")).isEqualTo("PreparingRebalance");
        assertThat(commit("g", a.memberId(), a.generationId(), cp("t", 0, 9)).partitions().values()).containsOnly(Errors.NONE);
    }

    @Test
    void tooLargeMetadataIsRefusedPerPartition() {
        String big = "x".repeat(4097);
        CommitResult r = done(h.coordinator.commitOffsets(new CommitParams("g", "", null, -1, -1,
                List.of(new CommitPartition("t", 0, 1, -1, big), cp("t", 1, 1)), (short) 8)));
        assertThat(r.partitions()).containsEntry(new TopicPartition("t", 0), Errors.OFFSET_METADATA_TOO_LARGE)
                .containsEntry(new TopicPartition("t", 1), Errors.NONE);
    }

    @Test
    void failedAppendsMapToCoordinatorErrors() {
        h.log.failNextAppends(1, Errors.NOT_LEADER_OR_FOLLOWER);
        assertThat(commit("g", "", -1, cp("t", 0, 1)).partitions().values()).containsOnly(Errors.NOT_COORDINATOR);
        h.log.failNextAppends(1, Errors.MESSAGE_TOO_LARGE);
        assertThat(commit("g", "", -1, cp("t", 0, 1)).partitions().values()).containsOnly(Errors.INVALID_COMMIT_OFFSET_SIZE);
        h.log.failNextAppends(1, Errors.NOT_ENOUGH_REPLICAS);
        assertThat(commit("g", "", -1, cp("t", 0, 1)).partitions().values()).containsOnly(Errors.COORDINATOR_NOT_AVAILABLE);
        assertThat(fetch("g", null).offsets()).as("nothing was applied").isEmpty();
    }

    @Test
    void offsetsOfAnEmptyGroupExpireAfterTheRetentionThenTheGroupGoes() {
        JoinResult a = stableMember("g", "t");
        commit("g", a.memberId(), a.generationId(), cp("t", 0, 5));
        commit("simple", "", -1, cp("t", 0, 6));
        advanceAlive(RETENTION + CHECK, "g", a);
        assertThat(fetch("g", null).offsets()).as("a live member keeps the offsets of its topics").hasSize(1);
        assertThat(fetch("simple", null).offsets()).as("offsets-only groups expire by commit time").isEmpty();

        h.leave("g", new io.runnel.group.api.ClassicGroupApi.LeaveMember(a.memberId(), null));
        assertThat(h.state("g")).isEqualTo("Empty");
        h.advance(RETENTION - CHECK);
        assertThat(fetch("g", null).offsets()).as("retention counts from when the group became empty").hasSize(1);
        h.advance(2 * CHECK);
        assertThat(fetch("g", null).offsets()).isEmpty();
        assertThat(h.state("g")).isEqualTo("Dead");
        assertThat(done(h.coordinator.listGroups(Set.of(), Set.of())).groups()).isEmpty();
        h.reload();
        assertThat(h.state("g")).isEqualTo("Dead");
        assertThat(fetch("g", null).offsets()).isEmpty();
    }

    @Test
    void offsetsOfUnsubscribedTopicsExpireInALiveGroup() {
        JoinResult a = stableMember("g", "t");
        commit("g", a.memberId(), a.generationId(), cp("t", 0, 5), cp("old", 0, 1));
        advanceAlive(RETENTION + CHECK, "g", a);
        assertThat(fetch("g", null).offsets()).extracting(FetchedOffset::topic).containsExactly("t");
    }

    @Test
    void explicitRetentionOverridesTheBrokerDefault() {
        done(h.coordinator.commitOffsets(new CommitParams("g", "", null, -1, 10_000, List.of(cp("t", 0, 1)), (short) 2)));
        h.advance(CHECK);
        assertThat(fetch("g", null).offsets()).isEmpty();
    }

    @Test
    void deleteGroupsNeedsAnEmptyGroup() {
        JoinResult a = stableMember("live", "t");
        commit("live", a.memberId(), a.generationId(), cp("t", 0, 1));
        commit("idle", "", -1, cp("t", 0, 1));
        List<DeleteGroupResult> r = done(h.coordinator.deleteGroups(List.of("live", "idle", "missing")));
        assertThat(r).containsExactly(new DeleteGroupResult("live", Errors.NON_EMPTY_GROUP),
                new DeleteGroupResult("idle", Errors.NONE), new DeleteGroupResult("missing", Errors.GROUP_ID_NOT_FOUND));
        assertThat(fetch("idle", null).offsets()).isEmpty();
        assertThat(fetch("live", null).offsets()).hasSize(1);

        h.leave("live", new io.runnel.group.api.ClassicGroupApi.LeaveMember(a.memberId(), null));
        assertThat(done(h.coordinator.deleteGroups(List.of("live")))).containsExactly(new DeleteGroupResult("live", Errors.NONE));
        assertThat(h.state("live")).isEqualTo("Dead");
        h.reload();
        assertThat(h.state("live")).isEqualTo("Dead");
        assertThat(fetch("live", null).offsets()).isEmpty();
    }

    @Test
    void offsetDeleteRefusesSubscribedTopics() {
        JoinResult a = stableMember("g", "t");
        commit("g", a.memberId(), a.generationId(), cp("t", 0, 1), cp("u", 0, 1));
        DeleteResult r = done(h.coordinator.deleteOffsets("g", List.of(new TopicPartition("t", 0), new TopicPartition("u", 0))));
        assertThat(r.error()).isEqualTo(Errors.NONE);
        assertThat(r.partitions()).containsEntry(new TopicPartition("t", 0), Errors.GROUP_SUBSCRIBED_TO_TOPIC)
                .containsEntry(new TopicPartition("u", 0), Errors.NONE);
        assertThat(fetch("g", null).offsets()).extracting(FetchedOffset::topic).containsExactly("t");
        assertThat(done(h.coordinator.deleteOffsets("missing", List.of(new TopicPartition("t", 0)))).error()).isEqualTo(Errors.GROUP_ID_NOT_FOUND);
    }

    @Test
    void offsetDeleteOfANonConsumerProtocolGroupNeedsItEmpty() {
        JoinResult j = done(h.coordinator.joinGroup(new io.runnel.group.api.ClassicGroupApi.JoinParams("c", "", null, "connect",
                range("t"), Harness.SESSION, Harness.REBALANCE, "c", "h", (short) 3)));
        assertThat(j.error()).isEqualTo(Errors.NONE);
        assertThat(done(h.coordinator.deleteOffsets("c", List.of(new TopicPartition("t", 0)))).error()).isEqualTo(Errors.NON_EMPTY_GROUP);
    }

    @Test
    void listAndDescribeGroups() {
        stableMember("stable", "t");
        commit("offsets-only", "", -1, cp("t", 0, 1));
        h.newMember("stable"); // starts a rebalance
        List<ListedGroup> all = done(h.coordinator.listGroups(Set.of(), Set.of())).groups();
        assertThat(all).extracting(ListedGroup::groupId).containsExactlyInAnyOrder("stable", "offsets-only");
        assertThat(done(h.coordinator.listGroups(Set.of("empty"), Set.of())).groups())
                .containsExactly(new ListedGroup("offsets-only", "", "Empty", "classic"));
        assertThat(done(h.coordinator.listGroups(Set.of("PreparingRebalance"), Set.of("CLASSIC"))).groups())
                .containsExactly(new ListedGroup("stable", "consumer", "PreparingRebalance", "classic"));
        assertThat(done(h.coordinator.listGroups(Set.of(), Set.of("consumer"))).groups()).isEmpty();

        List<ClassicGroupDescription> d = done(h.coordinator.describeGroups(List.of("stable", "offsets-only", "missing"), true));
        assertThat(d.get(0).state()).isEqualTo("PreparingRebalance");
        assertThat(d.get(0).protocol()).isEmpty();
        assertThat(d.get(0).members()).allSatisfy(m -> assertThat(m.assignment()).isEmpty());
        assertThat(d.get(1).state()).isEqualTo("Empty");
        assertThat(d.get(2).error()).isEqualTo(Errors.GROUP_ID_NOT_FOUND);
        assertThat(done(h.coordinator.describeGroups(List.of("missing"), false)).getFirst())
                .satisfies(x -> assertThat(x.error()).isEqualTo(Errors.NONE))
                .satisfies(x -> assertThat(x.state()).isEqualTo("Dead"));
    }

    @Test
    void requestsForPartitionsThisBrokerDoesNotLeadOrStillLoads() {
        int p = h.coordinator.partitionFor("g");
        done(h.coordinator.onResignation(p));
        assertThat(commit("g", "", -1, cp("t", 0, 1)).partitions().values()).containsOnly(Errors.NOT_COORDINATOR);
        assertThat(fetch("g", null).error()).isEqualTo(Errors.NOT_COORDINATOR);

        // a loader that has not run yet leaves the partition loading
        List<Runnable> deferred = new java.util.ArrayList<>();
        GroupCoordinator slow = new GroupCoordinator(h.config, h.log, h.topics, h.clock, h.clock, deferred::add);
        java.util.concurrent.CompletableFuture<Void> loaded = slow.onElection(p);
        assertThat(done(slow.fetchOffsets(new FetchParams("g", null, null, -1, false))).error()).isEqualTo(Errors.COORDINATOR_LOAD_IN_PROGRESS);
        assertThat(done(slow.listGroups(Set.of(), Set.of())).error()).isEqualTo(Errors.COORDINATOR_LOAD_IN_PROGRESS);
        deferred.forEach(Runnable::run);
        done(loaded);
        assertThat(slow.isActive(p)).isTrue();
        assertThat(done(slow.fetchOffsets(new FetchParams("g", null, null, -1, false))).error()).isEqualTo(Errors.NONE);
    }

    @Test
    void groupIdsAreValidated() {
        assertThat(done(h.coordinator.deleteGroups(java.util.Arrays.asList((String) null)))).singleElement()
                .extracting(DeleteGroupResult::error).isEqualTo(Errors.INVALID_GROUP_ID);
        assertThat(done(h.coordinator.deleteOffsets("", List.of())).error()).isEqualTo(Errors.INVALID_GROUP_ID);
    }
}
