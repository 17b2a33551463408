package io.runnel.bench;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Runs the selected scenarios against one broker, each tool in its own JVM, and turns their output into
 * figures. A scenario that fails yields an {@link Outcome} with the error; the others still run.
 */
final class ScenarioRunner {
    /** Heap for the tool JVMs: what kafka-producer-perf-test.sh and kafka-consumer-perf-test.sh set. */
    static final String TOOL_HEAP = "-Xmx512m";

    /**
     * The figures of one scenario in one run, or why it failed.
     *
     * @param values figures by metric key (empty when it failed)
     * @param error  why the scenario failed, or null
     * @param note   why a figure of an otherwise successful scenario is missing, or null
     */
    record Outcome(Map<String, Double> values, String error, String note) {
        static Outcome ok(Map<String, Double> values) {
            return new Outcome(values, null, null);
        }

        static Outcome ok(Map<String, Double> values, String note) {
            return new Outcome(values, null, note);
        }

        static Outcome failed(String error) {
            return new Outcome(Map.of(), error, null);
        }

        boolean failed() {
            return error != null;
        }
    }

    private static final String TIMED_OUT = "did not finish within";
    /** broker/scenario pairs whose tool hit the time limit: later runs skip them rather than wait again */
    private final java.util.Set<String> timedOut = new java.util.HashSet<>();
    private final JavaLauncher java;
    private final double scale;
    private final long toolTimeoutMs;
    private final long pauseMs;
    private final PrintStream progress;
    private final Path toolLogConfig;

    ScenarioRunner(JavaLauncher java, Path workDir, double scale, long toolTimeoutMs, long pauseMs, PrintStream progress)
            throws IOException {
        this.java = java;
        this.scale = scale;
        this.toolTimeoutMs = toolTimeoutMs;
        this.pauseMs = pauseMs;
        this.progress = progress;
        this.toolLogConfig = workDir.resolve("tools-log4j2.properties");
        BrokerStarter.writeIfAbsent(toolLogConfig, BrokerStarter.stderrLogConfig());
    }

    long records(Scenario s) {
        return switch (s) {
            case A, D -> Scenario.scaled(Scenario.A_RECORDS, scale);
            case B -> Scenario.scaled(Scenario.B_RECORDS, scale);
            case C -> Scenario.scaled(Scenario.C_RECORDS, scale);
            case E -> Scenario.scaled(Scenario.E_RECORDS, scale);
            case H -> Scenario.scaled(Scenario.H_RECORDS, scale);
            case R -> Scenario.scaled(Scenario.R_RECORDS, scale);
            case Q -> QuorumScenario.topics(scale);
            case F, G -> 0;
        };
    }

    /**
     * How long a scenario's tool may run: its records at a floor rate far below any working broker's
     * (so that a stuck broker costs minutes, not hours), at least 2 minutes, at most --tool-timeout-s.
     */
    long timeoutMs(Scenario s) {
        long floorPerSec = switch (s) {
            case A, D, H -> 10_000;
            case B, R -> 2_000;
            case C -> 5_000;
            case E -> 50;
            case F, G, Q -> 1;
        };
        long ms = Math.max(120_000, records(s) * 1000 / floorPerSec);
        return Math.min(toolTimeoutMs, ms);
    }

    /** The tool invocation of a scenario, as documentation (bootstrap and topic left symbolic). */
    List<String> describeCommand(Scenario s) {
        return switch (s) {
            case A -> producerArgs("TOPIC", records(s), Scenario.A_SIZE, -1, "BOOTSTRAP", producerPropsA());
            case B -> producerArgs("TOPIC", records(s), Scenario.B_SIZE, -1, "BOOTSTRAP", producerPropsB());
            case C -> producerArgs("TOPIC", records(s), Scenario.C_SIZE, Scenario.C_RATE, "BOOTSTRAP", producerPropsC());
            case D -> consumerArgs("TOPIC_OF_A", records(s), "BOOTSTRAP");
            case E -> endToEndArgs("TOPIC", records(s), "BOOTSTRAP");
            case H -> {
                List<String> args = new ArrayList<>(transactionArgs("TRANSACTIONAL_ID"));
                args.addAll(producerArgs("TOPIC", records(s), Scenario.H_SIZE, -1, "BOOTSTRAP", producerPropsA()));
                yield args;
            }
            case R -> producerArgs("TOPIC", records(s), Scenario.R_SIZE, -1, "BOOTSTRAP", producerPropsA());
            case F, G, Q -> List.of();
        };
    }

