package io.runnel.broker;

import io.runnel.broker.group.GroupSupport;
import io.runnel.broker.group.ImageGroupConfigView;
import io.runnel.broker.group.ImageTopicView;
import io.runnel.broker.group.OffsetsTopicLog;
import io.runnel.broker.handler.ApiVersionsHandler;
import io.runnel.broker.handler.BrokerFeatures;
import io.runnel.broker.handler.group.ConsumerGroupDescribeHandler;
import io.runnel.broker.handler.txn.DescribeProducersHandler;
import io.runnel.broker.handler.txn.WriteTxnMarkersHandler;
import io.runnel.broker.handler.group.ConsumerGroupHeartbeatHandler;
import io.runnel.broker.handler.group.DeleteGroupsHandler;
import io.runnel.broker.handler.group.DescribeGroupsHandler;
import io.runnel.broker.handler.group.FindCoordinatorHandler;
import io.runnel.broker.handler.group.HeartbeatHandler;
import io.runnel.broker.handler.group.JoinGroupHandler;
import io.runnel.broker.handler.group.LeaveGroupHandler;
import io.runnel.broker.handler.group.ListGroupsHandler;
import io.runnel.broker.handler.group.OffsetCommitHandler;
import io.runnel.broker.handler.group.OffsetDeleteHandler;
import io.runnel.broker.handler.group.OffsetFetchHandler;
import io.runnel.broker.handler.group.SyncGroupHandler;
import io.runnel.group.GroupCoordinator;
import io.runnel.group.GroupCoordinatorConfig;
import io.runnel.broker.handler.admin.AlterConfigsHandler;
import io.runnel.broker.handler.admin.CreatePartitionsHandler;
import io.runnel.broker.handler.admin.CreateTopicsHandler;
import io.runnel.broker.handler.admin.DeleteTopicsHandler;
import io.runnel.broker.handler.admin.DescribeClusterHandler;
import io.runnel.broker.handler.admin.DescribeQuorumHandler;
import io.runnel.broker.handler.admin.UnregisterBrokerHandler;
import io.runnel.broker.handler.admin.ElectLeadersHandler;
import io.runnel.broker.handler.admin.AlterPartitionReassignmentsHandler;
import io.runnel.broker.handler.admin.ListPartitionReassignmentsHandler;
import io.runnel.broker.handler.admin.DescribeConfigsHandler;
import io.runnel.broker.handler.admin.IncrementalAlterConfigsHandler;
import io.runnel.broker.handler.admin.InitProducerIdHandler;
import io.runnel.broker.handler.admin.UpdateFeaturesHandler;
import io.runnel.broker.handler.DeleteRecordsHandler;
import io.runnel.broker.handler.DescribeLogDirsHandler;
import io.runnel.broker.handler.OffsetForLeaderEpochHandler;
import io.runnel.broker.handler.FetchHandler;
import io.runnel.broker.handler.HandlerRegistry;
import io.runnel.broker.handler.ListOffsetsHandler;
import io.runnel.broker.handler.DescribeTopicPartitionsHandler;
import io.runnel.broker.handler.MetadataHandler;
import io.runnel.broker.handler.ProduceHandler;
import io.runnel.broker.cluster.AlterPartitionBatcher;
import io.runnel.broker.cluster.BrokerLifecycleManager;
import io.runnel.broker.cluster.ClusterConfigCheck;
import io.runnel.broker.handler.txn.AddOffsetsToTxnHandler;
import io.runnel.broker.handler.txn.AddPartitionsToTxnHandler;
import io.runnel.broker.handler.txn.DescribeTransactionsHandler;
import io.runnel.broker.handler.txn.EndTxnHandler;
import io.runnel.broker.handler.txn.ListTransactionsHandler;
import io.runnel.broker.handler.txn.TxnOffsetCommitHandler;
import io.runnel.broker.network.NettyServer;
import io.runnel.broker.handler.security.SaslAuthenticateHandler;
import io.runnel.broker.handler.security.SaslHandshakeHandler;
import io.runnel.broker.security.SaslAuthenticator;
import io.runnel.broker.handler.admin.AlterUserScramCredentialsHandler;
import io.runnel.broker.quota.ClientQuotaManager;
import io.runnel.broker.quota.QuotaHandlers;
import io.runnel.broker.handler.admin.DescribeUserScramCredentialsHandler;
import io.runnel.metadata.ScramCredential;
import io.runnel.config.SaslListenerConfig;
import io.runnel.common.security.SslFactory;
import io.runnel.broker.network.ServerTls;
import io.runnel.config.SslSettings;
import io.runnel.broker.interbroker.InterBrokerSecurity;
import io.runnel.broker.txn.ProducerIdAllocator;
import io.runnel.broker.txn.TransactionCoordinator;
import io.runnel.broker.txn.TxnSupport;
import io.runnel.broker.txn.LocalMarkerWriter;
import io.runnel.broker.txn.TxnMarkerChannelManager;
import io.runnel.broker.txn.TxnPartitionChecker;
import io.runnel.metadata.TopicImage;
import io.runnel.common.TopicPartition;
import io.runnel.txn.ProducerIdManager;
import io.runnel.txn.TxnCoordinatorConfig;
import io.runnel.broker.network.NetworkConfig;
import io.runnel.broker.partition.MetadataPublisher;
import io.runnel.broker.partition.ReplicaManager;
import io.runnel.broker.partition.ReplicationConfig;
import io.runnel.broker.partition.Partition;
import io.runnel.metadata.BrokerLifecycleMessages;
import io.runnel.metadata.PartitionState;
import io.runnel.common.Time;
import io.runnel.config.BrokerConfigLayers;
import io.runnel.config.BrokerConfigs;
import io.runnel.config.ConfigDef;
import io.runnel.config.ConfigEntry;
import io.runnel.metadata.BrokerRegistration;
import io.runnel.metadata.MetadataController;
import io.runnel.quorum.QuorumConfig;
import io.runnel.quorum.QuorumNode;
import io.runnel.quorum.QuorumTls;
import io.runnel.quorum.QuorumTuning;
import io.runnel.quorum.RaftMetadataQuorum;
import io.runnel.metadata.NewTopic;
import io.runnel.storage.LogManager;
import io.runnel.storage.LogManagerConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import io.runnel.common.Uuid;
import io.runnel.common.Errors;
import java.util.concurrent.TimeUnit;

