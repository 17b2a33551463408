package io.runnel.it.group;

import io.runnel.it.Clients;
import io.runnel.it.TestBroker;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.ConsumerGroupState;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static io.runnel.it.group.GroupTests.CONVERGE;
import static io.runnel.it.group.GroupTests.await;
import static io.runnel.it.group.GroupTests.committed;
import static io.runnel.it.group.GroupTests.consumerProps;
import static io.runnel.it.group.GroupTests.describedAssignments;
import static io.runnel.it.group.GroupTests.partitions;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Group consumers that are not kafka-clients, both on librdkafka: kcat's balanced consumer ({@code -G}),
 * alone and together with a second kcat and a Java consumer in one group, and a confluent-kafka-python
 * consumer (src/test/resources/group_consumer.py, run with /usr/bin/python3, where Debian's
 * python3-confluent-kafka lives). Each consumes every record exactly once and leaves its commits in the group.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
@SuppressWarnings("deprecation") // ConsumerGroupDescription.state(): groupState() does not exist in 3.9
class GroupClientsIT {
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

    /** Produces "p<partition>-<i>" for i in [from, to) to every partition; returns the values. */
    private static List<String> produceText(String topic, int partitions, int from, int to) throws Exception {
        List<String> values = new ArrayList<>();
        try (KafkaProducer<byte[], byte[]> p = Clients.producer(broker.bootstrap())) {
            List<Future<?>> fs = new ArrayList<>();
            for (int i = from; i < to; i++) {
                for (int part = 0; part < partitions; part++) {
                    String v = "p" + part + "-" + i;
                    values.add(v);
                    fs.add(p.send(new ProducerRecord<>(topic, part, null, v.getBytes(StandardCharsets.UTF_8))));
                }
            }
            p.flush();
            for (Future<?> f : fs) f.get(30, TimeUnit.SECONDS);
        }
        return values;
    }

    private static String executable(String... candidates) {
        for (String c : candidates) {
            if (c.startsWith("/")) {
                if (new File(c).canExecute()) return c;
                continue;
            }
            for (String d : System.getenv().getOrDefault("PATH", "/usr/bin:/usr/local/bin").split(File.pathSeparator)) {
                File f = new File(d, c);
                if (f.canExecute()) return f.getPath();
            }
        }
        throw new AssertionError("none of " + List.of(candidates) + " is installed (.ci/run installs kcat and python3-confluent-kafka)");
    }

    /** A running kcat balanced consumer; its stdout lines are collected as they come. */
    static final class Kcat implements AutoCloseable {
        final Process process;
        final List<String> lines = new CopyOnWriteArrayList<>();
        final Path err;

