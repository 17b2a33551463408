package io.runnel.bench;

import org.apache.kafka.common.utils.internals.AppInfoParser;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * {@code runnel bench}: measures a Kafka-protocol broker with Apache Kafka's own perf tools, optionally side by
 * side with a real Apache Kafka broker started from Maven Central jars. See docs/benchmarks.md.
 */
@Command(name = "runnel bench", mixinStandardHelpOptions = true, version = "runnel-bench 0.1.0",
        sortOptions = false, usageHelpWidth = 110,
        description = {
                "Measures a broker with Apache Kafka's ProducerPerformance, ConsumerPerformance and EndToEndLatency "
                        + "(kafka-tools " + "4.4), each in its own JVM.",
                "Without --bootstrap it starts a Runnel broker itself (on a free loopback port, fresh data dir). "
                        + "With --compare-kafka it also starts Apache Kafka (KRaft, one combined node, 1 GiB heap) and "
                        + "runs every scenario against both, one broker at a time, alternating, and prints medians "
                        + "side by side.",
                "Scenarios: (a) produce 2,000,000 x 100 B  (b) produce 300,000 x 1 KiB lz4  (c) 1 KiB at "
                        + "20,000/s latency  (d) consume (a)  (e) end-to-end latency  (f) start-to-ready, RSS after (a)  "
                        + "(h) transactions.",
                "Named only (not in the default list nor in 'all', as each starts brokers of its own and takes minutes): "
                        + "(g) partition scale; (r) replicated: three Runnel nodes vs three Kafka KRaft nodes, RF 3, "
                        + "min.insync.replicas 2, acks=all: produce, p99 at 5,000/s, consume, and failover time after "
                        + "SIGKILL of the leader (about 2 minutes per broker and run at scale 1); (q) metadata quorum: three nodes "
                        + "each, start-to-ready, controller failover (SIGKILL of the active controller to the next CreateTopics), "
                        + "topics of 10 partitions created per second."},
        subcommands = {BenchMain.KafkaCommand.class})
public final class BenchMain implements Callable<Integer> {

    @Option(names = "--bootstrap", paramLabel = "HOST:PORT", description = "Measure this already-running broker.")
    String bootstrap;

    @Option(names = "--broker-pid", paramLabel = "PID", description = "With --bootstrap: the broker's pid, for its memory figure.")
    Long brokerPid;

    @Option(names = "--runnel", description = "Start a Runnel broker (the default when --bootstrap is not given).")
    boolean runnel;

    @Option(names = "--compare-kafka", description = "Also start Apache Kafka and run every scenario against it.")
    boolean compareKafka;

    @Option(names = "--runs", defaultValue = "3", description = "Runs per broker; figures are medians (default: ${DEFAULT-VALUE}).")
    int runs;

    @Option(names = "--scenarios", defaultValue = "a,b,c,d,e,f,h", paramLabel = "a,b,...",
            description = "Scenarios to run (default: ${DEFAULT-VALUE}).")
    String scenarios;

    @Option(names = "--scale", defaultValue = "1.0",
            description = "Multiply record counts (not the 20,000/s rate) by this, e.g. 0.1 for a quick check (default: ${DEFAULT-VALUE}).")
    double scale;

    @Option(names = "--partitions", defaultValue = "100000",
            description = "Partitions scenario (g) creates (default: ${DEFAULT-VALUE}; not scaled by --scale).")
    int scalePartitions;

    @Option(names = "--failovers", defaultValue = "3",
            description = "Leader kills scenario (r) measures, and active-controller kills scenario (q) measures, restarting the "
                    + "killed node between them; the figure is their median (default: ${DEFAULT-VALUE}; 0 skips the failover part).")
    int failovers;

    @Option(names = "--markdown", paramLabel = "FILE", description = "Also write the results as Markdown to FILE.")
    Path markdown;

    @Option(names = "--label", defaultValue = "Runnel", description = "Column name of the broker under test (default: ${DEFAULT-VALUE}).")
    String label;

