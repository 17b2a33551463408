package io.runnel.broker.handler.group;

import io.runnel.broker.handler.ApiHandler;
import io.runnel.broker.handler.RequestContext;
import io.runnel.common.Errors;
import io.runnel.common.Uuid;
import io.runnel.group.GroupCoordinator;
import io.runnel.group.TopicView;
import io.runnel.group.api.OffsetApi.FetchParams;
import io.runnel.group.api.OffsetApi.FetchResult;
import io.runnel.group.api.OffsetApi.FetchedOffset;
import io.runnel.protocol.ApiKeys;
import io.runnel.protocol.message.OffsetFetchRequest;
import io.runnel.protocol.message.OffsetFetchResponse;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * OffsetFetch: committed offsets of one group (v1-7) or of several (v8+), for listed partitions or, with a
 * null topic list (v2+), every partition the group committed. v9+ carries the consumer-protocol member and
 * epoch; v10 names topics by id (unknown ids: UNKNOWN_TOPIC_ID; committed offsets of topics that no longer
 * exist are left out of "all").
 */
public final class OffsetFetchHandler implements ApiHandler<OffsetFetchRequest, OffsetFetchResponse> {
    private final GroupCoordinator coordinator;

    public OffsetFetchHandler(GroupCoordinator coordinator) {
        this.coordinator = coordinator;
    }

    @Override
    public ApiKeys api() {
        return ApiKeys.OFFSET_FETCH;
    }

    @Override
    public CompletableFuture<OffsetFetchResponse> handle(RequestContext ctx, OffsetFetchRequest request) {
        short version = ctx.apiVersion();
        return version >= 8 ? multi(ctx, request, version) : single(ctx, request, version);
    }

    /**
     * Kafka: DESCRIBE on the group (else GROUP_AUTHORIZATION_FAILED); of named topics, those the principal may not
     * describe get TOPIC_AUTHORIZATION_FAILED; when all topics are asked for, they are left out.
     */
    private CompletableFuture<FetchResult> fetch(RequestContext ctx, FetchParams p) {
        if (!ctx.authorize(io.runnel.metadata.AclBinding.OP_DESCRIBE, io.runnel.metadata.AclBinding.RESOURCE_GROUP, p.groupId())) {
            return CompletableFuture.completedFuture(new FetchResult(p.groupId(), Errors.GROUP_AUTHORIZATION_FAILED, List.of()));
        }
        boolean named = p.topics() != null;
        return coordinator.fetchOffsets(p).exceptionally(t -> new FetchResult(p.groupId(), GroupHandlerSupport.errorOf(t), List.of()))
                .thenApply(r -> {
                    if (!ctx.authorizationEnabled()) return r;
                    List<FetchedOffset> kept = new ArrayList<>();
                    for (FetchedOffset o : r.offsets()) {
                        boolean allowed = named ? ctx.authorize(io.runnel.metadata.AclBinding.OP_DESCRIBE, io.runnel.metadata.AclBinding.RESOURCE_TOPIC, o.topic())
                                : ctx.authorizeQuietly(io.runnel.metadata.AclBinding.OP_DESCRIBE, io.runnel.metadata.AclBinding.RESOURCE_TOPIC, o.topic());
                        if (allowed) kept.add(o);
                        else if (named) kept.add(new FetchedOffset(o.topic(), o.partition(), -1, -1, "", Errors.TOPIC_AUTHORIZATION_FAILED));
                    }
                    return new FetchResult(r.groupId(), r.error(), kept);
                });
    }

