package io.runnel.it;

import io.runnel.broker.BrokerServer;
import io.runnel.broker.RunnelNode;
import io.runnel.config.BrokerConfigs;
import io.runnel.quorum.LinkFaultsFile;
import io.runnel.quorum.RaftLinkFaults;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.Node;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.StringJoiner;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

/**
 * N combined nodes (broker and controller) of one cluster on loopback, in this JVM ({@link BrokerServer})
 * or as separate processes ({@link BrokerProcess}), each with its own client port, controller (quorum)
 * port and data directory under one base directory; optionally broker-only nodes besides them, or
 * ({@link #createDedicated}) K dedicated controllers ({@code process.roles=controller}, no client
 * listener) and M broker-only nodes. Ports are chosen once, so a node restarts where it
 * was. Nodes can be stopped cleanly (SIGTERM: a controlled shutdown), killed (kill -9; in this JVM: the
 * same as a stop, since a JVM cannot kill part of itself), restarted and wiped.
 *
 * <p>Reusable by the replication tests: {@link #config(int)} gives every node's server.properties.
 */
public final class ClusterHarness implements AutoCloseable {
    /** How each node runs. */
    public enum Mode { IN_PROCESS, PROCESS }

    private final Mode mode;
    private final Path baseDir;
    private final int size;
    private final int voters;
    /** Whether the voters are dedicated controllers (process.roles=controller) rather than combined nodes. */
    private final boolean dedicated;
    private final Map<String, String> extra;
    /** Settings of one node on top of {@link #extra} (e.g. its broker.rack). */
    private java.util.function.IntFunction<Map<String, String>> perNode = id -> Map.of();
    private final int[] clientPorts;
    private final int[] controllerPorts;
    private final RunnelNode[] servers;
    private final BrokerProcess[] processes;

    private ClusterHarness(Mode mode, Path baseDir, int voters, int brokers, Map<String, String> extra) {
        this(mode, baseDir, voters, brokers, false, extra);
    }

    private ClusterHarness(Mode mode, Path baseDir, int voters, int brokers, boolean dedicated, Map<String, String> extra) {
        this.mode = mode;
        this.dedicated = dedicated;
        this.baseDir = baseDir;
        this.size = voters + brokers;
        this.voters = voters;
        this.extra = new LinkedHashMap<>(extra);
        int size = this.size;
        this.clientPorts = new int[size + 1];
        this.controllerPorts = new int[size + 1];
        this.servers = new RunnelNode[size + 1];
        this.processes = new BrokerProcess[size + 1];
        for (int id = 1; id <= size; id++) {
            clientPorts[id] = BrokerProcess.freePort();
            controllerPorts[id] = BrokerProcess.freePort();
        }
    }

    /** A cluster of {@code size} nodes with ids 1..size (not started); {@code extra} goes into every node's config. */
    public static ClusterHarness create(Mode mode, Path baseDir, int size, Map<String, String> extra) {
        return new ClusterHarness(mode, baseDir, size, 0, extra);
    }

    /** As {@link #create(Mode, Path, int, Map)}, with {@code perNode} settings added to node {@code id}'s config. */
    public static ClusterHarness create(Mode mode, Path baseDir, int size, Map<String, String> extra,
                                        java.util.function.IntFunction<Map<String, String>> perNode) {
        ClusterHarness h = new ClusterHarness(mode, baseDir, size, 0, extra);
        h.perNode = perNode;
        return h;
    }

    /**
     * {@code voters} combined nodes (ids 1..voters) and {@code brokers} broker-only nodes (the next ids),
     * which follow the metadata log as observers without voting.
     */
    public static ClusterHarness create(Mode mode, Path baseDir, int voters, int brokers, Map<String, String> extra) {
        return new ClusterHarness(mode, baseDir, voters, brokers, extra);
    }

