package io.runnel.cli;

import io.runnel.common.security.SaslClientMechanism;
import io.runnel.common.security.SslFactory;
import io.runnel.config.ConfigException;
import io.runnel.config.SaslListenerConfig;
import io.runnel.config.SslSettings;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The client security settings of {@code --command-config FILE}: a Java properties file with Kafka's client keys,
 * as Kafka's tools take it. {@code security.protocol} (PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL); for TLS the
 * {@code ssl.*} client keys (trust store, key store for mutual TLS, protocol, endpoint identification), built
 * into a client {@link SslFactory}; for SASL {@code sasl.mechanism} (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512) and
 * {@code sasl.jaas.config} (a PlainLoginModule or ScramLoginModule entry with username and password).
 *
 * <p>Everything is read and checked once, by {@link #load}: a bad file or value is an {@link IllegalArgumentException}
 * naming the key (a usage error); a key this client does not use is a warning, as Kafka's tools print.
 */
final class CommandConfig {
    /** PLAINTEXT: no TLS, no SASL (what a command without {@code --command-config} uses). */
    static final CommandConfig PLAINTEXT = new CommandConfig("PLAINTEXT", null, null, null, null);

    static final List<String> PROTOCOLS = List.of("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL");
    /** The ssl.* keys of Kafka's clients that this client applies. */
    static final Set<String> SSL_KEYS = Set.of("ssl.keystore.type", "ssl.keystore.location", "ssl.keystore.password",
            "ssl.key.password", "ssl.keystore.certificate.chain", "ssl.keystore.key", "ssl.truststore.type",
            "ssl.truststore.location", "ssl.truststore.password", "ssl.truststore.certificates", "ssl.protocol",
            "ssl.enabled.protocols", "ssl.cipher.suites", "ssl.keymanager.algorithm", "ssl.trustmanager.algorithm",
            "ssl.endpoint.identification.algorithm");

    private final String securityProtocol;
    private final SslFactory ssl;
    private final String saslMechanism;
    private final String saslUser;
    private final String saslPassword;

    private CommandConfig(String securityProtocol, SslFactory ssl, String saslMechanism, String saslUser, String saslPassword) {
        this.securityProtocol = securityProtocol;
        this.ssl = ssl;
        this.saslMechanism = saslMechanism;
        this.saslUser = saslUser;
        this.saslPassword = saslPassword;
    }

    String securityProtocol() {
        return securityProtocol;
    }

    /** The TLS client of SSL and SASL_SSL, else null. */
    SslFactory ssl() {
        return ssl;
    }

    /** Whether connections authenticate with SASL. */
    boolean usesSasl() {
        return saslMechanism != null;
    }

    String saslMechanism() {
        return saslMechanism;
    }

    String saslUser() {
        return saslUser;
    }

    /** A new client mechanism for one connection's authentication. */
    SaslClientMechanism newSaslClient() {
        return SaslClientMechanism.create(saslMechanism, saslUser, saslPassword);
    }

    /**
     * Reads {@code file}.
     *
     * @param warnings receives one line per key that is not used (Kafka's tools warn about unknown keys too)
     * @throws IllegalArgumentException the file cannot be read, or a key's value is unusable (the key is named)
     */
    static CommandConfig load(Path file, Consumer<String> warnings) {
        Properties props = new Properties();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            props.load(r);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("no such file");
        } catch (IOException | IllegalArgumentException e) {
            throw new IllegalArgumentException("cannot be read as a properties file: " + e.getMessage());
        }
        Map<String, String> map = new LinkedHashMap<>();
        for (String k : props.stringPropertyNames()) map.put(k.trim(), props.getProperty(k).trim());
        return parse(map, warnings);
    }

    /** As {@link #load}, from the properties themselves. */
    static CommandConfig parse(Map<String, String> props, Consumer<String> warnings) {
        for (String k : props.keySet()) {
            if (k.equals("security.protocol") || k.equals("sasl.mechanism") || k.equals("sasl.jaas.config") || SSL_KEYS.contains(k)) continue;
            warnings.accept("The configuration '" + k + "' was supplied but isn't a known config of runnel-cli; it is ignored.");
        }
        String protocol = props.getOrDefault("security.protocol", "PLAINTEXT").toUpperCase(Locale.ROOT);
        if (!PROTOCOLS.contains(protocol)) {
            throw new IllegalArgumentException("Invalid value " + props.get("security.protocol") + " for configuration security.protocol: "
                    + "expected one of " + String.join(", ", PROTOCOLS));
        }
        SslFactory ssl = null;
        if (protocol.equals("SSL") || protocol.equals("SASL_SSL")) {
            Map<String, String> sslProps = new LinkedHashMap<>();
            props.forEach((k, v) -> {
                if (SSL_KEYS.contains(k)) sslProps.put(k, v);
            });
            try {
                ssl = SslFactory.forClient(SslSettings.of(sslProps));
            } catch (ConfigException e) {
                throw new IllegalArgumentException(e.getMessage());
            }
        }
        if (!protocol.startsWith("SASL_")) return new CommandConfig(protocol, ssl, null, null, null);

        // Kafka's default sasl.mechanism is GSSAPI
        String mechanism = props.getOrDefault("sasl.mechanism", "GSSAPI").toUpperCase(Locale.ROOT);
        if (!SaslClientMechanism.SUPPORTED.contains(mechanism)) {
            String why = mechanism.equals("GSSAPI") ? "GSSAPI (Kerberos" + (props.containsKey("sasl.mechanism") ? ")" : ", Kafka's default)")
                    + " is not supported by runnel-cli" : "SASL mechanism " + mechanism + " is not supported by runnel-cli";
            throw new IllegalArgumentException("Invalid value " + mechanism + " for configuration sasl.mechanism: " + why
                    + "; use one of " + String.join(", ", SaslClientMechanism.SUPPORTED));
        }
        String jaas = props.get("sasl.jaas.config");
        String module = mechanism.equals(SaslClientMechanism.PLAIN) ? SaslListenerConfig.PLAIN_MODULE : SaslListenerConfig.SCRAM_MODULE;
        if (jaas == null || jaas.isBlank()) {
            throw new IllegalArgumentException("security.protocol=" + protocol + " needs sasl.jaas.config: " + module
                    + " required username=\"...\" password=\"...\";");
        }
        SaslListenerConfig.JaasEntry entry;
        try {
            entry = SaslListenerConfig.JaasEntry.parse("sasl.jaas.config", jaas);
        } catch (ConfigException e) {
            throw new IllegalArgumentException(e.getMessage());
        }
        if (!entry.loginModule().equals(module)) {
            throw new IllegalArgumentException("sasl.jaas.config must name " + module + " for sasl.mechanism=" + mechanism
                    + ", not " + entry.loginModule());
        }
        String user = entry.options().get("username");
        String password = entry.options().get("password");
        if (user == null || user.isEmpty() || password == null) {
            throw new IllegalArgumentException("sasl.jaas.config needs the options username and password");
        }
        return new CommandConfig(protocol, ssl, mechanism, user, password);
    }
}