    @Option(names = "--runnel-home", paramLabel = "DIR", description = "Runnel checkout with a built runnel-broker (default: found from this jar).")
    Path runnelHome;

    @Option(names = "--work-dir", paramLabel = "DIR", description = "Where logs and data go (default: a new temp dir).")
    Path workDir;

    @Option(names = "--kafka-heap", defaultValue = "1g", description = "Apache Kafka's -Xms/-Xmx (default: ${DEFAULT-VALUE}, as kafka-server-start.sh).")
    String kafkaHeap;

    @Option(names = "--start-timeout-ms", defaultValue = "60000", description = "How long a broker may take to become ready.")
    long startTimeoutMs;

    @Option(names = "--tool-timeout-s", defaultValue = "600",
            description = "Upper bound on one tool run, in seconds (each scenario has its own, smaller limit too: "
                    + "its records at a very low rate, at least 2 minutes). A scenario that hits its limit is not "
                    + "retried against the same broker in later runs.")
    long toolTimeoutS;

    @Option(names = "--pause-ms", defaultValue = "1000", description = "Pause between scenarios.")
    long pauseMs;

    @Option(names = "--security", defaultValue = "plaintext", paramLabel = "plaintext|sasl_ssl",
            description = "Client listener of both brokers: plaintext (default) or sasl_ssl (TLSv1.3 with a certificate made by "
                    + "keytool at run time, then SASL PLAIN; scenarios a, b, c, d, f and h only).")
    String security;

    @Option(names = "--runnel-config", paramLabel = "KEY=VALUE",
            description = "A setting of every Runnel broker the harness starts (repeatable), e.g. ssl.engine=jdk; Kafka is not affected.")
    List<String> runnelConfig = new ArrayList<>();

    @Option(names = "--keep-data", description = "Keep the brokers' data directories.")
    boolean keepData;

    @CommandLine.Parameters(hidden = true, arity = "0")
    List<String> none;

    private String[] originalArgs = new String[0];
    private String loadAtStart;
    private ZonedDateTime startedAt = ZonedDateTime.now();
    private long startedNanos = System.nanoTime();

    public static void main(String[] args) {
        BenchMain main = new BenchMain();
        main.originalArgs = args;
        int rc = new CommandLine(main).execute(args);
        System.exit(rc);
    }