/**
 * One Runnel broker: metadata controller, partition logs, request handlers and listeners, started and
 * stopped in dependency order. {@link #close()} is the clean shutdown (stop accepting, flush, write the
 * clean-shutdown markers) that SIGTERM triggers.
 */
public final class BrokerServer implements RunnelNode {
    private static final Logger log = LoggerFactory.getLogger(BrokerServer.class);

    private final BrokerConfigs config;
    private MetadataController controller;
    private LogManager logManager;
    private ReplicaManager partitions;
    private NettyServer server;
    private GroupCoordinator groups;
    /** In a cluster: this node's member of the metadata quorum and its broker lifecycle; else null. */
    private QuorumNode quorumNode;
    private final AlterPartitionBatcher isrChanges = new AlterPartitionBatcher(this::sendIsrChanges);
    private BrokerLifecycleManager lifecycle;
    private TransactionCoordinator txns;
    private TxnMarkerChannelManager markerChannels;
    private io.runnel.broker.security.AuditLog auditLog;
    private io.runnel.broker.security.AuditTopic auditTopic;
    private TxnPartitionChecker txnChecker;
    private final List<InetSocketAddress> bound = new ArrayList<>();
    /** The SASL listeners' authenticators (an OAUTHBEARER JWKS one owns a fetching thread). */
    private final List<SaslAuthenticator> authenticators = new ArrayList<>();
    private boolean closed;

    public BrokerServer(BrokerConfigs config) {
        this.config = config;
    }

