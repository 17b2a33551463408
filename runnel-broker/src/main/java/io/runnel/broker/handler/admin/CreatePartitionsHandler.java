package io.runnel.broker.handler.admin;

import io.runnel.broker.BrokerContext;
import io.runnel.broker.handler.ApiHandler;
import io.runnel.broker.handler.RequestContext;
import io.runnel.metadata.ApiError;
import io.runnel.metadata.CreatePartitionsResult;
import io.runnel.metadata.MetadataController;
import io.runnel.metadata.NewPartitions;
import io.runnel.protocol.ApiKeys;
import io.runnel.protocol.message.CreatePartitionsRequest;
import io.runnel.protocol.message.CreatePartitionsResponse;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * CreatePartitions (v0-3): grows each topic to {@code count} partitions, with the replicas given per
 * new partition or placed by the controller; validateOnly checks without writing. The controller
 * answers INVALID_PARTITIONS when the count is not an increase, UNKNOWN_TOPIC_OR_PARTITION for an
 * unknown topic, INVALID_REPLICA_ASSIGNMENT for bad assignments and INVALID_REQUEST for a topic named
 * twice. One result per distinct topic, in request order.
 */
public final class CreatePartitionsHandler implements ApiHandler<CreatePartitionsRequest, CreatePartitionsResponse> {
    private final MetadataController controller;
    private final BrokerContext broker;

    public CreatePartitionsHandler(MetadataController controller, BrokerContext broker) {
        this.controller = controller;
        this.broker = broker;
    }

    @Override
    public ApiKeys api() {
        return ApiKeys.CREATE_PARTITIONS;
    }

    @Override
    public CompletableFuture<CreatePartitionsResponse> handle(RequestContext ctx, CreatePartitionsRequest req) {
        List<NewPartitions> requests = new ArrayList<>();
        LinkedHashSet<String> names = new LinkedHashSet<>();
        List<String> denied = new ArrayList<>();
        for (CreatePartitionsRequest.Topic t : req.topics) {
            if (!ctx.authorize(io.runnel.metadata.AclBinding.OP_ALTER, io.runnel.metadata.AclBinding.RESOURCE_TOPIC, t.name)) { // Kafka: ALTER on the topic
                denied.add(t.name);
                continue;
            }
            List<List<Integer>> assignments = new ArrayList<>();
            if (t.assignments != null) {
                for (CreatePartitionsRequest.Assignment a : t.assignments) assignments.add(a.brokerIds == null ? List.of() : a.brokerIds);
            }
            requests.add(new NewPartitions(t.name, t.count, assignments));
            names.add(t.name);
        }
        CreatePartitionsResponse resp = new CreatePartitionsResponse();
        for (String n : denied) resp.results.add(result(n, ApiError.of(io.runnel.common.Errors.TOPIC_AUTHORIZATION_FAILED, "Authorization failed.")));
        if (requests.isEmpty()) return CompletableFuture.completedFuture(resp);
        return controller.createPartitions(requests, req.validateOnly).handle((results, err) -> {
            if (err != null) {
                ApiError e = AdminSupport.errorOf(err);
                for (String n : names) resp.results.add(result(n, e));
            } else {
                for (CreatePartitionsResult r : results) resp.results.add(result(r.topic(), withLogCheck(r, req.validateOnly)));
            }
            return resp;
        });
    }

    /**
     * Success only when every new partition has its log here; otherwise KAFKA_STORAGE_ERROR (the
     * partitions stay in the metadata, as partitions cannot be removed, and their logs are retried
     * with every later metadata change and at the next start).
     */
    private ApiError withLogCheck(CreatePartitionsResult r, boolean validateOnly) {
        if (validateOnly || !r.error().isSuccess()) return r.error();
        return broker.publisher().logFailure(r.topic())
                .map(f -> ApiError.of(io.runnel.common.Errors.KAFKA_STORAGE_ERROR, "Cannot create the log of " + f
                        + "; the partitions exist but are offline until their logs can be created."))
                .orElse(r.error());
    }

    private static CreatePartitionsResponse.TopicResult result(String name, ApiError error) {
        CreatePartitionsResponse.TopicResult tr = new CreatePartitionsResponse.TopicResult();
        tr.name = name;
        tr.errorCode = error.error().code();
        tr.errorMessage = AdminSupport.message(error);
        return tr;
    }
}
