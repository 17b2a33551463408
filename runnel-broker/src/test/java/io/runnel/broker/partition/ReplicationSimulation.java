package io.runnel.broker.partition;

import io.runnel.broker.BrokerContext;
import io.runnel.broker.handler.FetchHandler;
import io.runnel.broker.handler.RequestContext;
import io.runnel.common.ApiException;
import io.runnel.common.Errors;
import io.runnel.common.Time;
import io.runnel.common.TopicPartition;
import io.runnel.common.Uuid;
import io.runnel.config.BrokerConfigs;
import io.runnel.protocol.ApiKeys;
import io.runnel.protocol.ApiMessage;
import io.runnel.protocol.ByteBufferReadable;
import io.runnel.protocol.GrowableWritable;
import io.runnel.protocol.RequestHeader;
import io.runnel.protocol.message.FetchRequest;
import io.runnel.protocol.message.FetchResponse;
import io.runnel.record.CompressionType;
import io.runnel.record.MemoryRecords;
import io.runnel.record.Record;
import io.runnel.record.RecordBatch;
import io.runnel.record.RecordBatchBuilder;
import io.runnel.record.TimestampType;
import io.runnel.storage.AppendResult;
import io.runnel.storage.LogConfig;
import io.runnel.storage.LogManager;
import io.runnel.storage.LogManagerConfig;
import io.runnel.storage.PartitionLog;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A seeded simulation of one partition replicated on three brokers (RF 3, min.insync.replicas 2), run on the real
 * partition layer: each broker is a {@link ReplicaManager} over its own {@link LogManager} (real logs in a temporary
 * directory), followers fetch with {@link FollowerFetch} and leaders answer with the real {@link FetchHandler}, both
 * through the wire encoding. Everything else is simulated and driven by one {@link Random}: the clock, the network
 * (every message may be lost or delayed, so reordered; a broker may be cut off), the controller
 * ({@link SimController}), crashes and restarts (a restarted broker reopens its directory), and one producer sending
 * numbered records with acks=all to whoever it believes leads.
 *
 * <p>Faults: at most one broker (RF - min.insync.replicas) is down or cut off at a time. Checked while running: the
 * high watermark of a leader never goes back within its epoch, and the committed prefix (records below any leader's
 * high watermark) never changes, on any replica, up to that replica's high watermark. Checked at the end, after the
 * faults heal and the cluster quiesces: every acknowledged record is in the leader's log once, in the order
 * acknowledged; no record is in it twice; the logs of the ISR members are byte-equal up to the high watermark.
 * A failure is an {@link AssertionError} naming the seed; the same seed replays the same run.
 */
final class ReplicationSimulation implements AutoCloseable {
    static final int RF = 3;
    static final int MIN_ISR = 2;
    private static final int CONTROLLER = 0;
    private static final int CLIENT = -1;
    private static final TopicPartition TP = new TopicPartition("sim", 0);
    private static final Uuid TOPIC_ID = new Uuid(42, 42);
    private static final long STEP_MS = 10;
    private static final long SESSION_TIMEOUT_MS = 600;
    private static final long HEARTBEAT_MS = 100;
    private static final long METADATA_POLL_MS = 30;
    private static final long RPC_TIMEOUT_MS = 1000;
    private static final long PRODUCE_TIMEOUT_MS = 2000;
    /** lag 600, wait 0 (answer at once: no real-time delayed fetch), backoff 50, socket timeout 200. */
    private static final ReplicationConfig CONFIG = new ReplicationConfig(600, 0, 1, 1 << 20, 10 << 20, 50, 200, 1);

    private final long seed;
    private final Random rnd;
    private final Path root;
    private long now;
    private long seq;
    private final PriorityQueue<Event> events = new PriorityQueue<>();
    private final Map<Integer, Node> nodes = new HashMap<>();
    private final SimController controller;
    private final StringBuilder trace = new StringBuilder();

    // network faults
    private double dropRate;
    private int maxDelayMs;
    /** The one broker down or cut off, or -1; what is wrong with it. */
    private int faulty = -1;
    private String fault = "";
    private long faultEndsAt;

