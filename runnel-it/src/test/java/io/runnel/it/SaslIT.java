package io.runnel.it;

import io.runnel.common.Errors;
import io.runnel.protocol.ApiKeys;
import io.runnel.protocol.message.MetadataRequest;
import io.runnel.protocol.message.SaslAuthenticateRequest;
import io.runnel.protocol.message.SaslAuthenticateResponse;
import io.runnel.protocol.message.SaslHandshakeRequest;
import io.runnel.protocol.message.SaslHandshakeResponse;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * SASL on a SASL_PLAINTEXT listener with real kafka-clients: PLAIN users from the listener's JAAS text, the
 * sequence Kafka enforces (only ApiVersions and the SASL requests before authentication), failures answered with
 * SASL_AUTHENTICATION_FAILED and then the connection closed.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SaslIT {
    @TempDir
    static Path dir;
    static TestBroker broker;
    static int saslPort;

    @BeforeAll
    static void start() {
        int plain = BrokerProcess.freePort();
        int sasl = BrokerProcess.freePort();
        Map<String, String> props = new LinkedHashMap<>();
        props.put("listeners", "PLAINTEXT://127.0.0.1:" + plain + ",SASL_PLAINTEXT://127.0.0.1:" + sasl);
        props.put("sasl.enabled.mechanisms", "PLAIN,SCRAM-SHA-256,SCRAM-SHA-512");
        props.put("listener.name.sasl_plaintext.plain.sasl.jaas.config",
                "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"admin\" password=\"admin-secret\" "
                        + "user_admin=\"admin-secret\" user_alice=\"alice \\\"quoted\\\" secret\";");
        broker = TestBroker.start(dir.resolve("broker"), props);
        saslPort = broker.server().boundListeners().get(1).getPort();
        broker.createTopic("sasl-topic", 1);
    }

    @AfterAll
    static void stop() {
        if (broker != null) broker.close();
    }

    static String saslBootstrap() {
        return "127.0.0.1:" + saslPort;
    }

    static Map<String, Object> sasl(String mechanism, String module, String user, String password) {
        Map<String, Object> p = new HashMap<>();
        p.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SASL_PLAINTEXT");
        p.put(SaslConfigs.SASL_MECHANISM, mechanism);
        p.put(SaslConfigs.SASL_JAAS_CONFIG, module + " required username=\"" + user + "\" password=\""
                + password.replace("\\", "\\\\").replace("\"", "\\\"") + "\";");
        return p;
    }

    static Map<String, Object> plain(String user, String password) {
        return sasl("PLAIN", "org.apache.kafka.common.security.plain.PlainLoginModule", user, password);
    }

    static Admin admin(Map<String, Object> security) {
        Map<String, Object> p = new HashMap<>(security);
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, saslBootstrap());
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 15_000);
        p.put(AdminClientConfig.RETRY_BACKOFF_MS_CONFIG, 50);
        return Admin.create(p);
    }

    /** Produces {@code n} records to a new partition-0 topic and reads them back, all as the given client. */
    static void produceAndConsume(Map<String, Object> security, String topic, int n) throws Exception {
        broker.createTopic(topic, 1);
        try (KafkaProducer<byte[], byte[]> producer = Clients.producer(saslBootstrap(), security)) {
            for (int i = 0; i < n; i++) {
                producer.send(new ProducerRecord<>(topic, ("v" + i).getBytes(StandardCharsets.UTF_8))).get(30, TimeUnit.SECONDS);
            }
        }
        TopicPartition tp = new TopicPartition(topic, 0);
        try (KafkaConsumer<byte[], byte[]> consumer = Clients.consumer(saslBootstrap(), security)) {
            consumer.assign(List.of(tp));
            List<ConsumerRecord<byte[], byte[]>> got = Clients.pollUntil(consumer, n, Duration.ofSeconds(30), false);
            assertThat(got).extracting(r -> new String(r.value(), StandardCharsets.UTF_8))
                    .containsExactlyElementsOf(java.util.stream.IntStream.range(0, n).mapToObj(i -> "v" + i).toList());
        }
    }

    static Throwable authFailure(Map<String, Object> security) {
        try (Admin admin = admin(security)) {
            ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                    () -> admin.describeCluster().nodes().get(30, TimeUnit.SECONDS));
            return e.getCause();
        }
    }

    @Test
    void plainUsersProduceAndConsume() throws Exception {
        produceAndConsume(plain("alice", "alice \"quoted\" secret"), "plain-alice", 5);
    }

    @Test
    void wrongPlainPasswordFailsAuthentication() {
        assertThat(authFailure(plain("alice", "wrong"))).isInstanceOf(SaslAuthenticationException.class)
                .hasMessageContaining("Invalid username or password");
        assertThat(authFailure(plain("nobody", "alice \"quoted\" secret"))).isInstanceOf(SaslAuthenticationException.class);
    }

    @Test
    void requestBeforeAuthenticationClosesTheConnection() throws Exception {
        try (RawClient c = new RawClient(saslPort)) {
            assertThat(c.apiVersions((short) 3, 1).errorCode).isZero(); // allowed before authentication
            c.send(ApiKeys.METADATA, (short) 12, 2, new MetadataRequest());
            assertThat(c.closedByPeerWithin(5_000)).isTrue();
        }
        try (RawClient c = new RawClient(broker.port())) { // the PLAINTEXT listener is not affected
            c.send(ApiKeys.METADATA, (short) 12, 1, new MetadataRequest());
            assertThat(c.receive(ApiKeys.METADATA, (short) 12).correlationId()).isEqualTo(1);
        }
    }

    @Test
    void unknownMechanismIsRefusedWithTheEnabledOnes() throws Exception {
        try (RawClient c = new RawClient(saslPort)) {
            SaslHandshakeRequest req = new SaslHandshakeRequest();
            req.mechanism = "GSSAPI";
            c.send(ApiKeys.SASL_HANDSHAKE, (short) 1, 1, req);
            SaslHandshakeResponse resp = c.<SaslHandshakeResponse>receive(ApiKeys.SASL_HANDSHAKE, (short) 1).body();
            assertThat(resp.errorCode).isEqualTo(Errors.UNSUPPORTED_SASL_MECHANISM.code());
            assertThat(resp.mechanisms).containsExactly("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512");
            assertThat(c.closedByPeerWithin(5_000)).isTrue();
        }
    }

    @Test
    void rawPlainExchangeThenRequestsAreServed() throws Exception {
        try (RawClient c = new RawClient(saslPort)) {
            SaslAuthenticateRequest early = new SaslAuthenticateRequest();
            SaslHandshakeRequest hs = new SaslHandshakeRequest();
            hs.mechanism = "PLAIN";
            c.send(ApiKeys.SASL_HANDSHAKE, (short) 1, 1, hs);
            assertThat(c.<SaslHandshakeResponse>receive(ApiKeys.SASL_HANDSHAKE, (short) 1).body().errorCode).isZero();
            early.authBytes = "\0admin\0admin-secret".getBytes(StandardCharsets.UTF_8);
            c.send(ApiKeys.SASL_AUTHENTICATE, (short) 2, 2, early);
            SaslAuthenticateResponse auth = c.<SaslAuthenticateResponse>receive(ApiKeys.SASL_AUTHENTICATE, (short) 2).body();
            assertThat(auth.errorCode).isZero();
            assertThat(auth.sessionLifetimeMs).isZero(); // connections.max.reauth.ms=0
            c.send(ApiKeys.METADATA, (short) 12, 3, new MetadataRequest());
            assertThat(c.receive(ApiKeys.METADATA, (short) 12).correlationId()).isEqualTo(3);
        }
    }

    @Test
    void saslRequestsOnAPlaintextListenerAreIllegalState() throws Exception {
        try (RawClient c = new RawClient(broker.port())) {
            SaslHandshakeRequest hs = new SaslHandshakeRequest();
            hs.mechanism = "PLAIN";
            c.send(ApiKeys.SASL_HANDSHAKE, (short) 1, 1, hs);
            assertThat(c.<SaslHandshakeResponse>receive(ApiKeys.SASL_HANDSHAKE, (short) 1).body().errorCode)
                    .isEqualTo(Errors.ILLEGAL_SASL_STATE.code());
        }
    }
}
