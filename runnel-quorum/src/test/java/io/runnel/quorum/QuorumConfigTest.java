package io.runnel.quorum;

import io.runnel.config.ConfigException;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class QuorumConfigTest {

    private static Map<String, String> props(String... kv) {
        Map<String, String> m = new HashMap<>();
        for (int i = 0; i < kv.length; i += 2) m.put(kv[i], kv[i + 1]);
        return m;
    }

    @Test
    void parsesVotersRolesAndDirectories() {
        QuorumConfig c = QuorumConfig.parse(props("node.id", "2", "process.roles", "broker,controller",
                "controller.quorum.voters", "1@a:9093, 2@b:9093,3@[::1]:9094", "log.dirs", "/d1,/d2",
                "listeners", "PLAINTEXT://:9092"));
        assertThat(c.nodeId()).isEqualTo(2);
        assertThat(c.roles()).containsExactlyInAnyOrder(QuorumConfig.Role.BROKER, QuorumConfig.Role.CONTROLLER);
        assertThat(c.voters()).containsExactly(new QuorumConfig.Voter(1, "a", 9093), new QuorumConfig.Voter(2, "b", 9093),
                new QuorumConfig.Voter(3, "::1", 9094));
        assertThat(c.voters().get(2).address()).isEqualTo("[::1]:9094");
        assertThat(c.self()).isEqualTo(new QuorumConfig.Voter(2, "b", 9093));
        assertThat(c.metadataLogDir()).isEqualTo(Path.of("/d1"));
        assertThat(c.quorumDir()).isEqualTo(Path.of("/d1/__cluster_metadata-quorum"));
        assertThat(c.snapshotMaxBytes()).isEqualTo(20L * 1024 * 1024);
        assertThat(c.snapshotIntervalMs()).isEqualTo(3_600_000L);
        assertThat(c.electionTimeoutMs()).isEqualTo(1000);
    }

    @Test
    void metadataLogDirWinsOverLogDirs() {
        QuorumConfig c = QuorumConfig.parse(props("metadata.log.dir", "/meta", "log.dirs", "/d1"));
        assertThat(c.metadataLogDir()).isEqualTo(Path.of("/meta"));
    }

    @Test
    void emptyVotersOnAControllerIsAQuorumOfOne() {
        QuorumConfig c = QuorumConfig.parse(props());
        assertThat(c.nodeId()).isEqualTo(1);
        assertThat(c.voters()).containsExactly(new QuorumConfig.Voter(1, "127.0.0.1", 0));
        assertThat(c.isVoter()).isTrue();
        assertThat(c.metadataLogDir()).isEqualTo(Path.of("./data"));
    }

    @Test
    void rejectsBadVoterSyntax() {
        for (String bad : new String[]{"1@host", "x@host:1", "1host:2", "@h:1", "1@:2", "1@h:0", "1@h:70000", "1@h:port", "-1@h:1"}) {
            assertThatThrownBy(() -> QuorumConfig.parse(props("node.id", "1", "controller.quorum.voters", bad)))
                    .as(bad).isInstanceOf(ConfigException.class)
                    .satisfies(e -> assertThat(((ConfigException) e).key()).isEqualTo("controller.quorum.voters"))
                    .hasMessageContaining("controller.quorum.voters");
        }
    }

    @Test
    void rejectsDuplicateIdsAndAddresses() {
        assertThatThrownBy(() -> QuorumConfig.parse(props("controller.quorum.voters", "1@a:1,1@b:1")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("voter id 1 appears more than once");
        assertThatThrownBy(() -> QuorumConfig.parse(props("controller.quorum.voters", "1@a:1,2@a:1")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("address a:1 appears more than once");
    }

    @Test
    void rejectsAControllerMissingFromTheVoters() {
        assertThatThrownBy(() -> QuorumConfig.parse(props("node.id", "4", "process.roles", "controller",
                "controller.quorum.voters", "1@a:1,2@b:1,3@c:1")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("does not include this controller").hasMessageContaining("node.id=4");
    }

    @Test
    void rejectsABrokerOnlyNodeListedAsVoterOrWithoutVoters() {
        assertThatThrownBy(() -> QuorumConfig.parse(props("node.id", "1", "process.roles", "broker",
                "controller.quorum.voters", "1@a:1")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("only controllers vote");
        assertThatThrownBy(() -> QuorumConfig.parse(props("node.id", "5", "process.roles", "broker")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("needs the voters");
        QuorumConfig observer = QuorumConfig.parse(props("node.id", "5", "process.roles", "broker",
                "controller.quorum.voters", "1@a:1"));
        assertThat(observer.isVoter()).isFalse();
        assertThat(observer.self()).isNull();
    }

    @Test
    void rejectsBadRolesAndNumbers() {
        assertThatThrownBy(() -> QuorumConfig.parse(props("process.roles", "voter")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("process.roles");
        assertThatThrownBy(() -> QuorumConfig.parse(props("metadata.log.max.record.bytes.between.snapshots", "0")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("metadata.log.max.record.bytes.between.snapshots");
        assertThatThrownBy(() -> QuorumConfig.parse(props("controller.quorum.election.timeout.ms", "10")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("controller.quorum.election.timeout.ms");
    }
}
