package io.runnel.broker;

import io.runnel.config.BrokerConfigs;
import io.runnel.config.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A dedicated controller ({@code process.roles=controller}) on its own: a quorum of one becomes the active
 * controller and formats the log, and the node writes nothing but the metadata log and meta.properties.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ControllerServerTest {
    @TempDir
    Path dir;

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private Map<String, String> config(int port) {
        Map<String, String> c = new HashMap<>();
        c.put("node.id", "1");
        c.put("process.roles", "controller");
        c.put("controller.quorum.voters", "1@127.0.0.1:" + port);
        c.put("controller.listener.names", "CONTROLLER");
        c.put("listeners", "CONTROLLER://127.0.0.1:" + port);
        c.put("listener.security.protocol.map", "CONTROLLER:PLAINTEXT");
        c.put("log.dirs", dir.resolve("data").toString());
        return c;
    }

    @Test
    void aDedicatedControllerRunsTheQuorumAndTheControllerAndNothingOfABroker() throws Exception {
        int port = freePort();
        RunnelNode node = RunnelNode.of(BrokerConfigs.parse(config(port)));
        assertThat(node).isInstanceOf(ControllerServer.class);
        try (node) {
            node.startup();
            assertThat(node.boundListeners()).hasSize(1);
            assertThat(node.boundListeners().get(0).getPort()).isEqualTo(port);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!(node.quorumNode().isActive() && node.controller().image().clusterId() != null
                    && Files.exists(dir.resolve("data/meta.properties"))) && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(node.quorumNode().isActive()).as("a quorum of one is active").isTrue();
            assertThat(node.controller().activeControllerId()).isEqualTo(1);
            assertThat(node.controller().image().brokers()).as("a controller never registers as a broker").isEmpty();
            // an operation runs here: no broker is registered, so a topic cannot be placed
            var r = node.controller().createTopics(List.of(io.runnel.metadata.NewTopic.of("t", 1, 1)), false).get(30, TimeUnit.SECONDS);
            assertThat(r.get(0).error().error()).isEqualTo(io.runnel.common.Errors.INVALID_REPLICATION_FACTOR);
        }
        try (Stream<Path> s = Files.list(dir.resolve("data"))) {
            assertThat(s.map(p -> p.getFileName().toString()).toList())
                    .containsExactlyInAnyOrder("meta.properties", "__cluster_metadata-quorum");
        }
        assertThat(Files.readString(dir.resolve("data/meta.properties"))).contains("node.id=1").contains("cluster.id=");
    }

    @Test
    void aCombinedOrBrokerOnlyConfigurationIsABrokerServer() throws Exception {
        int port = freePort();
        Map<String, String> c = config(port);
        c.put("process.roles", "broker,controller");
        c.put("listeners", "PLAINTEXT://127.0.0.1:0,CONTROLLER://127.0.0.1:" + port);
        c.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        assertThat(RunnelNode.of(BrokerConfigs.parse(c))).isInstanceOf(BrokerServer.class);
        assertThat(RunnelNode.of(BrokerConfigs.parse(Map.of("log.dirs", dir.toString())))).isInstanceOf(BrokerServer.class);
    }

    @Test
    void aDedicatedControllerMissingFromTheVotersIsRefusedBeforeTouchingTheDirectory() throws Exception {
        Map<String, String> c = config(freePort());
        c.put("controller.quorum.voters", "2@127.0.0.1:" + freePort());
        ControllerServer node = new ControllerServer(BrokerConfigs.parse(c));
        assertThatThrownBy(node::startup).isInstanceOfSatisfying(ConfigException.class,
                        e -> assertThat(e.key()).isEqualTo("controller.quorum.voters"))
                .hasMessageContaining("does not include this controller");
        node.close();
        assertThat(dir.resolve("data")).doesNotExist();
    }
}