    @Override
    public synchronized void startup() throws Exception {
        int nodeId = config.nodeId();
        ClusterConfigCheck.checkDataDirectory(config);
        // TLS material is loaded and checked first: a bad store or password stops the start naming the key
        Map<String, ServerTls> tls = new HashMap<>();
        for (BrokerConfigs.Listener l : config.clientListeners()) {
            if (!config.isSsl(l.name())) continue;
            SslSettings settings = config.sslSettings(l.name());
            tls.put(l.name(), ServerTls.create(SslFactory.forServer(settings), settings)); // ssl.engine: OpenSSL or the JDK's
        }
        // this broker's own connections to other brokers' inter-broker listener: TLS when it is SSL or SASL_SSL (the same
        // listener's keys), then SASL when it is SASL_PLAINTEXT or SASL_SSL (sasl.mechanism.inter.broker.protocol, JAAS username/password)
        String interBrokerListener = config.interBrokerListenerName();
        SslFactory interBrokerSsl = config.clusterMode() && interBrokerListener != null && config.isSsl(interBrokerListener)
                ? SslFactory.forClient(config.sslSettings(interBrokerListener)) : null;
        InterBrokerSecurity interBrokerTls = InterBrokerSecurity.of(interBrokerSsl, config.interBrokerSasl());
        if (config.interBrokerSasl() != null) log.info("Inter-broker connections authenticate with {}", config.interBrokerSasl());
        if (config.clusterMode()) {
            QuorumConfig quorumConfig = ClusterConfigCheck.check(config);
            QuorumTls quorumTls = ClusterConfigCheck.quorumTls(config);
            quorumNode = QuorumNode.start(quorumConfig, QuorumTuning.DEFAULT, quorumTls);
            if (quorumTls != null) log.info("The metadata quorum's connections use {} (controller listener {})", quorumTls,
                    config.controllerListenerNames().get(0));
            controller = MetadataController.startReplicated(config, new RaftMetadataQuorum(quorumNode,
                    config.controllerListenerNames().isEmpty() ? "CONTROLLER" : config.controllerListenerNames().get(0)));
            log.info("Node {} started in the metadata quorum {} as a {}", nodeId, quorumConfig.voters(),
                    quorumConfig.isVoter() ? "voter" : "observer");
        } else {
            controller = MetadataController.start(config);
        }
        logManager = new LogManager(config.logDirs().stream().map(Path::of).toList(), Time.SYSTEM, LogManagerConfig.from(config.values()));
        partitions = new ReplicaManager(nodeId, logManager, ReplicationConfig.from(config), Time.SYSTEM);
        if (config.clusterMode()) {
            partitions.onLeaderUnreachable(controller::suspectBroker);
            partitions.startReplication(this::alterIsr, this::interBrokerEndpoint, () -> lifecycle == null ? -1 : lifecycle.epoch(),
                    interBrokerTls);
        }
        MetadataPublisher publisher = new MetadataPublisher(partitions, nodeId, config.originals());
        logManager.startup(topic -> publisher.logConfig(controller.image(), topic));
        BrokerContext broker = new BrokerContext(nodeId, config, publisher, topics -> controller
                .createTopics(topics.stream().map(t -> NewTopic.of(t, -1, -1)).toList(), false)
                .thenApply(r -> null), () -> config.clusterMode()
                ? BrokerContext.controllerIdForClients(controller.activeControllerId(), nodeId, controller.image().brokers())
                : controller.activeControllerId());

        GroupCoordinatorConfig groupConfig = GroupCoordinatorConfig.from(config.values());
        groups = GroupCoordinator.create(groupConfig, new OffsetsTopicLog(partitions, Time.SYSTEM), new ImageTopicView(publisher),
                new ImageGroupConfigView(publisher));
        GroupSupport groupSupport = new GroupSupport(groups, controller, broker);
        partitions.addLeadershipListener(groupSupport);
        ProducerIdAllocator producerIds = new ProducerIdAllocator(controller, ProducerIdAllocator.DEFAULT_BLOCK_SIZE);
        TxnCoordinatorConfig txnConfig = TxnCoordinatorConfig.from(config.values(), BrokerFeatures.TRANSACTION_VERSION);
        LocalMarkerWriter localMarkers = new LocalMarkerWriter(groups, partitions);
        markerChannels = new TxnMarkerChannelManager(nodeId, localMarkers, tp -> leaderOf(broker, tp), this::interBrokerEndpoint,
                (int) Math.min(Integer.MAX_VALUE, ReplicationConfig.from(config).lagTimeMaxMs() + 15_000), interBrokerTls);
        txns = TransactionCoordinator.create(txnConfig, new OffsetsTopicLog(partitions, Time.SYSTEM, TransactionCoordinator.TOPIC),
                new ProducerIdManager(producerIds), markerChannels, p -> {
                    var part = partitions.get(new TopicPartition(TransactionCoordinator.TOPIC, p));
                    return part == null ? -1 : part.leaderEpoch();
                });
        txnChecker = new TxnPartitionChecker(nodeId, txns, tp -> leaderOf(broker, tp), this::interBrokerEndpoint, 30_000, interBrokerTls);
        TxnSupport txnSupport = new TxnSupport(txns, groupSupport, controller, broker);
        partitions.addLeadershipListener(txnSupport);
        // a cluster's broker neither leads nor follows on the image it replays until it has caught up (docs/replication.md)
        if (config.clusterMode()) publisher.holdLeadershipUntilCaughtUp();
        controller.addListener((prev, cur) -> publisher.publish(cur)).get(60, TimeUnit.SECONDS);
        HandlerRegistry registry = new HandlerRegistry();
        ClientQuotaManager quotas = new ClientQuotaManager(broker::image, Time.SYSTEM,
                config.values().getInt("quota.window.num"), config.values().getInt("quota.window.size.seconds"));
        registry.quotas(quotas);
        if (config.authorizerEnabled()) {
            if (config.values().getBoolean(BrokerConfigs.AUDIT_LOG_ENABLE)) {
                auditLog = new io.runnel.broker.security.AuditLog(config.auditLogDir(),
                        config.values().getBoolean(BrokerConfigs.AUDIT_LOG_ALLOWED_ENABLE),
                        config.values().getLong(BrokerConfigs.AUDIT_LOG_MAX_BYTES), config.values().getInt(BrokerConfigs.AUDIT_LOG_MAX_FILES));
                log.info("Auditing authorization decisions in {}", auditLog.file());
                String auditTopicName = config.values().getString(BrokerConfigs.AUDIT_LOG_TOPIC);
                if (auditTopicName != null && !auditTopicName.isBlank()) {
                    auditTopic = new io.runnel.broker.security.AuditTopic(auditTopicName, new io.runnel.broker.security.AuditTopicAppender(
                            auditTopicName, nodeId, partitions, broker::image, t -> controller.createTopics(List.of(t), false),
                            this::interBrokerEndpoint, interBrokerTls), 30_000);
                    auditLog.topic(auditTopic);
                    log.info("Auditing authorization decisions to the topic {} too", auditTopicName);
                }
            }
            registry.authorization(new io.runnel.broker.security.Authorization(broker::image,
                    io.runnel.metadata.AclAuthorizer.parseSuperUsers(config.superUsers()), config.allowEveryoneIfNoAclFound(), auditLog));
            log.info("Authorization on ({}): super users {}, allow.everyone.if.no.acl.found={}", config.values().getString("authorizer.class.name"),
                    io.runnel.metadata.AclAuthorizer.parseSuperUsers(config.superUsers()), config.allowEveryoneIfNoAclFound());
        }
        BrokerFeatures features = BrokerFeatures.of(groupConfig.consumerProtocolEnabled());
        registry.register(new ApiVersionsHandler(registry, broker, features))
                .register(new UpdateFeaturesHandler(controller, broker, features))
                .register(new MetadataHandler(broker))
                .register(new DescribeTopicPartitionsHandler(broker))
                .register(QuotaHandlers.produce(new ProduceHandler(partitions, broker, produceCheck(txnChecker,
                        config.values().getBoolean(BrokerConfigs.TRANSACTION_PARTITION_VERIFICATION_ENABLE))), quotas))
                .register(QuotaHandlers.fetch(new FetchHandler(partitions, broker), quotas))
                .register(new ListOffsetsHandler(partitions))
                .register(new DeleteRecordsHandler(partitions))
                .register(new OffsetForLeaderEpochHandler(partitions))
                .register(new DescribeLogDirsHandler(logManager))
                .register(QuotaHandlers.createTopics(new CreateTopicsHandler(controller, broker), quotas))
                .register(QuotaHandlers.deleteTopics(new DeleteTopicsHandler(controller, broker), quotas, broker::image))
                .register(QuotaHandlers.createPartitions(new CreatePartitionsHandler(controller, broker), quotas, broker::image))
                .register(new DescribeConfigsHandler(controller, broker))
                .register(new AlterConfigsHandler(controller, broker))
                .register(new IncrementalAlterConfigsHandler(controller, broker))
                .register(new DescribeClusterHandler(controller, broker))
                .register(new DescribeQuorumHandler(controller))
                .register(new UnregisterBrokerHandler(controller))
                .register(new ElectLeadersHandler(controller))
                .register(new AlterPartitionReassignmentsHandler(controller))
                .register(new ListPartitionReassignmentsHandler(controller))
                .register(new InitProducerIdHandler(producerIds, txns))
                .register(new FindCoordinatorHandler(groups, txnSupport, txnConfig.stateLogPartitions()))
                .register(new AddPartitionsToTxnHandler(txns, groups.topics()))
                .register(new AddOffsetsToTxnHandler(txns))
                .register(new EndTxnHandler(txns))
                .register(new TxnOffsetCommitHandler(groups, txnChecker))
                .register(new DescribeTransactionsHandler(txns))
                .register(new ListTransactionsHandler(txns))
                .register(new JoinGroupHandler(groups))
                .register(new SyncGroupHandler(groups))
                .register(new HeartbeatHandler(groups))
                .register(new LeaveGroupHandler(groups))
                .register(new OffsetCommitHandler(groups))
                .register(new OffsetFetchHandler(groups))
                .register(new DescribeGroupsHandler(groups))
                .register(new ListGroupsHandler(groups))
                .register(new DeleteGroupsHandler(groups))
                .register(new OffsetDeleteHandler(groups))
                .register(new SaslHandshakeHandler())
                .register(new SaslAuthenticateHandler())
                .register(new AlterUserScramCredentialsHandler(controller))
                .register(new DescribeUserScramCredentialsHandler(broker))
                .register(new io.runnel.broker.handler.admin.AlterClientQuotasHandler(controller))
                .register(new io.runnel.broker.handler.admin.DescribeClientQuotasHandler(broker))
                .register(new io.runnel.broker.handler.security.CreateAclsHandler(controller))
                .register(new io.runnel.broker.handler.security.DescribeAclsHandler(broker))
                .register(new io.runnel.broker.handler.security.DeleteAclsHandler(controller));
        // the partition side of transactions (the coordinator's handlers are registered with the coordinator)
        registry.register(new WriteTxnMarkersHandler(localMarkers)).register(new DescribeProducersHandler(partitions));
        if (groupConfig.consumerProtocolEnabled()) {
            registry.register(new ConsumerGroupHeartbeatHandler(groups))
                    .register(new ConsumerGroupDescribeHandler(groups));
        }

        int threads = config.values().getInt(BrokerConfigs.NUM_NETWORK_THREADS);
        server = new NettyServer(Math.max(threads, Runtime.getRuntime().availableProcessors()), NetworkConfig.from(config));
        server.connectionRateQuota(quotas::recordConnectionAndGetThrottleMs);
        for (BrokerConfigs.Listener l : config.clientListeners()) {
            SaslListenerConfig sasl = config.saslListener(l.name());
            SaslAuthenticator authenticator = sasl == null ? null
                    : new SaslAuthenticator(sasl, (user, mechanism) -> {
                        ScramCredential c = broker.image().scramCredential(user, ScramCredential.mechanismId(mechanism));
                        return c == null ? null : new SaslAuthenticator.ScramLookup.Stored(c.salt(), c.storedKey(), c.serverKey(), c.iterations());
                    }, config.connectionsMaxReauthMs(), config.values().getInt(BrokerConfigs.SASL_SERVER_MAX_RECEIVE_SIZE));
            if (authenticator != null) authenticators.add(authenticator);
            bound.add(server.bind(l, registry, tls.get(l.name()), authenticator));
        }
        if (quorumNode != null) startLifecycle(publisher);
        // max.connections and max.connections.per.ip(.overrides) are dynamic broker configs
        controller.addListener((prev, cur) -> server.updateConnectionLimits(NetworkConfig.ConnectionLimits.from(
                key -> effective(cur.brokerLayers(nodeId, config.originals()), key))));
        // leftovers of deleted topics can take long to delete: only once the broker serves
        logManager.deleteMarkedDirsInBackground();
    }