    @Override
    public Integer call() throws Exception {
        PrintStream err = System.err;
        if (bootstrap != null && runnel) {
            err.println("runnel bench: give either --bootstrap or --runnel, not both");
            return 2;
        }
        if (runs < 1) {
            err.println("runnel bench: --runs must be at least 1");
            return 2;
        }
        if (failovers < 0) {
            err.println("runnel bench: --failovers must be 0 or more");
            return 2;
        }
        for (String c : runnelConfig) {
            if (c.indexOf('=') <= 0) {
                err.println("runnel bench: --runnel-config takes KEY=VALUE, not " + c);
                return 2;
            }
        }
        if (!runnelConfig.isEmpty() && bootstrap != null) {
            err.println("runnel bench: --runnel-config configures the Runnel broker the harness starts; it cannot be used with --bootstrap");
            return 2;
        }
        if (!(scale > 0)) {
            err.println("runnel bench: --scale must be positive");
            return 2;
        }
        Set<Scenario> selected;
        try {
            selected = Scenario.parseList(scenarios);
        } catch (IllegalArgumentException e) {
            err.println("runnel bench: " + e.getMessage());
            return 2;
        }
        boolean saslSsl = security.equalsIgnoreCase("sasl_ssl");
        if (!saslSsl && !security.equalsIgnoreCase("plaintext")) {
            err.println("runnel bench: --security must be plaintext or sasl_ssl, not " + security);
            return 2;
        }
        if (saslSsl && bootstrap != null) {
            err.println("runnel bench: --security sasl_ssl configures the brokers the harness starts; it cannot be used with --bootstrap");
            return 2;
        }
        if (saslSsl) {
            for (Scenario s : selected) {
                if (s == Scenario.E || s == Scenario.G || s == Scenario.Q || s == Scenario.R) {
                    err.println("runnel bench: --security sasl_ssl runs scenarios a, b, c, d, f and h; remove " + s.name().toLowerCase(java.util.Locale.ROOT));
                    return 2;
                }
            }
        }
        boolean startRunnel = bootstrap == null;
        Path home = startRunnel ? resolveRunnelHome() : null;
        Path work = workDir != null ? Files.createDirectories(workDir) : Files.createTempDirectory("runnel-bench-");
        if (saslSsl) BenchSecurity.enableSaslSsl(Path.of(System.getProperty("java.home")), work);
        JavaLauncher java = new JavaLauncher(Path.of(System.getProperty("java.home")), System.getProperty("java.class.path"));
        List<String> runnelOpts = runnelJvmOptions(java);
        BrokerStarter starter = new BrokerStarter(java, work, home, runnelOpts, kafkaHeap, startTimeoutMs, keepData);
        starter.runnelSettings(runnelConfig);
        ScenarioRunner runner = new ScenarioRunner(java, work, scale, toolTimeoutS * 1000, pauseMs, err);
        Report report = new Report(label, compareKafka, selected);

        err.printf(Locale.ROOT, "runnel bench: scenarios %s, %d run(s) per broker, scale %s; %s%s; logs in %s%n",
                String.join(",", Scenario.ids(selected)), runs, scale,
                startRunnel ? "starting " + label + " from " + home : label + " at " + bootstrap,
                compareKafka ? " vs Apache Kafka " + AppInfoParser.getVersion() : "", work);
        loadAtStart = loadAverage();
        startedAt = ZonedDateTime.now();
        startedNanos = System.nanoTime();
        Broker.warmUpAdmin();

        for (int run = 1; run <= runs; run++) {
            List<String> order = new ArrayList<>();
            order.add(label);
            if (compareKafka) {
                if (run % 2 == 0) order.add(0, Report.KAFKA);
                else order.add(Report.KAFKA);
            }
            for (String who : order) {
                String tag = String.format(Locale.ROOT, "[%s run %d/%d]", who, run, runs);
                String sessionName = (who.equals(Report.KAFKA) ? "kafka" : "subject") + "-run" + run;
                Path session = Files.createDirectories(work.resolve(sessionName));
                Map<Scenario, ScenarioRunner.Outcome> scaleResult = new java.util.EnumMap<>(Scenario.class);
                if (selected.contains(Scenario.G)) {
                    scaleResult.put(Scenario.G, runPartitionScale(who, sessionName, starter, startRunnel, tag, err));
                }
                if (selected.contains(Scenario.Q)) {
                    scaleResult.put(Scenario.Q, runQuorum(who, sessionName, starter, startRunnel, runner, tag, err));
                }
                if (selected.contains(Scenario.R)) {
                    scaleResult.put(Scenario.R, runReplicated(who, sessionName, starter, startRunnel, runner, session, tag, err));
                }
                if (Scenario.NAMED_ONLY.containsAll(selected)) {
                    report.add(who, scaleResult, null);
                    continue;
                }
                Broker broker;
                try {
                    if (who.equals(Report.KAFKA)) broker = starter.startKafka(sessionName);
                    else if (startRunnel) broker = starter.startRunnel(sessionName);
                    else broker = new Broker.External(label, bootstrap, brokerPid);
                } catch (Exception e) {
                    String msg = "the broker did not start: " + Broker.rootMessage(e);
                    err.printf(Locale.ROOT, "  %s %s%n", tag, ScenarioRunner.oneLine(msg));
                    report.add(who, scaleResult, msg);
                    continue;
                }
                if (broker.startToReadyMs() != null) {
                    String self = broker instanceof Broker.Managed m ? m.selfReportedStart() : null;
                    err.printf(Locale.ROOT, "  %s started on %s, ready after %.0f ms%s%n", tag, broker.bootstrap(),
                            broker.startToReadyMs(), self == null ? "" : " (its own log says: started in " + self + ")");
                }
                try (broker) {
                    Map<Scenario, ScenarioRunner.Outcome> results = new java.util.EnumMap<>(Scenario.class);
                    results.putAll(runner.runAll(broker, selected, session, tag));
                    results.putAll(scaleResult);
                    report.add(who, results, null);
                }
            }
        }

        String text = report.toText();
        System.out.println();
        System.out.print(text);
        System.out.flush();
        if (markdown != null) {
            Path parent = markdown.toAbsolutePath().getParent();
            if (parent != null) Files.createDirectories(parent);
            Files.writeString(markdown, markdown(report, selected, runner, startRunnel), StandardCharsets.UTF_8);
            err.println("runnel bench: wrote " + markdown);
        }
        err.println("runnel bench: logs and tool output in " + work);
        return 0;
    }

