package io.runnel.broker.cluster;

import io.runnel.config.BrokerConfigs;
import io.runnel.config.ConfigException;
import io.runnel.common.security.SslFactory;
import io.runnel.config.SslSettings;
import io.runnel.quorum.QuorumConfig;
import io.runnel.quorum.QuorumTls;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

/**
 * The checks a node of a cluster ({@code controller.quorum.voters} set) passes before it touches any
 * data, each failing with a {@link ConfigException} that names the key: the quorum settings
 * ({@link QuorumConfig}: voter syntax, duplicate ids or addresses, a controller (dedicated or combined) missing
 * from the voters, a broker listed as one), the controller listener's port against this node's voter entry, and the data
 * directory against this configuration ({@link #checkDataDirectory}).
 */
public final class ClusterConfigCheck {
    /** The file in the metadata log directory naming the cluster and node it belongs to (Kafka's name). */
    public static final String META_PROPERTIES = "meta.properties";

    private ClusterConfigCheck() {
    }

    /**
     * The TLS of the metadata quorum's connections when the controller listener is SSL, else null: its {@code ssl.*}
     * keys (with {@code listener.name.<controller>.} overrides) loaded and checked now, so a missing key store or a
     * wrong password stops the start naming the key (a voter and an observer both serve the quorum, so both need a
     * key store).
     */
    public static QuorumTls quorumTls(BrokerConfigs config) {
        SslSettings s = config.controllerSslSettings();
        return s == null ? null : QuorumTls.of(SslFactory.forServer(s));
    }

    /** Checks the configuration of a cluster node and returns its quorum settings. */
    public static QuorumConfig check(BrokerConfigs config) {
        QuorumConfig q = QuorumConfig.parse(config.originals());
        if (q.isVoter()) {
            BrokerConfigs.Listener l = config.controllerListener();
            QuorumConfig.Voter self = q.self();
            if (l != null && self != null && l.port() != 0 && l.port() != self.port()) {
                throw new ConfigException(BrokerConfigs.CONTROLLER_QUORUM_VOTERS, BrokerConfigs.CONTROLLER_QUORUM_VOTERS + " gives node " + q.nodeId()
                        + " the address " + self.address() + ", but its controller listener is " + l
                        + ": the ports must agree");
            }
        }
        return q;
    }

    /**
     * Checks that the metadata log directory belongs to this configuration, before anything is written:
     * a cluster node refuses a directory written by a single node (its {@code __cluster_metadata-0}) and
     * one whose {@code meta.properties} names another node id or cluster id; a single node refuses a
     * directory that belongs to a cluster. Each message says what to do.
     */
    public static void checkDataDirectory(BrokerConfigs config) {
        Path dir = config.metadataLogDir();
        boolean cluster = config.clusterMode();
        if (cluster && Files.isDirectory(config.metadataPartitionDir())) {
            throw new ConfigException(BrokerConfigs.CONTROLLER_QUORUM_VOTERS, "The metadata log directory " + dir
                    + " holds the metadata log of a single node (" + BrokerConfigs.METADATA_PARTITION_DIR + "), and "
                    + BrokerConfigs.CONTROLLER_QUORUM_VOTERS + " is set: start a cluster node on an empty directory, or "
                    + "start this directory without " + BrokerConfigs.CONTROLLER_QUORUM_VOTERS);
        }
        if (!cluster && Files.isDirectory(dir.resolve(QuorumConfig.QUORUM_DIR))) {
            throw new ConfigException(BrokerConfigs.CONTROLLER_QUORUM_VOTERS, "The metadata log directory " + dir
                    + " belongs to a cluster node (" + QuorumConfig.QUORUM_DIR + "), but " + BrokerConfigs.CONTROLLER_QUORUM_VOTERS
                    + " is not set: start it with its cluster configuration");
        }
        Path meta = dir.resolve(META_PROPERTIES);
        if (!cluster || !Files.isRegularFile(meta)) return;
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(meta)) {
            p.load(r);
        } catch (IOException e) {
            throw new ConfigException(BrokerConfigs.METADATA_LOG_DIR, "Cannot read " + meta + ": " + e.getMessage());
        }
        String nodeId = p.getProperty("node.id");
        if (nodeId != null && !nodeId.equals(Integer.toString(config.nodeId()))) {
            throw new ConfigException(BrokerConfigs.NODE_ID, "Stored node ID " + nodeId + " in " + meta
                    + " doesn't match node.id " + config.nodeId() + ": this directory belongs to another node");
        }
        String clusterId = p.getProperty("cluster.id");
        if (clusterId != null && config.clusterId() != null && !clusterId.equals(config.clusterId().toString())) {
            throw new ConfigException(BrokerConfigs.CLUSTER_ID, "Invalid cluster.id in " + meta + ". Expected "
                    + config.clusterId() + ", but read " + clusterId + ": this directory belongs to another cluster");
        }
    }

    /**
     * A metadata listener that writes meta.properties into {@code config}'s metadata log directory when the image
     * first names the cluster id (every cluster node, broker or dedicated controller, registers one).
     */
    public static io.runnel.metadata.MetadataListener metaPropertiesWriter(BrokerConfigs config) {
        return (prev, cur) -> {
            if (cur.clusterId() != null && !java.util.Objects.equals(prev.clusterId(), cur.clusterId())) {
                try {
                    writeMetaProperties(config.metadataLogDir(), cur.clusterId().toString(), config.nodeId());
                } catch (IOException e) {
                    org.slf4j.LoggerFactory.getLogger(ClusterConfigCheck.class).warn("Could not write {}: {}", META_PROPERTIES, e.toString());
                }
            }
        };
    }

    /** Writes meta.properties (cluster id, node id) atomically, once the cluster id is known. */
    public static void writeMetaProperties(Path dir, String clusterId, int nodeId) throws IOException {
        Path meta = dir.resolve(META_PROPERTIES);
        String text = "#Written by Runnel: the cluster and node this directory belongs to\nversion=1\ncluster.id="
                + clusterId + "\nnode.id=" + nodeId + "\n";
        if (Files.isRegularFile(meta) && Files.readString(meta).equals(text)) return;
        Files.createDirectories(dir);
        Path tmp = dir.resolve(META_PROPERTIES + ".tmp");
        Files.writeString(tmp, text);
        try (var ch = java.nio.channels.FileChannel.open(tmp, java.nio.file.StandardOpenOption.WRITE)) {
            ch.force(true);
        }
        Files.move(tmp, meta, java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
}
