package io.runnel.broker.handler;

import io.runnel.broker.BrokerContext;
import io.runnel.broker.partition.Partition;
import io.runnel.broker.partition.ReplicaManager;
import io.runnel.common.ApiException;
import io.runnel.common.Errors;
import io.runnel.common.TopicPartition;
import io.runnel.config.ConfigEntry;
import io.runnel.config.TopicConfigs;
import io.runnel.metadata.MetadataImage;
import io.runnel.protocol.ApiKeys;
import io.runnel.protocol.message.ProduceRequest;
import io.runnel.protocol.message.ProduceResponse;
import io.runnel.record.CompressionType;
import io.runnel.record.MemoryRecords;
import io.runnel.record.RecordValidationException;
import io.runnel.storage.AppendResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.runnel.record.RecordBatch;
import io.runnel.txn.TxnErrors;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Produce: appends each partition's record batches to its leader log (validation, offsets and
 * idempotent-producer checks happen in storage) and answers with the base offset or the partition's
 * error. acks=0 gets no response. Runs on the network thread: an append is a write into the page cache.
 * A batch rejected for some of its records (KIP-467) is answered with the partition's error and message
 * and, in {@code RecordErrors}, the index and reason of each invalid record (the field exists from v8;
 * older versions get the error code and nothing else).
 *
 * <p>A topic whose {@code compression.type} names a codec (or {@code uncompressed}) stores its batches with
 * that codec, as Kafka does: storage validates the producer's batches and then rewrites those in another
 * codec (same header fields, records byte for byte). {@code producer} keeps what the producer sent.
 */
public final class ProduceHandler implements ApiHandler<ProduceRequest, ProduceResponse> {
    private static final Logger log = LoggerFactory.getLogger(ProduceHandler.class);

    private final ReplicaManager partitions;
    private final BrokerContext broker;
    private final TopicSettings settings;
    private final TxnPartitionCheck txnCheck;
    /**
     * Transactional batches per partition and producer id that wait for the coordinator's check: while any does,
     * that producer's later batches for the partition take the same way, so none overtakes it (requests of a
     * connection are handled in order on its event loop, but the coordinator answers later; an overtaking batch
     * would be out of sequence).
     */
    private final ConcurrentHashMap<PendingKey, Integer> awaitingCheck = new ConcurrentHashMap<>();

    private record PendingKey(TopicPartition tp, long producerId) {}

    /**
     * The transaction coordinator's side of a transactional batch, asked before it is appended: with transaction
     * version 2 (Produce v12+) the partition is added to the producer's transaction on its behalf (KIP-890 part 2);
     * below, the partition must already be in the ongoing transaction (KIP-890 part 1 verification). Completes with
     * the error for the partition (NONE to append), in the codes of Produce (see {@link ProduceHandler}).
     */
    @FunctionalInterface
    public interface TxnPartitionCheck {
        CompletableFuture<Errors> check(String transactionalId, long producerId, short producerEpoch, TopicPartition tp,
                                        boolean addImplicitly);

        TxnPartitionCheck NONE = (id, pid, epoch, tp, add) -> CompletableFuture.completedFuture(Errors.NONE);
    }

    /**
     * Takes min.insync.replicas and compression.type of each topic from the broker's current metadata:
     * the topic's override, else the broker's dynamic, cluster-default dynamic or static setting.
     */
    public ProduceHandler(ReplicaManager partitions, BrokerContext broker) {
        this(partitions, broker, TxnPartitionCheck.NONE);
    }

    /**
     * @param txnCheck asked for a transactional batch before it is appended, unless the batch continues a
     *                 transaction already ongoing in the partition at its epoch
     */
    public ProduceHandler(ReplicaManager partitions, BrokerContext broker, TxnPartitionCheck txnCheck) {
        this.partitions = partitions;
        this.broker = broker;
        this.settings = new TopicSettings(broker);
        this.txnCheck = txnCheck;
    }

    /** The two topic configs Produce needs, resolved and parsed once per topic and metadata image. */
    private static final class TopicSettings {
        private final BrokerContext broker;
        private volatile Resolved resolved = new Resolved(null);

        /**
         * @param minInsyncReplicas min.insync.replicas (1 when unparseable)
         * @param codec             compression.type as the codec to store, null for {@code producer}
         */
        private record Topic(int minInsyncReplicas, CompressionType codec) {}

        /** Values resolved against one image; a new image starts a new instance. */
        private record Resolved(MetadataImage image, Map<String, Topic> byTopic) {
            Resolved(MetadataImage image) {
                this(image, new ConcurrentHashMap<>());
            }
        }

