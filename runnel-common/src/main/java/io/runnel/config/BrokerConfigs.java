package io.runnel.config;

import io.runnel.common.Uuid;
import io.runnel.config.ConfigDef.Importance;
import io.runnel.config.ConfigDef.Key;
import io.runnel.config.ConfigDef.Range;
import io.runnel.config.ConfigDef.Type;
import io.runnel.config.ConfigDef.ValidList;
import io.runnel.config.ConfigDef.ValidString;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

/**
 * The broker (server.properties) configuration keys Runnel honours, with Kafka's names and defaults,
 * and a parsed, validated broker configuration.
 *
 * <p>Runnel's defaults differ from Kafka's only where Runnel runs as a single embedded node out of the
 * box: {@code node.id} defaults to 1, {@code process.roles} to {@code broker,controller},
 * {@code listeners} to {@code PLAINTEXT://127.0.0.1:9092} and {@code log.dir} to {@code ./data}.
 * {@code cluster.id} is Runnel's own key: the cluster id to use when the metadata log is formatted
 * (Kafka takes it from {@code kafka-storage.sh format}).
 *
 * <p>Parsing follows Kafka: unknown keys are logged as a warning and ignored (also keys under the
 * per-listener prefix {@code listener.name.} are accepted silently); a value that does not parse or
 * validate fails with a {@link ConfigException} naming the key, which aborts start-up. So does a security
 * setting Runnel cannot honour yet (a SASL_SSL listener, an authorizer, SASL settings other than those of
 * {@link SaslListenerConfig}, TLS between controllers): see {@link UnsupportedSecurityConfig}. SSL listeners take
 * their {@code ssl.*} keys through {@link #sslSettings}.
 *
 * <p>Instances are immutable and safe to share between threads.
 */
public final class BrokerConfigs {
    private static final Logger log = LoggerFactory.getLogger(BrokerConfigs.class);

    public static final String NODE_ID = "node.id";
    public static final String BROKER_ID = "broker.id";
    public static final String PROCESS_ROLES = "process.roles";
    public static final String CLUSTER_ID = "cluster.id";
    public static final String LISTENERS = "listeners";
    public static final String ADVERTISED_LISTENERS = "advertised.listeners";
    public static final String LISTENER_SECURITY_PROTOCOL_MAP = "listener.security.protocol.map";
    public static final String INTER_BROKER_LISTENER_NAME = "inter.broker.listener.name";
    public static final String SECURITY_INTER_BROKER_PROTOCOL = "security.inter.broker.protocol";
    /** The largest request a SASL listener accepts before authentication (Kafka default 524288). */
    public static final String SASL_SERVER_MAX_RECEIVE_SIZE = "sasl.server.max.receive.size";
    public static final String CONTROLLER_LISTENER_NAMES = "controller.listener.names";
    public static final String CONNECTIONS_MAX_REAUTH_MS = "connections.max.reauth.ms";
    public static final String ALLOW_EVERYONE_IF_NO_ACL_FOUND = "allow.everyone.if.no.acl.found";
    public static final String AUDIT_LOG_ENABLE = "audit.log.enable";
    public static final String AUDIT_LOG_ALLOWED_ENABLE = "audit.log.allowed.enable";
    public static final String AUDIT_LOG_DIR = "audit.log.dir";
    public static final String AUDIT_LOG_MAX_BYTES = "audit.log.max.bytes";
    public static final String AUDIT_LOG_MAX_FILES = "audit.log.max.files";
    public static final String AUDIT_LOG_TOPIC = "audit.log.topic";
    public static final String BROKER_RACK = "broker.rack";
    public static final String REPLICA_SELECTOR_CLASS = "replica.selector.class";
    public static final String LEADER_REPLICATION_THROTTLED_RATE = "leader.replication.throttled.rate";
    public static final String FOLLOWER_REPLICATION_THROTTLED_RATE = "follower.replication.throttled.rate";
    /** The one replica selector Runnel knows, by Kafka's class name. */
    public static final String RACK_AWARE_REPLICA_SELECTOR = "org.apache.kafka.common.replica.RackAwareReplicaSelector";
    public static final String CONTROLLER_QUORUM_VOTERS = "controller.quorum.voters";
    public static final String CONTROLLER_QUORUM_ELECTION_TIMEOUT_MS = "controller.quorum.election.timeout.ms";
    public static final String BROKER_HEARTBEAT_INTERVAL_MS = "broker.heartbeat.interval.ms";
    public static final String BROKER_SESSION_TIMEOUT_MS = "broker.session.timeout.ms";
    public static final String BROKER_LIVENESS_PROBE_ENABLE = "broker.liveness.probe.enable";
    public static final String CONTROLLER_QUORUM_LEADER_PROBE_ENABLE = "controller.quorum.leader.probe.enable";
    public static final String METADATA_SNAPSHOT_INTERVAL_MS = "metadata.log.max.snapshot.interval.ms";
    public static final String METADATA_QUORUM_OBSERVER_ADDRESS = "metadata.quorum.observer.address";
    public static final String LOG_DIRS = "log.dirs";
    public static final String LOG_DIR = "log.dir";
    public static final String METADATA_LOG_DIR = "metadata.log.dir";
    public static final String METADATA_SNAPSHOT_MAX_NEW_RECORD_BYTES = "metadata.log.max.record.bytes.between.snapshots";
    public static final String NUM_PARTITIONS = "num.partitions";
    public static final String DEFAULT_REPLICATION_FACTOR = "default.replication.factor";
    public static final String AUTO_CREATE_TOPICS_ENABLE = "auto.create.topics.enable";
    public static final String DELETE_TOPIC_ENABLE = "delete.topic.enable";
    public static final String SOCKET_REQUEST_MAX_BYTES = "socket.request.max.bytes";
    public static final String LOG_MAX_OPEN_FILES = "log.max.open.files";
    public static final String QUEUED_MAX_REQUESTS = "queued.max.requests";
    public static final String CONNECTIONS_MAX_IDLE_MS = "connections.max.idle.ms";
    public static final String MAX_CONNECTIONS = "max.connections";
    public static final String MAX_CONNECTIONS_PER_IP = "max.connections.per.ip";
    public static final String MAX_CONNECTIONS_PER_IP_OVERRIDES = "max.connections.per.ip.overrides";
    public static final String SOCKET_SEND_BUFFER_BYTES = "socket.send.buffer.bytes";
    public static final String SOCKET_RECEIVE_BUFFER_BYTES = "socket.receive.buffer.bytes";
    public static final String SOCKET_LISTEN_BACKLOG_SIZE = "socket.listen.backlog.size";
    public static final String MESSAGE_MAX_BYTES = "message.max.bytes";
    public static final String NUM_NETWORK_THREADS = "num.network.threads";
    public static final String NUM_IO_THREADS = "num.io.threads";
    public static final String LOG_RETENTION_MS = "log.retention.ms";
    public static final String LOG_RETENTION_MINUTES = "log.retention.minutes";
    public static final String LOG_RETENTION_HOURS = "log.retention.hours";
    public static final String LOG_ROLL_MS = "log.roll.ms";
    public static final String LOG_ROLL_HOURS = "log.roll.hours";
    public static final String LOG_RETENTION_CHECK_INTERVAL_MS = "log.retention.check.interval.ms";
    public static final String OFFSETS_TOPIC_NUM_PARTITIONS = "offsets.topic.num.partitions";
    public static final String TRANSACTION_STATE_LOG_NUM_PARTITIONS = "transaction.state.log.num.partitions";
    public static final String TRANSACTION_STATE_LOG_REPLICATION_FACTOR = "transaction.state.log.replication.factor";
    public static final String TRANSACTION_STATE_LOG_MIN_ISR = "transaction.state.log.min.isr";
    public static final String TRANSACTION_STATE_LOG_SEGMENT_BYTES = "transaction.state.log.segment.bytes";
    public static final String TRANSACTION_PARTITION_VERIFICATION_ENABLE = "transaction.partition.verification.enable";
    public static final String TRANSACTION_MAX_TIMEOUT_MS = "transaction.max.timeout.ms";
    public static final String TRANSACTIONAL_ID_EXPIRATION_MS = "transactional.id.expiration.ms";
    public static final String TRANSACTION_ABORT_TIMED_OUT_CLEANUP_INTERVAL_MS = "transaction.abort.timed.out.transaction.cleanup.interval.ms";
    public static final String TRANSACTION_REMOVE_EXPIRED_CLEANUP_INTERVAL_MS = "transaction.remove.expired.transaction.cleanup.interval.ms";
    public static final String OFFSETS_TOPIC_REPLICATION_FACTOR = "offsets.topic.replication.factor";
    public static final String OFFSETS_RETENTION_MINUTES = "offsets.retention.minutes";
    public static final String OFFSETS_TOPIC_SEGMENT_BYTES = "offsets.topic.segment.bytes";
    public static final String GROUP_INITIAL_REBALANCE_DELAY_MS = "group.initial.rebalance.delay.ms";
    public static final String GROUP_MIN_SESSION_TIMEOUT_MS = "group.min.session.timeout.ms";
    public static final String GROUP_MAX_SESSION_TIMEOUT_MS = "group.max.session.timeout.ms";
    public static final String GROUP_MAX_SIZE = "group.max.size";
    public static final String MIN_INSYNC_REPLICAS = "min.insync.replicas";
    public static final String AUTO_LEADER_REBALANCE_ENABLE = "auto.leader.rebalance.enable";
    public static final String LEADER_IMBALANCE_CHECK_INTERVAL_SECONDS = "leader.imbalance.check.interval.seconds";
    public static final String LEADER_IMBALANCE_PER_BROKER_PERCENTAGE = "leader.imbalance.per.broker.percentage";
    public static final String REMOTE_LOG_STORAGE_SYSTEM_ENABLE = "remote.log.storage.system.enable";

    /** The directory, inside the metadata log dir, that holds the metadata log (Kafka's name). */
    public static final String METADATA_PARTITION_DIR = "__cluster_metadata-0";

    /** Prefixes of keys that are accepted without a warning although not defined one by one. */
    /** Keys read from the originals: listener overrides, and the authorizer's own key (not in Kafka's broker ConfigDef). */
    private static final List<String> ACCEPTED_PREFIXES = List.of("listener.name.", ALLOW_EVERYONE_IF_NO_ACL_FOUND);

