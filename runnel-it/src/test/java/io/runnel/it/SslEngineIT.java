package io.runnel.it;

import io.netty.handler.ssl.OpenSsl;
import io.runnel.broker.handler.RequestContext;
import io.runnel.broker.network.NettyServer;
import io.runnel.broker.network.ServerTls;
import io.runnel.common.security.SslFactory;
import io.runnel.config.BrokerConfigs;
import io.runnel.config.ConfigException;
import io.runnel.config.SslSettings;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code ssl.engine}: the same listener settings served by OpenSSL (BoringSSL through netty-tcnative) and by the JDK's
 * engine give the same behaviour to real kafka-clients: data round trips (MiBs of fetches copied through the engine),
 * client authentication required and requested, and the principal mapped from the client certificate. An in-process
 * broker has one mutual-TLS listener per engine (chosen per listener with {@code listener.name.<l>.ssl.engine}); the
 * principal is read from a bare {@link NettyServer} whose ApiVersions handler records it. Also: bad values of the key
 * stop the start naming it.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class SslEngineIT {
    @TempDir
    static Path dir;
    static TlsCerts.Identity brokerId;
    static TlsCerts.Identity client;
    static Path brokerTrust;
    static TestBroker broker;
    static final Map<String, Integer> ports = new LinkedHashMap<>();

    @BeforeAll
    static void start() throws Exception {
        Path certs = dir.resolve("certs");
        brokerId = TlsCerts.create(certs, "broker");
        client = TlsCerts.create(certs, "client");
        brokerTrust = TlsCerts.trustStore(certs.resolve("broker-trust.p12"), client);
        for (String l : List.of("OSSL", "JDK")) ports.put(l, BrokerProcess.freePort());
        Map<String, String> p = new LinkedHashMap<>();
        p.put("listeners", "OSSL://127.0.0.1:" + ports.get("OSSL") + ",JDK://127.0.0.1:" + ports.get("JDK"));
        p.put("listener.security.protocol.map", "OSSL:SSL,JDK:SSL");
        p.putAll(storeSettings("ssl.", brokerTrust));
        p.put("ssl.client.auth", "required");
        p.put("listener.name.ossl.ssl.engine", "openssl");
        p.put("listener.name.jdk.ssl.engine", "jdk");
        broker = TestBroker.start(dir.resolve("data"), p);
    }

    @AfterAll
    static void stop() {
        if (broker != null) broker.close();
    }

    static Map<String, String> storeSettings(String prefix, Path trustStore) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put(prefix + "keystore.type", "PKCS12");
        p.put(prefix + "keystore.location", brokerId.pkcs12().toString());
        p.put(prefix + "keystore.password", TlsCerts.PASSWORD);
        p.put(prefix + "truststore.type", "PKCS12");
        p.put(prefix + "truststore.location", trustStore.toString());
        p.put(prefix + "truststore.password", TlsCerts.PASSWORD);
        return p;
    }

    /** Client settings trusting the broker's certificate. */
    static Map<String, Object> trustBroker() throws Exception {
        Path ts = dir.resolve("certs").resolve("client-trust.p12");
        if (!java.nio.file.Files.exists(ts)) TlsCerts.trustStore(ts, brokerId);
        Map<String, Object> c = new HashMap<>();
        c.put("security.protocol", "SSL");
        c.put("ssl.truststore.type", "PKCS12");
        c.put("ssl.truststore.location", ts.toString());
        c.put("ssl.truststore.password", TlsCerts.PASSWORD);
        return c;
    }

    static Map<String, Object> withClientCertificate() throws Exception {
        Map<String, Object> c = trustBroker();
        c.put("ssl.keystore.type", "PKCS12");
        c.put("ssl.keystore.location", client.pkcs12().toString());
        c.put("ssl.keystore.password", TlsCerts.PASSWORD);
        return c;
    }

    @Test
    void openSslIsAvailableHere() {
        // the build ships netty-tcnative-boringssl-static for linux-x86_64 only; elsewhere the default is the JDK
        org.junit.jupiter.api.Assumptions.assumeTrue(System.getProperty("os.name").toLowerCase().contains("linux")
                && System.getProperty("os.arch").matches("amd64|x86_64"), "not linux-x86_64");
        assertThat(OpenSsl.isAvailable()).as("OpenSSL: %s", OpenSsl.unavailabilityCause()).isTrue();
    }

    @Test
    void bothEnginesServeMutualTlsAndFetchesThatSpanManyBuffers() throws Exception {
        roundTrip("127.0.0.1:" + ports.get("OSSL"), withClientCertificate(), "engine-openssl", 200, 10 * 1024);
        roundTrip("127.0.0.1:" + ports.get("JDK"), withClientCertificate(), "engine-jdk", 200, 10 * 1024);
    }

    /** Produces {@code count} random records of {@code size} bytes, reads them back from offset 0 and compares. */
    static void roundTrip(String bootstrap, Map<String, Object> clientConfig, String topic, int count, int size) {
        broker.createTopic(topic, 1);
        java.util.Random random = new java.util.Random(topic.hashCode());
        byte[][] values = new byte[count][];
        try (KafkaProducer<byte[], byte[]> producer = Clients.producer(bootstrap, clientConfig)) {
            for (int i = 0; i < count; i++) {
                values[i] = new byte[size];
                random.nextBytes(values[i]);
                producer.send(new ProducerRecord<>(topic, values[i]));
            }
            producer.flush();
        }
        TopicPartition tp = new TopicPartition(topic, 0);
        try (KafkaConsumer<byte[], byte[]> consumer = Clients.consumer(bootstrap, clientConfig)) {
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            List<ConsumerRecord<byte[], byte[]>> got = Clients.pollUntil(consumer, count, Duration.ofSeconds(60), false);
            assertThat(got).hasSize(count);
            for (int i = 0; i < count; i++) {
                assertThat(got.get(i).offset()).isEqualTo(i);
                assertThat(java.util.Arrays.equals(got.get(i).value(), values[i])).as("value of offset %d", i).isTrue();
            }
        }
    }

    @Test
    void bothEnginesRefuseAClientWithoutACertificateWhenOneIsRequired() throws Exception {
        SslIT.assertHandshakeFails("127.0.0.1:" + ports.get("OSSL"), trustBroker());
        SslIT.assertHandshakeFails("127.0.0.1:" + ports.get("JDK"), trustBroker());
    }

    @Test
    void bothEnginesGiveTheSamePrincipalsWithClientAuthRequested() throws Exception {
        Map<String, List<String>> byEngine = new LinkedHashMap<>();
        for (String engine : List.of("openssl", "jdk")) {
            Map<String, String> cfg = new HashMap<>(storeSettings("ssl.", brokerTrust));
            cfg.put("ssl.client.auth", "requested");
            cfg.put("ssl.principal.mapping.rules", "RULE:^CN=([^,]+),OU=Runnel Tests,.*$/$1-app/U, DEFAULT");
            cfg.put("ssl.engine", engine);
            SslSettings settings = SslSettings.of(cfg);
            ServerTls tls = ServerTls.create(SslFactory.forServer(settings), settings);
            assertThat(tls.engine().name()).isEqualToIgnoringCase(engine);
            byEngine.put(engine, principalsSeen(tls));
        }
        assertThat(byEngine.get("openssl")).containsExactly("User:CLIENT-APP", RequestContext.ANONYMOUS);
        assertThat(byEngine.get("jdk")).isEqualTo(byEngine.get("openssl"));
    }

    /** The principals of two connections to a server of {@code tls}: with the client certificate, then without. */
    private static List<String> principalsSeen(ServerTls tls) throws Exception {
        return TlsPrincipals.seen(tls, List.of(withClientCertificate(), trustBroker()));
    }

    // ---------------------------------------------------------------- start refused

    @Test
    void anUnknownEngineStopsTheStartNamingTheKey() {
        Map<String, String> p = new HashMap<>(storeSettings("ssl.", brokerTrust));
        p.put("listener.name.ssl.ssl.engine", "gnutls");
        assertThat(refusal(p)).contains("listener.name.ssl.ssl.engine").contains("openssl or jdk");
    }

    @Test
    void aCipherSuiteOpenSslLacksStopsTheStartNamingTheKeyWhileTheJdkEngineTakesIt() {
        // a DHE suite the JDK offers and BoringSSL does not implement
        Map<String, String> p = new HashMap<>(storeSettings("ssl.", brokerTrust));
        p.put("ssl.enabled.protocols", "TLSv1.2");
        p.put("ssl.cipher.suites", "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256");
        p.put("ssl.engine", "openssl");
        assertThat(refusal(p)).contains("ssl.cipher.suites").contains("ssl.engine=jdk");
        SslSettings jdk = SslSettings.of(Map.of("ssl.keystore.type", "PKCS12", "ssl.keystore.location", brokerId.pkcs12().toString(),
                "ssl.keystore.password", TlsCerts.PASSWORD, "ssl.enabled.protocols", "TLSv1.2",
                "ssl.cipher.suites", "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256", "ssl.engine", "jdk"));
        assertThat(ServerTls.create(SslFactory.forServer(jdk), jdk).engine()).isEqualTo(ServerTls.Engine.JDK);
    }

    private static String refusal(Map<String, String> props) {
        Map<String, String> p = new LinkedHashMap<>(props);
        p.put("listeners", "SSL://127.0.0.1:" + BrokerProcess.freePort());
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
}
