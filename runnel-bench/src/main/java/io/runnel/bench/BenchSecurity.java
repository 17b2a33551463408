package io.runnel.bench;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/**
 * {@code --security sasl_ssl}: both brokers (Runnel and Apache Kafka) serve their client listener as SASL_SSL,
 * configured the same way with Kafka's keys: TLSv1.3 only (JDK engine), a self-signed EC P-256 certificate for
 * 127.0.0.1 made at run time with keytool (trusted by the brokers' own TLS clients too), SASL PLAIN with one user from the listener's JAAS entry (also the
 * inter-broker user Kafka requires). The tools and admin clients connect as that user, trusting the certificate.
 * Plaintext (the default) changes nothing. Set once, before any broker starts; read by the starters and runners.
 */
final class BenchSecurity {
    static final String LISTENER = "SASL_SSL";
    private static final String PASSWORD = "bench-store-secret";
    private static final String USER = "bench";
    private static final String USER_PASSWORD = "bench-secret";
    private static final String PLAIN_MODULE = "org.apache.kafka.common.security.plain.PlainLoginModule";

    private static volatile BenchSecurity current;

    private final Path keyStore;
    private final Path trustStore;
    private final Path clientConfig;

    private BenchSecurity(Path keyStore, Path trustStore, Path clientConfig) {
        this.keyStore = keyStore;
        this.trustStore = trustStore;
        this.clientConfig = clientConfig;
    }

    /** Whether the brokers serve SASL_SSL. */
    static boolean enabled() {
        return current != null;
    }

    /** Makes the certificate, the trust store and the tools' client config under {@code workDir}/tls. */
    static void enableSaslSsl(Path javaHome, Path workDir) throws Exception {
        Path dir = Files.createDirectories(workDir.resolve("tls"));
        Path ks = dir.resolve("broker.p12");
        Files.deleteIfExists(ks);
        Process p = new ProcessBuilder(javaHome.resolve("bin/keytool").toString(), "-genkeypair", "-alias", "broker",
                "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=localhost,O=Runnel bench",
                "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-validity", "7", "-keystore", ks.toString(),
                "-storetype", "PKCS12", "-storepass", PASSWORD, "-keypass", PASSWORD).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) throw new IllegalStateException("keytool failed: " + out);
        KeyStore key = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(ks)) {
            key.load(in, PASSWORD.toCharArray());
        }
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("broker", key.getCertificate("broker"));
        Path ts = dir.resolve("trust.p12");
        try (OutputStream o = Files.newOutputStream(ts)) {
            trust.store(o, PASSWORD.toCharArray());
        }
        Path client = dir.resolve("client.properties");
        BenchSecurity s = new BenchSecurity(ks, ts, client);
        List<String> lines = new ArrayList<>();
        for (Map.Entry<String, String> e : s.clientSettings().entrySet()) lines.add(e.getKey() + "=" + e.getValue());
        Files.writeString(client, String.join("\n", lines) + "\n", StandardCharsets.UTF_8);
        current = s;
    }

    private Map<String, String> clientSettings() {
        return Map.of("security.protocol", "SASL_SSL",
                "ssl.truststore.type", "PKCS12",
                "ssl.truststore.location", trustStore.toString(),
                "ssl.truststore.password", PASSWORD,
                "ssl.enabled.protocols", "TLSv1.3",
                "ssl.protocol", "TLSv1.3",
                "sasl.mechanism", "PLAIN",
                "sasl.jaas.config", PLAIN_MODULE + " required username=\"" + USER + "\" password=\"" + USER_PASSWORD + "\";");
    }

    /** Adds the client security settings to admin client properties (no-op for plaintext). */
    static Properties apply(Properties p) {
        BenchSecurity s = current;
        if (s != null) p.putAll(s.clientSettings());
        return p;
    }

    /** {@code --command-config FILE} for ProducerPerformance/ConsumerPerformance, or nothing for plaintext. */
    static List<String> toolArgs() {
        BenchSecurity s = current;
        return s == null ? List.of() : List.of("--command-config", s.clientConfig.toString());
    }

    /** The security protocol name of the client listener: PLAINTEXT or SASL_SSL (the listener is named after it). */
    static String listenerName() {
        return current == null ? "PLAINTEXT" : LISTENER;
    }

    /**
     * The broker settings of the SASL_SSL listener, the same for Runnel and Kafka (Kafka's keys): TLS, SASL PLAIN,
     * and the inter-broker listener and mechanism (a one-node Kafka still names them; Runnel accepts them).
     */
    static List<String> brokerSettings() {
        BenchSecurity s = current;
        if (s == null) return List.of();
        String l = "listener.name." + LISTENER.toLowerCase(java.util.Locale.ROOT) + ".";
        return List.of(
                "ssl.keystore.type=PKCS12",
                "ssl.keystore.location=" + s.keyStore,
                "ssl.keystore.password=" + PASSWORD,
                "ssl.key.password=" + PASSWORD,
                // Kafka checks at start that its own client (inter-broker) trusts its key store
                "ssl.truststore.type=PKCS12",
                "ssl.truststore.location=" + s.trustStore,
                "ssl.truststore.password=" + PASSWORD,
                "ssl.enabled.protocols=TLSv1.3",
                "ssl.protocol=TLSv1.3",
                "sasl.enabled.mechanisms=PLAIN",
                "sasl.mechanism.inter.broker.protocol=PLAIN",
                "inter.broker.listener.name=" + LISTENER,
                l + "plain.sasl.jaas.config=" + PLAIN_MODULE + " required username=\"" + USER + "\" password=\""
                        + USER_PASSWORD + "\" user_" + USER + "=\"" + USER_PASSWORD + "\";");
    }
}
