package io.runnel.broker.handler.admin;

import io.runnel.broker.BrokerContext;
import io.runnel.broker.handler.ApiHandler;
import io.runnel.broker.handler.RequestContext;
import io.runnel.common.ApiException;
import io.runnel.common.Errors;
import io.runnel.common.Uuid;
import io.runnel.config.ConfigEntry;
import io.runnel.metadata.ApiError;
import io.runnel.metadata.CreateTopicResult;
import io.runnel.metadata.MetadataController;
import io.runnel.metadata.NewTopic;
import io.runnel.protocol.ApiKeys;
import io.runnel.protocol.message.CreateTopicsRequest;
import io.runnel.protocol.message.CreateTopicsResponse;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * CreateTopics (v2-7). Checks what a Kafka broker checks before the controller (names given twice,
 * the metadata topic, null config values, a partition assigned twice), then asks the controller to
 * create (or, with validateOnly, only validate) the rest. One result per distinct name, in request
 * order. From v5 a successful result carries the partition count, replication factor and every topic
 * config with its value and source (sorted by name); v7 adds the topic id.
 */
public final class CreateTopicsHandler implements ApiHandler<CreateTopicsRequest, CreateTopicsResponse> {
    /** Kafka's metadata topic; Runnel's metadata log lives in a directory of that name too. */
    static final String METADATA_TOPIC = "__cluster_metadata";

    private final MetadataController controller;
    private final BrokerContext broker;

    public CreateTopicsHandler(MetadataController controller, BrokerContext broker) {
        this.controller = controller;
        this.broker = broker;
    }

    @Override
    public ApiKeys api() {
        return ApiKeys.CREATE_TOPICS;
    }

    @Override
    public CompletableFuture<CreateTopicsResponse> handle(RequestContext ctx, CreateTopicsRequest req) {
        Map<String, Integer> occurrences = new HashMap<>();
        for (CreateTopicsRequest.Topic t : req.topics) occurrences.merge(t.name, 1, Integer::sum);
        // name -> error decided here, or null when the controller decides; in request order
        Map<String, ApiError> local = new LinkedHashMap<>();
        List<NewTopic> forward = new ArrayList<>();
        // Kafka: CREATE on the cluster, else on each topic (TOPIC_AUTHORIZATION_FAILED)
        boolean clusterCreate = ctx.authorizeCluster(io.runnel.metadata.AclBinding.OP_CREATE);
        for (CreateTopicsRequest.Topic t : req.topics) {
            if (local.containsKey(t.name)) continue;
            if (!clusterCreate && occurrences.get(t.name) == 1 && !ctx.authorize(io.runnel.metadata.AclBinding.OP_CREATE, io.runnel.metadata.AclBinding.RESOURCE_TOPIC, t.name)) {
                local.put(t.name, ApiError.of(Errors.TOPIC_AUTHORIZATION_FAILED, "Authorization failed."));
                continue;
            }
            if (occurrences.get(t.name) > 1) {
                local.put(t.name, ApiError.of(Errors.INVALID_REQUEST, "Duplicate topic name."));
                continue;
            }
            try {
                forward.add(toNewTopic(t));
                local.put(t.name, null);
            } catch (ApiException e) {
                local.put(t.name, new ApiError(e.error(), e.getMessage()));
            }
        }
        if (forward.isEmpty()) return CompletableFuture.completedFuture(build(local, Map.of(), null));
        return controller.createTopics(forward, req.validateOnly).thenCompose(results -> req.validateOnly
                ? CompletableFuture.completedFuture(results) : undoTopicsWithoutLogs(results)).handle((results, err) -> {
            Map<String, CreateTopicResult> byName = new HashMap<>();
            if (results != null) for (CreateTopicResult r : results) byName.put(r.name(), r);
            return build(local, byName, err == null ? null : AdminSupport.errorOf(err));
        });
    }

