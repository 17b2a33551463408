package io.runnel.metadata;

import io.runnel.common.ApiException;
import io.runnel.common.Errors;
import io.runnel.common.TopicPartition;
import io.runnel.common.Uuid;
import io.runnel.config.BrokerConfigLayers;
import io.runnel.config.BrokerConfigs;
import io.runnel.config.ConfigDef;
import io.runnel.config.ConfigEntry;
import io.runnel.config.ConfigException;
import io.runnel.config.GroupConfigs;
import io.runnel.config.TopicConfigs;
import io.runnel.protocol.Message;
import io.runnel.protocol.message.ClusterRecord;
import io.runnel.protocol.message.ConfigRecord;
import io.runnel.protocol.message.PartitionRecord;
import io.runnel.protocol.message.FeatureLevelRecord;
import io.runnel.protocol.message.ProducerIdsRecord;
import io.runnel.protocol.message.RemoveTopicRecord;
import io.runnel.protocol.message.TopicRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.IntPredicate;

/**
 * Owns the cluster metadata: the {@link MetadataLog} and the current {@link MetadataImage}.
 *
 * <p><b>Threads.</b> Every operation runs on one controller thread, fed by a queue (a single-thread
 * executor), so operations are applied one at a time in submission order and never race. Public
 * methods may be called from any thread; they return a {@link CompletableFuture} completed on the
 * controller thread. {@link #image()} may be read from any thread at any time (a volatile reference to
 * an immutable image). Listeners are called on the controller thread.
 *
 * <p><b>Each operation</b> validates its request against the current image, turns the valid parts into
 * metadata records, replays them on a {@link MetadataDelta} (a dry run, so a record that would not
 * replay is never written), appends them to the log as one batch (durable on return), publishes the new
 * image and tells listeners. Validate-only requests stop after validation. Per-item outcomes carry
 * Kafka error codes and messages; a failed log write fails every item of that batch.
 *
 * <p><b>Start-up</b> replays the newest snapshot and the log after it into an image (the same replay
 * path as every operation). An empty log is formatted with a {@link ClusterRecord} (the configured
 * {@code cluster.id} or a random id) and this node's broker registration. The node re-registers only
 * when its endpoints or rack changed. When the log has grown by
 * {@code metadata.log.max.record.bytes.between.snapshots} since the last snapshot, a snapshot of the
 * image is written so that replay at the next start stays short.
 *
 * <p><b>In a cluster</b> ({@link #startReplicated}) the log is the replicated {@link MetadataQuorum}:
 * operations run only while this node is the active controller, and elsewhere are forwarded to it
 * ({@link ForwardedOperations}); listeners are called on the quorum's event thread for every batch
 * applied; brokers register and heartbeat through the quorum ({@link BrokerLifecycleMessages}) and the
 * active controller fences and unfences them ({@link BrokerHeartbeats} holds their sessions). See
 * docs/cluster.md.
 *
 * <p><b>Partition leadership and ISRs</b> follow Kafka's KRaft rules ({@link PartitionControl}, docs/replication.md):
 * fencing a broker takes it out of ISRs and elects new leaders, unfencing elects it where partitions have
 * no leader, leaders change ISRs with {@link #alterPartition}, operators elect with {@link #electLeaders},
 * and in a cluster the active controller moves leadership back to preferred replicas
 * ({@code auto.leader.rebalance.enable}). Operators move replicas with {@link #alterPartitionReassignments}
 * ({@link Reassignments}); an AlterPartition whose ISR holds every replica being added completes the move.
 */
