package io.runnel.it.group;

import io.runnel.it.Clients;
import io.runnel.it.TestBroker;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static io.runnel.it.group.GroupTests.awaitConverged;
import static io.runnel.it.group.GroupTests.consumerProps;
import static io.runnel.it.group.GroupTests.partitions;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A burst of joins and leaves must never wedge a group: four threads create consumers in one group, poll a
 * random short while (often leaving in the middle of a rebalance), and close them, some politely (LeaveGroup),
 * some with a zero close timeout, for a few seconds. Afterwards one final member must get every partition in
 * bounded time (members that vanished without leaving expire after the session timeout). Classic protocol
 * with eager and cooperative assignors and, with kafka-clients 4.x only (3.9 lacks it; an assumption skips that
 * case), the consumer protocol.
 */
// broker-side behaviour: one client generation (runnel-it's) is enough
@EnabledIfSystemProperty(named = "it.kafka.clients.version", matches = "4\\.1\\..*")
@Timeout(value = 150, unit = TimeUnit.SECONDS)
class GroupChurnIT {
    private static final int PARTITIONS = 6;
    private static final long CHURN_MS = 5_000;

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
    @ValueSource(strings = {"classic/range", "classic/cooperative-sticky", "consumer"})
    void burstOfJoinsAndLeavesDoesNotWedgeTheGroup(String mode) throws Exception {
        String protocol = mode.startsWith("classic") ? "classic" : "consumer";
        String assignor = protocol.equals("classic") ? mode.substring("classic/".length()) : null;
        if (protocol.equals("consumer")) {
            Assumptions.assumeTrue(GroupTests.clientSupportsConsumerProtocol(),
                    "group.protocol=consumer needs kafka-clients 4.x; this run uses " + Clients.kafkaVersion());
        }
        String name = "churn-" + mode.replace('/', '-');
        String topic = name, group = name;
        broker.createTopic(topic, PARTITIONS);
        GroupTests.produce(broker.bootstrap(), topic, PARTITIONS, 20);
        List<TopicPartition> all = partitions(topic, PARTITIONS);
        Map<String, Object> props = consumerProps(group, protocol, assignor);

        ConcurrentLinkedQueue<Throwable> unexpected = new ConcurrentLinkedQueue<>();
        AtomicInteger created = new AtomicInteger();
        long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CHURN_MS);
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            int id = t;
            Thread th = new Thread(() -> {
                Random random = new Random(id);
                while (System.nanoTime() < until) {
                    Map<String, Object> p = new HashMap<>(props);
                    p.put("client.id", name + "-churner-" + id + "-" + created.incrementAndGet());
                    KafkaConsumer<byte[], byte[]> c = Clients.consumer(broker.bootstrap(), p);
                    try {
                        c.subscribe(List.of(topic));
                        long pollFor = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(random.nextInt(1500));
                        do {
                            c.poll(Duration.ofMillis(50));
                        } while (System.nanoTime() < pollFor);
                    } catch (Throwable e) {
                        unexpected.add(e);
                    } finally {
                        try {
                            c.close(random.nextInt(4) == 0 ? Duration.ZERO : Duration.ofSeconds(10));
                        } catch (Throwable e) {
                            unexpected.add(e);
                        }
                    }
                }
            }, "churner-" + t);
            th.setDaemon(true);
            th.start();
            threads.add(th);
        }
        for (Thread th : threads) {
            th.join(TimeUnit.SECONDS.toMillis(60));
            assertThat(th.isAlive()).as("%s finished", th.getName()).isFalse();
        }
        assertThat(unexpected).as("exceptions thrown to the churning consumers").isEmpty();
        System.out.printf("%s: %d consumers came and went in %d ms%n", mode, created.get(), CHURN_MS);

        // now one member: it must end up alone with every partition (members closed without LeaveGroup expire
        // after the session timeout; CONVERGE is well above that plus a rebalance)
        GroupMember.Ownership ownership = new GroupMember.Ownership();
        AtomicInteger consumed = new AtomicInteger();
        GroupMember last = GroupMember.start(name + "-final", broker.bootstrap(), props, List.of(topic), ownership, (m, r) -> consumed.incrementAndGet(), false);
        try {
            long start = System.nanoTime();
            awaitConverged(admin, group, List.of(last), all, "the final member alone after the burst");
            System.out.printf("%s: the final member had every partition after %d ms%n", mode, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
            GroupTests.await("the final member to consume", GroupTests.CONVERGE, () -> consumed.get() > 0);
        } finally {
            last.close();
        }
        assertThat(last.errors()).isEmpty();
    }
}
