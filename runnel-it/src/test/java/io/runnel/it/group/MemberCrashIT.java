package io.runnel.it.group;

import io.runnel.it.Clients;
import io.runnel.it.TestBroker;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.common.ConsumerGroupState;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static io.runnel.it.group.GroupTests.CONVERGE;
import static io.runnel.it.group.GroupTests.HEARTBEAT_INTERVAL_MS;
import static io.runnel.it.group.GroupTests.SESSION_TIMEOUT_MS;
import static io.runnel.it.group.GroupTests.await;
import static io.runnel.it.group.GroupTests.awaitConverged;
import static io.runnel.it.group.GroupTests.consumerProps;
import static io.runnel.it.group.GroupTests.describe;
import static io.runnel.it.group.GroupTests.describedAssignments;
import static io.runnel.it.group.GroupTests.partitions;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A member process killed (SIGKILL: no LeaveGroup, no close, its connections reset): the coordinator notices
 * only through the missing heartbeats, so after the session timeout, not before, its partitions go to the
 * survivors. With the classic protocol the killed member is the group leader (it joined first), so a survivor
 * must take over the assignment too.
 */
// classic-protocol member loss: 3.9 and 4.1 (4.4 takes 4.1's path)
@EnabledIfSystemProperty(named = "it.kafka.clients.version", matches = "(3\\.9|4\\.1)\\..*")
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class MemberCrashIT {
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

    /** A {@link GroupMemberMain} JVM; its stdout lines are collected. */
    static final class MemberProcess implements AutoCloseable {
        final Process process;
        final List<String> lines = new CopyOnWriteArrayList<>();
        final Path log;

        MemberProcess(String group, String clientId, String topic, String protocol, Path log) throws IOException {
            this.log = log;
            List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx128m",
                    "-cp", System.getProperty("java.class.path"), GroupMemberMain.class.getName(),
                    broker.bootstrap(), group, clientId, Integer.toString(SESSION_TIMEOUT_MS), topic, protocol);
            process = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.to(log.toFile())).start();
            Thread reader = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String line; (line = r.readLine()) != null; ) lines.add(line);
                } catch (IOException e) {
                    // the process died
                }
            }, "member-process-out");
            reader.setDaemon(true);
            reader.start();
        }

        String state() {
            String err;
            try {
                err = Files.exists(log) ? Files.readString(log) : "";
            } catch (IOException e) {
                err = "?";
            }
            return "alive=" + process.isAlive() + ", stdout=" + lines + ", stderr tail=" + err.substring(Math.max(0, err.length() - 3000));
        }

        void kill() throws InterruptedException {
            process.destroyForcibly();
            assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("the member process died").isTrue();
        }

        @Override
        public void close() throws InterruptedException {
            if (process.isAlive()) kill();
        }
    }

    /**
     * With the classic protocol and, with kafka-clients 4.x only (3.9 lacks it; an assumption skips that case),
     * the KIP-848 consumer protocol, whose session timeout is the broker's group.consumer.session.timeout.ms.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"classic", "consumer"})
    @SuppressWarnings("deprecation") // ConsumerGroupDescription.state(): groupState() does not exist in 3.9
    void killedMembersPartitionsGoToTheSurvivorAfterTheSessionTimeout(String protocol) throws Exception {
        if (protocol.equals("consumer")) {
            org.junit.jupiter.api.Assumptions.assumeTrue(GroupTests.clientSupportsConsumerProtocol(),
                    "group.protocol=consumer needs kafka-clients 4.x; this run uses " + Clients.kafkaVersion());
        }
        String group = "crash-" + protocol;
        String topic = "crash-" + protocol;
        broker.createTopic(topic, 6);
        List<TopicPartition> all = partitions(topic, 6);
        GroupMember.Ownership ownership = new GroupMember.Ownership();
        GroupMember survivor = null;
        try (MemberProcess victim = new MemberProcess(group, "victim", topic, protocol, dir.resolve("victim-" + protocol + ".log"))) {
            // the victim joins first and leads the group
            await("the member process to own every partition", CONVERGE, () -> {
                ConsumerGroupDescription d = GroupTests.describeOrNull(admin, group);
                return d != null && d.state() == ConsumerGroupState.STABLE && d.members().size() == 1
                        && d.members().iterator().next().assignment().topicPartitions().size() == all.size();
            }, victim::state);

            survivor = GroupMember.start("survivor", broker.bootstrap(), consumerProps(group, protocol, "range"), List.of(topic), ownership);
            GroupMember s = survivor;
            ConsumerGroupDescription[] last = {null};
            await("the group to settle with the process and the survivor", CONVERGE, () -> {
                ConsumerGroupDescription d = describe(admin, group);
                last[0] = d;
                if (d.state() != ConsumerGroupState.STABLE || d.members().size() != 2) return false;
                Map<String, Set<TopicPartition>> described = describedAssignments(d);
                return GroupTests.isExactCover(described, all) && s.assignment().equals(described.get(s.memberId()))
                        && !s.assignment().isEmpty() && s.assignment().size() < all.size();
            }, () -> "described " + last[0] + "; survivor " + s + "; process " + victim.state());
            MemberDescription victimMember = last[0].members().stream().filter(m -> m.clientId().equals("victim")).findFirst().orElseThrow();
            Set<TopicPartition> victimPartitions = Set.copyOf(victimMember.assignment().topicPartitions());
            assertThat(victimPartitions).isNotEmpty();
            // DescribeGroups shows the assignment once the leader's SyncGroup lands; the process prints it only
            // when its own SyncGroup (or, with KIP-848, its next heartbeat) returns, so wait for that line
            String expectedSuffix = " " + String.join(",", victimPartitions.stream().map(TopicPartition::toString).sorted().toList());
            await("the process to report the assignment DescribeGroups shows", CONVERGE,
                    () -> victim.lines.stream().anyMatch(l -> l.endsWith(expectedSuffix)), victim::state);

            long killedAt = System.nanoTime();
            victim.kill();
            awaitConverged(admin, group, List.of(survivor), all, "the survivor alone after the kill");
            long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt);
            System.out.printf("partitions of the killed member moved after %d ms (session timeout %d ms)%n", tookMs, SESSION_TIMEOUT_MS);
            // the last heartbeat of the victim was at most one heartbeat interval before the kill
            assertThat(tookMs).as("ms until the killed member's partitions moved: only its session timeout may remove it")
                    .isGreaterThanOrEqualTo(SESSION_TIMEOUT_MS - HEARTBEAT_INTERVAL_MS - 1000);
            assertThat(survivor.assignment()).containsAll(victimPartitions);
            ConsumerGroupDescription d = describe(admin, group);
            assertThat(d.members()).extracting(MemberDescription::clientId).containsExactly("survivor");
        } finally {
            if (survivor != null) survivor.close();
        }
        assertThat(survivor.errors()).isEmpty();
        assertThat(ownership.violations()).isEmpty();
    }

    /** Two of three members die at once; the last one gets everything, with the same session-timeout rule. */
    @Test
    void twoMembersKilledAtOnce() throws Exception {
        String group = "crash-two";
        String topic = "crash-two";
        broker.createTopic(topic, 5);
        List<TopicPartition> all = partitions(topic, 5);
        GroupMember.Ownership ownership = new GroupMember.Ownership();
        GroupMember survivor = GroupMember.start("survivor", broker.bootstrap(), consumerProps(group, "classic", "range"), List.of(topic), ownership);
        List<MemberProcess> victims = new ArrayList<>();
        try {
            awaitConverged(admin, group, List.of(survivor), all, "survivor alone");
            for (int i = 1; i <= 2; i++) victims.add(new MemberProcess(group, "victim-" + i, topic, "classic", dir.resolve("victim-" + i + ".log")));
            await("three members", CONVERGE, () -> {
                ConsumerGroupDescription d = describe(admin, group);
                @SuppressWarnings("deprecation")
                boolean stable = d.state() == ConsumerGroupState.STABLE;
                return stable && d.members().size() == 3 && GroupTests.isExactCover(describedAssignments(d), all)
                        && survivor.assignment().equals(describedAssignments(d).get(survivor.memberId()));
            }, () -> victims.stream().map(MemberProcess::state).toList().toString());
            assertThat(survivor.assignment().size()).isLessThan(all.size());
            long killedAt = System.nanoTime();
            for (MemberProcess v : victims) v.kill();
            awaitConverged(admin, group, List.of(survivor), all, "the survivor alone after the kills");
            long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt);
            assertThat(tookMs).isGreaterThanOrEqualTo(SESSION_TIMEOUT_MS - HEARTBEAT_INTERVAL_MS - 1000);
        } finally {
            for (MemberProcess v : victims) v.close();
            survivor.close();
        }
        assertThat(survivor.errors()).isEmpty();
        assertThat(ownership.violations()).isEmpty();
    }
}
