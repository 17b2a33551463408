package io.runnel.metadata;

import io.runnel.common.ApiException;
import io.runnel.common.Errors;
import io.runnel.common.Uuid;
import io.runnel.config.BrokerConfigs;
import io.runnel.protocol.Message;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * A seeded, single-threaded, deterministic simulation of the controller and the broker lifecycle: three voters, each
 * running the real {@link MetadataController} (with its real {@link BrokerHeartbeats}, {@link PartitionControl} and
 * {@link ReplicaElections}) over a simulated {@link MetadataQuorum}, and four simulated brokers that register,
 * heartbeat (reporting how far they have applied the log), shrink and expand the ISRs of partitions they lead
 * (AlterPartition), shut down cleanly (controlled shutdown) and crash. An admin client creates topics on the active
 * controller.
 *
 * <p>Everything that is not deterministic is simulated and driven by one {@link Random}: time ({@link SimScheduler}:
 * the controller's clock, its executor and the quorum's event threads are lanes of one virtual-time queue), new ids,
 * the network (hosts 1-4; voter i and broker i share host i; messages are lost or delayed, so reordered; links and
 * hosts are cut off and healed), the liveness prober (refused when the broker's process is down, no answer across a
 * cut link), and the quorum:
 * <ul>
 *   <li>one committed log, shared; each voter durably holds a prefix of it (its match index) and applies it in order
 *       on its own event lane, a few milliseconds at a time (a restarted voter replays it from the start, with a new
 *       controller: its heartbeat state is gone);
 *   <li>a leader per term, chosen at random among the voters that are up, hold the whole log and reach a majority,
 *       once the current leader has been dead or cut off from a majority for [e/2, e] (e = {@value #ELECTION_MS} ms);
 *       it appends its start-up entry and becomes active once it has applied it; a leader that lost its majority
 *       steps down after e, and one that learns of a newer term at once;
 *   <li>a proposal of the active leader commits at once when it reaches a majority (the leader applies it and tells
 *       its listeners before the future completes, so the controller thread never waits), else fails NOT_CONTROLLER;
 *       now and then one commits but fails NOT_CONTROLLER anyway (leadership lost in flight, the ambiguity of
 *       docs/cluster.md).
 * </ul>
 *
 * <p>Invariants, checked after every event (a violation fails with the seed and the simulated time): at most one
 * active controller per term, and every batch of a term proposed by it; every voter's image, at every log index it
 * applies, equal to the image the log defines there, and every controller's image one of those (never going back);
 * fencing as specified (session expiry as seen by that controller, counting its takeover as a contact; a controlled
 * shutdown asked for; a refused probe of a dead incarnation; a new incarnation registering), registrations fenced,
 * a duplicate registration refused while the old one is heard from, unfencing only after a heartbeat showing the
 * broker applied its registration, shutdown allowed only once fenced; no partition led by a fenced or unregistered
 * broker or one outside its ISR; leader and partition epochs never going back (the leader epoch grows with every
 * leader change). After the run the faults heal and the cluster quiesces: one active controller, every voter's image
 * equal, every broker registered and unfenced, every partition led, every acknowledged topic present.
 */
final class ControllerSimulation {
    static final int VOTERS = 3;
    static final int BROKERS = 4;
    static final long STEP_MS = 10;
    static final long SESSION_MS = 3000;
    static final long HEARTBEAT_MS = 500;
    static final long ELECTION_MS = 1000;
    static final long RPC_TIMEOUT_MS = 1000;
    static final long QUIESCE_MS = 30_000;
    static final int MAX_TOPICS = 8;
    private static final int PORT_BASE = 9000;

    private final long seed;
    private final Random rnd;
    private final SimScheduler sched;
    private final Path dir;
    private final StringBuilder trace = new StringBuilder();
    /** A hash of every line noted, so two runs of one seed can be compared whole. */
    private long traceHash = 17;
    private String failure;

    // network
    private final Set<Integer> cutLinks = new HashSet<>();
    private final double dropRate;
    private final int maxDelayMs;
    private boolean partitioned;
    private boolean faultsOn = true;

    // the quorum
    private record Entry(long term, int proposer, List<Message> records, MetadataImage after, boolean rejected) {
    }

    private final List<Entry> log = new ArrayList<>();
    private final Map<Long, MetadataImage> imageAtOffset = new HashMap<>();
    private long term;
    private int leader = -1;
    private long leaderBadSince = -1;
    private long electionDelay;
    private final Voter[] voters = new Voter[VOTERS + 1];
    private final Map<Long, Integer> activeInTerm = new HashMap<>();
    private final Map<Long, Integer> proposerOfTerm = new HashMap<>();

    // brokers and the admin client
    private final Broker[] brokers = new Broker[BROKERS + 1];
    /** Broker epochs whose incarnation asked for a controlled shutdown. */
    private final Set<Long> shutdownAsked = new HashSet<>();
    private final Map<String, Uuid> acknowledgedTopics = new LinkedHashMap<>();
    private int topicsTried;

    // counters (what the run did, for the test's progress checks)
    int commits;
    int fences;
    int fencesOnExpiry;
    int fencesOnShutdown;
    int fencesOnProbe;
    int unfences;
    int elections;
    int controllerCrashes;
    int brokerCrashes;
    int cleanShutdowns;
    int alterPartitionsApplied;
    int rejectedBatches;
    int transientFailures;

    ControllerSimulation(long seed, Path dir) {
        this.seed = seed;
        this.rnd = new Random(seed);
        this.sched = new SimScheduler(rnd);
        this.dir = dir;
        this.dropRate = rnd.nextDouble() * 0.05;
        this.maxDelayMs = 1 + rnd.nextInt(30);
        imageAtOffset.put(0L, MetadataImage.EMPTY);
        for (int id = 1; id <= VOTERS; id++) {
            voters[id] = new Voter(id);
            voters[id].start();
        }
        for (int id = 1; id <= BROKERS; id++) {
            brokers[id] = new Broker(id);
            brokers[id].start();
        }
    }

    long seed() {
        return seed;
    }

    int acknowledgedTopics() {
        return acknowledgedTopics.size();
    }

    /** Runs {@code steps} steps of {@value #STEP_MS} ms with faults, then heals, quiesces and checks the end state. */
    void run(int steps) {
        try {
            periodic(50, this::electionCheck);
            periodic(300 + rnd.nextInt(1200), this::maybeCreateTopic);
            for (int i = 0; i < steps; i++) {
                maybeInjectFault();
                advance(STEP_MS);
            }
            heal();
            long until = sched.nowMs() + QUIESCE_MS;
            while (sched.nowMs() < until && !quiet()) advance(STEP_MS);
            checkFinal();
        } catch (AssertionError | RuntimeException e) {
            throw new AssertionError("controller simulation failed with seed " + seed + " (replay with -Dsim.seed=" + seed
                    + ") at " + sched.nowMs() + " ms: " + e.getMessage() + "\nlast events:\n" + lastTrace(), e);
        }
    }

    /** What identifies this run: equal for two runs of one seed when the simulation is deterministic. */
    String fingerprint() {
        return Long.toHexString(traceHash) + "/" + log.size() + "/" + currentImage().hashCode() + "/" + sched.nowMs();
    }

    String summary() {
        return "seed " + seed + ": " + log.size() + " entries, " + commits + " commits, " + elections + " elections, " + fences
                + " fences (" + fencesOnExpiry + " session expiry, " + fencesOnShutdown + " controlled shutdown, " + fencesOnProbe
                + " refused probe), " + unfences + " unfences, " + controllerCrashes + " controller crashes, " + brokerCrashes
                + " broker crashes, " + cleanShutdowns + " clean shutdowns, " + alterPartitionsApplied + " ISR changes, "
                + acknowledgedTopics.size() + " topics acknowledged, " + rejectedBatches + " rejected batches, "
                + sched.nowMs() + " ms simulated";
    }

    private void advance(long ms) {
        sched.advance(ms, this::checkAfterEvent);
    }

    private void periodic(long everyMs, Runnable r) {
        sched.at(everyMs, () -> {
            r.run();
            periodic(everyMs, r);
        });
    }

    private void note(String s) {
        traceHash = traceHash * 31 + sched.nowMs();
        traceHash = traceHash * 31 + s.hashCode();
        trace.append(sched.nowMs()).append(' ').append(s).append('\n');
        if (trace.length() > 400_000) trace.delete(0, 200_000);
    }

    private String lastTrace() {
        String[] lines = trace.toString().split("\n");
        return String.join("\n", Arrays.copyOfRange(lines, Math.max(0, lines.length - 80), lines.length));
    }

    /** Records the first invariant violation; thrown after the current event (a throw inside a task would be swallowed). */
    private void fail(String message) {
        note("VIOLATION " + message);
        if (failure == null) failure = message;
    }

    // ------------------------------------------------------------------ network

    private static int link(int a, int b) {
        return Math.min(a, b) * 100 + Math.max(a, b);
    }

    private boolean connected(int hostA, int hostB) {
        return hostA == hostB || !cutLinks.contains(link(hostA, hostB));
    }

    private long delay() {
        long d = 1 + rnd.nextInt(maxDelayMs);
        if (rnd.nextInt(50) == 0) d += rnd.nextInt(300);
        return d;
    }

    private boolean lost() {
        return rnd.nextDouble() < dropRate;
    }

    /**
     * {@link MetadataQuorum#sendToController} as the brokers use it: to the current leader's handler, through the
     * network both ways; {@code onReply} gets the answer, or null once {@value #RPC_TIMEOUT_MS} ms passed without one.
     */
    private void sendToController(int fromHost, byte[] request, Consumer<byte[]> onReply) {
        boolean[] answered = {false};
        sched.at(RPC_TIMEOUT_MS, () -> {
            if (!answered[0]) {
                answered[0] = true;
                onReply.accept(null);
            }
        });
        if (lost()) return;
        sched.at(delay(), () -> {
            // Ratis' client finds a leader: the current one, or a deposed one that does not know it yet and still
            // answers read-only requests
            List<Node> to = new ArrayList<>();
            for (int v = 1; v <= VOTERS; v++) {
                Node c = voters[v].node;
                if (c != null && connected(fromHost, v) && (v == leader || c.isActive())) to.add(c);
            }
            Node n = to.isEmpty() ? null : to.get(rnd.nextInt(to.size()));
            if (n == null || n.handler == null || lost()) return;
            deliveredToController(n, request);
            CompletableFuture<byte[]> f;
            try {
                f = n.handler.apply(request);
            } catch (RuntimeException e) {
                return;
            }
            f.whenComplete((reply, err) -> {
                if (err != null) return;
                answeredByController(n, request, reply);
                if (lost()) return;
                sched.at(delay(), () -> {
                    if (!answered[0] && connected(fromHost, n.id)) {
                        answered[0] = true;
                        onReply.accept(reply);
                    }
                });
            });
        });
    }

    // ------------------------------------------------------------------ the quorum

    /** A voter: what survives its crashes (its host and the log prefix it holds) and its current life. */
    private final class Voter {
        final int id;
        /** How many log entries this voter holds durably. */
        int match;
        Node node;
        int lives;

        Voter(int id) {
            this.id = id;
        }

        boolean up() {
            return node != null;
        }

        void start() {
            lives++;
            node = new Node(this, lives);
            note("voter " + id + " starts (life " + lives + ")");
            node.startController();
        }

        void crash() {
            note("voter " + id + " crashes" + (leader == id ? " (the leader)" : ""));
            node.kill();
            node = null;
            if (leader == id) leader = -1;
            controllerCrashes++;
        }
    }

    /** Whether {@code id} reaches a majority of the voters that are up (itself included). */
    private boolean reachesMajority(int id) {
        if (!voters[id].up()) return false;
        int n = 0;
        for (int v = 1; v <= VOTERS; v++) if (voters[v].up() && connected(id, v)) n++;
        return n > VOTERS / 2;
    }

    /** Every 50 ms: elects a new leader once the current one has been unusable for a random [e/2, e]. */
    private void electionCheck() {
        for (int v = 1; v <= VOTERS; v++) {
            Node n = voters[v].node;
            if (n == null) continue;
            // a leader cut off from its majority for e steps down
            if (n.active && n.activeTerm < term && leader >= 0 && connected(v, leader)) {
                n.stepDown("learned of term " + term); // Raft: an answer or request carrying the newer term
            } else if (n.active && !reachesMajority(v)) {
                if (n.lostMajoritySince < 0) n.lostMajoritySince = sched.nowMs();
                else if (sched.nowMs() - n.lostMajoritySince >= ELECTION_MS) n.stepDown("no majority for " + ELECTION_MS + " ms");
            } else {
                n.lostMajoritySince = -1;
            }
        }
        boolean ok = leader >= 0 && voters[leader].up() && reachesMajority(leader);
        if (ok) {
            leaderBadSince = -1;
            return;
        }
        if (leaderBadSince < 0) {
            leaderBadSince = sched.nowMs();
            electionDelay = ELECTION_MS / 2 + rnd.nextInt((int) (ELECTION_MS / 2) + 1);
            return;
        }
        if (sched.nowMs() - leaderBadSince < electionDelay) return;
        List<Integer> candidates = new ArrayList<>();
        for (int v = 1; v <= VOTERS; v++) {
            if (voters[v].up() && voters[v].match == log.size() && reachesMajority(v)) candidates.add(v);
        }
        if (candidates.isEmpty()) return;
        int c = candidates.get(rnd.nextInt(candidates.size()));
        term++;
        leader = c;
        leaderBadSince = -1;
        elections++;
        note("voter " + c + " leads term " + term);
        append(new Entry(term, c, null, currentImage(), false), c);
        for (int v = 1; v <= VOTERS; v++) {
            Node n = voters[v].node;
            if (n != null && v != c && n.active && connected(v, c)) n.stepDown("learned of term " + term);
        }
    }

    private MetadataImage currentImage() {
        return log.isEmpty() ? MetadataImage.EMPTY : log.get(log.size() - 1).after();
    }

    /** Appends a committed entry; every voter that is up and reaches the proposer now holds it. */
    private void append(Entry e, int proposer) {
        log.add(e);
        imageAtOffset.put(e.after().offset(), e.after());
        for (int v = 1; v <= VOTERS; v++) {
            if (voters[v].up() && connected(v, proposer)) voters[v].match = log.size();
        }
    }

    /** One life of a voter: its quorum node (the {@link MetadataQuorum} its controller sees) and its controller. */
    private final class Node implements MetadataQuorum {
        final int id;
        final Voter voter;
        final SimScheduler.Lane events;
        final SimScheduler.Lane controllerLane;
        final List<MetadataListener> listeners = new ArrayList<>();
        final List<Runnable[]> activation = new ArrayList<>();
        Function<byte[], CompletableFuture<byte[]>> handler;
        MetadataController controller;
        boolean alive = true;
        int applied;
        MetadataImage image = MetadataImage.EMPTY;
        boolean active;
        long activeTerm = -1;
        long activatedAt;
        long lostMajoritySince = -1;
        /** Since this node's last activation: when each broker last had a successful registration or heartbeat here. */
        final Map<Integer, Long> contacts = new HashMap<>();
        /** Since its last activation: brokers a probe of this node found refusing (their process was down). */
        final Set<Integer> refused = new HashSet<>();
        /** In this life: the highest applied offset delivered here in a heartbeat, per broker epoch. */
        final Map<Long, Long> reportedApplied = new HashMap<>();
        MetadataImage lastControllerImage;
        long lastControllerOffset;

        Node(Voter voter, int life) {
            this.voter = voter;
            this.id = voter.id;
            this.events = sched.lane("quorum-events-" + id + "." + life, 3);
            this.controllerLane = sched.lane("controller-" + id + "." + life, 3);
        }

        void startController() {
            BrokerConfigs config = BrokerConfigs.parse(Map.of("log.dir", dir.toString(), "node.id", Integer.toString(id),
                    "broker.session.timeout.ms", Long.toString(SESSION_MS), "broker.heartbeat.interval.ms", Long.toString(HEARTBEAT_MS),
                    "auto.leader.rebalance.enable", "true", "leader.imbalance.check.interval.seconds", "3"));
            BrokerProber prober = (host, port, timeoutMs) -> probe(this, port - PORT_BASE, timeoutMs);
            controller = MetadataController.startReplicated(config, this, sched::nanoTime, prober, controllerLane, () -> Uuid.random(rnd));
            sched.at(1 + rnd.nextInt(20), this::replicate);
        }

        void kill() {
            alive = false;
            active = false;
            events.kill();
            controllerLane.kill();
        }

        /** Fetches from the leader (if reachable) and applies what it holds, a few entries at a time, periodically. */
        void replicate() {
            if (!alive) return;
            if (leader >= 0 && leader != id && voters[leader].up() && connected(id, leader) && voter.match < log.size()) {
                voter.match = Math.min(log.size(), voter.match + 1 + rnd.nextInt(8));
            }
            if (applied < voter.match) events.execute(this::applySome);
            sched.at(1 + rnd.nextInt(30), this::replicate);
        }

        void applySome() {
            int n = 1 + rnd.nextInt(4);
            while (n-- > 0 && applied < voter.match) applyNext();
        }

        private void applyNext() {
            Entry e = log.get(applied);
            applied++;
            if (e.records() == null) {
                if (leader == id && term == e.term() && !active) activate(e.term());
                return;
            }
            if (e.rejected()) return;
            MetadataImage before = image;
            MetadataImage after;
            try {
                after = new MetadataDelta(before).replayAll(e.records()).apply();
            } catch (RuntimeException ex) {
                fail("voter " + id + " could not replay entry " + (applied - 1) + " that the log committed: " + ex);
                return;
            }
            if (!after.equals(e.after())) {
                fail("voter " + id + "'s image at log index " + (applied - 1) + " differs from the log's: " + after + " vs " + e.after());
            }
            image = after;
            for (MetadataListener l : listeners) l.onImage(before, after);
        }

        void activate(long t) {
            active = true;
            activeTerm = t;
            activatedAt = sched.nowMs();
            contacts.clear();
            refused.clear();
            Integer other = activeInTerm.putIfAbsent(t, id);
            if (other != null && other != id) fail("voters " + other + " and " + id + " were both active in term " + t);
            note("voter " + id + " is the active controller of term " + t);
            for (Runnable[] a : activation) events.execute(a[0]);
        }

        void stepDown(String why) {
            if (!active) return;
            note("voter " + id + " steps down from term " + activeTerm + ": " + why);
            active = false;
            if (leader == id) leader = -1;
            for (Runnable[] a : activation) events.execute(a[1]);
        }

        // MetadataQuorum

        @Override
        public int nodeId() {
            return id;
        }

        @Override
        public boolean isActive() {
            return alive && active;
        }

        @Override
        public int leaderId() {
            return leader >= 0 && connected(id, leader) ? leader : -1;
        }

        @Override
        public MetadataImage image() {
            return image;
        }

        @Override
        public CompletableFuture<Long> propose(List<Message> records) {
            if (!isActive() || leader != id || activeTerm != term) {
                if (active && activeTerm != term) stepDown("a proposal met a newer term");
                return CompletableFuture.failedFuture(new ApiException(Errors.NOT_CONTROLLER, "not the leader"));
            }
            if (records.isEmpty()) fail("voter " + id + " proposes an empty batch (the Ratis quorum refuses those)");
            if (faultsOn && rnd.nextInt(150) == 0) {
                // any other Ratis failure (e.g. too many pending requests): not committed, leadership kept; the
                // Ratis quorum reports it as NOT_CONTROLLER too (RaftMetadataQuorum)
                note("voter " + id + ": proposal fails without a commit, leadership kept");
                transientFailures++;
                return CompletableFuture.failedFuture(new ApiException(Errors.NOT_CONTROLLER, "The metadata change was not committed"));
            }
            if (!reachesMajority(id)) {
                // Ratis fails it only once leadership is lost (NotLeaderException): here at once, with the step-down
                stepDown("a proposal found no majority");
                return CompletableFuture.failedFuture(new ApiException(Errors.NOT_CONTROLLER, "no majority"));
            }
            if (applied != log.size()) fail("active voter " + id + " proposes having applied " + applied + " of " + log.size());
            if (listeners.isEmpty()) {
                // the controller would wait (in real time) for its listener to see the batch
                fail("voter " + id + " proposes before its controller listens to the image");
                return CompletableFuture.failedFuture(new ApiException(Errors.NOT_CONTROLLER, "no listener"));
            }
            MetadataImage before = currentImage();
            Integer proposer = proposerOfTerm.putIfAbsent(term, id);
            if (proposer != null && proposer != id) fail("voters " + proposer + " and " + id + " both proposed in term " + term);
            MetadataImage after;
            try {
                after = new MetadataDelta(before).replayAll(records).apply();
            } catch (IllegalStateException e) {
                // every node skips a batch that does not replay (MetadataStateMachine)
                rejectedBatches++;
                note("voter " + id + ": batch rejected: " + e.getMessage());
                append(new Entry(term, id, records, before, true), id);
                applied = log.size();
                return CompletableFuture.failedFuture(new ApiException(Errors.UNKNOWN_SERVER_ERROR, "batch rejected"));
            }
            checkBatch(this, before, after);
            append(new Entry(term, id, records, after, false), id);
            commits++;
            applied = log.size();
            MetadataImage prev = image;
            image = after;
            for (MetadataListener l : listeners) l.onImage(prev, after);
            if (faultsOn && rnd.nextInt(60) == 0) {
                note("voter " + id + ": leadership lost while its proposal was in flight (committed all the same)");
                stepDown("leadership lost in flight");
                return CompletableFuture.failedFuture(new ApiException(Errors.NOT_CONTROLLER, "leadership lost"));
            }
            return CompletableFuture.completedFuture(after.offset());
        }

        @Override
        public void addImageListener(MetadataListener listener) {
            events.execute(() -> {
                listeners.add(listener);
                listener.onImage(MetadataImage.EMPTY, image);
            });
        }

        @Override
        public void addActivationListener(Runnable onActivate, Runnable onDeactivate) {
            activation.add(new Runnable[]{onActivate, onDeactivate});
        }

        @Override
        public void execute(Runnable task) {
            events.execute(task);
        }

        @Override
        public void setControllerRequestHandler(Function<byte[], CompletableFuture<byte[]>> handler) {
            this.handler = handler;
        }

        @Override
        public QuorumDescription describeLocal() {
            return null;
        }

        @Override
        public CompletableFuture<byte[]> sendToController(byte[] request) {
            CompletableFuture<byte[]> f = new CompletableFuture<>();
            ControllerSimulation.this.sendToController(id, request, reply -> {
                if (reply == null) f.completeExceptionally(new ApiException(Errors.NOT_CONTROLLER, "no answer"));
                else f.complete(reply);
            });
            return f;
        }
    }

    /** The liveness prober of node {@code n}: refused when the broker's process is down, no answer across a cut link. */
    private CompletableFuture<BrokerProber.Outcome> probe(Node n, int broker, int timeoutMs) {
        CompletableFuture<BrokerProber.Outcome> f = new CompletableFuture<>();
        if (broker < 1 || broker > BROKERS) {
            fail("probe of an unknown port");
            f.complete(BrokerProber.Outcome.NO_ANSWER);
            return f;
        }
        if (!connected(n.id, broker)) {
            sched.at(timeoutMs, () -> f.complete(BrokerProber.Outcome.NO_ANSWER));
            return f;
        }
        sched.at(1 + rnd.nextInt(5), () -> {
            boolean refused = !brokers[broker].up && connected(n.id, broker);
            if (refused && n.active) n.refused.add(broker);
            f.complete(refused ? BrokerProber.Outcome.REFUSED
                    : connected(n.id, broker) ? BrokerProber.Outcome.ACCEPTED : BrokerProber.Outcome.NO_ANSWER);
        });
        return f;
    }

    // ------------------------------------------------------------------ what the controllers did

    /** A request reached node {@code n}'s handler: remembers what a heartbeat reported. */
    private void deliveredToController(Node n, byte[] request) {
        if (BrokerLifecycleMessages.decodeRequest(request) instanceof BrokerLifecycleMessages.Heartbeat h) {
            n.reportedApplied.merge(h.brokerEpoch(), h.appliedOffset(), Math::max);
        }
    }

    /** Node {@code n} answered a broker request (on its controller lane, in the task that handled it). */
    private void answeredByController(Node n, byte[] request, byte[] reply) {
        BrokerLifecycleMessages.Request req = BrokerLifecycleMessages.decodeRequest(request);
        switch (req) {
            case BrokerLifecycleMessages.Register r -> {
                if (BrokerLifecycleMessages.decodeRegisterReply(reply).error() == Errors.NONE && n.active) {
                    n.contacts.put(r.brokerId(), sched.nowMs());
                }
            }
            case BrokerLifecycleMessages.Heartbeat h -> {
                BrokerLifecycleMessages.HeartbeatReply hr = BrokerLifecycleMessages.decodeHeartbeatReply(reply);
                if (hr.error() != Errors.NONE) return;
                if (n.active) n.contacts.put(h.brokerId(), sched.nowMs());
                if (hr.shouldShutdown()) {
                    BrokerRegistration b = n.image.broker(h.brokerId());
                    if (b == null || (b.epoch() == h.brokerEpoch() && !b.fenced())) {
                        fail("voter " + n.id + " allowed broker " + h.brokerId() + " (epoch " + h.brokerEpoch()
                                + ") to shut down while it is not fenced: " + b);
                    }
                }
            }
            case BrokerLifecycleMessages.AlterPartition a -> {
            }
        }
    }

    /** A batch node {@code n} commits now, taking the log's image from {@code before} to {@code after}. */
    private void checkBatch(Node n, MetadataImage before, MetadataImage after) {
        long now = sched.nowMs();
        Set<Integer> ids = new HashSet<>(before.brokers().keySet());
        ids.addAll(after.brokers().keySet());
        for (int id : ids) {
            BrokerRegistration b = before.broker(id);
            BrokerRegistration a = after.broker(id);
            if (a == null) {
                fail("broker " + id + " was unregistered by voter " + n.id + " (nothing asked for it)");
                continue;
            }
            if (b == null || b.epoch() != a.epoch()) {
                // a new registration (a new incarnation)
                if (!a.fenced()) fail("voter " + n.id + " registered broker " + id + " unfenced: " + a);
                if (b != null && !b.fenced()) {
                    Long last = n.contacts.get(id);
                    if (last != null && now - last <= SESSION_MS) {
                        fail("voter " + n.id + " registered a new incarnation of broker " + id + " while the old one (epoch "
                                + b.epoch() + ") was heard from " + (now - last) + " ms ago");
                    }
                }
                note("voter " + n.id + " registers broker " + id + " at epoch " + a.epoch());
                continue;
            }
            if (!b.fenced() && a.fenced()) {
                fences++;
                long since = Math.max(n.activatedAt, n.contacts.getOrDefault(id, Long.MIN_VALUE));
                boolean expired = now - since > SESSION_MS;
                boolean shutdown = a.cleanShutdown() && shutdownAsked.contains(a.epoch());
                boolean deadProbe = n.refused.contains(id)
                        && !(brokers[id].up && brokers[id].incarnation.equals(a.incarnationId()));
                note("voter " + n.id + " fences broker " + id + " epoch " + a.epoch() + " (silent " + (now - since) + " ms"
                        + (shutdown ? ", controlled shutdown" : "") + (deadProbe ? ", probe refused" : "") + ")");
                if (shutdown) fencesOnShutdown++;
                else if (deadProbe) fencesOnProbe++;
                else if (expired) fencesOnExpiry++;
                if (!expired && !shutdown && !deadProbe) {
                    fail("voter " + n.id + " fenced broker " + id + " (epoch " + a.epoch() + ") heard from " + (now - since)
                            + " ms ago, not in a controlled shutdown, and not found dead by a probe");
                }
            } else if (b.fenced() && !a.fenced()) {
                unfences++;
                Long reported = n.reportedApplied.get(a.epoch());
                note("voter " + n.id + " unfences broker " + id + " epoch " + a.epoch() + " (reported applied " + reported + ")");
                if (reported == null || reported <= a.epoch()) {
                    fail("voter " + n.id + " unfenced broker " + id + " (epoch " + a.epoch() + ") before a heartbeat showed it "
                            + "applied its registration (reported " + reported + ")");
                }
            }
        }
        for (TopicImage t : after.topics().values()) {
            TopicImage old = before.topic(t.id());
            for (var e : t.partitions().entrySet()) {
                PartitionState p = e.getValue();
                String where = t.name() + "-" + e.getKey();
                if (p.leader() == PartitionState.NO_LEADER) {
                    for (int r : p.isr()) {
                        BrokerRegistration m = after.broker(r);
                        // a broker in a controlled shutdown is not live (it may be unfenced still if its fence failed)
                        if (m != null && !m.fenced() && !shutdownAsked.contains(m.epoch())) {
                            fail(where + " has no leader though ISR member " + r + " is unfenced: " + p);
                        }
                    }
                } else {
                    BrokerRegistration l = after.broker(p.leader());
                    if (l == null || l.fenced()) fail(where + " is led by fenced or unknown broker " + p.leader() + ": " + p);
                    if (!p.isr().contains(p.leader())) fail(where + " is led by " + p.leader() + " outside its ISR: " + p);
                }
                PartitionState q = old == null ? null : old.partition(e.getKey());
                if (q == null) continue;
                if (p.leaderEpoch() < q.leaderEpoch() || p.partitionEpoch() < q.partitionEpoch()) {
                    fail(where + "'s epochs went back: " + q + " -> " + p);
                }
                if (p.leader() != q.leader() && p.leaderEpoch() <= q.leaderEpoch()) {
                    fail(where + "'s leader changed without a new leader epoch: " + q + " -> " + p);
                }
                if (!p.isr().equals(q.isr()) && p.leader() == q.leader() && p.leaderEpoch() == q.leaderEpoch()) alterPartitionsApplied++;
            }
        }
    }

    /** After every event: the lanes let nothing escape, one active controller per term, controllers' images from the log. */
    private void checkAfterEvent() {
        for (int v = 1; v <= VOTERS; v++) {
            Node n = voters[v].node;
            if (n == null) continue;
            if (n.events.failure() != null) fail(n.events.failure().getMessage());
            if (n.controllerLane.failure() != null) fail(n.controllerLane.failure().getMessage());
            if (n.isActive()) {
                Integer other = activeInTerm.putIfAbsent(n.activeTerm, v);
                if (other != null && other != v) fail("voters " + other + " and " + v + " are both active in term " + n.activeTerm);
            }
            MetadataImage ci = n.controller.image();
            if (ci != n.lastControllerImage) {
                if (ci.offset() < n.lastControllerOffset) {
                    fail("controller " + v + "'s image went back from offset " + n.lastControllerOffset + " to " + ci.offset());
                }
                MetadataImage ref = imageAtOffset.get(ci.offset());
                if (!ci.equals(ref)) fail("controller " + v + "'s image at offset " + ci.offset() + " is not the log's: " + ci);
                n.lastControllerImage = ci;
                n.lastControllerOffset = ci.offset();
            }
        }
        if (failure != null) throw new AssertionError(failure);
    }

    // ------------------------------------------------------------------ brokers

    private final class Broker {
        final int id;
        boolean up;
        int life;
        Uuid incarnation;
        long epoch = -1;
        boolean fenced = true;
        boolean wantShutdown;
        long shutdownDeadline;
        /** How many log entries this broker has applied (it follows the log like an observer). */
        int applied;
        boolean inFlight;

        Broker(int id) {
            this.id = id;
        }

        void start() {
            life++;
            up = true;
            incarnation = Uuid.random(rnd);
            epoch = -1;
            fenced = true;
            wantShutdown = false;
            inFlight = false;
            note("broker " + id + " starts (incarnation " + incarnation + ")");
            int l = life;
            sched.at(1 + rnd.nextInt(100), () -> tick(l));
        }

        void stop(String how) {
            note("broker " + id + " " + how);
            up = false;
            life++;
        }

        void restartLater(long maxMs) {
            int l = life;
            sched.at(200 + rnd.nextInt((int) maxMs), () -> {
                if (!up && life == l) start();
            });
        }

        long appliedOffset() {
            return applied == 0 ? 0 : log.get(applied - 1).after().offset();
        }

        MetadataImage appliedImage() {
            return applied == 0 ? MetadataImage.EMPTY : log.get(applied - 1).after();
        }

        void tick(int l) {
            if (!up || life != l) return;
            if (leader >= 0 && voters[leader].up() && connected(id, leader) && applied < log.size()) {
                applied = Math.min(log.size(), applied + 1 + rnd.nextInt(10));
            }
            if (wantShutdown && sched.nowMs() > shutdownDeadline) {
                stop("gives up waiting for its controlled shutdown and stops");
                restartLater(4000);
                return;
            }
            if (!inFlight) {
                inFlight = true;
                if (epoch < 0) register(l);
                else heartbeat(l);
            }
            if (epoch >= 0 && !fenced && !wantShutdown && rnd.nextInt(4) == 0) maybeAlterPartition(l);
            long next = epoch >= 0 && !fenced && !wantShutdown ? HEARTBEAT_MS : 200;
            sched.at(next - rnd.nextInt(50), () -> tick(l));
        }

        void register(int l) {
            byte[] req = BrokerLifecycleMessages.encode(new BrokerLifecycleMessages.Register(id, incarnation,
                    List.of(new BrokerRegistration.Endpoint("PLAINTEXT", "broker-" + id, PORT_BASE + id, (short) 0)), null));
            sendToController(id, req, reply -> {
                if (!up || life != l) return;
                inFlight = false;
                if (reply == null) return;
                BrokerLifecycleMessages.RegisterReply r = BrokerLifecycleMessages.decodeRegisterReply(reply);
                if (r.error() == Errors.NONE && epoch < 0) {
                    epoch = r.brokerEpoch();
                    fenced = true;
                }
            });
        }

        void heartbeat(int l) {
            long e = epoch;
            boolean shutdown = wantShutdown;
            if (shutdown) shutdownAsked.add(e);
            byte[] req = BrokerLifecycleMessages.encode(new BrokerLifecycleMessages.Heartbeat(id, e, appliedOffset(), shutdown));
            sendToController(id, req, reply -> {
                if (!up || life != l) return;
                inFlight = false;
                if (reply == null || epoch != e) return;
                BrokerLifecycleMessages.HeartbeatReply r = BrokerLifecycleMessages.decodeHeartbeatReply(reply);
                if (r.error() == Errors.STALE_BROKER_EPOCH || r.error() == Errors.BROKER_ID_NOT_REGISTERED) {
                    epoch = -1;
                    fenced = true;
                    return;
                }
                if (r.error() != Errors.NONE) return;
                fenced = r.fenced();
                if (shutdown && r.shouldShutdown()) {
                    cleanShutdowns++;
                    stop("completes its controlled shutdown");
                    restartLater(4000);
                }
            });
        }

        /** Now and then, as a leader: drops a follower from the ISR or adds a replica back, as its image shows them. */
        void maybeAlterPartition(int l) {
            MetadataImage img = appliedImage();
            List<BrokerLifecycleMessages.IsrChange> changes = new ArrayList<>();
            for (TopicImage t : img.topics().values()) {
                for (var e : t.partitions().entrySet()) {
                    PartitionState p = e.getValue();
                    if (p.leader() != id || rnd.nextInt(3) != 0) continue;
                    List<Integer> isr = new ArrayList<>(p.isr());
                    List<Integer> out = new ArrayList<>(p.replicas());
                    out.removeAll(isr);
                    if (!out.isEmpty() && (isr.size() == 1 || rnd.nextBoolean())) {
                        isr.add(out.get(rnd.nextInt(out.size())));
                    } else if (isr.size() > 1) {
                        List<Integer> followers = new ArrayList<>(isr);
                        followers.remove(Integer.valueOf(id));
                        isr.remove(followers.get(rnd.nextInt(followers.size())));
                    } else {
                        continue;
                    }
                    changes.add(new BrokerLifecycleMessages.IsrChange(t.id(), e.getKey(), p.leaderEpoch(), p.partitionEpoch(), isr));
                }
            }
            if (changes.isEmpty()) return;
            sendToController(id, BrokerLifecycleMessages.encode(new BrokerLifecycleMessages.AlterPartition(id, epoch, changes)),
                    reply -> {
                    });
        }
    }

    // ------------------------------------------------------------------ the admin client

    private void maybeCreateTopic() {
        if (topicsTried >= MAX_TOPICS) return;
        List<Node> active = new ArrayList<>();
        for (int v = 1; v <= VOTERS; v++) {
            Node n = voters[v].node;
            if (n != null && n.isActive()) active.add(n);
        }
        if (active.isEmpty()) return;
        Node n = active.get(rnd.nextInt(active.size()));
        String name = "t" + topicsTried++;
        n.controller.createTopics(List.of(NewTopic.of(name, 1 + rnd.nextInt(3), 3)), false).whenComplete((results, err) -> {
            if (err != null) {
                note("create " + name + " on voter " + n.id + ": " + err);
                return;
            }
            CreateTopicResult r = results.get(0);
            note("create " + name + " on voter " + n.id + ": " + r.error());
            if (r.error().isSuccess()) acknowledgedTopics.put(name, r.topicId());
        });
    }

    // ------------------------------------------------------------------ faults

    private void maybeInjectFault() {
        int down = 0;
        for (int v = 1; v <= VOTERS; v++) if (!voters[v].up()) down++;
        if (down == 0 && rnd.nextInt(500) == 0) {
            Voter v = voters[1 + rnd.nextInt(VOTERS)];
            v.crash();
            sched.at(200 + rnd.nextInt(4000), () -> {
                if (!v.up()) v.start();
            });
        }
        if (!partitioned && rnd.nextInt(400) == 0) {
            partitioned = true;
            if (rnd.nextBoolean()) {
                int h = 1 + rnd.nextInt(BROKERS);
                for (int o = 1; o <= BROKERS; o++) if (o != h) cutLinks.add(link(h, o));
                note("host " + h + " is cut off");
            } else {
                int a = 1 + rnd.nextInt(BROKERS);
                int b = 1 + (a + rnd.nextInt(BROKERS - 1)) % BROKERS;
                cutLinks.add(link(a, b));
                note("the link between hosts " + a + " and " + b + " is cut");
            }
            sched.at(300 + rnd.nextInt(5000), () -> {
                cutLinks.clear();
                partitioned = false;
                note("the network heals");
            });
        }
        for (int b = 1; b <= BROKERS; b++) {
            Broker br = brokers[b];
            if (!br.up || br.wantShutdown) continue;
            int dice = rnd.nextInt(2000);
            if (dice == 0) {
                brokerCrashes++;
                br.stop("crashes");
                br.restartLater(6000);
            } else if (dice == 1 && br.epoch >= 0) {
                note("broker " + b + " starts a controlled shutdown");
                br.wantShutdown = true;
                br.shutdownDeadline = sched.nowMs() + Math.max(5000, SESSION_MS);
            }
        }
    }

    /** Stops injecting faults: the network heals, every voter and broker that is down starts. */
    private void heal() {
        note("healing");
        faultsOn = false;
        cutLinks.clear();
        partitioned = true; // no new partitions
        for (int v = 1; v <= VOTERS; v++) if (!voters[v].up()) voters[v].start();
        for (int b = 1; b <= BROKERS; b++) if (!brokers[b].up) brokers[b].start();
    }

    private Node activeNode() {
        Node found = null;
        for (int v = 1; v <= VOTERS; v++) {
            Node n = voters[v].node;
            if (n != null && n.isActive()) {
                if (found != null) return null;
                found = n;
            }
        }
        return found;
    }

    private boolean quiet() {
        Node a = activeNode();
        if (a == null || a.activeTerm != term) return false;
        for (int v = 1; v <= VOTERS; v++) if (voters[v].node.applied != log.size()) return false;
        MetadataImage img = currentImage();
        for (int b = 1; b <= BROKERS; b++) {
            BrokerRegistration r = img.broker(b);
            if (!brokers[b].up || r == null || r.fenced() || r.epoch() != brokers[b].epoch) return false;
        }
        for (TopicImage t : img.topics().values()) {
            for (PartitionState p : t.partitions().values()) if (p.leader() == PartitionState.NO_LEADER) return false;
        }
        return true;
    }

    private void checkFinal() {
        if (!quiet()) {
            StringBuilder s = new StringBuilder("the cluster did not quiesce within " + QUIESCE_MS + " ms after healing: term " + term
                    + ", leader " + leader + ", log " + log.size());
            for (int v = 1; v <= VOTERS; v++) {
                Node n = voters[v].node;
                s.append("; voter ").append(v).append(n.isActive() ? " active in " + n.activeTerm : "").append(" applied ").append(n.applied);
            }
            s.append("; image ").append(currentImage().brokers().values());
            throw new AssertionError(s.toString());
        }
        MetadataImage img = currentImage();
        for (int v = 1; v <= VOTERS; v++) {
            Node n = voters[v].node;
            if (!n.image.equals(img) || !n.controller.image().equals(img)) {
                throw new AssertionError("voter " + v + "'s image differs from the log's at the end");
            }
        }
        acknowledgedTopics.forEach((name, id) -> {
            TopicImage t = img.topic(name);
            if (t == null || !t.id().equals(id)) throw new AssertionError("acknowledged topic " + name + " (" + id + ") is lost: " + t);
        });
    }
}