        Kcat(String group, String clientId, String topic) throws IOException {
            err = Files.createTempFile(dir, "kcat-" + clientId, ".err");
            List<String> cmd = List.of(executable("kcat", "kafkacat"), "-b", broker.bootstrap(), "-u", "-G", group, "-o", "beginning",
                    "-X", "client.id=" + clientId, "-X", "session.timeout.ms=6000", "-X", "heartbeat.interval.ms=500",
                    "-f", "%p %o %s\\n", topic);
            process = new ProcessBuilder(cmd).redirectError(err.toFile()).start();
            Thread reader = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String line; (line = r.readLine()) != null; ) lines.add(line);
                } catch (IOException e) {
                    // exited
                }
            }, "kcat-out-" + clientId);
            reader.setDaemon(true);
            reader.start();
        }

        String stderr() {
            try {
                return Files.readString(err);
            } catch (IOException e) {
                return "?";
            }
        }

        /** SIGTERM: kcat closes its consumer, which commits the consumed offsets and leaves the group. */
        void stop() throws InterruptedException {
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("kcat did not stop on SIGTERM; stderr:\n" + stderr());
            }
        }

        @Override
        public void close() throws InterruptedException {
            if (process.isAlive()) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    private static void assertCommittedAtEnd(String group, List<TopicPartition> tps) {
        Map<TopicPartition, Long> ends = GroupTests.endOffsets(admin, tps);
        java.util.concurrent.atomic.AtomicReference<Map<TopicPartition, OffsetAndMetadata>> c = new java.util.concurrent.atomic.AtomicReference<>();
        // librdkafka commits on close; the commit is acknowledged before the process exits, so no waiting is needed,
        // but the check is repeated briefly in case of an asynchronous commit still in flight at exit
        await("group " + group + " committed at the log end " + ends, java.time.Duration.ofSeconds(10), () -> {
            c.set(committed(admin, group));
            for (TopicPartition tp : tps) {
                OffsetAndMetadata om = c.get().get(tp);
                if (om == null || om.offset() != ends.get(tp)) return false;
            }
            return true;
        }, () -> "committed " + c.get());
    }

    @Test
    void kcatBalancedConsumerReadsEverything() throws Exception {
        String topic = "kcat-group", group = "kcat-group";
        broker.createTopic(topic, 4);
        List<String> values = produceText(topic, 4, 0, 50);
        try (Kcat kcat = new Kcat(group, "kcat-1", topic)) {
            await("kcat to print " + values.size() + " records", CONVERGE, () -> kcat.lines.size() >= values.size(),
                    () -> kcat.lines.size() + " lines; alive " + kcat.process.isAlive() + "; stderr:\n" + kcat.stderr());
            ConsumerGroupDescription d = GroupTests.describe(admin, group);
            assertThat(d.state()).isEqualTo(ConsumerGroupState.STABLE);
            assertThat(d.members()).singleElement().satisfies(m -> {
                assertThat(m.clientId()).isEqualTo("kcat-1");
                assertThat(m.assignment().topicPartitions()).containsExactlyInAnyOrderElementsOf(partitions(topic, 4));
            });
            kcat.stop();
            List<String> got = kcat.lines.stream().map(l -> l.split(" ", 3)[2]).toList();
            assertThat(got).as("what kcat consumed").containsExactlyInAnyOrderElementsOf(values);
            for (String l : kcat.lines) {
                String[] f = l.split(" ", 3);
                assertThat(f[2]).as("partition and offset of %s", l).isEqualTo("p" + f[0] + "-" + f[1]);
            }
        }
        assertCommittedAtEnd(group, partitions(topic, 4));
        assertThat(GroupTests.describe(admin, group).state()).as("kcat left the group").isEqualTo(ConsumerGroupState.EMPTY);
    }

    /**
     * Two kcat processes and a Java consumer in one group (librdkafka and kafka-clients agree on the "range"
     * protocol): the partitions are split among the three, every record arrives exactly once, each member gets
     * only its own partitions' records.
     */
    @Test
    void kcatAndJavaConsumersShareAGroup() throws Exception {
        String topic = "kcat-mixed", group = "kcat-mixed";
        int partitions = 6;
        broker.createTopic(topic, partitions);
        List<TopicPartition> all = partitions(topic, partitions);
        Map<String, AtomicInteger> javaGot = new ConcurrentHashMap<>();
        GroupMember.Ownership ownership = new GroupMember.Ownership();
        GroupMember javaMember = GroupMember.start("java-1", broker.bootstrap(), consumerProps(group, "classic", "range"), List.of(topic), ownership,
                (m, r) -> javaGot.computeIfAbsent(new String(r.value(), StandardCharsets.UTF_8), k -> new AtomicInteger()).incrementAndGet(), false);
        try (Kcat k1 = new Kcat(group, "kcat-1", topic); Kcat k2 = new Kcat(group, "kcat-2", topic)) {
            ConsumerGroupDescription[] last = {null};
            await("three members with the partitions split", CONVERGE, () -> {
                ConsumerGroupDescription d = GroupTests.describeOrNull(admin, group);
                last[0] = d;
                if (d == null || d.state() != ConsumerGroupState.STABLE || d.members().size() != 3) return false;
                Map<String, Set<TopicPartition>> a = describedAssignments(d);
                return GroupTests.isExactCover(a, all) && a.values().stream().noneMatch(Set::isEmpty)
                        && javaMember.assignment().equals(a.get(javaMember.memberId()));
            }, () -> last[0] + "; java " + javaMember + "; kcat stderr:\n" + k1.stderr() + "\n" + k2.stderr());
            Map<String, Set<TopicPartition>> byClient = new HashMap<>();
            for (MemberDescription md : last[0].members()) byClient.put(md.clientId(), Set.copyOf(md.assignment().topicPartitions()));

            List<String> values = produceText(topic, partitions, 0, 40);
            await("all records consumed by the three", CONVERGE, () -> k1.lines.size() + k2.lines.size()
                    + javaGot.values().stream().mapToInt(AtomicInteger::get).sum() >= values.size(), () -> k1.lines.size() + " + " + k2.lines.size() + " + " + javaGot.size());
            k1.stop();
            k2.stop();
            javaMember.close();

            List<String> got = new ArrayList<>();
            for (Kcat k : List.of(k1, k2)) {
                String client = k == k1 ? "kcat-1" : "kcat-2";
                Set<Integer> own = new HashSet<>();
                byClient.get(client).forEach(tp -> own.add(tp.partition()));
                for (String l : k.lines) {
                    String[] f = l.split(" ", 3);
                    assertThat(own).as("%s printed %s from a partition it does not own", client, l).contains(Integer.parseInt(f[0]));
                    got.add(f[2]);
                }
            }
            javaGot.forEach((v, n) -> {
                for (int i = 0; i < n.get(); i++) got.add(v);
            });
            assertThat(got).as("records consumed by the group, each exactly once").containsExactlyInAnyOrderElementsOf(values);
            assertThat(k1.lines).isNotEmpty();
            assertThat(k2.lines).isNotEmpty();
            assertThat(javaGot).isNotEmpty();
        } finally {
            javaMember.close();
        }
        assertThat(javaMember.errors()).isEmpty();
        // the kcats committed their partitions on close; the Java member did not commit, so look at the kcats' only
        Map<TopicPartition, OffsetAndMetadata> c = committed(admin, group);
        Map<TopicPartition, Long> ends = GroupTests.endOffsets(admin, all);
        long kcatCommitted = c.entrySet().stream().filter(e -> e.getValue() != null && e.getValue().offset() == ends.get(e.getKey())).count();
        assertThat(kcatCommitted).as("partitions committed at the end by the kcats: %s", c).isGreaterThanOrEqualTo(2);
    }

    @Test
    void confluentKafkaPythonGroupConsumer() throws Exception {
        String python = executable("/usr/bin/python3");
        Path script = Path.of(GroupClientsIT.class.getResource("/group_consumer.py").toURI());
        String topic = "python-group", group = "python-group";
        broker.createTopic(topic, 3);
        List<String> first = produceText(topic, 3, 0, 50);

        List<String> out = runPython(python, script, group, topic, first.size());
        assertThat(out).contains("count=" + first.size());
        Map<TopicPartition, Long> endsAfterFirst = GroupTests.endOffsets(admin, partitions(topic, 3));
        assertThat(recordValues(out)).containsExactlyInAnyOrderElementsOf(first);
        assertCommittedAtEnd(group, partitions(topic, 3));

        // the next run of the group resumes at the committed offsets: only the new records
        List<String> second = produceText(topic, 3, 50, 60);
        List<String> out2 = runPython(python, script, group, topic, second.size());
        assertThat(out2).contains("count=" + second.size());
        assertThat(recordValues(out2)).containsExactlyInAnyOrderElementsOf(second);
        for (String l : out2) {
            if (!l.startsWith("R ")) continue;
            String[] f = l.split(" ");
            assertThat(Long.parseLong(f[2])).as("offset of %s", l).isGreaterThanOrEqualTo(endsAfterFirst.get(new TopicPartition(topic, Integer.parseInt(f[1]))));
        }
        assertCommittedAtEnd(group, partitions(topic, 3));
    }

    private static List<String> recordValues(List<String> out) {
        List<String> vs = new ArrayList<>();
        for (String l : out) {
            if (!l.startsWith("R ")) continue;
            String hex = l.split(" ")[3];
            byte[] b = java.util.HexFormat.of().parseHex(hex);
            vs.add(new String(b, StandardCharsets.UTF_8));
        }
        return vs;
    }

    private static List<String> runPython(String python, Path script, String group, String topic, int count) throws Exception {
        Path outFile = Files.createTempFile(dir, "py", ".out");
        Path errFile = Files.createTempFile(dir, "py", ".err");
        Process p = new ProcessBuilder(python, script.toString(), broker.bootstrap(), group, topic, Integer.toString(count), "45")
                .redirectOutput(outFile.toFile()).redirectError(errFile.toFile()).start();
        try {
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                throw new AssertionError("the python consumer did not finish in 60 s; stderr:\n" + Files.readString(errFile));
            }
        } finally {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
        List<String> out = Files.readAllLines(outFile);
        assertThat(p.exitValue()).as("exit status of the python consumer; stdout tail %s; stderr:\n%s",
                out.subList(Math.max(0, out.size() - 3), out.size()), Files.readString(errFile)).isZero();
        return out;
    }
}