    static String toolClass(Scenario s) {
        return switch (s) {
            case A, B, C, H, R -> "org.apache.kafka.tools.ProducerPerformance";
            case D -> "org.apache.kafka.tools.ConsumerPerformance";
            case E -> "org.apache.kafka.tools.EndToEndLatency";
            case F, G, Q -> "";
        };
    }

    private static List<String> producerPropsA() {
        return List.of("acks=all", "linger.ms=5", "batch.size=65536");
    }

    private static List<String> producerPropsB() {
        return List.of("acks=all", "linger.ms=5", "batch.size=131072", "compression.type=lz4");
    }

    /** (h): ProducerPerformance's own transactions: a commit every {@link Scenario#H_TXN_MS} ms. */
    private static List<String> transactionArgs(String transactionalId) {
        return List.of("--transactional-id", transactionalId, "--transaction-duration-ms", Integer.toString(Scenario.H_TXN_MS));
    }

    private static List<String> producerPropsC() {
        return List.of("acks=all", "linger.ms=0");
    }

    /** Runs every selected scenario against {@code broker}; results by scenario. */
    Map<Scenario, Outcome> runAll(Broker broker, Set<Scenario> selected, Path sessionDir, String tag) {
        Map<Scenario, Outcome> out = new EnumMap<>(Scenario.class);
        String run = Long.toString(System.currentTimeMillis() % 1_000_000) + ThreadLocalRandom.current().nextInt(1000);
        String topicA = "bench-a-" + run;
        Outcome a = null;
        Double rssAfterA = null;
        String rssError = null;

        // (a) also runs when only (d) or (f) asked for it: (d) reads what it wrote, (f) measures memory after it
        boolean needA = selected.contains(Scenario.A) || selected.contains(Scenario.D) || selected.contains(Scenario.F);
        if (needA) {
            a = guarded(broker, Scenario.A, () -> produce(broker, sessionDir, "a", topicA, records(Scenario.A), Scenario.A_SIZE, -1,
                    producerPropsA()));
            if (selected.contains(Scenario.A)) report(tag, Scenario.A, a, out);
            try {
                if (a.failed()) rssError = "(a) failed, so there is no memory figure after it";
                else if (broker.alive()) rssAfterA = broker.rssMib();
                else rssError = "the broker died during (a)";
            } catch (Exception e) {
                rssError = "cannot read the broker's memory: " + Broker.rootMessage(e);
            }
            if (rssAfterA == null && rssError == null) rssError = "the broker's pid is unknown (pass --broker-pid)";
            pause();
        }
        if (selected.contains(Scenario.B)) {
            report(tag, Scenario.B, guarded(broker, Scenario.B, () -> compressedProduce(broker, sessionDir, run)), out);
            pause();
        }
        if (selected.contains(Scenario.C)) {
            report(tag, Scenario.C, guarded(broker, Scenario.C, () -> latency(broker, sessionDir, run)), out);
            pause();
        }
        if (selected.contains(Scenario.D)) {
            Outcome d;
            if (a != null && a.failed()) d = Outcome.failed("skipped: (a), whose records it reads, failed");
            else d = guarded(broker, Scenario.D, () -> consume(broker, sessionDir, topicA, records(Scenario.D)));
            report(tag, Scenario.D, d, out);
            pause();
        }
        if (selected.contains(Scenario.E)) {
            report(tag, Scenario.E, guarded(broker, Scenario.E, () -> endToEnd(broker, sessionDir, "bench-e-" + run,
                    records(Scenario.E))), out);
        }
        if (selected.contains(Scenario.H)) {
            report(tag, Scenario.H, guarded(broker, Scenario.H, () -> transactions(broker, sessionDir, "bench-h-" + run)), out);
            pause();
        }
        if (selected.contains(Scenario.F)) {
            Map<String, Double> f = new LinkedHashMap<>();
            Double start = broker.startToReadyMs();
            if (start != null) f.put(Metric.START_MS, start);
            if (rssAfterA != null) f.put(Metric.RSS_MIB, rssAfterA);
            Outcome fo = f.isEmpty()
                    ? Outcome.failed(rssError != null ? rssError : "not measurable for a broker started elsewhere")
                    : Outcome.ok(f, rssError == null ? null : "no memory figure: " + rssError);
            report(tag, Scenario.F, fo, out);
        }
        return out;
    }