    // producer
    private long nextRecord;
    private boolean produceInFlight;
    private long produceId;
    private int believedLeader = 1;
    private final List<Long> acked = new ArrayList<>();

    // invariants
    private final List<Long> committed = new ArrayList<>();
    private final Map<String, Long> leaderHighWatermarks = new HashMap<>();

    private final Time time = new Time() {
        @Override
        public long milliseconds() {
            return now;
        }

        @Override
        public long nanoseconds() {
            return TimeUnit.MILLISECONDS.toNanos(now);
        }
    };

    private record Event(long at, long seq, Runnable action) implements Comparable<Event> {
        @Override
        public int compareTo(Event o) {
            return at != o.at ? Long.compare(at, o.at) : Long.compare(seq, o.seq);
        }
    }

    ReplicationSimulation(long seed) throws IOException {
        this.seed = seed;
        this.rnd = new Random(seed);
        Path shm = Path.of("/dev/shm");
        root = Files.createTempDirectory(Files.isDirectory(shm) && Files.isWritable(shm) ? shm : Path.of(System.getProperty("java.io.tmpdir")),
                "runnel-sim-");
        now = 1_000_000;
        controller = new SimController(List.of(1, 2, 3), SESSION_TIMEOUT_MS, now);
        dropRate = rnd.nextDouble() * 0.05;
        maxDelayMs = 1 + rnd.nextInt(20);
        for (int id = 1; id <= RF; id++) {
            Node n = new Node(id, root.resolve("broker-" + id));
            nodes.put(id, n);
            n.start();
        }
    }

    // ------------------------------------------------------------------ running

    /** Runs {@code steps} steps of workload with faults, then heals, quiesces and checks the final invariants. */
    void run(int steps) {
        try {
            for (int id : nodes.keySet()) schedulePeriodic(id);
            scheduleControllerChecks();
            for (int i = 0; i < steps; i++) {
                maybeInjectFault();
                produce();
                advance(STEP_MS);
            }
            heal();
            quiesce();
            checkFinal();
        } catch (AssertionError | RuntimeException e) {
            throw new AssertionError("replication simulation failed with seed " + seed + " (replay with -Dsim.seed=" + seed + ") at "
                    + now + " ms: " + e.getMessage() + "\nlast events:\n" + lastTrace(), e);
        }
    }

    private void advance(long ms) {
        long until = now + ms;
        while (!events.isEmpty() && events.peek().at() <= until) {
            Event e = events.poll();
            now = Math.max(now, e.at());
            e.action().run();
        }
        now = until;
        checkRunning();
    }

    private void at(long delayMs, Runnable action) {
        events.add(new Event(now + delayMs, seq++, action));
    }

    private void note(String s) {
        trace.append(now).append(' ').append(s).append('\n');
        if (trace.length() > 200_000) trace.delete(0, 100_000);
    }

    /** The last events of the run, for a failure's message or a replay's reader. */
    String traceTail() {
        return lastTrace();
    }

    private String lastTrace() {
        String t = trace.toString();
        String[] lines = t.split("\n");
        return String.join("\n", Arrays.copyOfRange(lines, Math.max(0, lines.length - 60), lines.length));
    }

    // ------------------------------------------------------------------ network

    private boolean cut(int from, int to) {
        if (faulty < 0) return false;
        if (fault.equals("isolated")) return from == faulty || to == faulty;
        if (fault.equals("cut-from-controller")) {
            return (from == faulty && to == CONTROLLER) || (from == CONTROLLER && to == faulty);
        }
        return false;
    }

    /** Sends a message: lost with the current drop rate or on a cut link, else delivered after a random delay. */
    private void send(int from, int to, Runnable deliver) {
        if (cut(from, to) || rnd.nextDouble() < dropRate) return;
        long delay = 1 + rnd.nextInt(maxDelayMs);
        if (rnd.nextInt(50) == 0) delay += rnd.nextInt(300); // now and then a long delay
        at(delay, () -> {
            if (!cut(from, to)) deliver.run();
        });
    }

