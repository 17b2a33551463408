package io.runnel.bench;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.CreateTopicsOptions;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.DescribeMetadataQuorumOptions;
import org.apache.kafka.clients.admin.NewTopic;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Scenario (q), the metadata quorum of a three-node cluster ({@link LocalCluster}, started by {@link BrokerStarter}
 * as for (r)), measured the same way for Runnel and Apache Kafka through kafka-clients' Admin:
 * <ol>
 *   <li><b>start-to-ready</b>: from launching the first of the three processes until DescribeCluster lists three
 *       brokers and a CreateTopics of an RF 3 topic has succeeded;</li>
 *   <li><b>controller failover</b>, {@code failovers} times: the active controller (DescribeQuorum's leader) is
 *       killed with SIGKILL, and an Admin client bootstrapped on the two surviving nodes sends CreateTopics
 *       ({@value #ATTEMPT_TIMEOUT_MS} ms per attempt, a new topic each attempt, RF 2 so that it stays valid once the
 *       dead broker is fenced) until one succeeds; the figure is the time from the kill to that success. Beside it,
 *       a second client polls DescribeQuorum and notes when it first names another leader. The killed node is
 *       started again between rounds.</li>
 *   <li><b>metadata throughput</b>, last: {@link #topics(double)} topics of {@value #PARTITIONS} partitions, RF 3,
 *       created by {@value #CALLERS} concurrent Admin clients, one topic per request; successes per second. It
 *       comes after the failovers so that they run on a cluster with few partitions: a node restarted after
 *       thousands of partitions were created makes every leader expand its ISR again, which is not what the
 *       failover figure is about.</li>
 * </ol>
 * Thread-safety: one scenario run drives the cluster; the worker threads it starts end before it returns.
 */
final class QuorumScenario {
    static final int PARTITIONS = 10;
    static final short REPLICATION_FACTOR = 3;
    static final int CALLERS = 4;
    static final long ATTEMPT_TIMEOUT_MS = 2_000;
    static final long POLL_MS = 20;

    /**
     * One controller failover.
     *
     * @param killedNode    the node killed (the active controller)
     * @param toCreateMs    SIGKILL to the first successful CreateTopics
     * @param toNewLeaderMs SIGKILL to the first DescribeQuorum answer naming another leader, or null if none came
     *                      before the CreateTopics succeeded and shortly after
     * @param failedAttempts CreateTopics attempts that failed before
     * @param lastError     the last failed attempt's error, or null
     * @param killedAt      wall-clock time of the kill, to find it in the nodes' logs
     */
    record Failover(int killedNode, double toCreateMs, Double toNewLeaderMs, int failedAttempts, String lastError,
                    java.time.Instant killedAt) {
    }

    private final long timeoutMs;
    private final long pauseMs;
    private final PrintStream progress;

    QuorumScenario(long timeoutMs, long pauseMs, PrintStream progress) {
        this.timeoutMs = timeoutMs;
        this.pauseMs = pauseMs;
        this.progress = progress;
    }

    /** Topics the throughput part creates: {@link Scenario#Q_TOPICS} scaled, at least {@value #CALLERS} x 5. */
    static long topics(double scale) {
        return Math.max(CALLERS * 5L, Math.round(Scenario.Q_TOPICS * scale));
    }

    /** Successes per second over {@code nanos}; 0 for no time or no success. */
    static double perSecond(long successes, long nanos) {
        if (successes <= 0 || nanos <= 0) return 0;
        return successes / (nanos / 1e9);
    }

    /**
     * The figures of several failovers: median and slowest SIGKILL-to-CreateTopics, and the median
     * SIGKILL-to-new-leader over those rounds that saw one. Nothing for an empty list.
     */
    static Map<String, Double> failoverFigures(List<Failover> rounds) {
        Map<String, Double> v = new LinkedHashMap<>();
        if (rounds.isEmpty()) return v;
        List<Double> create = new ArrayList<>();
        List<Double> leader = new ArrayList<>();
        for (Failover f : rounds) {
            create.add(f.toCreateMs());
            if (f.toNewLeaderMs() != null) leader.add(f.toNewLeaderMs());
        }
        v.put(Metric.CONTROLLER_FAILOVER_MS, Report.median(create));
        v.put(Metric.CONTROLLER_FAILOVER_MAX_MS, Collections.max(create));
        if (!leader.isEmpty()) v.put(Metric.NEW_LEADER_MS, Report.median(leader));
        return v;
    }

    /** Runs the three parts, in that order, against a cluster just started; a part that fails is named in the note, the others still run. */
    ScenarioRunner.Outcome run(LocalCluster cluster, String tag, long topicCount, int failovers) {
        String run = Long.toString(System.currentTimeMillis() % 1_000_000) + ThreadLocalRandom.current().nextInt(1000);
        Map<String, Double> v = new LinkedHashMap<>();
        List<String> notes = new ArrayList<>();
        try {
            double ms = startToReady(cluster, "bench-q-ready-" + run);
            v.put(Metric.CLUSTER_START_MS, ms);
            progress.printf(Locale.ROOT, "  %s (q) start-to-ready %.0f ms (launch to three brokers and an RF 3 CreateTopics)%n", tag, ms);
        } catch (Exception e) {
            notes.add("start-to-ready: " + Broker.rootMessage(e));
        }
        List<Failover> rounds = new ArrayList<>();
        for (int k = 1; k <= failovers; k++) {
            pause();
            try {
                Failover f = failover(cluster, "bench-q-f" + k + "-" + run + "-");
                rounds.add(f);
                progress.printf(Locale.ROOT, "  %s (q) failover %d/%d: SIGKILL of active controller node %d at %s; DescribeQuorum named "
                                + "a new leader after %s, CreateTopics succeeded after %.0f ms (%d failed attempt(s) before%s)%n",
                        tag, k, failovers, f.killedNode(), f.killedAt(),
                        f.toNewLeaderMs() == null ? "(not seen)" : String.format(Locale.ROOT, "%.0f ms", f.toNewLeaderMs()),
                        f.toCreateMs(), f.failedAttempts(), f.lastError() == null ? "" : "; last: " + ScenarioRunner.oneLine(f.lastError()));
            } catch (Exception e) {
                notes.add("failover " + k + ": " + Broker.rootMessage(e));
                break;
            }
        }
        v.putAll(failoverFigures(rounds));
        pause();
        try {
            // the node killed last must be back (RF 3 needs three brokers)
            cluster.awaitAllBrokers(timeoutMs);
            long[] result = createMany(cluster, "bench-q-m-" + run + "-", topicCount);
            double rate = perSecond(result[0], result[1]);
            if (result[0] > 0) v.put(Metric.TOPICS_PER_SEC, rate);
            progress.printf(Locale.ROOT, "  %s (q) %d of %d topics (%d partitions, RF %d) created in %.2f s by %d clients: %.1f/s%n",
                    tag, result[0], topicCount, PARTITIONS, REPLICATION_FACTOR, result[1] / 1e9, CALLERS, rate);
            if (result[0] < topicCount) notes.add("throughput: " + (topicCount - result[0]) + " of " + topicCount + " CreateTopics failed");
        } catch (Exception e) {
            notes.add("throughput: " + Broker.rootMessage(e));
        }
        String note = notes.isEmpty() ? null : String.join("; ", notes);
        return v.isEmpty() ? ScenarioRunner.Outcome.failed(note) : ScenarioRunner.Outcome.ok(v, note);
    }

    /** Milliseconds from the first node's launch until an RF 3 CreateTopics succeeded (the cluster already lists three brokers). */
    private double startToReady(LocalCluster cluster, String topic) throws Exception {
        try (Admin admin = Admin.create(Broker.fastAdminProps(cluster.bootstrap()))) {
            createUntilSuccess(admin, topic, 1, REPLICATION_FACTOR, timeoutMs, new AtomicInteger(), new AtomicReference<>());
        }
        return (System.nanoTime() - cluster.launchedNanos()) / 1e6;
    }

    /** Creates {@code n} topics with {@value #CALLERS} concurrent clients; returns {successes, elapsed nanos}. */
    private long[] createMany(LocalCluster cluster, String prefix, long n) throws Exception {
        AtomicLong next = new AtomicLong();
        AtomicLong ok = new AtomicLong();
        AtomicReference<String> lastError = new AtomicReference<>();
        List<Admin> admins = new ArrayList<>();
        try {
            for (int i = 0; i < CALLERS; i++) {
                Admin a = Admin.create(patientAdminProps(cluster.bootstrap()));
                admins.add(a);
                // connections and metadata first, so the clock measures the CreateTopics only
                a.describeCluster(new DescribeClusterOptions().timeoutMs(10_000)).nodes().get(15, TimeUnit.SECONDS);
            }
            CountDownLatch go = new CountDownLatch(1);
            List<Thread> threads = new ArrayList<>();
            for (Admin a : admins) {
                Thread t = new Thread(() -> {
                    try {
                        go.await();
                    } catch (InterruptedException e) {
                        return;
                    }
                    long i;
                    while ((i = next.getAndIncrement()) < n) {
                        try {
                            a.createTopics(List.of(new NewTopic(prefix + i, PARTITIONS, REPLICATION_FACTOR))).all()
                                    .get(timeoutMs, TimeUnit.MILLISECONDS);
                            ok.incrementAndGet();
                        } catch (Exception e) {
                            lastError.set(Broker.rootMessage(e));
                        }
                    }
                }, "bench-q-create-" + threads.size());
                t.setDaemon(true);
                threads.add(t);
                t.start();
            }
            long t0 = System.nanoTime();
            go.countDown();
            for (Thread t : threads) t.join();
            long elapsed = System.nanoTime() - t0;
            if (ok.get() < n && lastError.get() != null) progress.println("  (q) last CreateTopics error: " + lastError.get());
            return new long[]{ok.get(), elapsed};
        } finally {
            for (Admin a : admins) a.close();
        }
    }

    /** One round: kill the active controller, time the next successful CreateTopics, start the node again. */
    private Failover failover(LocalCluster cluster, String prefix) throws Exception {
        cluster.awaitAllBrokers(timeoutMs);
        int leader = activeController(cluster);
        String survivors = cluster.bootstrapWithout(leader);
        AtomicInteger failed = new AtomicInteger();
        AtomicReference<String> lastError = new AtomicReference<>();
        AtomicLong newLeaderAt = new AtomicLong(Long.MIN_VALUE);
        double toCreate;
        java.time.Instant wallClock;
        try (Admin admin = Admin.create(Broker.fastAdminProps(survivors));
             Admin watcher = Admin.create(Broker.fastAdminProps(survivors))) {
            // both clients know the cluster and hold connections before the kill
            admin.describeCluster(new DescribeClusterOptions().timeoutMs(10_000)).nodes().get(15, TimeUnit.SECONDS);
            watcher.describeMetadataQuorum(new DescribeMetadataQuorumOptions().timeoutMs(10_000)).quorumInfo().get(15, TimeUnit.SECONDS);
            AtomicLong killedAt = new AtomicLong();
            CountDownLatch killed = new CountDownLatch(1);
            Thread watch = new Thread(() -> watchLeader(watcher, leader, killed, newLeaderAt), "bench-q-watch");
            watch.setDaemon(true);
            watch.start();
            try {
                wallClock = java.time.Instant.now();
                killedAt.set(System.nanoTime());
                killed.countDown();
                cluster.node(leader).kill9();
                createUntilSuccess(admin, prefix, 1, (short) (cluster.nodeCount() - 1), timeoutMs, failed, lastError);
                toCreate = (System.nanoTime() - killedAt.get()) / 1e6;
                watch.join(ATTEMPT_TIMEOUT_MS);
            } finally {
                watch.interrupt();
                watch.join(5_000);
            }
            long at = newLeaderAt.get();
            Double toLeader = at == Long.MIN_VALUE ? null : (at - killedAt.get()) / 1e6;
            cluster.restart(leader);
            return new Failover(leader, toCreate, toLeader, failed.get(), lastError.get(), wallClock);
        } catch (Exception e) {
            if (!cluster.node(leader).alive()) cluster.restart(leader);
            throw e;
        }
    }

    /** Polls DescribeQuorum (after the kill) until it names a leader other than {@code old}; records when. */
    private static void watchLeader(Admin watcher, int old, CountDownLatch killed, AtomicLong at) {
        try {
            killed.await();
            while (!Thread.currentThread().isInterrupted()) {
                try {
                    int now = watcher.describeMetadataQuorum(new DescribeMetadataQuorumOptions().timeoutMs((int) ATTEMPT_TIMEOUT_MS))
                            .quorumInfo().get(ATTEMPT_TIMEOUT_MS + 1_000, TimeUnit.MILLISECONDS).leaderId();
                    if (now >= 0 && now != old) {
                        at.set(System.nanoTime());
                        return;
                    }
                } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                    // no controller answering yet
                }
                Thread.sleep(POLL_MS);
            }
        } catch (InterruptedException e) {
            // the round is over
        }
    }

    /** The active controller's node id: DescribeQuorum's leader (Kafka's DescribeCluster names a random broker instead). */
    private int activeController(LocalCluster cluster) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        Exception last = null;
        try (Admin admin = Admin.create(Broker.fastAdminProps(cluster.bootstrap()))) {
            while (System.nanoTime() - deadline < 0) {
                try {
                    int id = admin.describeMetadataQuorum(new DescribeMetadataQuorumOptions().timeoutMs(5_000)).quorumInfo()
                            .get(6, TimeUnit.SECONDS).leaderId();
                    if (cluster.nodeIds().contains(id)) return id;
                } catch (Exception e) {
                    last = e;
                }
                Thread.sleep(50);
            }
        }
        throw new IllegalStateException("no active controller named by DescribeQuorum within " + timeoutMs + " ms"
                + (last == null ? "" : " (" + Broker.rootMessage(last) + ")"));
    }

    /**
     * Sends CreateTopics of a new topic ({@code prefix} + attempt number, or {@code prefix} alone for the first) with
     * {@value #ATTEMPT_TIMEOUT_MS} ms per attempt until one succeeds; counts the failed ones.
     */
    private static void createUntilSuccess(Admin admin, String prefix, int partitions, short rf, long timeoutMs,
                                           AtomicInteger failed, AtomicReference<String> lastError) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        for (int attempt = 0; System.nanoTime() - deadline < 0; attempt++) {
            String topic = attempt == 0 ? prefix : prefix + "-" + attempt;
            try {
                admin.createTopics(List.of(new NewTopic(topic, partitions, rf)), new CreateTopicsOptions().timeoutMs((int) ATTEMPT_TIMEOUT_MS))
                        .all().get(ATTEMPT_TIMEOUT_MS + 1_000, TimeUnit.MILLISECONDS);
                return;
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                failed.incrementAndGet();
                lastError.set(Broker.rootMessage(e));
            }
        }
        throw new IllegalStateException("no CreateTopics succeeded within " + timeoutMs + " ms (" + failed.get()
                + " attempts; last: " + lastError.get() + ")");
    }

    /** Admin settings for many creations in a row: the defaults' patience, loopback-quick reconnects. */
    private static Properties patientAdminProps(String bootstrap) {
        Properties p = Broker.fastAdminProps(bootstrap);
        p.put(org.apache.kafka.clients.admin.AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "30000");
        p.put(org.apache.kafka.clients.admin.AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "60000");
        return p;
    }

    private void pause() {
        try {
            Thread.sleep(pauseMs);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