    private interface Body {
        Outcome run() throws Exception;
    }

    private Outcome guarded(Broker broker, Scenario s, Body body) {
        if (!broker.alive()) return Outcome.failed("the broker is not running. " + broker.diagnostics());
        String key = broker.name + "/" + s;
        if (timedOut.contains(key)) {
            return Outcome.failed("skipped: it ran into the time limit in an earlier run against this broker");
        }
        try {
            Outcome o = body.run();
            if (o.failed() && o.error().contains(TIMED_OUT)) timedOut.add(key);
            if (o.failed() && !broker.alive()) {
                return Outcome.failed(o.error() + " | the broker died: " + broker.diagnostics());
            }
            return o;
        } catch (Exception e) {
            return Outcome.failed(Broker.rootMessage(e));
        }
    }

    void report(String tag, Scenario s, Outcome o, Map<Scenario, Outcome> out) {
        out.put(s, o);
        if (o.failed()) {
            progress.printf(Locale.ROOT, "  %s (%s) FAILED: %s%n", tag, s.id(), oneLine(o.error()));
        } else {
            StringBuilder sb = new StringBuilder();
            for (Metric m : Metric.of(s)) {
                Double v = o.values().get(m.key());
                if (v == null) continue;
                if (!sb.isEmpty()) sb.append(", ");
                sb.append(m.label()).append(' ').append(Report.formatValue(v));
            }
            progress.printf(Locale.ROOT, "  %s (%s) %s%s%n", tag, s.id(), sb, o.note() == null ? "" : "; " + o.note());
        }
        progress.flush();
    }

    static String oneLine(String s) {
        String t = s.replace('\n', ' ').replaceAll("\\s+", " ").strip();
        return t.length() > 300 ? t.substring(0, 300) + "..." : t;
    }

