package io.runnel.cli;

import io.runnel.cli.EmbeddedBroker.Result;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code runnel reassign-partitions} and {@code runnel leader-election} against a single in-process broker
 * (their moves across brokers are proven in runnel-it's ReassignmentCliIT).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ReassignPartitionsCommandTest {
    @TempDir
    static Path dataDir;
    @TempDir
    Path files;
    static EmbeddedBroker broker;

    @BeforeAll
    static void startBroker() throws Exception {
        broker = EmbeddedBroker.start(dataDir);
        assertThat(broker.cli("topics", "--create", "--topic", "r", "--partitions", "2").exitCode()).isZero();
    }

    @AfterAll
    static void stopBroker() {
        if (broker != null) broker.close();
    }

    private Path plan(String partitions) throws Exception {
        Path f = Files.createTempFile(files, "plan", ".json");
        Files.writeString(f, "{\"version\":1,\"partitions\":[" + partitions + "]}");
        return f;
    }

    @Test
    void executeVerifyAndListOnTheCurrentReplicas() throws Exception {
        Path f = plan("{\"topic\":\"r\",\"partition\":0,\"replicas\":[1],\"log_dirs\":[\"any\"]},{\"topic\":\"r\",\"partition\":1,\"replicas\":[1]}");
        Result executed = broker.cli("reassign-partitions", "--execute", "--reassignment-json-file", f.toString());
        assertThat(executed.exitCode()).as(executed.toString()).isZero();
        assertThat(executed.out()).contains("Current partition replica assignment\n\n"
                        + "{\"version\":1,\"partitions\":[{\"topic\":\"r\",\"partition\":0,\"replicas\":[1],\"log_dirs\":[\"any\"]},"
                        + "{\"topic\":\"r\",\"partition\":1,\"replicas\":[1],\"log_dirs\":[\"any\"]}]}\n\n"
                        + "Save this to use as the --reassignment-json-file option during rollback\n")
                .contains("Successfully started partition reassignments for r-0,r-1");

        Result verified = broker.cli("reassign-partitions", "--verify", "--reassignment-json-file", f.toString());
        assertThat(verified.exitCode()).as(verified.toString()).isZero();
        assertThat(verified.out()).isEqualTo("Status of partition reassignment:\nReassignment of partition r-0 is completed.\n"
                + "Reassignment of partition r-1 is completed.\n");

        Result listed = broker.cli("reassign-partitions", "--list");
        assertThat(listed.exitCode()).as(listed.toString()).isZero();
        assertThat(listed.out()).isEqualTo("No partition reassignments found.\n");

        Result cancelled = broker.cli("reassign-partitions", "--cancel", "--reassignment-json-file", f.toString());
        assertThat(cancelled.exitCode()).as(cancelled.toString()).isEqualTo(1);
        assertThat(cancelled.err()).contains("NO_REASSIGNMENT_IN_PROGRESS").contains("r-0:").contains("r-1:");
    }

    @Test
    void verifyTellsWhenTheReplicasAreNotTheTarget() throws Exception {
        Path f = plan("{\"topic\":\"r\",\"partition\":0,\"replicas\":[2]}");
        Result verified = broker.cli("reassign-partitions", "--verify", "--reassignment-json-file", f.toString());
        assertThat(verified.exitCode()).as(verified.toString()).isZero();
        assertThat(verified.out()).contains("There is no active reassignment of partition r-0, but replica set is 1 rather than 2.");
    }

    @Test
    void brokerErrorsExitWithOne() throws Exception {
        Result unknownBroker = broker.cli("reassign-partitions", "--execute", "--reassignment-json-file",
                plan("{\"topic\":\"r\",\"partition\":0,\"replicas\":[1,7]}").toString());
        assertThat(unknownBroker.exitCode()).as(unknownBroker.toString()).isEqualTo(1);
        assertThat(unknownBroker.err()).contains("Error: INVALID_REPLICA_ASSIGNMENT: Error reassigning partition(s):")
                .contains("r-0: INVALID_REPLICA_ASSIGNMENT").contains("broker 7 is not registered");
        Result duplicate = broker.cli("reassign-partitions", "--execute", "--reassignment-json-file",
                plan("{\"topic\":\"r\",\"partition\":0,\"replicas\":[1,1]}").toString());
        assertThat(duplicate.err()).as(duplicate.toString()).contains("INVALID_REPLICA_ASSIGNMENT");
        Result missingTopic = broker.cli("reassign-partitions", "--execute", "--reassignment-json-file",
                plan("{\"topic\":\"nope\",\"partition\":0,\"replicas\":[1]}").toString());
        assertThat(missingTopic.exitCode()).as(missingTopic.toString()).isEqualTo(1);
        assertThat(missingTopic.err()).contains("UNKNOWN_TOPIC_OR_PARTITION");
        Result missingPartition = broker.cli("reassign-partitions", "--execute", "--reassignment-json-file",
                plan("{\"topic\":\"r\",\"partition\":9,\"replicas\":[1]}").toString());
        assertThat(missingPartition.err()).as(missingPartition.toString()).contains("UNKNOWN_TOPIC_OR_PARTITION").contains("r-9");
    }

    @Test
    void usageErrorsExitWithTwo() throws Exception {
        assertThat(broker.cli("reassign-partitions", "--execute").exitCode()).isEqualTo(2);
        assertThat(broker.cli("reassign-partitions").exitCode()).isEqualTo(2);
        assertThat(broker.cli("reassign-partitions", "--list", "--verify").exitCode()).isEqualTo(2);
        Result bad = broker.cli("reassign-partitions", "--execute", "--reassignment-json-file", plan("{\"topic\":\"r\"").toString());
        assertThat(bad.exitCode()).as(bad.toString()).isEqualTo(2);
        assertThat(bad.err()).contains("Bad reassignment JSON");
        Result noReplicas = broker.cli("reassign-partitions", "--execute", "--reassignment-json-file", plan("{\"topic\":\"r\",\"partition\":0}").toString());
        assertThat(noReplicas.err()).as(noReplicas.toString()).contains("a partition without \"replicas\"");
        Result dirs = broker.cli("reassign-partitions", "--execute", "--reassignment-json-file",
                plan("{\"topic\":\"r\",\"partition\":0,\"replicas\":[1],\"log_dirs\":[\"/data\"]}").toString());
        assertThat(dirs.exitCode()).isEqualTo(2);
        assertThat(broker.cli("reassign-partitions", "--verify", "--reassignment-json-file", files.resolve("missing.json").toString())
                .exitCode()).isEqualTo(2);
    }

    @Test
    void leaderElectionOnASingleNode() {
        Result one = broker.cli("leader-election", "--election-type", "PREFERRED", "--topic", "r", "--partition", "0");
        assertThat(one.exitCode()).as(one.toString()).isZero();
        assertThat(one.out()).isEqualTo("Valid replica already elected for partitions r-0\n");
        Result all = broker.cli("leader-election", "--election-type", "preferred", "--all-topic-partitions");
        assertThat(all.exitCode()).as(all.toString()).isZero();
        assertThat(all.out()).isEqualTo("No partition needed a leader election (PREFERRED).\n");
        Result unclean = broker.cli("leader-election", "--election-type", "UNCLEAN", "--topic", "r", "--partition", "1");
        assertThat(unclean.exitCode()).as(unclean.toString()).isZero();
        assertThat(unclean.out()).contains("Valid replica already elected for partitions r-1");

        Result missing = broker.cli("leader-election", "--election-type", "PREFERRED", "--topic", "r", "--partition", "9");
        assertThat(missing.exitCode()).as(missing.toString()).isEqualTo(1);
        assertThat(missing.err()).contains("1 replica(s) could not be elected (PREFERRED)").contains("r-9: UNKNOWN_TOPIC_OR_PARTITION");

        assertThat(broker.cli("leader-election", "--election-type", "SOMETIMES", "--all-topic-partitions").exitCode()).isEqualTo(2);
        assertThat(broker.cli("leader-election", "--election-type", "PREFERRED").exitCode()).isEqualTo(2);
        assertThat(broker.cli("leader-election", "--election-type", "PREFERRED", "--topic", "r").exitCode()).isEqualTo(2);
        assertThat(broker.cli("leader-election", "--election-type", "PREFERRED", "--topic", "r", "--partition", "0",
                "--all-topic-partitions").exitCode()).isEqualTo(2);
    }
}