    /** Scenario (g) with its own broker (fixed port, so the restarted one is found at the same address). */
    private ScenarioRunner.Outcome runPartitionScale(String who, String sessionName, BrokerStarter starter,
                                                     boolean startRunnel, String tag, PrintStream err) throws Exception {
        if (!who.equals(Report.KAFKA) && !startRunnel) {
            return ScenarioRunner.Outcome.failed("(g) restarts the broker, so it needs a broker started here (no --bootstrap)");
        }
        int port = Broker.freePort();
        String label = sessionName + "-g";
        err.printf(Locale.ROOT, "  %s (g) creating %,d partitions, then kill -9 and restart%n", tag, scalePartitions);
        PartitionScaleScenario g = new PartitionScaleScenario(scalePartitions, Math.max(600_000, toolTimeoutS * 1000), err);
        ScenarioRunner.Outcome o = g.run(tag, restart -> who.equals(Report.KAFKA)
                ? starter.startKafka(label, port, !restart)
                : starter.startRunnel(label, port, List.of("auto.create.topics.enable=false")));
        err.printf(Locale.ROOT, "  %s (g) %s%n", tag, o.failed() ? "failed: " + ScenarioRunner.oneLine(o.error())
                : o.values() + (o.note() == null ? "" : " (" + ScenarioRunner.oneLine(o.note()) + ")"));
        return o;
    }

    /** Scenario (q) on a three-node cluster of its own (started as for (r)), stopped afterwards. */
    private ScenarioRunner.Outcome runQuorum(String who, String sessionName, BrokerStarter starter, boolean startRunnel,
                                             ScenarioRunner runner, String tag, PrintStream err) {
        if (!who.equals(Report.KAFKA) && !startRunnel) {
            return ScenarioRunner.Outcome.failed("(q) starts and kills a cluster of its own, so it needs no --bootstrap");
        }
        err.printf(Locale.ROOT, "  %s (q) starting %d nodes%n", tag, Scenario.R_NODES);
        LocalCluster cluster;
        try {
            cluster = who.equals(Report.KAFKA) ? starter.startKafkaCluster(sessionName + "-q", Scenario.R_NODES)
                    : starter.startRunnelCluster(sessionName + "-q", Scenario.R_NODES);
        } catch (Exception e) {
            String msg = "the cluster did not start: " + Broker.rootMessage(e);
            err.printf(Locale.ROOT, "  %s (q) %s%n", tag, ScenarioRunner.oneLine(msg));
            return ScenarioRunner.Outcome.failed(msg);
        }
        try (cluster) {
            ScenarioRunner.Outcome o = new QuorumScenario(startTimeoutMs, pauseMs, err)
                    .run(cluster, tag, runner.records(Scenario.Q), failovers);
            runner.report(tag, Scenario.Q, o, new java.util.EnumMap<>(Scenario.class));
            return o;
        }
    }

