package io.runnel.it;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A configuration Runnel cannot honour, or a start-up resource it cannot have, stops {@code runnel start}
 * (the real process) with a non-zero exit and a message naming what failed.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class StartupRefusalIT {
    private static final Duration EXIT = Duration.ofSeconds(60);

    @TempDir
    Path dir;
    private int starts;

    private String refusedStart(Map<String, String> overrides, int expectedExit) throws Exception {
        try (BrokerProcess p = new BrokerProcess(dir.resolve("data-" + starts++), overrides).launch()) {
            assertThat(p.awaitExit(EXIT)).as("exit code; log:\n%s", p.log()).isEqualTo(expectedExit);
            return p.log();
        }
    }

    @Test
    void sslListenerWithoutAKeyStoreIsRefused() throws Exception {
        int port = BrokerProcess.freePort();
        String log = refusedStart(Map.of("listeners", "SSL://127.0.0.1:" + port), 1);
        assertThat(log).contains("startup failed").contains("An SSL listener needs a key store (listener SSL)")
                .contains("set ssl.keystore.location");
    }

    @Test
    void saslSslListenerWithKafkasDefaultMechanismIsRefused() throws Exception {
        // a SASL_SSL listener is served, but Kafka's default sasl.enabled.mechanisms (GSSAPI) is not
        int port = BrokerProcess.freePort();
        String log = refusedStart(Map.of("listeners", "CLIENTS://127.0.0.1:" + port,
                "listener.security.protocol.map", "CLIENTS:SASL_SSL"), 2);
        assertThat(log).contains("for configuration sasl.enabled.mechanisms")
                .contains("GSSAPI (Kerberos) is not supported");
    }

    @Test
    void authorizerAndSecurityKeysAreRefused() throws Exception {
        // Kafka's StandardAuthorizer switches on Runnel's own; any other class is refused
        assertThat(refusedStart(Map.of("authorizer.class.name", "kafka.security.authorizer.AclAuthorizer"), 2))
                .contains("for configuration authorizer.class.name")
                .contains("Runnel's authorizer is switched on by org.apache.kafka.metadata.authorizer.StandardAuthorizer");
        assertThat(refusedStart(Map.of("sasl.jaas.config", "x"), 2))
                .contains("for configuration sasl.jaas.config");
        // a SASL_PLAINTEXT listener with Kafka's default mechanism GSSAPI
        assertThat(refusedStart(Map.of("listeners", "SASL_PLAINTEXT://127.0.0.1:" + BrokerProcess.freePort()), 2))
                .contains("for configuration sasl.enabled.mechanisms").contains("GSSAPI (Kerberos) is not supported");
    }

    @Test
    void aPortInUseIsNamed() throws Exception {
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            int port = taken.getLocalPort();
            String log = refusedStart(Map.of("listeners", "PLAINTEXT://127.0.0.1:" + port), 1);
            assertThat(log).contains("startup failed: Cannot listen on PLAINTEXT://127.0.0.1:" + port)
                    .containsIgnoringCase("address already in use");
        }
    }

    @Test
    void aLogDirectoryUsedByAnotherBrokerIsNamed() throws Exception {
        Path data = dir.resolve("shared");
        try (BrokerProcess first = new BrokerProcess(data, Map.of()).start();
             BrokerProcess second = new BrokerProcess(data, Map.of()).launch()) {
            assertThat(second.awaitExit(EXIT)).as("log:\n%s", second.log()).isEqualTo(1);
            // the metadata log (in the first log directory) is locked first, then the partition log directories
            assertThat(second.log()).contains("startup failed").contains(data.toAbsolutePath().normalize().toString())
                    .containsPattern("(is in use by|is already used by) another (Runnel )?process");
            assertThat(first.isAlive()).isTrue();
            assertThat(first.stop()).isIn(0, 143); // 143: ended by SIGTERM
        }
    }
}