    /**
     * Registers with the active controller and heartbeats from now on; writes meta.properties once the
     * cluster id is known. The listeners are bound first, so the registered endpoints are served.
     */
    private void startLifecycle(MetadataPublisher publisher) {
        List<BrokerRegistration.Endpoint> endpoints = MetadataController.endpointsOf(config);
        if (!bound.isEmpty()) {
            // a listener on port 0 registers the port it was given
            List<BrokerConfigs.Listener> ls = config.advertisedClientListeners();
            List<BrokerRegistration.Endpoint> fixed = new ArrayList<>();
            for (int i = 0; i < endpoints.size(); i++) {
                BrokerRegistration.Endpoint e = endpoints.get(i);
                int port = e.port() == 0 && i < bound.size() && config.values().getList(BrokerConfigs.ADVERTISED_LISTENERS) == null
                        ? bound.get(i).getPort() : e.port();
                fixed.add(new BrokerRegistration.Endpoint(e.listener(), e.host().isEmpty() ? "127.0.0.1" : e.host(), port,
                        e.securityProtocol()));
            }
            endpoints = fixed;
        }
        int nodeId = config.nodeId();
        controller.addListener(ClusterConfigCheck.metaPropertiesWriter(config));
        lifecycle = new BrokerLifecycleManager(nodeId, endpoints, config.rack(), new RaftMetadataQuorum(quorumNode),
                () -> publisher.image().offset(), config.values().getInt(BrokerConfigs.BROKER_HEARTBEAT_INTERVAL_MS));
        lifecycle.onRegistered(publisher::registered);
        lifecycle.start();
    }

