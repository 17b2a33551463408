package io.runnel.broker.handler.admin;

import io.runnel.broker.handler.ApiHandler;
import io.runnel.broker.handler.RequestContext;
import io.runnel.common.Errors;
import io.runnel.common.Uuid;
import io.runnel.metadata.ApiError;
import io.runnel.metadata.MetadataController;
import io.runnel.metadata.QuorumDescription;
import io.runnel.protocol.ApiKeys;
import io.runnel.protocol.message.DescribeQuorumRequest;
import io.runnel.protocol.message.DescribeQuorumResponse;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * DescribeQuorum (v0-2), which Kafka's {@code kafka-metadata-quorum.sh describe --status/--replication}
 * and Admin.describeMetadataQuorum send to any broker: the metadata log partition
 * {@code __cluster_metadata-0} with the leader, its epoch, the high watermark, and each voter's and
 * observer's log end offset, last fetch and last caught-up time (v1+), from the active controller
 * ({@link MetadataController#describeQuorum}); v2 adds the voters' controller endpoints. A request for any
 * other partition gets UNKNOWN_TOPIC_OR_PARTITION for it, as Kafka answers; no active controller is
 * NOT_CONTROLLER.
 */
public final class DescribeQuorumHandler implements ApiHandler<DescribeQuorumRequest, DescribeQuorumResponse> {
    static final String METADATA_TOPIC = "__cluster_metadata";

    private final MetadataController controller;

    public DescribeQuorumHandler(MetadataController controller) {
        this.controller = controller;
    }

    @Override
    public ApiKeys api() {
        return ApiKeys.DESCRIBE_QUORUM;
    }

    @Override
    public CompletableFuture<DescribeQuorumResponse> handle(RequestContext ctx, DescribeQuorumRequest req) {
        boolean valid = req.topics.size() == 1 && METADATA_TOPIC.equals(req.topics.get(0).topicName)
                && req.topics.get(0).partitions.size() == 1 && req.topics.get(0).partitions.get(0).partitionIndex == 0;
        if (!valid) {
            return CompletableFuture.completedFuture(partitionError(ApiError.of(Errors.UNKNOWN_TOPIC_OR_PARTITION,
                    "DescribeQuorum describes only " + METADATA_TOPIC + "-0")));
        }
        return AdminSupport.ifCluster(ctx, io.runnel.metadata.AclBinding.OP_DESCRIBE, controller::describeQuorum).handle((d, err) -> {
            if (err != null) return partitionError(AdminSupport.errorOf(err));
            DescribeQuorumResponse resp = new DescribeQuorumResponse();
            resp.errorCode = Errors.NONE.code();
            DescribeQuorumResponse.Partition p = partition(ApiError.NONE);
            p.leaderId = d.leaderId();
            p.leaderEpoch = d.leaderEpoch();
            p.highWatermark = d.highWatermark();
            p.currentVoters = replicas(d.voters());
            p.observers = replicas(d.observers());
            resp.topics = new ArrayList<>(List.of(topic(p)));
            resp.nodes = new ArrayList<>();
            for (QuorumDescription.Node n : d.nodes()) {
                DescribeQuorumResponse.Node node = new DescribeQuorumResponse.Node();
                node.nodeId = n.id();
                DescribeQuorumResponse.Listener l = new DescribeQuorumResponse.Listener();
                l.name = n.listener();
                l.host = n.host();
                l.port = n.port();
                node.listeners = new ArrayList<>(List.of(l));
                resp.nodes.add(node);
            }
            return resp;
        });
    }

    private static List<DescribeQuorumResponse.ReplicaState> replicas(List<QuorumDescription.Replica> list) {
        List<DescribeQuorumResponse.ReplicaState> out = new ArrayList<>();
        for (QuorumDescription.Replica r : list) {
            DescribeQuorumResponse.ReplicaState s = new DescribeQuorumResponse.ReplicaState();
            s.replicaId = r.id();
            s.replicaDirectoryId = Uuid.ZERO;
            s.logEndOffset = r.logEndOffset();
            s.lastFetchTimestamp = r.lastFetchTimestamp();
            s.lastCaughtUpTimestamp = r.lastCaughtUpTimestamp();
            out.add(s);
        }
        return out;
    }

    private static DescribeQuorumResponse partitionError(ApiError e) {
        DescribeQuorumResponse resp = new DescribeQuorumResponse();
        resp.errorCode = Errors.NONE.code();
        resp.topics = new ArrayList<>(List.of(topic(partition(e))));
        resp.nodes = new ArrayList<>();
        return resp;
    }

    private static DescribeQuorumResponse.Partition partition(ApiError e) {
        DescribeQuorumResponse.Partition p = new DescribeQuorumResponse.Partition();
        p.partitionIndex = 0;
        p.errorCode = e.error().code();
        p.errorMessage = AdminSupport.message(e);
        p.leaderId = -1;
        p.leaderEpoch = -1;
        p.highWatermark = -1;
        p.currentVoters = new ArrayList<>();
        p.observers = new ArrayList<>();
        return p;
    }

    private static DescribeQuorumResponse.Topic topic(DescribeQuorumResponse.Partition p) {
        DescribeQuorumResponse.Topic t = new DescribeQuorumResponse.Topic();
        t.topicName = METADATA_TOPIC;
        t.partitions = new ArrayList<>(List.of(p));
        return t;
    }
}