        TopicSettings(BrokerContext broker) {
            this.broker = broker;
        }

        Topic of(String topic) {
            MetadataImage image = broker.image();
            Resolved r = resolved;
            if (r.image() != image) {
                r = new Resolved(image);
                resolved = r;
            }
            return r.byTopic().computeIfAbsent(topic, t -> {
                var overrides = image.topicConfigs(t);
                var layers = image.brokerLayers(broker.nodeId(), broker.config().originals());
                ConfigEntry isr = TopicConfigs.describe(TopicConfigs.MIN_IN_SYNC_REPLICAS, overrides, layers);
                ConfigEntry codec = TopicConfigs.describe(TopicConfigs.COMPRESSION_TYPE, overrides, layers);
                return new Topic(parseMinIsr(isr == null ? null : isr.value()), parseCodec(codec == null ? null : codec.value()));
            });
        }

        private static int parseMinIsr(String value) {
            try {
                return value == null ? 1 : Integer.parseInt(value.trim());
            } catch (NumberFormatException e) {
                return 1;
            }
        }

        /** The codec a topic's compression.type stores; null for {@code producer} (and anything unknown). */
        static CompressionType parseCodec(String value) {
            if (value == null || value.equals("producer")) return null;
            if (value.equals("uncompressed")) return CompressionType.NONE;
            try {
                return CompressionType.forName(value);
            } catch (IllegalArgumentException e) {
                return null;
            }
        }
    }

    @Override
    public ApiKeys api() {
        return ApiKeys.PRODUCE;
    }

