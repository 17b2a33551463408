package io.runnel.broker.quota;

import io.runnel.broker.handler.ApiHandler;
import io.runnel.broker.handler.RequestContext;
import io.runnel.broker.handler.ThrottleTime;
import io.runnel.common.Errors;
import io.runnel.common.Uuid;
import io.runnel.metadata.ClientQuotaKeys;
import io.runnel.metadata.MetadataImage;
import io.runnel.metadata.TopicImage;
import io.runnel.protocol.ApiKeys;
import io.runnel.protocol.ApiMessage;
import io.runnel.protocol.message.CreatePartitionsRequest;
import io.runnel.protocol.message.CreatePartitionsResponse;
import io.runnel.protocol.message.CreateTopicsRequest;
import io.runnel.protocol.message.CreateTopicsResponse;
import io.runnel.protocol.message.DeleteTopicsRequest;
import io.runnel.protocol.message.DeleteTopicsResponse;
import io.runnel.protocol.message.FetchRequest;
import io.runnel.protocol.message.FetchResponse;
import io.runnel.protocol.message.ProduceRequest;
import io.runnel.protocol.message.ProduceResponse;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiFunction;
import java.util.function.Supplier;
import java.util.function.ToIntFunction;

/**
 * The quotas that wrap an API's handler: the byte rates around Produce and Fetch (a produce request's record bytes
 * count against producer_byte_rate, a consumer fetch's record bytes against consumer_byte_rate; a follower's fetch
 * is not a client's: replication has its own throttles) and controller_mutation_rate around CreateTopics,
 * CreatePartitions and DeleteTopics. Over the quota, the response carries the throttle time (throttle_time_ms) and
 * the connection stops being read for that long ({@code ConnectionHandler}), as Kafka does since KIP-219; a
 * throttled fetch is answered without records (they are not counted), as Kafka's. request_percentage is measured
 * by {@code ConnectionHandler} for every API, not here.
 *
 * <p>Every wrapper has one shape ({@link #around}); the three mutation wrappers share one skeleton
 * ({@link #mutationQuota}) and differ only in what a {@link MutationApi} says about their messages.
 */
public final class QuotaHandlers {
    private QuotaHandlers() {
    }

    /** {@code inner}'s API served by {@code body} (which calls {@code inner} itself). */
    private static <Q extends ApiMessage, R extends ApiMessage> ApiHandler<Q, R> around(ApiHandler<Q, R> inner,
                                                                                       BiFunction<RequestContext, Q, CompletableFuture<R>> body) {
        return new ApiHandler<>() {
            @Override
            public ApiKeys api() {
                return inner.api();
            }

            @Override
            public CompletableFuture<R> handle(RequestContext ctx, Q req) {
                return body.apply(ctx, req);
            }
        };
    }

    public static ApiHandler<ProduceRequest, ProduceResponse> produce(ApiHandler<ProduceRequest, ProduceResponse> inner, ClientQuotaManager quotas) {
        return around(inner, (ctx, req) -> {
            long bytes = 0;
            for (ProduceRequest.TopicData td : req.topicData) {
                for (ProduceRequest.PartitionData pd : td.partitionData) if (pd.records != null) bytes += pd.records.sizeInBytes();
            }
            long throttle = quotas.recordAndGetThrottleMs(ClientQuotaKeys.PRODUCER_BYTE_RATE, ctx.principal(), ctx.clientId(), bytes);
            return inner.handle(ctx, req).thenApply(resp -> {
                if (resp != null && throttle > 0) resp.throttleTimeMs = clamp(throttle);
                return resp;
            });
        });
    }

