package io.runnel.it;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Three nodes in this JVM whose only broker listener is SSL with mutual TLS (ssl.client.auth=required), so
 * followers fetch and the transaction coordinator sends markers to other brokers over TLS, presenting the broker
 * certificate; the controller listener stays PLAINTEXT (ControllerTlsIT covers an SSL one). acks=all with
 * min.insync.replicas=3 succeeds only with every follower replicating over TLS; a committed transaction over three
 * partitions is read back under read_committed.
 */
// broker-side behaviour: one client generation (runnel-it's) is enough
@EnabledIfSystemProperty(named = "it.kafka.clients.version", matches = "4\\.1\\..*")
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class SslClusterIT {
    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    Path dir;
    private ClusterHarness cluster;

    @AfterEach
    void tearDown() {
        if (cluster != null) cluster.close();
    }

    @Test
    void replicationAndTransactionMarkersRunOverMutualTls() throws Exception {
        TlsCerts.Identity broker = TlsCerts.create(dir.resolve("certs"), "broker");
        TlsCerts.Identity client = TlsCerts.create(dir.resolve("certs"), "client");
        Path trust = TlsCerts.trustStore(dir.resolve("certs").resolve("trust.p12"), broker, client);
        Map<String, String> extra = new HashMap<>();
        // the harness's client listener is named PLAINTEXT: mapped to SSL here (Kafka allows any name for any protocol)
        extra.put("listener.security.protocol.map", "PLAINTEXT:SSL,CONTROLLER:PLAINTEXT");
        extra.put("ssl.keystore.type", "PKCS12");
        extra.put("ssl.keystore.location", broker.pkcs12().toString());
        extra.put("ssl.keystore.password", TlsCerts.PASSWORD);
        extra.put("ssl.truststore.type", "PKCS12");
        extra.put("ssl.truststore.location", trust.toString());
        extra.put("ssl.truststore.password", TlsCerts.PASSWORD);
        extra.put("ssl.client.auth", "required");
        extra.put("replica.lag.time.max.ms", "4000");
        extra.put("broker.session.timeout.ms", "4000");
        cluster = ClusterHarness.create(ClusterHarness.Mode.IN_PROCESS, dir.resolve("nodes"), 3, extra).startAll();

        Map<String, Object> tls = new HashMap<>();
        tls.put("security.protocol", "SSL");
        tls.put("ssl.truststore.type", "PKCS12");
        tls.put("ssl.truststore.location", trust.toString());
        tls.put("ssl.truststore.password", TlsCerts.PASSWORD);
        tls.put("ssl.keystore.type", "PKCS12");
        tls.put("ssl.keystore.location", client.pkcs12().toString());
        tls.put("ssl.keystore.password", TlsCerts.PASSWORD);
        String bootstrap = cluster.bootstrap();
        Map<String, Object> adminConfig = new HashMap<>(tls);
        adminConfig.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        adminConfig.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000);
        try (Admin admin = Admin.create(adminConfig)) {
            ReplicatedClusters.awaitBrokers(admin, 3);
            admin.createTopics(List.of(new NewTopic("tls-r", 1, (short) 3).configs(Map.of("min.insync.replicas", "3")),
                    new NewTopic("tls-txn", 3, (short) 3))).all().get(30, TimeUnit.SECONDS);
            ClusterHarness.await(WAIT, "tls-r has 3 in-sync replicas", () -> {
                try {
                    return ReplicatedClusters.describe(admin, "tls-r", 0).isr().size() == 3;
                } catch (Exception e) {
                    return false;
                }
            });

            Map<String, Object> acksAll = new HashMap<>(tls);
            acksAll.put("acks", "all");
            try (KafkaProducer<byte[], byte[]> producer = Clients.producer(bootstrap, acksAll)) {
                for (int i = 0; i < 200; i++) producer.send(new ProducerRecord<>("tls-r", 0, null, bytes("r" + i))).get(30, TimeUnit.SECONDS);
            }
            assertThat(ReplicatedClusters.describe(admin, "tls-r", 0).isr()).hasSize(3);

            ReplicatedClusters.commitAcrossPartitionsAndReadBack(bootstrap, tls, "tls-txn", "tls-txn-producer", 3);
        }
        try (KafkaConsumer<byte[], byte[]> consumer = Clients.consumer(bootstrap, tls)) {
            TopicPartition tp = new TopicPartition("tls-r", 0);
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            assertThat(Clients.pollUntil(consumer, 200, WAIT, false)).hasSize(200);
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
