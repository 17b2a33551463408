package io.runnel.it.group;

import io.runnel.it.Clients;
import io.runnel.it.TestBroker;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.ConsumerGroupState;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.FencedInstanceIdException;
import org.apache.kafka.common.errors.GroupMaxSizeReachedException;
import org.apache.kafka.common.errors.InvalidSessionTimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static io.runnel.it.group.GroupTests.CONVERGE;
import static io.runnel.it.group.GroupTests.await;
import static io.runnel.it.group.GroupTests.awaitConverged;
import static io.runnel.it.group.GroupTests.consumerProps;
import static io.runnel.it.group.GroupTests.describe;
import static io.runnel.it.group.GroupTests.partitions;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Errors the clients rely on, each surfacing from poll() as the exception kafka-clients maps it to, while the
 * rest of the group carries on undisturbed: a session timeout outside the broker's bounds
 * (INVALID_SESSION_TIMEOUT), a member beyond group.max.size / group.consumer.max.size (GROUP_MAX_SIZE_REACHED),
 * a static member replaced by a newer incarnation (FENCED_INSTANCE_ID) and, with the KIP-848 protocol, a second
 * live member claiming a static instance id (UNRELEASED_INSTANCE_ID). The consumer-protocol cases need
 * kafka-clients 4.x and are skipped by an assumption with 3.9, for that reason only.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
@SuppressWarnings("deprecation") // ConsumerGroupDescription.state(): groupState() does not exist in 3.9
class GroupErrorsIT {
    private static final int MAX_SIZE = 3;

    @TempDir
    static Path dir;
    static TestBroker broker;
    static Admin admin;

    @BeforeAll
    static void start() {
        Map<String, String> overrides = GroupTests.brokerOverrides();
        overrides.put("group.max.size", Integer.toString(MAX_SIZE));
        overrides.put("group.consumer.max.size", Integer.toString(MAX_SIZE));
        broker = TestBroker.start(dir.resolve("broker"), overrides);
        admin = Clients.admin(broker.bootstrap());
    }

    @AfterAll
    static void stop() {
        if (admin != null) admin.close();
        if (broker != null) broker.close();
    }

    private static void awaitError(GroupMember m, Class<? extends Throwable> type) {
        await(m.name() + " to fail with " + type.getSimpleName(), CONVERGE, () -> !m.errors().isEmpty(), m::toString);
        assertThat(m.errors().get(0)).as("what poll() threw to %s", m.name()).isInstanceOf(type);
    }