public final class MetadataController implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(MetadataController.class);

    private final BrokerConfigs config;
    private final MetadataLog metadataLog;
    private final ScheduledExecutorService executor;
    private final List<MetadataListener> listeners = new CopyOnWriteArrayList<>();
    private final Uuid incarnationId = Uuid.random();
    /** The replicated log in a cluster, else null (then {@link #metadataLog} is the single node's log). */
    private final MetadataQuorum quorum;
    /** In a cluster: the broker lifecycle state only the active controller keeps (controller thread). */
    private final BrokerHeartbeats heartbeats;
    /** In a cluster with {@code broker.liveness.probe.enable}: how silent brokers are probed; else null. */
    private final BrokerProber prober;
    private volatile MetadataImage image = MetadataImage.EMPTY;
    /** In a cluster: the newest image every listener has been told about (guarded by {@code this}). */
    private MetadataImage published = MetadataImage.EMPTY;
    private volatile boolean closed;

    /** Where new topic and cluster ids come from: {@link Uuid#random()}, or a seeded source in simulations. */
    private final java.util.function.Supplier<Uuid> ids;

    private MetadataController(BrokerConfigs config, MetadataLog metadataLog, MetadataQuorum quorum) {
        this(config, metadataLog, quorum, System::nanoTime, BrokerProber.TCP, null, Uuid::random);
    }

    /**
     * {@code executor} null: the controller's own single thread ("runnel-metadata-controller"); else the given one,
     * which must run tasks one at a time in submission order (a simulation's deterministic scheduler).
     */
    private MetadataController(BrokerConfigs config, MetadataLog metadataLog, MetadataQuorum quorum,
                               java.util.function.LongSupplier nanoTime, BrokerProber prober,
                               ScheduledExecutorService executor, java.util.function.Supplier<Uuid> ids) {
        this.config = config;
        this.metadataLog = metadataLog;
        this.quorum = quorum;
        this.ids = ids;
        this.heartbeats = quorum == null ? null : new BrokerHeartbeats(
                config.values().getInt(BrokerConfigs.BROKER_SESSION_TIMEOUT_MS),
                config.values().getInt(BrokerConfigs.BROKER_HEARTBEAT_INTERVAL_MS), nanoTime);
        this.prober = quorum != null && config.values().getBoolean(BrokerConfigs.BROKER_LIVENESS_PROBE_ENABLE) ? prober : null;
        this.executor = executor != null ? executor : Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "runnel-metadata-controller");
            t.setDaemon(true);
            return t;
        });
    }

    /** Opens the metadata log under {@code config.metadataPartitionDir()} and starts. */
    public static MetadataController start(BrokerConfigs config) throws IOException {
        return start(config, FileMetadataLog.open(config.metadataPartitionDir()), endpointsOf(config));
    }

    /**
     * Starts on {@code metadataLog}: replays it, formats it if empty and registers this node with
     * {@code endpoints}. Blocks until done. The controller owns the log from now on and closes it,
     * also when start fails.
     *
     * @throws IOException on a log read or write failure
     * @throws ApiException INCONSISTENT_CLUSTER_ID when cluster.id differs from the log's
     */
    public static MetadataController start(BrokerConfigs config, MetadataLog metadataLog,
                                           List<BrokerRegistration.Endpoint> endpoints) throws IOException {
        MetadataController c = new MetadataController(config, metadataLog, null);
        try {
            c.executor.submit(() -> {
                c.load();
                c.bootstrap(endpoints);
                return null;
            }).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            c.abort();
            throw new IOException("interrupted while loading metadata", e);
        } catch (ExecutionException e) {
            c.abort();
            Throwable cause = e.getCause();
            if (cause instanceof IOException io) throw io;
            if (cause instanceof RuntimeException re) throw re;
            throw new IOException(cause);
        }
        return c;
    }

    /**
     * Starts in a cluster, on the replicated log: the image is what {@code quorum} has applied, listeners
     * hear every applied batch (on the quorum's event thread), and operations are accepted only while this
     * node is the active controller (else NOT_CONTROLLER). When it becomes active it writes the
     * {@link ClusterRecord} if the log has none yet, and takes over the brokers' liveness (every
     * registered broker gets a full session from then on). Broker registrations and heartbeats arrive
     * through {@link MetadataQuorum#sendToController}. Returns at once; nothing is written here.
     */
    public static MetadataController startReplicated(BrokerConfigs config, MetadataQuorum quorum) {
        return startReplicated(config, quorum, System::nanoTime, BrokerProber.TCP);
    }

    /** {@link #startReplicated(BrokerConfigs, MetadataQuorum)} with the clock and liveness prober given (tests). */
    static MetadataController startReplicated(BrokerConfigs config, MetadataQuorum quorum, java.util.function.LongSupplier nanoTime,
                                              BrokerProber prober) {
        return startReplicated(config, quorum, nanoTime, prober, null, Uuid::random);
    }

    /**
     * {@link #startReplicated(BrokerConfigs, MetadataQuorum)} with everything that is not deterministic injected
     * (the deterministic simulation, {@code ControllerSimulation}): the clock, the liveness prober, the executor every
     * controller task and periodic check runs on (null: the controller's own thread; else one that runs tasks one at a
     * time in order) and the source of new topic and cluster ids. With an injected executor, every proposal's future
     * must be complete when {@link MetadataQuorum#propose} returns, with this node's image listeners already told of
     * the batch: the controller thread blocks on both ({@link #PROPOSE_TIMEOUT_MS}), which a simulation on one thread
     * cannot do.
     */
    static MetadataController startReplicated(BrokerConfigs config, MetadataQuorum quorum, java.util.function.LongSupplier nanoTime,
                                              BrokerProber prober, ScheduledExecutorService executor,
                                              java.util.function.Supplier<Uuid> ids) {
        MetadataController c = new MetadataController(config, null, quorum, nanoTime, prober, executor, ids);
        quorum.addImageListener(c::onReplicatedImage);
        quorum.addActivationListener(() -> c.executor.execute(c::onActivate), () -> c.executor.execute(c::onDeactivate));
        quorum.setControllerRequestHandler(c::handleBrokerRequest);
        // sessions are checked every quarter of the timeout (at most every second); with liveness probes every
        // SESSION_CHECK_WITH_PROBES_MS, so a late heartbeat is probed soon after it is due
        long every = Math.max(50, Math.min(1000, config.values().getInt(BrokerConfigs.BROKER_SESSION_TIMEOUT_MS) / 4));
        if (c.prober != null) every = Math.min(every, SESSION_CHECK_WITH_PROBES_MS);
        c.executor.scheduleWithFixedDelay(c::checkBrokerSessions, every, every, TimeUnit.MILLISECONDS);
        if (config.values().getBoolean(BrokerConfigs.AUTO_LEADER_REBALANCE_ENABLE)) {
            long interval = config.values().getLong(BrokerConfigs.LEADER_IMBALANCE_CHECK_INTERVAL_SECONDS);
            c.executor.scheduleWithFixedDelay(c::rebalanceLeaders, interval, interval, TimeUnit.SECONDS);
        }
        return c;
    }

    /** Whether this controller works on the replicated log of a cluster. */
    public boolean replicated() {
        return quorum != null;
    }

    /**
     * The id of the active controller clients should send metadata changes to: this node on a single
     * node, the quorum's leader in a cluster (-1 while there is none).
     */
    public int activeControllerId() {
        return quorum == null ? config.nodeId() : quorum.leaderId();
    }

    /** This node's endpoints from advertised.listeners and listener.security.protocol.map. */
    public static List<BrokerRegistration.Endpoint> endpointsOf(BrokerConfigs config) {
        Map<String, String> protocols = config.listenerSecurityProtocolMap();
        List<BrokerRegistration.Endpoint> out = new ArrayList<>();
        for (BrokerConfigs.Listener l : config.advertisedClientListeners()) {
            short protocol = BrokerRegistration.Endpoint.protocolId(protocols.getOrDefault(l.name(), l.name()));
            out.add(new BrokerRegistration.Endpoint(l.name(), l.host(), l.port(), protocol));
        }
        return out;
    }

    // ---------------------------------------------------------------- start-up (controller thread)

    private void load() throws IOException {
        MetadataDelta[] delta = {new MetadataDelta(MetadataImage.EMPTY)};
        metadataLog.load(new MetadataLog.Visitor() {
            @Override
            public void snapshot(long offset, List<Message> records) {
                delta[0] = new MetadataDelta(MetadataImage.EMPTY).replayAll(records).setOffset(offset);
            }

            @Override
            public void batch(long baseOffset, List<Message> records) {
                // not apply(): building an image per batch would copy every changed topic per batch
                long expected = delta[0].offset();
                if (baseOffset != expected) {
                    throw new IllegalStateException("metadata batch at offset " + baseOffset + " where " + expected + " was expected");
                }
                delta[0].replayAll(records);
            }
        });
        MetadataImage loaded = delta[0].apply();
        if (loaded.offset() != metadataLog.endOffset()) {
            throw new IllegalStateException("replayed " + loaded.offset() + " records but the log ends at " + metadataLog.endOffset());
        }
        log.info("Loaded metadata up to offset {}: cluster {}, {} broker(s), {} topic(s)", loaded.offset(),
                loaded.clusterId(), loaded.brokers().size(), loaded.topics().size());
        publish(loaded);
    }

    private void bootstrap(List<BrokerRegistration.Endpoint> endpoints) throws IOException {
        Uuid configured = config.clusterId();
        List<Message> records = new ArrayList<>();
        if (image.clusterId() == null) {
            ClusterRecord c = new ClusterRecord();
            c.clusterId = configured != null ? configured : Uuid.random();
            records.add(c);
            log.info("Formatting new metadata log with cluster id {}", c.clusterId);
        } else if (configured != null && !configured.equals(image.clusterId())) {
            throw new ApiException(Errors.INCONSISTENT_CLUSTER_ID, "cluster.id is " + configured
                    + " but the metadata log in " + config.metadataPartitionDir() + " belongs to cluster " + image.clusterId());
        }
        BrokerRegistration current = image.broker(config.nodeId());
        boolean same = current != null && current.endpoints().equals(endpoints)
                && java.util.Objects.equals(current.rack(), config.rack()) && !current.fenced();
        if (!same) {
            records.add(MetadataDelta.toRecord(new BrokerRegistration(config.nodeId(), image.offset() + records.size(),
                    incarnationId, endpoints, config.rack(), false)));
        }
        commit(records);
        maybeSnapshot();
    }

    // ---------------------------------------------------------------- public API

    /** The newest image; readable from any thread. */
    public MetadataImage image() {
        return image;
    }

    /** This node's id. */
    public int nodeId() {
        return config.nodeId();
    }

    /** The broker configuration this controller uses for defaults and config layers. */
    public BrokerConfigs brokerConfig() {
        return config;
    }

    /**
     * Adds a listener. On the controller thread it is first called with ({@link MetadataImage#EMPTY},
     * current image), then for every later image. The future completes after that first call.
     */
    public CompletableFuture<Void> addListener(MetadataListener listener) {
        if (quorum != null) {
            CompletableFuture<Void> f = new CompletableFuture<>();
            quorum.execute(() -> {
                MetadataImage current;
                synchronized (this) {
                    current = published;
                }
                listeners.add(listener);
                notify(listener, MetadataImage.EMPTY, current);
                f.complete(null);
            });
            return f;
        }
        return submit(() -> {
            listeners.add(listener);
            notify(listener, MetadataImage.EMPTY, image);
            return null;
        });
    }

    public void removeListener(MetadataListener listener) {
        listeners.remove(listener);
    }

    /**
     * Creates topics. Results are in request order, one per distinct name. With {@code validateOnly}
     * nothing is written but results are as if it had been (topic id zero).
     */
    public CompletableFuture<List<CreateTopicResult>> createTopics(List<NewTopic> topics, boolean validateOnly) {
        if (forwarding()) {
            Map<String, NewTopic> byName = new HashMap<>();
            for (NewTopic t : topics) byName.putIfAbsent(t.name(), t);
            return forward(ForwardedOperations.createTopics(topics, validateOnly), in -> ForwardedOperations.createTopicsResults(
                    in, byName, configs -> TopicConfigs.describe(configs, layers(image))));
        }
        return submit(() -> doCreateTopics(topics, validateOnly));
    }

    /** Deletes topics by name; one result per distinct name, in request order. */
    public CompletableFuture<List<DeleteTopicResult>> deleteTopics(Collection<String> names) {
        if (forwarding()) return deleteTopics(names, List.of());
        List<Object> refs = new ArrayList<>(names);
        return submit(() -> doDeleteTopics(refs));
    }

    /** Deletes topics by id; one result per distinct id, in request order. */
    public CompletableFuture<List<DeleteTopicResult>> deleteTopicsByIds(Collection<Uuid> ids) {
        if (forwarding()) return deleteTopics(List.of(), ids);
        List<Object> refs = new ArrayList<>(ids);
        return submit(() -> doDeleteTopics(refs));
    }

    /**
     * Deletes topics named by name and topics named by id in one batch (DeleteTopics v6 may mix both).
     * Results: one per distinct name, in order, then one per distinct id, in order. A topic named both
     * ways fails the later reference with INVALID_REQUEST.
     */
    public CompletableFuture<List<DeleteTopicResult>> deleteTopics(Collection<String> names, Collection<Uuid> ids) {
        if (forwarding()) {
            return forward(ForwardedOperations.deleteTopics(List.copyOf(names), List.copyOf(ids)), ForwardedOperations::deleteTopicsResults);
        }
        List<Object> refs = new ArrayList<>(names);
        refs.addAll(ids);
        return submit(() -> doDeleteTopics(refs));
    }

    /** Adds partitions to existing topics; one result per distinct topic, in request order. */
    public CompletableFuture<List<CreatePartitionsResult>> createPartitions(List<NewPartitions> requests, boolean validateOnly) {
        if (forwarding()) {
            return forward(ForwardedOperations.createPartitions(requests, validateOnly), ForwardedOperations::createPartitionsResults);
        }
        return submit(() -> doCreatePartitions(requests, validateOnly));
    }

    /**
     * AlterConfigs (legacy): replaces all dynamic configs of each resource with the given ones. Supported
     * resources: topics, brokers ("" = cluster default, or a broker id).
     */
    public CompletableFuture<Map<ConfigResource, ApiError>> alterConfigs(Map<ConfigResource, Map<String, String>> configs,
                                                                         boolean validateOnly) {
        Map<ConfigResource, Map<String, String>> copy = new LinkedHashMap<>(configs);
        if (forwarding()) return forward(ForwardedOperations.alterConfigs(copy, validateOnly), ForwardedOperations::configResults);
        return submit(() -> doAlterConfigs(copy, null, validateOnly));
    }

    /** IncrementalAlterConfigs: SET, DELETE, APPEND, SUBTRACT per key. */
    public CompletableFuture<Map<ConfigResource, ApiError>> incrementalAlterConfigs(
            Map<ConfigResource, List<AlterConfigOp>> ops, boolean validateOnly) {
        Map<ConfigResource, List<AlterConfigOp>> copy = new LinkedHashMap<>(ops);
        if (forwarding()) {
            return forward(ForwardedOperations.incrementalAlterConfigs(copy, validateOnly), ForwardedOperations::configResults);
        }
        return submit(() -> doAlterConfigs(null, copy, validateOnly));
    }

    /**
     * Registers (or re-registers) a broker. A registration identical to the current one (same
     * incarnation, endpoints and rack) is returned as is without writing anything.
     */
    public CompletableFuture<BrokerRegistration> registerBroker(int brokerId, Uuid incarnation,
                                                                List<BrokerRegistration.Endpoint> endpoints, String rack) {
        List<BrokerRegistration.Endpoint> eps = List.copyOf(endpoints);
        if (quorum != null) return submit(() -> doRegisterReplicated(brokerId, incarnation, eps, rack));
        return submit(() -> {
            if (brokerId < 0) throw new ApiException(Errors.INVALID_REGISTRATION, "Invalid broker id " + brokerId);
            BrokerRegistration current = image.broker(brokerId);
            if (current != null && current.sameAs(incarnation, eps, rack) && !current.fenced()) return current;
            BrokerRegistration next = new BrokerRegistration(brokerId, image.offset(), incarnation, eps, rack, false);
            commit(List.of(MetadataDelta.toRecord(next)));
            return image.broker(brokerId);
        });
    }

    /**
     * A block of producer ids for this node: {@code blockSize} ids that were never handed out before.
     * The block is recorded in the metadata log ({@link ProducerIdsRecord}) before the future completes,
     * so no id is ever handed out twice, also across restarts. Fails with IllegalArgumentException for
     * a non-positive size, UNKNOWN_SERVER_ERROR when the id space is exhausted, or the log's
     * IOException.
     */
    public CompletableFuture<ProducerIdBlock> allocateProducerIds(int blockSize) {
        if (forwarding()) return forward(ForwardedOperations.allocateProducerIds(blockSize), ForwardedOperations::producerIdBlock);
        return submit(() -> {
            if (blockSize <= 0) throw new IllegalArgumentException("producer id block size must be positive: " + blockSize);
            long first = image.nextProducerId();
            if (first > Long.MAX_VALUE - blockSize) {
                throw new ApiException(Errors.UNKNOWN_SERVER_ERROR, "Exhausted all producer ids: the next block would pass "
                        + Long.MAX_VALUE);
            }
            ProducerIdsRecord r = new ProducerIdsRecord();
            r.brokerId = config.nodeId();
            BrokerRegistration self = image.broker(config.nodeId());
            r.brokerEpoch = self == null ? -1 : self.epoch();
            r.nextProducerId = first + blockSize;
            commit(List.of(r));
            maybeSnapshot();
            return new ProducerIdBlock(first, blockSize);
        });
    }

    /**
     * Finalizes feature levels (UpdateFeatures): one FeatureLevelRecord per feature, in one batch, recorded before
     * the future completes (forwarded to the active controller by a node that is not it). The caller validates the
     * levels against what the broker supports.
     */
    public CompletableFuture<Void> updateFeatureLevels(Map<String, Short> levels) {
        if (forwarding()) return forward(ForwardedOperations.updateFeatureLevels(new LinkedHashMap<>(levels)), in -> null);
        return submit(() -> {
            List<Message> records = new ArrayList<>();
            levels.forEach((name, level) -> {
                FeatureLevelRecord r = new FeatureLevelRecord();
                r.name = name;
                r.featureLevel = level;
                records.add(r);
            });
            if (!records.isEmpty()) commit(records);
            return null;
        });
    }

    /** Producer ids {@code firstProducerId} up to, not including, {@code firstProducerId + size}. */
    public record ProducerIdBlock(long firstProducerId, int size) {
        /** The id after the last one of this block. */
        public long endProducerId() {
            return firstProducerId + size;
        }
    }

    /**
     * AlterPartition: a partition leader changes the ISR of its partitions (Kafka's rules, see
     * {@link PartitionControl#alterPartition}). In a cluster a node that is not the active controller
     * sends it there; the future completes once the change is committed and applied on this node. It
     * never fails: a whole-request error (STALE_BROKER_EPOCH for a wrong or unregistered broker epoch,
     * NOT_CONTROLLER, REQUEST_TIMED_OUT) is the reply's error, with no results; otherwise there is one
     * result per change, in request order, with the partition's state after it.
     */
    public CompletableFuture<BrokerLifecycleMessages.AlterPartitionReply> alterPartition(BrokerLifecycleMessages.AlterPartition req) {
        if (forwarding()) {
            CompletableFuture<byte[]> sent;
            try {
                sent = quorum.sendToController(BrokerLifecycleMessages.encode(req));
            } catch (RuntimeException e) {
                sent = CompletableFuture.failedFuture(e);
            }
            return sent.handle((bytes, err) -> err != null
                            ? new BrokerLifecycleMessages.AlterPartitionWire(alterPartitionError(
                                    ApiError.of(Errors.NOT_CONTROLLER, "No active controller answered: " + errorOf(err).message())), -1)
                            : BrokerLifecycleMessages.decodeAlterPartitionReply(bytes))
                    .thenCompose(w -> w.offset() < 0 ? CompletableFuture.completedFuture(w.reply())
                            : awaitPublished(w.offset()).thenApply(v -> w.reply()));
        }
        return submit(() -> elections().alterPartition(req)).handle((w, err) -> err == null ? w.reply() : alterPartitionError(errorOf(err)));
    }

    private static BrokerLifecycleMessages.AlterPartitionReply alterPartitionError(ApiError e) {
        return ReplicaElections.alterPartitionError(e);
    }

    /**
     * ElectLeaders: {@code electionType} 0 (preferred) or 1 (unclean) for {@code partitions}, or for
     * every partition when it is null (then partitions that need no election are left out, as in
     * Kafka). One answer per partition; see {@link PartitionControl#electLeaders}. Forwarded to the
     * active controller in a cluster. Fails with INVALID_REQUEST for another election type.
     */
    public CompletableFuture<Map<TopicPartition, ApiError>> electLeaders(byte electionType, Set<TopicPartition> partitions) {
        Set<TopicPartition> copy = partitions == null ? null : new LinkedHashSet<>(partitions);
        if (forwarding()) return forward(ForwardedOperations.electLeaders(electionType, copy), ForwardedOperations::partitionResults);
        return submit(() -> elections().electLeaders(electionType, copy));
    }

    /**
     * AlterPartitionReassignments: starts, replaces or (a null target) cancels the reassignment of each
     * partition ({@link Reassignments}); one answer per partition. Forwarded to the active controller in
     * a cluster. A reassignment completes later, when the leader's AlterPartition brings every adding
     * replica into the ISR.
     */
    public CompletableFuture<Map<TopicPartition, ApiError>> alterPartitionReassignments(Map<TopicPartition, List<Integer>> targets,
                                                                                      boolean allowReplicationFactorChange) {
        Map<TopicPartition, List<Integer>> copy = new LinkedHashMap<>();
        targets.forEach((tp, t) -> copy.put(tp, t == null ? null : List.copyOf(t)));
        if (forwarding()) {
            return forward(ForwardedOperations.alterReassignments(copy, allowReplicationFactorChange), ForwardedOperations::partitionResults);
        }
        return submit(() -> {
            Reassignments.Outcome o = new Reassignments(image, this::live).alter(copy, allowReplicationFactorChange);
            ApiError failure = commitOrError(o.records());
            Map<TopicPartition, ApiError> out = new LinkedHashMap<>(o.results());
            if (failure != null) out.replaceAll((tp, e) -> e.isSuccess() ? failure : e);
            else if (!o.records().isEmpty()) log.info("Changed the reassignment of {} partition(s)", o.records().size());
            return out;
        });
    }

    /**
     * ListPartitionReassignments, from this node's image: the partitions being reassigned (replicas,
     * adding and removing ones), all of them or those in {@code partitions} (null: all); unknown or not
     * reassigning partitions are left out.
     */
    public Map<TopicPartition, PartitionState> listPartitionReassignments(Set<TopicPartition> partitions) {
        return Reassignments.inProgress(image(), partitions);
    }

    /**
     * UnregisterBroker: removes broker {@code brokerId}'s registration (an {@code UnregisterBrokerRecord});
     * in a cluster it is fenced first, so the leadership of its partitions moves to other in-sync
     * replicas. A broker still running registers again. Unknown ids are BROKER_ID_NOT_REGISTERED; a single
     * node refuses to unregister itself, its only broker (INVALID_REQUEST).
     */
    public CompletableFuture<Void> unregisterBroker(int brokerId) {
        if (forwarding()) return forward(ForwardedOperations.unregisterBroker(brokerId), in -> null);
        return submit(() -> {
            BrokerRegistration b = image.broker(brokerId);
            if (b == null) throw new ApiException(Errors.BROKER_ID_NOT_REGISTERED, "Broker ID " + brokerId + " is not registered.");
            if (quorum == null) {
                throw new ApiException(Errors.INVALID_REQUEST, "Broker " + brokerId + " is this single node's only broker; "
                        + "it cannot be unregistered.");
            }
            List<Message> records = new ArrayList<>(b.fenced() ? List.of() : fenceRecords(b));
            io.runnel.protocol.message.UnregisterBrokerRecord u = new io.runnel.protocol.message.UnregisterBrokerRecord();
            u.brokerId = brokerId;
            u.brokerEpoch = b.epoch();
            records.add(u);
            commit(records);
            log.info("Unregistered broker {} (epoch {})", brokerId, b.epoch());
            return null;
        });
    }

    /**
     * AlterUserScramCredentials: upserts and deletes users' SCRAM credentials (UserScramCredentialRecord,
     * RemoveUserScramCredentialRecord) with Kafka's checks: an empty user name and an iteration count outside
     * 4096..16384 are UNACCEPTABLE_CREDENTIAL, an unknown mechanism UNSUPPORTED_SASL_MECHANISM, the same user and
     * mechanism twice DUPLICATE_RESOURCE, deleting a credential that does not exist RESOURCE_NOT_FOUND. One answer
     * per user, in request order; a user with any refused alteration gets none of them applied. Forwarded to the
     * active controller in a cluster.
     */
    public CompletableFuture<Map<String, ApiError>> alterScramCredentials(List<ScramAlteration> alterations) {
        List<ScramAlteration> copy = List.copyOf(alterations);
        if (forwarding()) return forward(ForwardedOperations.alterScramCredentials(copy), ForwardedOperations::userResults);
        return submit(() -> {
            Map<String, ApiError> results = new LinkedHashMap<>();
            Map<String, List<Message>> recordsByUser = new LinkedHashMap<>();
            Set<String> seen = new HashSet<>();
            Set<String> duplicated = new HashSet<>();
            for (ScramAlteration a : copy) if (!seen.add(a.mechanism() + "/" + a.user())) duplicated.add(a.mechanism() + "/" + a.user());
            for (ScramAlteration a : copy) {
                results.putIfAbsent(a.user(), ApiError.NONE);
                ApiError e = checkScram(a, duplicated);
                if (e != null) {
                    if (results.get(a.user()).isSuccess()) results.put(a.user(), e);
                    continue;
                }
                Message record;
                if (a.isDeletion()) {
                    io.runnel.protocol.message.RemoveUserScramCredentialRecord r = new io.runnel.protocol.message.RemoveUserScramCredentialRecord();
                    r.name = a.user();
                    r.mechanism = a.mechanism();
                    record = r;
                } else {
                    io.runnel.protocol.message.UserScramCredentialRecord r = new io.runnel.protocol.message.UserScramCredentialRecord();
                    r.name = a.user();
                    r.mechanism = a.mechanism();
                    r.salt = a.credential().salt();
                    r.storedKey = a.credential().storedKey();
                    r.serverKey = a.credential().serverKey();
                    r.iterations = a.credential().iterations();
                    record = r;
                }
                recordsByUser.computeIfAbsent(a.user(), u -> new ArrayList<>()).add(record);
            }
            List<Message> records = new ArrayList<>();
            recordsByUser.forEach((user, list) -> {
                if (results.get(user).isSuccess()) records.addAll(list);
            });
            ApiError failure = commitOrError(records);
            if (failure != null) results.replaceAll((u, e) -> e.isSuccess() ? failure : e);
            else if (!records.isEmpty()) log.info("Altered {} SCRAM credential(s)", records.size());
            return results;
        });
    }

    /**
     * AlterClientQuotas: sets and removes client quotas (ClientQuotaRecord) with Kafka's checks: an empty entity, an
     * entity type named twice, ip combined with user/client-id, an invalid ip, an unknown key, a key of the other
     * entity kind (connection_creation_rate is for ip only, the others for user/client-id), a non-positive value or a
     * fraction for a byte/connection rate, and a key named twice in one entry are INVALID_REQUEST; an unknown entity
     * type UNSUPPORTED_VERSION. One answer per entry, in request order; a refused entry changes nothing, the others
     * are applied ({@code validateOnly}: only checked). Forwarded to the active controller in a cluster.
     */
    public CompletableFuture<List<ApiError>> alterClientQuotas(List<ClientQuotaAlteration> alterations, boolean validateOnly) {
        List<ClientQuotaAlteration> copy = List.copyOf(alterations);
        if (forwarding()) {
            return forward(ForwardedOperations.alterClientQuotas(copy, validateOnly), ForwardedOperations::errorList);
        }
        return submit(() -> {
            List<ApiError> results = new ArrayList<>();
            List<Message> records = new ArrayList<>();
            Set<ClientQuotaEntity> seen = new HashSet<>();
            for (ClientQuotaAlteration a : copy) {
                ApiError e = a.entity().validate();
                if (e == null && !seen.add(a.entity())) {
                    e = ApiError.of(Errors.INVALID_REQUEST, "Duplicate quota entity in one request: " + a.entity());
                }
                Set<String> keys = new HashSet<>();
                List<Message> entryRecords = new ArrayList<>();
                for (ClientQuotaAlteration.Op op : a.ops()) {
                    if (e != null) break;
                    if (!keys.add(op.key())) {
                        e = ApiError.of(Errors.INVALID_REQUEST, "Duplicate quota key " + op.key() + " for " + a.entity());
                        break;
                    }
                    e = op.value() != null ? ClientQuotaKeys.check(a.entity(), op.key(), op.value())
                            : ClientQuotaKeys.checkKey(a.entity(), op.key());
                    if (e != null) break;
                    io.runnel.protocol.message.ClientQuotaRecord r = new io.runnel.protocol.message.ClientQuotaRecord();
                    a.entity().entries().forEach((type, name) -> {
                        io.runnel.protocol.message.ClientQuotaRecord.EntityData d = new io.runnel.protocol.message.ClientQuotaRecord.EntityData();
                        d.entityType = type;
                        d.entityName = name;
                        r.entity.add(d);
                    });
                    r.key = op.key();
                    r.remove = op.value() == null;
                    r.value = op.value() == null ? 0 : op.value();
                    entryRecords.add(r);
                }
                results.add(e == null ? ApiError.NONE : e);
                if (e == null) records.addAll(entryRecords);
            }
            if (validateOnly) return results;
            ApiError failure = commitOrError(records);
            if (failure != null) results.replaceAll(e -> e.isSuccess() ? failure : e);
            else if (!records.isEmpty()) log.info("Altered {} client quota(s)", records.size());
            return results;
        });
    }

    /**
     * CreateAcls: one answer per ACL, in request order. An ACL Kafka refuses ({@link AclBinding#invalidReason}) is
     * INVALID_REQUEST; an ACL equal to one that exists (or to an earlier one of the request) succeeds without a new
     * record, as in Kafka; the others are written as AccessControlEntryRecords with fresh ids in one batch.
     * Forwarded to the active controller in a cluster.
     */
    public CompletableFuture<List<ApiError>> createAcls(List<AclBinding> acls) {
        List<AclBinding> copy = List.copyOf(acls);
        if (forwarding()) return forward(ForwardedOperations.createAcls(copy), ForwardedOperations::aclErrors);
        return submit(() -> {
            List<ApiError> results = new ArrayList<>();
            List<Message> records = new ArrayList<>();
            Set<AclBinding> present = new HashSet<>(image.acls().values());
            for (AclBinding a : copy) {
                String invalid = a.invalidReason();
                if (invalid != null) {
                    results.add(ApiError.of(Errors.INVALID_REQUEST, invalid));
                    continue;
                }
                results.add(ApiError.NONE);
                if (present.add(a)) records.add(MetadataDelta.aclRecord(ids.get(), a));
            }
            ApiError failure = commitOrError(records);
            if (failure != null) results.replaceAll(e -> e.isSuccess() ? failure : e);
            else if (!records.isEmpty()) log.info("Created {} ACL(s)", records.size());
            return results;
        });
    }

    /**
     * DeleteAcls: one answer per filter, in request order: an invalid filter ({@link AclFilter#invalidReason}) is
     * INVALID_REQUEST, else the ACLs it matches, all removed (RemoveAccessControlEntryRecord) in one batch. An ACL
     * two filters match is listed by both and removed once. Forwarded to the active controller in a cluster.
     */
    public CompletableFuture<List<AclDeletion>> deleteAcls(List<AclFilter> filters) {
        List<AclFilter> copy = List.copyOf(filters);
        if (forwarding()) return forward(ForwardedOperations.deleteAcls(copy), ForwardedOperations::aclDeletions);
        return submit(() -> {
            List<AclDeletion> results = new ArrayList<>();
            List<Message> records = new ArrayList<>();
            Set<Uuid> removed = new HashSet<>();
            for (AclFilter f : copy) {
                String invalid = f.invalidReason();
                if (invalid != null) {
                    results.add(new AclDeletion(ApiError.of(Errors.INVALID_REQUEST, invalid), List.of()));
                    continue;
                }
                List<AclBinding> matched = new ArrayList<>();
                for (Map.Entry<Uuid, AclBinding> e : image.acls().entrySet()) {
                    if (!f.matches(e.getValue())) continue;
                    matched.add(e.getValue());
                    if (removed.add(e.getKey())) {
                        io.runnel.protocol.message.RemoveAccessControlEntryRecord r = new io.runnel.protocol.message.RemoveAccessControlEntryRecord();
                        r.id = e.getKey();
                        records.add(r);
                    }
                }
                results.add(new AclDeletion(ApiError.NONE, matched));
            }
            ApiError failure = commitOrError(records);
            if (failure != null) results.replaceAll(d -> d.error().isSuccess() ? new AclDeletion(failure, List.of()) : d);
            else if (!records.isEmpty()) log.info("Deleted {} ACL(s)", records.size());
            return results;
        });
    }

    /** Why one SCRAM alteration is refused (Kafka's errors and messages), or null. */
    private ApiError checkScram(ScramAlteration a, Set<String> duplicated) {
        if (ScramCredential.mechanismName(a.mechanism()) == null) {
            return ApiError.of(Errors.UNSUPPORTED_SASL_MECHANISM, "Unknown SCRAM mechanism");
        }
        if (duplicated.contains(a.mechanism() + "/" + a.user())) {
            return ApiError.of(Errors.DUPLICATE_RESOURCE, "A user credential cannot be altered twice in the same request");
        }
        if (a.user().isEmpty()) return ApiError.of(Errors.UNACCEPTABLE_CREDENTIAL, "Username must not be empty");
        if (a.isDeletion()) {
            if (image.scramCredential(a.user(), a.mechanism()) == null) {
                return ApiError.of(Errors.RESOURCE_NOT_FOUND, "Attempt to delete a user credential that does not exist");
            }
            return null;
        }
        int iterations = a.credential().iterations();
        if (iterations < ScramCredential.MIN_ITERATIONS) return ApiError.of(Errors.UNACCEPTABLE_CREDENTIAL, "Too few iterations");
        if (iterations > ScramCredential.MAX_ITERATIONS) return ApiError.of(Errors.UNACCEPTABLE_CREDENTIAL, "Too many iterations");
        if (a.credential().salt().length == 0) return ApiError.of(Errors.UNACCEPTABLE_CREDENTIAL, "Salt must not be empty");
        if (a.credential().storedKey().length == 0 || a.credential().serverKey().length == 0) {
            return ApiError.of(Errors.UNACCEPTABLE_CREDENTIAL, "Salted password must not be empty");
        }
        return null;
    }

    /**
     * The metadata quorum for DescribeQuorum: on a single node, itself as the only voter and leader
     * (offsets are its log's record offsets); in a cluster, the active controller's view (forwarded to it
     * from other nodes; NOT_CONTROLLER while there is none).
     */
    public CompletableFuture<QuorumDescription> describeQuorum() {
        if (quorum == null) {
            long now = System.currentTimeMillis();
            long end = image.offset();
            QuorumDescription.Replica self = new QuorumDescription.Replica(config.nodeId(), end, now, now);
            return CompletableFuture.completedFuture(new QuorumDescription(config.nodeId(), 1, end, List.of(self), List.of(), List.of()));
        }
        QuorumDescription local = quorum.describeLocal();
        if (local != null) return CompletableFuture.completedFuture(local);
        return forward(ForwardedOperations.describeQuorum(), ForwardedOperations::quorumDescription);
    }

    /** Writes a snapshot of the current image now. */
    public CompletableFuture<Void> snapshot() {
        return submit(() -> {
            writeSnapshot();
            return null;
        });
    }

    /**
     * The configs of a topic or broker resource as DescribeConfigs reports them, from the current image.
     *
     * @throws ApiException UNKNOWN_TOPIC_OR_PARTITION for an unknown topic, INVALID_REQUEST for an
     *                      unsupported resource
     */
    public List<ConfigEntry> describeConfigs(ConfigResource resource) {
        MetadataImage img = image;
        return switch (resource.type()) {
            case TOPIC -> {
                if (img.topic(resource.name()) == null) throw unknownTopic(resource.name());
                yield TopicConfigs.describe(img.topicConfigs(resource.name()), layers(img));
            }
            case BROKER -> {
                int id = brokerIdOf(resource);
                yield config.describe(id < 0 ? Map.of() : img.configs(ConfigResource.broker(id)),
                        img.configs(ConfigResource.brokerDefault()));
            }
            case GROUP -> GroupConfigs.describe(img.configs(resource), layers(img));
            default -> throw new ApiException(Errors.INVALID_REQUEST, "Unsupported resource type " + resource.type());
        };
    }

    @Override
    public void close() throws IOException {
        if (closed) return;
        closed = true;
        shutdown();
        if (metadataLog != null) metadataLog.close();
    }

    /** Stops after a failed start; the log is closed too. */
    private void abort() {
        closed = true;
        shutdown();
        try {
            metadataLog.close();
        } catch (IOException e) {
            log.warn("Failed to close the metadata log after a failed start", e);
        }
    }

    private void shutdown() {
        executor.shutdown();
        try {
            if (!executor.awaitTermination(30, TimeUnit.SECONDS)) executor.shutdownNow();
        } catch (InterruptedException e) {
            executor.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    // ---------------------------------------------------------------- operations (controller thread)

    /**
     * The most records one CreateTopics or CreatePartitions request may write, as in Kafka's KRaft
     * controller: a larger operation is refused whole with POLICY_VIOLATION. It also bounds the work
     * (and the log directories) one request can make the broker create at once.
     */
    static final int MAX_RECORDS_PER_USER_OP = 10_000;
    static final String EXCESSIVE_BATCH_MESSAGE = "Unable to perform excessively large batch operation.";

    private static ApiError excessiveBatch(int records) {
        return ApiError.of(Errors.POLICY_VIOLATION, EXCESSIVE_BATCH_MESSAGE + " (" + records
                + " records; at most " + MAX_RECORDS_PER_USER_OP + " per request: one per topic, partition and config)");
    }

    private List<CreateTopicResult> doCreateTopics(List<NewTopic> topics, boolean validateOnly) {
        Map<String, Integer> occurrences = new HashMap<>();
        for (NewTopic t : topics) occurrences.merge(t.name(), 1, Integer::sum);
        Map<String, CreateTopicResult> results = new LinkedHashMap<>();
        List<Message> records = new ArrayList<>();
        Set<String> names = new HashSet<>(image.topics().keySet());
        BrokerConfigLayers layers = layers(image);
        int recordCount = 0;
        for (NewTopic t : topics) {
            if (results.containsKey(t.name())) continue;
            if (occurrences.get(t.name()) > 1) {
                results.put(t.name(), CreateTopicResult.failed(t.name(), ApiError.of(Errors.INVALID_REQUEST, "Duplicate topic name.")));
                continue;
            }
            try {
                TopicNames.validate(t.name());
                if (image.topic(t.name()) != null) {
                    throw new ApiException(Errors.TOPIC_ALREADY_EXISTS, "Topic '" + t.name() + "' already exists.");
                }
                TopicNames.checkCollision(t.name(), names);
                List<List<Integer>> assignment = assignmentFor(t);
                TopicConfigs.validate(t.configs(), layers);
                Uuid id = validateOnly ? Uuid.ZERO : newTopicId();
                if (!validateOnly) records.addAll(topicRecords(t, id, assignment));
                recordCount += 1 + assignment.size() + t.configs().size();
                names.add(t.name());
                results.put(t.name(), new CreateTopicResult(t.name(), ApiError.NONE, id, assignment.size(),
                        (short) assignment.get(0).size(), TopicConfigs.describe(t.configs(), layers)));
            } catch (ApiException e) {
                results.put(t.name(), CreateTopicResult.failed(t.name(), new ApiError(e.error(), e.getMessage())));
            }
        }
        if (recordCount > MAX_RECORDS_PER_USER_OP) {
            ApiError refused = excessiveBatch(recordCount);
            return results.values().stream().map(r -> CreateTopicResult.failed(r.name(), refused)).toList();
        }
        ApiError failure = commitOrError(records);
        List<CreateTopicResult> out = new ArrayList<>(results.values());
        if (failure != null) out.replaceAll(r -> r.error().isSuccess() ? CreateTopicResult.failed(r.name(), failure) : r);
        return out;
    }

    private Uuid newTopicId() {
        Uuid id;
        do {
            id = ids.get();
        } while (image.topic(id) != null);
        return id;
    }

    private List<List<Integer>> assignmentFor(NewTopic t) {
        if (!t.assignments().isEmpty()) {
            if (t.numPartitions() != -1 || t.replicationFactor() != -1) {
                throw new ApiException(Errors.INVALID_REQUEST, "Both numPartitions or replicationFactor and "
                        + "replicasAssignments were set. Both cannot be used at the same time.");
            }
            if (t.assignments().size() > ReplicaAssignments.MAX_PARTITIONS_PER_TOPIC) throw tooManyPartitions(t.assignments().size());
            return ReplicaAssignments.checkManual(t.assignments(), image.brokers().keySet(), -1);
        }
        int partitions = t.numPartitions() == -1 ? config.numPartitions() : t.numPartitions();
        if (partitions <= 0) {
            throw new ApiException(Errors.INVALID_PARTITIONS, "Number of partitions was set to an invalid non-positive value.");
        }
        if (partitions > ReplicaAssignments.MAX_PARTITIONS_PER_TOPIC) throw tooManyPartitions(partitions);
        int rf = t.replicationFactor() == -1 ? config.defaultReplicationFactor() : t.replicationFactor();
        if (rf <= 0) {
            throw new ApiException(Errors.INVALID_REPLICATION_FACTOR,
                    "Replication factor must be larger than 0, or -1 to use the default value.");
        }
        return ReplicaAssignments.place(liveBrokers(), 0, partitions, rf, t.name().hashCode());
    }

    private static ApiException tooManyPartitions(int n) {
        return new ApiException(Errors.INVALID_PARTITIONS, "Cannot create " + n + " partitions: at most "
                + ReplicaAssignments.MAX_PARTITIONS_PER_TOPIC + " partitions per topic are supported.");
    }

    /**
     * The unfenced brokers replicas are placed on, ascending by id; when any has a {@code broker.rack},
     * in rack-alternating order (one broker of each rack in turn, racks by name, a broker without a rack
     * in a rack of its own), so the consecutive replicas {@link ReplicaAssignments#place} picks span as
     * many racks as they can, as Kafka's rack-aware placement does.
     */
    private List<Integer> liveBrokers() {
        List<Integer> out = new ArrayList<>();
        TreeMap<String, List<Integer>> byRack = new TreeMap<>();
        boolean racks = false;
        for (BrokerRegistration b : image.brokers().values()) {
            if (b.fenced()) continue;
            out.add(b.id());
            racks |= b.rack() != null;
            byRack.computeIfAbsent(b.rack() == null ? "\u0000" + b.id() : b.rack(), k -> new ArrayList<>()).add(b.id());
        }
        java.util.Collections.sort(out);
        if (!racks) return out;
        List<Integer> alternated = new ArrayList<>();
        for (int i = 0; alternated.size() < out.size(); i++) {
            for (List<Integer> rack : byRack.values()) {
                if (i < rack.size()) alternated.add(rack.stream().sorted().toList().get(i));
            }
        }
        return alternated;
    }

    private static List<Message> topicRecords(NewTopic t, Uuid id, List<List<Integer>> assignment) {
        List<Message> out = new ArrayList<>();
        TopicRecord tr = new TopicRecord();
        tr.name = t.name();
        tr.topicId = id;
        out.add(tr);
        out.addAll(partitionRecords(id, 0, assignment));
        for (Map.Entry<String, String> e : new TreeMap<>(t.configs()).entrySet()) {
            out.add(configRecord(ConfigResource.topic(t.name()), e.getKey(), e.getValue()));
        }
        return out;
    }

    private static List<Message> partitionRecords(Uuid topicId, int first, List<List<Integer>> assignment) {
        List<Message> out = new ArrayList<>();
        for (int i = 0; i < assignment.size(); i++) {
            PartitionState s = PartitionState.initial(assignment.get(i));
            PartitionRecord pr = new PartitionRecord();
            pr.partitionId = first + i;
            pr.topicId = topicId;
            pr.replicas = new ArrayList<>(s.replicas());
            pr.isr = new ArrayList<>(s.isr());
            pr.leader = s.leader();
            pr.leaderEpoch = s.leaderEpoch();
            pr.partitionEpoch = s.partitionEpoch();
            out.add(pr);
        }
        return out;
    }

    private static ConfigRecord configRecord(ConfigResource r, String name, String value) {
        ConfigRecord c = new ConfigRecord();
        c.resourceType = r.type().id();
        c.resourceName = r.name();
        c.name = name;
        c.value = value;
        return c;
    }

    private List<DeleteTopicResult> doDeleteTopics(List<Object> refs) {
        Map<Object, Integer> occurrences = new HashMap<>();
        for (Object r : refs) occurrences.merge(r, 1, Integer::sum);
        Map<Object, DeleteTopicResult> results = new LinkedHashMap<>();
        Set<Uuid> deleting = new HashSet<>();
        List<Message> records = new ArrayList<>();
        for (Object ref : refs) {
            if (results.containsKey(ref)) continue;
            String name = ref instanceof String s ? s : null;
            Uuid id = ref instanceof Uuid u ? u : Uuid.ZERO;
            TopicImage t = name != null ? image.topic(name) : image.topic(id);
            ApiError error;
            if (occurrences.get(ref) > 1) {
                error = ApiError.of(Errors.INVALID_REQUEST, name != null ? "Duplicate topic name." : "Duplicate topic id.");
            } else if (!config.deleteTopicEnable()) {
                error = ApiError.of(Errors.TOPIC_DELETION_DISABLED, "Topic deletion is disabled.");
            } else if (t == null) {
                error = name != null ? ApiError.of(Errors.UNKNOWN_TOPIC_OR_PARTITION, Errors.UNKNOWN_TOPIC_OR_PARTITION.message())
                        : ApiError.of(Errors.UNKNOWN_TOPIC_ID, Errors.UNKNOWN_TOPIC_ID.message());
            } else if (!deleting.add(t.id())) {
                error = ApiError.of(Errors.INVALID_REQUEST, "Topic " + t.name() + " is named twice in the request.");
            } else {
                RemoveTopicRecord r = new RemoveTopicRecord();
                r.topicId = t.id();
                records.add(r);
                error = ApiError.NONE;
            }
            results.put(ref, new DeleteTopicResult(t != null ? t.name() : name, t != null ? t.id() : id, error));
        }
        ApiError failure = commitOrError(records);
        List<DeleteTopicResult> out = new ArrayList<>(results.values());
        if (failure != null) out.replaceAll(r -> r.error().isSuccess() ? new DeleteTopicResult(r.name(), r.topicId(), failure) : r);
        return out;
    }

    private List<CreatePartitionsResult> doCreatePartitions(List<NewPartitions> requests, boolean validateOnly) {
        Map<String, Integer> occurrences = new HashMap<>();
        for (NewPartitions r : requests) occurrences.merge(r.topic(), 1, Integer::sum);
        Map<String, CreatePartitionsResult> results = new LinkedHashMap<>();
        List<Message> records = new ArrayList<>();
        for (NewPartitions req : requests) {
            if (results.containsKey(req.topic())) continue;
            ApiError error = ApiError.NONE;
            try {
                if (occurrences.get(req.topic()) > 1) throw new ApiException(Errors.INVALID_REQUEST, "Duplicate topic name.");
                records.addAll(newPartitionRecords(req));
            } catch (ApiException e) {
                error = new ApiError(e.error(), e.getMessage());
            }
            results.put(req.topic(), new CreatePartitionsResult(req.topic(), error));
        }
        if (records.size() > MAX_RECORDS_PER_USER_OP) {
            ApiError refused = excessiveBatch(records.size());
            return results.values().stream().map(r -> new CreatePartitionsResult(r.topic(), refused)).toList();
        }
        ApiError failure = validateOnly ? null : commitOrError(records);
        List<CreatePartitionsResult> out = new ArrayList<>(results.values());
        if (failure != null) out.replaceAll(r -> r.error().isSuccess() ? new CreatePartitionsResult(r.topic(), failure) : r);
        return out;
    }

    private List<Message> newPartitionRecords(NewPartitions req) {
        TopicImage t = image.topic(req.topic());
        if (t == null) throw unknownTopic(req.topic());
        int current = t.partitionCount();
        if (req.totalCount() == current) {
            throw new ApiException(Errors.INVALID_PARTITIONS, "Topic already has " + current + " partitions.");
        }
        if (req.totalCount() < current) {
            throw new ApiException(Errors.INVALID_PARTITIONS, "The topic " + req.topic() + " currently has " + current
                    + " partition(s); " + req.totalCount() + " would not be an increase.");
        }
        if (req.totalCount() > ReplicaAssignments.MAX_PARTITIONS_PER_TOPIC) throw tooManyPartitions(req.totalCount());
        int adding = req.totalCount() - current;
        int rf = current == 0 ? config.defaultReplicationFactor() : t.partition(t.partitions().firstKey()).replicas().size();
        List<List<Integer>> assignment;
        if (!req.assignments().isEmpty()) {
            if (req.assignments().size() != adding) {
                throw new ApiException(Errors.INVALID_REPLICA_ASSIGNMENT, "Attempted to add " + adding
                        + " additional partition(s), but " + req.assignments().size() + " assignment(s) were specified.");
            }
            ReplicaAssignments.checkLists(req.assignments(), image.brokers().keySet(), rf, current);
            assignment = req.assignments();
        } else {
            assignment = ReplicaAssignments.place(liveBrokers(), current, adding, rf, t.name().hashCode());
        }
        return partitionRecords(t.id(), current, assignment);
    }

    /** One of {@code full} (AlterConfigs) or {@code ops} (IncrementalAlterConfigs) is non-null. */
    private Map<ConfigResource, ApiError> doAlterConfigs(Map<ConfigResource, Map<String, String>> full,
                                                         Map<ConfigResource, List<AlterConfigOp>> ops, boolean validateOnly) {
        Collection<ConfigResource> resources = full != null ? full.keySet() : ops.keySet();
        Map<ConfigResource, ApiError> results = new LinkedHashMap<>();
        List<Message> records = new ArrayList<>();
        for (ConfigResource r : resources) {
            try {
                Map<String, String> current = image.configs(r);
                Map<String, String> next = full != null ? replaceAll(r, full.get(r)) : applyOps(r, current, ops.get(r));
                checkResource(r, next);
                for (String k : new java.util.TreeSet<>(union(current.keySet(), next.keySet()))) {
                    String before = current.get(k);
                    String after = next.get(k);
                    if (!java.util.Objects.equals(before, after)) records.add(configRecord(r, k, after));
                }
                results.put(r, ApiError.NONE);
            } catch (ApiException e) {
                results.put(r, new ApiError(e.error(), e.getMessage()));
            }
        }
        ApiError failure = validateOnly ? null : commitOrError(records);
        if (failure != null) results.replaceAll((r, e) -> e.isSuccess() ? failure : e);
        else if (!validateOnly) elections().afterConfigChange(records);
        return results;
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        Set<String> out = new LinkedHashSet<>(a);
        out.addAll(b);
        return out;
    }

    private Map<String, String> replaceAll(ConfigResource r, Map<String, String> configs) {
        supported(r);
        Map<String, String> next = new HashMap<>();
        for (Map.Entry<String, String> e : configs.entrySet()) {
            if (e.getValue() == null) {
                throw ConfigException.invalidValue(e.getKey(), null, "a null value is not supported");
            }
            next.put(e.getKey(), e.getValue());
        }
        return next;
    }

    private Map<String, String> applyOps(ConfigResource r, Map<String, String> current, List<AlterConfigOp> ops) {
        supported(r);
        Set<String> seen = new HashSet<>();
        for (AlterConfigOp op : ops) {
            if (!seen.add(op.name())) {
                throw new ApiException(Errors.INVALID_REQUEST, "Error due to duplicate config keys: " + op.name());
            }
        }
        ConfigDef def = definitionOf(r);
        Map<String, String> next = new HashMap<>(current);
        for (AlterConfigOp op : ops) {
            switch (op.op()) {
                case SET -> {
                    if (op.value() == null) throw ConfigException.invalidValue(op.name(), null, "a null value is not supported");
                    next.put(op.name(), op.value());
                }
                case DELETE -> next.remove(op.name());
                case APPEND, SUBTRACT -> {
                    if (!def.contains(op.name())) {
                        // a Kafka broker key Runnel does not implement is refused as such, as SET refuses it
                        if (r.type() == ConfigResource.Type.BROKER) {
                            BrokerConfigs.validateDynamic(java.util.Collections.singletonMap(op.name(), op.value()));
                        }
                        throw new ConfigException(op.name(), "Unknown " + r.type().name().toLowerCase(java.util.Locale.ROOT)
                                + " config name: " + op.name());
                    }
                    if (def.key(op.name()).type() != ConfigDef.Type.LIST) {
                        throw new ConfigException(op.name(), "Config value " + op.op().name().toLowerCase(java.util.Locale.ROOT)
                                + " is not allowed for config key: " + op.name() + " (it is not a list)");
                    }
                    List<String> items = new ArrayList<>(listValue(r, op.name(), next));
                    List<String> given = op.value() == null ? List.of() : splitList(op.value());
                    if (op.op() == AlterConfigOp.OpType.APPEND) {
                        for (String g : given) if (!items.contains(g)) items.add(g);
                    } else {
                        items.removeAll(given);
                    }
                    next.put(op.name(), String.join(",", items));
                }
            }
        }
        return next;
    }

    /** The current list value a APPEND/SUBTRACT starts from: the override, else the effective value. */
    private List<String> listValue(ConfigResource r, String key, Map<String, String> overrides) {
        String v = overrides.get(key);
        if (v == null) {
            if (r.type() == ConfigResource.Type.TOPIC) {
                v = TopicConfigs.resolve(Map.of(), layers(image)).get(key);
            } else if (r.type() == ConfigResource.Type.GROUP) {
                v = GroupConfigs.definition().key(key).defaultText();
            } else {
                BrokerConfigLayers l = image.brokerLayers(Math.max(0, brokerIdOf(r)), config.originals());
                ConfigEntry.Synonym s = l.lookup(key);
                v = s != null ? s.value() : BrokerConfigs.definition().key(key).defaultText();
            }
        }
        return v == null ? List.of() : splitList(v);
    }

    private static List<String> splitList(String v) {
        List<String> out = new ArrayList<>();
        for (String s : v.split(",")) {
            String t = s.trim();
            if (!t.isEmpty()) out.add(t);
        }
        return out;
    }

    private void supported(ConfigResource r) {
        switch (r.type()) {
            case TOPIC -> {
                if (image.topic(r.name()) == null) throw unknownTopic(r.name());
            }
            case BROKER -> brokerIdOf(r);
            case GROUP -> {
                if (r.name().isEmpty()) throw new ApiException(Errors.INVALID_REQUEST, "Group id must not be empty.");
            }
            default -> throw new ApiException(Errors.INVALID_REQUEST, "Unsupported resource type " + r.type()
                    + " for resource " + r.name());
        }
    }

    /** Validates the complete new dynamic config of a resource. */
    private void checkResource(ConfigResource r, Map<String, String> next) {
        if (r.type() == ConfigResource.Type.TOPIC) {
            TopicConfigs.validate(next, layers(image));
        } else if (r.type() == ConfigResource.Type.GROUP) {
            GroupConfigs.validate(next, layers(image));
        } else {
            Map<String, String> changed = new HashMap<>();
            Map<String, String> current = image.configs(r);
            for (Map.Entry<String, String> e : next.entrySet()) {
                if (!e.getValue().equals(current.get(e.getKey()))) changed.put(e.getKey(), e.getValue());
            }
            BrokerConfigs.validateDynamic(changed);
        }
    }

    private static ConfigDef definitionOf(ConfigResource r) {
        return switch (r.type()) {
            case TOPIC -> TopicConfigs.definition();
            case GROUP -> GroupConfigs.definition();
            default -> BrokerConfigs.definition();
        };
    }

    /** -1 for the cluster default (""), else the broker id; INVALID_REQUEST for a malformed name. */
    private static int brokerIdOf(ConfigResource r) {
        if (r.name().isEmpty()) return -1;
        try {
            int id = Integer.parseInt(r.name());
            if (id < 0) throw new NumberFormatException();
            return id;
        } catch (NumberFormatException e) {
            throw new ApiException(Errors.INVALID_REQUEST, "Invalid broker name '" + r.name() + "': expected a broker id or \"\"");
        }
    }

    private static ApiException unknownTopic(String name) {
        return new ApiException(Errors.UNKNOWN_TOPIC_OR_PARTITION, "The topic '" + name + "' does not exist.");
    }

    private BrokerConfigLayers layers(MetadataImage img) {
        return img.brokerLayers(config.nodeId(), config.originals());
    }

    // ---------------------------------------------------------------- commit and publish (controller thread)

    /** Commits {@code records}; null on success, else the error every item of the batch gets. */
    private ApiError commitOrError(List<Message> records) {
        try {
            commit(records);
            maybeSnapshot();
            return null;
        } catch (ApiException e) {
            return new ApiError(e.error(), e.getMessage());
        } catch (IOException e) {
            log.error("Failed to write to the metadata log", e);
            return ApiError.of(Errors.UNKNOWN_SERVER_ERROR, "Failed to write to the metadata log: " + e.getMessage());
        }
    }

    /** Dry-run replay, append (durable), publish. */
    private void commit(List<Message> records) throws IOException {
        if (records.isEmpty()) return;
        if (quorum != null) {
            commitReplicated(records);
            return;
        }
        MetadataImage before = image;
        MetadataDelta delta = new MetadataDelta(before).replayAll(records);
        long base = metadataLog.append(records);
        if (base != before.offset()) {
            throw new IllegalStateException("metadata log appended at " + base + " but the image is at " + before.offset());
        }
        publish(delta.apply());
    }

    private void publish(MetadataImage next) {
        MetadataImage prev = image;
        image = next;
        for (MetadataListener l : listeners) notify(l, prev, next);
    }

    private static void notify(MetadataListener l, MetadataImage prev, MetadataImage next) {
        try {
            l.onImage(prev, next);
        } catch (RuntimeException e) {
            log.error("Metadata listener {} failed", l, e);
        }
    }

    private void maybeSnapshot() {
        if (quorum != null) return; // the quorum snapshots on its own triggers
        if (metadataLog.bytesSinceSnapshot() < config.metadataSnapshotMaxNewRecordBytes()) return;
        try {
            writeSnapshot();
        } catch (IOException e) {
            // the log still holds everything; the next commit tries again
            log.warn("Failed to write a metadata snapshot", e);
        }
    }

    private void writeSnapshot() throws IOException {
        if (quorum != null) return;
        MetadataImage img = image;
        metadataLog.snapshot(img.offset(), img.toRecords());
        log.info("Wrote metadata snapshot at offset {}", img.offset());
    }

    private <T> CompletableFuture<T> submit(Callable<T> op) {
        CompletableFuture<T> f = new CompletableFuture<>();
        if (closed) {
            f.completeExceptionally(new ApiException(Errors.NOT_CONTROLLER, "The metadata controller is shut down."));
            return f;
        }
        try {
            executor.execute(() -> {
                try {
                    if (quorum != null) {
                        if (!quorum.isActive()) throw notController();
                        refreshImage();
                    }
                    f.complete(op.call());
                } catch (Throwable t) {
                    f.completeExceptionally(t);
                }
            });
        } catch (RejectedExecutionException e) {
            f.completeExceptionally(new ApiException(Errors.NOT_CONTROLLER, "The metadata controller is shut down."));
        }
        return f;
    }

    // ---------------------------------------------------------------- the replicated log (cluster mode)

    static final long PROPOSE_TIMEOUT_MS = 30_000;

    private ApiException notController() {
        int leader = quorum.leaderId();
        return new ApiException(Errors.NOT_CONTROLLER, leader < 0 || leader == config.nodeId()
                ? "There is no active controller at the moment." : "The active controller is node " + leader + ".");
    }

    /** Moves {@link #image} forward to the quorum's applied image (never back). */
    private synchronized void refreshImage() {
        MetadataImage q = quorum.image();
        if (q.offset() > image.offset()) image = q;
    }

    /** Quorum event thread: every applied batch, on every node. */
    private void onReplicatedImage(MetadataImage previous, MetadataImage current) {
        refreshImage();
        MetadataImage prev;
        synchronized (this) {
            prev = published;
        }
        for (MetadataListener l : listeners) notify(l, prev, current);
        List<CompletableFuture<Void>> ready = new ArrayList<>();
        synchronized (this) {
            published = current;
            notifyAll();
            var done = offsetWaiters.headMap(current.offset(), true);
            done.values().forEach(ready::addAll);
            done.clear();
        }
        ready.forEach(f -> f.complete(null));
    }

    /** Futures waiting for this node's listeners to have seen an image offset (guarded by {@code this}). */
    private final TreeMap<Long, List<CompletableFuture<Void>>> offsetWaiters = new TreeMap<>();

    /** Completes once this node's listeners have seen an image at {@code offset} or later (or after a timeout). */
    private CompletableFuture<Void> awaitPublished(long offset) {
        CompletableFuture<Void> f = new CompletableFuture<>();
        synchronized (this) {
            if (published.offset() >= offset) return CompletableFuture.completedFuture(null);
            offsetWaiters.computeIfAbsent(offset, k -> new ArrayList<>()).add(f);
        }
        return f.completeOnTimeout(null, FORWARDED_APPLY_WAIT_MS, TimeUnit.MILLISECONDS);
    }

    /**
     * How long a forwarded operation's answer waits for this node to apply the change. A node cut off
     * from the quorum (its forwarding still works: broker requests travel apart from Raft traffic) would
     * otherwise hold every answer; after this the answer goes out, as Kafka's forwarding does not wait.
     */
    static final long FORWARDED_APPLY_WAIT_MS = 5_000;

    /** In a cluster, on a node that is not the active controller: operations go to the one that is. */
    private boolean forwarding() {
        return quorum != null && !quorum.isActive() && !closed;
    }

    private interface ReplyReader<T> {
        T read(java.io.DataInputStream in) throws IOException;
    }

    /**
     * Sends an operation to the active controller and completes with its results once this node has
     * applied the change (so the caller, e.g. a CreateTopics handler checking its partitions, sees it).
     * No controller answering (an election, no majority) is NOT_CONTROLLER, as Kafka's forwarding.
     */
    private <T> CompletableFuture<T> forward(byte[] request, ReplyReader<T> reader) {
        CompletableFuture<byte[]> sent;
        try {
            sent = quorum.sendToController(request);
        } catch (RuntimeException e) {
            sent = CompletableFuture.failedFuture(e);
        }
        return sent.handle((bytes, err) -> {
            if (err != null) {
                Throwable t = err;
                while (t instanceof java.util.concurrent.CompletionException && t.getCause() != null) t = t.getCause();
                if (t instanceof ApiException ae) throw ae;
                throw new ApiException(Errors.NOT_CONTROLLER, "No active controller answered: " + t.getMessage());
            }
            return ForwardedOperations.reply(bytes);
        }).thenCompose(r -> awaitPublished(r.offset()).thenApply(v -> {
            try {
                return reader.read(r.results());
            } catch (IOException e) {
                throw new ApiException(Errors.UNKNOWN_SERVER_ERROR, "Bad reply from the active controller: " + e.getMessage());
            }
        }));
    }

    /**
     * Dry-run replay, propose, then wait until this node's listeners have seen the batch, so a caller
     * that completes after it sees its outcome (as on a single node).
     */
    private void commitReplicated(List<Message> records) {
        new MetadataDelta(image).replayAll(records);
        long end;
        try {
            end = quorum.propose(records).get(PROPOSE_TIMEOUT_MS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiException(Errors.REQUEST_TIMED_OUT, "Interrupted while the metadata change was being committed.");
        } catch (java.util.concurrent.TimeoutException e) {
            throw new ApiException(Errors.REQUEST_TIMED_OUT, "The metadata change was not committed within "
                    + PROPOSE_TIMEOUT_MS + " ms; it may still be.");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof ApiException ae) throw ae;
            throw new ApiException(Errors.UNKNOWN_SERVER_ERROR, "Metadata change failed: " + e.getCause());
        }
        refreshImage();
        // real time on purpose (not the injected clock): it bounds how long this thread blocks. The simulation's quorum
        // has its listeners see a batch before the proposal's future completes, so there it never waits.
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(PROPOSE_TIMEOUT_MS);
        synchronized (this) {
            while (published.offset() < end && System.nanoTime() < deadline && !closed) {
                try {
                    wait(100);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /** Controller thread: this node just became the active controller. */
    private void onActivate() {
        if (!quorum.isActive()) return;
        refreshImage();
        heartbeats.takeOver(image.brokers().keySet());
        if (image.clusterId() == null) {
            ClusterRecord c = new ClusterRecord();
            Uuid configured = config.clusterId();
            c.clusterId = configured != null ? configured : ids.get();
            try {
                commit(List.of(c));
                log.info("Formatted the replicated metadata log with cluster id {}", c.clusterId);
            } catch (IOException | RuntimeException e) {
                log.warn("Could not write the cluster id: {}", e.toString());
            }
        }
    }

    /** Controller thread: this node stopped being the active controller. */
    private void onDeactivate() {
        heartbeats.clear();
    }

    /** A Ratis thread on the leader: a broker's registration or heartbeat, answered from the controller thread. */
    private CompletableFuture<byte[]> handleBrokerRequest(byte[] bytes) {
        if (ForwardedOperations.isForwarded(bytes)) return ForwardedOperations.execute(this, bytes);
        BrokerLifecycleMessages.Request req;
        try {
            req = BrokerLifecycleMessages.decodeRequest(bytes);
        } catch (IllegalArgumentException e) {
            return CompletableFuture.failedFuture(e);
        }
        return switch (req) {
            case BrokerLifecycleMessages.Register r -> submit(() -> doRegisterReplicated(r.brokerId(), r.incarnationId(),
                    List.copyOf(r.endpoints()), r.rack())).handle((reg, err) -> BrokerLifecycleMessages.encode(err == null
                    ? new BrokerLifecycleMessages.RegisterReply(Errors.NONE, null, reg.epoch())
                    : new BrokerLifecycleMessages.RegisterReply(errorOf(err).error(), errorOf(err).message(), -1)));
            case BrokerLifecycleMessages.Heartbeat h -> {
                heartbeats.received(h.brokerId(), h.brokerEpoch()); // counts from now, however long the queue (BrokerHeartbeats)
                yield submit(() -> doHeartbeat(h)).handle((reply, err) ->
                    BrokerLifecycleMessages.encode(err == null ? reply
                            : new BrokerLifecycleMessages.HeartbeatReply(errorOf(err).error(), errorOf(err).message(), true, false)));
            }
            case BrokerLifecycleMessages.AlterPartition a -> submit(() -> elections().alterPartition(a)).handle((w, err) ->
                    BrokerLifecycleMessages.encode(err == null ? w
                            : new BrokerLifecycleMessages.AlterPartitionWire(alterPartitionError(errorOf(err)), -1)));
        };
    }

    private static ApiError errorOf(Throwable t) {
        while ((t instanceof java.util.concurrent.CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return ApiError.fromThrowable(t);
    }

    /**
     * A registration in a cluster: a new incarnation gets a new broker epoch (the offset of its
     * registration record) and starts fenced; the same incarnation again (a retry) gets its registration
     * back. Another incarnation of an id whose session is alive is DUPLICATE_BROKER_REGISTRATION.
     */
    private BrokerRegistration doRegisterReplicated(int brokerId, Uuid incarnation, List<BrokerRegistration.Endpoint> eps,
                                                    String rack) throws IOException {
        if (brokerId < 0) throw new ApiException(Errors.INVALID_REGISTRATION, "Invalid broker id " + brokerId);
        BrokerRegistration current = image.broker(brokerId);
        if (current != null && current.incarnationId().equals(incarnation)) {
            heartbeats.touch(brokerId);
            return current;
        }
        if (current != null && !current.fenced() && heartbeats.heardFromWithinSession(brokerId)) {
            throw new ApiException(Errors.DUPLICATE_BROKER_REGISTRATION, "Another broker is registered with id " + brokerId
                    + " (incarnation " + current.incarnationId() + ") and its session has not expired.");
        }
        // a live earlier incarnation is gone: it leaves ISRs and leaderships as on fencing, before the new
        // registration; one that did not complete a controlled shutdown may have lost unflushed records, so
        // it also leaves every ELR (KIP-966's unclean shutdown rule)
        boolean uncleanRestart = current != null && !current.cleanShutdown();
        List<Message> records = new ArrayList<>(current != null && (!current.fenced() || uncleanRestart)
                ? partitionsWithout(brokerId).fence(brokerId, uncleanRestart) : List.of());
        BrokerRegistration next = new BrokerRegistration(brokerId, image.offset() + records.size(), incarnation, eps, rack, true);
        records.add(MetadataDelta.toRecord(next));
        commit(records);
        heartbeats.registered(brokerId);
        log.info("Registered broker {} with epoch {} (fenced until it has caught up)", brokerId, next.epoch());
        return image.broker(brokerId);
    }

    /**
     * A heartbeat: refreshes the broker's session; unfences it once it has applied the log up to its own
     * registration; a controlled shutdown request fences it and moves the leadership of its partitions to
     * other in-sync replicas, then allows it to stop. Only changes write to the log.
     */
    private BrokerLifecycleMessages.HeartbeatReply doHeartbeat(BrokerLifecycleMessages.Heartbeat h) throws IOException {
        BrokerRegistration b = image.broker(h.brokerId());
        if (b == null) throw new ApiException(Errors.BROKER_ID_NOT_REGISTERED, "Broker " + h.brokerId() + " is not registered.");
        if (b.epoch() != h.brokerEpoch()) {
            throw new ApiException(Errors.STALE_BROKER_EPOCH, "Broker " + h.brokerId() + " has epoch " + b.epoch()
                    + ", not " + h.brokerEpoch() + ".");
        }
        heartbeats.touch(b.id());
        if (h.wantShutdown()) {
            if (heartbeats.startShutdown(b.id())) log.info("Broker {} asked for a controlled shutdown", b.id());
            // fenced (and marked clean) first, then allowed: a fence whose commit failed is tried again on the next
            // request, and the broker is not told it may stop until it went through
            if (!b.fenced() || !b.cleanShutdown()) commit(fenceRecords(b, true));
            return new BrokerLifecycleMessages.HeartbeatReply(Errors.NONE, null, true, true);
        }
        if (b.fenced() && h.appliedOffset() > b.epoch() && !heartbeats.shuttingDown(b.id())) {
            List<Message> records = new ArrayList<>();
            records.add(MetadataDelta.toRecord(new BrokerRegistration(b.id(), b.epoch(), b.incarnationId(), b.endpoints(),
                    b.rack(), false)));
            // leaderless partitions whose ISR holds it (or, with unclean election, any replica of it) elect it
            List<Message> elections = partitions(id -> id == b.id() || live(id)).electLeaderless();
            records.addAll(elections);
            commit(records);
            log.info("Unfenced broker {} (epoch {}): it has caught up with the metadata log", b.id(), b.epoch());
            if (!elections.isEmpty()) log.info("{} leaderless partition(s) elected a leader", elections.size());
        }
        return new BrokerLifecycleMessages.HeartbeatReply(Errors.NONE, null, image.broker(b.id()).fenced(), false);
    }

    /** How often sessions are checked when liveness probes are on. */
    static final long SESSION_CHECK_WITH_PROBES_MS = 100;
    /** How long a liveness probe waits for the connection to be accepted. */
    static final int PROBE_TIMEOUT_MS = 1000;

    /**
     * Controller thread, periodically: fences every unfenced broker whose session expired, and probes every
     * unfenced broker whose heartbeat is late ({@link BrokerHeartbeats#startProbe}, {@link BrokerProber}).
     */
    private void checkBrokerSessions() {
        if (quorum == null || closed || !quorum.isActive()) return;
        refreshImage();
        for (BrokerRegistration b : image.brokers().values()) {
            if (b.fenced()) continue;
            heartbeats.countArrival(b.id(), b.epoch());
            if (!heartbeats.alive(b.id())) {
                log.info("Fencing broker {}: no heartbeat within broker.session.timeout.ms", b.id());
                if (!fence(b)) return;
                continue;
            }
            if (prober != null && !b.endpoints().isEmpty()) {
                java.util.OptionalLong token = heartbeats.startProbe(b.id());
                if (token.isPresent()) probe(b, token.getAsLong(), "no heartbeat for over broker.heartbeat.interval.ms");
            }
        }
    }

    /**
     * Something on this node (a follower fetcher) failed to reach broker {@code id}. If this node is the active
     * controller and the liveness probe is on, the broker is probed now rather than once its heartbeat is late;
     * the same rule decides (only a refused connection fences it). Any thread; returns at once.
     */
    public void suspectBroker(int id) {
        if (prober == null || closed) return;
        try {
            executor.execute(() -> {
                if (closed || !quorum.isActive()) return;
                refreshImage();
                BrokerRegistration b = image.broker(id);
                if (b == null || b.fenced() || b.endpoints().isEmpty()) return;
                java.util.OptionalLong token = heartbeats.startSuspicionProbe(id);
                if (token.isPresent()) probe(b, token.getAsLong(), "a connection from this node to it failed");
            });
        } catch (RejectedExecutionException e) {
            // shut down
        }
    }

    /** Runs the session check once on the controller thread (tests; it also runs periodically). */
    CompletableFuture<Void> checkBrokerSessionsNow() {
        return submit(() -> {
            checkBrokerSessions();
            return null;
        });
    }

    /** Completes once every task queued on the controller thread before it has run (tests). */
    CompletableFuture<Void> sync() {
        return submit(() -> null);
    }

    /** Commits the fencing of {@code b}; false (logged) when that failed. */
    private boolean fence(BrokerRegistration b) {
        try {
            commit(fenceRecords(b));
            return true;
        } catch (IOException | RuntimeException e) {
            log.warn("Could not fence broker {}: {}", b.id(), e.toString());
            return false;
        }
    }

    /** Probes {@code b}'s first registered listener off this thread; the outcome comes back to this thread. */
    private void probe(BrokerRegistration b, long token, String why) {
        BrokerRegistration.Endpoint ep = b.endpoints().get(0);
        log.debug("Probing broker {} at {}:{}: {}", b.id(), ep.host(), ep.port(), why);
        CompletableFuture<BrokerProber.Outcome> f;
        try {
            f = prober.probe(ep.host(), ep.port(), PROBE_TIMEOUT_MS);
        } catch (RuntimeException e) {
            f = CompletableFuture.completedFuture(BrokerProber.Outcome.NO_ANSWER);
        }
        f.whenComplete((outcome, err) -> {
            BrokerProber.Outcome o = err == null && outcome != null ? outcome : BrokerProber.Outcome.NO_ANSWER;
            try {
                executor.execute(() -> onProbed(b.id(), b.epoch(), ep, token, o));
            } catch (RejectedExecutionException e) {
                // shut down
            }
        });
    }

    /**
     * Controller thread: a probe's outcome. A refused connection fences the broker exactly as session expiry does,
     * if it is still the same unfenced registration and has not been heard from since the probe started; anything
     * else leaves it to the session timeout.
     */
    private void onProbed(int id, long epoch, BrokerRegistration.Endpoint ep, long token, BrokerProber.Outcome outcome) {
        heartbeats.countArrival(id, epoch);
        boolean silent = heartbeats.probeDone(id, token);
        if (closed || !quorum.isActive()) return;
        if (outcome != BrokerProber.Outcome.REFUSED) {
            log.debug("Broker {}: liveness probe of {}:{}: {}", id, ep.host(), ep.port(), outcome);
            return;
        }
        refreshImage();
        BrokerRegistration b = image.broker(id);
        if (!silent || b == null || b.fenced() || b.epoch() != epoch) return;
        log.info("Fencing broker {}: its listener {}:{} refuses connections (its process is gone) and it has not "
                + "heartbeated since the probe started", id, ep.host(), ep.port());
        fence(b);
    }

    /**
     * The records that fence {@code b}: its registration with fenced set (same epoch), then the partition
     * changes of {@link PartitionControl#fence}: it leaves every ISR (a sole member stays), and partitions
     * it led elect another live ISR member, else have no leader (or, with unclean election, elect a live
     * out-of-sync replica).
     */
    private List<Message> fenceRecords(BrokerRegistration b) {
        return fenceRecords(b, false);
    }

    /** {@link #fenceRecords(BrokerRegistration)}; {@code cleanShutdown} marks a controlled shutdown (KIP-966). */
    private List<Message> fenceRecords(BrokerRegistration b, boolean cleanShutdown) {
        List<Message> out = new ArrayList<>();
        out.add(MetadataDelta.toRecord(new BrokerRegistration(b.id(), b.epoch(), b.incarnationId(), b.endpoints(), b.rack(), true,
                cleanShutdown)));
        out.addAll(partitionsWithout(b.id()).fence(b.id()));
        return out;
    }

    // ---------------------------------------------------------------- partitions: ISR and elections (controller thread)

    /**
     * Whether broker {@code id} may lead or join an ISR: registered, unfenced and not in a controlled
     * shutdown.
     */
    private boolean live(int id) {
        BrokerRegistration b = image.broker(id);
        return b != null && !b.fenced() && (heartbeats == null || !heartbeats.shuttingDown(id));
    }

    /** Whether {@code unclean.leader.election.enable} is in effect for the topic: its own, else the broker's. */
    private boolean uncleanEnabled(String topic) {
        return TopicConfigs.resolveTyped(image.topicConfigs(topic), layers(image))
                .getBoolean(TopicConfigs.UNCLEAN_LEADER_ELECTION_ENABLE);
    }

    /** The {@code min.insync.replicas} in effect for the topic: its own, else the broker's. */
    private int minIsr(String topic) {
        return TopicConfigs.resolveTyped(image.topicConfigs(topic), layers(image)).getInt(TopicConfigs.MIN_IN_SYNC_REPLICAS);
    }

    private PartitionControl partitions(IntPredicate live) {
        return new PartitionControl(image, live, this::uncleanEnabled, this::minIsr);
    }

    /** The rules with {@code broker} no longer live (it is being fenced). */
    private PartitionControl partitionsWithout(int broker) {
        return partitions(id -> id != broker && live(id));
    }

    /** The AlterPartition, ElectLeaders, rebalance and unclean-election operations on the current image. */
    private ReplicaElections elections() {
        return new ReplicaElections(() -> image, this::live, this::uncleanEnabled, this::minIsr, this::commitOrError);
    }

    /**
     * Controller thread, every {@code leader.imbalance.check.interval.seconds} on the active controller:
     * moves leadership back to preferred replicas ({@link ReplicaElections#rebalance}).
     */
    private void rebalanceLeaders() {
        try {
            if (closed || (quorum != null && !quorum.isActive())) return;
            if (quorum != null) refreshImage();
            elections().rebalance(config.values().getInt(BrokerConfigs.LEADER_IMBALANCE_PER_BROKER_PERCENTAGE));
        } catch (RuntimeException e) {
            log.warn("Auto leader rebalance failed: {}", e.toString());
        }
    }
}