    /** Scenario (r) on a three-node cluster of its own, stopped afterwards. */
    private ScenarioRunner.Outcome runReplicated(String who, String sessionName, BrokerStarter starter, boolean startRunnel,
                                                 ScenarioRunner runner, Path session, String tag, PrintStream err) {
        if (!who.equals(Report.KAFKA) && !startRunnel) {
            return ScenarioRunner.Outcome.failed("(r) starts and kills a cluster of its own, so it needs no --bootstrap");
        }
        err.printf(Locale.ROOT, "  %s (r) starting %d nodes%n", tag, Scenario.R_NODES);
        LocalCluster cluster;
        try {
            long t0 = System.nanoTime();
            cluster = who.equals(Report.KAFKA) ? starter.startKafkaCluster(sessionName + "-r", Scenario.R_NODES)
                    : starter.startRunnelCluster(sessionName + "-r", Scenario.R_NODES);
            err.printf(Locale.ROOT, "  %s (r) %d nodes ready on %s after %.1f s%n", tag, Scenario.R_NODES, cluster.bootstrap(),
                    (System.nanoTime() - t0) / 1e9);
        } catch (Exception e) {
            String msg = "the cluster did not start: " + Broker.rootMessage(e);
            err.printf(Locale.ROOT, "  %s (r) %s%n", tag, ScenarioRunner.oneLine(msg));
            return ScenarioRunner.Outcome.failed(msg);
        }
        try (cluster) {
            return runner.replicated(cluster, session, tag, failovers);
        }
    }

    private List<String> runnelJvmOptions(JavaLauncher java) {
        // ./runnel bench passes the broker's JVM options of ./runnel start, so both stay the same
        String fromLauncher = System.getenv("RUNNEL_BENCH_BROKER_OPTS");
        if (fromLauncher != null && !fromLauncher.isBlank()) {
            return new ArrayList<>(Arrays.asList(fromLauncher.strip().split("\\s+")));
        }
        return BrokerStarter.defaultRunnelJvmOptions(java.javaFeature());
    }

    private Path resolveRunnelHome() {
        if (runnelHome != null) return runnelHome.toAbsolutePath();
        String env = System.getenv("RUNNEL_HOME");
        if (env != null && !env.isBlank()) return Path.of(env).toAbsolutePath();
        try {
            Path here = Path.of(BenchMain.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toAbsolutePath();
            for (Path p = here; p != null; p = p.getParent()) {
                if (Files.isDirectory(p.resolve("runnel-broker")) && Files.isRegularFile(p.resolve("pom.xml"))) return p;
            }
        } catch (URISyntaxException | RuntimeException ignored) {
            // fall back to the working directory
        }
        return Path.of("").toAbsolutePath();
    }

    private String markdown(Report report, Set<Scenario> selected, ScenarioRunner runner, boolean startedSubject) {
        StringBuilder sb = new StringBuilder();
        long minutes = Math.max(1, Math.round((System.nanoTime() - startedNanos) / 60e9));
        sb.append("### Run of ").append(startedAt.format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm z")))
                .append(" (").append(minutes).append(" min)\n\n");
        sb.append("Command: `./runnel bench");
        for (String a : originalArgs) sb.append(' ').append(a.contains(" ") ? "'" + a + "'" : a);
        sb.append("`\n\n");
        sb.append("- Machine: ").append(Runtime.getRuntime().availableProcessors()).append(" cores, ")
                .append(memTotal()).append(", ").append(System.getProperty("os.name")).append(' ')
                .append(System.getProperty("os.version")).append("; Java ").append(System.getProperty("java.version"))
                .append(" (").append(System.getProperty("java.vm.name")).append(")")
                .append(loadAtStart == null ? "" : "; load average when the run began: " + loadAtStart).append('\n');
        sb.append("- Tools: Apache Kafka ").append(AppInfoParser.getVersion())
                .append(" ProducerPerformance, ConsumerPerformance, EndToEndLatency (kafka-tools from Maven Central), each in its own JVM\n");
        sb.append("- Broker under test: ").append(report.subject())
                .append(startedSubject ? " started by the harness on loopback with a fresh data dir" : " at " + bootstrap).append('\n');
        if (compareKafka) {
            sb.append("- Reference: Apache Kafka ").append(AppInfoParser.getVersion())
                    .append(" (KRaft, one combined broker+controller node on loopback, -Xms").append(kafkaHeap)
                    .append(" -Xmx").append(kafkaHeap).append(")")
                    .append(selected.contains(Scenario.R) || selected.contains(Scenario.Q)
                            ? "; for (q) and (r) three such nodes in one static quorum, against three Runnel nodes" : "")
                    .append('\n');
        }
        sb.append("- ").append(runs).append(" run(s) per broker, brokers alternating, one at a time; figures are medians")
                .append(scale == 1.0 ? "" : "; record counts scaled by " + scale).append('\n');
        sb.append("- Scenarios:\n");
        for (Scenario s : selected) {
            sb.append("  - (").append(s.id()).append(") ").append(s.description);
            if (s != Scenario.F) sb.append(" — this run: ").append(String.format(Locale.ROOT, "%,d", runner.records(s)))
                    .append(s == Scenario.Q ? " topics" : " records");
            sb.append('\n');
        }
        sb.append('\n').append(report.toMarkdownTable()).append('\n');
        sb.append("<details><summary>Every run</summary>\n\n").append(report.toMarkdownRuns()).append("\n</details>\n");
        return sb.toString();
    }

    /** The 1, 5 and 15 minute load averages: other work on the machine skews the figures. */
    private static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).strip().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (Exception e) {
            return null;
        }
    }

