package io.runnel.it;

import io.runnel.broker.interbroker.InterBrokerChannel;
import io.runnel.broker.interbroker.InterBrokerSecurity;
import io.runnel.config.SaslListenerConfig;
import io.runnel.protocol.ApiKeys;
import io.runnel.protocol.message.MetadataRequest;
import io.runnel.protocol.message.MetadataResponse;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The broker-to-broker channel's SASL client against a real broker's SASL_PLAINTEXT listener, with SCRAM-SHA-512
 * (the cluster test, SaslClusterIT, uses PLAIN): it authenticates before its first request, re-authenticates on the
 * same connection when the session (connections.max.reauth.ms = 1 s) would expire, and a wrong password is an
 * IOException naming the error.
 */
// broker-side behaviour: one client generation (runnel-it's) is enough
@EnabledIfSystemProperty(named = "it.kafka.clients.version", matches = "4\\.1\\..*")
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class InterBrokerSaslIT {
    @TempDir
    static Path dir;
    static TestBroker broker;
    static int port;

    @BeforeAll
    static void start() throws Exception {
        port = BrokerProcess.freePort();
        Map<String, String> props = new LinkedHashMap<>();
        props.put("listeners", "SASL_PLAINTEXT://127.0.0.1:" + port);
        props.put("sasl.enabled.mechanisms", "PLAIN,SCRAM-SHA-512");
        props.put("listener.name.sasl_plaintext.plain.sasl.jaas.config",
                "org.apache.kafka.common.security.plain.PlainLoginModule required user_admin=\"admin-secret\";");
        props.put("connections.max.reauth.ms", "1000");
        broker = TestBroker.start(dir.resolve("broker"), props);
        Map<String, Object> admin = new HashMap<>();
        admin.put("bootstrap.servers", "127.0.0.1:" + port);
        admin.put("security.protocol", "SASL_PLAINTEXT");
        admin.put("sasl.mechanism", "PLAIN");
        admin.put("sasl.jaas.config", "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"admin\" password=\"admin-secret\";");
        try (Admin a = Admin.create(admin)) {
            a.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion("broker",
                    new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 4096), "broker-secret"))).all().get(30, TimeUnit.SECONDS);
        }
    }

    @AfterAll
    static void stop() {
        if (broker != null) broker.close();
    }

    private static InterBrokerChannel channel(String password) {
        return new InterBrokerChannel("inter-broker-sasl-it", "127.0.0.1", port, 5_000, InterBrokerSecurity.of(null,
                new SaslListenerConfig.InterBrokerSasl("SASL_PLAINTEXT", "SCRAM-SHA-512", "broker", password)));
    }

    private static MetadataResponse metadata(InterBrokerChannel c) throws IOException {
        // Metadata is refused (the connection closed) before authentication and after an expired session
        return c.send(ApiKeys.METADATA, (short) 12, new MetadataRequest(), 5_000);
    }

    @Test
    void scramAuthenticatesAndRenewsTheSessionOnTheSameConnection() throws Exception {
        try (InterBrokerChannel c = channel("broker-secret")) {
            assertThat(metadata(c).brokers).hasSize(1);
            Thread.sleep(1_300); // past the 1 s session: without re-authentication the next request closes the connection
            assertThat(metadata(c).brokers).hasSize(1);
            Thread.sleep(1_300);
            assertThat(metadata(c).brokers).hasSize(1);
            assertThat(c.isConnected()).isTrue();
        }
    }

    @Test
    void aWrongPasswordIsAnIOExceptionNamingTheError() {
        try (InterBrokerChannel c = channel("wrong")) {
            assertThatThrownBy(() -> metadata(c)).isInstanceOf(IOException.class)
                    .hasMessageContaining("SASL authentication of broker (SCRAM-SHA-512)")
                    .hasMessageContaining("SASL_AUTHENTICATION_FAILED");
            assertThat(c.isConnected()).isFalse();
        }
    }
}