    // ------------------------------------------------------------------ brokers

    /** One simulated broker; a crash ends its life (the incarnation), a restart begins the next one. */
    private final class Node {
        final int id;
        final Path dir;
        long incarnation;
        boolean up;
        LogManager logs;
        ReplicaManager replicas;
        FetchHandler fetchHandler;
        SimFetchers fetchers;
        long appliedVersion;

        Node(int id, Path dir) {
            this.id = id;
            this.dir = dir;
        }

        void start() {
            incarnation++;
            logs = new LogManager(List.of(dir), time, LogManagerConfig.DEFAULT);
            logs.startup();
            logs.awaitAllLoaded();
            replicas = new ReplicaManager(id, logs, CONFIG, time, false);
            fetchers = new SimFetchers(this);
            long inc = incarnation;
            replicas.startReplication((topicId, partition, leaderEpoch, partitionEpoch, newIsr) ->
                    alterIsr(this, inc, leaderEpoch, partitionEpoch, newIsr), fetchers);
            BrokerConfigs config = BrokerConfigs.parse(Map.of("node.id", Integer.toString(id)));
            fetchHandler = new FetchHandler(replicas, new BrokerContext(id, config, new MetadataPublisher(null, id, Map.of()),
                    topics -> CompletableFuture.completedFuture(null)));
            appliedVersion = 0;
            up = true;
            note("broker " + id + " starts (life " + incarnation + ")");
        }

        void crash() {
            note("broker " + id + " crashes");
            up = false;
            incarnation++;
            replicas.close();
            logs.close();
        }

        Partition partition() {
            return up ? replicas.get(TP) : null;
        }

        boolean leads() {
            Partition p = partition();
            return p != null && replicas.isLeader(p);
        }
    }

    /** The fetchers of one broker: one {@link FollowerFetch} per leader, each with at most one fetch in flight. */
    private final class SimFetchers implements FollowerFetchers {
        final Node node;
        final Map<Integer, FollowerFetch> byLeader = new HashMap<>();
        final Map<TopicPartition, Integer> assigned = new HashMap<>();
        final Map<Integer, Long> inFlight = new HashMap<>();
        final Map<Integer, Long> backoffUntil = new HashMap<>();
        long nextFetchId;

        SimFetchers(Node node) {
            this.node = node;
        }

        @Override
        public void addPartition(Partition p, int leaderId, int leaderEpoch) {
            FollowerFetch f = byLeader.computeIfAbsent(leaderId,
                    l -> new FollowerFetch(node.id, l, CONFIG, node.replicas, () -> node.incarnation, time));
            Integer old = assigned.put(p.topicPartition(), leaderId);
            if (old != null && old != leaderId) byLeader.get(old).remove(p.topicPartition());
            f.add(p, leaderEpoch);
        }

        @Override
        public void removePartition(TopicPartition tp) {
            Integer old = assigned.remove(tp);
            if (old != null) byLeader.get(old).remove(tp);
        }

        @Override
        public void close() {
            byLeader.clear();
            assigned.clear();
        }