    public static ApiHandler<FetchRequest, FetchResponse> fetch(ApiHandler<FetchRequest, FetchResponse> inner, ClientQuotaManager quotas) {
        return around(inner, (ctx, req) -> {
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
                empty.throttleTimeMs = clamp(throttle);
                empty.errorCode = resp.errorCode;
                empty.sessionId = resp.sessionId;
                return empty;
            });
        });
    }

    /** A follower's fetch (a replica id), not a client's. */
    static boolean isFollowerFetch(FetchRequest req, short version) {
        return (version >= 15 ? req.replicaState.replicaId : req.replicaId) >= 0;
    }

    /**
     * Requests exempt from request_percentage, as Kafka's: ApiVersions and the SASL steps (a client must be able to
     * connect and authenticate), and the inter-broker ones (a follower's Fetch, WriteTxnMarkers).
     */
    public static boolean exemptFromRequestQuota(ApiKeys api, ApiMessage request, short version) {
        return switch (api) {
            case API_VERSIONS, SASL_HANDSHAKE, SASL_AUTHENTICATE, WRITE_TXN_MARKERS -> true;
            case FETCH -> request instanceof FetchRequest f && isFollowerFetch(f, version);
            default -> false;
        };
    }

    // ---------------------------------------------------------------- controller_mutation_rate (KIP-599)

    private static final String THROTTLED = "The throttling quota has been exceeded.";

    /** What the mutation skeleton needs to know of one API's messages. */
    private interface MutationApi<Q, R> {
        /** The first version that refuses a client over its quota; older ones are served and only throttled. */
        short strictFrom();

        boolean validateOnly(Q req);

        /** The answer refusing every topic of {@code req} with THROTTLING_QUOTA_EXCEEDED. */
        R refused(Q req, int throttleMs);

        /** How many partitions a response created or deleted; made before the request is served (the image before it). */
        ToIntFunction<R> mutations(Q req);
    }

    /**
     * Each partition created or deleted is a mutation. A client whose bucket is below zero gets every topic refused
     * from {@code strictFrom()} on (older versions are served and only throttled); a client not below zero is
     * served, even past zero, and told how long until its bucket is back. validate_only is not counted.
     */
    private static <Q extends ApiMessage, R extends ApiMessage> ApiHandler<Q, R> mutationQuota(ApiHandler<Q, R> inner,
                                                                                              ClientQuotaManager quotas, MutationApi<Q, R> api) {
        return around(inner, (ctx, req) -> {
            if (api.validateOnly(req)) return inner.handle(ctx, req);
            long wait = quotas.mutationThrottleMs(ctx.principal(), ctx.clientId());
            if (wait > 0 && ctx.apiVersion() >= api.strictFrom()) return CompletableFuture.completedFuture(api.refused(req, clamp(wait)));
            ToIntFunction<R> count = api.mutations(req);
            return inner.handle(ctx, req).thenApply(resp -> {
                long throttle = quotas.recordMutations(ctx.principal(), ctx.clientId(), count.applyAsInt(resp));
                ThrottleTime.raise(resp, clamp(throttle));
                return resp;
            });
        });
    }

    /** CreateTopics: each partition created is a mutation; strict from v6. */
    public static ApiHandler<CreateTopicsRequest, CreateTopicsResponse> createTopics(ApiHandler<CreateTopicsRequest, CreateTopicsResponse> inner,
                                                                                   ClientQuotaManager quotas) {
        return mutationQuota(inner, quotas, new MutationApi<>() {
            @Override
            public short strictFrom() {
                return 6;
            }

            @Override
            public boolean validateOnly(CreateTopicsRequest req) {
                return req.validateOnly;
            }

            @Override
            public CreateTopicsResponse refused(CreateTopicsRequest req, int throttleMs) {
                CreateTopicsResponse resp = new CreateTopicsResponse();
                resp.throttleTimeMs = throttleMs;
                for (CreateTopicsRequest.Topic t : req.topics) {
                    CreateTopicsResponse.TopicResult r = new CreateTopicsResponse.TopicResult();
                    r.name = t.name;
                    r.errorCode = Errors.THROTTLING_QUOTA_EXCEEDED.code();
                    r.errorMessage = THROTTLED;
                    r.numPartitions = -1;
                    r.replicationFactor = -1;
                    r.configs = null;
                    resp.topics.add(r);
                }
                return resp;
            }

            @Override
            public ToIntFunction<CreateTopicsResponse> mutations(CreateTopicsRequest req) {
                return resp -> {
                    int n = 0;
                    for (CreateTopicsResponse.TopicResult r : resp.topics) if (r.errorCode == 0 && r.numPartitions > 0) n += r.numPartitions;
                    return n;
                };
            }
        });
    }

    /** CreatePartitions: each new partition is a mutation; strict from v3. */
    public static ApiHandler<CreatePartitionsRequest, CreatePartitionsResponse> createPartitions(
            ApiHandler<CreatePartitionsRequest, CreatePartitionsResponse> inner, ClientQuotaManager quotas, Supplier<MetadataImage> image) {
        return mutationQuota(inner, quotas, new MutationApi<>() {
            @Override
            public short strictFrom() {
                return 3;
            }

            @Override
            public boolean validateOnly(CreatePartitionsRequest req) {
                return req.validateOnly;
            }

            @Override
            public CreatePartitionsResponse refused(CreatePartitionsRequest req, int throttleMs) {
                CreatePartitionsResponse resp = new CreatePartitionsResponse();
                resp.throttleTimeMs = throttleMs;
                for (CreatePartitionsRequest.Topic t : req.topics) {
                    CreatePartitionsResponse.TopicResult r = new CreatePartitionsResponse.TopicResult();
                    r.name = t.name;
                    r.errorCode = Errors.THROTTLING_QUOTA_EXCEEDED.code();
                    r.errorMessage = THROTTLED;
                    resp.results.add(r);
                }
                return resp;
            }

            @Override
            public ToIntFunction<CreatePartitionsResponse> mutations(CreatePartitionsRequest req) {
                Map<String, Integer> added = new HashMap<>();
                MetadataImage before = image.get();
                for (CreatePartitionsRequest.Topic t : req.topics) {
                    TopicImage ti = before.topic(t.name);
                    if (ti != null) added.put(t.name, Math.max(0, t.count - ti.partitions().size()));
                }
                return resp -> {
                    int n = 0;
                    for (CreatePartitionsResponse.TopicResult r : resp.results) if (r.errorCode == 0) n += added.getOrDefault(r.name, 0);
                    return n;
                };
            }
        });
    }

    /** DeleteTopics: each partition deleted is a mutation; strict from v5. */
    public static ApiHandler<DeleteTopicsRequest, DeleteTopicsResponse> deleteTopics(ApiHandler<DeleteTopicsRequest, DeleteTopicsResponse> inner,
                                                                                   ClientQuotaManager quotas, Supplier<MetadataImage> image) {
        return mutationQuota(inner, quotas, new MutationApi<>() {
            @Override
            public short strictFrom() {
                return 5;
            }

            @Override
            public boolean validateOnly(DeleteTopicsRequest req) {
                return false;
            }

            @Override
            public DeleteTopicsResponse refused(DeleteTopicsRequest req, int throttleMs) {
                DeleteTopicsResponse resp = new DeleteTopicsResponse();
                resp.throttleTimeMs = throttleMs;
                for (DeleteTopicsRequest.Topic t : req.topics) resp.responses.add(refusedTopic(t.name, t.topicId));
                for (String n : req.topicNames) resp.responses.add(refusedTopic(n, null));
                return resp;
            }

            private DeleteTopicsResponse.TopicResult refusedTopic(String name, Uuid id) {
                DeleteTopicsResponse.TopicResult r = new DeleteTopicsResponse.TopicResult();
                r.name = name;
                if (id != null) r.topicId = id;
                r.errorCode = Errors.THROTTLING_QUOTA_EXCEEDED.code();
                r.errorMessage = THROTTLED;
                return r;
            }

            @Override
            public ToIntFunction<DeleteTopicsResponse> mutations(DeleteTopicsRequest req) {
                MetadataImage before = image.get();
                return resp -> {
                    int n = 0;
                    for (DeleteTopicsResponse.TopicResult r : resp.responses) {
                        if (r.errorCode != 0) continue;
                        TopicImage t = r.name != null ? before.topic(r.name) : r.topicId != null ? before.topic(r.topicId) : null;
                        if (t != null) n += t.partitions().size();
                    }
                    return n;
                };
            }
        });
    }

    private static int clamp(long ms) {
        return (int) Math.min(Integer.MAX_VALUE, Math.max(0, ms));
    }
}