    private void pause() {
        try {
            Thread.sleep(pauseMs);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // --------------------------------------------------------------------------------------------- tools

    private List<String> producerArgs(String topic, long n, int size, int rate, String bootstrap, List<String> props) {
        List<String> args = new ArrayList<>(BenchSecurity.toolArgs());
        args.addAll(List.of("--topic", topic, "--num-records", Long.toString(n),
                "--record-size", Integer.toString(size), "--throughput", Integer.toString(rate),
                "--producer-props", "bootstrap.servers=" + bootstrap));
        args.addAll(props);
        return args;
    }

    private static List<String> consumerArgs(String topic, long n, String bootstrap) {
        List<String> args = new ArrayList<>(List.of("--bootstrap-server", bootstrap, "--topic", topic, "--messages", Long.toString(n),
                "--timeout", "60000"));
        args.addAll(BenchSecurity.toolArgs());
        return args;
    }

    private static List<String> endToEndArgs(String topic, long n, String bootstrap) {
        return List.of(bootstrap, topic, Long.toString(n), "all", Integer.toString(Scenario.E_SIZE));
    }

    /**
     * (c): the tool as a cold JVM (what a one-shot run sees, dominated by the client's own JIT warm-up),
     * then again after a warm-up pass in the same client JVM (the broker's steady-state latency). The
     * target applies to the steady state; the cold figures are reported beside it.
     */
    private Outcome latency(Broker broker, Path dir, String run) throws Exception {
        long n = records(Scenario.C);
        Outcome cold = produce(broker, dir, "c", "bench-c-cold-" + run, n, Scenario.C_SIZE, Scenario.C_RATE, producerPropsC());
        if (cold.failed()) return cold;
        String warmTopic = "bench-c-warmup-" + run;
        createTopic(broker, warmTopic);
        Outcome warm = produce(broker, dir, "c", "bench-c-" + run, n, Scenario.C_SIZE, Scenario.C_RATE, producerPropsC(),
                WarmProducerPerformance.class.getName(), List.of(warmTopic, Long.toString(Math.max(1, n / 3))));
        if (warm.failed()) return warm;
        Map<String, Double> v = new LinkedHashMap<>(warm.values());
        v.put(Metric.COLD_P99_MS, cold.values().get(Metric.P99_MS));
        v.put(Metric.COLD_P999_MS, cold.values().get(Metric.P999_MS));
        // the warm run's CPU figure would include its warm-up pass: report the cold run's
        Double cpu = cold.values().get(Metric.BROKER_CPU_US_PER_RECORD);
        if (cpu != null) v.put(Metric.BROKER_CPU_US_PER_RECORD, cpu);
        else v.remove(Metric.BROKER_CPU_US_PER_RECORD);
        return Outcome.ok(v);
    }

    /**
     * (b): the tool as a cold JVM, then again after a warm-up pass in the same client JVM, as (c) does. A cold run
     * of 300,000 records lasts about three seconds, and the client's own JIT compilation takes about half of the
     * machine's CPU in it, against either broker (docs/benchmarks.md, "(b): lz4 without a stream, frames copied
     * once"); the warm run shows what the broker allows once the client is compiled. Both are reported; the CPU per record is the cold
     * run's, whose records are exactly the tool's.
     */
    private Outcome compressedProduce(Broker broker, Path dir, String run) throws Exception {
        long n = records(Scenario.B);
        Outcome cold = produce(broker, dir, "b", "bench-b-" + run, n, Scenario.B_SIZE, -1, producerPropsB());
        if (cold.failed()) return cold;
        pause();
        String warmTopic = "bench-b-warmup-" + run;
        createTopic(broker, warmTopic);
        Outcome warm = produce(broker, dir, "b", "bench-b-warm-" + run, n, Scenario.B_SIZE, -1, producerPropsB(),
                WarmProducerPerformance.class.getName(), List.of(warmTopic, Long.toString(Math.max(1, n / 3))));
        if (warm.failed()) return warm;
        Map<String, Double> v = new LinkedHashMap<>(cold.values());
        v.put(Metric.WARM_RECORDS_PER_SEC, warm.values().get(Metric.RECORDS_PER_SEC));
        v.put(Metric.WARM_P99_MS, warm.values().get(Metric.P99_MS));
        return Outcome.ok(v);
    }

    private Outcome produce(Broker broker, Path dir, String id, String topic, long n, int size, int rate, List<String> props)
            throws Exception {
        return produce(broker, dir, id, topic, n, size, rate, props, "org.apache.kafka.tools.ProducerPerformance", List.of());
    }

    /** ProducerPerformance ({@code mainClass} may wrap it) under the time limit of the scenario {@code id} names. */
    private Outcome produce(Broker broker, Path dir, String id, String topic, long n, int size, int rate, List<String> props,
                            String mainClass, List<String> leadingArgs) throws Exception {
        createTopic(broker, topic);
        Double cpu0 = broker.cpuSeconds();
        List<String> args = new ArrayList<>(leadingArgs);
        args.addAll(producerArgs(topic, n, size, rate, broker.bootstrap(), props));
        ToolRun r = runTool(dir, id, mainClass, args);
        Double cpu = cpuUsPerRecord(broker, cpu0, n);
        if (r.error != null) return Outcome.failed(r.error);
        ToolOutput.ProducerSummary s;
        try {
            s = ToolOutput.parseProducer(r.stdout);
        } catch (IllegalArgumentException e) {
            return Outcome.failed(e.getMessage() + r.stderrHint());
        }
        if (s.records() != n) {
            return Outcome.failed("only " + s.records() + " of " + n + " records were acknowledged" + r.stderrHint());
        }
        Map<String, Double> v = new LinkedHashMap<>();
        v.put(Metric.RECORDS_PER_SEC, s.recordsPerSec());
        v.put(Metric.MB_PER_SEC, s.mbPerSec());
        v.put(Metric.AVG_MS, s.avgLatencyMs());
        v.put(Metric.P50_MS, (double) s.p50Ms());
        v.put(Metric.P99_MS, (double) s.p99Ms());
        v.put(Metric.P999_MS, (double) s.p999Ms());
        if (cpu != null) v.put(Metric.BROKER_CPU_US_PER_RECORD, cpu);
        return Outcome.ok(v);
    }

    /** Broker CPU time (user + system, all threads) spent since {@code before}, per record; null if unknown. */
    private static Double cpuUsPerRecord(Broker broker, Double before, long records) {
        Double after = broker.cpuSeconds();
        if (before == null || after == null || records <= 0) return null;
        return (after - before) * 1e6 / records;
    }

    /**
     * (r) against a local cluster whose topics have RF 3 and min.insync.replicas 2: produce as (a) and as (b), latency at a
     * fixed rate as (c)'s warm run, consume as (d), then {@code failovers} SIGKILLs of the partition leader
     * ({@link FailoverProbe}). A part that fails is named in the outcome's note; the others still run.
     */
    Outcome replicated(LocalCluster cluster, Path dir, String tag, int failovers) {
        String run = Long.toString(System.currentTimeMillis() % 1_000_000) + ThreadLocalRandom.current().nextInt(1000);
        Map<String, Double> v = new LinkedHashMap<>();
        List<String> notes = new ArrayList<>();
        long n = records(Scenario.R);
        String topic = "bench-r-" + run;
        Outcome p = guarded(cluster, Scenario.R, () -> produce(cluster, dir, "r-produce", topic, n, Scenario.R_SIZE, -1,
                producerPropsA()));
        if (p.failed()) {
            notes.add("produce: " + p.error());
        } else {
            v.put(Metric.RECORDS_PER_SEC, p.values().get(Metric.RECORDS_PER_SEC));
            v.put(Metric.MB_PER_SEC, p.values().get(Metric.MB_PER_SEC));
            v.put(Metric.P99_MS, p.values().get(Metric.P99_MS));
        }
        pause();
        // as (b): 1 KiB records compressed with lz4 by the producer
        long nB = Scenario.scaled(Scenario.B_RECORDS, scale);
        Outcome b = guarded(cluster, Scenario.R, () -> produce(cluster, dir, "r-produce-b", "bench-r-b-" + run, nB, Scenario.B_SIZE, -1,
                producerPropsB()));
        if (b.failed()) {
            notes.add("produce 1 KiB lz4: " + b.error());
        } else {
            v.put(Metric.B_RECORDS_PER_SEC, b.values().get(Metric.RECORDS_PER_SEC));
            v.put(Metric.B_P99_MS, b.values().get(Metric.P99_MS));
        }
        pause();
        long nRate = Scenario.scaled(Scenario.R_RATE_RECORDS, scale);
        String warmTopic = "bench-r-warmup-" + run;
        Outcome l = guarded(cluster, Scenario.R, () -> {
            createTopic(cluster, warmTopic);
            return produce(cluster, dir, "r-rate", "bench-r-rate-" + run, nRate, Scenario.R_RATE_SIZE, Scenario.R_RATE,
                    producerPropsC(), WarmProducerPerformance.class.getName(), List.of(warmTopic, Long.toString(Math.max(1, nRate / 3))));
        });
        if (l.failed()) {
            notes.add("fixed rate: " + l.error());
        } else {
            v.put(Metric.FIXED_RATE_P99_MS, l.values().get(Metric.P99_MS));
            v.put(Metric.FIXED_RATE_P999_MS, l.values().get(Metric.P999_MS));
        }
        pause();
        if (!p.failed()) {
            Outcome c = guarded(cluster, Scenario.R, () -> consume(cluster, dir, "r-consume", Scenario.R, topic, n, List.of()));
            if (c.failed()) notes.add("consume: " + c.error());
            else v.put(Metric.CONSUME_RECORDS_PER_SEC, c.values().get(Metric.RECORDS_PER_SEC));
            pause();
        }
        if (failovers > 0) {
            try {
                FailoverProbe.Result f = FailoverProbe.measure(cluster, "bench-r-failover-" + run, failovers, 60_000, progress, tag);
                if (!f.failoverMs().isEmpty()) {
                    v.put(Metric.FAILOVER_MS, Report.median(f.failoverMs()));
                    v.put(Metric.FAILOVER_MAX_MS, Collections.max(f.failoverMs()));
                }
                if (f.note() != null) notes.add(f.note());
            } catch (Exception e) {
                notes.add("failover: " + Broker.rootMessage(e));
            }
        }
        String note = notes.isEmpty() ? null : String.join("; ", notes);
        Outcome o = v.isEmpty() ? Outcome.failed(note) : Outcome.ok(v, note);
        report(tag, Scenario.R, o, new EnumMap<>(Scenario.class));
        return o;
    }

    /**
     * (h): transactional produce (ProducerPerformance commits every 100 ms), then a read_committed
     * ConsumerPerformance over the same records: it must see every committed record.
     */
    private Outcome transactions(Broker broker, Path dir, String topic) throws Exception {
        long n = records(Scenario.H);
        Outcome produced = produce(broker, dir, "h", topic, n, Scenario.H_SIZE, -1, producerPropsA(),
                "org.apache.kafka.tools.ProducerPerformance", transactionArgs(topic + "-txn"));
        if (produced.failed()) return produced;
        Outcome read = consume(broker, dir, "h-read-committed", Scenario.H, topic, n,
                List.of("--command-property", "isolation.level=read_committed"));
        if (read.failed()) return Outcome.failed("read_committed consumer: " + read.error());
        Map<String, Double> v = new LinkedHashMap<>(produced.values());
        v.put(Metric.RC_RECORDS_PER_SEC, read.values().get(Metric.RECORDS_PER_SEC));
        return Outcome.ok(v);
    }

    private Outcome consume(Broker broker, Path dir, String topic, long n) throws Exception {
        return consume(broker, dir, "d", Scenario.D, topic, n, List.of());
    }

    /** ConsumerPerformance over {@code n} records of {@code topic}, with {@code extraArgs}, under {@code scenario}'s time limit. */
    private Outcome consume(Broker broker, Path dir, String id, Scenario scenario, String topic, long n, List<String> extraArgs)
            throws Exception {
        Double cpu0 = broker.cpuSeconds();
        List<String> args = new ArrayList<>(consumerArgs(topic, n, broker.bootstrap()));
        args.addAll(extraArgs);
        ToolRun r = runTool(dir, id, scenario, "org.apache.kafka.tools.ConsumerPerformance", args);
        Double cpu = cpuUsPerRecord(broker, cpu0, n);
        if (r.error != null) return Outcome.failed(r.error);
        ToolOutput.ConsumerSummary s;
        try {
            s = ToolOutput.parseConsumer(r.stdout);
        } catch (IllegalArgumentException e) {
            return Outcome.failed(e.getMessage() + r.stderrHint());
        }
        if (s.records() < n) {
            return Outcome.failed("consumed only " + s.records() + " of " + n + " records before the 60 s idle timeout"
                    + r.stderrHint());
        }
        Map<String, Double> v = new LinkedHashMap<>();
        v.put(Metric.RECORDS_PER_SEC, s.recordsPerSec());
        v.put(Metric.MB_PER_SEC, s.mbPerSec());
        v.put(Metric.FETCH_RECORDS_PER_SEC, s.fetchRecordsPerSec());
        if (cpu != null) v.put(Metric.BROKER_CPU_US_PER_RECORD, cpu);
        return Outcome.ok(v);
    }

    private Outcome endToEnd(Broker broker, Path dir, String topic, long n) throws Exception {
        createTopic(broker, topic);
        ToolRun r = runTool(dir, "e", "org.apache.kafka.tools.EndToEndLatency", endToEndArgs(topic, n, broker.bootstrap()));
        if (r.error != null) return Outcome.failed(r.error);
        ToolOutput.EndToEndSummary s;
        try {
            s = ToolOutput.parseEndToEnd(r.stdout);
        } catch (IllegalArgumentException e) {
            return Outcome.failed(e.getMessage() + r.stderrHint());
        }
        Map<String, Double> v = new LinkedHashMap<>();
        v.put(Metric.AVG_MS, s.avgMs());
        v.put(Metric.P50_MS, (double) s.p50Ms());
        v.put(Metric.P99_MS, (double) s.p99Ms());
        v.put(Metric.P999_MS, (double) s.p999Ms());
        return Outcome.ok(v);
    }

    /** Creates a 1-partition topic as the broker wants it ({@link Broker#newTopic}); if the broker cannot, the tools' auto-creation is left to try. */
    private void createTopic(Broker broker, String topic) {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap());
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "30000");
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "15000");
        try (Admin admin = Admin.create(BenchSecurity.apply(p))) {
            admin.createTopics(List.of(broker.newTopic(topic))).all().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            progress.printf("  note: creating topic %s failed (%s); relying on auto-creation%n", topic, Broker.rootMessage(e));
        }
    }

    private record ToolRun(String stdout, String stderr, String error) {
        String stderrHint() {
            String summary = errorSummary(stderr);
            return summary.isEmpty() ? "" : " [stderr: " + summary + "]";
        }
    }

    /** The telling lines of a tool's stderr: exception and ERROR lines first, else its last lines. */
    static String errorSummary(String stderr) {
        if (stderr == null || stderr.isBlank()) return "";
        List<String> lines = new ArrayList<>();
        List<String> errors = new ArrayList<>();
        for (String l : stderr.split("\\R")) {
            String t = l.strip();
            if (t.isEmpty() || t.startsWith("WARNING:") || t.startsWith("at ") || t.startsWith("...")) continue;
            lines.add(t);
            if ((t.contains("Exception") || t.contains("ERROR") || t.contains("Error:")) && !errors.contains(t)) errors.add(t);
        }
        List<String> pick = !errors.isEmpty() ? errors.subList(0, Math.min(3, errors.size()))
                : lines.subList(Math.max(0, lines.size() - 3), lines.size());
        return oneLine(String.join(" | ", pick));
    }

    /** Runs a tool under the time limit of the scenario named by {@code id}'s first letter ("c", "r-rate"). */
    private ToolRun runTool(Path dir, String id, String mainClass, List<String> args) throws Exception {
        return runTool(dir, id, Scenario.valueOf(id.substring(0, 1).toUpperCase(Locale.ROOT)), mainClass, args);
    }

    /** Runs a tool under {@code scenario}'s time limit; its output goes to {@code id}.out and .err. */
    private ToolRun runTool(Path dir, String id, Scenario scenario, String mainClass, List<String> args) throws Exception {
        Path out = dir.resolve(id + ".out");
        Path err = dir.resolve(id + ".err");
        List<String> opts = new ArrayList<>(List.of(TOOL_HEAP));
        opts.addAll(BrokerStarter.KAFKA_JVM_PERFORMANCE_OPTS);
        opts.add("-Dlog4j2.configurationFile=" + toolLogConfig);
        if (java.javaFeature() >= 23) opts.add("--sun-misc-unsafe-memory-access=allow");
        opts.add("--enable-native-access=ALL-UNNAMED");
        Process p = java.start(java.benchClasspath(), opts, mainClass, args, out, err, dir.getParent().resolve("commands.log"));
        long limitMs = timeoutMs(scenario);
        boolean done = p.waitFor(limitMs, TimeUnit.MILLISECONDS);
        if (!done) JavaLauncher.stop(p, 5_000);
        String stdout = Files.exists(out) ? Files.readString(out, StandardCharsets.UTF_8) : "";
        String stderr = Files.exists(err) ? Files.readString(err, StandardCharsets.UTF_8) : "";
        String error = null;
        if (!done) {
            error = mainClass.substring(mainClass.lastIndexOf('.') + 1) + " " + TIMED_OUT + " " + limitMs / 1000 + " s";
        } else if (p.exitValue() != 0) {
            error = mainClass.substring(mainClass.lastIndexOf('.') + 1) + " exited with code " + p.exitValue();
        }
        if (error != null) {
            String hint = new ToolRun(stdout, stderr, null).stderrHint();
            if (hint.isEmpty()) hint = " " + oneLine(JavaLauncher.tail(out, 3));
            return new ToolRun(stdout, stderr, error + hint);
        }
        return new ToolRun(stdout, stderr, null);
    }
}
