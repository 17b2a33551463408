package io.runnel.broker.cluster;

import io.runnel.broker.BrokerServer;
import io.runnel.broker.ControllerServer;
import io.runnel.broker.RunnelNode;
import io.runnel.config.BrokerConfigs;
import io.runnel.quorum.QuorumConfig;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The example cluster configurations under config/ (README) pass every start-up check, and each starts the
 * server its process.roles calls for: the three combined nodes, and three dedicated controllers with two brokers.
 */
class ExampleConfigsTest {
    private static List<Path> files(String dir) throws Exception {
        Path root = Path.of("").toAbsolutePath().getParent().resolve("config").resolve(dir);
        try (Stream<Path> s = Files.list(root)) {
            return s.filter(p -> p.toString().endsWith(".properties")).sorted().toList();
        }
    }

    @Test
    void combinedNodes() throws Exception {
        List<Path> files = files("cluster");
        assertThat(files).hasSize(3);
        for (Path f : files) {
            BrokerConfigs c = BrokerConfigs.load(f);
            assertThat(ClusterConfigCheck.check(c).isVoter()).as("%s", f).isTrue();
            assertThat(RunnelNode.of(c)).as("%s", f).isInstanceOf(BrokerServer.class);
        }
    }

    @Test
    void dedicatedControllersAndBrokers() throws Exception {
        List<Path> files = files("cluster-dedicated");
        assertThat(files).extracting(p -> p.getFileName().toString()).containsExactly("broker-4.properties", "broker-5.properties",
                "controller-1.properties", "controller-2.properties", "controller-3.properties");
        for (Path f : files) {
            BrokerConfigs c = BrokerConfigs.load(f);
            QuorumConfig q = ClusterConfigCheck.check(c);
            boolean controller = f.getFileName().toString().startsWith("controller-");
            assertThat(q.isVoter()).as("%s", f).isEqualTo(controller);
            assertThat(q.voters()).extracting(QuorumConfig.Voter::id).containsExactly(1, 2, 3);
            assertThat(RunnelNode.of(c)).as("%s", f).isInstanceOf(controller ? ControllerServer.class : BrokerServer.class);
            assertThat(c.clientListeners()).as("%s", f).hasSize(controller ? 0 : 1);
        }
    }
}
