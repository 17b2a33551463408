package io.runnel.it;

import io.runnel.broker.handler.RequestContext;
import io.runnel.common.security.SslFactory;
import io.runnel.config.BrokerConfigs;
import io.runnel.config.ConfigException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SslAuthenticationException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * TLS listeners with real kafka-clients over real sockets against an in-process broker with five listeners: SSL
 * (PKCS12 key store), PEMFILE (a PEM file), INLINE (inline PEM), MTLS (ssl.client.auth=required) and PLAINTEXT,
 * each SSL one configured through Kafka's listener.name.&lt;name&gt;.ssl.* overrides. Certificates are made at run
 * time with keytool ({@link TlsCerts}). Also: a bad key store password or file stops the start naming the key, and
 * the principal a connection gets from its client certificate (through ssl.principal.mapping.rules).
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class SslIT {
    @TempDir
    static Path dir;
    static TlsCerts.Identity brokerId;
    static TlsCerts.Identity client;
    static TlsCerts.Identity stranger;
    static TestBroker broker;
    static final Map<String, Integer> ports = new LinkedHashMap<>();

    @BeforeAll
    static void start() throws Exception {
        Path certs = dir.resolve("certs");
        brokerId = TlsCerts.create(certs, "broker");
        client = TlsCerts.create(certs, "client");
        stranger = TlsCerts.create(certs, "stranger");
        Path brokerTrust = TlsCerts.trustStore(certs.resolve("broker-trust.p12"), client);
        for (String l : List.of("PLAINTEXT", "SSL", "PEMFILE", "INLINE", "MTLS", "ENCPEM")) ports.put(l, BrokerProcess.freePort());
        Map<String, String> p = new LinkedHashMap<>();
        p.put("listeners", String.join(",", ports.entrySet().stream().map(e -> e.getKey() + "://127.0.0.1:" + e.getValue()).toList()));
        p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,SSL:SSL,PEMFILE:SSL,INLINE:SSL,MTLS:SSL,ENCPEM:SSL");
        p.put("listener.name.ssl.ssl.keystore.type", "PKCS12");
        p.put("listener.name.ssl.ssl.keystore.location", brokerId.pkcs12().toString());
        p.put("listener.name.ssl.ssl.keystore.password", TlsCerts.PASSWORD);
        p.put("listener.name.pemfile.ssl.keystore.type", "PEM");
        p.put("listener.name.pemfile.ssl.keystore.location", brokerId.pemFile().toString());
        p.put("listener.name.inline.ssl.keystore.type", "PEM");
        p.put("listener.name.inline.ssl.keystore.certificate.chain", brokerId.certPem());
        p.put("listener.name.inline.ssl.keystore.key", brokerId.keyPem());
        p.put("listener.name.mtls.ssl.keystore.type", "PKCS12");
        p.put("listener.name.mtls.ssl.keystore.location", brokerId.pkcs12().toString());
        p.put("listener.name.mtls.ssl.keystore.password", TlsCerts.PASSWORD);
        p.put("listener.name.mtls.ssl.truststore.type", "PKCS12");
        p.put("listener.name.mtls.ssl.truststore.location", brokerTrust.toString());
        p.put("listener.name.mtls.ssl.truststore.password", TlsCerts.PASSWORD);
        p.put("listener.name.mtls.ssl.client.auth", "required");
        p.put("listener.name.encpem.ssl.keystore.type", "PEM");
        p.put("listener.name.encpem.ssl.keystore.location",
                TlsCerts.encryptedPem(certs.resolve("broker-encrypted.pem"), brokerId, "key-secret").toString());
        p.put("listener.name.encpem.ssl.key.password", "key-secret");
        broker = TestBroker.start(dir.resolve("data"), p);
    }

    @AfterAll
    static void stop() {
        if (broker != null) broker.close();
    }

    static String bootstrap(String listener) {
        return "127.0.0.1:" + ports.get(listener);
    }

    /** Client settings trusting the broker's certificate through a PKCS12 trust store. */
    static Map<String, Object> trustPkcs12(TlsCerts.Identity trusted) throws Exception {
        Path ts = TlsCerts.trustStore(dir.resolve("certs").resolve("trust-" + trusted.name() + "-" + System.nanoTime() + ".p12"), trusted);
        Map<String, Object> c = new HashMap<>();
        c.put("security.protocol", "SSL");
        c.put("ssl.truststore.type", "PKCS12");
        c.put("ssl.truststore.location", ts.toString());
        c.put("ssl.truststore.password", TlsCerts.PASSWORD);
        return c;
    }

    /** Produces {@code count} records of {@code size} random bytes over {@code listener}, reads them back, compares. */
    static void roundTrip(String listener, Map<String, Object> clientConfig, String topic, int count, int size) {
        broker.createTopic(topic, 1);
        Random random = new Random(topic.hashCode());
        byte[][] values = new byte[count][];
        Map<String, Object> producerConfig = new HashMap<>(clientConfig);
        producerConfig.put("max.request.size", 2 * 1024 * 1024);
        try (KafkaProducer<byte[], byte[]> producer = Clients.producer(bootstrap(listener), producerConfig)) {
            for (int i = 0; i < count; i++) {
                values[i] = new byte[size];
                random.nextBytes(values[i]);
                producer.send(new ProducerRecord<>(topic, values[i]));
            }
            producer.flush();
        }
        TopicPartition tp = new TopicPartition(topic, 0);
        try (KafkaConsumer<byte[], byte[]> consumer = Clients.consumer(bootstrap(listener), clientConfig)) {
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            List<ConsumerRecord<byte[], byte[]>> got = Clients.pollUntil(consumer, count, Duration.ofSeconds(60), false);
            assertThat(got).hasSize(count);
            for (int i = 0; i < count; i++) {
                assertThat(got.get(i).offset()).isEqualTo(i);
                assertThat(Arrays.equals(got.get(i).value(), values[i])).as("value of offset %d", i).isTrue();
            }
        }
    }

    @Test
    void produceAndConsumeWithAPkcs12KeyStore() throws Exception {
        // 300 records of 10 KiB: fetches of several MiB, copied through TLS in 64 KiB pooled buffers
        roundTrip("SSL", trustPkcs12(brokerId), "ssl-pkcs12", 300, 10 * 1024);
    }

    @Test
    void produceAndConsumeWithAPemFileKeyStoreAndAPemTrustStore() throws Exception {
        Map<String, Object> c = new HashMap<>();
        c.put("security.protocol", "SSL");
        c.put("ssl.truststore.type", "PEM");
        c.put("ssl.truststore.location", TlsCerts.pemTrust(dir.resolve("certs").resolve("client-trust.pem"), brokerId).toString());
        roundTrip("PEMFILE", c, "ssl-pemfile", 50, 1000);
    }

    @Test
    void produceAndConsumeWithInlinePem() throws Exception {
        Map<String, Object> c = new HashMap<>();
        c.put("security.protocol", "SSL");
        c.put("ssl.truststore.type", "PEM");
        c.put("ssl.truststore.certificates", brokerId.certPem());
        roundTrip("INLINE", c, "ssl-inline", 50, 1000);
    }

    @Test
    void produceAndConsumeWithAnEncryptedPemKey() throws Exception {
        roundTrip("ENCPEM", trustPkcs12(brokerId), "ssl-encrypted-pem", 20, 100);
    }

    @Test
    void mutualTlsRefusesAClientWithoutACertificateAndServesOneWithIt() throws Exception {
        assertHandshakeFails(bootstrap("MTLS"), trustPkcs12(brokerId));
        Map<String, Object> withCert = trustPkcs12(brokerId);
        withCert.put("ssl.keystore.type", "PKCS12");
        withCert.put("ssl.keystore.location", client.pkcs12().toString());
        withCert.put("ssl.keystore.password", TlsCerts.PASSWORD);
        roundTrip("MTLS", withCert, "ssl-mtls", 20, 100);
        // a certificate the broker does not trust is refused too
        Map<String, Object> untrusted = trustPkcs12(brokerId);
        untrusted.put("ssl.keystore.type", "PKCS12");
        untrusted.put("ssl.keystore.location", stranger.pkcs12().toString());
        untrusted.put("ssl.keystore.password", TlsCerts.PASSWORD);
        assertHandshakeFails(bootstrap("MTLS"), untrusted);
    }

    @Test
    void aClientThatDoesNotTrustTheBrokerFailsTheHandshake() throws Exception {
        assertHandshakeFails(bootstrap("SSL"), trustPkcs12(stranger));
    }

    /**
     * Garbage where a TLS handshake should be (a record header that claims a handshake, then noise) is a failed handshake:
     * the broker closes the connection (at most after a TLS alert), within the 10 s handshake bound, and goes on serving.
     */
    @Test
    void garbageInsteadOfAHandshakeClosesTheConnectionAndOthersAreServed() throws Exception {
        byte[] garbage = new byte[600];
        new java.util.Random(11).nextBytes(garbage);
        garbage[0] = 0x16; // handshake record
        garbage[1] = 0x03;
        garbage[2] = 0x03;
        garbage[3] = 0x01; // length 300
        garbage[4] = 0x2c;
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", ports.get("SSL"))) {
            s.setSoTimeout(15_000);
            s.getOutputStream().write(garbage);
            s.getOutputStream().flush();
            java.io.InputStream in = s.getInputStream();
            int total = 0;
            boolean closed = false;
            try {
                for (int n; (n = in.read(new byte[256])) >= 0; ) total += n;
                closed = true;
            } catch (java.net.SocketException reset) {
                closed = true; // a reset is a close too
            }
            assertThat(closed).as("the broker closed the connection").isTrue();
            assertThat(total).as("at most a TLS alert came back").isLessThan(64);
        }
        roundTrip("SSL", trustPkcs12(brokerId), "ssl-after-garbage", 5, 100);
    }

    @Test
    void plaintextClientsStillWorkBesideTls() {
        roundTrip("PLAINTEXT", Map.of(), "ssl-beside-plaintext", 20, 100);
    }

    @Test
    void kcatOverTls() throws Exception {
        String kcat = null;
        for (String d : System.getenv().getOrDefault("PATH", "/usr/bin").split(File.pathSeparator)) {
            if (new File(d, "kcat").canExecute()) kcat = new File(d, "kcat").getPath();
        }
        org.junit.jupiter.api.Assumptions.assumeTrue(kcat != null, "kcat is not installed");
        broker.createTopic("ssl-kcat", 1);
        Path ca = TlsCerts.pemTrust(dir.resolve("certs").resolve("kcat-ca.pem"), brokerId);
        Process p = new ProcessBuilder(kcat, "-b", bootstrap("SSL"), "-X", "security.protocol=ssl", "-X", "ssl.ca.location=" + ca,
                "-L", "-t", "ssl-kcat", "-m", "15").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("kcat output: %s", out).isZero();
        assertThat(out).contains("broker 1 at 127.0.0.1:" + ports.get("SSL")).contains("topic \"ssl-kcat\" with 1 partitions");
    }

    static void assertHandshakeFails(String bootstrap, Map<String, Object> clientConfig) {
        Map<String, Object> c = new HashMap<>(clientConfig);
        c.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        c.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 15_000);
        c.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        try (Admin admin = Admin.create(c)) {
            assertThatThrownBy(() -> admin.describeCluster().clusterId().get(30, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class).cause().isInstanceOf(SslAuthenticationException.class);
        }
    }

    // ---------------------------------------------------------------- start refused

    @Test
    void aWrongKeyStorePasswordStopsTheStartNamingTheKey() {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("listeners", "SSL://127.0.0.1:" + BrokerProcess.freePort());
        p.put("ssl.keystore.type", "PKCS12");
        p.put("ssl.keystore.location", brokerId.pkcs12().toString());
        p.put("ssl.keystore.password", "not-the-password");
        assertThat(refusal(p)).contains("ssl.keystore.password").contains("wrong password").doesNotContain("not-the-password");
    }

    @Test
    void aWrongPemKeyPasswordStopsTheStartNamingTheKey() throws Exception {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("listeners", "SSL://127.0.0.1:" + BrokerProcess.freePort());
        p.put("ssl.keystore.type", "PEM");
        p.put("ssl.keystore.location", TlsCerts.encryptedPem(dir.resolve("certs").resolve("enc2.pem"), brokerId, "right").toString());
        p.put("ssl.key.password", "wrong");
        assertThat(refusal(p)).contains("ssl.key.password").contains("wrong password").doesNotContain("right");
        p.remove("ssl.key.password");
        assertThat(refusal(p)).contains("is encrypted: set ssl.key.password");
    }

    @Test
    void aMissingKeyStoreFileOrKeyStoreStopsTheStartNamingTheKey() {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("listeners", "CLIENTS://127.0.0.1:" + BrokerProcess.freePort());
        p.put("listener.security.protocol.map", "CLIENTS:SSL");
        p.put("listener.name.clients.ssl.keystore.location", dir.resolve("nowhere.jks").toString());
        assertThat(refusal(p)).contains("listener.name.clients.ssl.keystore.location").contains("no such file");
        p.remove("listener.name.clients.ssl.keystore.location");
        assertThat(refusal(p)).contains("ssl.keystore.location").contains("needs a key store");
    }

    private static String refusal(Map<String, String> props) {
        Map<String, String> p = new LinkedHashMap<>(props);
        p.put("node.id", "1");
        p.put("log.dirs", dir.resolve("refused-" + System.nanoTime()).toString());
        try (io.runnel.broker.BrokerServer s = new io.runnel.broker.BrokerServer(BrokerConfigs.parse(p))) {
            s.startup();
        } catch (ConfigException e) {
            return e.getMessage();
        } catch (Exception e) {
            throw new AssertionError("expected a ConfigException", e);
        }
        throw new AssertionError("the broker started");
    }

    // ---------------------------------------------------------------- the principal

    @Test
    void theClientCertificateGivesThePrincipalThroughTheMappingRules() throws Exception {
        Map<String, String> cfg = new HashMap<>();
        cfg.put("ssl.keystore.type", "PKCS12");
        cfg.put("ssl.keystore.location", brokerId.pkcs12().toString());
        cfg.put("ssl.keystore.password", TlsCerts.PASSWORD);
        cfg.put("ssl.truststore.type", "PKCS12");
        cfg.put("ssl.truststore.location", TlsCerts.trustStore(dir.resolve("certs").resolve("p-trust.p12"), client).toString());
        cfg.put("ssl.truststore.password", TlsCerts.PASSWORD);
        cfg.put("ssl.client.auth", "requested");
        cfg.put("ssl.principal.mapping.rules", "RULE:^CN=([^,]+),OU=Runnel Tests,.*$/$1-app/U, DEFAULT");
        io.runnel.config.SslSettings settings = io.runnel.config.SslSettings.of(cfg);
        Map<String, Object> withCert = trustPkcs12(brokerId);
        withCert.put("ssl.keystore.type", "PKCS12");
        withCert.put("ssl.keystore.location", client.pkcs12().toString());
        withCert.put("ssl.keystore.password", TlsCerts.PASSWORD);
        // requested, not required: no certificate is fine
        assertThat(TlsPrincipals.seen(io.runnel.broker.network.ServerTls.create(SslFactory.forServer(settings), settings),
                List.of(withCert, trustPkcs12(brokerId)))).containsExactly("User:CLIENT-APP", RequestContext.ANONYMOUS);
    }
}