        /** Sends one fetch to each leader that has none in flight and is not backing off. */
        void fetchRound() {
            for (FollowerFetch f : new ArrayList<>(byLeader.values())) {
                int leader = f.leaderId();
                if (inFlight.containsKey(leader) || backoffUntil.getOrDefault(leader, 0L) > now) continue;
                FollowerFetch.Prepared prepared = f.prepare();
                if (prepared == null) continue;
                long fetchId = nextFetchId++;
                inFlight.put(leader, fetchId);
                long inc = node.incarnation;
                ByteBuffer request = encode(prepared.request());
                send(node.id, leader, () -> {
                    ByteBuffer response = leaderAnswersFetch(leader, request);
                    if (response == null) return;
                    send(leader, node.id, () -> {
                        if (!node.up || node.incarnation != inc || !Long.valueOf(fetchId).equals(inFlight.get(leader))) return;
                        inFlight.remove(leader);
                        FetchResponse resp = new FetchResponse();
                        resp.read(new ByteBufferReadable(response), ReplicaFetcher.FETCH_VERSION);
                        noteFetch(node.id, leader, prepared.request(), resp);
                        Errors e = f.apply(prepared, resp);
                        if (e != Errors.NONE) backoffUntil.put(leader, now + CONFIG.fetchBackoffMs());
                    });
                });
                at(CONFIG.socketTimeoutMs(), () -> {
                    // no answer in time: the connection is given up and the fetcher waits, as ReplicaFetcher does
                    if (node.incarnation == inc && Long.valueOf(fetchId).equals(inFlight.get(leader))) {
                        inFlight.remove(leader);
                        backoffUntil.put(leader, now + CONFIG.fetchBackoffMs());
                    }
                });
            }
        }
    }

    private void noteFetch(int follower, int leader, FetchRequest req, FetchResponse resp) {
        StringBuilder b = new StringBuilder("broker " + follower + " fetched from " + leader + ":");
        for (FetchRequest.FetchTopic t : req.topics) {
            for (FetchRequest.FetchPartition fp : t.partitions) {
                b.append(" at ").append(fp.fetchOffset).append(" epoch ").append(fp.currentLeaderEpoch).append(" last ").append(fp.lastFetchedEpoch);
            }
        }
        for (FetchResponse.TopicResponse t : resp.responses) {
            for (FetchResponse.PartitionData pd : t.partitions) {
                b.append(" -> ").append(Errors.forCode(pd.errorCode)).append(" hw ").append(pd.highWatermark).append(" diverging ")
                        .append(pd.divergingEpoch.epoch).append('/').append(pd.divergingEpoch.endOffset).append(" bytes ")
                        .append(pd.records == null ? 0 : pd.records.sizeInBytes());
            }
        }
        note(b.toString());
    }

    private static ByteBuffer encode(ApiMessage m) {
        GrowableWritable w = new GrowableWritable(256);
        m.write(w, ReplicaFetcher.FETCH_VERSION);
        return w.toByteBuffer();
    }

    /** The leader's broker decodes the fetch, answers it with its FetchHandler and encodes the answer; null when down. */
    private ByteBuffer leaderAnswersFetch(int leaderId, ByteBuffer request) {
        Node leader = nodes.get(leaderId);
        if (!leader.up) return null;
        FetchRequest req = new FetchRequest();
        req.read(new ByteBufferReadable(request.duplicate()), ReplicaFetcher.FETCH_VERSION);
        RequestContext ctx = new RequestContext(new RequestHeader(ApiKeys.FETCH.id, ReplicaFetcher.FETCH_VERSION, 1, "sim"), ApiKeys.FETCH,
                new InetSocketAddress("127.0.0.1", 1), "PLAINTEXT", 0);
        CompletableFuture<FetchResponse> f = leader.fetchHandler.handle(ctx, req);
        if (!f.isDone()) throw new AssertionError("a follower fetch with max wait 0 did not answer at once");
        return encode(f.join()); // encoded now: the leader's log may change before the answer arrives
    }

    /** AlterPartition from a leader to the controller and back; given up (failed) after the RPC timeout. */
    private CompletableFuture<ReplicaManager.IsrResult> alterIsr(Node node, long inc, int leaderEpoch, int partitionEpoch,
                                                                 List<Integer> newIsr) {
        CompletableFuture<ReplicaManager.IsrResult> f = new CompletableFuture<>();
        note("broker " + node.id + " asks ISR " + newIsr + " at epochs " + leaderEpoch + "/" + partitionEpoch);
        send(node.id, CONTROLLER, () -> {
            ReplicaManager.IsrResult r = controller.alterPartition(node.id, leaderEpoch, partitionEpoch, newIsr);
            note("controller answers broker " + node.id + " ISR " + newIsr + ": " + r.error() + " " + r.state());
            send(CONTROLLER, node.id, () -> {
                if (node.up && node.incarnation == inc) f.complete(r);
            });
        });
        at(RPC_TIMEOUT_MS, () -> {
            if (node.up && node.incarnation == inc) f.completeExceptionally(new IOException("AlterPartition timed out"));
        });
        return f;
    }

