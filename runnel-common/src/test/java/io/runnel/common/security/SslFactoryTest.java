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
}
