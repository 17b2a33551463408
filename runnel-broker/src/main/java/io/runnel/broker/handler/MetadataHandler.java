package io.runnel.broker.handler;

import io.runnel.broker.BrokerContext;
import io.runnel.common.Errors;
import io.runnel.common.Uuid;
import io.runnel.metadata.AclBinding;
import io.runnel.metadata.BrokerRegistration;
import io.runnel.metadata.MetadataImage;
import io.runnel.metadata.PartitionState;
import io.runnel.metadata.TopicImage;
import io.runnel.metadata.TopicNames;
import io.runnel.protocol.ApiKeys;
import io.runnel.protocol.message.MetadataRequest;
import io.runnel.protocol.message.MetadataResponse;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * Metadata: brokers (with their endpoint on the listener the request came in on), cluster id, and the
 * requested topics with partitions, leaders, epochs, replicas and ISR. Unknown topics are created first
 * when the client allows it and auto.create.topics.enable is on; the answer then includes them.
 */
public final class MetadataHandler implements ApiHandler<MetadataRequest, MetadataResponse> {
    private final BrokerContext broker;

    public MetadataHandler(BrokerContext broker) {
        this.broker = broker;
    }

    @Override
    public ApiKeys api() {
        return ApiKeys.METADATA;
    }

    @Override
    public CompletableFuture<MetadataResponse> handle(RequestContext ctx, MetadataRequest req) {
        short version = ctx.apiVersion();
        boolean allTopics = req.topics == null || (version == 0 && req.topics.isEmpty());
        MetadataImage image = broker.image();
        TopicDecisions decisions = new TopicDecisions(ctx);
        if (!allTopics && req.allowAutoTopicCreation && broker.autoCreateTopicsEnabled()) {
            Set<String> missing = new LinkedHashSet<>();
            for (MetadataRequest.Topic t : req.topics) {
                if (!byId(t) && t.name != null && image.topic(t.name) == null && validName(t.name) && !TopicNames.isInternal(t.name)
                        && decisions.mayAutoCreate(t.name)) {
                    missing.add(t.name);
                }
            }
            if (!missing.isEmpty()) {
                return broker.autoCreator().createWithDefaults(missing)
                        .handle((ok, err) -> build(ctx, req, broker.image(), false, decisions));
            }
        }
        return CompletableFuture.completedFuture(build(ctx, req, image, allTopics, decisions));
    }

    /**
     * The authorization decisions of one request, each taken (and audited) once per topic name: the auto-creation
     * pass and the answer ask the same questions.
     */
    private static final class TopicDecisions {
        private final RequestContext ctx;
        private final Map<String, Boolean> describe = new HashMap<>();
        private final Map<String, Boolean> create = new HashMap<>();

        TopicDecisions(RequestContext ctx) {
            this.ctx = ctx;
        }

        boolean mayDescribe(String topic) {
            return describe.computeIfAbsent(topic, t -> ctx.authorize(AclBinding.OP_DESCRIBE, AclBinding.RESOURCE_TOPIC, t));
        }

        /** Kafka: auto-creation needs DESCRIBE on the topic and CREATE on the cluster or the topic. */
        boolean mayAutoCreate(String topic) {
            return mayDescribe(topic) && create.computeIfAbsent(topic, t -> ctx.authorizeCluster(AclBinding.OP_CREATE)
                    || ctx.authorize(AclBinding.OP_CREATE, AclBinding.RESOURCE_TOPIC, t));
        }
    }

