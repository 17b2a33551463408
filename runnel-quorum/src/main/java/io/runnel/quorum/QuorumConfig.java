package io.runnel.quorum;

import io.runnel.config.BrokerConfigs;
import io.runnel.config.ConfigDef;
import io.runnel.config.ConfigException;
import io.runnel.config.ConfigValues;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import static io.runnel.config.BrokerConfigs.CONTROLLER_QUORUM_ELECTION_TIMEOUT_MS;
import static io.runnel.config.BrokerConfigs.CONTROLLER_QUORUM_LEADER_PROBE_ENABLE;
import static io.runnel.config.BrokerConfigs.CONTROLLER_QUORUM_VOTERS;
import static io.runnel.config.BrokerConfigs.LOG_DIR;
import static io.runnel.config.BrokerConfigs.LOG_DIRS;
import static io.runnel.config.BrokerConfigs.METADATA_LOG_DIR;
import static io.runnel.config.BrokerConfigs.METADATA_QUORUM_OBSERVER_ADDRESS;
import static io.runnel.config.BrokerConfigs.METADATA_SNAPSHOT_INTERVAL_MS;
import static io.runnel.config.BrokerConfigs.METADATA_SNAPSHOT_MAX_NEW_RECORD_BYTES;
import static io.runnel.config.BrokerConfigs.NODE_ID;
import static io.runnel.config.BrokerConfigs.PROCESS_ROLES;

/**
 * The metadata quorum's part of a node's configuration, with Kafka's keys: {@code node.id},
 * {@code process.roles}, {@code controller.quorum.voters} ({@code id@host:port,...}),
 * {@code metadata.log.dir} (else the first of {@code log.dirs}/{@code log.dir}), the snapshot triggers
 * and {@code controller.quorum.election.timeout.ms}. Keys this class does not read (the broker's) are
 * ignored, so a whole server.properties can be handed in. {@link io.runnel.config.BrokerConfigs} defines every
 * key (default, valid range, documentation); this class reads its part of them.
 *
 * <p>Validation errors are {@link ConfigException}s naming the key: bad voter syntax, duplicate voter
 * ids or addresses, a controller missing from the voters, a broker-only node listed as a voter, a
 * broker-only node without voters. An empty voters list on a controller means a quorum of one: this
 * node on loopback, port {@value #SINGLE_NODE_PORT} (any free port), which nobody else needs to reach.
 *
 * <p>Immutable.
 */
public final class QuorumConfig {
    /** The directory, inside the metadata log dir, holding the replicated log (Ratis storage). */
    public static final String QUORUM_DIR = "__cluster_metadata-quorum";
    static final int SINGLE_NODE_PORT = 0;

    /** The roles of {@code process.roles}. */
    public enum Role { BROKER, CONTROLLER }

    /** One entry of {@code controller.quorum.voters}. */
    public record Voter(int id, String host, int port) {
        public String address() {
            return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
        }

        @Override
        public String toString() {
            return id + "@" + address();
        }
    }

    /** The keys read here, as BrokerConfigs defines them (one definition for the whole configuration). */
    private static final ConfigDef DEF = BrokerConfigs.definition().subset(NODE_ID, PROCESS_ROLES, CONTROLLER_QUORUM_VOTERS,
            CONTROLLER_QUORUM_ELECTION_TIMEOUT_MS, CONTROLLER_QUORUM_LEADER_PROBE_ENABLE, METADATA_LOG_DIR, LOG_DIRS, LOG_DIR,
            METADATA_SNAPSHOT_MAX_NEW_RECORD_BYTES, METADATA_SNAPSHOT_INTERVAL_MS, METADATA_QUORUM_OBSERVER_ADDRESS);

    private final int nodeId;
    private final Set<Role> roles;
    private final List<Voter> voters;
    private final boolean votersConfigured;
    private final int electionTimeoutMs;
    private final boolean leaderProbe;
    private final Path metadataLogDir;
    private final long snapshotMaxBytes;
    private final long snapshotIntervalMs;
    private final String observerHost;
    private final int observerPort;

    private QuorumConfig(ConfigValues v) {
        nodeId = v.getInt(NODE_ID);
        EnumSet<Role> r = EnumSet.noneOf(Role.class);
        for (String s : v.getList(PROCESS_ROLES)) r.add(Role.valueOf(s.trim().toUpperCase(Locale.ROOT)));
        roles = Set.copyOf(r);
        List<Voter> parsed = parseVoters(v.getList(CONTROLLER_QUORUM_VOTERS));
        votersConfigured = !parsed.isEmpty();
        electionTimeoutMs = v.getInt(CONTROLLER_QUORUM_ELECTION_TIMEOUT_MS);
        leaderProbe = v.getBoolean(CONTROLLER_QUORUM_LEADER_PROBE_ENABLE);
        snapshotMaxBytes = v.getLong(METADATA_SNAPSHOT_MAX_NEW_RECORD_BYTES);
        snapshotIntervalMs = v.getLong(METADATA_SNAPSHOT_INTERVAL_MS);
        metadataLogDir = metadataLogDir(v);
        String[] obs = splitHostPort(METADATA_QUORUM_OBSERVER_ADDRESS, v.getString(METADATA_QUORUM_OBSERVER_ADDRESS), v.getString(METADATA_QUORUM_OBSERVER_ADDRESS), true);
        observerHost = obs[0];
        observerPort = Integer.parseInt(obs[1]);
        boolean controller = roles.contains(Role.CONTROLLER);
        boolean listed = parsed.stream().anyMatch(x -> x.id() == nodeId);
        if (controller && votersConfigured && !listed) {
            throw new ConfigException(CONTROLLER_QUORUM_VOTERS, CONTROLLER_QUORUM_VOTERS + " " + parsed + " does not include this controller: "
                    + NODE_ID + "=" + nodeId + " has the controller role, so it must be one of the voters");
        }
        if (!controller && listed) {
            throw new ConfigException(CONTROLLER_QUORUM_VOTERS, CONTROLLER_QUORUM_VOTERS + " lists " + NODE_ID + "=" + nodeId
                    + ", but " + PROCESS_ROLES + " does not include controller: only controllers vote");
        }
        if (!controller && !votersConfigured) {
            throw new ConfigException(CONTROLLER_QUORUM_VOTERS, CONTROLLER_QUORUM_VOTERS + " is empty, but a node without the controller role"
                    + " needs the voters to follow the metadata log");
        }
        voters = votersConfigured ? List.copyOf(parsed) : List.of(new Voter(nodeId, "127.0.0.1", SINGLE_NODE_PORT));
    }

