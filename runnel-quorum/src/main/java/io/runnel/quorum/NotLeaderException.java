package io.runnel.quorum;

/**
 * A proposal was made on a node that is not the active controller: it is not the Raft leader, or it
 * is the leader but has not yet applied an entry of its own term. {@link #leaderId()} is the leader
 * this node knows of, or -1 when there is none (an election is running). Kafka's answer to a client is
 * {@code NOT_CONTROLLER}.
 */
public final class NotLeaderException extends QuorumException {
    private final int leaderId;

    public NotLeaderException(int nodeId, int leaderId, String detail) {
        super(leaderId < 0
                ? "node " + nodeId + " is not the active controller and there is no leader" + (detail == null ? "" : ": " + detail)
                : "node " + nodeId + " is not the active controller; the leader is node " + leaderId + (detail == null ? "" : ": " + detail));
        this.leaderId = leaderId;
    }

    /** The leader's node id, or -1 when no leader is known. */
    public int leaderId() {
        return leaderId;
    }
}
