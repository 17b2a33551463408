package io.runnel.broker.quota;

import io.runnel.broker.handler.ApiHandler;
import io.runnel.broker.handler.RequestContext;
import io.runnel.metadata.ClientQuotaKeys;
import io.runnel.protocol.ApiKeys;
import io.runnel.protocol.message.FetchRequest;
import io.runnel.protocol.message.FetchResponse;
import io.runnel.protocol.message.ProduceRequest;
import io.runnel.protocol.message.ProduceResponse;

import java.util.concurrent.CompletableFuture;

/**
 * The byte-rate quotas around the Produce and Fetch handlers: a produce request's record bytes count against
 * producer_byte_rate, a consumer fetch's record bytes against consumer_byte_rate (a follower's fetch is not a
 * client's: replication has its own throttles). Over the quota, the response carries the throttle time
 * (throttle_time_ms) and the connection stops being read for that long ({@code ConnectionHandler}), as Kafka does
 * since KIP-219; a throttled fetch is answered without records (they are not counted), as Kafka's.
 */
public final class QuotaHandlers {
    private QuotaHandlers() {
    }

    public static ApiHandler<ProduceRequest, ProduceResponse> produce(ApiHandler<ProduceRequest, ProduceResponse> inner, ClientQuotaManager quotas) {
        return new ApiHandler<>() {
            @Override
            public ApiKeys api() {
                return inner.api();
            }

            @Override
            public CompletableFuture<ProduceResponse> handle(RequestContext ctx, ProduceRequest req) {
                long bytes = 0;
                for (ProduceRequest.TopicData td : req.topicData) {
                    for (ProduceRequest.PartitionData pd : td.partitionData) if (pd.records != null) bytes += pd.records.sizeInBytes();
                }
                long throttle = quotas.recordAndGetThrottleMs(ClientQuotaKeys.PRODUCER_BYTE_RATE, ctx.principal(), ctx.clientId(), bytes);
                return inner.handle(ctx, req).thenApply(resp -> {
                    if (resp != null && throttle > 0) resp.throttleTimeMs = (int) Math.min(Integer.MAX_VALUE, throttle);
                    return resp;
                });
            }
        };
    }

    public static ApiHandler<FetchRequest, FetchResponse> fetch(ApiHandler<FetchRequest, FetchResponse> inner, ClientQuotaManager quotas) {
        return new ApiHandler<>() {
            @Override
            public ApiKeys api() {
                return inner.api();
            }

            @Override
            public CompletableFuture<FetchResponse> handle(RequestContext ctx, FetchRequest req) {
                if (isFollowerFetch(req, ctx.apiVersion())) return inner.handle(ctx, req);
                return inner.handle(ctx, req).thenApply(resp -> {
                    if (resp == null) return null;
                    long bytes = 0;
                    for (FetchResponse.TopicResponse t : resp.responses) {
                        for (FetchResponse.PartitionData p : t.partitions) if (p.records != null) bytes += p.records.sizeInBytes();
                    }
                    long throttle = quotas.recordAndGetThrottleMs(ClientQuotaKeys.CONSUMER_BYTE_RATE, ctx.principal(), ctx.clientId(), bytes);
                    if (throttle <= 0) return resp;
                    // Kafka's throttled fetch: no data (not counted), only the throttle time; the client fetches again after it
                    quotas.unrecord(ClientQuotaKeys.CONSUMER_BYTE_RATE, ctx.principal(), ctx.clientId(), bytes);
                    FetchResponse empty = new FetchResponse();
                    empty.throttleTimeMs = (int) Math.min(Integer.MAX_VALUE, throttle);
                    empty.errorCode = resp.errorCode;
                    empty.sessionId = resp.sessionId;
                    return empty;
                });
            }
        };
    }

    /** A follower's fetch (a replica id), not a client's. */
    static boolean isFollowerFetch(FetchRequest req, short version) {
        return (version >= 15 ? req.replicaState.replicaId : req.replicaId) >= 0;
    }

    /**
     * Requests exempt from request_percentage, as Kafka's: ApiVersions and the SASL steps (a client must be able to
     * connect and authenticate), and the inter-broker ones (a follower's Fetch, WriteTxnMarkers).
     */
    public static boolean exemptFromRequestQuota(ApiKeys api, io.runnel.protocol.ApiMessage request, short version) {
        return switch (api) {
            case API_VERSIONS, SASL_HANDSHAKE, SASL_AUTHENTICATE, WRITE_TXN_MARKERS -> true;
            case FETCH -> request instanceof FetchRequest f && isFollowerFetch(f, version);
            default -> false;
        };
    }

