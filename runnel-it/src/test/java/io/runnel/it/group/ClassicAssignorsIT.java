package io.runnel.it.group;

import io.runnel.it.Clients;
import io.runnel.it.TestBroker;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static io.runnel.it.group.GroupTests.awaitConverged;
import static io.runnel.it.group.GroupTests.consumerProps;
import static io.runnel.it.group.GroupTests.partitions;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The classic protocol with kafka-clients consumers using subscribe(): groups growing from one to four members
 * and shrinking back, with each of the client-side assignors. After every change the group must settle with
 * every partition owned by exactly one member (as the consumers see it and as DescribeGroups reports it), in
 * a balanced assignment, and at no moment may two members own a partition (checked from the rebalance
 * callbacks). With cooperative-sticky, a member that keeps partitions must not have them revoked.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ClassicAssignorsIT {
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

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"range", "roundrobin", "sticky", "cooperative-sticky"})
    void membersJoinAndLeave(String assignor) {
        String group = "join-leave-" + assignor;
        String topicA = "assign-" + assignor + "-a";
        String topicB = "assign-" + assignor + "-b";
        broker.createTopic(topicA, 7);
        broker.createTopic(topicB, 3);
        List<TopicPartition> all = new ArrayList<>(partitions(topicA, 7));
        all.addAll(partitions(topicB, 3));
        Map<String, Object> props = consumerProps(group, "classic", assignor);
        GroupMember.Ownership ownership = new GroupMember.Ownership();
        List<GroupMember> members = new ArrayList<>();
        try {
            for (int i = 1; i <= 4; i++) {
                members.add(GroupMember.start(assignor + "-m" + i, broker.bootstrap(), props, List.of(topicA, topicB), ownership));
                Map<String, Set<TopicPartition>> a = awaitConverged(admin, group, members, all, "after member " + i + " joined");
                assertBalanced(assignor, a, topicA, topicB);
            }
            // leave in an order that takes away the first member (the leader) early
            for (int idx : new int[]{0, 2, 1}) {
                GroupMember leaving = members.get(idx);
                leaving.close();
                assertThat(leaving.errors()).as("errors of %s", leaving.name()).isEmpty();
                members.remove(idx);
                Map<String, Set<TopicPartition>> a = awaitConverged(admin, group, members, all, "after " + leaving.name() + " left");
                assertBalanced(assignor, a, topicA, topicB);
            }
            assertThat(members).hasSize(1);
            assertThat(members.get(0).assignment()).containsExactlyInAnyOrderElementsOf(all);
        } finally {
            members.forEach(GroupMember::close);
        }
        assertThat(ownership.violations()).as("moments with two owners of a partition; callbacks:%s", ownership).isEmpty();
        for (GroupMember m : members) assertThat(m.errors()).as("errors of %s", m.name()).isEmpty();
    }

    private static void assertBalanced(String assignor, Map<String, Set<TopicPartition>> a, String topicA, String topicB) {
        if (assignor.equals("range")) {
            // range balances each topic on its own
            for (String t : List.of(topicA, topicB)) {
                List<Long> counts = a.values().stream().map(s -> s.stream().filter(tp -> tp.topic().equals(t)).count()).toList();
                assertThat(counts.stream().mapToLong(Long::longValue).max().orElse(0) - counts.stream().mapToLong(Long::longValue).min().orElse(0))
                        .as("range: partitions of %s per member in %s", t, a).isLessThanOrEqualTo(1);
            }
        } else {
            List<Integer> counts = a.values().stream().map(Set::size).toList();
            assertThat(counts.stream().mapToInt(Integer::intValue).max().orElse(0) - counts.stream().mapToInt(Integer::intValue).min().orElse(0))
                    .as("%s: partitions per member in %s", assignor, a).isLessThanOrEqualTo(1);
        }
    }

    /**
     * Incremental rebalancing: with cooperative-sticky, when a member joins, the members already in the group
     * give up only the partitions that move to the newcomer and keep the others without a revocation. The
     * same scenario with the eager sticky assignor is the control: there every member gives up everything at
     * each rebalance, so the check below is shown to tell the two apart.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"cooperative-sticky", "sticky"})
    void incrementalRebalanceRevokesOnlyWhatMoves(String assignor) {
        String group = "incremental-" + assignor;
        String topic = "incremental-" + assignor;
        broker.createTopic(topic, 6);
        List<TopicPartition> all = partitions(topic, 6);
        Map<String, Object> props = consumerProps(group, "classic", assignor);
        GroupMember.Ownership ownership = new GroupMember.Ownership();
        List<GroupMember> members = new ArrayList<>();
        boolean cooperative = assignor.equals("cooperative-sticky");
        try {
            members.add(GroupMember.start("m1", broker.bootstrap(), props, List.of(topic), ownership));
            Map<String, Set<TopicPartition>> before = awaitConverged(admin, group, members, all, "m1 alone");
            for (int i = 2; i <= 3; i++) {
                int mark = ownership.events().size();
                members.add(GroupMember.start("m" + i, broker.bootstrap(), props, List.of(topic), ownership));
                Map<String, Set<TopicPartition>> after = awaitConverged(admin, group, members, all, "after m" + i + " joined");
                Set<TopicPartition> newcomer = after.get("m" + i);
                assertThat(newcomer).as("partitions of the new member m%d", i).isNotEmpty();
                for (String old : before.keySet()) {
                    Set<TopicPartition> kept = new HashSet<>(before.get(old));
                    kept.retainAll(after.get(old));
                    Set<TopicPartition> revoked = new HashSet<>();
                    ownership.events().subList(mark, ownership.events().size()).stream()
                            .filter(e -> e.member().equals(old) && e.kind() == GroupMember.Kind.REVOKED)
                            .forEach(e -> revoked.addAll(e.partitions()));
                    Set<TopicPartition> moved = new HashSet<>(before.get(old));
                    moved.removeAll(after.get(old));
                    assertThat(after.get(old)).as("%s keeps a subset of its partitions (sticky)", old).isSubsetOf(before.get(old));
                    assertThat(kept).as("%s keeps some partitions", old).isNotEmpty();
                    if (cooperative) {
                        assertThat(revoked).as("cooperative: %s revoked exactly the partitions that moved away; callbacks:%s", old, ownership)
                                .isEqualTo(moved);
                        assertThat(moved).as("moved from %s to the newcomer", old).isSubsetOf(newcomer);
                    } else {
                        assertThat(revoked).as("eager: %s revoked everything it held, also what it kept; callbacks:%s", old, ownership)
                                .containsAll(before.get(old));
                    }
                }
                before = after;
            }
        } finally {
            members.forEach(GroupMember::close);
        }
        assertThat(ownership.violations()).as("moments with two owners of a partition; callbacks:%s", ownership).isEmpty();
        for (GroupMember m : members) assertThat(m.errors()).as("errors of %s", m.name()).isEmpty();
    }
}