    /**
     * Parses and validates {@code props}; unknown keys are ignored.
     *
     * @throws ConfigException naming the offending key
     */
    public static QuorumConfig parse(Map<String, String> props) {
        return new QuorumConfig(DEF.parse(props, unknown -> { }));
    }

    private static List<Voter> parseVoters(List<String> entries) {
        List<Voter> out = new ArrayList<>();
        Set<Integer> ids = new HashSet<>();
        Set<String> addresses = new HashSet<>();
        String all = String.join(",", entries);
        for (String raw : entries) {
            String e = raw.trim();
            if (e.isEmpty()) continue;
            int at = e.indexOf('@');
            if (at <= 0) throw badVoter(all, e, "expected id@host:port");
            int id;
            try {
                id = Integer.parseInt(e.substring(0, at));
            } catch (NumberFormatException ex) {
                throw badVoter(all, e, "the id '" + e.substring(0, at) + "' is not a number");
            }
            if (id < 0) throw badVoter(all, e, "the id must not be negative");
            String[] hp = splitHostPort(CONTROLLER_QUORUM_VOTERS, all, e.substring(at + 1), false);
            Voter v = new Voter(id, hp[0], Integer.parseInt(hp[1]));
            if (!ids.add(id)) throw badVoter(all, e, "voter id " + id + " appears more than once");
            if (!addresses.add(v.address())) throw badVoter(all, e, "address " + v.address() + " appears more than once");
            out.add(v);
        }
        return out;
    }

    /** {host, port}; IPv6 hosts in brackets. Port 0 only when {@code allowZero}. */
    private static String[] splitHostPort(String key, String whole, String hostPort, boolean allowZero) {
        int colon = hostPort.lastIndexOf(':');
        if (colon <= 0 || colon == hostPort.length() - 1) throw badValue(key, whole, hostPort, "expected host:port");
        String host = hostPort.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
        if (host.isEmpty()) throw badValue(key, whole, hostPort, "the host is empty");
        int port;
        try {
            port = Integer.parseInt(hostPort.substring(colon + 1));
        } catch (NumberFormatException ex) {
            throw badValue(key, whole, hostPort, "the port '" + hostPort.substring(colon + 1) + "' is not a number");
        }
        if (port < (allowZero ? 0 : 1) || port > 65535) throw badValue(key, whole, hostPort, "port " + port + " is out of range");
        return new String[]{host, Integer.toString(port)};
    }

    private static ConfigException badVoter(String all, String entry, String reason) {
        return badValue(CONTROLLER_QUORUM_VOTERS, all, entry, reason);
    }

    private static ConfigException badValue(String key, String all, String entry, String reason) {
        return new ConfigException(key, "Invalid value " + all + " for configuration " + key + ": '" + entry + "': " + reason);
    }

    private static Path metadataLogDir(ConfigValues v) {
        String m = v.getString(METADATA_LOG_DIR);
        if (m != null && !m.isBlank()) return Path.of(m.trim());
        List<String> dirs = v.getList(LOG_DIRS);
        if (dirs == null || dirs.isEmpty()) dirs = v.getList(LOG_DIR);
        if (dirs == null || dirs.isEmpty() || dirs.get(0).isBlank()) {
            throw new ConfigException(METADATA_LOG_DIR, "no metadata log directory: set " + METADATA_LOG_DIR + " or " + LOG_DIRS);
        }
        return Path.of(dirs.get(0).trim());
    }

    public int nodeId() {
        return nodeId;
    }

    public Set<Role> roles() {
        return roles;
    }

    /** Whether this node votes in the quorum (has the controller role). Otherwise it is an observer. */
    public boolean isVoter() {
        return roles.contains(Role.CONTROLLER);
    }

    /** The voters; a single loopback voter (this node) when {@code controller.quorum.voters} is empty. */
    public List<Voter> voters() {
        return voters;
    }

    /** This node's own voter entry, or null for an observer. */
    public Voter self() {
        return voters.stream().filter(v -> v.id() == nodeId && isVoter()).findFirst().orElse(null);
    }

    public int electionTimeoutMs() {
        return electionTimeoutMs;
    }

    /** Whether a voter probes a silent leader and elects at once when its port refuses ({@link LeaderProbe}). */
    public boolean leaderProbe() {
        return leaderProbe;
    }

    public Path metadataLogDir() {
        return metadataLogDir;
    }

    /** Where the replicated log lives: {@code <metadata.log.dir>/__cluster_metadata-quorum}. */
    public Path quorumDir() {
        return metadataLogDir.resolve(QUORUM_DIR);
    }

    public long snapshotMaxBytes() {
        return snapshotMaxBytes;
    }

    public long snapshotIntervalMs() {
        return snapshotIntervalMs;
    }

    public String observerHost() {
        return observerHost;
    }

    public int observerPort() {
        return observerPort;
    }
}