    /**
     * A created topic with a partition whose log could not be created here (disk full, no descriptors)
     * is deleted again and answered KAFKA_STORAGE_ERROR: success is only reported for partitions that
     * have a log. The controller publishes each image to this broker's partitions before it completes
     * the request, so the check sees this creation's outcome.
     */
    private CompletableFuture<List<CreateTopicResult>> undoTopicsWithoutLogs(List<CreateTopicResult> results) {
        Map<String, String> failed = new LinkedHashMap<>();
        for (CreateTopicResult r : results) {
            if (r.error().isSuccess()) broker.publisher().logFailure(r.name()).ifPresent(f -> failed.put(r.name(), f));
        }
        if (failed.isEmpty()) return CompletableFuture.completedFuture(results);
        return controller.deleteTopics(failed.keySet()).handle((deleted, err) -> {
            Map<String, String> undoErrors = new HashMap<>();
            if (err != null) failed.keySet().forEach(n -> undoErrors.put(n, err.toString()));
            if (deleted != null) {
                for (var d : deleted) if (!d.error().isSuccess()) undoErrors.put(d.name(), d.error().toString());
            }
            List<CreateTopicResult> out = new ArrayList<>(results);
            out.replaceAll(r -> !failed.containsKey(r.name()) ? r : CreateTopicResult.failed(r.name(),
                    ApiError.of(Errors.KAFKA_STORAGE_ERROR, "Cannot create the log of " + failed.get(r.name())
                            + (undoErrors.containsKey(r.name())
                            ? "; the topic exists without that log, and deleting it failed: " + undoErrors.get(r.name())
                            : "; the topic was not created."))));
            return out;
        });
    }

    private static NewTopic toNewTopic(CreateTopicsRequest.Topic t) {
        if (METADATA_TOPIC.equals(t.name)) {
            throw new ApiException(Errors.INVALID_REQUEST, "Creation of internal topic " + METADATA_TOPIC + " is prohibited.");
        }
        List<String> nulls = new ArrayList<>();
        Map<String, String> configs = new LinkedHashMap<>();
        for (CreateTopicsRequest.Config c : t.configs) {
            if (c.value == null) nulls.add(c.name);
            else configs.put(c.name, c.value);
        }
        if (!nulls.isEmpty()) {
            throw new ApiException(Errors.INVALID_CONFIG, "Null value not supported for topic configs: " + String.join(",", nulls));
        }
        Map<Integer, List<Integer>> assignments = new HashMap<>();
        for (CreateTopicsRequest.Assignment a : t.assignments) {
            if (assignments.put(a.partitionIndex, List.copyOf(a.brokerIds)) != null) {
                throw new ApiException(Errors.INVALID_REPLICA_ASSIGNMENT,
                        "Found multiple manual partition assignments for partition " + a.partitionIndex);
            }
        }
        return new NewTopic(t.name, t.numPartitions, t.replicationFactor, assignments, configs);
    }

    private static CreateTopicsResponse build(Map<String, ApiError> local, Map<String, CreateTopicResult> results, ApiError failure) {
        CreateTopicsResponse resp = new CreateTopicsResponse();
        for (Map.Entry<String, ApiError> e : local.entrySet()) {
            ApiError error = e.getValue();
            CreateTopicResult r = null;
            if (error == null) {
                r = results.get(e.getKey());
                if (failure != null) error = failure;
                else if (r == null) error = ApiError.of(Errors.UNKNOWN_SERVER_ERROR, "The controller returned no result for this topic.");
                else error = r.error();
            }
            resp.topics.add(error.isSuccess() ? success(r) : failed(e.getKey(), error));
        }
        return resp;
    }

    private static CreateTopicsResponse.TopicResult failed(String name, ApiError error) {
        CreateTopicsResponse.TopicResult tr = new CreateTopicsResponse.TopicResult();
        tr.name = name;
        tr.topicId = Uuid.ZERO;
        tr.errorCode = error.error().code();
        tr.errorMessage = error.message();
        tr.numPartitions = -1;
        tr.replicationFactor = -1;
        tr.configs = new ArrayList<>();
        return tr;
    }

    private static CreateTopicsResponse.TopicResult success(CreateTopicResult r) {
        CreateTopicsResponse.TopicResult tr = new CreateTopicsResponse.TopicResult();
        tr.name = r.name();
        tr.topicId = r.topicId();
        tr.errorCode = Errors.NONE.code();
        tr.errorMessage = null;
        tr.numPartitions = r.numPartitions();
        tr.replicationFactor = r.replicationFactor();
        List<ConfigEntry> entries = new ArrayList<>(r.configs());
        entries.sort(Comparator.comparing(ConfigEntry::name));
        tr.configs = new ArrayList<>();
        for (ConfigEntry e : entries) {
            CreateTopicsResponse.Config c = new CreateTopicsResponse.Config();
            c.name = e.name();
            c.value = e.sensitive() ? null : e.value();
            c.readOnly = e.readOnly();
            c.configSource = e.source().id();
            c.isSensitive = e.sensitive();
            tr.configs.add(c);
        }
        return tr;
    }
}
