package io.runnel.bench;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The failover figure of scenario (r): a producer in this JVM (kafka-clients, acks=all, idempotent, linger.ms=0)
 * sends {@value #RATE_PER_SEC} records/s of {@value #RECORD_SIZE} B to one partition of a replicated topic; the
 * partition's leader process is killed with SIGKILL, and the figure is the time from the kill to the first
 * acknowledgement the producer receives after the killed process is gone (so necessarily from the new leader).
 * The killed node is started again and the next kill waits until it is back in the ISR.
 *
 * <p>Thread-safety: the send loop runs on its own thread and acknowledgements arrive on the producer's I/O
 * thread; {@link #firstAckAfter} may be called from any thread.
 */
final class FailoverProbe implements AutoCloseable {
    static final int RATE_PER_SEC = 100;
    static final int RECORD_SIZE = 100;

    /**
     * The outcome of {@link #measure}.
     *
     * @param failoverMs one figure per kill, in order
     * @param note       what went wrong or was left out, or null
     */
    record Result(List<Double> failoverMs, String note) {
    }

    private final KafkaProducer<byte[], byte[]> producer;
    private final ScheduledExecutorService sender;
    private final String topic;
    /** System.nanoTime() of every acknowledgement, in the order the producer reported them (ascending) */
    private final List<Long> acks = Collections.synchronizedList(new ArrayList<>());
    private final AtomicLong failed = new AtomicLong();
    private final AtomicReference<String> lastError = new AtomicReference<>();

    FailoverProbe(String bootstrap, String topic) {
        this.topic = topic;
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "0");
        p.put(ProducerConfig.CLIENT_ID_CONFIG, "bench-failover");
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        this.producer = new KafkaProducer<>(p);
        this.sender = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "bench-failover-sender");
            t.setDaemon(true);
            return t;
        });
        sender.scheduleAtFixedRate(this::sendOne, 0, 1_000_000 / RATE_PER_SEC, TimeUnit.MICROSECONDS);
    }

    private void sendOne() {
        try {
            producer.send(new ProducerRecord<>(topic, new byte[RECORD_SIZE]), (md, e) -> {
                if (e == null) {
                    acks.add(System.nanoTime());
                } else {
                    failed.incrementAndGet();
                    lastError.set(Broker.rootMessage(e));
                }
            });
        } catch (RuntimeException e) {
            failed.incrementAndGet();
            lastError.set(Broker.rootMessage(e));
        }
    }

    /** The time of the first acknowledgement after {@code nanos}, or null if none has come yet. */
    Long firstAckAfter(long nanos) {
        synchronized (acks) {
            return firstAfter(acks, nanos);
        }
    }

    /** The first value of {@code ascending} greater than {@code t}, or null (binary search). */
    static Long firstAfter(List<Long> ascending, long t) {
        int lo = 0;
        int hi = ascending.size();
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (ascending.get(mid) - t > 0) hi = mid;
            else lo = mid + 1;
        }
        return lo < ascending.size() ? ascending.get(lo) : null;
    }

    @Override
    public void close() {
        sender.shutdownNow();
        producer.close(java.time.Duration.ofSeconds(10));
    }

    /**
     * Creates {@code topic} on {@code cluster} and measures {@code kills} failovers, each within
     * {@code timeoutMs}; stops at the first that does not complete.
     */
    static Result measure(LocalCluster cluster, String topic, int kills, long timeoutMs, PrintStream progress, String tag)
            throws Exception {
        List<Double> figures = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        Properties ap = Broker.fastAdminProps(cluster.bootstrap());
        ap.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "30000");
        try (Admin admin = Admin.create(ap)) {
            admin.createTopics(List.of(cluster.newTopic(topic))).all().get(30, TimeUnit.SECONDS);
            try (FailoverProbe probe = new FailoverProbe(cluster.bootstrap(), topic)) {
                if (probe.awaitAckAfter(System.nanoTime(), timeoutMs) == null) {
                    return new Result(figures, "no write was acknowledged before the first kill" + probe.errors());
                }
                for (int k = 1; k <= kills; k++) {
                    int leader = awaitFullIsr(admin, topic, cluster.nodeCount(), timeoutMs);
                    Broker.Managed node = cluster.node(leader);
                    java.time.Instant killedWall = java.time.Instant.now();
                    long killed = System.nanoTime();
                    node.kill9();
                    long gone = System.nanoTime();
                    Long ack = probe.awaitAckAfter(gone, timeoutMs);
                    if (ack == null) {
                        notes.add("kill " + k + ": no write acknowledged within " + timeoutMs / 1000 + " s after SIGKILL of leader node "
                                + leader + probe.errors());
                        cluster.restart(leader);
                        break;
                    }
                    double ms = (ack - killed) / 1e6;
                    figures.add(ms);
                    // wall-clock times too, to line the figure up with the brokers' logs (profiling)
                    progress.printf(Locale.ROOT, "  %s (r) failover %d/%d: SIGKILL of leader node %d at %s, next acknowledged write after %.0f ms (%s)%n",
                            tag, k, kills, leader, killedWall, ms, killedWall.plusNanos(ack - killed));
                    cluster.restart(leader);
                }
                if (probe.failed.get() > 0) notes.add(probe.failed.get() + " probe records failed" + probe.errors());
            }
        }
        return new Result(figures, notes.isEmpty() ? null : String.join("; ", notes));
    }

    private Long awaitAckAfter(long nanos, long timeoutMs) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (System.nanoTime() - deadline < 0) {
            Long a = firstAckAfter(nanos);
            if (a != null) return a;
            Thread.sleep(1);
        }
        return null;
    }

    private String errors() {
        String e = lastError.get();
        return e == null ? "" : " (last producer error: " + e + ")";
    }

    /** Waits until partition 0 of {@code topic} has a leader and all {@code replicas} in its ISR; returns the leader's id. */
    private static int awaitFullIsr(Admin admin, String topic, int replicas, long timeoutMs) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        String last = "no answer";
        while (System.nanoTime() - deadline < 0) {
            try {
                TopicDescription d = admin.describeTopics(List.of(topic)).allTopicNames().get(10, TimeUnit.SECONDS).get(topic);
                TopicPartitionInfo p = d.partitions().get(0);
                if (p.leader() != null && !p.leader().isEmpty() && p.isr().size() >= replicas) return p.leader().id();
                last = "leader " + (p.leader() == null ? "none" : p.leader().id()) + ", ISR " + p.isr().size() + " of " + replicas;
            } catch (Exception e) {
                last = Broker.rootMessage(e);
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("the ISR of " + topic + " did not come back to " + replicas + " replicas within "
                + timeoutMs / 1000 + " s (" + last + ")");
    }
}
