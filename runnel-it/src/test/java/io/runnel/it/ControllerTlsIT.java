package io.runnel.it;

import io.runnel.broker.BrokerServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The metadata quorum over TLS: nodes in this JVM whose controller listener is SSL with ssl.client.auth=required
 * (its keys given as listener.name.controller.ssl.*), so every Raft connection (append entries, votes), every
 * broker-to-controller request (registration, heartbeats, forwarded CreateTopics) and an observer's join and log
 * run over mutual TLS with host-name checks (the certificates hold 127.0.0.1). The client listener stays PLAINTEXT.
 * A node whose trust store does not trust the others' certificate (nor they its) never joins: the quorum's TLS
 * checks certificates.
 */
// broker-side behaviour: one client generation (runnel-it's) is enough
@EnabledIfSystemProperty(named = "it.kafka.clients.version", matches = "4\\.1\\..*")
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ControllerTlsIT {
    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    Path dir;
    private ClusterHarness cluster;

    @AfterEach
    void tearDown() {
        if (cluster != null) cluster.close();
    }

    /** The controller listener SSL with mutual TLS, with {@code identity}'s key store and {@code trust}. */
    private static Map<String, String> controllerTls(TlsCerts.Identity identity, Path trust) {
        Map<String, String> c = new HashMap<>();
        c.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:SSL");
        String p = "listener.name.controller.";
        c.put(p + "ssl.keystore.type", "PKCS12");
        c.put(p + "ssl.keystore.location", identity.pkcs12().toString());
        c.put(p + "ssl.keystore.password", TlsCerts.PASSWORD);
        c.put(p + "ssl.truststore.type", "PKCS12");
        c.put(p + "ssl.truststore.location", trust.toString());
        c.put(p + "ssl.truststore.password", TlsCerts.PASSWORD);
        c.put(p + "ssl.client.auth", "required");
        c.put("broker.session.timeout.ms", "4000");
        c.put("broker.heartbeat.interval.ms", "500");
        return c;
    }

    @Test
    void votersAndAnObserverRunTheQuorumOverMutualTlsAndFailOver() throws Exception {
        Path certs = dir.resolve("certs");
        TlsCerts.Identity controller = TlsCerts.create(certs, "controller");
        Path trust = TlsCerts.trustStore(certs.resolve("trust.p12"), controller);
        // three combined nodes and one broker-only observer (node 4), all over TLS
        cluster = ClusterHarness.create(ClusterHarness.Mode.IN_PROCESS, dir.resolve("nodes"), 3, 1,
                controllerTls(controller, trust)).startAll();
        try (Admin admin = Clients.admin(cluster.bootstrap(4))) {
            ReplicatedClusters.awaitBrokers(admin, 4);
            assertThat(ClusterIT.brokerIds(admin, false)).isEqualTo(Set.of(1, 2, 3, 4));
        }
        // a topic created through a node that is not the active controller (forwarded over TLS) appears on all
        int active = awaitActiveController(1);
        int other = active == 1 ? 2 : 1;
        try (Admin admin = Clients.admin(cluster.bootstrap(other))) {
            admin.createTopics(List.of(new NewTopic("over-tls", 4, (short) 3))).all().get(30, TimeUnit.SECONDS);
        }
        awaitTopicOnAll("over-tls", List.of(1, 2, 3, 4));
        try (KafkaProducer<byte[], byte[]> producer = Clients.producer(cluster.bootstrap(), Map.<String, Object>of("acks", "all"))) {
            producer.send(new ProducerRecord<>("over-tls", 0, null, "v".getBytes(StandardCharsets.UTF_8))).get(30, TimeUnit.SECONDS);
        }

        // the active controller stopped: another voter takes over, over TLS, and the observer follows it
        long t0 = System.nanoTime();
        cluster.stop(active);
        int survivor = active == 1 ? 2 : 1;
        ClusterHarness.await(WAIT, "another active controller", () -> {
            int c = cluster.controllerSeenBy(survivor);
            return c > 0 && c != active;
        });
        try (Admin admin = Clients.admin(cluster.bootstrap(4))) {
            admin.createTopics(List.of(new NewTopic("after-failover", 1, (short) 2))).all().get(30, TimeUnit.SECONDS);
        }
        System.out.printf("[controller-tls] active controller %d stopped to the next acknowledged CreateTopics: %d ms%n",
                active, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
        List<Integer> running = cluster.runningNodes();
        awaitTopicOnAll("after-failover", running);
        assertThat(running).contains(4);
    }

    @Test
    void aNodeThatDoesNotTrustTheOthersCannotJoin() throws Exception {
        Path certs = dir.resolve("certs");
        TlsCerts.Identity controller = TlsCerts.create(certs, "controller");
        TlsCerts.Identity stranger = TlsCerts.create(certs, "stranger");
        Path trust = TlsCerts.trustStore(certs.resolve("trust.p12"), controller);
        Path strangerTrust = TlsCerts.trustStore(certs.resolve("stranger-trust.p12"), stranger);
        Map<String, String> base = controllerTls(controller, trust);
        // node 3 presents its own certificate, which the others do not trust, and trusts only that one
        Map<String, String> node3 = controllerTls(stranger, strangerTrust);
        cluster = ClusterHarness.create(ClusterHarness.Mode.IN_PROCESS, dir.resolve("nodes"), 3, base,
                id -> id == 3 ? node3 : Map.of()).startAll();
        try (Admin admin = Clients.admin(cluster.bootstrap(1))) {
            ReplicatedClusters.awaitBrokers(admin, 2);
            admin.createTopics(List.of(new NewTopic("without-3", 2, (short) 2))).all().get(30, TimeUnit.SECONDS);
            awaitTopicOnAll("without-3", List.of(1, 2));
            try (KafkaProducer<byte[], byte[]> producer = Clients.producer(cluster.bootstrap(1), Map.<String, Object>of("acks", "all"))) {
                producer.send(new ProducerRecord<>("without-3", 0, null, "v".getBytes(StandardCharsets.UTF_8))).get(30, TimeUnit.SECONDS);
            }
            // a while later node 3 has still not registered (not even fenced) nor received the log
            Thread.sleep(3000);
            assertThat(ClusterIT.brokerIds(admin, true)).isEqualTo(Set.of(1, 2));
            BrokerServer three = cluster.server(3);
            assertThat(three.controller().image().topic("without-3")).isNull();
            assertThat(three.controller().image().brokers()).isEmpty();
        }
    }

    @Test
    void dedicatedControllersServeABrokerOverTls() throws Exception {
        Path certs = dir.resolve("certs");
        TlsCerts.Identity controller = TlsCerts.create(certs, "controller");
        Path trust = TlsCerts.trustStore(certs.resolve("trust.p12"), controller);
        // three process.roles=controller voters and one broker-only node (4)
        cluster = ClusterHarness.createDedicated(ClusterHarness.Mode.IN_PROCESS, dir.resolve("nodes"), 3, 1,
                controllerTls(controller, trust)).startAll();
        try (Admin admin = Clients.admin(cluster.bootstrap(4))) {
            ReplicatedClusters.awaitBrokers(admin, 1);
            admin.createTopics(List.of(new NewTopic("dedicated-tls", 2, (short) 1))).all().get(30, TimeUnit.SECONDS);
            ClusterHarness.await(WAIT, "node 4 applied the topic",
                    () -> cluster.server(4).controller().image().topic("dedicated-tls") != null);
            org.apache.kafka.clients.admin.QuorumInfo q = admin.describeMetadataQuorum().quorumInfo().get(30, TimeUnit.SECONDS);
            assertThat(q.voters()).extracting(org.apache.kafka.clients.admin.QuorumInfo.ReplicaState::replicaId)
                    .containsExactlyInAnyOrder(1, 2, 3);
        }
    }

    @Test
    void anSslControllerListenerWithoutAKeyStoreStopsTheStartNamingTheKey() {
        cluster = ClusterHarness.create(ClusterHarness.Mode.IN_PROCESS, dir.resolve("nodes"), 3,
                Map.of("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:SSL"));
        Throwable t = org.assertj.core.api.Assertions.catchThrowable(() -> cluster.start(1));
        assertThat(t).isInstanceOf(IllegalStateException.class).cause()
                .isInstanceOfSatisfying(io.runnel.config.ConfigException.class, e -> assertThat(e.key()).isEqualTo("ssl.keystore.location"))
                .hasMessageContaining("listener CONTROLLER");
        assertThat(cluster.running(1)).isFalse();
    }

    private int awaitActiveController(int askId) {
        int[] seen = {-1};
        ClusterHarness.await(WAIT, "an active controller", () -> (seen[0] = cluster.controllerSeenBy(askId)) > 0);
        return seen[0];
    }

    private void awaitTopicOnAll(String topic, List<Integer> nodes) {
        for (int id : nodes) {
            ClusterHarness.await(WAIT, "node " + id + " applied " + topic,
                    () -> cluster.server(id).controller().image().topic(topic) != null);
        }
    }
}
