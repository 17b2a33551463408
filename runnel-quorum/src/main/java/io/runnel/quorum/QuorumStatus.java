package io.runnel.quorum;

import java.util.List;

/**
 * A read-only view of the quorum as one node sees it, for DescribeQuorum and tools. Peer details
 * ({@link #peers}) are known on the leader only; elsewhere the list is empty.
 *
 * @param nodeId           this node
 * @param role             LEADER, CANDIDATE, FOLLOWER or LISTENER (an observer)
 * @param active           whether this node is the active controller
 * @param leaderId         the leader this node knows of, or -1
 * @param term             the current term (Kafka's leader epoch)
 * @param commitIndex      the highest log index known committed (Kafka's high watermark, as an index)
 * @param lastAppliedIndex the highest log index applied to this node's image
 * @param imageOffset      the metadata record offset of this node's image
 * @param peers            on the leader: every other voter and observer
 */
public record QuorumStatus(int nodeId, String role, boolean active, int leaderId, long term, long commitIndex,
                           long lastAppliedIndex, long imageOffset, List<Peer> peers) {

    /**
     * What the leader knows of one other peer.
     *
     * @param nodeId        its node id
     * @param voter         true for a voter, false for an observer (Ratis listener)
     * @param matchIndex    the highest index known replicated on it (Kafka's log end offset, as an index)
     * @param lastContactMs milliseconds since its last answer to the leader
     */
    public record Peer(int nodeId, boolean voter, long matchIndex, long lastContactMs) {
    }
}
