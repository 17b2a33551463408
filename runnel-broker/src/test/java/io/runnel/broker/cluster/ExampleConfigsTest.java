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
 * server its process.roles calls for: the three combined nodes, and three dedicated controllers with two brokers;
 * and the secured single broker of config/secured/ (docs/security.md, "A secured broker, end to end"; SecuredExampleIT
 * in runnel-it starts it with certificates made by keytool).
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

    @Test
    void securedSingleBroker() throws Exception {
        Path f = Path.of("").toAbsolutePath().getParent().resolve("config/secured/server.properties");
        BrokerConfigs c = BrokerConfigs.load(f); // every start-up check of the configuration (the key store is checked at start)
        assertThat(c.clusterMode()).isFalse();
        assertThat(RunnelNode.of(c)).isInstanceOf(BrokerServer.class);
        assertThat(c.clientListeners()).extracting(BrokerConfigs.Listener::name).containsExactly("SASL_SSL");
        assertThat(c.isSsl("SASL_SSL")).isTrue();
        assertThat(c.isSasl("SASL_SSL")).isTrue();
        assertThat(c.sslSettings("SASL_SSL").string("ssl.keystore.location")).isEqualTo("config/secured/certs/broker.p12");
        assertThat(c.sslSettings("SASL_SSL").string("ssl.keystore.type")).isEqualTo("PKCS12");
        assertThat(c.saslListener("SASL_SSL").mechanisms()).containsExactly("SCRAM-SHA-512", "PLAIN");
        assertThat(c.saslListener("SASL_SSL").plainUsers()).containsOnlyKeys("admin");
        assertThat(c.authorizerEnabled()).isTrue();
        assertThat(c.superUsers()).isEqualTo("User:admin");
        assertThat(c.allowEveryoneIfNoAclFound()).isFalse();
        assertThat(c.connectionsMaxReauthMs()).isEqualTo(3_600_000L);
        assertThat(c.auditLogDir()).isEqualTo(Path.of("./data/secured/audit"));
        assertThat(c.logDirs()).containsExactly("./data/secured/logs");
        // the client files are for runnel-cli's --command-config and kafka-clients (checked by SecuredExampleIT)
        for (String client : List.of("admin.properties", "client.properties")) {
            java.util.Properties p = new java.util.Properties();
            try (var r = Files.newBufferedReader(f.resolveSibling(client))) {
                p.load(r);
            }
            assertThat(p.getProperty("security.protocol")).as(client).isEqualTo("SASL_SSL");
            assertThat(p.getProperty("ssl.truststore.location")).as(client).isEqualTo("config/secured/certs/truststore.p12");
        }
    }
}
