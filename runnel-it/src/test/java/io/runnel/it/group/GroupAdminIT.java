package io.runnel.it.group;

import io.runnel.it.Clients;
import io.runnel.it.TestBroker;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.ConsumerGroupListing;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsSpec;
import org.apache.kafka.clients.admin.ListConsumerGroupsOptions;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.ConsumerGroupState;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.apache.kafka.common.errors.GroupNotEmptyException;
import org.apache.kafka.common.errors.GroupSubscribedToTopicException;
import org.apache.kafka.common.errors.UnknownMemberIdException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;

import static io.runnel.it.group.GroupTests.CONVERGE;
import static io.runnel.it.group.GroupTests.await;
import static io.runnel.it.group.GroupTests.awaitConverged;
import static io.runnel.it.group.GroupTests.committed;
import static io.runnel.it.group.GroupTests.consumerProps;
import static io.runnel.it.group.GroupTests.describe;
import static io.runnel.it.group.GroupTests.partitions;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The Admin client's consumer-group operations against an active group, an empty one and one that only
 * stores offsets: listConsumerGroups (with a state filter), describeConsumerGroups (members, assignment, state,
 * assignor, coordinator), listConsumerGroupOffsets (all, or some partitions), alterConsumerGroupOffsets (refused
 * while the group has members), deleteConsumerGroupOffsets, deleteConsumerGroups (NON_EMPTY_GROUP for an active
 * group, GROUP_ID_NOT_FOUND for an unknown one), removing a static member, and lag = log end - committed.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
@SuppressWarnings("deprecation") // state() of the descriptions and listings: their groupState() does not exist in 3.9
class GroupAdminIT {
    private static final String TOPIC = "admin-groups";
    private static final int PARTITIONS = 3;
    private static final int PER_PARTITION = 10;

    @TempDir
    static Path dir;
    static TestBroker broker;
    static Admin admin;

    @BeforeAll
    static void start() {
        broker = TestBroker.start(dir.resolve("broker"), GroupTests.brokerOverrides());
        admin = Clients.admin(broker.bootstrap());
        broker.createTopic(TOPIC, PARTITIONS);
        GroupTests.produce(broker.bootstrap(), TOPIC, PARTITIONS, PER_PARTITION);
    }

    @AfterAll
    static void stop() {
        if (admin != null) admin.close();
        if (broker != null) broker.close();
    }

    private static TopicPartition tp(int p) {
        return new TopicPartition(TOPIC, p);
    }

    private static Map<TopicPartition, OffsetAndMetadata> offsets(long p0, long p1, long p2) {
        return Map.of(tp(0), new OffsetAndMetadata(p0, "m0"), tp(1), new OffsetAndMetadata(p1, "m1"), tp(2), new OffsetAndMetadata(p2, "m2"));
    }