    /**
     * {@code controllers} dedicated controllers (ids 1..controllers: {@code process.roles=controller}, voters with
     * a controller listener only) and {@code brokers} broker-only nodes (the next ids, observers).
     */
    public static ClusterHarness createDedicated(Mode mode, Path baseDir, int controllers, int brokers, Map<String, String> extra) {
        return new ClusterHarness(mode, baseDir, controllers, brokers, true, extra);
    }

    /** Whether node {@code id} is a voter (a controller, combined or dedicated) rather than a broker only. */
    public boolean isVoter(int id) {
        return id <= voters;
    }

    /** Whether node {@code id} has the broker role (every node but a dedicated controller). */
    public boolean isBroker(int id) {
        return !(dedicated && isVoter(id));
    }

    /** The ids of the nodes with the broker role. */
    public List<Integer> brokerIds() {
        List<Integer> out = new ArrayList<>();
        for (int id = 1; id <= size; id++) if (isBroker(id)) out.add(id);
        return out;
    }

    public int size() {
        return size;
    }

    /** Node {@code id}'s server.properties. */
    public Map<String, String> config(int id) {
        Map<String, String> c = new LinkedHashMap<>();
        c.put("node.id", Integer.toString(id));
        c.put("process.roles", !isBroker(id) ? "controller" : isVoter(id) ? "broker,controller" : "broker");
        c.put("controller.quorum.voters", voters());
        c.put("controller.listener.names", "CONTROLLER");
        String controllerListener = "CONTROLLER://127.0.0.1:" + controllerPorts[id];
        c.put("listeners", !isBroker(id) ? controllerListener
                : "PLAINTEXT://127.0.0.1:" + clientPorts[id] + (isVoter(id) ? "," + controllerListener : ""));
        c.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        c.put("log.dirs", dataDir(id).toString());
        c.putAll(extra);
        c.putAll(perNode.apply(id));
        return c;
    }

    public String voters() {
        StringJoiner j = new StringJoiner(",");
        for (int id = 1; id <= voters; id++) j.add(id + "@127.0.0.1:" + controllerPorts[id]);
        return j.toString();
    }

    public Path dataDir(int id) {
        return baseDir.resolve("node-" + id);
    }

    /** Node {@code id}'s client port. */
    public int port(int id) {
        return clientPorts[id];
    }

    public String bootstrap(int id) {
        return "127.0.0.1:" + clientPorts[id];
    }

    /** Every broker's client listener (a dedicated controller has none). */
    public String bootstrap() {
        StringJoiner j = new StringJoiner(",");
        for (int id : brokerIds()) j.add(bootstrap(id));
        return j.toString();
    }

    /** Starts every node that is not running; returns once each serves its client port (a controller: its quorum port). */
    public ClusterHarness startAll() {
        if (mode == Mode.PROCESS) {
            for (int id = 1; id <= size; id++) if (!running(id)) launch(id);
            for (int id = 1; id <= size; id++) awaitPort(id);
        } else {
            for (int id = 1; id <= size; id++) if (!running(id)) start(id);
        }
        return this;
    }

