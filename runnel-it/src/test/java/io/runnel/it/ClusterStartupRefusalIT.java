package io.runnel.it;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A cluster node's misconfiguration stops {@code runnel start} (the real process) with a message naming
 * the key, before any data is written: voters that do not list this controller, duplicate voter ids, a
 * missing controller listener, a dedicated controller (process.roles=controller) with a client listener or
 * outside the voters, a data directory of another cluster or node (meta.properties) or of a
 * single node. The broker side is what is tested: one client generation.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
@EnabledIfSystemProperty(named = "it.kafka.clients.version", matches = "4\\.1\\..*")
class ClusterStartupRefusalIT {
    private static final Duration EXIT = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    private Map<String, String> clusterNode(int nodeId, String voters) {
        int client = BrokerProcess.freePort();
        Map<String, String> c = new HashMap<>();
        c.put("node.id", Integer.toString(nodeId));
        c.put("process.roles", "broker,controller");
        c.put("controller.quorum.voters", voters);
        c.put("controller.listener.names", "CONTROLLER");
        c.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        c.put("listeners", "PLAINTEXT://127.0.0.1:" + client + ",CONTROLLER://127.0.0.1:" + voterPort);
        return c;
    }

    private final int voterPort = BrokerProcess.freePort();

    private String refused(Path data, Map<String, String> config, int expectedExit) throws Exception {
        Files.createDirectories(data); // BrokerProcess creates it before the start
        List<String> before = listing(data);
        try (BrokerProcess p = new BrokerProcess(data, config).launch()) {
            assertThat(p.awaitExit(EXIT)).as("exit code; log:\n%s", p.log()).isEqualTo(expectedExit);
            assertThat(listing(data)).as("no data touched").isEqualTo(before);
            return p.log();
        }
    }

    private static List<String> listing(Path data) throws Exception {
        if (!Files.exists(data)) return List.of();
        try (Stream<Path> s = Files.walk(data)) {
            return s.map(p -> data.relativize(p) + ":" + (Files.isRegularFile(p) ? p.toFile().length() : -1)).sorted().toList();
        }
    }

    @Test
    void votersWithoutThisControllerAreRefused() throws Exception {
        Map<String, String> c = clusterNode(1, "2@127.0.0.1:" + voterPort + ",3@127.0.0.1:" + BrokerProcess.freePort());
        assertThat(refused(dir.resolve("a"), c, 2)).contains("invalid configuration").contains("controller.quorum.voters")
                .contains("does not include this controller");
    }

    @Test
    void duplicateVoterIdsAreRefused() throws Exception {
        Map<String, String> c = clusterNode(1, "1@127.0.0.1:" + voterPort + ",1@127.0.0.1:" + BrokerProcess.freePort());
        assertThat(refused(dir.resolve("a"), c, 2)).contains("controller.quorum.voters").contains("voter id 1 appears more than once");
    }

    @Test
    void aMissingControllerListenerIsRefused() throws Exception {
        Map<String, String> c = clusterNode(1, "1@127.0.0.1:" + voterPort);
        c.put("listeners", "PLAINTEXT://127.0.0.1:" + BrokerProcess.freePort());
        assertThat(refused(dir.resolve("a"), c, 2)).contains("controller.listener.names")
                .contains("is not one of the listeners");
    }

    /** A dedicated controller (process.roles=controller) with its controller listener only. */
    private Map<String, String> dedicatedController(int nodeId, String voters) {
        Map<String, String> c = clusterNode(nodeId, voters);
        c.put("process.roles", "controller");
        c.put("listeners", "CONTROLLER://127.0.0.1:" + voterPort);
        return c;
    }

    @Test
    void aDedicatedControllerWithAClientListenerIsRefused() throws Exception {
        Map<String, String> c = dedicatedController(1, "1@127.0.0.1:" + voterPort);
        c.put("listeners", "PLAINTEXT://127.0.0.1:" + BrokerProcess.freePort() + ",CONTROLLER://127.0.0.1:" + voterPort);
        assertThat(refused(dir.resolve("a"), c, 2)).contains("invalid configuration").contains("The listeners config")
                .contains("must only contain KRaft controller listeners from controller.listener.names")
                .contains("process.roles=controller");
    }

    @Test
    void aDedicatedControllerMissingFromTheVotersOrWithoutVotersIsRefused() throws Exception {
        Map<String, String> c = dedicatedController(1, "2@127.0.0.1:" + voterPort + ",3@127.0.0.1:" + BrokerProcess.freePort());
        assertThat(refused(dir.resolve("a"), c, 2)).contains("invalid configuration").contains("controller.quorum.voters")
                .contains("does not include this controller");
        Map<String, String> none = dedicatedController(1, "");
        none.remove("controller.quorum.voters");
        assertThat(refused(dir.resolve("b"), none, 2)).contains("invalid configuration")
                .contains("process.roles=controller (a dedicated controller) needs controller.quorum.voters");
    }

    @Test
    void aDataDirectoryOfAnotherClusterOrNodeIsRefused() throws Exception {
        Path data = dir.resolve("other");
        Files.createDirectories(data);
        Files.writeString(data.resolve("meta.properties"), "version=1\ncluster.id=MkU3OEVBNTcwNTJENDM2Qg\nnode.id=1\n");
        Map<String, String> c = clusterNode(1, "1@127.0.0.1:" + voterPort);
        c.put("cluster.id", "q1Sh-9_ISia_zwGINzRvyQ");
        assertThat(refused(data, c, 1)).contains("startup failed").contains("cluster.id")
                .contains("MkU3OEVBNTcwNTJENDM2Qg");
        Map<String, String> other = clusterNode(2, "2@127.0.0.1:" + voterPort);
        assertThat(refused(data, other, 1)).contains("node.id").contains("Stored node ID 1");
    }

    @Test
    void aSingleNodeDataDirectoryIsRefusedByAClusterNodeAndKeptIntact() throws Exception {
        Path data = dir.resolve("single");
        try (BrokerProcess single = new BrokerProcess(data, Map.of()).start()) {
            assertThat(single.stop()).isIn(0, 143);
        }
        assertThat(refused(data, clusterNode(1, "1@127.0.0.1:" + voterPort), 1))
                .contains("holds the metadata log of a single node").contains("controller.quorum.voters");
        // and it still starts as the single node it is
        try (BrokerProcess again = new BrokerProcess(data, Map.of()).start()) {
            assertThat(again.stop()).isIn(0, 143);
        }
    }
}
