package io.runnel.cli;

import io.runnel.cli.EmbeddedBroker.Result;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code runnel metadata-quorum describe} against an in-process single node: itself the only voter and leader. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class MetadataQuorumCommandTest {
    @TempDir
    static Path dataDir;
    static EmbeddedBroker broker;

    @BeforeAll
    static void startBroker() throws Exception {
        broker = EmbeddedBroker.start(dataDir);
    }

    @AfterAll
    static void stopBroker() {
        if (broker != null) broker.close();
    }

    @Test
    void statusAndReplicationOfASingleNode() {
        Result status = broker.cli("metadata-quorum", "describe", "--status");
        assertThat(status.exitCode()).as(status.toString()).isZero();
        assertThat(status.out()).contains("LeaderId:               1").contains("CurrentVoters:          [1]")
                .contains("CurrentObservers:       []").contains("MaxFollowerLag:         0");
        Result replication = broker.cli("metadata-quorum", "describe", "--replication");
        assertThat(replication.exitCode()).as(replication.toString()).isZero();
        assertThat(replication.out().lines().toList()).hasSize(2);
        assertThat(replication.out()).contains("NodeId").contains("Leader");
    }

    @Test
    void anUnknownActionIsAUsageError() {
        Result r = broker.cli("metadata-quorum", "show", "--status");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("only describe");
    }
}