    /** A leader's ISR change, sent to the active controller with this broker's epoch, batched with others (one in flight). */
    private CompletableFuture<ReplicaManager.IsrResult> alterIsr(Uuid topicId, int partition, int leaderEpoch, int partitionEpoch,
                                                                 List<Integer> newIsr) {
        return isrChanges.submit(new BrokerLifecycleMessages.IsrChange(topicId, partition, leaderEpoch, partitionEpoch, newIsr))
                .thenApply(r -> {
                    if (r.error() != Errors.NONE || r.state() == null) return new ReplicaManager.IsrResult(r.error(), null);
                    PartitionState ps = r.state();
                    return new ReplicaManager.IsrResult(Errors.NONE, new Partition.ReplicaState(ps.leader(), ps.leaderEpoch(),
                            ps.partitionEpoch(), ps.replicas(), ps.isr()));
                });
    }

    /** One AlterPartition to the active controller with {@code changes}; BROKER_ID_NOT_REGISTERED before registration. */
    private CompletableFuture<BrokerLifecycleMessages.AlterPartitionReply> sendIsrChanges(List<BrokerLifecycleMessages.IsrChange> changes) {
        BrokerLifecycleManager l = lifecycle;
        if (l == null) {
            return CompletableFuture.completedFuture(new BrokerLifecycleMessages.AlterPartitionReply(Errors.BROKER_ID_NOT_REGISTERED,
                    null, List.of()));
        }
        return controller.alterPartition(new BrokerLifecycleMessages.AlterPartition(config.nodeId(), l.epoch(), changes));
    }

