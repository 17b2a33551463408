package io.runnel.it;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterClientQuotasOptions;
import org.apache.kafka.clients.admin.CreatePartitionsOptions;
import org.apache.kafka.clients.admin.CreateTopicsOptions;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.errors.ThrottlingQuotaExceededException;
import org.apache.kafka.common.quota.ClientQuotaAlteration;
import org.apache.kafka.common.quota.ClientQuotaEntity;
import org.apache.kafka.common.quota.ClientQuotaFilter;
import org.apache.kafka.common.quota.ClientQuotaFilterComponent;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * Client quotas (issue 11 part 4) with kafka-clients over real sockets: Admin.alterClientQuotas /
 * describeClientQuotas (entity combinations, defaults, filters, removal, Kafka's validation errors, validate_only),
 * kept in the metadata log across a restart; producer_byte_rate and consumer_byte_rate show as the clients'
 * produce-/fetch-throttle-time metrics; controller_mutation_rate refuses CreateTopics/CreatePartitions/DeleteTopics
 * with THROTTLING_QUOTA_EXCEEDED. No timing is asserted.
 */
@Timeout(value = 150, unit = TimeUnit.SECONDS)
// broker-side quota logic through the Admin API and the clients' throttle metrics, which every generation shares:
// runnel-it's generation is enough (keeps CI short)
@org.junit.jupiter.api.condition.EnabledIfSystemProperty(named = "it.kafka.clients.version", matches = "4\\.1\\..*")
class ClientQuotasIT {
    @TempDir
    static Path dir;
    static TestBroker broker;
    static Admin admin;

    @BeforeAll
    static void start() {
        broker = TestBroker.start(dir.resolve("broker"));
        admin = Clients.admin(broker.bootstrap());
    }

    @AfterAll
    static void stop() {
        if (admin != null) admin.close();
        if (broker != null) broker.close();
    }

    static ClientQuotaEntity entity(String... typeAndName) {
        Map<String, String> m = new HashMap<>();
        for (int i = 0; i < typeAndName.length; i += 2) m.put(typeAndName[i], typeAndName[i + 1]);
        return new ClientQuotaEntity(m);
    }

    static void alter(Admin a, ClientQuotaEntity e, String key, Double value) throws Exception {
        a.alterClientQuotas(List.of(new ClientQuotaAlteration(e, List.of(new ClientQuotaAlteration.Op(key, value)))))
                .all().get(30, TimeUnit.SECONDS);
    }

    static Map<ClientQuotaEntity, Map<String, Double>> describe(Admin a, ClientQuotaFilter f) throws Exception {
        return a.describeClientQuotas(f).entities().get(30, TimeUnit.SECONDS);
    }

    @Test
    void quotasOfEveryEntityKindAreSetDescribedAndRemoved() throws Exception {
        ClientQuotaEntity alice = entity(ClientQuotaEntity.USER, "q-alice");
        ClientQuotaEntity aliceApp = entity(ClientQuotaEntity.USER, "q-alice", ClientQuotaEntity.CLIENT_ID, "q-app");
        ClientQuotaEntity aliceDefaultClient = entity(ClientQuotaEntity.USER, "q-alice", ClientQuotaEntity.CLIENT_ID, null);
        ClientQuotaEntity defaultUser = entity(ClientQuotaEntity.USER, null);
        ClientQuotaEntity app = entity(ClientQuotaEntity.CLIENT_ID, "q-app");
        ClientQuotaEntity ip = entity(ClientQuotaEntity.IP, "10.9.8.7");
        ClientQuotaEntity defaultIp = entity(ClientQuotaEntity.IP, null);
        admin.alterClientQuotas(List.of(
                new ClientQuotaAlteration(alice, List.of(new ClientQuotaAlteration.Op("producer_byte_rate", 1024.0),
                        new ClientQuotaAlteration.Op("consumer_byte_rate", 2048.0))),
                new ClientQuotaAlteration(aliceApp, List.of(new ClientQuotaAlteration.Op("request_percentage", 12.5))),
                new ClientQuotaAlteration(aliceDefaultClient, List.of(new ClientQuotaAlteration.Op("producer_byte_rate", 512.0))),
                new ClientQuotaAlteration(defaultUser, List.of(new ClientQuotaAlteration.Op("controller_mutation_rate", 1000.0))),
                new ClientQuotaAlteration(app, List.of(new ClientQuotaAlteration.Op("producer_byte_rate", 4096.0))),
                new ClientQuotaAlteration(ip, List.of(new ClientQuotaAlteration.Op("connection_creation_rate", 5.0))),
                new ClientQuotaAlteration(defaultIp, List.of(new ClientQuotaAlteration.Op("connection_creation_rate", 100.0)))))
                .all().get(30, TimeUnit.SECONDS);

        Map<ClientQuotaEntity, Map<String, Double>> all = describe(admin, ClientQuotaFilter.all());
        assertThat(all).containsEntry(alice, Map.of("producer_byte_rate", 1024.0, "consumer_byte_rate", 2048.0))
                .containsEntry(aliceApp, Map.of("request_percentage", 12.5))
                .containsEntry(aliceDefaultClient, Map.of("producer_byte_rate", 512.0))
                .containsEntry(defaultUser, Map.of("controller_mutation_rate", 1000.0))
                .containsEntry(app, Map.of("producer_byte_rate", 4096.0))
                .containsEntry(ip, Map.of("connection_creation_rate", 5.0))
                .containsEntry(defaultIp, Map.of("connection_creation_rate", 100.0));

        // exact user, not strict: every entity with that user; strict: only the user alone
        assertThat(describe(admin, ClientQuotaFilter.contains(List.of(ClientQuotaFilterComponent.ofEntity(ClientQuotaEntity.USER, "q-alice")))))
                .containsOnlyKeys(alice, aliceApp, aliceDefaultClient);
        assertThat(describe(admin, ClientQuotaFilter.containsOnly(List.of(ClientQuotaFilterComponent.ofEntity(ClientQuotaEntity.USER, "q-alice")))))
                .containsOnlyKeys(alice);
        // user + default client id
        assertThat(describe(admin, ClientQuotaFilter.containsOnly(List.of(ClientQuotaFilterComponent.ofEntity(ClientQuotaEntity.USER, "q-alice"),
                ClientQuotaFilterComponent.ofDefaultEntity(ClientQuotaEntity.CLIENT_ID))))).containsOnlyKeys(aliceDefaultClient);
        // the default user
        assertThat(describe(admin, ClientQuotaFilter.containsOnly(List.of(ClientQuotaFilterComponent.ofDefaultEntity(ClientQuotaEntity.USER)))))
                .containsOnlyKeys(defaultUser);
        // any client id, alone
        assertThat(describe(admin, ClientQuotaFilter.containsOnly(List.of(ClientQuotaFilterComponent.ofEntityType(ClientQuotaEntity.CLIENT_ID)))))
                .containsKey(app).doesNotContainKeys(alice, aliceApp, ip);
        // ips: the named one and the default
        assertThat(describe(admin, ClientQuotaFilter.contains(List.of(ClientQuotaFilterComponent.ofEntityType(ClientQuotaEntity.IP)))))
                .containsOnlyKeys(ip, defaultIp);
        assertThat(describe(admin, ClientQuotaFilter.contains(List.of(ClientQuotaFilterComponent.ofEntity(ClientQuotaEntity.USER, "nobody")))))
                .isEmpty();

        // a null value removes the key; an entity without keys is gone
        alter(admin, alice, "consumer_byte_rate", null);
        alter(admin, aliceApp, "request_percentage", null);
        alter(admin, ip, "connection_creation_rate", null);
        Map<ClientQuotaEntity, Map<String, Double>> after = describe(admin, ClientQuotaFilter.all());
        assertThat(after).containsEntry(alice, Map.of("producer_byte_rate", 1024.0)).doesNotContainKeys(aliceApp, ip);
        // a value replaces the earlier one
        alter(admin, app, "producer_byte_rate", 8192.0);
        assertThat(describe(admin, ClientQuotaFilter.all())).containsEntry(app, Map.of("producer_byte_rate", 8192.0));
        for (ClientQuotaEntity e : List.of(alice, aliceDefaultClient, app, defaultIp)) {
            for (String k : describe(admin, ClientQuotaFilter.all()).get(e).keySet()) alter(admin, e, k, null);
        }
        alter(admin, defaultUser, "controller_mutation_rate", null);
    }

    @Test
    void badAlterationsAreRefusedWithKafkasErrorsAndValidateOnlyChangesNothing() throws Exception {
        ClientQuotaEntity user = entity(ClientQuotaEntity.USER, "q-bad");
        List<ClientQuotaAlteration> bad = List.of(
                new ClientQuotaAlteration(user, List.of(new ClientQuotaAlteration.Op("no_such_quota", 1.0))),
                new ClientQuotaAlteration(user, List.of(new ClientQuotaAlteration.Op("connection_creation_rate", 1.0))),
                new ClientQuotaAlteration(entity(ClientQuotaEntity.IP, "1.2.3.4"), List.of(new ClientQuotaAlteration.Op("producer_byte_rate", 1.0))),
                new ClientQuotaAlteration(entity(ClientQuotaEntity.IP, "1.2.3.4", ClientQuotaEntity.USER, "x"),
                        List.of(new ClientQuotaAlteration.Op("connection_creation_rate", 1.0))),
                new ClientQuotaAlteration(entity(ClientQuotaEntity.IP, "not.an.ip.address"), List.of(new ClientQuotaAlteration.Op("connection_creation_rate", 1.0))),
                new ClientQuotaAlteration(entity(ClientQuotaEntity.CLIENT_ID, "q-frac"), List.of(new ClientQuotaAlteration.Op("producer_byte_rate", 10.5))),
                new ClientQuotaAlteration(entity(ClientQuotaEntity.CLIENT_ID, "q-neg"), List.of(new ClientQuotaAlteration.Op("consumer_byte_rate", -5.0))));
        for (ClientQuotaAlteration a : bad) {
            Throwable t = catchThrowable(() -> admin.alterClientQuotas(List.of(a)).all().get(30, TimeUnit.SECONDS));
            assertThat(t).as("%s", a).isInstanceOf(ExecutionException.class).hasCauseInstanceOf(InvalidRequestException.class);
        }
        // one bad entry does not stop a good one in the same request
        ClientQuotaEntity good = entity(ClientQuotaEntity.CLIENT_ID, "q-good");
        var result = admin.alterClientQuotas(List.of(bad.get(0),
                new ClientQuotaAlteration(good, List.of(new ClientQuotaAlteration.Op("producer_byte_rate", 100.0)))));
        result.values().get(good).get(30, TimeUnit.SECONDS);
        assertThat(catchThrowable(() -> result.values().get(bad.get(0).entity()).get(30, TimeUnit.SECONDS)))
                .hasCauseInstanceOf(InvalidRequestException.class);
        assertThat(describe(admin, ClientQuotaFilter.all())).containsEntry(good, Map.of("producer_byte_rate", 100.0))
                .doesNotContainKeys(user, entity(ClientQuotaEntity.CLIENT_ID, "q-frac"));
        alter(admin, good, "producer_byte_rate", null);

        ClientQuotaEntity dry = entity(ClientQuotaEntity.CLIENT_ID, "q-dry");
        admin.alterClientQuotas(List.of(new ClientQuotaAlteration(dry, List.of(new ClientQuotaAlteration.Op("producer_byte_rate", 100.0)))),
                new AlterClientQuotasOptions().validateOnly(true)).all().get(30, TimeUnit.SECONDS);
        assertThat(describe(admin, ClientQuotaFilter.all())).doesNotContainKey(dry);
        // an invalid filter: ip with user
        Throwable t = catchThrowable(() -> describe(admin, ClientQuotaFilter.contains(List.of(
                ClientQuotaFilterComponent.ofEntityType(ClientQuotaEntity.IP), ClientQuotaFilterComponent.ofEntityType(ClientQuotaEntity.USER)))));
        assertThat(t).hasCauseInstanceOf(InvalidRequestException.class);
    }

    @Test
    void quotasSurviveARestart(@TempDir Path own) throws Exception {
        ClientQuotaEntity inSnapshot = entity(ClientQuotaEntity.USER, "snap", ClientQuotaEntity.CLIENT_ID, null);
        ClientQuotaEntity inLog = entity(ClientQuotaEntity.IP, null);
        ClientQuotaEntity removed = entity(ClientQuotaEntity.CLIENT_ID, "gone");
        TestBroker b = TestBroker.start(own.resolve("data"));
        try {
            try (Admin a = Clients.admin(b.bootstrap())) {
                alter(a, inSnapshot, "producer_byte_rate", 2048.0);
                alter(a, removed, "consumer_byte_rate", 10.0);
                b.server().controller().snapshot().get(30, TimeUnit.SECONDS);
                alter(a, inLog, "connection_creation_rate", 7.0);
                alter(a, removed, "consumer_byte_rate", null);
            }
            b.close();
            b = TestBroker.start(own.resolve("data"));
            try (Admin a = Clients.admin(b.bootstrap())) {
                assertThat(describe(a, ClientQuotaFilter.all())).containsOnly(
                        Map.entry(inSnapshot, Map.of("producer_byte_rate", 2048.0)),
                        Map.entry(inLog, Map.of("connection_creation_rate", 7.0)));
            }
        } finally {
            b.close();
        }
    }

    static double metric(Map<MetricName, ? extends Metric> metrics, String group, String name) {
        for (Map.Entry<MetricName, ? extends Metric> e : metrics.entrySet()) {
            if (e.getKey().group().equals(group) && e.getKey().name().equals(name) && e.getKey().tags().size() == 1) {
                Object v = e.getValue().metricValue();
                return v instanceof Double d && !d.isNaN() ? d : 0;
            }
        }
        throw new AssertionError("no metric " + group + "/" + name);
    }

    @Test
    void aProducerOverProducerByteRateIsThrottled() throws Exception {
        String topic = "quota-produce";
        broker.createTopic(topic, 1);
        alter(admin, entity(ClientQuotaEntity.CLIENT_ID, "q-slow-producer"), "producer_byte_rate", 102400.0);
        byte[] value = new byte[10 * 1024];
        int sent = 0;
        double throttle = 0;
        try (KafkaProducer<byte[], byte[]> p = Clients.producer(broker.bootstrap(), Map.of(ProducerConfig.CLIENT_ID_CONFIG, "q-slow-producer",
                ProducerConfig.BATCH_SIZE_CONFIG, 32 * 1024))) {
            // at 100 KiB/s over the first 10 s window the throttle starts after about 1 MiB; stop at the first throttle
            while (sent < 300 && throttle == 0) {
                for (int i = 0; i < 10; i++, sent++) p.send(new ProducerRecord<>(topic, value));
                p.flush();
                throttle = metric(p.metrics(), "producer-metrics", "produce-throttle-time-max");
            }
            assertThat(throttle).as("produce-throttle-time-max after %d KiB", sent * 10).isPositive();
            assertThat(metric(p.metrics(), "producer-metrics", "produce-throttle-time-avg")).isPositive();
        }
        // every record was written: throttling delays, it drops nothing
        try (KafkaConsumer<byte[], byte[]> c = Clients.consumer(broker.bootstrap())) {
            TopicPartition tp = new TopicPartition(topic, 0);
            assertThat(c.endOffsets(List.of(tp)).get(tp)).isEqualTo(sent);
        }
        // another client id is not throttled
        try (KafkaProducer<byte[], byte[]> p = Clients.producer(broker.bootstrap(), Map.of(ProducerConfig.CLIENT_ID_CONFIG, "q-fast-producer"))) {
            for (int i = 0; i < 20; i++) p.send(new ProducerRecord<>(topic, value));
            p.flush();
            assertThat(metric(p.metrics(), "producer-metrics", "produce-throttle-time-max")).isZero();
        }
        alter(admin, entity(ClientQuotaEntity.CLIENT_ID, "q-slow-producer"), "producer_byte_rate", null);
    }

    @Test
    void aConsumerOverConsumerByteRateIsThrottledAndStillReadsEverything() throws Exception {
        String topic = "quota-fetch";
        broker.createTopic(topic, 1);
        byte[] value = new byte[10 * 1024];
        int records = 150; // 1.5 MiB
        try (KafkaProducer<byte[], byte[]> p = Clients.producer(broker.bootstrap())) {
            for (int i = 0; i < records; i++) p.send(new ProducerRecord<>(topic, value));
            p.flush();
        }
        alter(admin, entity(ClientQuotaEntity.USER, null, ClientQuotaEntity.CLIENT_ID, "q-slow-consumer"), "consumer_byte_rate", 102400.0);
        TopicPartition tp = new TopicPartition(topic, 0);
        try (KafkaConsumer<byte[], byte[]> c = Clients.consumer(broker.bootstrap(), Map.of(ConsumerConfig.CLIENT_ID_CONFIG, "q-slow-consumer",
                ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 64 * 1024))) {
            c.assign(List.of(tp));
            c.seekToBeginning(List.of(tp));
            int read = 0;
            double throttle = 0;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (throttle == 0 && read < records && System.nanoTime() < deadline) {
                read += c.poll(Duration.ofMillis(200)).count();
                throttle = metric(c.metrics(), "consumer-fetch-manager-metrics", "fetch-throttle-time-max");
            }
            assertThat(throttle).as("fetch-throttle-time-max after %d records", read).isPositive();
            assertThat(metric(c.metrics(), "consumer-fetch-manager-metrics", "fetch-throttle-time-avg")).isPositive();
        }
        alter(admin, entity(ClientQuotaEntity.USER, null, ClientQuotaEntity.CLIENT_ID, "q-slow-consumer"), "consumer_byte_rate", null);
        // with the quota gone, a consumer of that client id reads every record
        try (KafkaConsumer<byte[], byte[]> c = Clients.consumer(broker.bootstrap(), Map.of(ConsumerConfig.CLIENT_ID_CONFIG, "q-slow-consumer"))) {
            c.assign(List.of(tp));
            c.seekToBeginning(List.of(tp));
            assertThat(Clients.pollUntil(c, records, Duration.ofSeconds(60), false)).hasSize(records);
        }
    }

    @Test
    void aConsumerOverRequestPercentageIsThrottledOneWithoutQuotaIsNot() throws Exception {
        String topic = "quota-requests";
        broker.createTopic(topic, 1);
        try (KafkaProducer<byte[], byte[]> p = Clients.producer(broker.bootstrap())) {
            for (int i = 0; i < 10; i++) p.send(new ProducerRecord<>(topic, new byte[10]));
            p.flush();
        }
        // 0.01 % of one thread: about a millisecond of broker time over the first 10 s window
        alter(admin, entity(ClientQuotaEntity.CLIENT_ID, "q-busy"), "request_percentage", 0.01);
        TopicPartition tp = new TopicPartition(topic, 0);
        for (String client : List.of("q-busy", "q-calm")) {
            try (KafkaConsumer<byte[], byte[]> c = Clients.consumer(broker.bootstrap(), Map.of(ConsumerConfig.CLIENT_ID_CONFIG, client))) {
                c.assign(List.of(tp));
                double throttle = 0;
                int rounds = 0;
                // Metadata and ListOffsets requests use up the quota; the fetches that follow carry the throttle time
                for (; rounds < 30 && throttle == 0; rounds++) {
                    for (int i = 0; i < 10; i++) c.endOffsets(List.of(tp));
                    c.partitionsFor(topic);
                    c.listTopics();
                    c.seekToBeginning(List.of(tp));
                    c.poll(Duration.ofMillis(100));
                    throttle = metric(c.metrics(), "consumer-fetch-manager-metrics", "fetch-throttle-time-max");
                    if (client.equals("q-calm") && rounds == 4) break; // enough requests to have used up q-busy's quota
                }
                if (client.equals("q-busy")) {
                    assertThat(throttle).as("fetch-throttle-time-max after %d rounds", rounds).isPositive();
                } else {
                    assertThat(throttle).as("fetch-throttle-time-max of a client without a quota").isZero();
                }
            }
        }
        alter(admin, entity(ClientQuotaEntity.CLIENT_ID, "q-busy"), "request_percentage", null);
    }

    /** A fresh Admin (a new connection) with the client id: a throttled connection is muted for the throttle time. */
    static Admin mutator() {
        Map<String, Object> props = new HashMap<>();
        props.put("bootstrap.servers", broker.bootstrap());
        props.put("client.id", "q-mutator");
        props.put("default.api.timeout.ms", 30_000);
        return Admin.create(props);
    }

    @Test
    void controllerMutationRateRefusesTopicChangesOverTheQuota() throws Exception {
        ClientQuotaEntity mutator = entity(ClientQuotaEntity.CLIENT_ID, "q-mutator");
        alter(admin, mutator, "controller_mutation_rate", 1.0); // a burst of 11 partitions, then 1 per second
        CreateTopicsOptions noRetry = new CreateTopicsOptions().retryOnQuotaViolation(false);
        // under the quota: accepted, even though it takes the client id over it (Kafka's rule); the answer says to wait
        try (Admin a = mutator()) {
            a.createTopics(List.of(new NewTopic("q-mut-1", 20, (short) 1)), noRetry).all().get(30, TimeUnit.SECONDS);
        }
        // over it: every client of the client id is refused until the bucket refills (about 9 s)
        try (Admin a = mutator()) {
            Throwable t = catchThrowable(() -> a.createTopics(List.of(new NewTopic("q-mut-2", 1, (short) 1)), noRetry)
                    .all().get(30, TimeUnit.SECONDS));
            assertThat(t).hasCauseInstanceOf(ThrottlingQuotaExceededException.class);
            assertThat(((ThrottlingQuotaExceededException) t.getCause()).throttleTimeMs()).isPositive();
        }
        try (Admin a = mutator()) {
            Throwable t = catchThrowable(() -> a.createPartitions(Map.of("q-mut-1", NewPartitions.increaseTo(21)),
                    new CreatePartitionsOptions().retryOnQuotaViolation(false)).all().get(30, TimeUnit.SECONDS));
            assertThat(t).hasCauseInstanceOf(ThrottlingQuotaExceededException.class);
        }
        try (Admin a = mutator()) {
            Throwable t = catchThrowable(() -> a.deleteTopics(List.of("q-mut-1"),
                    new org.apache.kafka.clients.admin.DeleteTopicsOptions().retryOnQuotaViolation(false)).all().get(30, TimeUnit.SECONDS));
            assertThat(t).hasCauseInstanceOf(ThrottlingQuotaExceededException.class);
        }
        assertThat(admin.listTopics().names().get(30, TimeUnit.SECONDS)).contains("q-mut-1").doesNotContain("q-mut-2");
        assertThat(admin.describeTopics(List.of("q-mut-1")).allTopicNames().get(30, TimeUnit.SECONDS).get("q-mut-1").partitions()).hasSize(20);
        // another client id is not limited
        admin.createTopics(List.of(new NewTopic("q-mut-3", 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
        // with the default retry, the Admin waits out the throttle and the topic is created
        try (Admin a = mutator()) {
            a.createTopics(List.of(new NewTopic("q-mut-4", 1, (short) 1))).all().get(60, TimeUnit.SECONDS);
        }
        alter(admin, mutator, "controller_mutation_rate", null);
    }

    @Test
    void connectionsOverAnIpsCreationRateAreClosedUnserved(@TempDir Path own) throws Exception {
        try (TestBroker b = TestBroker.start(own.resolve("data"))) {
            try (Admin a = Clients.admin(b.bootstrap())) {
                alter(a, entity(ClientQuotaEntity.IP, "127.0.0.1"), "connection_creation_rate", 1.0);
            }
            // 1 connection/s measured over 10 s: about 10 are served, then new ones are closed without an answer
            int served = 0, refused = 0;
            for (int i = 0; i < 20 && refused < 2; i++) {
                try (RawClient c = new RawClient(b.port())) {
                    c.apiVersions((short) 3, i);
                    served++;
                } catch (java.io.IOException | java.io.UncheckedIOException e) {
                    refused++; // closed by the broker after the throttle time, nothing answered
                }
            }
            assertThat(served).as("connections served before the quota bit").isBetween(1, 18);
            assertThat(refused).as("connections closed unserved").isEqualTo(2);
            // removing the quota applies to the next connection
            b.server().controller().alterClientQuotas(List.of(new io.runnel.metadata.ClientQuotaAlteration(
                    new io.runnel.metadata.ClientQuotaEntity(Map.of(ClientQuotaEntity.IP, "127.0.0.1")),
                    List.of(new io.runnel.metadata.ClientQuotaAlteration.Op("connection_creation_rate", null)))), false)
                    .get(30, TimeUnit.SECONDS);
            try (RawClient c = new RawClient(b.port())) {
                assertThat(c.apiVersions((short) 3, 99).errorCode).isZero();
            }
        }
    }
}