    private static final String INT_MAX = Integer.toString(Integer.MAX_VALUE);
    private static final String LONG_MAX = Long.toString(Long.MAX_VALUE);
    private static final Importance H = Importance.HIGH;
    private static final Importance M = Importance.MEDIUM;
    private static final Importance L = Importance.LOW;
    private static final List<String> SECURITY_PROTOCOLS = List.of("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL");

    /** How the documentation of a key Runnel accepts but does not act on starts. */
    static final String NOT_APPLIED = "Not applied by Runnel";
    private static final String NO_SHARE = "Not applied by Runnel, which has no share groups (KIP-932) yet; "
            + "accepted so Kafka configuration files work, and it bounds the group config of the same name.";
    private static final String NO_STREAMS = "Not applied by Runnel, which has no streams groups (KIP-1071) yet; "
            + "accepted so Kafka configuration files work, and it bounds the group config of the same name.";

    private static final ConfigDef DEF = new ConfigDef()
            // ---- identity and roles
            .define(NODE_ID, Type.INT, "1", Range.atLeast(0), H,
                    "This node's id in the cluster. Runnel defaults to 1 so a single node starts without configuration.")
            .define(BROKER_ID, Type.INT, null, Range.atLeast(0), H,
                    "Older name of node.id; if both are set they must agree.")
            .define(PROCESS_ROLES, Type.LIST, "broker,controller", ValidList.nonEmptyIn("broker", "controller"), H,
                    "The roles this node plays. Runnel always runs broker and controller together; the key is "
                            + "accepted for compatibility with Kafka configuration files.")
            .define(CLUSTER_ID, Type.STRING, null, clusterIdValidator(), H,
                    "Runnel only: the cluster id written when the metadata log is created. If the metadata log "
                            + "already holds a different id, start-up fails. Unset: a random id is generated.")
            .define(CONTROLLER_QUORUM_VOTERS, Type.LIST, "", H,
                    "The voters of the metadata quorum as id@host:port,... (each a controller's CONTROLLER listener). "
                            + "Empty: this node alone is the cluster, with its metadata log on local disk (docs/cluster.md).")
            .define("controller.quorum.bootstrap.servers", Type.LIST, "", L,
                    "Accepted for compatibility; Runnel's quorum is static: set controller.quorum.voters.")
            .define(CONTROLLER_LISTENER_NAMES, Type.LIST, null, M,
                    "The listener(s) controllers use for the metadata quorum; the first one is bound by the quorum "
                            + "(Apache Ratis) when controller.quorum.voters is set.")
            .define(CONTROLLER_QUORUM_ELECTION_TIMEOUT_MS, Type.INT, "1000", Range.atLeast(100), H,
                    "The least time without a leader before a voter starts an election (randomised up to twice it).")
            .define(BROKER_HEARTBEAT_INTERVAL_MS, Type.INT, "2000", Range.atLeast(1), M,
                    "How often a broker in a cluster heartbeats to the active controller.")
            .define(BROKER_SESSION_TIMEOUT_MS, Type.INT, "9000", Range.atLeast(1), M,
                    "A broker without a heartbeat for this long is fenced by the active controller.")
            .define(BROKER_LIVENESS_PROBE_ENABLE, Type.BOOLEAN, "true", M,
                    "Runnel only: the active controller connects to the listener of a broker whose heartbeat is "
                            + "late (broker.heartbeat.interval.ms plus 500 ms) and fences it at once when the connection "
                            + "is refused (its process is gone); a broker that accepts or does not answer is left to "
                            + "broker.session.timeout.ms. false: fencing on session expiry only, as in Kafka.")
            .define(CONTROLLER_QUORUM_LEADER_PROBE_ENABLE, Type.BOOLEAN, "true", M,
                    "Runnel only: a voter that has missed one of the quorum leader's heartbeats connects to the leader's "
                            + "controller listener and, when the connection is refused (its process is gone), starts an "
                            + "election at once, unless another voter has a longer log (that one starts it), instead of "
                            + "waiting out its random election timeout. false: elections on timeouts only, as in Kafka.")
            .define(METADATA_SNAPSHOT_INTERVAL_MS, Type.LONG, "3600000", Range.atLeast(0), H,
                    "In a cluster: time after which a metadata snapshot is taken if anything was applied since the "
                            + "last one; 0 disables.")
            .define(METADATA_QUORUM_OBSERVER_ADDRESS, Type.STRING, "127.0.0.1:0", L,
                    "Runnel only: the host:port a broker that is not a controller listens on for the metadata log; "
                            + "port 0 picks a free port.")
            .define(BROKER_RACK, Type.STRING, null, M, "The rack this broker is in, used for rack-aware replica placement.")
            // ---- listeners
            .define(LISTENERS, Type.LIST, "PLAINTEXT://127.0.0.1:9092", listenersValidator(), H,
                    "Comma-separated NAME://host:port endpoints to listen on. An empty host binds the default "
                            + "interface, 0.0.0.0 all interfaces; port 0 picks a free port.")
            .define(ADVERTISED_LISTENERS, Type.LIST, null, listenersValidator(), H,
                    "Endpoints handed to clients in metadata responses, if different from listeners.")
            .define(LISTENER_SECURITY_PROTOCOL_MAP, Type.LIST,
                    "PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL",
                    protocolMapValidator(), L,
                    "Maps each listener name to its security protocol, as NAME:PROTOCOL pairs.")
            .define(INTER_BROKER_LISTENER_NAME, Type.STRING, null, M,
                    "The listener brokers use to talk to each other.")
            .define(SECURITY_INTER_BROKER_PROTOCOL, Type.STRING, "PLAINTEXT",
                    ValidString.in(SECURITY_PROTOCOLS.toArray(String[]::new)), M,
                    "The security protocol brokers use to talk to each other, when inter.broker.listener.name is unset.")
            // ---- network and threads
            .define(NUM_NETWORK_THREADS, Type.INT, "3", Range.atLeast(1), H,
                    "Threads that read requests from and write responses to the network.")
            .define(NUM_IO_THREADS, Type.INT, "8", Range.atLeast(1), H,
                    "Accepted for compatibility with Kafka configuration files; no effect: Runnel runs each request "
                            + "on the network thread of its connection.")
            .define("background.threads", Type.INT, "10", Range.atLeast(1), H, "Threads for background tasks.")
            .define(QUEUED_MAX_REQUESTS, Type.INT, "500", Range.atLeast(1), H,
                    "Requests one connection may have in flight (read, not yet answered) before the broker stops "
                            + "reading from it until some are answered.")
            .define(SOCKET_SEND_BUFFER_BYTES, Type.INT, "102400", H,
                    "SO_SNDBUF of server sockets; -1 uses the operating system's default.")
            .define(SOCKET_RECEIVE_BUFFER_BYTES, Type.INT, "102400", H,
                    "SO_RCVBUF of server sockets; -1 uses the operating system's default.")
            .define(SOCKET_REQUEST_MAX_BYTES, Type.INT, "104857600", Range.atLeast(1), H,
                    "The largest request the broker reads; larger ones close the connection.")
            .define(SOCKET_LISTEN_BACKLOG_SIZE, Type.INT, "50", Range.atLeast(1), M, "The accept backlog of server sockets.")
            .define(CONNECTIONS_MAX_REAUTH_MS, Type.LONG, "0", Range.atLeast(0), M,
                    "On SASL listeners: the longest session a SASL authentication grants (KIP-368); a client must "
                            + "re-authenticate before it ends or its connection is closed. 0: sessions do not expire.")
            .define(CONNECTIONS_MAX_IDLE_MS, Type.LONG, "600000", M,
                    "A connection with nothing in flight that neither reads nor writes for this long is closed; -1 never.")
            .define(MAX_CONNECTIONS, Type.INT, INT_MAX, Range.atLeast(0), M, "The most connections the broker accepts.")
            .define(MAX_CONNECTIONS_PER_IP, Type.INT, INT_MAX, Range.atLeast(0), M,
                    "The most connections the broker accepts from one address.")
            .define(MAX_CONNECTIONS_PER_IP_OVERRIDES, Type.STRING, "",
                    ConfigDef.custom("host-or-ip:limit,...", (name, value) -> parseConnectionOverrides((String) value)), M,
                    "Per-address exceptions to max.connections.per.ip, as host-or-ip:limit pairs "
                            + "(e.g. hostName:100,127.0.0.1:200).")
            // ---- topics and logs
            .define(LOG_DIRS, Type.LIST, null, M, "Directories holding partition data; overrides log.dir.")
            .define(LOG_DIR, Type.LIST, "./data", H, "The directory holding partition data when log.dirs is unset.")
            .define(METADATA_LOG_DIR, Type.STRING, null, H,
                    "The directory holding the cluster metadata log; unset means the first log directory.")
            .define(METADATA_SNAPSHOT_MAX_NEW_RECORD_BYTES, Type.LONG, "20971520", Range.atLeast(1), H,
                    "How many bytes of metadata records may accumulate after the latest snapshot before a new "
                            + "one is written.")
            .define(NUM_PARTITIONS, Type.INT, "1", Range.atLeast(1), M, "Partitions of a topic created without a count.")
            .define(DEFAULT_REPLICATION_FACTOR, Type.INT, "1", Range.atLeast(1), M,
                    "Replication factor of a topic created without one.")
            .define(AUTO_CREATE_TOPICS_ENABLE, Type.BOOLEAN, "true", H,
                    "Whether a metadata request for an unknown topic creates it.")
            .define(DELETE_TOPIC_ENABLE, Type.BOOLEAN, "true", H, "Whether topics may be deleted.")
            .define(MESSAGE_MAX_BYTES, Type.INT, "1048588", Range.atLeast(0), H,
                    "The largest record batch a topic accepts unless it sets max.message.bytes.")
            .define("log.segment.bytes", Type.INT, "1073741824", Range.atLeast(1048576), H, "Default of segment.bytes.")
            .define(LOG_ROLL_MS, Type.LONG, null, H, "Default of segment.ms; takes precedence over log.roll.hours.")
            .define(LOG_ROLL_HOURS, Type.INT, "168", Range.atLeast(1), H, "Default of segment.ms, in hours.")
            .define("log.roll.jitter.ms", Type.LONG, null, H, "Default of segment.jitter.ms.")
            .define("log.roll.jitter.hours", Type.INT, "0", Range.atLeast(0), H, "Default of segment.jitter.ms, in hours.")
            .define(LOG_RETENTION_MS, Type.LONG, null, H,
                    "Default of retention.ms; takes precedence over the minutes and hours keys; -1 is unlimited.")
            .define(LOG_RETENTION_MINUTES, Type.INT, null, H,
                    "Default of retention.ms, in minutes; takes precedence over log.retention.hours.")
            .define(LOG_RETENTION_HOURS, Type.INT, "168", H, "Default of retention.ms, in hours.")
            .define("log.retention.bytes", Type.LONG, "-1", H, "Default of retention.bytes.")
            .define(LOG_RETENTION_CHECK_INTERVAL_MS, Type.LONG, "300000", Range.atLeast(1), M,
                    "How often segments are checked for deletion.")
            .define("log.cleanup.policy", Type.LIST, "delete", ValidList.in("compact", "delete"), M,
                    "Default of cleanup.policy.")
            .define("log.cleaner.enable", Type.BOOLEAN, "true", M,
                    "Whether the log cleaner runs; without it compacted topics grow without bound.")
            .define("log.cleaner.threads", Type.INT, "1", Range.atLeast(0), M, "Threads compacting logs.")
            .define("log.cleaner.dedupe.buffer.size", Type.LONG, "134217728", M,
                    "Memory across all cleaner threads for the key index built while compacting.")
            .define("log.cleaner.io.buffer.size", Type.INT, "524288", Range.atLeast(0), M,
                    "Memory across all cleaner threads for I/O buffers.")
            .define("log.cleaner.io.max.bytes.per.second", Type.DOUBLE, Double.toString(Double.MAX_VALUE), M,
                    "Not applied by Runnel: Runnel's cleaner does not throttle its I/O. Throttle on the cleaner's combined reads and writes.")
            .define("log.cleaner.backoff.ms", Type.LONG, "15000", Range.atLeast(0), M,
                    "How long the cleaner sleeps when there is nothing to clean.")
            .define("log.cleaner.delete.retention.ms", Type.LONG, "86400000", Range.atLeast(0), M,
                    "Default of delete.retention.ms.")
            .define("log.cleaner.min.compaction.lag.ms", Type.LONG, "0", Range.atLeast(0), M,
                    "Default of min.compaction.lag.ms.")
            .define("log.cleaner.max.compaction.lag.ms", Type.LONG, LONG_MAX, Range.atLeast(1), M,
                    "Default of max.compaction.lag.ms.")
            .define("log.cleaner.min.cleanable.ratio", Type.DOUBLE, "0.5", Range.between(0, 1), M,
                    "Default of min.cleanable.dirty.ratio.")
            .define("log.flush.interval.messages", Type.LONG, LONG_MAX, Range.atLeast(1), H, "Default of flush.messages.")
            .define("log.flush.interval.ms", Type.LONG, null, H,
                    "Default of flush.ms; takes precedence over log.flush.scheduler.interval.ms.")
            .define("log.flush.scheduler.interval.ms", Type.LONG, LONG_MAX, H,
                    "How often logs are checked for a due flush; also the fallback default of flush.ms.")
            .define("log.flush.offset.checkpoint.interval.ms", Type.INT, "60000", Range.atLeast(0), H,
                    "How often the recovery point of each log is written to disk.")
            .define("log.index.interval.bytes", Type.INT, "4096", Range.atLeast(0), M, "Default of index.interval.bytes.")
            .define("log.index.size.max.bytes", Type.INT, "10485760", Range.atLeast(4), M, "Default of segment.index.bytes.")
            .define("log.segment.delete.delay.ms", Type.LONG, "60000", Range.atLeast(0), H, "Default of file.delete.delay.ms.")
            .define("log.preallocate", Type.BOOLEAN, "false", M, "Default of preallocate.")
            .define("log.message.timestamp.type", Type.STRING, "CreateTime", ValidString.in("CreateTime", "LogAppendTime"), M,
                    "Default of message.timestamp.type.")
            .define("log.message.timestamp.before.max.ms", Type.LONG, LONG_MAX, Range.atLeast(0), M,
                    "Default of message.timestamp.before.max.ms.")
            .define("log.message.timestamp.after.max.ms", Type.LONG, "3600000", Range.atLeast(0), M,
                    "Default of message.timestamp.after.max.ms.")
            .define("log.local.retention.ms", Type.LONG, "-2", Range.atLeast(-2), M, "Default of local.retention.ms.")
            .define("log.local.retention.bytes", Type.LONG, "-2", Range.atLeast(-2), M, "Default of local.retention.bytes.")
            .define("num.recovery.threads.per.data.dir", Type.INT, "2", Range.atLeast(1), H,
                    "Threads per log directory that recover logs at start-up and flush them at shutdown.")
            .define(LOG_MAX_OPEN_FILES, Type.INT, "4096", Range.atLeast(16), H,
                    "Runnel only: the most segment and index files of all partitions held open at once. Files "
                            + "are opened on use and the least recently used are closed beyond this, so the "
                            + "partition count does not cost file descriptors. Keep it well below the process's "
                            + "descriptor limit (ulimit -n), which client connections share.")
            .define(REMOTE_LOG_STORAGE_SYSTEM_ENABLE, Type.BOOLEAN, "false", M,
                    "Whether tiered storage is available. Runnel has none; must stay false.")
            .define(MIN_INSYNC_REPLICAS, Type.INT, "1", Range.atLeast(1), H, "Default of min.insync.replicas.")
            .define("unclean.leader.election.enable", Type.BOOLEAN, "false", H, "Default of unclean.leader.election.enable.")
            .define("compression.type", Type.STRING, "producer",
                    ValidString.in("uncompressed", "zstd", "lz4", "snappy", "gzip", "producer"), H,
                    "Default of the topic config compression.type.")
            .define("compression.gzip.level", Type.INT, "-1", ConfigDef.anyOf(Range.between(1, 9), ConfigDef.exactly(-1)), M,
                    "Default of the topic config compression.gzip.level.")
            .define("compression.lz4.level", Type.INT, "9", Range.between(1, 17), M,
                    "Default of the topic config compression.lz4.level.")
            .define("compression.zstd.level", Type.INT, "3", Range.between(-131072, 22), M,
                    "Default of the topic config compression.zstd.level.")
            // ---- replication
            .define("replica.lag.time.max.ms", Type.LONG, "30000", Range.atLeast(1), H,
                    "A follower that has not caught up with the leader for this long leaves the ISR.")
            .define("replica.fetch.max.bytes", Type.INT, "1048576", Range.atLeast(0), M,
                    "Bytes per partition a follower asks for in one fetch (at least one batch is returned).")
            .define("replica.fetch.wait.max.ms", Type.INT, "500", Range.atLeast(0), M,
                    "How long a follower's fetch waits at the leader for data; keep it below replica.lag.time.max.ms.")
            .define("replica.fetch.min.bytes", Type.INT, "1", Range.atLeast(1), M,
                    "Bytes a follower's fetch waits for at the leader.")
            .define("replica.fetch.response.max.bytes", Type.INT, "10485760", Range.atLeast(0), M,
                    "Bytes a follower asks for in one fetch over all its partitions.")
            .define("replica.fetch.backoff.ms", Type.INT, "1000", Range.atLeast(0), M,
                    "Pause of a follower after a failed fetch.")
            .define("replica.socket.timeout.ms", Type.INT, "30000", Range.atLeast(1), M,
                    "Socket timeout of a follower's fetches; at least replica.fetch.wait.max.ms.")
            .define(LEADER_REPLICATION_THROTTLED_RATE, Type.LONG, "9223372036854775807", Range.atLeast(0), M,
                    "Bytes per second a leader sends to throttled replicas (the topics' leader.replication.throttled.replicas) "
                            + "that are not in sync. Dynamic, per broker.")
            .define(FOLLOWER_REPLICATION_THROTTLED_RATE, Type.LONG, "9223372036854775807", Range.atLeast(0), M,
                    "Bytes per second a follower fetches for its throttled replicas (the topics' "
                            + "follower.replication.throttled.replicas) that are not in sync. Dynamic, per broker.")
            .define("quota.window.num", Type.INT, "11", Range.atLeast(1), L,
                    "Samples kept to measure client quota rates (producer_byte_rate, consumer_byte_rate, "
                            + "controller_mutation_rate).")
            .define("quota.window.size.seconds", Type.INT, "1", Range.atLeast(1), L,
                    "Length of each client quota sample.")
            .define("replication.quota.window.num", Type.INT, "11", Range.atLeast(1), L,
                    "Samples kept to measure replication throttle rates.")
            .define("replication.quota.window.size.seconds", Type.INT, "1", Range.atLeast(1), L,
                    "Length of each replication throttle sample.")
            .define(REPLICA_SELECTOR_CLASS, Type.STRING, null, M,
                    "How consumers with client.rack are pointed at a replica to fetch from (KIP-392): "
                            + "org.apache.kafka.common.replica.RackAwareReplicaSelector (a replica in the client's rack) or unset (the leader).")
            .define("num.replica.fetchers", Type.INT, "1", Range.atLeast(1), H,
                    "Fetcher threads per source broker; more threads fetch more partitions in parallel.")
            .define("fetch.max.bytes", Type.INT, "57671680", Range.atLeast(1024), M,
                    "Not applied by Runnel: Runnel bounds a fetch response by the request's own max_bytes only. The most bytes the broker returns for one fetch request.")
            .define(AUTO_LEADER_REBALANCE_ENABLE, Type.BOOLEAN, "true", H,
                    "Whether the active controller moves leadership back to preferred replicas in the background.")
            .define(LEADER_IMBALANCE_CHECK_INTERVAL_SECONDS, Type.LONG, "300", Range.atLeast(1), H,
                    "How often the active controller checks for leader imbalance.")
            .define(LEADER_IMBALANCE_PER_BROKER_PERCENTAGE, Type.INT, "10", Range.atLeast(0), H,
                    "Runnel keeps this pre-4.0 Kafka key (Kafka 4's KRaft controller dropped it and rebalances any "
                            + "imbalance): the share (%) of the partitions a broker is the preferred replica of that it may "
                            + "not lead before the active controller moves them back to it.")
            // ---- group coordinator
            .define(OFFSETS_TOPIC_NUM_PARTITIONS, Type.INT, "50", Range.atLeast(1), H,
                    "Partitions of the __consumer_offsets topic; must not change once it exists.")
            .define(OFFSETS_TOPIC_REPLICATION_FACTOR, Type.SHORT, "3", Range.atLeast(1), H,
                    "Replication factor of __consumer_offsets; capped at the number of brokers.")
            .define(OFFSETS_TOPIC_SEGMENT_BYTES, Type.INT, "104857600", Range.atLeast(1048576), H,
                    "Segment size of __consumer_offsets (its segment.bytes when Runnel creates it; at least 1 MiB, "
                            + "the smallest segment.bytes).")
            .define(OFFSETS_RETENTION_MINUTES, Type.INT, "10080", Range.atLeast(1), H,
                    "How long committed offsets of an empty group are kept.")
            .define("offsets.retention.check.interval.ms", Type.LONG, "600000", Range.atLeast(1), H,
                    "How often stale offsets are looked for.")
            .define("offsets.load.buffer.size", Type.INT, "5242880", Range.atLeast(1), H,
                    "Not applied by Runnel: Runnel replays __consumer_offsets batch by batch. Batch size for reading __consumer_offsets when a coordinator loads.")
            .define("offset.metadata.max.bytes", Type.INT, "4096", H, "The largest metadata string of an offset commit.")
            .define(GROUP_INITIAL_REBALANCE_DELAY_MS, Type.INT, "3000", M,
                    "How long a new classic group waits for more members before its first rebalance.")
            .define(GROUP_MIN_SESSION_TIMEOUT_MS, Type.INT, "6000", M, "The smallest session timeout a classic member may ask for.")
            .define(GROUP_MAX_SESSION_TIMEOUT_MS, Type.INT, "1800000", M, "The largest session timeout a classic member may ask for.")
            .define(GROUP_MAX_SIZE, Type.INT, INT_MAX, Range.atLeast(1), M, "The most members a classic group may have.")
            .define("group.coordinator.rebalance.protocols", Type.LIST, "classic,consumer",
                    ValidList.nonEmptyIn("classic", "consumer", "share", "streams"), M,
                    "The group protocols the coordinator serves.")
            .define("group.consumer.session.timeout.ms", Type.INT, "45000", Range.atLeast(1), M,
                    "Session timeout of members of consumer-protocol groups.")
            .define("group.consumer.heartbeat.interval.ms", Type.INT, "5000", Range.atLeast(1), M,
                    "Heartbeat interval of members of consumer-protocol groups.")
            .define("group.consumer.max.size", Type.INT, INT_MAX, Range.atLeast(1), M,
                    "The most members a consumer-protocol group may have.")
            .define("group.consumer.min.session.timeout.ms", Type.INT, "45000", Range.atLeast(1), M,
                    "The smallest consumer.session.timeout.ms a consumer group may be given (group configs).")
            .define("group.consumer.max.session.timeout.ms", Type.INT, "60000", Range.atLeast(1), M,
                    "The largest consumer.session.timeout.ms a consumer group may be given (group configs).")
            .define("group.consumer.min.heartbeat.interval.ms", Type.INT, "5000", Range.atLeast(1), M,
                    "The smallest consumer.heartbeat.interval.ms a consumer group may be given (group configs).")
            .define("group.consumer.max.heartbeat.interval.ms", Type.INT, "15000", Range.atLeast(1), M,
                    "The largest consumer.heartbeat.interval.ms a consumer group may be given (group configs).")
            .define("group.consumer.assignors", Type.LIST, "uniform,range", M,
                    "The server-side assignors of consumer groups by name (uniform, range; Kafka's class names are "
                            + "accepted too); the first is the default.")
            .define("group.consumer.assignment.interval.ms", Type.INT, "1000", Range.atLeast(0), M,
                    "Not applied by Runnel: it computes a consumer group's target assignment on every epoch bump.")
            .define("group.consumer.migration.policy", Type.STRING, "bidirectional",
                    ValidString.in("bidirectional", "upgrade", "downgrade", "disabled"), M,
                    "Online conversion of groups between the classic and consumer protocols: bidirectional, upgrade "
                            + "(classic to consumer only), downgrade (consumer to classic only) or disabled.")
            // share and streams groups: Runnel has neither yet; the keys are accepted, described and bound the
            // group configs of the same names, but are not applied
            .define("group.share.session.timeout.ms", Type.INT, "45000", Range.atLeast(1), L, NO_SHARE)
            .define("group.share.min.session.timeout.ms", Type.INT, "45000", Range.atLeast(1), L, NO_SHARE)
            .define("group.share.max.session.timeout.ms", Type.INT, "60000", Range.atLeast(1), L, NO_SHARE)
            .define("group.share.heartbeat.interval.ms", Type.INT, "5000", Range.atLeast(1), L, NO_SHARE)
            .define("group.share.min.heartbeat.interval.ms", Type.INT, "5000", Range.atLeast(1), L, NO_SHARE)
            .define("group.share.max.heartbeat.interval.ms", Type.INT, "15000", Range.atLeast(1), L, NO_SHARE)
            .define("group.share.record.lock.duration.ms", Type.INT, "30000", Range.atLeast(1000), L, NO_SHARE)
            .define("group.share.min.record.lock.duration.ms", Type.INT, "15000", Range.atLeast(1000), L, NO_SHARE)
            .define("group.share.max.record.lock.duration.ms", Type.INT, "60000", Range.atLeast(1000), L, NO_SHARE)
            .define("group.share.delivery.count.limit", Type.INT, "5", Range.atLeast(2), L, NO_SHARE)
            .define("group.share.min.delivery.count.limit", Type.INT, "2", Range.atLeast(2), L, NO_SHARE)
            .define("group.share.max.delivery.count.limit", Type.INT, "10", Range.atLeast(2), L, NO_SHARE)
            .define("group.share.partition.max.record.locks", Type.INT, "2000", Range.atLeast(100), L, NO_SHARE)
            .define("group.share.min.partition.max.record.locks", Type.INT, "100", Range.atLeast(100), L, NO_SHARE)
            .define("group.share.max.partition.max.record.locks", Type.INT, "10000", Range.atLeast(100), L, NO_SHARE)
            .define("group.share.assignment.interval.ms", Type.INT, "1000", Range.atLeast(0), L, NO_SHARE)
            .define("group.streams.session.timeout.ms", Type.INT, "45000", Range.atLeast(1), L, NO_STREAMS)
            .define("group.streams.min.session.timeout.ms", Type.INT, "45000", Range.atLeast(1), L, NO_STREAMS)
            .define("group.streams.max.session.timeout.ms", Type.INT, "60000", Range.atLeast(1), L, NO_STREAMS)
            .define("group.streams.heartbeat.interval.ms", Type.INT, "5000", Range.atLeast(1), L, NO_STREAMS)
            .define("group.streams.min.heartbeat.interval.ms", Type.INT, "5000", Range.atLeast(1), L, NO_STREAMS)
            .define("group.streams.max.heartbeat.interval.ms", Type.INT, "15000", Range.atLeast(1), L, NO_STREAMS)
            .define("group.streams.num.standby.replicas", Type.INT, "0", Range.atLeast(0), L, NO_STREAMS)
            .define("group.streams.max.standby.replicas", Type.INT, "2", Range.atLeast(0), L, NO_STREAMS)
            .define("group.streams.initial.rebalance.delay.ms", Type.INT, "3000", Range.atLeast(0), L, NO_STREAMS)
            .define("group.streams.task.offset.interval.ms", Type.INT, "60000", Range.atLeast(1), L, NO_STREAMS)
            .define("group.streams.min.task.offset.interval.ms", Type.INT, "15000", Range.atLeast(1), L, NO_STREAMS)
            .define("group.streams.num.warmup.replicas", Type.INT, "2", Range.atLeast(0), L, NO_STREAMS)
            .define("group.streams.max.warmup.replicas", Type.INT, "20", Range.atLeast(0), L, NO_STREAMS)
            .define("group.streams.acceptable.recovery.lag", Type.LONG, "10000", Range.atLeast(0), L, NO_STREAMS)
            .define("group.streams.assignment.interval.ms", Type.INT, "1000", Range.atLeast(0), L, NO_STREAMS)
            .define("share.coordinator.state.topic.replication.factor", Type.SHORT, "3", Range.atLeast(1), H,
                    "Accepted for compatibility; Runnel has no share groups yet.")
            .define("share.coordinator.state.topic.min.isr", Type.SHORT, "2", Range.atLeast(1), H,
                    "Accepted for compatibility; Runnel has no share groups yet.")
            // ---- transactions and producer state
            .define(TRANSACTION_STATE_LOG_NUM_PARTITIONS, Type.INT, "50", Range.atLeast(1), H,
                    "Partitions of the __transaction_state topic (created on first use).")
            .define(TRANSACTION_STATE_LOG_REPLICATION_FACTOR, Type.SHORT, "3", Range.atLeast(1), H,
                    "Replication factor of __transaction_state (at most the number of brokers when it is created).")
            .define(TRANSACTION_STATE_LOG_MIN_ISR, Type.INT, "2", Range.atLeast(1), H,
                    "min.insync.replicas of __transaction_state (at most its replication factor when it is created).")
            .define(TRANSACTION_STATE_LOG_SEGMENT_BYTES, Type.INT, "104857600", Range.atLeast(1), H,
                    "Segment size of __transaction_state.")
            .define(TRANSACTIONAL_ID_EXPIRATION_MS, Type.INT, "604800000", Range.atLeast(1), H,
                    "How long a transactional id without a transaction in progress and without activity is remembered.")
            .define(TRANSACTION_MAX_TIMEOUT_MS, Type.INT, "900000", Range.atLeast(1), H,
                    "The largest transaction timeout a producer may ask for (else INVALID_TRANSACTION_TIMEOUT).")
            .define(TRANSACTION_ABORT_TIMED_OUT_CLEANUP_INTERVAL_MS, Type.INT, "10000", Range.atLeast(1), L,
                    "How often the transaction coordinator aborts transactions that outlived their timeout.")
            .define(TRANSACTION_PARTITION_VERIFICATION_ENABLE, Type.BOOLEAN, "true", L,
                    "Whether a transactional batch of Produce v11 and below is checked with the transaction coordinator "
                    + "(KIP-890 part 1): refused unless its partition is in the producer's ongoing transaction. Read at start.")
            .define(TRANSACTION_REMOVE_EXPIRED_CLEANUP_INTERVAL_MS, Type.INT, "3600000", Range.atLeast(1), L,
                    "How often the transaction coordinator removes expired transactional ids.")
            .define("producer.id.expiration.ms", Type.INT, "86400000", Range.atLeast(1), L,
                    "How long the state of an idle producer id is kept.")
            // ---- security
            .define("authorizer.class.name", Type.STRING, "", L, "The authorizer; empty means no authorization.")
            .define("super.users", Type.STRING, null, L, "Principals (User:name;User:other) that bypass authorization.")
            // Runnel's audit log of authorization decisions (docs/security.md, Authorization); read at start
            .define(AUDIT_LOG_ENABLE, Type.BOOLEAN, "false", L,
                    "Write one JSON line per denied authorization decision to rotated files in audit.log.dir.")
            .define(AUDIT_LOG_ALLOWED_ENABLE, Type.BOOLEAN, "false", L,
                    "Also write a line per allowed decision (with audit.log.enable).")
            .define(AUDIT_LOG_DIR, Type.STRING, null, L,
                    "Directory of the audit log files; default: 'audit' beside the first log directory.")
            .define(AUDIT_LOG_MAX_BYTES, Type.LONG, "104857600", Range.atLeast(1024), L,
                    "Size at which the audit log file is rotated.")
            .define(AUDIT_LOG_MAX_FILES, Type.INT, "10", Range.atLeast(1), L,
                    "How many audit log files are kept, the current one included.")
            .define(AUDIT_LOG_TOPIC, Type.STRING, "", L,
                    "Also write each audit line as a record (key: principal) to this topic, created if missing; empty: off.")
            .define("sasl.enabled.mechanisms", Type.LIST, "GSSAPI", M, "SASL mechanisms the broker offers.")
            .define("sasl.mechanism.inter.broker.protocol", Type.STRING, "GSSAPI", M,
                    "SASL mechanism brokers use to talk to each other.")
            .define(SASL_SERVER_MAX_RECEIVE_SIZE, Type.INT, "524288", Range.atLeast(1), M,
                    "The largest request a SASL listener accepts before the connection is authenticated; a larger one closes it.")
            .define("sasl.jaas.config", Type.PASSWORD, null, M, "JAAS login configuration for SASL.")
            // OAUTHBEARER's JWKS validation (OAuthBearerConfig; each may also be given per listener as
            // listener.name.<l>.oauthbearer.<key>): Kafka 4.4's types, defaults and importance
            .define("sasl.oauthbearer.jwks.endpoint.url", Type.STRING, null, M,
                    "OAUTHBEARER: the https://, http:// or file: URL of the JWKS whose keys verify tokens.")
            .define("sasl.oauthbearer.jwks.endpoint.refresh.ms", Type.LONG, "3600000", L, "OAUTHBEARER: how often the JWKS is fetched again.")
            .define("sasl.oauthbearer.jwks.endpoint.retry.backoff.ms", Type.LONG, "100", L,
                    "OAUTHBEARER: the wait after a failed JWKS fetch, doubled after each failure.")
            .define("sasl.oauthbearer.jwks.endpoint.retry.backoff.max.ms", Type.LONG, "10000", L,
                    "OAUTHBEARER: the longest wait between failed JWKS fetches.")
            .define("sasl.oauthbearer.expected.audience", Type.LIST, "", H,
                    "OAUTHBEARER: a token's aud must hold one of these (required with a JWKS unless sasl.oauthbearer.allow.unverified.audience).")
            .define("sasl.oauthbearer.expected.issuer", Type.STRING, null, H,
                    "OAUTHBEARER: a token's iss must equal it (required with a JWKS unless sasl.oauthbearer.allow.unverified.issuer).")
            .define("sasl.oauthbearer.allow.unverified.audience", Type.BOOLEAN, "false", M,
                    "OAUTHBEARER: accept any aud when sasl.oauthbearer.expected.audience is not set.")
            .define("sasl.oauthbearer.allow.unverified.issuer", Type.BOOLEAN, "false", M,
                    "OAUTHBEARER: accept any iss when sasl.oauthbearer.expected.issuer is not set.")
            .define("sasl.oauthbearer.sub.claim.name", Type.STRING, "sub", L, "OAUTHBEARER: the claim naming the principal.")
            .define("sasl.oauthbearer.scope.claim.name", Type.STRING, "scope", L, "OAUTHBEARER: the claim holding the scope.")
            .define("sasl.oauthbearer.clock.skew.seconds", Type.INT, "30", L,
                    "OAUTHBEARER: the clock difference allowed when checking exp, nbf and iat.")
            // TLS (docs/security.md): each key may be given per listener as listener.name.<lower-case name>.ssl.*,
            // which wins over the plain key for that listener (SslSettings)
            .define("ssl.keystore.type", Type.STRING, "JKS", ValidString.inIgnoreCase("JKS", "PKCS12", "PEM"), M,
                    "Format of the key store: JKS, PKCS12 or PEM.")
            .define("ssl.keystore.location", Type.STRING, null, M, "Path of the key store.")
            .define("ssl.keystore.password", Type.PASSWORD, null, M,
                    "Password of the key store file (not with PEM, whose key is protected by ssl.key.password).")
            .define("ssl.key.password", Type.PASSWORD, null, M,
                    "Password of the private key in the key store (for PEM, of the encrypted PKCS#8 key).")
            .define("ssl.keystore.certificate.chain", Type.PASSWORD, null, M,
                    "The certificate chain in PEM, inline (ssl.keystore.type=PEM); with ssl.keystore.key.")
            .define("ssl.keystore.key", Type.PASSWORD, null, M,
                    "The private key in PEM (PKCS#8), inline (ssl.keystore.type=PEM); with ssl.keystore.certificate.chain.")
            .define("ssl.truststore.type", Type.STRING, "JKS", ValidString.inIgnoreCase("JKS", "PKCS12", "PEM"), M,
                    "Format of the trust store: JKS, PKCS12 or PEM.")
            .define("ssl.truststore.location", Type.STRING, null, M, "Path of the trust store.")
            .define("ssl.truststore.password", Type.PASSWORD, null, M, "Password of the trust store.")
            .define("ssl.truststore.certificates", Type.PASSWORD, null, M,
                    "Trusted certificates in PEM, inline (ssl.truststore.type=PEM).")
            .define("ssl.client.auth", Type.STRING, "none", ValidString.in("required", "requested", "none"), M,
                    "Whether TLS clients must, may or need not present a certificate.")
            .define("ssl.enabled.protocols", Type.LIST, "TLSv1.2,TLSv1.3", M, "TLS versions accepted.")
            .define("ssl.protocol", Type.STRING, "TLSv1.3", M, "TLS version used to create the SSL context.")
            .define("ssl.cipher.suites", Type.LIST, "", M,
                    "The cipher suites offered; empty means the TLS engine's defaults.")
            .define("ssl.keymanager.algorithm", Type.STRING, "SunX509", M, "Algorithm of the key manager factory.")
            .define("ssl.trustmanager.algorithm", Type.STRING, "PKIX", M, "Algorithm of the trust manager factory.")
            .define("ssl.endpoint.identification.algorithm", Type.STRING, "https", L,
                    "Host name verification of the server's certificate when this broker connects as a client; empty disables it.")
            // Runnel's own key (Kafka has none): which TLS engine serves the broker's SSL and SASL_SSL listeners;
            // unset = openssl when netty-tcnative's BoringSSL loads, else jdk (checked in runnel-broker's ServerTls)
            .define("ssl.engine", Type.STRING, null, L,
                    "Runnel: the TLS engine of the broker's SSL and SASL_SSL listeners: openssl (BoringSSL through netty-tcnative) "
                    + "or jdk; unset: openssl when it is available, else jdk. Connections to other brokers use the JDK's.")
            .define("ssl.principal.mapping.rules", Type.STRING, "DEFAULT", L,
                    "Rules mapping a client certificate's distinguished name to a user name: RULE:pattern/replacement/[L|U], "
                    + "comma separated, first match wins; DEFAULT keeps the name as it is.")
            // dynamic here means: Runnel applies a change at run time (all of these are topic-config defaults,
            // applied through the topics' effective configs); Kafka's other dynamic keys (KafkaBrokerCatalogue) are
            // refused at run time with a message saying so (staticInRunnel)
            .dynamic(MAX_CONNECTIONS, MAX_CONNECTIONS_PER_IP, MAX_CONNECTIONS_PER_IP_OVERRIDES,
                    MESSAGE_MAX_BYTES, "log.segment.bytes", LOG_ROLL_MS, "log.roll.jitter.ms", LOG_RETENTION_MS,
                    "log.retention.bytes", "log.cleanup.policy",
                    "log.cleaner.delete.retention.ms", "log.cleaner.min.compaction.lag.ms",
                    "log.cleaner.max.compaction.lag.ms", "log.cleaner.min.cleanable.ratio", "log.flush.interval.messages",
                    "log.flush.interval.ms", "log.index.interval.bytes", "log.index.size.max.bytes",
                    "log.segment.delete.delay.ms", "log.preallocate", "log.message.timestamp.type",
                    "log.message.timestamp.before.max.ms", "log.message.timestamp.after.max.ms", "log.local.retention.ms",
                    "log.local.retention.bytes", MIN_INSYNC_REPLICAS,
                    "unclean.leader.election.enable", "compression.type", "compression.gzip.level",
                    "compression.lz4.level", "compression.zstd.level", LEADER_REPLICATION_THROTTLED_RATE,
                    FOLLOWER_REPLICATION_THROTTLED_RATE);