    private void schedulePeriodic(int id) {
        Node n = nodes.get(id);
        periodic(5, () -> {
            if (n.up) n.fetchers.fetchRound();
        });
        periodic(HEARTBEAT_MS, () -> {
            if (!n.up) return;
            long inc = n.incarnation;
            send(id, CONTROLLER, () -> controller.heartbeat(id, inc, now));
        });
        periodic(METADATA_POLL_MS, () -> {
            if (!n.up) return;
            long inc = n.incarnation;
            send(id, CONTROLLER, () -> {
                Partition.ReplicaState s = controller.state();
                long version = controller.version();
                send(CONTROLLER, id, () -> {
                    if (!n.up || n.incarnation != inc || version <= n.appliedVersion) return;
                    n.appliedVersion = version;
                    note("broker " + id + " applies " + s);
                    n.replicas.applyPartition(TP.topic(), TOPIC_ID, TP.partition(), s, LogConfig.DEFAULT);
                });
            });
        });
        periodic(CONFIG.lagTimeMaxMs() / 2, () -> {
            if (n.up) n.replicas.shrinkIsrs();
        });
    }

    private void scheduleControllerChecks() {
        periodic(50, () -> {
            long v = controller.version();
            controller.checkSessions(now);
            if (controller.version() != v) note("controller fences: " + controller.state());
        });
    }

    private void periodic(long periodMs, Runnable action) {
        at(1 + rnd.nextInt((int) periodMs), new Runnable() {
            @Override
            public void run() {
                action.run();
                at(periodMs, this);
            }
        });
    }

    // ------------------------------------------------------------------ faults

    private void maybeInjectFault() {
        if (faulty >= 0) {
            if (now >= faultEndsAt) endFault();
            return;
        }
        if (rnd.nextInt(100) >= 3) return;
        faulty = 1 + rnd.nextInt(RF);
        // the leader is the most interesting victim: pick it half of the time
        if (rnd.nextBoolean()) {
            int leader = controller.state().leaderId();
            if (leader > 0) faulty = leader;
        }
        faultEndsAt = now + 100 + rnd.nextInt(2000);
        fault = switch (rnd.nextInt(3)) {
            case 0 -> "crashed";
            case 1 -> "isolated";
            default -> "cut-from-controller";
        };
        note("fault: broker " + faulty + " " + fault + " until " + faultEndsAt);
        if (fault.equals("crashed")) nodes.get(faulty).crash();
    }

    private void endFault() {
        note("fault ends: broker " + faulty + " " + fault);
        if (fault.equals("crashed")) nodes.get(faulty).start();
        faulty = -1;
        fault = "";
    }

    private void heal() {
        if (faulty >= 0) endFault();
        dropRate = 0;
        maxDelayMs = 3;
    }

    // ------------------------------------------------------------------ producer

    private void produce() {
        if (produceInFlight) return;
        produceInFlight = true;
        long record = nextRecord++;
        long id = produceId++;
        int target = believedLeader;
        note("client sends record " + record + " to broker " + target);
        send(CLIENT, target, () -> {
            Node n = nodes.get(target);
            if (!n.up) return;
            CompletableFuture<Errors> result = appendAcksAll(n, record);
            long inc = n.incarnation;
            result.thenAccept(e -> send(target, CLIENT, () -> {
                if (produceId - 1 != id || !produceInFlight) return; // given up already
                produceInFlight = false;
                note("client: record " + record + " answered " + e + " by broker " + target);
                if (e == Errors.NONE) {
                    acked.add(record);
                    note("record " + record + " acknowledged by broker " + target + " (life " + inc + ")");
                } else {
                    refreshLeader();
                }
            }));
        });
        at(PRODUCE_TIMEOUT_MS, () -> {
            if (produceId - 1 == id && produceInFlight) {
                produceInFlight = false;
                refreshLeader();
            }
        });
    }

