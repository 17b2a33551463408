package io.runnel.it;

import io.runnel.protocol.ApiKeys;
import io.runnel.protocol.message.ApiVersionsRequest;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.errors.ClusterAuthorizationException;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.SslAuthenticationException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * SASL_SSL listeners (TLS first, then SASL on the same connection) with real clients over real sockets against an
 * in-process broker: kafka-clients with PLAIN and SCRAM-SHA-512, a wrong password, a plaintext client on the
 * SASL_SSL port, the SASL principal winning over a client certificate (ssl.client.auth=required, the authorizer on),
 * kcat (librdkafka) with SCRAM and over mutual TLS with PEM files, and confluent-kafka-python over SASL_SSL and over mutual TLS (an SSL listener).
 * Certificates are made at run time with keytool ({@link TlsCerts}).
 */
// SASL and TLS of each client generation are covered by SaslIT, OAuthBearerIT and SslIT; their combination on one
// listener, kcat and confluent-kafka-python run with runnel-it's generation only
@org.junit.jupiter.api.condition.EnabledIfSystemProperty(named = "it.kafka.clients.version", matches = "4\\.1\\..*")
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class SaslSslIT {
    static final String PLAIN_MODULE = "org.apache.kafka.common.security.plain.PlainLoginModule";
    static final String SCRAM_MODULE = "org.apache.kafka.common.security.scram.ScramLoginModule";
    @TempDir
    static Path dir;
    static TlsCerts.Identity brokerId;
    static TlsCerts.Identity client;
    static TestBroker broker;
    static final Map<String, Integer> ports = new LinkedHashMap<>();

    @BeforeAll
    static void start() throws Exception {
        Path certs = dir.resolve("certs");
        brokerId = TlsCerts.create(certs, "broker");
        client = TlsCerts.create(certs, "client");
        Path brokerTrust = TlsCerts.trustStore(certs.resolve("broker-trust.p12"), client);
        for (String l : List.of("SASL_SSL", "SASLMTLS", "MTLS")) ports.put(l, BrokerProcess.freePort());
        Map<String, String> p = new LinkedHashMap<>();
        p.put("listeners", String.join(",", ports.entrySet().stream().map(e -> e.getKey() + "://127.0.0.1:" + e.getValue()).toList()));
        p.put("listener.security.protocol.map", "SASL_SSL:SASL_SSL,SASLMTLS:SASL_SSL,MTLS:SSL");
        // one key store for every listener (plain ssl.* keys); the client-auth listeners trust the client's certificate
        p.put("ssl.keystore.type", "PKCS12");
        p.put("ssl.keystore.location", brokerId.pkcs12().toString());
        p.put("ssl.keystore.password", TlsCerts.PASSWORD);
        for (String l : List.of("saslmtls", "mtls")) {
            p.put("listener.name." + l + ".ssl.truststore.type", "PKCS12");
            p.put("listener.name." + l + ".ssl.truststore.location", brokerTrust.toString());
            p.put("listener.name." + l + ".ssl.truststore.password", TlsCerts.PASSWORD);
            p.put("listener.name." + l + ".ssl.client.auth", "required");
        }
        p.put("sasl.enabled.mechanisms", "PLAIN,SCRAM-SHA-512");
        String users = PLAIN_MODULE + " required user_admin=\"admin-secret\" user_bob=\"bob-secret\";";
        p.put("listener.name.sasl_ssl.plain.sasl.jaas.config", users);
        p.put("listener.name.saslmtls.plain.sasl.jaas.config", users);
        // the client certificate's principal is a super user: on SASLMTLS it must not be the one requests run as
        p.put("authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer");
        p.put("super.users", "User:admin;User:scram;User:" + client.dn());
        broker = TestBroker.start(dir.resolve("data"), p);
        try (Admin admin = admin("SASL_SSL", plain("admin", "admin-secret"))) {
            admin.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion("scram",
                    new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 4096), "scram-secret"))).all().get(30, TimeUnit.SECONDS);
        }
    }

    @AfterAll
    static void stop() {
        if (broker != null) broker.close();
    }

    static String bootstrap(String listener) {
        return "127.0.0.1:" + ports.get(listener);
    }

    /** TLS trusting the broker's certificate, and SASL with {@code mechanism}. */
    static Map<String, Object> saslSsl(String mechanism, String module, String user, String password) throws Exception {
        Path ts = TlsCerts.trustStore(dir.resolve("certs").resolve("trust-" + System.nanoTime() + ".p12"), brokerId);
        Map<String, Object> c = new HashMap<>();
        c.put("security.protocol", "SASL_SSL");
        c.put("ssl.truststore.type", "PKCS12");
        c.put("ssl.truststore.location", ts.toString());
        c.put("ssl.truststore.password", TlsCerts.PASSWORD);
        c.put("sasl.mechanism", mechanism);
        c.put("sasl.jaas.config", module + " required username=\"" + user + "\" password=\"" + password + "\";");
        return c;
    }

    static Map<String, Object> plain(String user, String password) throws Exception {
        return saslSsl("PLAIN", PLAIN_MODULE, user, password);
    }

    static Map<String, Object> scram(String user, String password) throws Exception {
        return saslSsl("SCRAM-SHA-512", SCRAM_MODULE, user, password);
    }

    static Map<String, Object> withClientCert(Map<String, Object> c) {
        Map<String, Object> out = new HashMap<>(c);
        out.put("ssl.keystore.type", "PKCS12");
        out.put("ssl.keystore.location", client.pkcs12().toString());
        out.put("ssl.keystore.password", TlsCerts.PASSWORD);
        return out;
    }

    static Admin admin(String listener, Map<String, Object> security) {
        Map<String, Object> c = new HashMap<>(security);
        c.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap(listener));
        c.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        c.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 15_000);
        c.put(AdminClientConfig.RETRY_BACKOFF_MS_CONFIG, 50);
        return Admin.create(c);
    }

    static void produceAndConsume(String listener, Map<String, Object> security, String topic, int n) throws Exception {
        broker.createTopic(topic, 1);
        try (KafkaProducer<byte[], byte[]> producer = Clients.producer(bootstrap(listener), security)) {
            for (int i = 0; i < n; i++) {
                producer.send(new ProducerRecord<>(topic, ("v" + i).getBytes(StandardCharsets.UTF_8))).get(30, TimeUnit.SECONDS);
            }
        }
        try (KafkaConsumer<byte[], byte[]> consumer = Clients.consumer(bootstrap(listener), security)) {
            consumer.assign(List.of(new TopicPartition(topic, 0)));
            List<ConsumerRecord<byte[], byte[]>> got = Clients.pollUntil(consumer, n, Duration.ofSeconds(30), false);
            List<String> want = new ArrayList<>();
            for (int i = 0; i < n; i++) want.add("v" + i);
            assertThat(got).extracting(r -> new String(r.value(), StandardCharsets.UTF_8)).containsExactlyElementsOf(want);
        }
    }

    @Test
    void plainAndScramClientsProduceAndConsumeOverSaslSsl() throws Exception {
        produceAndConsume("SASL_SSL", plain("admin", "admin-secret"), "saslssl-plain", 5);
        produceAndConsume("SASL_SSL", scram("scram", "scram-secret"), "saslssl-scram", 5);
        // Metadata answers with the SASL_SSL endpoint the client came through
        try (Admin admin = admin("SASL_SSL", scram("scram", "scram-secret"))) {
            assertThat(admin.describeCluster().nodes().get(30, TimeUnit.SECONDS))
                    .extracting(n -> n.port()).containsExactly(ports.get("SASL_SSL"));
        }
    }

    @Test
    void aWrongPasswordIsRefused() throws Exception {
        for (Map<String, Object> bad : List.of(plain("admin", "wrong"), scram("scram", "wrong"), scram("nobody", "x"))) {
            try (Admin admin = admin("SASL_SSL", bad)) {
                assertThatThrownBy(() -> admin.describeCluster().clusterId().get(30, TimeUnit.SECONDS))
                        .isInstanceOf(ExecutionException.class).cause().isInstanceOf(SaslAuthenticationException.class);
            }
        }
    }

    @Test
    void aPlaintextClientOnTheSaslSslPortIsClosedAndOthersAreStillServed() throws Exception {
        try (Socket s = new Socket("127.0.0.1", ports.get("SASL_SSL"))) {
            s.setSoTimeout(15_000);
            OutputStream out = s.getOutputStream();
            out.write(RawClient.frame(ApiKeys.API_VERSIONS, (short) 0, 1, new ApiVersionsRequest()));
            out.flush();
            // the broker may answer with a TLS alert; what matters is that it closes the connection
            InputStream in = s.getInputStream();
            boolean closed = false;
            try {
                byte[] buf = new byte[512];
                while (in.read(buf) >= 0) {
                    // drain until end of stream
                }
                closed = true;
            } catch (SocketTimeoutException e) {
                closed = false;
            } catch (SocketException e) {
                closed = true; // reset
            }
            assertThat(closed).as("the broker closed the plaintext connection").isTrue();
        }
        // a SASL_PLAINTEXT client (no TLS) fails too, without a response mistaken for an answer
        Map<String, Object> noTls = new HashMap<>(plain("admin", "admin-secret"));
        noTls.put("security.protocol", "SASL_PLAINTEXT");
        noTls.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 5_000);
        try (Admin admin = admin("SASL_SSL", noTls)) {
            assertThatThrownBy(() -> admin.describeCluster().clusterId().get(30, TimeUnit.SECONDS)).isInstanceOf(Exception.class);
        }
        produceAndConsume("SASL_SSL", plain("admin", "admin-secret"), "saslssl-after-plaintext", 2);
    }

    @Test
    void withClientAuthRequiredTheSaslPrincipalWins() throws Exception {
        // the certificate's principal (User:CN=client,...) is a super user; bob is not and has no ACL: bob is denied
        try (Admin bob = admin("SASLMTLS", withClientCert(plain("bob", "bob-secret")))) {
            assertThatThrownBy(() -> bob.describeAcls(AclBindingFilter.ANY).values().get(30, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class).cause().isInstanceOf(ClusterAuthorizationException.class);
        }
        try (Admin admin = admin("SASLMTLS", withClientCert(plain("admin", "admin-secret")))) {
            assertThat(admin.describeAcls(AclBindingFilter.ANY).values().get(30, TimeUnit.SECONDS)).isEmpty();
        }
        // without a client certificate TLS fails before SASL starts
        try (Admin admin = admin("SASLMTLS", plain("admin", "admin-secret"))) {
            assertThatThrownBy(() -> admin.describeCluster().clusterId().get(30, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class).cause().isInstanceOf(SslAuthenticationException.class);
        }
        produceAndConsume("SASLMTLS", withClientCert(scram("scram", "scram-secret")), "saslmtls-scram", 2);
    }

    /** Runs a process to its end (60 s at most); its exit status, stdout and stderr. */
    static KcatIT.Result run(String stdin, List<String> cmd) throws Exception {
        Path in = Files.createTempFile(dir, "proc", ".in");
        Path out = Files.createTempFile(dir, "proc", ".out");
        Path err = Files.createTempFile(dir, "proc", ".err");
        Files.writeString(in, stdin == null ? "" : stdin);
        Process p = new ProcessBuilder(cmd).redirectInput(in.toFile()).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        try {
            assertThat(p.waitFor(90, TimeUnit.SECONDS)).as("%s finished; stderr: %s", cmd.get(0), Files.readString(err)).isTrue();
        } finally {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
        return new KcatIT.Result(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    static KcatIT.Result kcat(String stdin, String... args) throws Exception {
        Path ca = TlsCerts.pemTrust(dir.resolve("certs").resolve("ca.pem"), brokerId);
        List<String> cmd = new ArrayList<>(List.of(KcatIT.findKcatPath(), "-b", bootstrap("SASL_SSL"), "-m", "15",
                "-X", "security.protocol=SASL_SSL", "-X", "ssl.ca.location=" + ca, "-X", "sasl.mechanisms=SCRAM-SHA-512",
                "-X", "sasl.username=scram", "-X", "sasl.password=scram-secret"));
        cmd.addAll(List.of(args));
        return run(stdin, cmd);
    }

    @Test
    void kcatProducesAndConsumesWithScramOverSaslSsl() throws Exception {
        broker.createTopic("saslssl-kcat", 1);
        KcatIT.Result produced = kcat("one\ntwo\n", "-P", "-t", "saslssl-kcat", "-p", "0");
        assertThat(produced.exit()).as("stderr: %s", produced.err()).isZero();
        KcatIT.Result consumed = kcat(null, "-C", "-t", "saslssl-kcat", "-o", "beginning", "-e");
        assertThat(consumed.exit()).as("stderr: %s", consumed.err()).isZero();
        assertThat(consumed.out().lines()).containsExactly("one", "two");
    }

    @Test
    void kcatProducesAndConsumesOverMutualTlsWithPemFiles() throws Exception {
        // librdkafka takes the client's certificate and key as separate PEM files; the principal (the certificate's
        // subject) is a super user, so the authorizer lets it through
        Path certs = dir.resolve("certs");
        Path ca = TlsCerts.pemTrust(certs.resolve("mtls-ca.pem"), brokerId);
        Path cert = Files.writeString(certs.resolve("client-cert.pem"), client.certPem());
        Path key = Files.writeString(certs.resolve("client-key.pem"), client.keyPem());
        broker.createTopic("mtls-kcat", 1);
        List<String> tls = List.of(KcatIT.findKcatPath(), "-b", bootstrap("MTLS"), "-m", "15",
                "-X", "security.protocol=SSL", "-X", "ssl.ca.location=" + ca);
        List<String> withCert = new ArrayList<>(tls);
        withCert.addAll(List.of("-X", "ssl.certificate.location=" + cert, "-X", "ssl.key.location=" + key));
        List<String> produce = new ArrayList<>(withCert);
        produce.addAll(List.of("-P", "-t", "mtls-kcat", "-p", "0"));
        KcatIT.Result produced = run("m1\nm2\n", produce);
        assertThat(produced.exit()).as("stderr: %s", produced.err()).isZero();
        List<String> consume = new ArrayList<>(withCert);
        consume.addAll(List.of("-C", "-t", "mtls-kcat", "-o", "beginning", "-e"));
        KcatIT.Result consumed = run(null, consume);
        assertThat(consumed.exit()).as("stderr: %s", consumed.err()).isZero();
        assertThat(consumed.out().lines()).containsExactly("m1", "m2");
        // without the client certificate the listener (ssl.client.auth=required) refuses the handshake
        List<String> noCert = new ArrayList<>(tls);
        noCert.set(noCert.indexOf("15"), "5");
        noCert.addAll(List.of("-L", "-t", "mtls-kcat"));
        KcatIT.Result refused = run(null, noCert);
        assertThat(refused.exit()).as("kcat -L without a client certificate; stdout: %s", refused.out()).isNotZero();
    }

    static String python(String listener, String topic, String securityJson) throws Exception {
        Path script = dir.resolve("secure_client.py");
        try (InputStream in = SaslSslIT.class.getResourceAsStream("/secure_client.py")) {
            Files.write(script, in.readAllBytes());
        }
        broker.createTopic(topic, 1);
        // Debian installs confluent-kafka for the system interpreter
        KcatIT.Result r = run(null, List.of("/usr/bin/python3", script.toString(), bootstrap(listener), topic, "3", securityJson));
        assertThat(r.exit()).as("python exit; stdout: %s stderr: %s", r.out(), r.err()).isZero();
        return r.out();
    }

    @Test
    void confluentKafkaPythonOverSaslSslAndMutualTls() throws Exception {
        String ca = TlsCerts.pemTrust(dir.resolve("certs").resolve("py-ca.pem"), brokerId).toString();
        String sasl = "{\"security.protocol\": \"SASL_SSL\", \"ssl.ca.location\": \"" + ca + "\", "
                + "\"sasl.mechanisms\": \"SCRAM-SHA-512\", \"sasl.username\": \"scram\", \"sasl.password\": \"scram-secret\"}";
        assertThat(python("SASL_SSL", "saslssl-python", sasl)).contains("consumed=s0,s1,s2").doesNotContain("errors=");
        // mutual TLS: the principal is the certificate's subject, a super user
        String mtls = "{\"security.protocol\": \"SSL\", \"ssl.ca.location\": \"" + ca + "\", "
                + "\"ssl.keystore.location\": \"" + client.pkcs12() + "\", \"ssl.keystore.password\": \"" + TlsCerts.PASSWORD + "\"}";
        assertThat(python("MTLS", "mtls-python", mtls)).contains("consumed=s0,s1,s2").doesNotContain("errors=");
    }
}