    /** Starts node {@code id}. */
    public void start(int id) {
        if (mode == Mode.PROCESS) {
            launch(id);
            awaitPort(id);
            return;
        }
        try {
            Files.createDirectories(dataDir(id));
            RunnelNode s = RunnelNode.of(BrokerConfigs.parse(config(id)));
            try {
                s.startup();
            } catch (Exception e) {
                s.close();
                throw new IllegalStateException("node " + id + " did not start", e);
            }
            servers[id] = s;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void launch(int id) {
        Map<String, String> c = config(id);
        c.remove("log.dirs"); // BrokerProcess sets it
        processes[id] = new BrokerProcess(dataDir(id), clientPorts[id], c)
                .jvmOption("-D" + LinkFaultsFile.PROPERTY + "=" + linkFaultsFile()).launch();
    }

    /** The file every node process watches for its link faults ({@link LinkFaultsFile}); process mode only. */
    public Path linkFaultsFile() {
        return baseDir.resolve("link-faults");
    }

    private void awaitPort(int id) {
        int port = isBroker(id) ? clientPorts[id] : controllerPorts[id];
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            if (!processes[id].isAlive()) throw new IllegalStateException("node " + id + " exited; log:\n" + processes[id].log());
            try (java.net.Socket s = new java.net.Socket()) {
                s.connect(new java.net.InetSocketAddress("127.0.0.1", port), 200);
                return;
            } catch (IOException e) {
                sleep(50);
            }
        }
        throw new IllegalStateException("node " + id + " did not open its port; log:\n" + processes[id].log());
    }

    public boolean running(int id) {
        return mode == Mode.PROCESS ? processes[id] != null && processes[id].isAlive() : servers[id] != null;
    }

    /** A clean stop: SIGTERM for a process (controlled shutdown), close() in this JVM. Returns the exit code (0 in this JVM). */
    public int stop(int id) {
        if (mode == Mode.PROCESS) {
            int code = processes[id].stop();
            return code;
        }
        servers[id].close();
        servers[id] = null;
        return 0;
    }

    /** kill -9 of a process node; in this JVM a close (a JVM cannot kill part of itself). */
    public void kill(int id) {
        if (mode == Mode.PROCESS) {
            processes[id].kill9();
        } else {
            stop(id);
        }
    }

    /** Deletes a stopped node's data directory. */
    public void wipe(int id) {
        if (running(id)) throw new IllegalStateException("node " + id + " is running");
        try (Stream<Path> files = Files.walk(dataDir(id))) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A running broker's server (in this JVM only; null for a dedicated controller: see {@link #node}). */
    public BrokerServer server(int id) {
        return servers[id] instanceof BrokerServer b ? b : null;
    }

    /** A running node, broker or dedicated controller (in this JVM only). */
    public RunnelNode node(int id) {
        return servers[id];
    }

    /** A node's process (process mode only). */
    public BrokerProcess process(int id) {
        return processes[id];
    }

    public String log(int id) {
        return mode == Mode.PROCESS && processes[id] != null ? processes[id].log() : "";
    }

    /** The ids of running nodes. */
    public List<Integer> runningNodes() {
        List<Integer> out = new ArrayList<>();
        for (int id = 1; id <= size; id++) if (running(id)) out.add(id);
        return out;
    }

    /**
     * The active controller as node {@code askId} reports it (Admin.describeCluster's controller), or -1.
     */
    public int controllerSeenBy(int askId) {
        try (Admin admin = Clients.admin(bootstrap(askId))) {
            Node n = admin.describeCluster().controller().get(10, TimeUnit.SECONDS);
            return n == null || n.isEmpty() ? -1 : n.id();
        } catch (Exception e) {
            return -1;
        }
    }

    /**
     * The quorum leader as broker {@code askId} reports it (Admin.describeMetadataQuorum's leader), or -1: with
     * dedicated controllers, the active controller, which DescribeCluster does not name.
     */
    public int quorumLeaderSeenBy(int askId) {
        try (Admin admin = Clients.admin(bootstrap(askId))) {
            return admin.describeMetadataQuorum().quorumInfo().get(10, TimeUnit.SECONDS).leaderId();
        } catch (Exception e) {
            return -1;
        }
    }

    /**
     * Cuts node {@code id} off from every other node of the quorum: the Raft links only ({@link QuorumLinks} in this
     * JVM, the link faults file for processes). Its clients and its broker's messages to the controller are not affected.
     */
    public void isolate(int id) {
        for (int other = 1; other <= size; other++) {
            if (other == id) continue;
            if (mode == Mode.IN_PROCESS) QuorumLinks.cut(id, other);
            else cutInFile(id, other, EnumSet.of(LinkPath.RAFT));
        }
        applyFile();
    }

    /**
     * Cuts node {@code id} off from every other node on every node-to-node path (Raft, its and their messages to the
     * active controller, follower fetches both ways: {@link NodeLinks} in this JVM, the link faults file for
     * processes). Its clients still reach it: an isolated node is alive, only cut off from the others.
     */
    public void isolateCompletely(int id) {
        for (int other = 1; other <= size; other++) if (other != id) cutLink(id, other);
        applyFile();
    }

    /** Cuts every node-to-node path between nodes {@code a} and {@code b}, both ways (as {@link #isolateCompletely}). */
    public void cut(int a, int b) {
        cutLink(a, b);
        applyFile();
    }

    private void cutLink(int a, int b) {
        if (mode == Mode.IN_PROCESS) NodeLinks.cut(a, b);
        else cutInFile(a, b, EnumSet.allOf(LinkPath.class));
    }

    /** Delays every Raft request between nodes {@code a} and {@code b}, both ways, by {@code ms} (the Raft link only). */
    public void delay(int a, int b, long ms) {
        if (mode == Mode.IN_PROCESS) {
            QuorumLinks.delay(a, b, ms);
        } else {
            fileDelays.put(new RaftLinkFaults.Link(a, b), ms);
            applyFile();
        }
    }

    /** Restores every cut or delayed link. */
    public void heal() {
        NodeLinks.healAll();
        if (mode == Mode.PROCESS) {
            fileCuts.clear();
            fileDelays.clear();
            applyFile();
        }
    }

    /** The node-to-node paths of a link, as the link faults file names them. */
    private enum LinkPath { RAFT, CONTROLLER, REPLICA_FETCH }

    /** Process mode: the links the file lists. */
    private final Map<RaftLinkFaults.Link, Set<LinkPath>> fileCuts = new LinkedHashMap<>();
    private final Map<RaftLinkFaults.Link, Long> fileDelays = new LinkedHashMap<>();
    private int fileGeneration;

    private void cutInFile(int a, int b, Set<LinkPath> paths) {
        fileCuts.computeIfAbsent(new RaftLinkFaults.Link(a, b), l -> EnumSet.noneOf(LinkPath.class)).addAll(paths);
    }

    /**
     * Process mode: rewrites the link faults file (a temporary file renamed over it) and waits until every running
     * node has applied it (each logs the file's generation), so a test acts on links that are already cut.
     */
    private void applyFile() {
        if (mode != Mode.PROCESS) return;
        String generation = "generation " + (++fileGeneration);
        StringBuilder text = new StringBuilder("# " + generation + "\n");
        fileCuts.forEach((l, paths) -> {
            StringJoiner j = new StringJoiner(",");
            for (LinkPath p : paths) j.add(p.name().toLowerCase(java.util.Locale.ROOT));
            text.append("cut ").append(l.a()).append(' ').append(l.b()).append(' ').append(j).append('\n');
        });
        fileDelays.forEach((l, ms) -> text.append("delay ").append(l.a()).append(' ').append(l.b()).append(' ').append(ms).append('\n'));
        try {
            Path tmp = linkFaultsFile().resolveSibling("link-faults.tmp");
            Files.writeString(tmp, text);
            Files.move(tmp, linkFaultsFile(), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        for (int id : runningNodes()) {
            int node = id;
            await(Duration.ofSeconds(15), "node " + id + " applied the link faults file's " + generation,
                    () -> processes[node].log().contains("[" + generation + "]"));
        }
    }

    /** Polls {@code condition} until true or {@code timeout}; fails with {@code what}. */
    public static void await(Duration timeout, String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            try {
                if (condition.getAsBoolean()) return;
            } catch (RuntimeException e) {
                // not yet
            }
            sleep(100);
        }
        throw new AssertionError("not within " + timeout + ": " + what);
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        NodeLinks.healAll();
        // the whole cluster goes: nodes halt (no controlled shutdown, which the last ones would wait for in vain
        // without a quorum; processes are killed)
        for (int id = size; id >= 1; id--) {
            try {
                if (mode == Mode.PROCESS && processes[id] != null) processes[id].close();
                if (servers[id] != null) servers[id].halt();
            } catch (RuntimeException e) {
                // best effort
            }
            servers[id] = null;
        }
    }
}
