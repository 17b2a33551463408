package io.runnel.metadata;

import java.util.List;

/**
 * The metadata quorum as its leader sees it, for DescribeQuorum: the leader, its epoch (the Raft term),
 * the high watermark and each voter's and observer's log end offset with when it last fetched and was
 * last caught up. In a cluster, offsets are positions in the replicated log (Raft indexes); on a single
 * node, the record offset of its metadata log. Immutable.
 *
 * @param nodes the voters' controller endpoints (DescribeQuorum v2)
 */
public record QuorumDescription(int leaderId, int leaderEpoch, long highWatermark, List<Replica> voters,
                                List<Replica> observers, List<Node> nodes) {
    public QuorumDescription {
        voters = List.copyOf(voters);
        observers = List.copyOf(observers);
        nodes = List.copyOf(nodes);
    }

    /** One replica of the metadata log; timestamps are epoch milliseconds, -1 when unknown. */
    public record Replica(int id, long logEndOffset, long lastFetchTimestamp, long lastCaughtUpTimestamp) {
    }

    /** A voter's endpoint on its controller listener. */
    public record Node(int id, String listener, String host, int port) {
    }
}
