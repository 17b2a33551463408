package io.runnel.broker;

import io.runnel.broker.cluster.ClusterConfigCheck;
import io.runnel.config.BrokerConfigs;
import io.runnel.metadata.MetadataController;
import io.runnel.quorum.QuorumConfig;
import io.runnel.quorum.QuorumNode;
import io.runnel.quorum.QuorumTls;
import io.runnel.quorum.QuorumTuning;
import io.runnel.quorum.RaftMetadataQuorum;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A dedicated controller ({@code process.roles=controller}, Kafka's controller-only node): a voter of the
 * metadata quorum ({@link QuorumNode}) running the {@link MetadataController}, which becomes the active
 * controller when this node leads. Nothing of a broker: no partition logs, no group or transaction
 * coordinators, no registration or heartbeats, no Kafka listener. Brokers reach it through the quorum
 * (registration, heartbeats, AlterPartition and forwarded admin requests: docs/cluster.md). On disk it has
 * the replicated metadata log and meta.properties under its metadata log directory, nothing else.
 *
 * <p>{@link #close()} (SIGTERM) hands the active controller role to another voter first, as a combined node does.
 */
public final class ControllerServer implements RunnelNode {
    private static final Logger log = LoggerFactory.getLogger(ControllerServer.class);

    private final BrokerConfigs config;
    private QuorumNode quorumNode;
    private MetadataController controller;
    private InetSocketAddress bound;
    private boolean closed;

    public ControllerServer(BrokerConfigs config) {
        if (config.isBroker() || !config.clusterMode()) {
            throw new IllegalArgumentException("a dedicated controller needs process.roles=controller and controller.quorum.voters");
        }
        this.config = config;
    }

    @Override
    public synchronized void startup() throws Exception {
        ClusterConfigCheck.checkDataDirectory(config);
        QuorumConfig quorumConfig = ClusterConfigCheck.check(config);
        QuorumTls quorumTls = ClusterConfigCheck.quorumTls(config);
        quorumNode = QuorumNode.start(quorumConfig, QuorumTuning.DEFAULT, quorumTls);
        if (quorumTls != null) log.info("The metadata quorum's connections use {} (controller listener {})", quorumTls,
                config.controllerListenerNames().get(0));
        controller = MetadataController.startReplicated(config, new RaftMetadataQuorum(quorumNode, config.controllerListenerNames().get(0)));
        controller.addListener(ClusterConfigCheck.metaPropertiesWriter(config)).get(60, TimeUnit.SECONDS);
        QuorumConfig.Voter self = quorumConfig.self();
        bound = new InetSocketAddress(self.host(), self.port());
        log.info("Node {} started in the metadata quorum {} as a voter: a dedicated controller (no broker, no client listener)",
                config.nodeId(), quorumConfig.voters());
    }

    @Override
    public List<InetSocketAddress> boundListeners() {
        return bound == null ? List.of() : List.of(bound);
    }

    @Override
    public MetadataController controller() {
        return controller;
    }

    @Override
    public QuorumNode quorumNode() {
        return quorumNode;
    }

    /**
     * If {@code node} is the active controller, hands the role to another voter of {@code config}'s quorum (the
     * first that takes it), so the cluster does not wait for an election. For a clean shutdown.
     */
    static void handOverActiveController(QuorumNode node, BrokerConfigs config) {
        if (node == null || !node.isActive()) return;
        for (QuorumConfig.Voter v : ClusterConfigCheck.check(config).voters()) {
            if (v.id() == config.nodeId()) continue;
            try {
                node.transferLeadership(v.id()).get(10, TimeUnit.SECONDS);
                log.info("Handed the active controller role to node {}", v.id());
                return;
            } catch (Exception e) {
                log.info("Could not hand the active controller role to node {}: {}", v.id(), e.toString());
            }
        }
    }

    @Override
    public void close() {
        stop(true);
    }

    @Override
    public void halt() {
        stop(false);
    }

    private synchronized void stop(boolean handOver) {
        if (closed) return;
        closed = true;
        if (handOver) {
            try {
                handOverActiveController(quorumNode, config);
            } catch (RuntimeException e) {
                log.warn("Handing over the active controller role failed: {}", e.toString());
            }
        }
        BrokerServer.closeQuietly("metadata", controller);
        BrokerServer.closeQuietly("quorum", quorumNode);
        log.info("Controller stopped");
    }
}