    private static Map<TopicPartition, Long> plain(Map<TopicPartition, OffsetAndMetadata> m) {
        return m.entrySet().stream().filter(e -> e.getValue() != null).collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().offset()));
    }

    private static GroupMember activeMember(String group, Map<String, Object> extra) {
        Map<String, Object> props = new HashMap<>(consumerProps(group, "classic", "range"));
        props.putAll(extra);
        GroupMember m = GroupMember.start(group + "-member", broker.bootstrap(), props, List.of(TOPIC), new GroupMember.Ownership());
        awaitConverged(admin, group, List.of(m), partitions(TOPIC, PARTITIONS), "the member of " + group);
        return m;
    }

    private static void commit(GroupMember m, Map<TopicPartition, OffsetAndMetadata> offsets) {
        m.call(c -> {
            c.commitSync(offsets, Duration.ofSeconds(15));
            return null;
        });
    }

    private static Map<String, ConsumerGroupListing> list(ListConsumerGroupsOptions options) throws Exception {
        Collection<ConsumerGroupListing> all = admin.listConsumerGroups(options).all().get(30, TimeUnit.SECONDS);
        return all.stream().collect(Collectors.toMap(ConsumerGroupListing::groupId, Function.identity()));
    }

    private static Throwable cause(Throwable t) {
        return t instanceof ExecutionException && t.getCause() != null ? t.getCause() : t;
    }

    @Test
    void listDescribeOffsetsLagAndDeletion() throws Exception {
        String active = "admin-active", empty = "admin-empty", offsetsOnly = "admin-offsets-only";
        // an empty group: a member committed, then left
        GroupMember former = activeMember(empty, Map.of());
        commit(former, offsets(1, 2, 3));
        former.close();
        // a group that only stores offsets (Admin commits with no member: generation -1)
        admin.alterConsumerGroupOffsets(offsetsOnly, offsets(5, 5, 5)).all().get(30, TimeUnit.SECONDS);
        // an active group
        GroupMember member = activeMember(active, Map.of());
        try {
            commit(member, offsets(4, 7, 10));

            // listConsumerGroups
            Map<String, ConsumerGroupListing> listed = list(new ListConsumerGroupsOptions());
            assertThat(listed).containsKeys(active, empty, offsetsOnly);
            assertThat(listed.get(active).state()).contains(ConsumerGroupState.STABLE);
            assertThat(listed.get(active).isSimpleConsumerGroup()).isFalse();
            assertThat(listed.get(empty).state()).contains(ConsumerGroupState.EMPTY);
            assertThat(listed.get(empty).isSimpleConsumerGroup()).isFalse();
            assertThat(listed.get(offsetsOnly).state()).contains(ConsumerGroupState.EMPTY);
            assertThat(listed.get(offsetsOnly).isSimpleConsumerGroup()).as("a group with offsets only has no protocol type").isTrue();
            Map<String, ConsumerGroupListing> stable = list(new ListConsumerGroupsOptions().inStates(Set.of(ConsumerGroupState.STABLE)));
            assertThat(stable).containsKey(active).doesNotContainKeys(empty, offsetsOnly);
            Map<String, ConsumerGroupListing> emptyOnes = list(new ListConsumerGroupsOptions().inStates(Set.of(ConsumerGroupState.EMPTY)));
            assertThat(emptyOnes).containsKeys(empty, offsetsOnly).doesNotContainKey(active);

            // describeConsumerGroups
            Map<String, ConsumerGroupDescription> described = admin.describeConsumerGroups(List.of(active, empty)).all().get(30, TimeUnit.SECONDS);
            ConsumerGroupDescription a = described.get(active);
            assertThat(a.state()).isEqualTo(ConsumerGroupState.STABLE);
            assertThat(a.partitionAssignor()).isEqualTo("range");
            assertThat(a.isSimpleConsumerGroup()).isFalse();
            assertThat(a.coordinator().id()).isEqualTo(1);
            assertThat(a.coordinator().port()).isEqualTo(broker.port());
            assertThat(a.members()).singleElement().satisfies(md -> {
                assertThat(md.consumerId()).isEqualTo(member.memberId());
                assertThat(md.clientId()).isEqualTo(active + "-member");
                assertThat(md.host()).contains("127.0.0.1");
                assertThat(md.groupInstanceId()).isEmpty();
                assertThat(md.assignment().topicPartitions()).containsExactlyInAnyOrderElementsOf(partitions(TOPIC, PARTITIONS));
            });
            ConsumerGroupDescription e = described.get(empty);
            assertThat(e.state()).isEqualTo(ConsumerGroupState.EMPTY);
            assertThat(e.members()).isEmpty();
            assertThat(GroupTests.describeOrNull(admin, "admin-no-such-group")).as("an unknown group").isNull();

            // listConsumerGroupOffsets: all, and some partitions (one never committed in a fresh group)
            Map<TopicPartition, OffsetAndMetadata> c = committed(admin, active);
            assertThat(plain(c)).isEqualTo(Map.of(tp(0), 4L, tp(1), 7L, tp(2), 10L));
            assertThat(c.get(tp(1)).metadata()).isEqualTo("m1");
            Map<TopicPartition, OffsetAndMetadata> some = admin.listConsumerGroupOffsets(Map.of(active,
                    new ListConsumerGroupOffsetsSpec().topicPartitions(List.of(tp(2), new TopicPartition("admin-other-topic", 0)))))
                    .partitionsToOffsetAndMetadata(active).get(30, TimeUnit.SECONDS);
            assertThat(some.get(tp(2)).offset()).isEqualTo(10L);
            assertThat(some).doesNotContainKey(tp(0));
            assertThat(some.get(new TopicPartition("admin-other-topic", 0))).as("a partition without a commit").isNull();
            assertThat(committed(admin, "admin-no-such-group")).as("offsets of an unknown group").isEmpty();

            // lag = log end offset - committed offset
            Map<TopicPartition, Long> ends = GroupTests.endOffsets(admin, partitions(TOPIC, PARTITIONS));
            Map<TopicPartition, Long> lag = new HashMap<>();
            c.forEach((k, v) -> lag.put(k, ends.get(k) - v.offset()));
            assertThat(lag).isEqualTo(Map.of(tp(0), 6L, tp(1), 3L, tp(2), 0L));

            // alterConsumerGroupOffsets: fine for an empty group, refused for an active one (UNKNOWN_MEMBER_ID, as Kafka)
            admin.alterConsumerGroupOffsets(empty, Map.of(tp(0), new OffsetAndMetadata(8, "reset"))).all().get(30, TimeUnit.SECONDS);
            assertThat(plain(committed(admin, empty))).isEqualTo(Map.of(tp(0), 8L, tp(1), 2L, tp(2), 3L));
            assertThat(committed(admin, empty).get(tp(0)).metadata()).isEqualTo("reset");
            assertThatThrownBy(() -> admin.alterConsumerGroupOffsets(active, Map.of(tp(0), new OffsetAndMetadata(0))).all().get(30, TimeUnit.SECONDS))
                    .satisfies(t -> assertThat(cause(t)).isInstanceOf(UnknownMemberIdException.class));
            assertThat(plain(committed(admin, active))).as("the refused change changed nothing").isEqualTo(Map.of(tp(0), 4L, tp(1), 7L, tp(2), 10L));

            // deleteConsumerGroupOffsets: refused for a topic the active group subscribes to, fine for the empty one
            assertThatThrownBy(() -> admin.deleteConsumerGroupOffsets(active, Set.of(tp(0))).all().get(30, TimeUnit.SECONDS))
                    .satisfies(t -> assertThat(cause(t)).isInstanceOf(GroupSubscribedToTopicException.class));
            admin.deleteConsumerGroupOffsets(empty, Set.of(tp(1))).all().get(30, TimeUnit.SECONDS);
            assertThat(plain(committed(admin, empty))).isEqualTo(Map.of(tp(0), 8L, tp(2), 3L));

            // deleteConsumerGroups: NON_EMPTY_GROUP for the active group, deleted for the others, unknown -> not found
            var deletion = admin.deleteConsumerGroups(List.of(active, empty, offsetsOnly, "admin-no-such-group")).deletedGroups();
            assertThatThrownBy(() -> deletion.get(active).get(30, TimeUnit.SECONDS))
                    .satisfies(t -> assertThat(cause(t)).isInstanceOf(GroupNotEmptyException.class));
            deletion.get(empty).get(30, TimeUnit.SECONDS);
            deletion.get(offsetsOnly).get(30, TimeUnit.SECONDS);
            assertThatThrownBy(() -> deletion.get("admin-no-such-group").get(30, TimeUnit.SECONDS))
                    .satisfies(t -> assertThat(cause(t)).isInstanceOf(GroupIdNotFoundException.class));
            Map<String, ConsumerGroupListing> afterDelete = list(new ListConsumerGroupsOptions());
            assertThat(afterDelete).containsKey(active).doesNotContainKeys(empty, offsetsOnly);
            assertThat(committed(admin, empty)).as("offsets of a deleted group").isEmpty();
            assertThat(plain(committed(admin, active))).as("the active group is untouched").hasSize(3);
            assertThat(member.assignment()).hasSize(PARTITIONS);
        } finally {
            member.close();
        }
        assertThat(member.errors()).isEmpty();
        // once its last member left, the group can be deleted, offsets and all
        await("the group to be empty", CONVERGE, () -> describe(admin, active).state() == ConsumerGroupState.EMPTY);
        admin.deleteConsumerGroups(List.of(active)).all().get(30, TimeUnit.SECONDS);
        assertThat(list(new ListConsumerGroupsOptions())).doesNotContainKey(active);
        assertThat(committed(admin, active)).isEmpty();
    }

    @Test
    void removeMembersFromConsumerGroupRemovesAStaticMember() throws Exception {
        String group = "admin-remove-static";
        GroupMember.Ownership ownership = new GroupMember.Ownership();
        Map<String, Object> base = new HashMap<>(consumerProps(group, "classic", "range"));
        Map<String, Object> pa = new HashMap<>(base), pb = new HashMap<>(base);
        pa.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, "ia");
        pb.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, "ib");
        GroupMember a = GroupMember.start("a", broker.bootstrap(), pa, List.of(TOPIC), ownership);
        GroupMember b = GroupMember.start("b", broker.bootstrap(), pb, List.of(TOPIC), ownership);
        try {
            awaitConverged(admin, group, List.of(a, b), partitions(TOPIC, PARTITIONS), "two static members");
            // b goes away as a static member does (no LeaveGroup); an operator removes it instead of waiting
            b.close();
            admin.removeMembersFromConsumerGroup(group, new org.apache.kafka.clients.admin.RemoveMembersFromConsumerGroupOptions(
                    List.of(new org.apache.kafka.clients.admin.MemberToRemove("ib")))).all().get(30, TimeUnit.SECONDS);
            awaitConverged(admin, group, List.of(a), partitions(TOPIC, PARTITIONS), "a alone after b was removed");
            assertThat(describe(admin, group).members()).extracting(MemberDescription::groupInstanceId).containsExactly(java.util.Optional.of("ia"));
            // removing it again: UNKNOWN_MEMBER_ID for that member
            assertThatThrownBy(() -> admin.removeMembersFromConsumerGroup(group, new org.apache.kafka.clients.admin.RemoveMembersFromConsumerGroupOptions(
                    List.of(new org.apache.kafka.clients.admin.MemberToRemove("ib")))).all().get(30, TimeUnit.SECONDS))
                    .satisfies(t -> assertThat(cause(t)).isInstanceOf(UnknownMemberIdException.class));
        } finally {
            a.close();
            b.close();
        }
        assertThat(a.errors()).isEmpty();
        assertThat(ownership.violations()).isEmpty();
    }
}