    /**
     * Apache Kafka 4.4's broker keys: those not in {@link #DEF} are Kafka keys that Runnel does not implement.
     * In server.properties they are ignored with a warning that says so; a dynamic change is refused with a
     * message that says so, instead of "unknown config"; DescribeConfigs lists them with Kafka's default.
     */
    private static final KafkaBrokerCatalogue KAFKA = KafkaBrokerCatalogue.kafka44();

    /** The documentation of a Kafka key Runnel does not implement, as DescribeConfigs shows it. */
    static final String NOT_IMPLEMENTED_DOC = "Not implemented by Runnel: an Apache Kafka broker config that Runnel "
            + "ignores; the value shown is Kafka's default.";

    /**
     * Broker keys that name the same setting in different units, highest precedence first (Kafka's broker
     * synonyms): DescribeConfigs lists the whole chain as the synonyms of each of them.
     */
    private static final List<List<String>> SYNONYM_CHAINS = List.of(
            List.of(LOG_RETENTION_MS, LOG_RETENTION_MINUTES, LOG_RETENTION_HOURS),
            List.of(LOG_ROLL_MS, LOG_ROLL_HOURS),
            List.of("log.roll.jitter.ms", "log.roll.jitter.hours"),
            List.of("log.flush.interval.ms", "log.flush.scheduler.interval.ms"));