    // ---------------------------------------------------------------- controller_mutation_rate (KIP-599)

    private static final String THROTTLED = "The throttling quota has been exceeded.";

    /**
     * CreateTopics under controller_mutation_rate: each partition created is a mutation. From v6 (Kafka's strict
     * versions) a client over its quota gets THROTTLING_QUOTA_EXCEEDED for every topic with the time to wait; before
     * v6 the request is served and only throttled. validate_only requests are not counted.
     */
    public static ApiHandler<io.runnel.protocol.message.CreateTopicsRequest, io.runnel.protocol.message.CreateTopicsResponse> createTopics(
            ApiHandler<io.runnel.protocol.message.CreateTopicsRequest, io.runnel.protocol.message.CreateTopicsResponse> inner,
            ClientQuotaManager quotas) {
        return new ApiHandler<>() {
            @Override
            public ApiKeys api() {
                return inner.api();
            }

            @Override
            public CompletableFuture<io.runnel.protocol.message.CreateTopicsResponse> handle(RequestContext ctx,
                                                                                           io.runnel.protocol.message.CreateTopicsRequest req) {
                if (req.validateOnly) return inner.handle(ctx, req);
                long wait = quotas.mutationThrottleMs(ctx.principal(), ctx.clientId());
                if (wait > 0 && ctx.apiVersion() >= 6) {
                    io.runnel.protocol.message.CreateTopicsResponse resp = new io.runnel.protocol.message.CreateTopicsResponse();
                    resp.throttleTimeMs = (int) Math.min(Integer.MAX_VALUE, wait);
                    for (io.runnel.protocol.message.CreateTopicsRequest.Topic t : req.topics) {
                        io.runnel.protocol.message.CreateTopicsResponse.TopicResult r = new io.runnel.protocol.message.CreateTopicsResponse.TopicResult();
                        r.name = t.name;
                        r.errorCode = io.runnel.common.Errors.THROTTLING_QUOTA_EXCEEDED.code();
                        r.errorMessage = THROTTLED;
                        r.numPartitions = -1;
                        r.replicationFactor = -1;
                        r.configs = null;
                        resp.topics.add(r);
                    }
                    return CompletableFuture.completedFuture(resp);
                }
                return inner.handle(ctx, req).thenApply(resp -> {
                    int mutations = 0;
                    for (io.runnel.protocol.message.CreateTopicsResponse.TopicResult r : resp.topics) {
                        if (r.errorCode == 0 && r.numPartitions > 0) mutations += r.numPartitions;
                    }
                    resp.throttleTimeMs = Math.max(resp.throttleTimeMs, clamp(quotas.recordMutations(ctx.principal(), ctx.clientId(), mutations)));
                    return resp;
                });
            }
        };
    }

    /** CreatePartitions under controller_mutation_rate: each new partition is a mutation; strict from v3. */
    public static ApiHandler<io.runnel.protocol.message.CreatePartitionsRequest, io.runnel.protocol.message.CreatePartitionsResponse> createPartitions(
            ApiHandler<io.runnel.protocol.message.CreatePartitionsRequest, io.runnel.protocol.message.CreatePartitionsResponse> inner,
            ClientQuotaManager quotas, java.util.function.Supplier<io.runnel.metadata.MetadataImage> image) {
        return new ApiHandler<>() {
            @Override
            public ApiKeys api() {
                return inner.api();
            }

            @Override
            public CompletableFuture<io.runnel.protocol.message.CreatePartitionsResponse> handle(RequestContext ctx,
                                                                                               io.runnel.protocol.message.CreatePartitionsRequest req) {
                if (req.validateOnly) return inner.handle(ctx, req);
                long wait = quotas.mutationThrottleMs(ctx.principal(), ctx.clientId());
                if (wait > 0 && ctx.apiVersion() >= 3) {
                    io.runnel.protocol.message.CreatePartitionsResponse resp = new io.runnel.protocol.message.CreatePartitionsResponse();
                    resp.throttleTimeMs = clamp(wait);
                    for (io.runnel.protocol.message.CreatePartitionsRequest.Topic t : req.topics) {
                        io.runnel.protocol.message.CreatePartitionsResponse.TopicResult r = new io.runnel.protocol.message.CreatePartitionsResponse.TopicResult();
                        r.name = t.name;
                        r.errorCode = io.runnel.common.Errors.THROTTLING_QUOTA_EXCEEDED.code();
                        r.errorMessage = THROTTLED;
                        resp.results.add(r);
                    }
                    return CompletableFuture.completedFuture(resp);
                }
                java.util.Map<String, Integer> added = new java.util.HashMap<>();
                io.runnel.metadata.MetadataImage before = image.get();
                for (io.runnel.protocol.message.CreatePartitionsRequest.Topic t : req.topics) {
                    io.runnel.metadata.TopicImage ti = before.topic(t.name);
                    if (ti != null) added.put(t.name, Math.max(0, t.count - ti.partitions().size()));
                }
                return inner.handle(ctx, req).thenApply(resp -> {
                    int mutations = 0;
                    for (io.runnel.protocol.message.CreatePartitionsResponse.TopicResult r : resp.results) {
                        if (r.errorCode == 0) mutations += added.getOrDefault(r.name, 0);
                    }
                    resp.throttleTimeMs = Math.max(resp.throttleTimeMs, clamp(quotas.recordMutations(ctx.principal(), ctx.clientId(), mutations)));
                    return resp;
                });
            }
        };
    }