    @Test
    void sessionTimeoutBelowTheBrokersMinimumIsRefused() {
        String topic = "errors-session";
        broker.createTopic(topic, 1);
        Map<String, Object> props = new HashMap<>(consumerProps("errors-session", "classic", "range"));
        props.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 500); // the broker's group.min.session.timeout.ms is 1000
        props.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, 100);
        GroupMember m = GroupMember.start("short-session", broker.bootstrap(), props, List.of(topic), new GroupMember.Ownership());
        try {
            awaitError(m, InvalidSessionTimeoutException.class);
        } finally {
            m.close();
        }
        assertThat(m.assignment()).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"classic", "consumer"})
    void memberBeyondTheMaximumGroupSizeIsRefused(String protocol) {
        if (protocol.equals("consumer")) {
            Assumptions.assumeTrue(GroupTests.clientSupportsConsumerProtocol(),
                    "group.protocol=consumer needs kafka-clients 4.x; this run uses " + Clients.kafkaVersion());
        }
        String group = "errors-max-size-" + protocol, topic = group;
        broker.createTopic(topic, 6);
        List<TopicPartition> all = partitions(topic, 6);
        Map<String, Object> props = consumerProps(group, protocol, protocol.equals("classic") ? "range" : null);
        GroupMember.Ownership ownership = new GroupMember.Ownership();
        List<GroupMember> members = new ArrayList<>();
        GroupMember extra = null;
        try {
            for (int i = 1; i <= MAX_SIZE; i++) members.add(GroupMember.start("m" + i, broker.bootstrap(), props, List.of(topic), ownership));
            awaitConverged(admin, group, members, all, "a full group");
            int generation = members.get(0).generation();
            extra = GroupMember.start("extra", broker.bootstrap(), props, List.of(topic), ownership);
            awaitError(extra, GroupMaxSizeReachedException.class);
            ConsumerGroupDescription d = describe(admin, group);
            assertThat(d.state()).as("the full group was not disturbed").isEqualTo(ConsumerGroupState.STABLE);
            assertThat(d.members()).hasSize(MAX_SIZE);
            for (GroupMember m : members) assertThat(m.generation()).as("generation of %s", m.name()).isEqualTo(generation);
            // once a member leaves there is room again
            GroupMember leaving = members.remove(0);
            leaving.close();
            members.add(GroupMember.start("m4", broker.bootstrap(), props, List.of(topic), ownership));
            awaitConverged(admin, group, members, all, "a member replaced by another");
        } finally {
            members.forEach(GroupMember::close);
            if (extra != null) extra.close();
        }
        for (GroupMember m : members) assertThat(m.errors()).as("errors of %s", m.name()).isEmpty();
        assertThat(ownership.violations()).isEmpty();
    }

    /** KIP-345 fencing: a second process with the same group.instance.id takes over; the first is fenced. */
    @Test
    void staticMemberReplacedByANewIncarnationIsFenced() {
        String group = "errors-fenced", topic = group;
        broker.createTopic(topic, 3);
        List<TopicPartition> all = partitions(topic, 3);
        Map<String, Object> props = new HashMap<>(consumerProps(group, "classic", "range"));
        props.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, "only-one");
        GroupMember first = GroupMember.start("first", broker.bootstrap(), props, List.of(topic), new GroupMember.Ownership());
        GroupMember second = null;
        try {
            awaitConverged(admin, group, List.of(first), all, "the first incarnation");
            second = GroupMember.start("second", broker.bootstrap(), props, List.of(topic), new GroupMember.Ownership());
            awaitError(first, FencedInstanceIdException.class);
            awaitConverged(admin, group, List.of(second), all, "the second incarnation in place of the first");
            assertThat(describe(admin, group).members()).singleElement()
                    .satisfies(md -> assertThat(md.groupInstanceId()).contains("only-one"));
        } finally {
            first.close();
            if (second != null) second.close();
        }
        assertThat(second.errors()).isEmpty();
    }

    /** KIP-848: while a static member is alive, another member claiming its instance id is refused. */
    @Test
    void consumerProtocolInstanceIdInUseIsRefused() {
        Assumptions.assumeTrue(GroupTests.clientSupportsConsumerProtocol(),
                "group.protocol=consumer needs kafka-clients 4.x; this run uses " + Clients.kafkaVersion());
        String group = "errors-unreleased", topic = group;
        broker.createTopic(topic, 3);
        List<TopicPartition> all = partitions(topic, 3);
        Map<String, Object> props = new HashMap<>(consumerProps(group, "consumer", null));
        props.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, "taken");
        GroupMember first = GroupMember.start("first", broker.bootstrap(), props, List.of(topic), new GroupMember.Ownership());
        GroupMember second = null;
        try {
            awaitConverged(admin, group, List.of(first), all, "the first member");
            int epoch = first.generation();
            second = GroupMember.start("second", broker.bootstrap(), props, List.of(topic), new GroupMember.Ownership());
            awaitError(second, org.apache.kafka.common.errors.UnreleasedInstanceIdException.class);
            assertThat(first.errors()).isEmpty();
            assertThat(first.assignment()).containsExactlyInAnyOrderElementsOf(all);
            assertThat(first.generation()).isEqualTo(epoch);
            assertThat(describe(admin, group).members()).singleElement().satisfies(md -> assertThat(md.consumerId()).isEqualTo(first.memberId()));
        } finally {
            first.close();
            if (second != null) second.close();
        }
        assertThat(first.errors()).isEmpty();
    }
}