    /** One listener endpoint: {@code NAME://host:port}. Host is "" for the default interface. */
    public record Listener(String name, String host, int port) {
        /** Parses {@code NAME://host:port} (IPv6 hosts in brackets); throws IllegalArgumentException. */
        public static Listener parse(String text) {
            int sep = text.indexOf("://");
            if (sep <= 0) throw new IllegalArgumentException("expected NAME://host:port but got '" + text + "'");
            String name = text.substring(0, sep).toUpperCase(Locale.ROOT);
            if (!name.matches("[A-Z0-9_-]+")) throw new IllegalArgumentException("bad listener name in '" + text + "'");
            String hostPort = text.substring(sep + 3);
            int colon = hostPort.lastIndexOf(':');
            if (colon < 0) throw new IllegalArgumentException("no port in '" + text + "'");
            String host = hostPort.substring(0, colon);
            if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
            else if (host.contains(":")) throw new IllegalArgumentException("IPv6 host must be in brackets in '" + text + "'");
            int port;
            try {
                port = Integer.parseInt(hostPort.substring(colon + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bad port in '" + text + "'");
            }
            if (port < 0 || port > 65535) throw new IllegalArgumentException("port out of range in '" + text + "'");
            return new Listener(name, host, port);
        }

        @Override
        public String toString() {
            String h = host.contains(":") ? "[" + host + "]" : host;
            return name + "://" + h + ":" + port;
        }
    }

    private final ConfigValues values;
    private final Map<String, String> originals;
    private final Set<String> unknownKeys;
    /** Every key as supplied, also those under listener.name. (for the per-listener ssl.* overrides). */
    private final Map<String, String> supplied;

    private final Map<String, SaslListenerConfig> saslListeners;
    private final SaslListenerConfig.InterBrokerSasl interBrokerSasl;

    private BrokerConfigs(ConfigValues values, Map<String, String> originals, Set<String> unknownKeys, Map<String, String> supplied,
                          Map<String, SaslListenerConfig> saslListeners, SaslListenerConfig.InterBrokerSasl interBrokerSasl) {
        this.saslListeners = saslListeners;
        this.interBrokerSasl = interBrokerSasl;
        this.values = values;
        this.originals = originals;
        this.unknownKeys = unknownKeys;
        this.supplied = supplied;
    }

    /** The definition of every broker key. */
    public static ConfigDef definition() {
        return DEF;
    }

    /** Runnel's defaults, as if server.properties were empty. */
    public static BrokerConfigs defaults() {
        return parse(Map.of());
    }

    /**
     * Parses a broker configuration. Unknown keys are logged as warnings and ignored.
     *
     * @throws ConfigException for a value that does not parse or validate, or inconsistent keys
     */
    public static BrokerConfigs parse(Map<String, String> props) {
        Set<String> unknown = new java.util.TreeSet<>();
        ConfigValues v = DEF.parse(props, key -> {
            for (String p : ACCEPTED_PREFIXES) if (key.startsWith(p)) return;
            unknown.add(key);
        });
        for (String key : unknown) {
            if (isKafkaKeyNotImplemented(key)) {
                log.warn("The configuration '{}' is an Apache Kafka broker config that Runnel does not implement; it is ignored.", key);
            } else {
                log.warn("The configuration '{}' was supplied but isn't a known config; it is ignored.", key);
            }
        }
        Map<String, String> supplied = new LinkedHashMap<>();
        props.forEach((k, val) -> { if (val != null) supplied.put(k, val); });
        Map<String, String> suppliedView = Collections.unmodifiableMap(supplied);
        BrokerConfigs cfg = new BrokerConfigs(v, v.originals(), Collections.unmodifiableSet(unknown), suppliedView, Map.of(), null);
        cfg.checkConsistency();
        UnsupportedSecurityConfig.check(props, cfg);
        for (Listener l : cfg.listeners()) {
            if (cfg.isSsl(l.name())) cfg.sslSettings(l.name()); // a bad listener.name.<name>.ssl.* value stops the start here
        }
        cfg.controllerSslSettings(); // also on a broker-only node, whose listeners do not hold the controller listener
        Map<String, SaslListenerConfig> sasl = SaslListenerConfig.parse(props, cfg);
        return new BrokerConfigs(v, v.originals(), Collections.unmodifiableSet(unknown), suppliedView, sasl,
                SaslListenerConfig.interBroker(props, cfg, sasl));
    }

    /** Reads and parses a server.properties file (UTF-8, java.util.Properties syntax). */
    public static BrokerConfigs load(Path file) throws IOException {
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            return parse(read(r));
        }
    }