    @Override
    public CompletableFuture<ProduceResponse> handle(RequestContext ctx, ProduceRequest req) {
        short version = ctx.apiVersion();
        boolean byId = version >= 13;
        boolean validAcks = req.acks == -1 || req.acks == 0 || req.acks == 1;
        ProduceResponse resp = new ProduceResponse();
        List<CompletableFuture<Void>> pending = null; // transactional batches waiting for the coordinator
        // Kafka: a transactional producer needs WRITE on its transactional id, and every producer WRITE on each topic
        boolean txnDenied = req.transactionalId != null && !req.transactionalId.isEmpty()
                && !ctx.authorize(io.runnel.metadata.AclBinding.OP_WRITE, io.runnel.metadata.AclBinding.RESOURCE_TRANSACTIONAL_ID, req.transactionalId);
        for (ProduceRequest.TopicData td : req.topicData) {
            ProduceResponse.TopicResponse tr = new ProduceResponse.TopicResponse();
            tr.name = td.name;
            tr.topicId = td.topicId;
            String topic = byId ? partitions.topicName(td.topicId) : td.name;
            boolean topicDenied = topic != null && !ctx.authorize(io.runnel.metadata.AclBinding.OP_WRITE,
                    io.runnel.metadata.AclBinding.RESOURCE_TOPIC, topic);
            for (ProduceRequest.PartitionData pd : td.partitionData) {
                ProduceResponse.PartitionResponse pr = new ProduceResponse.PartitionResponse();
                pr.index = pd.index;
                pr.baseOffset = -1;
                TxnBatch txn;
                if (!validAcks) {
                    pr.errorCode = Errors.INVALID_REQUIRED_ACKS.code();
                } else if (txnDenied) {
                    pr.errorCode = Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED.code();
                } else if (topicDenied) {
                    pr.errorCode = Errors.TOPIC_AUTHORIZATION_FAILED.code();
                } else if (topic == null) {
                    pr.errorCode = (byId ? Errors.UNKNOWN_TOPIC_ID : Errors.UNKNOWN_TOPIC_OR_PARTITION).code();
                } else {
                    txn = TxnBatch.of(pd);
                    CompletableFuture<Void> waiting = txn == null ? appendOne(topic, pd, req.acks, req.timeoutMs, pr)
                            : produceTransactional(req.transactionalId, topic, pd, txn, version, req.acks, req.timeoutMs, pr);
                    if (waiting != null) {
                        if (pending == null) pending = new ArrayList<>();
                        pending.add(waiting);
                    }
                }
                tr.partitionResponses.add(pr);
            }
            resp.responses.add(tr);
        }
        if (pending == null) return CompletableFuture.completedFuture(req.acks == 0 ? null : withLeaderEndpoints(ctx, resp));
        return CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new))
                .thenApply(v -> req.acks == 0 ? null : withLeaderEndpoints(ctx, resp));
    }

    /** KIP-951 (v10+): the endpoints of the leaders named in NOT_LEADER_OR_FOLLOWER answers. */
    private ProduceResponse withLeaderEndpoints(RequestContext ctx, ProduceResponse resp) {
        if (ctx.apiVersion() < 10) return resp;
        java.util.Set<Integer> leaders = null;
        for (ProduceResponse.TopicResponse t : resp.responses) {
            for (ProduceResponse.PartitionResponse p : t.partitionResponses) {
                if (p.errorCode == Errors.NOT_LEADER_OR_FOLLOWER.code() && p.currentLeader.leaderId >= 0) {
                    if (leaders == null) leaders = new java.util.TreeSet<>();
                    leaders.add(p.currentLeader.leaderId);
                }
            }
        }
        if (leaders == null) return resp;
        LeaderEndpoints.add(broker, ctx.listenerName(), leaders, (id, host, port, rack) -> {
            ProduceResponse.NodeEndpoint e = new ProduceResponse.NodeEndpoint();
            e.nodeId = id;
            e.host = host;
            e.port = port;
            e.rack = rack;
            resp.nodeEndpoints.add(e);
        });
        return resp;
    }

    /** The producer of a partition's records when they start with a transactional v2 data batch; read once per partition. */
    private record TxnBatch(long producerId, short producerEpoch) {
        static TxnBatch of(ProduceRequest.PartitionData pd) {
            if (!(pd.records instanceof MemoryRecords records)) return null;
            ByteBuffer buf = records.buffer();
            int pos = buf.position();
            if (buf.remaining() < RecordBatch.HEADER_SIZE || RecordBatch.magic(buf, pos) != RecordBatch.MAGIC_VALUE_V2
                    || !RecordBatch.isTransactional(buf, pos) || RecordBatch.isControlBatch(buf, pos)) {
                return null; // control batches from clients are refused by the validator on the usual path
            }
            return new TxnBatch(RecordBatch.producerId(buf, pos), RecordBatch.producerEpoch(buf, pos));
        }
    }

    /**
     * A transactional batch. The fast path first (Kafka's too): when the partition's producer state shows the
     * batch's transaction already ongoing at its epoch, the coordinator has verified (or added) this partition
     * before, and the batch is appended at once on this thread (the log checks that under its lock). Otherwise
     * the transaction coordinator is asked first: with transaction version 2 (Produce v12+) it adds the partition to
     * the transaction on the producer's behalf (KIP-890 part 2); below, the partition must already be in the ongoing
     * transaction (KIP-890 part 1 verification). While a batch of a producer waits for that answer, the producer's
     * later batches for the partition wait too, so none overtakes it (a connection's requests are handled in order,
     * but the coordinator answers later; an overtaking batch would be out of sequence).
     *
     * @return null when {@code pr} is answered, else the future that answers it
     */
    private CompletableFuture<Void> produceTransactional(String transactionalId, String topic, ProduceRequest.PartitionData pd,
                                                         TxnBatch txn, short version, short acks, int timeoutMs,
                                                         ProduceResponse.PartitionResponse pr) {
        TopicPartition tp = new TopicPartition(topic, pd.index);
        PendingKey key = new PendingKey(tp, txn.producerId());
        Partition p = partitions.get(tp);
        if (p == null || !partitions.isLeader(p)) {
            return appendOne(topic, pd, acks, timeoutMs, pr); // answers NOT_LEADER_OR_FOLLOWER / UNKNOWN_TOPIC_OR_PARTITION
        }
        boolean hasId = transactionalId != null && !transactionalId.isEmpty();
        if (hasId && !awaitingCheck.containsKey(key)) {
            TopicSettings.Topic topicSettings = settings.of(topic);
            boolean enoughReplicas = acks != -1 || p.state().isr().size() >= topicSettings.minInsyncReplicas();
            if (enoughReplicas) {
                CompletableFuture<Void> done = append(p, (MemoryRecords) pd.records, topicSettings, acks, timeoutMs, pr, true);
                if (done != NOT_APPENDED) return done;
            }
        }
        CompletableFuture<Errors> checked = hasId
                ? txnCheck.check(transactionalId, txn.producerId(), txn.producerEpoch(), tp, version >= 12)
                        .exceptionally(Errors::forException)
                        .thenApply(e -> TxnErrors.forVersion(TxnErrors.PRODUCE, version, e))
                : CompletableFuture.completedFuture(TxnErrors.forVersion(TxnErrors.PRODUCE, version, Errors.TRANSACTION_ABORTABLE));
        awaitingCheck.merge(key, 1, Integer::sum);
        return checked.thenCompose(e -> {
            if (e != Errors.NONE) {
                pr.errorCode = e.code();
                return CompletableFuture.<Void>completedFuture(null);
            }
            CompletableFuture<Void> replicated = appendOne(topic, pd, acks, timeoutMs, pr);
            return replicated == null ? CompletableFuture.<Void>completedFuture(null) : replicated;
        }).whenComplete((v, t) -> awaitingCheck.computeIfPresent(key, (k, n) -> n == 1 ? null : n - 1));
    }

    /** Appends one partition's records; null when {@code pr} is answered, else the future that answers it (acks=all). */
    private CompletableFuture<Void> appendOne(String topic, ProduceRequest.PartitionData pd, short acks, int timeoutMs,
                                              ProduceResponse.PartitionResponse pr) {
        Partition p = partitions.get(new TopicPartition(topic, pd.index));
        if (p == null) {
            pr.errorCode = Errors.UNKNOWN_TOPIC_OR_PARTITION.code();
            return null;
        }
        if (!partitions.isLeader(p)) {
            pr.errorCode = Errors.NOT_LEADER_OR_FOLLOWER.code();
            pr.currentLeader.leaderId = p.state().leaderId();
            pr.currentLeader.leaderEpoch = p.state().leaderEpoch();
            return null;
        }
        if (pd.records == null || !(pd.records instanceof MemoryRecords records)) {
            pr.errorCode = Errors.INVALID_RECORD.code();
            pr.errorMessage = "the partition's records are missing";
            return null;
        }
        TopicSettings.Topic topicSettings = settings.of(topic);
        if (acks == -1 && p.state().isr().size() < topicSettings.minInsyncReplicas()) {
            pr.errorCode = Errors.NOT_ENOUGH_REPLICAS.code();
            pr.errorMessage = "the in-sync replica set " + p.state().isr() + " is smaller than min.insync.replicas";
            return null;
        }
        return append(p, records, topicSettings, acks, timeoutMs, pr, false);
    }

    /** {@link #append}'s answer when {@code onlyOngoingTxn} found no ongoing transaction: nothing appended. */
    private static final CompletableFuture<Void> NOT_APPENDED = CompletableFuture.completedFuture(null);

    /**
     * Appends and answers {@code pr}: at once (null returned), or with acks=all once the ISR has the records (the
     * future returned). With {@code onlyOngoingTxn} only if the records continue ongoing transactions, otherwise
     * nothing is appended or answered and {@link #NOT_APPENDED} returned.
     */
    private CompletableFuture<Void> append(Partition p, MemoryRecords records, TopicSettings.Topic topicSettings, short acks,
                                           int timeoutMs, ProduceResponse.PartitionResponse pr, boolean onlyOngoingTxn) {
        try {
            AppendResult r = onlyOngoingTxn ? partitions.appendToOngoingTxn(p, records, topicSettings.codec())
                    : partitions.appendAsLeader(p, records, topicSettings.codec());
            if (r == null) return NOT_APPENDED;
            pr.baseOffset = r.firstOffset();
            pr.logAppendTimeMs = r.logAppendTime();
            pr.logStartOffset = r.logStartOffset();
            if (acks == -1) {
                CompletableFuture<Errors> replicated = partitions.awaitReplication(p, r.lastOffset() + 1,
                        topicSettings.minInsyncReplicas(), timeoutMs);
                if (!replicated.isDone() || replicated.join() != Errors.NONE) {
                    return replicated.thenAccept(e -> {
                        if (e != Errors.NONE) {
                            pr.errorCode = e.code();
                            pr.baseOffset = -1;
                            if (e == Errors.NOT_LEADER_OR_FOLLOWER) {
                                pr.currentLeader.leaderId = p.state().leaderId();
                                pr.currentLeader.leaderEpoch = p.state().leaderEpoch();
                            }
                        }
                    });
                }
            }
        } catch (RecordValidationException e) {
            pr.errorCode = e.error().code();
            pr.errorMessage = e.getMessage();
            for (RecordValidationException.RecordError re : e.recordErrors()) {
                ProduceResponse.BatchIndexAndErrorMessage be = new ProduceResponse.BatchIndexAndErrorMessage();
                be.batchIndex = re.batchIndex();
                be.batchIndexErrorMessage = re.message();
                pr.recordErrors.add(be);
            }
        } catch (ApiException e) {
            pr.errorCode = e.error().code();
            pr.errorMessage = e.getMessage();
        } catch (RuntimeException e) {
            log.error("Append to {} failed", p.topicPartition(), e);
            pr.errorCode = Errors.UNKNOWN_SERVER_ERROR.code();
            pr.errorMessage = String.valueOf(e.getMessage());
        }
        return null;
    }
}