    /** The leader of {@code tp} in this broker's metadata image (-1: none), or UNKNOWN_PARTITION. */
    private static int leaderOf(BrokerContext broker, TopicPartition tp) {
        TopicImage t = broker.image().topic(tp.topic());
        PartitionState ps = t == null ? null : t.partition(tp.partition());
        return ps == null ? TxnMarkerChannelManager.UNKNOWN_PARTITION : ps.leader();
    }

    /** Where followers fetch from broker {@code id}: its endpoint on the inter-broker listener, else its first one. */
    private InetSocketAddress interBrokerEndpoint(int id) {
        BrokerRegistration b = controller.image().broker(id);
        if (b == null || b.endpoints().isEmpty()) return null;
        String name = config.interBrokerListenerName();
        BrokerRegistration.Endpoint e = name == null ? null : BrokerContext.endpoint(b, name);
        if (e == null) e = b.endpoints().get(0);
        return InetSocketAddress.createUnresolved(e.host(), e.port());
    }

    /** The broker lifecycle in a cluster, or null on a single node. */
    public BrokerLifecycleManager lifecycle() {
        return lifecycle;
    }

    /** This node's member of the metadata quorum in a cluster, or null on a single node. */
    @Override
    public QuorumNode quorumNode() {
        return quorumNode;
    }