    /** Reads properties syntax into a map, keeping keys and values as strings. */
    public static Map<String, String> read(Reader r) throws IOException {
        Properties p = new Properties();
        p.load(r);
        Map<String, String> out = new LinkedHashMap<>();
        for (String name : new java.util.TreeSet<>(p.stringPropertyNames())) out.put(name, p.getProperty(name));
        return out;
    }

    private void checkConsistency() {
        String allowEveryone = supplied.get(ALLOW_EVERYONE_IF_NO_ACL_FOUND);
        if (allowEveryone != null && !allowEveryone.trim().equalsIgnoreCase("true") && !allowEveryone.trim().equalsIgnoreCase("false")) {
            throw ConfigException.invalidValue(ALLOW_EVERYONE_IF_NO_ACL_FOUND, allowEveryone, "Expected value to be either true or false");
        }
        if (values.isSet(BROKER_ID)) {
            int brokerId = values.getInt(BROKER_ID);
            if (values.isSet(NODE_ID) && values.getInt(NODE_ID) != brokerId) {
                throw new ConfigException(NODE_ID, "If both node.id and broker.id are set they must be equal, but node.id="
                        + values.getInt(NODE_ID) + " and broker.id=" + brokerId);
            }
        }
        Map<String, String> protocols = listenerSecurityProtocolMap();
        Set<String> names = new HashSet<>();
        for (Listener l : listeners()) {
            if (!names.add(l.name())) {
                throw ConfigException.invalidValue(LISTENERS, values.originals().getOrDefault(LISTENERS, DEF.key(LISTENERS).defaultText()),
                        "listener name " + l.name() + " appears more than once");
            }
            if (!protocols.containsKey(l.name())) {
                throw ConfigException.invalidValue(LISTENERS, l.toString(), "no security protocol is defined for listener "
                        + l.name() + " in " + LISTENER_SECURITY_PROTOCOL_MAP);
            }
        }
        for (Listener l : advertisedListeners()) {
            if (l.host().equals("0.0.0.0") || l.host().equals("::")) {
                throw ConfigException.invalidValue(ADVERTISED_LISTENERS, l.toString(),
                        "cannot advertise the non-routable meta-address " + l.host());
            }
            if (!names.contains(l.name())) {
                throw ConfigException.invalidValue(ADVERTISED_LISTENERS, l.toString(),
                        "listener " + l.name() + " is not one of the listeners " + names);
            }
        }
        String ibl = values.getString(INTER_BROKER_LISTENER_NAME);
        if (ibl != null && !names.contains(ibl.toUpperCase(Locale.ROOT))) {
            throw ConfigException.invalidValue(INTER_BROKER_LISTENER_NAME, ibl, "is not one of the listeners " + names);
        }
        if (values.isSet(SECURITY_INTER_BROKER_PROTOCOL)) {
            String protocol = values.getString(SECURITY_INTER_BROKER_PROTOCOL).toUpperCase(Locale.ROOT);
            if (ibl != null) {
                throw ConfigException.invalidValue(SECURITY_INTER_BROKER_PROTOCOL, protocol, "only one of "
                        + INTER_BROKER_LISTENER_NAME + " and " + SECURITY_INTER_BROKER_PROTOCOL + " may be set (Kafka's rule)");
            }
            if (!names.contains(protocol)) {
                throw ConfigException.invalidValue(SECURITY_INTER_BROKER_PROTOCOL, protocol, "names the inter-broker listener "
                        + "by its protocol, so a listener called " + protocol + " is needed (the listeners are " + names
                        + "); or set " + INTER_BROKER_LISTENER_NAME + " instead");
            }
        }
        if (values.getBoolean(REMOTE_LOG_STORAGE_SYSTEM_ENABLE)) {
            throw ConfigException.invalidValue(REMOTE_LOG_STORAGE_SYSTEM_ENABLE, true, "Runnel does not support tiered storage");
        }
        if (logDirs().isEmpty()) {
            throw ConfigException.invalidValue(values.isSet(LOG_DIRS) ? LOG_DIRS : LOG_DIR, "", "at least one log directory is needed");
        }
        if (clusterMode()) {
            checkClusterListeners(names);
        } else if (!isBroker()) {
            throw new ConfigException(CONTROLLER_QUORUM_VOTERS, PROCESS_ROLES + "=controller (a dedicated controller) needs "
                    + CONTROLLER_QUORUM_VOTERS + ": it is one voter of a cluster's metadata quorum, and serves no clients itself");
        }
    }

