package io.runnel.broker.handler;

import io.runnel.broker.BrokerContext;
import io.runnel.common.Errors;
import io.runnel.common.Uuid;
import io.runnel.metadata.BrokerRegistration;
import io.runnel.metadata.MetadataImage;
import io.runnel.metadata.PartitionState;
import io.runnel.metadata.TopicImage;
import io.runnel.metadata.TopicNames;
import io.runnel.protocol.ApiKeys;
import io.runnel.protocol.message.DescribeTopicPartitionsRequest;
import io.runnel.protocol.message.DescribeTopicPartitionsResponse;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;

/**
 * DescribeTopicPartitions (KIP-966): the named topics (all when none are named), in name order, each with
 * its partitions' leader, leader epoch, replicas, ISR, eligible leader replicas, last known ELR and
 * offline replicas (unregistered, fenced, or without an endpoint on the request's listener, as Kafka
 * counts them). The answer holds at most {@code ResponsePartitionLimit} partitions (at most 2000, at least
 * one); when it is cut short {@code NextCursor} names the first partition left out, and a request with
 * that cursor carries on from it. Unknown names answer UNKNOWN_TOPIC_OR_PARTITION, invalid ones
 * INVALID_TOPIC_EXCEPTION. Topic authorized operations are every topic operation, as in Metadata.
 */
public final class DescribeTopicPartitionsHandler
        implements ApiHandler<DescribeTopicPartitionsRequest, DescribeTopicPartitionsResponse> {
    /** Kafka's default (and cap) of partitions per answer. */
    static final int MAX_PARTITIONS = 2000;

    private final BrokerContext broker;

    public DescribeTopicPartitionsHandler(BrokerContext broker) {
        this.broker = broker;
    }

    @Override
    public ApiKeys api() {
        return ApiKeys.DESCRIBE_TOPIC_PARTITIONS;
    }

    @Override
    public CompletableFuture<DescribeTopicPartitionsResponse> handle(RequestContext ctx, DescribeTopicPartitionsRequest req) {
        MetadataImage image = broker.image();
        TreeSet<String> names = new TreeSet<>();
        boolean all = req.topics.isEmpty();
        if (all) names.addAll(image.topics().keySet());
        else for (DescribeTopicPartitionsRequest.TopicRequest t : req.topics) names.add(t.name);
        DescribeTopicPartitionsRequest.Cursor cursor = req.cursor;
        int limit = Math.max(1, Math.min(req.responsePartitionLimit, MAX_PARTITIONS));
        DescribeTopicPartitionsResponse resp = new DescribeTopicPartitionsResponse();
        for (String name : cursor == null ? names : names.tailSet(cursor.topicName, true)) {
            TopicImage t = image.topic(name);
            // Kafka: DESCRIBE on the topic; of all topics only those are listed, a named one is TOPIC_AUTHORIZATION_FAILED
            if (all ? !ctx.authorizeQuietly(io.runnel.metadata.AclBinding.OP_DESCRIBE, io.runnel.metadata.AclBinding.RESOURCE_TOPIC, name) : !ctx.authorize(io.runnel.metadata.AclBinding.OP_DESCRIBE, io.runnel.metadata.AclBinding.RESOURCE_TOPIC, name)) {
                if (all) continue;
                DescribeTopicPartitionsResponse.Topic denied = unknown(name);
                denied.errorCode = Errors.TOPIC_AUTHORIZATION_FAILED.code();
                resp.topics.add(denied);
                continue;
            }
            if (t == null) {
                resp.topics.add(unknown(name));
                continue;
            }
            int from = cursor != null && cursor.topicName.equals(name) ? Math.max(0, cursor.partitionIndex) : 0;
            DescribeTopicPartitionsResponse.Topic rt = new DescribeTopicPartitionsResponse.Topic();
            rt.name = t.name();
            rt.topicId = t.id();
            rt.isInternal = TopicNames.isInternal(t.name());
            rt.topicAuthorizedOperations = ctx.authorizedOperations(io.runnel.metadata.AclBinding.RESOURCE_TOPIC, t.name(), AuthorizedOperations.ALL_TOPIC);
            resp.topics.add(rt);
            for (Map.Entry<Integer, PartitionState> e : t.partitions().tailMap(from).entrySet()) {
                if (limit == 0) {
                    resp.nextCursor = new DescribeTopicPartitionsResponse.Cursor();
                    resp.nextCursor.topicName = t.name();
                    resp.nextCursor.partitionIndex = e.getKey();
                    if (rt.partitions.isEmpty()) resp.topics.remove(rt);
                    return CompletableFuture.completedFuture(resp);
                }
                rt.partitions.add(partition(e.getKey(), e.getValue(), image, ctx.listenerName()));
                limit--;
            }
        }
        return CompletableFuture.completedFuture(resp);
    }

    private static DescribeTopicPartitionsResponse.Topic unknown(String name) {
        DescribeTopicPartitionsResponse.Topic rt = new DescribeTopicPartitionsResponse.Topic();
        rt.name = name;
        rt.topicId = Uuid.ZERO;
        rt.errorCode = validName(name) ? Errors.UNKNOWN_TOPIC_OR_PARTITION.code() : Errors.INVALID_TOPIC_EXCEPTION.code();
        return rt;
    }

    private static DescribeTopicPartitionsResponse.Partition partition(int index, PartitionState ps, MetadataImage image,
                                                                       String listener) {
        DescribeTopicPartitionsResponse.Partition p = new DescribeTopicPartitionsResponse.Partition();
        p.partitionIndex = index;
        p.leaderId = ps.leader();
        p.leaderEpoch = ps.leaderEpoch();
        p.replicaNodes = new ArrayList<>(ps.replicas());
        p.isrNodes = new ArrayList<>(ps.isr());
        p.eligibleLeaderReplicas = new ArrayList<>(ps.elr());
        p.lastKnownElr = new ArrayList<>(ps.lastKnownElr());
        List<Integer> offline = new ArrayList<>();
        for (int r : ps.replicas()) {
            BrokerRegistration b = image.broker(r);
            if (b == null || b.fenced() || BrokerContext.endpoint(b, listener) == null) offline.add(r);
        }
        p.offlineReplicas = offline;
        if (ps.leader() < 0) p.errorCode = Errors.LEADER_NOT_AVAILABLE.code();
        return p;
    }

    private static boolean validName(String name) {
        try {
            TopicNames.validate(name);
            return true;
        } catch (io.runnel.common.ApiException e) {
            return false;
        }
    }
}
