package io.runnel.broker.handler.admin;

import io.runnel.broker.BrokerContext;
import io.runnel.broker.handler.ApiHandler;
import io.runnel.broker.handler.RequestContext;
import io.runnel.common.Errors;
import io.runnel.common.Uuid;
import io.runnel.metadata.ApiError;
import io.runnel.metadata.DeleteTopicResult;
import io.runnel.metadata.MetadataController;
import io.runnel.protocol.ApiKeys;
import io.runnel.protocol.message.DeleteTopicsRequest;
import io.runnel.protocol.message.DeleteTopicsResponse;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * DeleteTopics (v1-6). v1-5 name topics by name ({@code topicNames}); v6 names each topic by name or
 * by id ({@code topics}), never both. Unknown names get UNKNOWN_TOPIC_OR_PARTITION, unknown ids
 * UNKNOWN_TOPIC_ID, a topic named twice INVALID_REQUEST. With delete.topic.enable=false every topic
 * gets TOPIC_DELETION_DISABLED, or INVALID_REQUEST for v1-2 clients that do not know that code (as
 * Kafka does). All deletions of one request are written as one metadata batch.
 */
public final class DeleteTopicsHandler implements ApiHandler<DeleteTopicsRequest, DeleteTopicsResponse> {
    private final MetadataController controller;
    private final BrokerContext broker;

    public DeleteTopicsHandler(MetadataController controller, BrokerContext broker) {
        this.controller = controller;
        this.broker = broker;
    }

    @Override
    public ApiKeys api() {
        return ApiKeys.DELETE_TOPICS;
    }

    /** One topic of the request as given: a name, or a name of null and an id. */
    private record Ref(String name, Uuid id) {
    }

    private boolean mayDelete(RequestContext ctx, Ref r) {
        String name = r.name;
        if (name == null) {
            io.runnel.metadata.TopicImage t = broker.image().topic(r.id);
            if (t == null) return true;
            name = t.name();
        }
        return ctx.authorize(io.runnel.metadata.AclBinding.OP_DELETE, io.runnel.metadata.AclBinding.RESOURCE_TOPIC, name);
    }

    @Override
    public CompletableFuture<DeleteTopicsResponse> handle(RequestContext ctx, DeleteTopicsRequest req) {
        short version = ctx.apiVersion();
        List<Ref> refs = new ArrayList<>();
        if (version >= 6) {
            for (DeleteTopicsRequest.Topic t : req.topics) refs.add(new Ref(t.name, t.topicId == null ? Uuid.ZERO : t.topicId));
        } else {
            for (String n : req.topicNames) refs.add(new Ref(n, Uuid.ZERO));
        }
        DeleteTopicsResponse resp = new DeleteTopicsResponse();
        if (!broker.config().deleteTopicEnable()) {
            ApiError disabled = ApiError.of(version < 3 ? Errors.INVALID_REQUEST : Errors.TOPIC_DELETION_DISABLED,
                    "Topic deletion is disabled.");
            for (Ref r : refs) resp.responses.add(result(r.name, r.id, disabled));
            return CompletableFuture.completedFuture(resp);
        }
        LinkedHashSet<String> names = new LinkedHashSet<>();
        LinkedHashSet<Uuid> ids = new LinkedHashSet<>();
        for (Ref r : refs) {
            if (r.name == null && r.id.equals(Uuid.ZERO)) {
                resp.responses.add(result(null, Uuid.ZERO, ApiError.of(Errors.INVALID_REQUEST, "Neither topic name nor id were specified.")));
            } else if (r.name != null && !r.id.equals(Uuid.ZERO)) {
                resp.responses.add(result(r.name, r.id, ApiError.of(Errors.INVALID_REQUEST, "You may not specify both topic name and topic id.")));
            } else if (!mayDelete(ctx, r)) {
                // Kafka: DELETE on the topic (a topic named by an unknown id stays UNKNOWN_TOPIC_ID)
                resp.responses.add(result(r.name, r.id, ApiError.of(Errors.TOPIC_AUTHORIZATION_FAILED, "Authorization failed.")));
            } else if (r.name != null) {
                names.add(r.name);
            } else {
                ids.add(r.id);
            }
        }
        if (names.isEmpty() && ids.isEmpty()) return CompletableFuture.completedFuture(resp);
        // the controller sees every reference, duplicates included, so that it can refuse them
        List<String> allNames = new ArrayList<>();
        List<Uuid> allIds = new ArrayList<>();
        for (Ref r : refs) {
            if (r.name != null && r.id.equals(Uuid.ZERO) && names.contains(r.name)) allNames.add(r.name);
            else if (r.name == null && !r.id.equals(Uuid.ZERO) && ids.contains(r.id)) allIds.add(r.id);
        }
        return controller.deleteTopics(allNames, allIds).handle((results, err) -> {
            if (err != null) {
                ApiError e = AdminSupport.errorOf(err);
                for (String n : names) resp.responses.add(result(n, Uuid.ZERO, e));
                for (Uuid id : ids) resp.responses.add(result(null, id, e));
                return resp;
            }
            for (DeleteTopicResult r : results) {
                // by-name results keep the name even when unknown; by-id results name the topic when it exists
                String name = r.name();
                if (version < 6 && name == null) name = "";
                resp.responses.add(result(name, r.topicId(), r.error()));
            }
            return resp;
        });
    }

    private static DeleteTopicsResponse.TopicResult result(String name, Uuid id, ApiError error) {
        DeleteTopicsResponse.TopicResult tr = new DeleteTopicsResponse.TopicResult();
        tr.name = name;
        tr.topicId = id;
        tr.errorCode = error.error().code();
        tr.errorMessage = AdminSupport.message(error);
        return tr;
    }
}
