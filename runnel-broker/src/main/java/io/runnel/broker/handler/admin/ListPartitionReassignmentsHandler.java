package io.runnel.broker.handler.admin;

import io.runnel.broker.handler.ApiHandler;
import io.runnel.broker.handler.RequestContext;
import io.runnel.common.TopicPartition;
import io.runnel.metadata.MetadataController;
import io.runnel.metadata.PartitionState;
import io.runnel.protocol.ApiKeys;
import io.runnel.protocol.message.ListPartitionReassignmentsRequest;
import io.runnel.protocol.message.ListPartitionReassignmentsResponse;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * ListPartitionReassignments (v0; Admin.listPartitionReassignments, {@code kafka-reassign-partitions.sh
 * --verify/--list}, {@code kafka-topics.sh --describe}): the reassignments in progress as this broker's
 * metadata image holds them ({@link MetadataController#listPartitionReassignments}) — each partition's
 * replicas (target first, then the ones being removed), adding and removing replicas. A null topic list asks
 * for all; named partitions that do not exist or are not being reassigned are left out.
 */
public final class ListPartitionReassignmentsHandler
        implements ApiHandler<ListPartitionReassignmentsRequest, ListPartitionReassignmentsResponse> {
    private final MetadataController controller;

    public ListPartitionReassignmentsHandler(MetadataController controller) {
        this.controller = controller;
    }

    @Override
    public ApiKeys api() {
        return ApiKeys.LIST_PARTITION_REASSIGNMENTS;
    }

    @Override
    public CompletableFuture<ListPartitionReassignmentsResponse> handle(RequestContext ctx, ListPartitionReassignmentsRequest req) {
        Set<TopicPartition> filter = null;
        if (req.topics != null) {
            filter = new LinkedHashSet<>();
            for (ListPartitionReassignmentsRequest.Topic t : req.topics) {
                for (int p : t.partitionIndexes) filter.add(new TopicPartition(t.name, p));
            }
        }
        ListPartitionReassignmentsResponse resp = new ListPartitionReassignmentsResponse();
        resp.errorMessage = null;
        if (!ctx.authorizeCluster(io.runnel.metadata.AclBinding.OP_DESCRIBE)) {
            resp.errorCode = io.runnel.common.Errors.CLUSTER_AUTHORIZATION_FAILED.code();
            return CompletableFuture.completedFuture(resp);
        }
        Map<String, ListPartitionReassignmentsResponse.Topic> byTopic = new LinkedHashMap<>();
        for (Map.Entry<TopicPartition, PartitionState> e : controller.listPartitionReassignments(filter).entrySet()) {
            ListPartitionReassignmentsResponse.Topic t = byTopic.computeIfAbsent(e.getKey().topic(), name -> {
                ListPartitionReassignmentsResponse.Topic n = new ListPartitionReassignmentsResponse.Topic();
                n.name = name;
                return n;
            });
            PartitionState s = e.getValue();
            ListPartitionReassignmentsResponse.Partition p = new ListPartitionReassignmentsResponse.Partition();
            p.partitionIndex = e.getKey().partition();
            p.replicas = new ArrayList<>(s.replicas());
            p.addingReplicas = new ArrayList<>(s.addingReplicas());
            p.removingReplicas = new ArrayList<>(s.removingReplicas());
            t.partitions.add(p);
        }
        resp.topics.addAll(byTopic.values());
        return CompletableFuture.completedFuture(resp);
    }
}