    private MetadataResponse build(RequestContext ctx, MetadataRequest req, MetadataImage image, boolean allTopics,
                                   TopicDecisions decisions) {
        short version = ctx.apiVersion();
        MetadataResponse resp = new MetadataResponse();
        for (BrokerRegistration b : image.brokers().values()) {
            if (b.fenced()) continue; // as Kafka: clients only see brokers that may serve
            BrokerRegistration.Endpoint e = BrokerContext.endpoint(b, ctx.listenerName());
            if (e == null) continue;
            MetadataResponse.Broker mb = new MetadataResponse.Broker();
            mb.nodeId = b.id();
            mb.host = e.host();
            mb.port = e.port();
            mb.rack = b.rack();
            resp.brokers.add(mb);
        }
        resp.clusterId = image.clusterId() == null ? null : image.clusterId().toString();
        resp.controllerId = broker.controllerId();
        if (req.includeClusterAuthorizedOperations) {
            resp.clusterAuthorizedOperations = !ctx.authorizeQuietly(AclBinding.OP_DESCRIBE, AclBinding.RESOURCE_CLUSTER, AclBinding.CLUSTER_NAME) ? 0 : ctx.authorizedOperations(AclBinding.RESOURCE_CLUSTER, AclBinding.CLUSTER_NAME,
                    AuthorizedOperations.ALL_CLUSTER);
        }
        boolean autoCreate = req.allowAutoTopicCreation && broker.autoCreateTopicsEnabled();
        if (allTopics) {
            // Kafka: a client sees only the topics it may describe
            for (TopicImage t : image.topics().values()) {
                if (ctx.authorizeQuietly(AclBinding.OP_DESCRIBE, AclBinding.RESOURCE_TOPIC, t.name())) resp.topics.add(describe(ctx, t, req, version));
            }
        } else {
            for (MetadataRequest.Topic rt : req.topics) {
                // a non-zero topic id wins over the name: clients asking by id (Admin.describeTopics by id)
                // leave the name empty rather than null, as Kafka's own request builder does
                boolean byId = byId(rt);
                TopicImage t = byId ? image.topic(rt.topicId) : rt.name != null ? image.topic(rt.name) : null;
                if (t != null && decisions.mayDescribe(t.name())) {
                    resp.topics.add(describe(ctx, t, req, version));
                    continue;
                }
                MetadataResponse.Topic mt = new MetadataResponse.Topic();
                // names are nullable from v12; before that ids cannot be asked for (Kafka refuses them)
                mt.name = byId || rt.name == null ? (version >= 12 ? null : "") : rt.name;
                mt.topicId = byId ? rt.topicId : Uuid.ZERO;
                if (t != null || (!byId && rt.name != null && validName(rt.name) && (!decisions.mayDescribe(rt.name)
                        || (autoCreate && !TopicNames.isInternal(rt.name) && !decisions.mayAutoCreate(rt.name))))) {
                    mt.errorCode = Errors.TOPIC_AUTHORIZATION_FAILED.code(); // not describable, or not creatable when asked to create
                } else if (byId || rt.name == null) {
                    mt.errorCode = Errors.UNKNOWN_TOPIC_ID.code();
                } else if (!validName(rt.name)) {
                    mt.errorCode = Errors.INVALID_TOPIC_EXCEPTION.code();
                } else {
                    mt.errorCode = Errors.UNKNOWN_TOPIC_OR_PARTITION.code();
                }
                resp.topics.add(mt);
            }
        }
        return resp;
    }

    private static boolean byId(MetadataRequest.Topic rt) {
        return rt.topicId != null && !rt.topicId.equals(Uuid.ZERO);
    }

    private static boolean validName(String name) {
        try {
            TopicNames.validate(name);
            return true;
        } catch (io.runnel.common.ApiException e) {
            return false;
        }
    }

    private static MetadataResponse.Topic describe(RequestContext ctx, TopicImage t, MetadataRequest req, short version) {
        MetadataResponse.Topic mt = new MetadataResponse.Topic();
        mt.name = t.name();
        mt.topicId = t.id();
        mt.isInternal = TopicNames.isInternal(t.name());
        if (req.includeTopicAuthorizedOperations) {
            mt.topicAuthorizedOperations = ctx.authorizedOperations(AclBinding.RESOURCE_TOPIC, t.name(), AuthorizedOperations.ALL_TOPIC);
        }
        for (var e : t.partitions().entrySet()) {
            PartitionState ps = e.getValue();
            MetadataResponse.Partition mp = new MetadataResponse.Partition();
            mp.partitionIndex = e.getKey();
            mp.leaderId = ps.leader();
            mp.leaderEpoch = ps.leaderEpoch();
            mp.replicaNodes = new ArrayList<>(ps.replicas());
            mp.isrNodes = new ArrayList<>(ps.isr());
            mp.offlineReplicas = new ArrayList<>(List.of());
            if (ps.leader() < 0) mp.errorCode = Errors.LEADER_NOT_AVAILABLE.code();
            mt.partitions.add(mp);
        }
        return mt;
    }
}
