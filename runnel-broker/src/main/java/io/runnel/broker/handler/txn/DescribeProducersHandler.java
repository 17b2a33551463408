package io.runnel.broker.handler.txn;

import io.runnel.broker.handler.ApiHandler;
import io.runnel.broker.handler.RequestContext;
import io.runnel.broker.partition.Partition;
import io.runnel.broker.partition.ReplicaManager;
import io.runnel.common.ApiException;
import io.runnel.common.TopicPartition;
import io.runnel.protocol.ApiKeys;
import io.runnel.protocol.message.DescribeProducersRequest;
import io.runnel.protocol.message.DescribeProducersResponse;
import io.runnel.storage.ProducerStateInfo;

import java.util.concurrent.CompletableFuture;

/**
 * DescribeProducers (v0): the producers a partition led here tracks, with epoch, last sequence, last timestamp,
 * the coordinator epoch of their last marker and the start offset of their ongoing transaction (-1 when none):
 * what {@code kafka-transactions.sh describe-producers} and {@code find-hanging} read.
 * UNKNOWN_TOPIC_OR_PARTITION / NOT_LEADER_OR_FOLLOWER per partition otherwise.
 */
public final class DescribeProducersHandler implements ApiHandler<DescribeProducersRequest, DescribeProducersResponse> {
    private final ReplicaManager partitions;

    public DescribeProducersHandler(ReplicaManager partitions) {
        this.partitions = partitions;
    }

    @Override
    public ApiKeys api() {
        return ApiKeys.DESCRIBE_PRODUCERS;
    }

    @Override
    public CompletableFuture<DescribeProducersResponse> handle(RequestContext ctx, DescribeProducersRequest req) {
        DescribeProducersResponse resp = new DescribeProducersResponse();
        for (DescribeProducersRequest.Topic t : req.topics) {
            DescribeProducersResponse.Topic tr = new DescribeProducersResponse.Topic();
            tr.name = t.name;
            resp.topics.add(tr);
            for (int index : t.partitionIndexes) {
                DescribeProducersResponse.Partition pr = new DescribeProducersResponse.Partition();
                pr.partitionIndex = index;
                tr.partitions.add(pr);
                if (!ctx.authorize(io.runnel.metadata.AclBinding.OP_READ, io.runnel.metadata.AclBinding.RESOURCE_TOPIC, t.name)) { // Kafka: READ on the topic
                    pr.errorCode = io.runnel.common.Errors.TOPIC_AUTHORIZATION_FAILED.code();
                    pr.errorMessage = null;
                    continue;
                }
                try {
                    Partition p = partitions.leaderFor(new TopicPartition(t.name, index), -1);
                    for (ProducerStateInfo s : p.log().producerStates()) {
                        DescribeProducersResponse.ActiveProducer ap = new DescribeProducersResponse.ActiveProducer();
                        ap.producerId = s.producerId();
                        ap.producerEpoch = s.producerEpoch();
                        ap.lastSequence = s.lastSequence();
                        ap.lastTimestamp = s.lastTimestamp();
                        ap.coordinatorEpoch = s.coordinatorEpoch();
                        ap.currentTxnStartOffset = s.currentTxnStartOffset();
                        pr.activeProducers.add(ap);
                    }
                } catch (ApiException e) {
                    pr.errorCode = e.error().code();
                    pr.errorMessage = e.getMessage();
                }
            }
        }
        return CompletableFuture.completedFuture(resp);
    }
}
