package io.runnel.broker;

import io.runnel.config.BrokerConfigs;
import io.runnel.metadata.MetadataController;
import io.runnel.quorum.QuorumNode;

import java.net.InetSocketAddress;
import java.util.List;

/**
 * One Runnel process, by {@code process.roles} (docs/cluster.md, "Roles"): a {@link BrokerServer} when the
 * roles include broker (a single node, a combined node, or a broker-only observer), a {@link ControllerServer}
 * for {@code process.roles=controller} (a dedicated controller: the quorum and the metadata controller, no broker).
 */
public interface RunnelNode extends AutoCloseable {
    /** The server {@code config}'s roles call for (not started). */
    static RunnelNode of(BrokerConfigs config) {
        return config.isBroker() ? new BrokerServer(config) : new ControllerServer(config);
    }

    /** Starts every part in dependency order; returns once the node serves. */
    void startup() throws Exception;

    /** The addresses served: a broker's client listeners, a dedicated controller's controller listener. */
    List<InetSocketAddress> boundListeners();

    /** This node's metadata controller (active, standby or forwarding). */
    MetadataController controller();

    /** This node's member of the metadata quorum in a cluster, else null. */
    QuorumNode quorumNode();

    /** The clean shutdown (SIGTERM); idempotent. */
    @Override
    void close();

    /**
     * Stops without leaving the cluster first: no controlled shutdown and no hand-over of the active controller
     * role, so the others notice the node's absence as after a crash, but every file is closed cleanly. For
     * tearing a whole cluster down at once, where the last nodes have no quorum left to leave through (a
     * controlled shutdown would wait for it until {@code broker.session.timeout.ms}); idempotent.
     */
    void halt();
}