    /**
     * In a cluster a controller needs its controller listener (Kafka's rule: controller.listener.names set
     * and its first name one of the listeners); a broker needs a listener for clients besides it; a dedicated
     * controller ({@code process.roles=controller}) has controller listeners only (Kafka's rule; advertised.listeners
     * are checked against the listeners before).
     */
    private void checkClusterListeners(Set<String> names) {
        List<String> controllers = controllerListenerNames();
        if (isController()) {
            if (controllers.isEmpty()) {
                throw new ConfigException(CONTROLLER_LISTENER_NAMES, CONTROLLER_LISTENER_NAMES + " must be set on a node with the "
                        + "controller role when " + CONTROLLER_QUORUM_VOTERS + " is set (e.g. CONTROLLER, with "
                        + "CONTROLLER://host:port among the listeners)");
            }
            if (!names.contains(controllers.get(0))) {
                throw new ConfigException(CONTROLLER_LISTENER_NAMES, "The controller listener " + controllers.get(0) + " named by "
                        + CONTROLLER_LISTENER_NAMES + " is not one of the listeners " + names + ": add "
                        + controllers.get(0) + "://host:port to " + LISTENERS);
            }
        }
        if (!isBroker()) {
            // Kafka's rule for process.roles=controller: it serves no clients, so every listener is a controller listener
            List<String> others = listeners().stream().map(Listener::name).filter(n -> !controllers.contains(n)).toList();
            if (!others.isEmpty()) {
                throw new ConfigException(LISTENERS, "The " + LISTENERS + " config must only contain KRaft controller listeners from "
                        + CONTROLLER_LISTENER_NAMES + " " + controllers + " when " + PROCESS_ROLES + "=controller, but it has "
                        + others + ": a dedicated controller serves no clients");
            }
        }
        if (isBroker() && clientListeners().isEmpty()) {
            throw ConfigException.invalidValue(LISTENERS, values.originals().getOrDefault(LISTENERS, DEF.key(LISTENERS).defaultText()),
                    "a broker needs a listener for clients besides the controller listener(s) " + controllers);
        }
    }

