package io.runnel.broker.handler.admin;

import io.runnel.broker.handler.ApiHandler;
import io.runnel.broker.handler.RequestContext;
import io.runnel.common.TopicPartition;
import io.runnel.metadata.ApiError;
import io.runnel.metadata.MetadataController;
import io.runnel.protocol.ApiKeys;
import io.runnel.protocol.message.AlterPartitionReassignmentsRequest;
import io.runnel.protocol.message.AlterPartitionReassignmentsResponse;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * AlterPartitionReassignments (v0-1; Admin.alterPartitionReassignments, {@code kafka-reassign-partitions.sh
 * --execute/--cancel}): starts, replaces or (null replicas) cancels partition reassignments through the active
 * controller ({@link MetadataController#alterPartitionReassignments}, forwarded there from any broker).
 * v1's {@code allowReplicationFactorChange} false refuses targets of another size (INVALID_REPLICATION_FACTOR).
 * A whole-request failure (NOT_CONTROLLER, REQUEST_TIMED_OUT) is the top-level error and every partition's.
 * A partition named twice keeps its last target, as the map Kafka's Admin builds the request from does.
 */
public final class AlterPartitionReassignmentsHandler
        implements ApiHandler<AlterPartitionReassignmentsRequest, AlterPartitionReassignmentsResponse> {
    private final MetadataController controller;

    public AlterPartitionReassignmentsHandler(MetadataController controller) {
        this.controller = controller;
    }

    @Override
    public ApiKeys api() {
        return ApiKeys.ALTER_PARTITION_REASSIGNMENTS;
    }

    @Override
    public CompletableFuture<AlterPartitionReassignmentsResponse> handle(RequestContext ctx, AlterPartitionReassignmentsRequest req) {
        Map<TopicPartition, List<Integer>> targets = new LinkedHashMap<>();
        for (AlterPartitionReassignmentsRequest.Topic t : req.topics) {
            for (AlterPartitionReassignmentsRequest.Partition p : t.partitions) targets.put(new TopicPartition(t.name, p.partitionIndex), p.replicas);
        }
        return AdminSupport.ifCluster(ctx, io.runnel.metadata.AclBinding.OP_ALTER,
                () -> controller.alterPartitionReassignments(targets, req.allowReplicationFactorChange)).handle((results, err) -> {
            AlterPartitionReassignmentsResponse resp = new AlterPartitionReassignmentsResponse();
            resp.allowReplicationFactorChange = req.allowReplicationFactorChange;
            resp.errorMessage = null;
            Map<TopicPartition, ApiError> each = results;
            if (err != null) {
                ApiError e = AdminSupport.errorOf(err);
                resp.errorCode = e.error().code();
                resp.errorMessage = e.message();
                each = new LinkedHashMap<>();
                for (TopicPartition tp : targets.keySet()) each.put(tp, e);
            }
            Map<String, AlterPartitionReassignmentsResponse.TopicResponse> byTopic = new LinkedHashMap<>();
            for (Map.Entry<TopicPartition, ApiError> e : each.entrySet()) {
                AlterPartitionReassignmentsResponse.TopicResponse tr = byTopic.computeIfAbsent(e.getKey().topic(), name -> {
                    AlterPartitionReassignmentsResponse.TopicResponse n = new AlterPartitionReassignmentsResponse.TopicResponse();
                    n.name = name;
                    return n;
                });
                AlterPartitionReassignmentsResponse.PartitionResponse pr = new AlterPartitionReassignmentsResponse.PartitionResponse();
                pr.partitionIndex = e.getKey().partition();
                pr.errorCode = e.getValue().error().code();
                pr.errorMessage = AdminSupport.message(e.getValue());
                tr.partitions.add(pr);
            }
            resp.responses.addAll(byTopic.values());
            return resp;
        });
    }
}