    /** What the Produce handler does for one partition with acks=all. */
    private CompletableFuture<Errors> appendAcksAll(Node n, long record) {
        try {
            Partition p = n.replicas.leaderFor(TP, -1);
            if (p.state().isr().size() < MIN_ISR) return CompletableFuture.completedFuture(Errors.NOT_ENOUGH_REPLICAS);
            AppendResult r = n.replicas.appendAsLeader(p, records(record, now));
            note("broker " + n.id + " appends record " + record + " at " + r.firstOffset() + " epoch " + p.leaderEpoch());
            // the real timer must not fire during the simulation: the producer's own timeout stands for it
            return n.replicas.awaitReplication(p, r.lastOffset() + 1, MIN_ISR, TimeUnit.DAYS.toMillis(1));
        } catch (ApiException e) {
            return CompletableFuture.completedFuture(e.error());
        }
    }

    private void refreshLeader() {
        // the client's metadata request, answered by the controller's current view
        send(CLIENT, CONTROLLER, () -> {
            int leader = controller.state().leaderId();
            send(CONTROLLER, CLIENT, () -> {
                if (leader > 0) believedLeader = leader;
            });
        });
    }

    /** One batch of one record whose value is the record's number; its timestamp is the simulated clock's, as the log checks it. */
    private static MemoryRecords records(long record, long timestampMs) {
        RecordBatchBuilder b = new RecordBatchBuilder(CompressionType.NONE, TimestampType.CREATE_TIME, 0);
        b.append(timestampMs, null, Long.toString(record).getBytes(StandardCharsets.UTF_8), List.of());
        return new MemoryRecords(b.build());
    }

    // ------------------------------------------------------------------ invariants

    /** The record numbers of {@code log} at offsets [from, to). */
    private static List<Long> recordsOf(PartitionLog log, long from, long to) {
        List<Long> out = new ArrayList<>();
        long offset = from;
        while (offset < to) {
            MemoryRecords m = log.read(offset, 1 << 20, to, true).records().toMemory();
            if (m.sizeInBytes() == 0) throw new AssertionError("no records at " + offset + " below " + to);
            for (RecordBatch b : m.batches()) {
                for (Record r : b.records()) {
                    if (r.offset() < offset || r.offset() >= to) continue;
                    if (r.offset() != offset) throw new AssertionError("offset " + r.offset() + " where " + offset + " was expected");
                    out.add(Long.parseLong(new String(r.value(), StandardCharsets.UTF_8)));
                    offset++;
                }
            }
        }
        return out;
    }

