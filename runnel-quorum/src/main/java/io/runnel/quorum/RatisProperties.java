package io.runnel.quorum;

import org.apache.ratis.RaftConfigKeys;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.rpc.SupportedRpcType;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.util.SizeInBytes;
import org.apache.ratis.util.TimeDuration;

import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Turns a {@link QuorumConfig} into Ratis properties. The choices (see docs/cluster.md):
 * <ul>
 *   <li>gRPC transport on this node's voter (or observer) address;</li>
 *   <li>Ratis' election timeout randomised in [e/2, e] for {@code controller.quorum.election.timeout.ms} = e
 *       (1 s by default, as Kafka). A Ratis follower sleeps one whole random timeout and only then checks
 *       whether it heard from the leader during it, so a dead leader is noticed after the rest of the
 *       current sleep plus one more: [e/2, 2e] with this range, [e, 4e] with [e, 2e] (measured: 2.2 s with
 *       e = 1 s). Requests time out after max(3 s, 3e); pre-vote on, so a voter back from a pause or
 *       partition cannot depose a healthy leader;</li>
 *   <li>a single voter elects itself after 5-10 ms, so a one-node quorum is ready at once; in a larger
 *       quorum the first election after start waits [e/4, e/2];</li>
 *   <li>JVM pauses: a leader that notices it was paused longer than 2e steps down (others have likely
 *       elected a new leader); the "close the server after a long pause" threshold is set to a day, so
 *       a long GC never silently stops a controller;</li>
 *   <li>Ratis' own snapshot auto-trigger is off ({@link SnapshotPolicy} applies Kafka's triggers);
 *       after a snapshot the log is purged up to it; a follower behind the purged log gets the
 *       snapshot files from the leader (install snapshot).</li>
 * </ul>
 */
final class RatisProperties {
    private RatisProperties() {
    }

    static RaftProperties build(QuorumConfig config, QuorumTuning tuning, String host, int port) {
        RaftProperties p = new RaftProperties();
        RaftConfigKeys.Rpc.setType(p, SupportedRpcType.GRPC);
        GrpcConfigKeys.Server.setHost(p, host);
        GrpcConfigKeys.Server.setPort(p, port);
        RaftServerConfigKeys.setStorageDir(p, List.of(config.quorumDir().toFile()));

        int e = config.electionTimeoutMs();
        // the follower's check runs once per whole random timeout: [e/2, e] notices a dead leader within [e/2, 2e]
        RaftServerConfigKeys.Rpc.setTimeoutMin(p, ms(e / 2));
        RaftServerConfigKeys.Rpc.setTimeoutMax(p, ms(e));
        RaftServerConfigKeys.Rpc.setRequestTimeout(p, ms(Math.max(3000L, 3L * e)));
        boolean alone = config.isVoter() && config.voters().size() == 1;
        RaftServerConfigKeys.Rpc.setFirstElectionTimeoutMin(p, ms(alone ? 5 : e / 4));
        RaftServerConfigKeys.Rpc.setFirstElectionTimeoutMax(p, ms(alone ? 10 : e / 2));
        RaftServerConfigKeys.LeaderElection.setPreVote(p, true);
        RaftServerConfigKeys.LeaderElection.setLeaderStepDownWaitTime(p, ms(2L * e));
        RaftServerConfigKeys.setCloseThreshold(p, TimeDuration.valueOf(1, TimeUnit.DAYS));

        RaftServerConfigKeys.Snapshot.setAutoTriggerEnabled(p, false);
        RaftServerConfigKeys.Snapshot.setRetentionFileNum(p, 2);
        RaftServerConfigKeys.Log.setPurgeUptoSnapshotIndex(p, true);
        RaftServerConfigKeys.Log.setPurgeGap(p, 1);
        RaftServerConfigKeys.Log.Appender.setInstallSnapshotEnabled(p, true);
        RaftServerConfigKeys.Log.setSegmentSizeMax(p, SizeInBytes.valueOf(tuning.segmentBytes()));
        RaftServerConfigKeys.Log.setPreallocatedSize(p, SizeInBytes.valueOf(Math.min(tuning.segmentBytes(), 4L << 20)));
        // metadata entries are small: keep the log worker's direct write buffer modest
        RaftServerConfigKeys.Log.Appender.setBufferByteLimit(p, SizeInBytes.valueOf(4L << 20));
        RaftServerConfigKeys.Log.setWriteBufferSize(p, SizeInBytes.valueOf((4L << 20) + 8));
        return p;
    }

    private static TimeDuration ms(long millis) {
        return TimeDuration.valueOf(millis, TimeUnit.MILLISECONDS);
    }
}