    private static String memTotal() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemTotal:")) {
                    long kib = Long.parseLong(line.replaceAll("[^0-9]", ""));
                    return String.format(Locale.ROOT, "%.0f GiB RAM", kib / 1024.0 / 1024.0);
                }
            }
        } catch (Exception ignored) {
            // not Linux
        }
        return "? RAM";
    }

    // ---------------------------------------------------------------------------------------------

    /** Starts an Apache Kafka broker in the foreground, for measuring it with --bootstrap or by hand. */
    @Command(name = "kafka", mixinStandardHelpOptions = true,
            description = "Start an Apache Kafka broker (KRaft, one combined node, loopback) and keep it running until Ctrl-C.")
    static final class KafkaCommand implements Callable<Integer> {
        @Option(names = "--port", defaultValue = "19092", description = "Client port; the controller uses the next one (default: ${DEFAULT-VALUE}).")
        int port;

        @Option(names = "--work-dir", paramLabel = "DIR", description = "Where logs and data go (default: a new temp dir).")
        Path workDir;

        @Option(names = "--kafka-heap", defaultValue = "1g", description = "-Xms/-Xmx (default: ${DEFAULT-VALUE}).")
        String kafkaHeap;

        @Override
        public Integer call() throws Exception {
            Path work = workDir != null ? Files.createDirectories(workDir) : Files.createTempDirectory("runnel-bench-kafka-");
            JavaLauncher java = new JavaLauncher(Path.of(System.getProperty("java.home")), System.getProperty("java.class.path"));
            BrokerStarter starter = new BrokerStarter(java, work, null, List.of(), kafkaHeap, 120_000, false);
            Broker.warmUpAdmin();
            Broker.Managed b = starter.startKafka("kafka", port);
            System.out.printf(Locale.ROOT, "Apache Kafka %s ready on %s after %.0f ms (pid %d); logs in %s. Ctrl-C stops it.%n",
                    AppInfoParser.getVersion(), b.bootstrap(), b.startToReadyMs(), b.pid().getAsLong(), work);
            System.out.flush();
            CountDownLatch done = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                b.close();
                done.countDown();
            }, "kafka-stop"));
            while (b.alive()) {
                if (done.await(1, TimeUnit.SECONDS)) break;
            }
            if (!b.alive()) {
                System.err.println("Apache Kafka exited: " + b.diagnostics());
                return 1;
            }
            return 0;
        }
    }
}