    /**
     * Checks a dynamic broker config change: every key must be one Runnel applies at run time and its value
     * valid. The refusal says what a user can do: a Kafka key Runnel does not implement, a key Kafka changes
     * at run time but Runnel only reads at start (set it in server.properties), a key that is never dynamic
     * (Kafka's message), or an unknown name.
     */
    public static void validateDynamic(Map<String, String> changes) {
        for (Map.Entry<String, String> e : changes.entrySet()) {
            String key = e.getKey();
            if (!DEF.contains(key)) {
                if (isKafkaKeyNotImplemented(key)) {
                    throw new ConfigException(key, key + " is an Apache Kafka broker config that Runnel does not implement; "
                            + "setting it would have no effect, so it is not stored.");
                }
                throw new ConfigException(key, "Unknown broker config name: " + key);
            }
            if (key.startsWith("sasl.")) {
                throw new ConfigException(key, "Runnel does not implement SASL yet: " + key
                        + " would have no effect, so it is not stored.");
            }
            if (staticInRunnel(key)) {
                throw new ConfigException(key, "Runnel cannot change " + key + " while running (Kafka can): set it in "
                        + "server.properties and restart the broker.");
            }
            if (!DEF.key(key).dynamic()) {
                throw new ConfigException(key, "Cannot update these configs dynamically: [" + key + "]");
            }
            if (e.getValue() != null) DEF.parseValue(e.getKey(), e.getValue());
        }
    }

    // ---------------------------------------------------------------- accessors

    /** Every key with its typed value. */
    public ConfigValues values() {
        return values;
    }

    /** The known keys exactly as supplied: the static layer for {@link TopicConfigs#resolve}. */
    public Map<String, String> originals() {
        return originals;
    }

    /** Keys that were supplied but are not known (and were ignored). */
    public Set<String> unknownKeys() {
        return unknownKeys;
    }

    public int nodeId() {
        if (!values.isSet(NODE_ID) && values.isSet(BROKER_ID)) return values.getInt(BROKER_ID);
        return values.getInt(NODE_ID);
    }

    /** The configured cluster id, or null. */
    public Uuid clusterId() {
        String s = values.getString(CLUSTER_ID);
        return s == null ? null : Uuid.fromString(s);
    }

    public String rack() {
        return values.getString(BROKER_RACK);
    }

    /**
     * Whether this node is part of a cluster: {@code controller.quorum.voters} is set. Otherwise it is a
     * single combined node with its metadata log on local disk, as without any configuration.
     */
    public boolean clusterMode() {
        List<String> voters = values.getList(CONTROLLER_QUORUM_VOTERS);
        return voters != null && voters.stream().anyMatch(v -> !v.isBlank());
    }

    /** Whether {@code process.roles} includes controller. */
    public boolean isController() {
        return values.getList(PROCESS_ROLES).stream().anyMatch(r -> r.trim().equalsIgnoreCase("controller"));
    }

    /** Whether {@code process.roles} includes broker. */
    public boolean isBroker() {
        return values.getList(PROCESS_ROLES).stream().anyMatch(r -> r.trim().equalsIgnoreCase("broker"));
    }

    /** The security protocol of listener {@code name} (upper case), or null when it has none. */
    public String securityProtocol(String name) {
        return listenerSecurityProtocolMap().get(name.toUpperCase(Locale.ROOT));
    }

    /** Whether listener {@code name} serves TLS: mapped to SSL or SASL_SSL (the latter authenticates with SASL after TLS). */
    public boolean isSsl(String name) {
        String p = securityProtocol(name);
        return "SSL".equals(p) || "SASL_SSL".equals(p);
    }

    /** Whether listener {@code name} authenticates with SASL: mapped to SASL_PLAINTEXT or SASL_SSL. */
    public boolean isSasl(String name) {
        String p = securityProtocol(name);
        return "SASL_PLAINTEXT".equals(p) || "SASL_SSL".equals(p);
    }

    /**
     * The {@code ssl.*} settings of listener {@code name}: {@code listener.name.<lower-case name>.ssl.*} where
     * supplied, else the plain {@code ssl.*} key (Kafka's rule).
     *
     * @throws ConfigException naming the override key when its value does not parse
     */
    public SslSettings sslSettings(String name) {
        String prefix = "listener.name." + name.toLowerCase(Locale.ROOT) + ".";
        Map<String, Object> vals = new LinkedHashMap<>();
        Map<String, String> sources = new LinkedHashMap<>();
        for (ConfigDef.Key k : DEF.keys().values()) {
            if (!k.name().startsWith("ssl.")) continue;
            String override = supplied.get(prefix + k.name());
            if (override != null) {
                try {
                    vals.put(k.name(), DEF.parseValue(k.name(), override));
                } catch (ConfigException e) {
                    throw new ConfigException(prefix + k.name(), e.getMessage().replace("configuration " + k.name(),
                            "configuration " + prefix + k.name()));
                }
                sources.put(k.name(), prefix + k.name());
            } else {
                vals.put(k.name(), values.get(k.name()));
                sources.put(k.name(), k.name());
            }
        }
        return new SslSettings(name.toUpperCase(Locale.ROOT), vals, sources);
    }

    /** The upper-cased names of {@code controller.listener.names}; empty when unset. */
    public List<String> controllerListenerNames() {
        List<String> names = values.getList(CONTROLLER_LISTENER_NAMES);
        if (names == null) return List.of();
        return names.stream().map(n -> n.trim().toUpperCase(Locale.ROOT)).filter(n -> !n.isEmpty()).toList();
    }

    /**
     * The listeners that serve Kafka clients: all of them on a single node (as before clusters existed),
     * all but the controller listeners in a cluster, where the quorum owns those.
     */
    public List<Listener> clientListeners() {
        if (!clusterMode()) return listeners();
        List<String> controllers = controllerListenerNames();
        return listeners().stream().filter(l -> !controllers.contains(l.name())).toList();
    }

    /** {@link #advertisedListeners()} without the controller listeners in a cluster (see {@link #clientListeners()}). */
    /**
     * The listener other brokers are reached on, Kafka's rule: {@code inter.broker.listener.name}; else, when
     * {@code security.inter.broker.protocol} is set, the listener named after that protocol; else (Runnel's default
     * where Kafka would want a listener called PLAINTEXT) the first client listener; null if there is none.
     */
    public String interBrokerListenerName() {
        String ibl = values.getString(INTER_BROKER_LISTENER_NAME);
        if (ibl != null) return ibl.toUpperCase(Locale.ROOT);
        if (values.isSet(SECURITY_INTER_BROKER_PROTOCOL)) return values.getString(SECURITY_INTER_BROKER_PROTOCOL).toUpperCase(Locale.ROOT);
        List<Listener> clients = advertisedClientListeners();
        return clients.isEmpty() ? null : clients.get(0).name();
    }

    public List<Listener> advertisedClientListeners() {
        if (!clusterMode()) return advertisedListeners();
        List<String> controllers = controllerListenerNames();
        return advertisedListeners().stream().filter(l -> !controllers.contains(l.name())).toList();
    }

    /**
     * The {@code ssl.*} settings (with {@code listener.name.<controller>.ssl.*} overrides) of the controller listener
     * (the first of {@code controller.listener.names}) when this node is in a cluster and that listener is mapped to
     * SSL: every connection of the metadata quorum then uses TLS with them, on voters and on observers (a broker-only
     * node names the controller listener too, as Kafka's brokers do, though it is not among its listeners). Null when
     * the quorum's connections are plaintext. (SASL protocols on it are refused at start.)
     */
    public SslSettings controllerSslSettings() {
        if (!clusterMode()) return null;
        List<String> controllers = controllerListenerNames();
        if (controllers.isEmpty() || !"SSL".equals(securityProtocol(controllers.get(0)))) return null;
        return sslSettings(controllers.get(0));
    }

    /** The listener this controller's quorum binds: the first of controller.listener.names; null if none. */
    public Listener controllerListener() {
        List<String> controllers = controllerListenerNames();
        if (controllers.isEmpty()) return null;
        return listeners().stream().filter(l -> l.name().equals(controllers.get(0))).findFirst().orElse(null);
    }

    public List<Listener> listeners() {
        return parseListeners(values.getList(LISTENERS));
    }

    /** The advertised listeners, or the listeners when none are configured. */
    public List<Listener> advertisedListeners() {
        List<String> adv = values.getList(ADVERTISED_LISTENERS);
        return adv == null ? listeners() : parseListeners(adv);
    }

    /** Listener name (upper case) to security protocol. */
    public Map<String, String> listenerSecurityProtocolMap() {
        Map<String, String> out = new LinkedHashMap<>();
        for (String item : values.getList(LISTENER_SECURITY_PROTOCOL_MAP)) {
            int c = item.indexOf(':');
            out.put(item.substring(0, c).trim().toUpperCase(Locale.ROOT), item.substring(c + 1).trim().toUpperCase(Locale.ROOT));
        }
        return out;
    }

    /** The SASL settings of a SASL_PLAINTEXT or SASL_SSL listener (name in upper case), or null for any other listener. */
    public SaslListenerConfig saslListener(String listenerName) {
        return saslListeners.get(listenerName.toUpperCase(Locale.ROOT));
    }

    /**
     * How this broker authenticates to the other brokers' inter-broker listener when that listener is
     * SASL_PLAINTEXT or SASL_SSL in a cluster ({@code sasl.mechanism.inter.broker.protocol} and the username/password
     * of the listener's JAAS entry for it), else null.
     */
    public SaslListenerConfig.InterBrokerSasl interBrokerSasl() {
        return interBrokerSasl;
    }

    /** Whether {@code authorizer.class.name} switches on the authorizer (only Kafka's StandardAuthorizer gets past the start checks). */
    public boolean authorizerEnabled() {
        String v = values.getString("authorizer.class.name");
        return v != null && !v.isBlank();
    }

    /** {@code super.users} as supplied (principals separated by semicolons), or null. */
    public String superUsers() {
        return values.getString("super.users");
    }

