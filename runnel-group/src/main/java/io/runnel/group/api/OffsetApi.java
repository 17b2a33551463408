package io.runnel.group.api;

import io.runnel.common.Errors;
import io.runnel.common.TopicPartition;

import java.util.List;
import java.util.Map;

/** The coordinator's side of OffsetCommit, OffsetFetch and OffsetDelete (topics by name). */
public final class OffsetApi {
    private OffsetApi() {
    }

    /** leaderEpoch -1 when unknown; metadata null is stored as "". */
    public record CommitPartition(String topic, int partition, long offset, int leaderEpoch, String metadata) {
    }

    /**
     * @param generationIdOrMemberEpoch -1 for a commit from outside group management (admin, assign())
     * @param retentionTimeMs           -1 for the broker's retention (OffsetCommit v2-4 could set it)
     * @param apiVersion                the OffsetCommit version (v9+ is the consumer-protocol generation)
     */
    public record CommitParams(String groupId, String memberId, String groupInstanceId, int generationIdOrMemberEpoch,
                               long retentionTimeMs, List<CommitPartition> partitions, short apiVersion) {
    }

    /**
     * TxnOffsetCommit: offsets committed with the producer's transaction. {@code generationId} -1 and an empty
     * {@code memberId} skip the group checks (producers that send only the group id); otherwise KIP-447 fencing.
     *
     * @param apiVersion the TxnOffsetCommit version (v6+, KIP-1319: GROUP_ID_NOT_FOUND and STALE_MEMBER_EPOCH)
     */
    public record TxnCommitParams(String transactionalId, String groupId, long producerId, short producerEpoch, int generationId,
                                  String memberId, String groupInstanceId, List<CommitPartition> partitions, short apiVersion) {
    }

    /** The error of each partition, in request order. */
    public record CommitResult(Map<TopicPartition, Errors> partitions) {
    }

    /**
     * @param topics      partitions to fetch per topic; null = every committed offset of the group
     * @param memberId    consumer-protocol member (OffsetFetch v9+), or null
     * @param memberEpoch -1 when not a member
     */
    public record FetchParams(String groupId, Map<String, List<Integer>> topics, String memberId, int memberEpoch,
                              boolean requireStable) {
    }

    /** offset -1 (leaderEpoch -1, metadata "") when the group has no offset for the partition. */
    public record FetchedOffset(String topic, int partition, long offset, int leaderEpoch, String metadata, Errors error) {
    }

    public record FetchResult(String groupId, Errors error, List<FetchedOffset> offsets) {
    }

    public record DeleteResult(Errors error, Map<TopicPartition, Errors> partitions) {
    }
}
