package io.runnel.broker.security;

import io.runnel.broker.interbroker.InterBrokerChannel;
import io.runnel.broker.partition.Partition;
import io.runnel.broker.partition.ReplicaManager;
import io.runnel.common.Errors;
import io.runnel.common.TopicPartition;
import io.runnel.metadata.BrokerRegistration;
import io.runnel.metadata.MetadataImage;
import io.runnel.metadata.NewTopic;
import io.runnel.metadata.PartitionState;
import io.runnel.metadata.TopicImage;
import io.runnel.protocol.ApiKeys;
import io.runnel.protocol.message.ProduceRequest;
import io.runnel.protocol.message.ProduceResponse;
import io.runnel.record.CompressionType;
import io.runnel.record.MemoryRecords;
import io.runnel.record.RecordBatchBuilder;
import io.runnel.record.TimestampType;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.function.IntFunction;
import java.util.function.Supplier;

/**
 * Writes audit lines to partition 0 of the audit topic, on the {@code runnel-audit-topic} thread: through this
 * broker's own append ({@link ReplicaManager#appendAsCoordinator}, as the coordinators write their internal topics)
 * when it leads the partition, else as a Produce (acks=1) to the leader's inter-broker endpoint over an
 * {@link InterBrokerChannel}, like the broker's other requests to its peers. A missing topic is created (1 partition,
 * replication factor min(3, unfenced brokers), cleanup.policy=delete, retention.ms 7 days), asked again at most
 * every 10 s; until it has a leader the write fails and {@link AuditTopic} retries.
 */
public final class AuditTopicAppender implements AuditTopic.Writer, AutoCloseable {
    public static final long RETENTION_MS = 7L * 24 * 60 * 60 * 1000;
    private static final short PRODUCE_VERSION = 9;
    private static final int TIMEOUT_MS = 5_000;
    private static final long CREATE_EVERY_NANOS = 10_000_000_000L;

    private final String topic;
    private final int nodeId;
    private final ReplicaManager partitions;
    private final Supplier<MetadataImage> image;
    private final Function<NewTopic, CompletableFuture<?>> create;
    private final IntFunction<InetSocketAddress> endpoint;
    private final io.runnel.broker.interbroker.InterBrokerSecurity security; // TLS and SASL of the inter-broker listener
    private InterBrokerChannel channel;
    private long createdAt;
    private boolean askedCreate;

    public AuditTopicAppender(String topic, int nodeId, ReplicaManager partitions, Supplier<MetadataImage> image,
                              Function<NewTopic, CompletableFuture<?>> create, IntFunction<InetSocketAddress> endpoint,
                              io.runnel.broker.interbroker.InterBrokerSecurity security) {
        this.topic = topic;
        this.nodeId = nodeId;
        this.partitions = partitions;
        this.image = image;
        this.create = create;
        this.endpoint = endpoint;
        this.security = security;
    }

    /** The topic as the broker creates it: replication factor min(3, unfenced brokers), at least 1. */
    static NewTopic newTopic(String topic, MetadataImage img) {
        int live = 0;
        for (BrokerRegistration b : img.brokers().values()) if (!b.fenced()) live++;
        int rf = Math.max(1, Math.min(3, live));
        return new NewTopic(topic, 1, (short) rf, Map.of(), Map.of("cleanup.policy", "delete", "retention.ms", Long.toString(RETENTION_MS)));
    }

    @Override
    public void write(List<AuditTopic.Line> lines) throws Exception {
        MetadataImage img = image.get();
        TopicImage t = img.topic(topic);
        if (t == null) {
            long now = System.nanoTime();
            if (!askedCreate || now - createdAt > CREATE_EVERY_NANOS) {
                askedCreate = true;
                createdAt = now;
                create.apply(newTopic(topic, img));
            }
            throw new IllegalStateException("the topic " + topic + " does not exist yet");
        }
        PartitionState ps = t.partition(0);
        if (ps == null || ps.leader() < 0) throw new IllegalStateException(topic + "-0 has no leader");
        MemoryRecords records = records(lines);
        if (ps.leader() == nodeId) {
            Partition p = partitions.get(new TopicPartition(topic, 0));
            if (p == null || !partitions.isLeader(p)) throw new IllegalStateException("this broker does not lead " + topic + "-0 yet");
            partitions.appendAsCoordinator(p, records);
            return;
        }
        InetSocketAddress to = endpoint.apply(ps.leader());
        if (to == null) throw new IllegalStateException("no endpoint of broker " + ps.leader());
        if (channel == null) {
            channel = new InterBrokerChannel("runnel-audit-" + nodeId, to.getHostString(), to.getPort(), TIMEOUT_MS, security);
        } else {
            channel.retarget(to.getHostString(), to.getPort());
        }
        ProduceRequest req = new ProduceRequest();
        req.acks = 1;
        req.timeoutMs = TIMEOUT_MS;
        ProduceRequest.TopicData td = new ProduceRequest.TopicData();
        td.name = topic;
        ProduceRequest.PartitionData pd = new ProduceRequest.PartitionData();
        pd.index = 0;
        pd.records = records;
        td.partitionData.add(pd);
        req.topicData.add(td);
        ProduceResponse resp = channel.send(ApiKeys.PRODUCE, PRODUCE_VERSION, req, TIMEOUT_MS);
        for (ProduceResponse.TopicResponse r : resp.responses) {
            for (ProduceResponse.PartitionResponse p : r.partitionResponses) {
                if (p.errorCode != 0) throw new IllegalStateException("broker " + ps.leader() + " answered " + Errors.forCode(p.errorCode));
            }
        }
    }

    static MemoryRecords records(List<AuditTopic.Line> lines) {
        RecordBatchBuilder b = new RecordBatchBuilder(CompressionType.NONE, TimestampType.CREATE_TIME, 0);
        long now = System.currentTimeMillis();
        for (AuditTopic.Line l : lines) {
            b.append(now, l.principal() == null ? null : l.principal().getBytes(StandardCharsets.UTF_8),
                    l.json().getBytes(StandardCharsets.UTF_8), List.of());
        }
        return new MemoryRecords(b.build());
    }

    /** Closes the connection to a remote leader, if any. */
    @Override
    public void close() {
        if (channel != null) channel.close();
    }
}
