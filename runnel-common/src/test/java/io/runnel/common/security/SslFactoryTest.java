package io.runnel.common.security;

import io.runnel.config.ConfigException;
import io.runnel.config.SslSettings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Settings that cannot work stop {@link SslFactory} with a {@link ConfigException} naming the key to fix (the
 * store-loading cases with real stores are in runnel-it's SslIT). Client mode needs no key store, so it reaches
 * the protocol and trust checks without certificates.
 */
class SslFactoryTest {
    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0}={1} names {0}")
    @CsvSource(delimiter = '|', value = {
            "ssl.protocol|TLSv9",
            "ssl.enabled.protocols|TLSv1.3,SSLv9",
            "ssl.cipher.suites|TLS_NO_SUCH_SUITE",
            "ssl.trustmanager.algorithm|NoSuchAlgorithm",
            "ssl.principal.mapping.rules|RULE:(/x/",
            "ssl.truststore.location|/no/such/truststore.jks",
    })
    void anUnworkableSettingIsNamed(String key, String value) {
        assertThatThrownBy(() -> SslFactory.forClient(SslSettings.of(Map.of(key, value))))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.key()).isEqualTo(key))
                .hasMessageContaining(key);
    }

    @Test
    void defaultsGiveAWorkingClientWithTheJdkTrust() {
        SslFactory f = SslFactory.forClient(SslSettings.of(Map.of()));
        assertThat(f.endpointIdentificationAlgorithm()).isEqualTo("https");
        assertThat(f.clientAuth()).isEqualTo(SslFactory.ClientAuth.NONE);
        assertThat(SslFactory.forClient(SslSettings.of(Map.of("ssl.endpoint.identification.algorithm", "")))
                .endpointIdentificationAlgorithm()).isNull();
    }

    @Test
    void aServerNeedsAKeyStore() {
        assertThatThrownBy(() -> SslFactory.forServer(SslSettings.of(Map.of())))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.key()).isEqualTo("ssl.keystore.location"))
                .hasMessageContaining("needs a key store");
    }

    @Test
    void pemMaterialIsChecked() throws Exception {
        Path junk = dir.resolve("junk.pem");
        Files.writeString(junk, "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
        Map<String, String> trust = new HashMap<>();
        trust.put("ssl.truststore.type", "PEM");
        trust.put("ssl.truststore.location", junk.toString());
        assertThatThrownBy(() -> SslFactory.forClient(SslSettings.of(trust)))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.key()).isEqualTo("ssl.truststore.location"))
                .hasMessageContaining("does not decode");
        trust.put("ssl.truststore.password", "secret");
        assertThatThrownBy(() -> SslFactory.forClient(SslSettings.of(trust)))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.key()).isEqualTo("ssl.truststore.password"))
                .hasMessageNotContaining("secret");

        Map<String, String> key = new HashMap<>();
        key.put("ssl.keystore.type", "PEM");
        key.put("ssl.keystore.certificate.chain", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
        assertThatThrownBy(() -> SslFactory.forServer(SslSettings.of(key)))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.key()).isEqualTo("ssl.keystore.key"))
                .hasMessageContaining("ssl.keystore.key is needed with ssl.keystore.certificate.chain");
        Map<String, String> inlineInJks = Map.of("ssl.keystore.key", "x", "ssl.keystore.certificate.chain", "y");
        assertThatThrownBy(() -> SslFactory.forServer(SslSettings.of(inlineInJks)))
                .isInstanceOf(ConfigException.class).hasMessageContaining("needs ssl.keystore.type=PEM");
        assertThat(SslFactory.pemBlocks("x\n-----BEGIN A-----\nAQI=\n-----END A-----\n-----BEGIN B-----\nAw==\n-----END B-----", "B"))
                .singleElement().isEqualTo(new byte[] {3});
    }

    /**
     * The trust manager handed to the quorum's gRPC (which always asks for the https host-name check): with
     * ssl.endpoint.identification.algorithm empty it verifies the chain but not the name; with https (default) a
     * server whose certificate does not name the host it was reached at fails the handshake. A real handshake
     * between two JDK engines, the server's certificate naming only other.example.
     */
    @Test
    void theQuorumsTrustManagerChecksTheHostNameUnlessTheAlgorithmIsEmpty() throws Exception {
        Path p12 = dir.resolve("server.p12");
        String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        Process p = new ProcessBuilder(keytool, "-genkeypair", "-alias", "server", "-keyalg", "EC", "-groupname", "secp256r1",
                "-dname", "CN=server", "-ext", "SAN=dns:other.example", "-validity", "2", "-keystore", p12.toString(),
                "-storetype", "PKCS12", "-storepass", "secret", "-keypass", "secret").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).as(out).isZero();
        Map<String, String> server = Map.of("ssl.keystore.type", "PKCS12", "ssl.keystore.location", p12.toString(),
                "ssl.keystore.password", "secret");
        Map<String, String> client = new HashMap<>(Map.of("ssl.truststore.type", "PKCS12", "ssl.truststore.location", p12.toString(),
                "ssl.truststore.password", "secret"));
        SslFactory serverSide = SslFactory.forServer(SslSettings.of(server));
        assertThat(serverSide.keyManager()).isNotNull();

        assertThatThrownBy(() -> handshake(serverSide, SslFactory.forClient(SslSettings.of(client))))
                .isInstanceOf(javax.net.ssl.SSLHandshakeException.class);
        client.put("ssl.endpoint.identification.algorithm", "");
        handshake(serverSide, SslFactory.forClient(SslSettings.of(client))); // the chain is trusted: no exception
        // an untrusted chain still fails without the name check
        Map<String, String> jdkTrust = Map.of("ssl.endpoint.identification.algorithm", "");
        assertThatThrownBy(() -> handshake(serverSide, SslFactory.forClient(SslSettings.of(jdkTrust))))
                .isInstanceOf(javax.net.ssl.SSLHandshakeException.class);
    }

    /** A TLS handshake in memory: a client engine asking for the https check of 127.0.0.1 as gRPC does. */
    private static void handshake(SslFactory server, SslFactory client) throws Exception {
        javax.net.ssl.SSLContext ctx = javax.net.ssl.SSLContext.getInstance("TLS");
        ctx.init(null, new javax.net.ssl.TrustManager[] {client.trustManager()}, null);
        javax.net.ssl.SSLEngine c = ctx.createSSLEngine("127.0.0.1", 9093);
        c.setUseClientMode(true);
        javax.net.ssl.SSLParameters params = c.getSSLParameters();
        params.setEndpointIdentificationAlgorithm("HTTPS");
        c.setSSLParameters(params);
        javax.net.ssl.SSLEngine s = server.newServerEngine();
        java.nio.ByteBuffer toServer = java.nio.ByteBuffer.allocate(1 << 17);
        java.nio.ByteBuffer toClient = java.nio.ByteBuffer.allocate(1 << 17);
        java.nio.ByteBuffer app = java.nio.ByteBuffer.allocate(1 << 17);
        java.nio.ByteBuffer empty = java.nio.ByteBuffer.allocate(0);
        c.beginHandshake();
        s.beginHandshake();
        for (int i = 0; i < 1000; i++) {
            if (done(c) && done(s)) return;
            step(c, empty, toServer, toClient, app);
            step(s, empty, toClient, toServer, app);
        }
        throw new AssertionError("the handshake did not finish");
    }

    private static boolean done(javax.net.ssl.SSLEngine e) {
        var st = e.getHandshakeStatus();
        return st == javax.net.ssl.SSLEngineResult.HandshakeStatus.NOT_HANDSHAKING
                || st == javax.net.ssl.SSLEngineResult.HandshakeStatus.FINISHED;
    }

    /** One round for engine {@code e}: run tasks, write what it has to {@code out}, read what {@code in} holds. */
    private static void step(javax.net.ssl.SSLEngine e, java.nio.ByteBuffer empty, java.nio.ByteBuffer out,
                             java.nio.ByteBuffer in, java.nio.ByteBuffer app) throws Exception {
        Runnable task;
        while ((task = e.getDelegatedTask()) != null) task.run();
        if (e.getHandshakeStatus() == javax.net.ssl.SSLEngineResult.HandshakeStatus.NEED_WRAP) e.wrap(empty, out);
        while ((task = e.getDelegatedTask()) != null) task.run();
        in.flip();
        try {
            while (in.hasRemaining() && e.getHandshakeStatus() == javax.net.ssl.SSLEngineResult.HandshakeStatus.NEED_UNWRAP) {
                var r = e.unwrap(in, app);
                while ((task = e.getDelegatedTask()) != null) task.run();
                if (r.getStatus() != javax.net.ssl.SSLEngineResult.Status.OK) break;
            }
        } finally {
            in.compact();
        }
    }
}
