package io.runnel.it.group;

import io.runnel.it.Clients;
import io.runnel.it.TestBroker;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.ConsumerGroupState;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static io.runnel.it.group.GroupTests.SESSION_TIMEOUT_MS;
import static io.runnel.it.group.GroupTests.awaitConverged;
import static io.runnel.it.group.GroupTests.consumerProps;
import static io.runnel.it.group.GroupTests.describe;
import static io.runnel.it.group.GroupTests.partitions;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Static membership (KIP-345, {@code group.instance.id}) with the classic protocol. A static member that closes
 * sends no LeaveGroup; restarted within the session timeout it takes its old place: the same partitions, no
 * rebalance (the other member's generation stays, its rebalance callbacks do not run, DescribeGroups shows the
 * same assignment under the new member id). Both members are restarted in turn, so the group leader is among
 * them. A static member that stays away longer than the session timeout is removed and its partitions move.
 */
// static membership: 3.9 and 4.1 (4.4 takes 4.1's path)
@EnabledIfSystemProperty(named = "it.kafka.clients.version", matches = "(3\\.9|4\\.1)\\..*")
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class StaticMembershipIT {
    @TempDir
    static Path dir;
    static TestBroker broker;
    static Admin admin;

    @BeforeAll
    static void start() {
        broker = TestBroker.start(dir.resolve("broker"), GroupTests.brokerOverrides());
        admin = Clients.admin(broker.bootstrap());
    }

    @AfterAll
    static void stop() {
        if (admin != null) admin.close();
        if (broker != null) broker.close();
    }

    private static Map<String, Object> staticProps(String group, String instance) {
        Map<String, Object> p = new HashMap<>(consumerProps(group, "classic", "range"));
        p.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, instance);
        return p;
    }

    /** instance id -> assignment, from DescribeGroups. */
    private static Map<String, Set<TopicPartition>> byInstance(ConsumerGroupDescription d) {
        Map<String, Set<TopicPartition>> m = new TreeMap<>();
        for (MemberDescription md : d.members()) m.put(md.groupInstanceId().orElse("?"), Set.copyOf(md.assignment().topicPartitions()));
        return m;
    }

    @Test
    @SuppressWarnings("deprecation") // ConsumerGroupDescription.state(): groupState() does not exist in 3.9
    void staticMemberRestartingWithinTheSessionTimeoutKeepsItsPartitionsWithoutARebalance() {
        String group = "static-restart";
        String topic = "static-restart";
        broker.createTopic(topic, 4);
        List<TopicPartition> all = partitions(topic, 4);
        GroupMember.Ownership ownership = new GroupMember.Ownership();
        Map<String, GroupMember> members = new TreeMap<>();
        try {
            for (String id : List.of("a", "b")) {
                members.put(id, GroupMember.start(id, broker.bootstrap(), staticProps(group, id), List.of(topic), ownership));
                awaitConverged(admin, group, new ArrayList<>(members.values()), all, "static member " + id + " joined");
            }
            Map<String, Set<TopicPartition>> assignment = awaitConverged(admin, group, new ArrayList<>(members.values()), all, "two static members");
            int generation = members.get("a").generation();
            Map<String, Set<TopicPartition>> described = byInstance(describe(admin, group));
            assertThat(described).isEqualTo(assignment);

            long lastClose = 0;
            for (String restarting : List.of("a", "b")) {
                String other = restarting.equals("a") ? "b" : "a";
                int otherCallbacks = ownership.eventsOf(other).size();
                int ownCallbacks = ownership.eventsOf(restarting).size();
                String oldMemberId = members.get(restarting).memberId();

                long closedAt = System.nanoTime();
                lastClose = closedAt;
                members.get(restarting).close();
                GroupMember again = GroupMember.start(restarting, broker.bootstrap(), staticProps(group, restarting), List.of(topic), ownership);
                members.put(restarting, again);
                awaitConverged(admin, group, new ArrayList<>(members.values()), all, restarting + " restarted");
                long back = System.nanoTime() - closedAt;
                assertThat(back).as("the restart took less than the session timeout (else this test proves nothing)")
                        .isLessThan(TimeUnit.MILLISECONDS.toNanos(SESSION_TIMEOUT_MS - 1000));

                assertThat(again.assignment()).as("%s got its partitions back", restarting).isEqualTo(assignment.get(restarting));
                assertThat(again.memberId()).as("the restarted member has a new member id").isNotEqualTo(oldMemberId);
                assertThat(again.generation()).as("generation after %s restarted", restarting).isEqualTo(generation);
                assertThat(members.get(other).generation()).as("generation of %s", other).isEqualTo(generation);
                assertThat(ownership.eventsOf(other)).as("rebalance callbacks of %s while %s restarted; all:%s", other, restarting, ownership)
                        .hasSize(otherCallbacks);
                // the restarting member itself: revoked at close, then the same partitions assigned to the new incarnation
                List<GroupMember.Event> own = ownership.eventsOf(restarting);
                assertThat(own.subList(ownCallbacks, own.size())).as("callbacks of %s around its restart", restarting)
                        .extracting(GroupMember.Event::kind, GroupMember.Event::partitions)
                        .containsExactly(org.assertj.core.groups.Tuple.tuple(GroupMember.Kind.REVOKED, assignment.get(restarting)),
                                org.assertj.core.groups.Tuple.tuple(GroupMember.Kind.ASSIGNED, assignment.get(restarting)));
            }

            // The absence of a rebalance can only be seen by waiting: until the last old session would have expired
            // (had the restarted member not replaced it) and a little more, nothing may change.
            int callbacks = ownership.events().size();
            long quietUntil = lastClose + TimeUnit.MILLISECONDS.toNanos(SESSION_TIMEOUT_MS + 2_000);
            GroupTests.await("the old sessions' deadlines to pass", Duration.ofSeconds(30), () -> System.nanoTime() > quietUntil);
            assertThat(ownership.events()).as("rebalance callbacks after both restarts; all:%s", ownership).hasSize(callbacks);
            for (String id : List.of("a", "b")) {
                assertThat(members.get(id).generation()).as("generation of %s", id).isEqualTo(generation);
                assertThat(members.get(id).assignment()).as("assignment of %s", id).isEqualTo(assignment.get(id));
            }
            ConsumerGroupDescription d = describe(admin, group);
            assertThat(d.state()).isEqualTo(ConsumerGroupState.STABLE);
            assertThat(byInstance(d)).as("DescribeGroups after the restarts").isEqualTo(assignment);
            assertThat(d.members().stream().map(MemberDescription::consumerId).collect(Collectors.toSet()))
                    .containsExactlyInAnyOrder(members.get("a").memberId(), members.get("b").memberId());
        } finally {
            members.values().forEach(GroupMember::close);
        }
        assertThat(ownership.violations()).as("moments with two owners of a partition; callbacks:%s", ownership).isEmpty();
        for (GroupMember m : members.values()) assertThat(m.errors()).as("errors of %s", m.name()).isEmpty();
    }

    @Test
    void staticMemberAwayLongerThanTheSessionTimeoutLosesItsPartitions() {
        String group = "static-away";
        String topic = "static-away";
        broker.createTopic(topic, 4);
        List<TopicPartition> all = partitions(topic, 4);
        GroupMember.Ownership ownership = new GroupMember.Ownership();
        GroupMember a = GroupMember.start("a", broker.bootstrap(), staticProps(group, "a"), List.of(topic), ownership);
        GroupMember b = null;
        try {
            awaitConverged(admin, group, List.of(a), all, "a alone");
            b = GroupMember.start("b", broker.bootstrap(), staticProps(group, "b"), List.of(topic), ownership);
            Map<String, Set<TopicPartition>> two = awaitConverged(admin, group, List.of(a, b), all, "a and b");
            assertThat(two.get("a")).isNotEmpty();
            long closedAt = System.nanoTime();
            a.close(); // a static member sends no LeaveGroup: only its session timeout removes it
            awaitConverged(admin, group, List.of(b), all, "b alone after a's session expired");
            long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - closedAt);
            assertThat(took).as("ms until a's partitions moved: not before its session timed out")
                    .isGreaterThanOrEqualTo(SESSION_TIMEOUT_MS - GroupTests.HEARTBEAT_INTERVAL_MS - 1000);
            assertThat(describe(admin, group).members()).hasSize(1);
        } finally {
            a.close();
            if (b != null) b.close();
        }
        assertThat(ownership.violations()).as("moments with two owners of a partition; callbacks:%s", ownership).isEmpty();
        assertThat(b.errors()).isEmpty();
    }

    /**
     * The same with the KIP-848 consumer protocol (kafka-clients 4.x only; 3.9 has no group.protocol=consumer,
     * an assumption skips it there): a static member that closes leaves with member epoch -2, its partitions stay
     * reserved for it, and restarted within the session timeout it gets them back while the other member's
     * assignment and callbacks do not change.
     */
    @Test
    void consumerProtocolStaticMemberRestartKeepsItsPartitions() {
        org.junit.jupiter.api.Assumptions.assumeTrue(GroupTests.clientSupportsConsumerProtocol(),
                "group.protocol=consumer needs kafka-clients 4.x; this run uses " + Clients.kafkaVersion());
        String group = "static-kip848";
        String topic = "static-kip848";
        broker.createTopic(topic, 4);
        List<TopicPartition> all = partitions(topic, 4);
        GroupMember.Ownership ownership = new GroupMember.Ownership();
        Map<String, GroupMember> members = new TreeMap<>();
        java.util.function.Function<String, Map<String, Object>> props = id -> {
            Map<String, Object> p = new HashMap<>(consumerProps(group, "consumer", null));
            p.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, id);
            return p;
        };
        try {
            members.put("a", GroupMember.start("a", broker.bootstrap(), props.apply("a"), List.of(topic), ownership));
            members.put("b", GroupMember.start("b", broker.bootstrap(), props.apply("b"), List.of(topic), ownership));
            Map<String, Set<TopicPartition>> assignment = awaitConverged(admin, group, new ArrayList<>(members.values()), all, "two static members");
            assertThat(assignment.get("a")).isNotEmpty();
            assertThat(assignment.get("b")).isNotEmpty();
            int bCallbacks = ownership.eventsOf("b").size();
            int bEpoch = members.get("b").generation();

            long closedAt = System.nanoTime();
            members.get("a").close();
            GroupMember again = GroupMember.start("a", broker.bootstrap(), props.apply("a"), List.of(topic), ownership);
            members.put("a", again);
            GroupTests.await("the restarted static member to get its partitions back", GroupTests.CONVERGE,
                    () -> again.assignment().equals(assignment.get("a")), () -> members + "; callbacks:" + ownership);
            assertThat(System.nanoTime() - closedAt).as("back within the session timeout")
                    .isLessThan(TimeUnit.MILLISECONDS.toNanos(SESSION_TIMEOUT_MS - 1000));
            awaitConverged(admin, group, new ArrayList<>(members.values()), all, "a restarted");
            assertThat(members.get("b").assignment()).isEqualTo(assignment.get("b"));
            assertThat(ownership.eventsOf("b")).as("callbacks of b while a restarted; all:%s", ownership).hasSize(bCallbacks);
            assertThat(members.get("b").generation()).as("b's member epoch").isEqualTo(bEpoch);
            assertThat(byInstance(describe(admin, group))).isEqualTo(assignment);
        } finally {
            members.values().forEach(GroupMember::close);
        }
        assertThat(ownership.violations()).as("callbacks:%s", ownership).isEmpty();
        for (GroupMember m : members.values()) assertThat(m.errors()).as("errors of %s", m.name()).isEmpty();
    }
}
