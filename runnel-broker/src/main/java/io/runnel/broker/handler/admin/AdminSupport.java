package io.runnel.broker.handler.admin;

import io.runnel.common.ApiException;
import io.runnel.common.Errors;
import io.runnel.metadata.ApiError;
import io.runnel.metadata.ConfigResource;
import io.runnel.metadata.TopicNames;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/** What the admin handlers share: error translation and the checks Kafka brokers make on config resources. */
public final class AdminSupport {
    private static final Logger log = LoggerFactory.getLogger(AdminSupport.class);

    private AdminSupport() {
    }

    /**
     * The error code and message for a failed controller future: an {@link ApiException} (anywhere in
     * the cause chain) keeps its code and message, anything else is UNKNOWN_SERVER_ERROR and is logged.
     */
    public static ApiError errorOf(Throwable t) {
        Throwable c = t;
        while ((c instanceof CompletionException || c instanceof ExecutionException) && c.getCause() != null) {
            c = c.getCause();
        }
        ApiError e = ApiError.fromThrowable(c);
        if (e.error() == Errors.UNKNOWN_SERVER_ERROR && !(c instanceof ApiException)) {
            log.error("Metadata operation failed", c);
            return ApiError.of(Errors.UNKNOWN_SERVER_ERROR, String.valueOf(c.getMessage()));
        }
        return e;
    }

    /**
     * The resource an AlterConfigs or IncrementalAlterConfigs item names, checked as a Kafka broker
     * checks it before handing it to the controller: a topic must have a legal, non-empty name; a broker
     * resource must be "" (the cluster-wide default) or this node's id; a group must have a non-empty id;
     * other types are refused.
     *
     * @throws ApiException INVALID_REQUEST or INVALID_TOPIC_EXCEPTION
     */
    static ConfigResource alterableResource(byte type, String name, int nodeId) {
        ConfigResource.Type t = ConfigResource.Type.forId(type);
        switch (t) {
            case TOPIC -> {
                if (name == null || name.isEmpty()) {
                    throw new ApiException(Errors.INVALID_REQUEST, "Default topic resources are not allowed.");
                }
                TopicNames.validate(name);
                return ConfigResource.topic(name);
            }
            case BROKER -> {
                if (name == null || name.isEmpty()) return ConfigResource.brokerDefault();
                int id;
                try {
                    id = Integer.parseInt(name);
                } catch (NumberFormatException e) {
                    throw new ApiException(Errors.INVALID_REQUEST, "Node id must be an integer, but it is: " + name);
                }
                if (id != nodeId) {
                    throw new ApiException(Errors.INVALID_REQUEST, "Unexpected broker id, expected " + nodeId
                            + ", but received " + name);
                }
                return ConfigResource.broker(id);
            }
            case GROUP -> {
                if (name == null || name.isEmpty()) throw new ApiException(Errors.INVALID_REQUEST, "Group id must not be empty.");
                return ConfigResource.group(name);
            }
            default -> throw new ApiException(Errors.INVALID_REQUEST, t == ConfigResource.Type.UNKNOWN
                    ? "Unknown resource type " + type : "Unsupported resource type " + t);
        }
    }

    /** The message of an error that goes on the wire: null on success. */
    static String message(ApiError e) {
        return e.isSuccess() ? null : e.message();
    }

    /**
     * Kafka's check of a config resource for DescribeConfigs ({@code DESCRIBE_CONFIGS}) and AlterConfigs /
     * IncrementalAlterConfigs ({@code ALTER_CONFIGS}): a topic (2) on the topic, a broker (4) or broker logger (8) on
     * the cluster, a group (32) on the group; null when allowed, else the error (TOPIC_/CLUSTER_/GROUP_AUTHORIZATION_FAILED).
     */
    public static ApiError configAuthorization(io.runnel.broker.handler.RequestContext ctx, byte resourceType, String name, byte operation) {
        io.runnel.common.Errors denied;
        boolean ok;
        switch (resourceType) {
            case 2 -> {
                ok = ctx.authorize(operation, io.runnel.metadata.AclBinding.RESOURCE_TOPIC, name);
                denied = io.runnel.common.Errors.TOPIC_AUTHORIZATION_FAILED;
            }
            case 32 -> {
                ok = ctx.authorize(operation, io.runnel.metadata.AclBinding.RESOURCE_GROUP, name);
                denied = io.runnel.common.Errors.GROUP_AUTHORIZATION_FAILED;
            }
            default -> {
                ok = ctx.authorizeCluster(operation);
                denied = io.runnel.common.Errors.CLUSTER_AUTHORIZATION_FAILED;
            }
        }
        return ok ? null : ApiError.of(denied, null);
    }

    /**
     * The operation itself when the request's principal may do {@code operation} on the cluster, else a future failed
     * with CLUSTER_AUTHORIZATION_FAILED, which the handler answers as it answers any failure of the operation.
     */
    public static <T> java.util.concurrent.CompletableFuture<T> ifCluster(io.runnel.broker.handler.RequestContext ctx, byte operation,
                                                                       java.util.function.Supplier<java.util.concurrent.CompletableFuture<T>> op) {
        if (ctx.authorizeCluster(operation)) return op.get();
        return java.util.concurrent.CompletableFuture.failedFuture(new io.runnel.common.ApiException(
                io.runnel.common.Errors.CLUSTER_AUTHORIZATION_FAILED, "Cluster authorization failed."));
    }
}
