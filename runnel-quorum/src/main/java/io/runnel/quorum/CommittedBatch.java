package io.runnel.quorum;

/**
 * A proposal that was committed by the quorum and applied on this node.
 *
 * @param index      its Raft log index
 * @param term       the term (leader epoch) it was written in
 * @param baseOffset the metadata record offset of its first record (records count from 0)
 */
public record CommittedBatch(long index, long term, long baseOffset) {
}