    /** The log's bytes of [0, to). */
    private static byte[] bytesOf(PartitionLog log, long to) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        long offset = 0;
        while (offset < to) {
            MemoryRecords m = log.read(offset, 1 << 20, to, true).records().toMemory();
            if (m.sizeInBytes() == 0) throw new AssertionError("no records at " + offset + " below " + to);
            out.writeBytes(m.toArray());
            for (RecordBatch b : m.batches()) offset = b.nextOffset();
        }
        return out.toByteArray();
    }

    /** After each step: leaders' high watermarks never go back in an epoch; the committed prefix never changes. */
    private void checkRunning() {
        for (Node n : nodes.values()) {
            Partition p = n.partition();
            if (p == null) continue;
            PartitionLog log = p.log();
            long hw = log.highWatermark();
            if (n.replicas.isLeader(p)) {
                String key = n.id + "/" + n.incarnation + "/" + p.leaderEpoch();
                Long before = leaderHighWatermarks.put(key, hw);
                if (before != null && hw < before) {
                    throw new AssertionError("the high watermark of leader " + n.id + " in epoch " + p.leaderEpoch() + " went back from "
                            + before + " to " + hw);
                }
                if (hw > committed.size()) committed.addAll(recordsOf(log, committed.size(), hw));
            }
        }
        for (Node n : nodes.values()) {
            Partition p = n.partition();
            if (p == null) continue;
            PartitionLog log = p.log();
            long upTo = Math.min(log.highWatermark(), committed.size());
            // checking the last records every step and the whole prefix now and then keeps the run fast
            long from = (now / STEP_MS) % 25 == 0 ? log.logStartOffset() : Math.max(log.logStartOffset(), upTo - 5);
            if (from >= upTo) continue;
            List<Long> got = recordsOf(log, from, upTo);
            List<Long> want = committed.subList((int) from, (int) upTo);
            if (!got.equals(want)) {
                throw new AssertionError("broker " + n.id + " has " + got + " at [" + from + ", " + upTo + ") below its high watermark "
                        + log.highWatermark() + " where the committed records are " + want);
            }
        }
    }

    /** Runs fault-free until there is a leader, the ISR is every replica and all logs and high watermarks agree. */
    private void quiesce() {
        long deadline = now + 30_000;
        while (now < deadline) {
            if (!produceInFlight && quiet()) return;
            advance(STEP_MS);
        }
        StringBuilder s = new StringBuilder("the cluster did not quiesce within 30 s after healing: controller " + controller.state());
        for (Node n : nodes.values()) {
            Partition p = n.partition();
            if (p != null) {
                s.append("; broker ").append(n.id).append(' ').append(p.state()).append(" LEO ").append(p.log().logEndOffset())
                        .append(" HW ").append(p.log().highWatermark());
            }
        }
        throw new AssertionError(s.toString());
    }

    private boolean quiet() {
        Partition.ReplicaState s = controller.state();
        if (s.leaderId() < 0 || s.isr().size() != RF) return false;
        Node leader = nodes.get(s.leaderId());
        Partition lp = leader.partition();
        if (lp == null || !leader.replicas.isLeader(lp) || lp.leaderEpoch() != s.leaderEpoch()) return false;
        long leo = lp.log().logEndOffset();
        if (lp.log().highWatermark() != leo) return false;
        for (Node n : nodes.values()) {
            Partition p = n.partition();
            if (p == null || !p.state().equals(s) || p.log().logEndOffset() != leo || p.log().highWatermark() != leo) return false;
        }
        return true;
    }

    private void checkFinal() {
        Partition.ReplicaState s = controller.state();
        PartitionLog leaderLog = nodes.get(s.leaderId()).partition().log();
        long hw = leaderLog.highWatermark();
        List<Long> log = recordsOf(leaderLog, leaderLog.logStartOffset(), hw);
        Set<Long> seen = new LinkedHashSet<>();
        for (long r : log) {
            if (!seen.add(r)) throw new AssertionError("record " + r + " is twice in the leader's log " + log);
        }
        List<Long> ackedInLog = log.stream().filter(new java.util.HashSet<>(acked)::contains).toList();
        if (!ackedInLog.equals(acked)) {
            List<Long> lost = new ArrayList<>(acked);
            lost.removeAll(log);
            throw new AssertionError("acknowledged records lost " + lost + " or out of order: acknowledged " + acked + ", in the log "
                    + ackedInLog);
        }
        if (!log.subList(0, Math.min(log.size(), committed.size())).equals(committed.subList(0, Math.min(log.size(), committed.size())))) {
            throw new AssertionError("the final log " + log + " does not start with the committed records " + committed);
        }
        byte[] leaderBytes = bytesOf(leaderLog, hw);
        for (int r : s.isr()) {
            byte[] b = bytesOf(nodes.get(r).partition().log(), hw);
            if (!Arrays.equals(b, leaderBytes)) throw new AssertionError("broker " + r + "'s log differs from the leader's below " + hw);
        }
    }

    /** Acknowledged records and records committed, for the test to show the run did something. */
    int acknowledged() {
        return acked.size();
    }

    int committedCount() {
        return committed.size();
    }

    @Override
    public void close() {
        for (Node n : nodes.values()) {
            if (n.up) n.crash();
        }
        try (var walk = Files.walk(root)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
