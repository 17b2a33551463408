package io.runnel.it;

import io.runnel.common.Errors;
import io.runnel.protocol.ApiKeys;
import io.runnel.protocol.message.DescribeUserScramCredentialsRequest;
import io.runnel.protocol.message.DescribeUserScramCredentialsResponse;
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
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialDeletion;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.clients.admin.UserScramCredentialsDescription;
import org.apache.kafka.common.errors.DuplicateResourceException;
import org.apache.kafka.common.errors.ResourceNotFoundException;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.UnacceptableCredentialException;
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
 * SASL_AUTHENTICATION_FAILED and then the connection closed; SCRAM-SHA-256/512 users created, described and
 * deleted with Admin's user SCRAM credential calls, kept in the metadata log across a restart.
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

    /** The first 4 bytes of a request frame announcing {@code size} bytes (the rest is never sent). */
    private static byte[] sizePrefix(int size) {
        return java.nio.ByteBuffer.allocate(4).putInt(size).array();
    }

    @Test
    void aRequestLargerThanSaslServerMaxReceiveSizeBeforeAuthenticationClosesTheConnection() throws Exception {
        // Kafka's default sasl.server.max.receive.size is 524288: the size prefix alone decides
        try (RawClient c = new RawClient(saslPort)) {
            c.write(sizePrefix(524_289));
            assertThat(c.closedByPeerWithin(5_000)).isTrue();
        }
        try (RawClient c = new RawClient(saslPort)) { // at the limit the broker waits for the bytes
            c.write(sizePrefix(524_288));
            assertThat(c.closedByPeerWithin(1_000)).isFalse();
        }
        try (RawClient c = new RawClient(saslPort)) { // once authenticated, socket.request.max.bytes is the limit
            assertThat(handshake(c, (short) 1, "PLAIN").errorCode).isZero();
            SaslAuthenticateRequest auth = new SaslAuthenticateRequest();
            auth.authBytes = "\0admin\0admin-secret".getBytes(StandardCharsets.UTF_8);
            c.send(ApiKeys.SASL_AUTHENTICATE, (short) 1, 2, auth);
            assertThat(c.<SaslAuthenticateResponse>receive(ApiKeys.SASL_AUTHENTICATE, (short) 1).body().errorCode).isZero();
            c.write(sizePrefix(600_000));
            assertThat(c.closedByPeerWithin(1_000)).isFalse();
        }
    }

    @Test
    void unknownMechanismIsRefusedWithTheEnabledOnes() throws Exception {
        try (RawClient c = new RawClient(saslPort)) {
            SaslHandshakeResponse resp = handshake(c, (short) 1, "GSSAPI");
            assertThat(resp.errorCode).isEqualTo(Errors.UNSUPPORTED_SASL_MECHANISM.code());
            assertThat(resp.mechanisms).containsExactly("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512");
            assertThat(c.closedByPeerWithin(5_000)).isTrue();
        }
    }

    @Test
    void rawPlainExchangeThenRequestsAreServed() throws Exception {
        try (RawClient c = new RawClient(saslPort)) {
            SaslAuthenticateRequest early = new SaslAuthenticateRequest();
            assertThat(handshake(c, (short) 1, "PLAIN").errorCode).isZero();
            early.authBytes = "\0admin\0admin-secret".getBytes(StandardCharsets.UTF_8);
            c.send(ApiKeys.SASL_AUTHENTICATE, (short) 2, 2, early);
            SaslAuthenticateResponse auth = c.<SaslAuthenticateResponse>receive(ApiKeys.SASL_AUTHENTICATE, (short) 2).body();
            assertThat(auth.errorCode).isZero();
            assertThat(auth.sessionLifetimeMs).isZero(); // connections.max.reauth.ms=0
            c.send(ApiKeys.METADATA, (short) 12, 3, new MetadataRequest());
            assertThat(c.receive(ApiKeys.METADATA, (short) 12).correlationId()).isEqualTo(3);
        }
    }

    /**
     * SaslHandshake v0, as Kafka 4.4 still serves it (kafka-python 2.0 sends it): the PLAIN token follows in a bare
     * size-prefixed frame and the success is a bare empty frame; requests are then served. A wrong password closes the
     * connection with no answer, as Kafka closes it.
     */
    @Test
    void handshakeV0TakesBareTokensAndAFailureClosesWithoutAnAnswer() throws Exception {
        try (RawClient c = new RawClient(saslPort)) {
            SaslHandshakeResponse resp = handshake(c, (short) 0, "PLAIN");
            assertThat(resp.errorCode).isZero();
            assertThat(resp.mechanisms).contains("PLAIN");
            c.write(bareFrame("\0admin\0admin-secret".getBytes(StandardCharsets.UTF_8)));
            assertThat(c.readBareFrame()).as("PLAIN's bare answer: an empty token").isEmpty();
            c.send(ApiKeys.METADATA, (short) 12, 2, new MetadataRequest());
            assertThat(c.receive(ApiKeys.METADATA, (short) 12).correlationId()).isEqualTo(2);
        }
        try (RawClient c = new RawClient(saslPort)) {
            assertThat(handshake(c, (short) 0, "PLAIN").errorCode).isZero();
            c.write(bareFrame("\0admin\0wrong".getBytes(StandardCharsets.UTF_8)));
            assertThat(c.closedByPeerWithin(5_000)).isTrue();
        }
    }

    /** SaslHandshake {@code version} for {@code mechanism} as the connection's first request (correlation id 1). */
    private static SaslHandshakeResponse handshake(RawClient c, short version, String mechanism) throws Exception {
        SaslHandshakeRequest hs = new SaslHandshakeRequest();
        hs.mechanism = mechanism;
        c.send(ApiKeys.SASL_HANDSHAKE, version, 1, hs);
        return c.<SaslHandshakeResponse>receive(ApiKeys.SASL_HANDSHAKE, version).body();
    }

    private static byte[] bareFrame(byte[] token) {
        return java.nio.ByteBuffer.allocate(4 + token.length).putInt(token.length).put(token).array();
    }

    @Test
    void saslRequestsOnAPlaintextListenerAreIllegalState() throws Exception {
        try (RawClient c = new RawClient(broker.port())) {
            assertThat(handshake(c, (short) 1, "PLAIN").errorCode)
                    .isEqualTo(Errors.ILLEGAL_SASL_STATE.code());
        }
    }

    static final String SCRAM_MODULE = "org.apache.kafka.common.security.scram.ScramLoginModule";

    static Map<String, Object> scram(ScramMechanism m, String user, String password) {
        return sasl(m.mechanismName(), SCRAM_MODULE, user, password);
    }

    static void upsert(Admin admin, String user, ScramMechanism m, int iterations, String password) throws Exception {
        admin.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion(user, new ScramCredentialInfo(m, iterations), password)))
                .all().get(30, TimeUnit.SECONDS);
    }

    @Test
    void scramUsersFromAdminProduceConsumeAreDescribedAndDeleted() throws Exception {
        try (Admin admin = admin(plain("admin", "admin-secret"))) {
            upsert(admin, "carol", ScramMechanism.SCRAM_SHA_256, 4096, "carol-256");
            upsert(admin, "carol", ScramMechanism.SCRAM_SHA_512, 8192, "carol-512");
            produceAndConsume(scram(ScramMechanism.SCRAM_SHA_256, "carol", "carol-256"), "scram-256", 3);
            produceAndConsume(scram(ScramMechanism.SCRAM_SHA_512, "carol", "carol-512"), "scram-512", 3);
            // each mechanism has its own password
            assertThat(authFailure(scram(ScramMechanism.SCRAM_SHA_256, "carol", "carol-512"))).isInstanceOf(SaslAuthenticationException.class);
            assertThat(authFailure(scram(ScramMechanism.SCRAM_SHA_512, "nobody", "x"))).isInstanceOf(SaslAuthenticationException.class);

            UserScramCredentialsDescription d = admin.describeUserScramCredentials(List.of("carol")).all().get(30, TimeUnit.SECONDS).get("carol");
            assertThat(d.credentialInfos()).extracting(ScramCredentialInfo::mechanism, ScramCredentialInfo::iterations)
                    .containsExactlyInAnyOrder(org.assertj.core.groups.Tuple.tuple(ScramMechanism.SCRAM_SHA_256, 4096),
                            org.assertj.core.groups.Tuple.tuple(ScramMechanism.SCRAM_SHA_512, 8192));
            assertThat(admin.describeUserScramCredentials().users().get(30, TimeUnit.SECONDS)).contains("carol");

            admin.alterUserScramCredentials(List.of(new UserScramCredentialDeletion("carol", ScramMechanism.SCRAM_SHA_256)))
                    .all().get(30, TimeUnit.SECONDS);
            assertThat(authFailure(scram(ScramMechanism.SCRAM_SHA_256, "carol", "carol-256"))).isInstanceOf(SaslAuthenticationException.class);
            d = admin.describeUserScramCredentials(List.of("carol")).all().get(30, TimeUnit.SECONDS).get("carol");
            assertThat(d.credentialInfos()).extracting(ScramCredentialInfo::mechanism).containsExactly(ScramMechanism.SCRAM_SHA_512);
        }
    }

    @Test
    void scramAlterationsAreCheckedWithKafkasErrors() throws Exception {
        try (Admin admin = admin(plain("admin", "admin-secret"))) {
            assertThatThrownBy(() -> upsert(admin, "dave", ScramMechanism.SCRAM_SHA_256, 1000, "pw"))
                    .hasCauseInstanceOf(UnacceptableCredentialException.class).hasMessageContaining("Too few iterations");
            assertThatThrownBy(() -> upsert(admin, "dave", ScramMechanism.SCRAM_SHA_256, 20000, "pw"))
                    .hasCauseInstanceOf(UnacceptableCredentialException.class).hasMessageContaining("Too many iterations");
            assertThatThrownBy(() -> upsert(admin, "", ScramMechanism.SCRAM_SHA_256, 4096, "pw"))
                    .hasCauseInstanceOf(UnacceptableCredentialException.class);
            assertThatThrownBy(() -> admin.alterUserScramCredentials(List.of(new UserScramCredentialDeletion("dave", ScramMechanism.SCRAM_SHA_512)))
                    .all().get(30, TimeUnit.SECONDS)).hasCauseInstanceOf(ResourceNotFoundException.class);
            assertThatThrownBy(() -> admin.alterUserScramCredentials(List.of(
                    new UserScramCredentialUpsertion("dave", new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_256, 4096), "a"),
                    new UserScramCredentialDeletion("dave", ScramMechanism.SCRAM_SHA_256))).all().get(30, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(DuplicateResourceException.class);
            assertThatThrownBy(() -> admin.describeUserScramCredentials(List.of("dave")).description("dave").get(30, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(ResourceNotFoundException.class);
        }
        try (RawClient c = new RawClient(broker.port())) { // on the wire: one result per user, Kafka's error codes
            DescribeUserScramCredentialsRequest req = new DescribeUserScramCredentialsRequest();
            for (String u : List.of("dave", "dave")) {
                DescribeUserScramCredentialsRequest.User user = new DescribeUserScramCredentialsRequest.User();
                user.name = u;
                req.users.add(user);
            }
            c.send(ApiKeys.DESCRIBE_USER_SCRAM_CREDENTIALS, (short) 0, 1, req);
            DescribeUserScramCredentialsResponse resp = c.<DescribeUserScramCredentialsResponse>receive(ApiKeys.DESCRIBE_USER_SCRAM_CREDENTIALS, (short) 0).body();
            assertThat(resp.results).singleElement().satisfies(r -> assertThat(r.errorCode).isEqualTo(Errors.DUPLICATE_RESOURCE.code()));
            req.users.remove(1);
            c.send(ApiKeys.DESCRIBE_USER_SCRAM_CREDENTIALS, (short) 0, 2, req);
            resp = c.<DescribeUserScramCredentialsResponse>receive(ApiKeys.DESCRIBE_USER_SCRAM_CREDENTIALS, (short) 0).body();
            assertThat(resp.results).singleElement().satisfies(r -> assertThat(r.errorCode).isEqualTo(Errors.RESOURCE_NOT_FOUND.code()));
        }
    }

    @Test
    void scramCredentialsSurviveARestart(@TempDir Path own) throws Exception {
        int sasl = BrokerProcess.freePort();
        Map<String, String> props = Map.of("listeners", "SASL_PLAINTEXT://127.0.0.1:" + sasl,
                "listener.name.sasl_plaintext.sasl.enabled.mechanisms", "SCRAM-SHA-512,PLAIN",
                "listener.name.sasl_plaintext.plain.sasl.jaas.config",
                "org.apache.kafka.common.security.plain.PlainLoginModule required user_admin=\"admin-secret\";");
        int before = saslPort;
        TestBroker b = TestBroker.start(own.resolve("data"), props);
        try {
            saslPort = sasl;
            try (Admin admin = admin(plain("admin", "admin-secret"))) {
                upsert(admin, "erin", ScramMechanism.SCRAM_SHA_512, 4096, "erin-pw");
                b.server().controller().snapshot().get(30, TimeUnit.SECONDS); // erin in the snapshot, frank in the log after it
                upsert(admin, "frank", ScramMechanism.SCRAM_SHA_512, 4096, "frank-pw");
            }
            b.close();
            b = TestBroker.start(own.resolve("data"), props);
            try (Admin erin = admin(scram(ScramMechanism.SCRAM_SHA_512, "erin", "erin-pw"));
                 Admin frank = admin(scram(ScramMechanism.SCRAM_SHA_512, "frank", "frank-pw"))) {
                assertThat(erin.describeCluster().nodes().get(30, TimeUnit.SECONDS)).hasSize(1);
                assertThat(frank.describeCluster().nodes().get(30, TimeUnit.SECONDS)).hasSize(1);
                assertThat(frank.describeUserScramCredentials().users().get(30, TimeUnit.SECONDS)).containsExactlyInAnyOrder("erin", "frank");
            }
        } finally {
            saslPort = before;
            b.close();
        }
    }

    static SaslAuthenticateResponse rawPlain(RawClient c, int correlationId, String user, String password) throws Exception {
        SaslHandshakeRequest hs = new SaslHandshakeRequest();
        hs.mechanism = "PLAIN";
        c.send(ApiKeys.SASL_HANDSHAKE, (short) 1, correlationId, hs);
        assertThat(c.<SaslHandshakeResponse>receive(ApiKeys.SASL_HANDSHAKE, (short) 1).body().errorCode).isZero();
        SaslAuthenticateRequest auth = new SaslAuthenticateRequest();
        auth.authBytes = ("\0" + user + "\0" + password).getBytes(StandardCharsets.UTF_8);
        c.send(ApiKeys.SASL_AUTHENTICATE, (short) 2, correlationId + 1, auth);
        return c.<SaslAuthenticateResponse>receive(ApiKeys.SASL_AUTHENTICATE, (short) 2).body();
    }

    /** KIP-368: sessions of connections.max.reauth.ms; clients re-authenticate, an expired session is closed. */
    @Test
    void sessionsExpireAndClientsReauthenticate(@TempDir Path own) throws Exception {
        int sasl = BrokerProcess.freePort();
        long lifetime = 1500;
        Map<String, String> props = Map.of("listeners", "SASL_PLAINTEXT://127.0.0.1:" + sasl,
                "sasl.enabled.mechanisms", "PLAIN",
                "connections.max.reauth.ms", String.valueOf(lifetime),
                "listener.name.sasl_plaintext.plain.sasl.jaas.config",
                "org.apache.kafka.common.security.plain.PlainLoginModule required user_admin=\"admin-secret\" user_bob=\"bob-secret\";");
        int before = saslPort;
        try (TestBroker b = TestBroker.start(own.resolve("data"), props)) {
            saslPort = sasl;
            try (RawClient c = new RawClient(sasl)) { // re-authentication on the connection; the principal may not change
                assertThat(rawPlain(c, 1, "admin", "admin-secret").sessionLifetimeMs).isEqualTo(lifetime);
                assertThat(rawPlain(c, 3, "admin", "admin-secret").errorCode).isZero();
                c.send(ApiKeys.METADATA, (short) 12, 5, new MetadataRequest());
                assertThat(c.receive(ApiKeys.METADATA, (short) 12).correlationId()).isEqualTo(5);
                SaslAuthenticateResponse other = rawPlain(c, 6, "bob", "bob-secret");
                assertThat(other.errorCode).isEqualTo(Errors.SASL_AUTHENTICATION_FAILED.code());
                assertThat(other.errorMessage).contains("Cannot change principals during re-authentication");
                assertThat(c.closedByPeerWithin(5_000)).isTrue();
            }
            try (RawClient c = new RawClient(sasl)) { // no re-authentication: the next request after expiry closes
                assertThat(rawPlain(c, 1, "bob", "bob-secret").errorCode).isZero();
                Thread.sleep(lifetime + 500);
                c.send(ApiKeys.METADATA, (short) 12, 3, new MetadataRequest());
                assertThat(c.closedByPeerWithin(5_000)).isTrue();
            }
            // a Kafka producer re-authenticates by itself and keeps producing over several session lifetimes
            b.createTopic("reauth", 1);
            try (KafkaProducer<byte[], byte[]> producer = Clients.producer(saslBootstrap(), plain("bob", "bob-secret"))) {
                long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(lifetime * 3);
                int sent = 0;
                while (System.nanoTime() < end) {
                    producer.send(new ProducerRecord<>("reauth", ("r" + sent++).getBytes(StandardCharsets.UTF_8))).get(30, TimeUnit.SECONDS);
                    Thread.sleep(100);
                }
                double reauths = producer.metrics().entrySet().stream()
                        .filter(e -> e.getKey().name().equals("successful-reauthentication-total"))
                        .mapToDouble(e -> ((Number) e.getValue().metricValue()).doubleValue()).sum();
                assertThat(reauths).as("re-authentications by the producer").isGreaterThanOrEqualTo(1);
            }
        } finally {
            saslPort = before;
        }
    }

    /** kcat (librdkafka) as a SCRAM-SHA-512 user; output of a run and its exit status. */
    static KcatIT.Result kcat(String stdin, String user, String password, String... args) throws Exception {
        // a refused login only ends when kcat's metadata timeout (-m) does: keep it short then
        String timeout = password.equals("wrong") ? "2" : "15";
        List<String> cmd = new java.util.ArrayList<>(List.of(KcatIT.findKcatPath(), "-b", saslBootstrap(), "-m", timeout,
                "-X", "security.protocol=SASL_PLAINTEXT", "-X", "sasl.mechanisms=SCRAM-SHA-512",
                "-X", "sasl.username=" + user, "-X", "sasl.password=" + password));
        cmd.addAll(List.of(args));
        Path in = java.nio.file.Files.createTempFile(dir, "kcat", ".in");
        Path out = java.nio.file.Files.createTempFile(dir, "kcat", ".out");
        Path err = java.nio.file.Files.createTempFile(dir, "kcat", ".err");
        java.nio.file.Files.writeString(in, stdin == null ? "" : stdin);
        Process p = new ProcessBuilder(cmd).redirectInput(in.toFile()).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        try {
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("kcat %s finished", args[0]).isTrue();
        } finally {
            p.destroyForcibly();
        }
        return new KcatIT.Result(p.exitValue(), java.nio.file.Files.readString(out), java.nio.file.Files.readString(err));
    }

    @Test
    void kcatProducesAndConsumesAsAScramUser() throws Exception {
        try (Admin admin = admin(plain("admin", "admin-secret"))) {
            upsert(admin, "kuser", ScramMechanism.SCRAM_SHA_512, 4096, "k-pw");
        }
        broker.createTopic("kcat-sasl", 1);
        KcatIT.Result produced = kcat("one\ntwo\n", "kuser", "k-pw", "-P", "-t", "kcat-sasl", "-p", "0");
        assertThat(produced.exit()).as("stderr: %s", produced.err()).isZero();
        KcatIT.Result consumed = kcat(null, "kuser", "k-pw", "-C", "-t", "kcat-sasl", "-o", "beginning", "-e");
        assertThat(consumed.exit()).as("stderr: %s", consumed.err()).isZero();
        assertThat(consumed.out().lines()).containsExactly("one", "two");
        KcatIT.Result refused = kcat(null, "kuser", "wrong", "-L");
        assertThat(refused.exit()).isNotZero();
        assertThat(refused.err()).containsIgnoringCase("authentication");
    }
}
