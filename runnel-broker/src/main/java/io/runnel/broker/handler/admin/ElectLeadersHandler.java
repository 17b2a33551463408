package io.runnel.broker.handler.admin;

import io.runnel.broker.handler.ApiHandler;
import io.runnel.broker.handler.RequestContext;
import io.runnel.common.TopicPartition;
import io.runnel.metadata.ApiError;
import io.runnel.metadata.MetadataController;
import io.runnel.protocol.ApiKeys;
import io.runnel.protocol.message.ElectLeadersRequest;
import io.runnel.protocol.message.ElectLeadersResponse;

import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * ElectLeaders (v0-2; Admin.electLeaders, {@code kafka-leader-election.sh}): preferred (0) or unclean
 * (1, v1+) elections through the active controller ({@link MetadataController#electLeaders}, forwarded
 * there from any broker). A null partition list means every partition, and then only partitions that
 * needed an election are answered. A whole-request failure (NOT_CONTROLLER, INVALID_REQUEST for an
 * unknown election type) is the top-level error from v1 and each named partition's error.
 */
public final class ElectLeadersHandler implements ApiHandler<ElectLeadersRequest, ElectLeadersResponse> {
    private final MetadataController controller;

    public ElectLeadersHandler(MetadataController controller) {
        this.controller = controller;
    }

    @Override
    public ApiKeys api() {
        return ApiKeys.ELECT_LEADERS;
    }

    @Override
    public CompletableFuture<ElectLeadersResponse> handle(RequestContext ctx, ElectLeadersRequest req) {
        Set<TopicPartition> partitions = null;
        if (req.topicPartitions != null) {
            partitions = new LinkedHashSet<>();
            for (ElectLeadersRequest.TopicPartition t : req.topicPartitions) {
                for (int p : t.partitions) partitions.add(new TopicPartition(t.topic, p));
            }
        }
        Set<TopicPartition> named = partitions;
        Set<TopicPartition> asked = partitions;
        return AdminSupport.ifCluster(ctx, io.runnel.metadata.AclBinding.OP_ALTER, () -> controller.electLeaders(req.electionType, asked)).handle((results, err) -> {
            ElectLeadersResponse resp = new ElectLeadersResponse();
            if (err != null) {
                ApiError e = AdminSupport.errorOf(err);
                resp.errorCode = e.error().code();
                Map<TopicPartition, ApiError> each = new LinkedHashMap<>();
                if (named != null) named.forEach(tp -> each.put(tp, e));
                addResults(resp, each);
            } else {
                addResults(resp, results);
            }
            return resp;
        });
    }

    /** One result per topic, in the order topics first appear, with its partitions' answers. */
    private static void addResults(ElectLeadersResponse resp, Map<TopicPartition, ApiError> results) {
        Map<String, ElectLeadersResponse.ReplicaElectionResult> byTopic = new LinkedHashMap<>();
        for (Map.Entry<TopicPartition, ApiError> e : results.entrySet()) {
            ElectLeadersResponse.ReplicaElectionResult r = byTopic.computeIfAbsent(e.getKey().topic(), t -> {
                ElectLeadersResponse.ReplicaElectionResult n = new ElectLeadersResponse.ReplicaElectionResult();
                n.topic = t;
                return n;
            });
            ElectLeadersResponse.PartitionResult pr = new ElectLeadersResponse.PartitionResult();
            pr.partitionId = e.getKey().partition();
            pr.errorCode = e.getValue().error().code();
            pr.errorMessage = AdminSupport.message(e.getValue());
            r.partitionResult.add(pr);
        }
        resp.replicaElectionResults.addAll(byTopic.values());
    }
}