    private CompletableFuture<OffsetFetchResponse> single(RequestContext ctx, OffsetFetchRequest request, short version) {
        Map<String, List<Integer>> topics = null;
        if (request.topics != null) {
            topics = new LinkedHashMap<>();
            for (OffsetFetchRequest.Topic t : request.topics) topics.computeIfAbsent(t.name, k -> new ArrayList<>()).addAll(t.partitionIndexes);
        }
        Map<String, List<Integer>> requested = topics;
        FetchParams p = new FetchParams(request.groupId, topics, null, -1, version >= 7 && request.requireStable);
        return fetch(ctx, p).thenApply(r -> {
            OffsetFetchResponse resp = new OffsetFetchResponse();
            resp.errorCode = r.error().code();
            List<FetchedOffset> offsets = r.offsets();
            if (r.error() != Errors.NONE && version < 2 && requested != null) {
                // v1 has no top-level error: every requested partition carries it
                offsets = new ArrayList<>();
                for (Map.Entry<String, List<Integer>> e : requested.entrySet()) {
                    for (int partition : e.getValue()) offsets.add(new FetchedOffset(e.getKey(), partition, -1, -1, "", r.error()));
                }
            }
            Map<String, OffsetFetchResponse.Topic> byName = new LinkedHashMap<>();
            for (FetchedOffset o : offsets) {
                OffsetFetchResponse.Topic t = byName.computeIfAbsent(o.topic(), n -> {
                    OffsetFetchResponse.Topic x = new OffsetFetchResponse.Topic();
                    x.name = n;
                    return x;
                });
                OffsetFetchResponse.Partition rp = new OffsetFetchResponse.Partition();
                rp.partitionIndex = o.partition();
                rp.committedOffset = o.offset();
                rp.committedLeaderEpoch = o.leaderEpoch();
                rp.metadata = o.metadata();
                rp.errorCode = o.error().code();
                t.partitions.add(rp);
            }
            resp.topics.addAll(byName.values());
            return resp;
        });
    }

    private CompletableFuture<OffsetFetchResponse> multi(RequestContext ctx, OffsetFetchRequest request, short version) {
        boolean byId = version >= 10;
        TopicView view = coordinator.topics();
        List<CompletableFuture<OffsetFetchResponse.Group>> groups = new ArrayList<>();
        for (OffsetFetchRequest.Group g : request.groups) {
            Map<String, List<Integer>> topics = null;
            List<OffsetFetchRequest.GroupTopic> unknownIds = new ArrayList<>();
            if (g.topics != null) {
                topics = new LinkedHashMap<>();
                for (OffsetFetchRequest.GroupTopic t : g.topics) {
                    String name = t.name;
                    if (byId) {
                        TopicView.TopicInfo info = view.byId(t.topicId);
                        if (info == null) {
                            unknownIds.add(t);
                            continue;
                        }
                        name = info.name();
                    }
                    topics.computeIfAbsent(name, k -> new ArrayList<>()).addAll(t.partitionIndexes);
                }
            }
            FetchParams p = new FetchParams(g.groupId, topics, version >= 9 ? g.memberId : null, version >= 9 ? g.memberEpoch : -1,
                    request.requireStable);
            groups.add(fetch(ctx, p).thenApply(r -> {
                OffsetFetchResponse.Group rg = new OffsetFetchResponse.Group();
                rg.groupId = g.groupId;
                rg.errorCode = r.error().code();
                if (r.error() != Errors.NONE) return rg;
                Map<String, OffsetFetchResponse.GroupTopic> byName = new LinkedHashMap<>();
                for (FetchedOffset o : r.offsets()) {
                    Uuid id = Uuid.ZERO;
                    if (byId) {
                        TopicView.TopicInfo info = view.byName(o.topic());
                        if (info == null) continue;
                        id = info.id();
                    }
                    Uuid topicId = id;
                    OffsetFetchResponse.GroupTopic t = byName.computeIfAbsent(o.topic(), n -> {
                        OffsetFetchResponse.GroupTopic x = new OffsetFetchResponse.GroupTopic();
                        x.name = n;
                        x.topicId = topicId;
                        return x;
                    });
                    t.partitions.add(partition(o.partition(), o.offset(), o.leaderEpoch(), o.metadata(), o.error()));
                }
                rg.topics.addAll(byName.values());
                for (OffsetFetchRequest.GroupTopic t : unknownIds) {
                    OffsetFetchResponse.GroupTopic x = new OffsetFetchResponse.GroupTopic();
                    x.topicId = t.topicId;
                    for (int partition : t.partitionIndexes) x.partitions.add(partition(partition, -1, -1, "", Errors.UNKNOWN_TOPIC_ID));
                    rg.topics.add(x);
                }
                return rg;
            }));
        }
        return CompletableFuture.allOf(groups.toArray(CompletableFuture[]::new)).thenApply(v -> {
            OffsetFetchResponse resp = new OffsetFetchResponse();
            for (CompletableFuture<OffsetFetchResponse.Group> g : groups) resp.groups.add(g.join());
            return resp;
        });
    }

    private static OffsetFetchResponse.GroupPartition partition(int index, long offset, int epoch, String metadata, Errors e) {
        OffsetFetchResponse.GroupPartition p = new OffsetFetchResponse.GroupPartition();
        p.partitionIndex = index;
        p.committedOffset = offset;
        p.committedLeaderEpoch = epoch;
        p.metadata = metadata;
        p.errorCode = e.code();
        return p;
    }
}