    /** DeleteTopics under controller_mutation_rate: each partition deleted is a mutation; strict from v5. */
    public static ApiHandler<io.runnel.protocol.message.DeleteTopicsRequest, io.runnel.protocol.message.DeleteTopicsResponse> deleteTopics(
            ApiHandler<io.runnel.protocol.message.DeleteTopicsRequest, io.runnel.protocol.message.DeleteTopicsResponse> inner,
            ClientQuotaManager quotas, java.util.function.Supplier<io.runnel.metadata.MetadataImage> image) {
        return new ApiHandler<>() {
            @Override
            public ApiKeys api() {
                return inner.api();
            }

            @Override
            public CompletableFuture<io.runnel.protocol.message.DeleteTopicsResponse> handle(RequestContext ctx,
                                                                                           io.runnel.protocol.message.DeleteTopicsRequest req) {
                long wait = quotas.mutationThrottleMs(ctx.principal(), ctx.clientId());
                if (wait > 0 && ctx.apiVersion() >= 5) {
                    io.runnel.protocol.message.DeleteTopicsResponse resp = new io.runnel.protocol.message.DeleteTopicsResponse();
                    resp.throttleTimeMs = clamp(wait);
                    java.util.List<String> names = new java.util.ArrayList<>(req.topicNames);
                    java.util.List<io.runnel.common.Uuid> ids = new java.util.ArrayList<>();
                    for (io.runnel.protocol.message.DeleteTopicsRequest.Topic t : req.topics) {
                        io.runnel.protocol.message.DeleteTopicsResponse.TopicResult r = new io.runnel.protocol.message.DeleteTopicsResponse.TopicResult();
                        r.name = t.name;
                        r.topicId = t.topicId;
                        r.errorCode = io.runnel.common.Errors.THROTTLING_QUOTA_EXCEEDED.code();
                        r.errorMessage = THROTTLED;
                        resp.responses.add(r);
                    }
                    for (String n : names) {
                        io.runnel.protocol.message.DeleteTopicsResponse.TopicResult r = new io.runnel.protocol.message.DeleteTopicsResponse.TopicResult();
                        r.name = n;
                        r.errorCode = io.runnel.common.Errors.THROTTLING_QUOTA_EXCEEDED.code();
                        r.errorMessage = THROTTLED;
                        resp.responses.add(r);
                    }
                    return CompletableFuture.completedFuture(resp);
                }
                io.runnel.metadata.MetadataImage before = image.get();
                return inner.handle(ctx, req).thenApply(resp -> {
                    int mutations = 0;
                    for (io.runnel.protocol.message.DeleteTopicsResponse.TopicResult r : resp.responses) {
                        if (r.errorCode != 0) continue;
                        io.runnel.metadata.TopicImage t = r.name != null ? before.topic(r.name)
                                : r.topicId != null ? before.topic(r.topicId) : null;
                        if (t != null) mutations += t.partitions().size();
                    }
                    resp.throttleTimeMs = Math.max(resp.throttleTimeMs, clamp(quotas.recordMutations(ctx.principal(), ctx.clientId(), mutations)));
                    return resp;
                });
            }
        };
    }

    private static int clamp(long ms) {
        return (int) Math.min(Integer.MAX_VALUE, Math.max(0, ms));
    }
}