    /**
     * {@code allow.everyone.if.no.acl.found} (a key of Kafka's authorizer, default false): whether a resource without
     * any ACL is open to everyone.
     */
    public boolean allowEveryoneIfNoAclFound() {
        String v = supplied.get(ALLOW_EVERYONE_IF_NO_ACL_FOUND);
        return v != null && Boolean.parseBoolean(v.trim());
    }

    /** {@code audit.log.dir}, else {@code audit} beside the first log directory. */
    public Path auditLogDir() {
        String d = values.getString(AUDIT_LOG_DIR);
        if (d != null && !d.isBlank()) return Path.of(d);
        Path first = Path.of(logDirs().get(0)).toAbsolutePath().normalize();
        return first.getParent() == null ? first.resolve("audit") : first.resolveSibling("audit");
    }

    /** {@code connections.max.reauth.ms}: the longest SASL session (KIP-368); 0 = sessions do not expire. */
    public long connectionsMaxReauthMs() {
        return values.getLong(CONNECTIONS_MAX_REAUTH_MS);
    }

    /** log.dirs if set, else log.dir. */
    public List<String> logDirs() {
        List<String> dirs = values.getList(LOG_DIRS);
        if (dirs == null || dirs.isEmpty()) dirs = values.getList(LOG_DIR);
        List<String> out = new ArrayList<>();
        for (String d : dirs) if (!d.isEmpty()) out.add(d);
        return out;
    }

    /** metadata.log.dir, else the first log directory. */
    public Path metadataLogDir() {
        String m = values.getString(METADATA_LOG_DIR);
        return Path.of(m != null && !m.isEmpty() ? m : logDirs().get(0));
    }

    /** Where the metadata log's files live: {@code <metadata.log.dir>/__cluster_metadata-0}. */
    public Path metadataPartitionDir() {
        return metadataLogDir().resolve(METADATA_PARTITION_DIR);
    }

    public int numPartitions() {
        return values.getInt(NUM_PARTITIONS);
    }

    public short defaultReplicationFactor() {
        return (short) Math.min(Short.MAX_VALUE, values.getInt(DEFAULT_REPLICATION_FACTOR));
    }

    public boolean autoCreateTopicsEnable() {
        return values.getBoolean(AUTO_CREATE_TOPICS_ENABLE);
    }

    public boolean deleteTopicEnable() {
        return values.getBoolean(DELETE_TOPIC_ENABLE);
    }

    public int socketRequestMaxBytes() {
        return values.getInt(SOCKET_REQUEST_MAX_BYTES);
    }

    public int messageMaxBytes() {
        return values.getInt(MESSAGE_MAX_BYTES);
    }

    public int numNetworkThreads() {
        return values.getInt(NUM_NETWORK_THREADS);
    }

    public int numIoThreads() {
        return values.getInt(NUM_IO_THREADS);
    }

    /** log.retention.ms, else minutes, else hours, in milliseconds; -1 when unlimited. */
    public long logRetentionMs() {
        return Long.parseLong(TopicConfigs.resolve(Map.of(), originals).get(TopicConfigs.RETENTION_MS));
    }

    /** log.roll.ms, else log.roll.hours, in milliseconds. */
    public long logRollMs() {
        return Long.parseLong(TopicConfigs.resolve(Map.of(), originals).get(TopicConfigs.SEGMENT_MS));
    }

    public long metadataSnapshotMaxNewRecordBytes() {
        return values.getLong(METADATA_SNAPSHOT_MAX_NEW_RECORD_BYTES);
    }

    // ---------------------------------------------------------------- DescribeConfigs

    /** Every broker key as DescribeConfigs reports it, given the broker's dynamic configs. */
    public List<ConfigEntry> describe(Map<String, String> dynamicBroker, Map<String, String> dynamicDefault) {
        BrokerConfigLayers layers = new BrokerConfigLayers(dynamicBroker, dynamicDefault, originals);
        List<ConfigEntry> out = new ArrayList<>();
        for (Key k : DEF.keys().values()) {
            List<ConfigEntry.Synonym> syn = new ArrayList<>();
            for (String name : synonymChain(k.name())) {
                Key sk = DEF.key(name);
                for (ConfigEntry.Synonym s : layers.all(name)) syn.add(mask(sk, s));
                if (sk.hasDefault()) syn.add(mask(sk, new ConfigEntry.Synonym(name, sk.defaultText(), ConfigSource.DEFAULT_CONFIG)));
            }
            // the value is the key's own (null when neither set nor defaulted, as Kafka shows log.retention.ms);
            // the source is that of the first synonym, which is where the effective setting comes from
            ConfigEntry.Synonym own = null;
            for (ConfigEntry.Synonym s : syn) {
                if (s.name().equals(k.name())) {
                    own = s;
                    break;
                }
            }
            ConfigSource source = syn.isEmpty() ? ConfigSource.DEFAULT_CONFIG : syn.get(0).source();
            String value = own == null ? null : own.value();
            if (value != null && !k.sensitive()) value = ConfigDef.format(k.type(), ConfigDef.parseValue(k.name(), k.type(), value));
            String doc = staticInRunnel(k.name()) && !k.documentation().startsWith(NOT_APPLIED)
                    ? k.documentation() + " Runnel reads it at start only; Kafka can also change it at run time." : k.documentation();
            out.add(new ConfigEntry(k.name(), value, source, !k.dynamic(), k.sensitive(), k.type(), doc, syn));
        }
        for (KafkaBrokerCatalogue.Key k : KAFKA.all()) {
            if (!k.internal() && !DEF.contains(k.name())) out.add(notImplemented(k));
        }
        return out;
    }

    /**
     * A Kafka key Runnel does not implement: Kafka's default, read-only (a change is refused), documented as not
     * implemented. A value set in server.properties is ignored, so it is not shown either.
     */
    private static ConfigEntry notImplemented(KafkaBrokerCatalogue.Key k) {
        boolean sensitive = k.type().isSensitive();
        String value = sensitive ? null : k.defaultValue();
        List<ConfigEntry.Synonym> syn = k.hasDefault()
                ? List.of(new ConfigEntry.Synonym(k.name(), value, ConfigSource.DEFAULT_CONFIG)) : List.of();
        return new ConfigEntry(k.name(), value, ConfigSource.DEFAULT_CONFIG, true, sensitive, k.type(), NOT_IMPLEMENTED_DOC, syn);
    }

    /** The broker keys that name the same setting as {@code name}, highest precedence first; just it if none. */
    static List<String> synonymChain(String name) {
        for (List<String> chain : SYNONYM_CHAINS) if (chain.contains(name)) return chain;
        return List.of(name);
    }

    /**
     * Whether {@code name} is a key Runnel defines and reads at start only while Kafka can change it at run time
     * (per the catalogue): a dynamic change is refused with a message saying to set it in server.properties.
     */
    static boolean staticInRunnel(String name) {
        KafkaBrokerCatalogue.Key kafka = KAFKA.key(name);
        return DEF.contains(name) && !DEF.key(name).dynamic() && kafka != null && kafka.dynamic();
    }

    /** Whether {@code name} is a Kafka broker key Runnel does not implement (and ignores). */
    public static boolean isKafkaKeyNotImplemented(String name) {
        return !DEF.contains(name) && KAFKA.contains(name);
    }

    private static ConfigEntry.Synonym mask(Key k, ConfigEntry.Synonym s) {
        return k.sensitive() ? new ConfigEntry.Synonym(s.name(), null, s.source()) : s;
    }

    @Override
    public String toString() {
        return "BrokerConfigs" + values;
    }

    // ---------------------------------------------------------------- validators

    private static List<Listener> parseListeners(List<String> items) {
        List<Listener> out = new ArrayList<>();
        for (String s : items) out.add(Listener.parse(s));
        return out;
    }

    private static ConfigDef.Validator listenersValidator() {
        return ConfigDef.custom("NAME://host:port,...", (name, value) -> {
            @SuppressWarnings("unchecked")
            List<String> items = (List<String>) value;
            for (String s : items) {
                try {
                    Listener.parse(s);
                } catch (IllegalArgumentException e) {
                    throw ConfigException.invalidValue(name, String.join(",", items), e.getMessage());
                }
            }
        });
    }

    private static ConfigDef.Validator protocolMapValidator() {
        return ConfigDef.custom("NAME:PROTOCOL,...", (name, value) -> {
            @SuppressWarnings("unchecked")
            List<String> items = (List<String>) value;
            for (String item : items) {
                int c = item.indexOf(':');
                String protocol = c < 0 ? "" : item.substring(c + 1).trim().toUpperCase(Locale.ROOT);
                if (c <= 0 || !SECURITY_PROTOCOLS.contains(protocol)) {
                    throw ConfigException.invalidValue(name, String.join(",", items),
                            "each item must be NAME:PROTOCOL with PROTOCOL one of " + SECURITY_PROTOCOLS + ", not '" + item + "'");
                }
            }
        });
    }

    /**
     * Parses max.connections.per.ip.overrides: {@code host-or-ip:limit,...} (Kafka's format); the limit is
     * after the last colon, so IPv6 addresses work too, bracketed or not.
     *
     * @throws ConfigException naming the key
     */
    public static Map<String, Integer> parseConnectionOverrides(String text) {
        Map<String, Integer> out = new LinkedHashMap<>();
        if (text == null || text.isBlank()) return out;
        for (String item : text.split(",")) {
            String s = item.trim();
            int c = s.lastIndexOf(':');
            try {
                if (c <= 0) throw new NumberFormatException();
                int limit = Integer.parseInt(s.substring(c + 1).trim());
                if (limit < 0) throw new NumberFormatException();
                String host = s.substring(0, c).trim();
                if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
                out.put(host, limit);
            } catch (NumberFormatException e) {
                throw ConfigException.invalidValue("max.connections.per.ip.overrides", text,
                        "each item must be host:limit with a limit of 0 or more, not '" + s + "'");
            }
        }
        return out;
    }

    private static ConfigDef.Validator clusterIdValidator() {
        return ConfigDef.custom("a 22-character base64 cluster id", (name, value) -> {
            try {
                Uuid u = Uuid.fromString((String) value);
                if (u.equals(Uuid.ZERO) || u.equals(Uuid.ONE)) throw new IllegalArgumentException("reserved id");
            } catch (IllegalArgumentException e) {
                throw ConfigException.invalidValue(name, value, "not a valid cluster id (" + e.getMessage() + ")");
            }
        });
    }
}
