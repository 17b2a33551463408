package io.runnel.bench;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;

import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Scenario (g), partition scale: one broker, started fresh, gets {@code N} partitions created through the
 * Admin API (topics of {@value #PER_TOPIC} partitions, one topic per CreateTopics request, which stays under
 * Kafka's 10,000-records-per-request cap), then is killed with SIGKILL and started again on the same data.
 * Figures: partitions created (a broker that fails part-way reports how far it got), the time to create them,
 * resident memory and open descriptors after creating, the time from the restarted process's start until
 * every topic is served with all its partitions led, and resident memory after the restart.
 */
final class PartitionScaleScenario {
    static final int PER_TOPIC = 5_000;

    interface Starter {
        Broker.Managed start(boolean restart) throws Exception;
    }

    private final int partitions;
    private final long timeoutMs;
    private final PrintStream progress;

    PartitionScaleScenario(int partitions, long timeoutMs, PrintStream progress) {
        this.partitions = partitions;
        this.timeoutMs = timeoutMs;
        this.progress = progress;
    }

    ScenarioRunner.Outcome run(String tag, Starter starter) {
        Map<String, Double> v = new LinkedHashMap<>();
        int topics = (partitions + PER_TOPIC - 1) / PER_TOPIC;
        Broker.Managed broker;
        try {
            broker = starter.start(false);
        } catch (Exception e) {
            return ScenarioRunner.Outcome.failed("the broker did not start: " + Broker.rootMessage(e));
        }
        String note = null;
        int created = 0;
        try {
            long t0 = System.nanoTime();
            try (Admin admin = Admin.create(patientAdminProps(broker.bootstrap()))) {
                for (int t = 0; t < topics; t++) {
                    int n = Math.min(PER_TOPIC, partitions - created);
                    try {
                        admin.createTopics(List.of(new NewTopic(topic(t), n, (short) 1))).all()
                                .get(timeoutMs, TimeUnit.MILLISECONDS);
                    } catch (Exception e) {
                        note = "creating topic " + (t + 1) + " of " + topics + " failed after " + created
                                + " partitions: " + Broker.rootMessage(e);
                        break;
                    }
                    created += n;
                    if ((t + 1) % 5 == 0) {
                        progress.printf(Locale.ROOT, "  %s (g) %d partitions after %.1f s%n", tag, created,
                                (System.nanoTime() - t0) / 1e9);
                    }
                }
            }
            // Kafka acknowledges CreateTopics once the controller has the records; its broker creates the logs
            // afterwards. Both are timed until every partition is served with a leader (or it stops progressing).
            int topicsCreated = created / PER_TOPIC + (created % PER_TOPIC == 0 ? 0 : 1);
            long served = created == 0 ? 0 : awaitServed(broker, topicsCreated, created, t0, 30_000);
            v.put(Metric.PARTITIONS, (double) served);
            if (served < created) {
                note = (note == null ? "" : note + "; ") + "only " + served + " of " + created
                        + " acknowledged partitions came to be served with a leader";
            }
            if (served > 0) v.put(Metric.CREATE_S, (System.nanoTime() - t0) / 1e9);
            if (broker.alive()) {
                v.put(Metric.RSS_MIB, broker.rssMib());
                Long fds = broker.openDescriptors();
                if (fds != null) v.put(Metric.FDS, fds.doubleValue());
            } else {
                note = (note == null ? "" : note + "; ") + "the broker died: " + broker.diagnostics();
                return ScenarioRunner.Outcome.ok(v, note);
            }
            broker.kill9();
            long r0 = System.nanoTime();
            Broker.Managed again = starter.start(true);
            broker = again;
            long back = awaitServed(again, topicsCreated, served, r0, 60_000);
            if (back < served) throw new IllegalStateException("after the restart only " + back + " of " + served
                    + " partitions were served");
            v.put(Metric.RESTART_S, (System.nanoTime() - r0) / 1e9);
            v.put(Metric.RSS_RESTART_MIB, again.rssMib());
            return ScenarioRunner.Outcome.ok(v, note);
        } catch (Exception e) {
            String msg = (note == null ? "" : note + "; ") + Broker.rootMessage(e);
            return v.isEmpty() ? ScenarioRunner.Outcome.failed(msg) : ScenarioRunner.Outcome.ok(v, msg);
        } finally {
            broker.close();
        }
    }

    /** Quick to notice the broker, but patient with requests that create thousands of partitions. */
    private java.util.Properties patientAdminProps(String bootstrap) {
        java.util.Properties p = Broker.fastAdminProps(bootstrap);
        p.put(org.apache.kafka.clients.admin.AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, Long.toString(timeoutMs));
        p.put(org.apache.kafka.clients.admin.AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, Long.toString(timeoutMs));
        return p;
    }

    private static String topic(int t) {
        return "scale-" + t;
    }

    /**
     * Waits until Metadata lists {@code expected} partitions of the created topics with a leader, or until
     * that count has not grown for {@code stallMs}; returns the count reached.
     */
    private long awaitServed(Broker.Managed broker, int topics, long expected, long startNanos, long stallMs)
            throws Exception {
        long deadline = startNanos + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        List<String> names = new java.util.ArrayList<>();
        for (int t = 0; t < topics; t++) names.add(topic(t));
        long best = 0;
        long lastProgress = System.nanoTime();
        try (Admin admin = Admin.create(patientAdminProps(broker.bootstrap()))) {
            while (System.nanoTime() < deadline && System.nanoTime() - lastProgress < TimeUnit.MILLISECONDS.toNanos(stallMs)) {
                if (!broker.alive()) throw new IllegalStateException("the broker died. " + broker.diagnostics());
                try {
                    Map<String, TopicDescription> d = admin.describeTopics(names).allTopicNames().get(30, TimeUnit.SECONDS);
                    long led = d.values().stream().flatMap(td -> td.partitions().stream())
                            .filter(p -> p.leader() != null && !p.leader().isEmpty()).count();
                    if (led >= expected) return led;
                    if (led > best) {
                        best = led;
                        lastProgress = System.nanoTime();
                    }
                } catch (Exception e) {
                    // not ready yet
                }
                Thread.sleep(20);
            }
        }
        return best;
    }
}