    /**
     * In a cluster, before stopping: a controlled shutdown (the controller fences this broker and moves
     * leadership of its partitions), then, if this node is the active controller, leadership of the
     * quorum is handed to another voter so the cluster does not wait for an election.
     */
    private void leaveCluster() {
        if (lifecycle != null) {
            lifecycle.controlledShutdown(Math.max(5_000, config.values().getInt(BrokerConfigs.BROKER_SESSION_TIMEOUT_MS)));
        }
        ControllerServer.handOverActiveController(quorumNode, config);
    }

    /** The typed value of a broker key through the dynamic and static layers, else its default. */
    private static Object effective(BrokerConfigLayers layers, String key) {
        ConfigEntry.Synonym s = layers.lookup(key);
        ConfigDef def = BrokerConfigs.definition();
        return s == null ? def.key(key).defaultValue() : def.parseValue(key, s.value());
    }

    /**
     * What Produce asks the transaction coordinator for a transactional batch: v12+ adds the partition (transaction
     * version 2); older versions verify it only when transaction.partition.verification.enable (KIP-890 part 1).
     */
    static ProduceHandler.TxnPartitionCheck produceCheck(TxnPartitionChecker txns, boolean verify) {
        return (id, pid, epoch, tp, add) -> add || verify
                ? txns.check(id, pid, epoch, tp, add)
                : java.util.concurrent.CompletableFuture.completedFuture(io.runnel.common.Errors.NONE);
    }

    /** The addresses the listeners are bound to, in listener order. */
    @Override
    public List<InetSocketAddress> boundListeners() {
        return List.copyOf(bound);
    }

    @Override
    public MetadataController controller() {
        return controller;
    }

    public ReplicaManager partitions() {
        return partitions;
    }

    public TransactionCoordinator transactions() {
        return txns;
    }

    /** Requests handed to handlers and not answered yet (none once closed). */
    public int requestsInFlight() {
        return server == null ? 0 : server.inFlightFrames().size();
    }

    @Override
    public void close() {
        stop(true);
    }

    @Override
    public void halt() {
        stop(false);
    }

    private synchronized void stop(boolean leave) {
        if (closed) return;
        closed = true;
        closeQuietly("audit topic", auditTopic); // no audit record is written while the broker stops
        if (leave) {
            try {
                leaveCluster();
            } catch (RuntimeException e) {
                log.warn("Controlled shutdown failed: {}", e.toString());
            }
        } else if (lifecycle != null) {
            log.info("Broker {} stops without a controlled shutdown", config.nodeId());
        }
        closeQuietly("lifecycle", lifecycle);
        closeQuietly("network", server);
        for (SaslAuthenticator a : authenticators) closeQuietly("SASL authenticator", a);
        closeQuietly("audit log", auditLog);
        closeQuietly("transactions", txns);
        closeQuietly("transaction markers", markerChannels);
        closeQuietly("transaction checks", txnChecker);
        closeQuietly("groups", groups);
        closeQuietly("partitions", partitions);
        closeQuietly("logs", logManager);
        closeQuietly("metadata", controller);
        closeQuietly("quorum", quorumNode);
        if (server != null) {
            // nothing handles requests any more: frames of requests whose operations were dropped unanswered go back
            List<String> abandoned = server.inFlightFrames().releaseAbandoned();
            if (!abandoned.isEmpty()) log.info("Released {} request(s) left unanswered at shutdown: {}", abandoned.size(), abandoned);
        }
        log.info("Broker stopped");
    }

    /** Closes {@code c} (if any), logging instead of throwing: shutdown goes on with the next part. */
    static void closeQuietly(String what, AutoCloseable c) {
        if (c == null) return;
        try {
            c.close();
        } catch (Exception e) {
            log.error("Error closing {}", what, e);
        }
    }
}
