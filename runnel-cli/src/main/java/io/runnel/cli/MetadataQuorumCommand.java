package io.runnel.cli;

import io.runnel.common.Errors;
import io.runnel.protocol.ApiKeys;
import io.runnel.protocol.message.DescribeQuorumRequest;
import io.runnel.protocol.message.DescribeQuorumResponse;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code runnel metadata-quorum describe --status|--replication}: the metadata quorum from DescribeQuorum,
 * printed as Kafka's {@code kafka-metadata-quorum.sh} prints it (offsets are the quorum's log positions).
 */
@Command(name = "metadata-quorum", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Describes the metadata quorum. Like kafka-metadata-quorum.sh describe.",
                "Exit codes: 0 success, 1 Kafka or connection error, 2 usage error."})
final class MetadataQuorumCommand implements Callable<Integer> {
    static final String METADATA_TOPIC = "__cluster_metadata";

    @Spec
    CommandSpec spec;

    @Mixin
    ConnectionOptions connection;

    @picocli.CommandLine.Parameters(index = "0", paramLabel = "describe", description = "The action: describe.")
    String verb;

    @ArgGroup(exclusive = true, multiplicity = "1", heading = "What (one of):%n")
    What what;

    static final class What {
        @Option(names = "--status", required = true, description = "Leader, epoch, high watermark, voters and observers.")
        boolean status;
        @Option(names = "--replication", required = true, description = "One line per voter and observer: log end offset, lag, last fetch and catch-up.")
        boolean replication;
    }

    @Override
    public Integer call() {
        if (!"describe".equals(verb)) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "Unknown action '" + verb + "': only describe");
        }
        DescribeQuorumResponse resp;
        try (ClusterAdmin admin = connection.open(spec, spec.commandLine().getErr())) {
            DescribeQuorumRequest req = new DescribeQuorumRequest();
            DescribeQuorumRequest.Topic t = new DescribeQuorumRequest.Topic();
            t.topicName = METADATA_TOPIC;
            DescribeQuorumRequest.Partition p = new DescribeQuorumRequest.Partition();
            p.partitionIndex = 0;
            t.partitions = new ArrayList<>(List.of(p));
            req.topics = new ArrayList<>(List.of(t));
            resp = admin.client().send(ApiKeys.DESCRIBE_QUORUM, req);
        }
        Errors top = Errors.forCode(resp.errorCode);
        if (top != Errors.NONE) throw CliException.of(top, resp.errorMessage);
        if (resp.topics.isEmpty() || resp.topics.get(0).partitions.isEmpty()) {
            throw new CliException("The broker described no metadata partition.");
        }
        DescribeQuorumResponse.Partition p = resp.topics.get(0).partitions.get(0);
        Errors e = Errors.forCode(p.errorCode);
        if (e != Errors.NONE) throw CliException.of(e, p.errorMessage);
        PrintWriter out = spec.commandLine().getOut();
        if (what.status) status(out, p, resp);
        else replication(out, p);
        return CliMain.OK;
    }

    private static void status(PrintWriter out, DescribeQuorumResponse.Partition p, DescribeQuorumResponse resp) {
        long now = System.currentTimeMillis();
        long maxLag = 0;
        long maxLagMs = 0;
        for (DescribeQuorumResponse.ReplicaState r : p.currentVoters) {
            maxLag = Math.max(maxLag, p.highWatermark - r.logEndOffset);
            if (r.lastCaughtUpTimestamp >= 0) maxLagMs = Math.max(maxLagMs, now - r.lastCaughtUpTimestamp);
        }
        out.println("LeaderId:               " + p.leaderId);
        out.println("LeaderEpoch:            " + p.leaderEpoch);
        out.println("HighWatermark:          " + p.highWatermark);
        out.println("MaxFollowerLag:         " + maxLag);
        out.println("MaxFollowerLagTimeMs:   " + maxLagMs);
        out.println("CurrentVoters:          " + ids(p.currentVoters, resp));
        out.println("CurrentObservers:       " + ids(p.observers, null));
    }

    private static String ids(List<DescribeQuorumResponse.ReplicaState> replicas, DescribeQuorumResponse resp) {
        List<String> out = new ArrayList<>();
        for (DescribeQuorumResponse.ReplicaState r : replicas) {
            String endpoint = "";
            if (resp != null) {
                for (DescribeQuorumResponse.Node n : resp.nodes) {
                    if (n.nodeId == r.replicaId && !n.listeners.isEmpty()) {
                        DescribeQuorumResponse.Listener l = n.listeners.get(0);
                        endpoint = "@" + l.name + "://" + l.host + ":" + l.port;
                    }
                }
            }
            out.add(r.replicaId + endpoint);
        }
        return out.toString();
    }

    private static void replication(PrintWriter out, DescribeQuorumResponse.Partition p) {
        Table t = new Table("NodeId", "LogEndOffset", "Lag", "LastFetchTimestamp", "LastCaughtUpTimestamp", "Status");
        for (DescribeQuorumResponse.ReplicaState r : p.currentVoters) row(t, p, r, r.replicaId == p.leaderId ? "Leader" : "Follower");
        for (DescribeQuorumResponse.ReplicaState r : p.observers) row(t, p, r, "Observer");
        t.print(out);
    }

    private static void row(Table t, DescribeQuorumResponse.Partition p, DescribeQuorumResponse.ReplicaState r, String status) {
        t.row(Integer.toString(r.replicaId), Long.toString(r.logEndOffset), Long.toString(Math.max(0, p.highWatermark - r.logEndOffset)),
                Long.toString(r.lastFetchTimestamp), Long.toString(r.lastCaughtUpTimestamp), status);
    }
}
