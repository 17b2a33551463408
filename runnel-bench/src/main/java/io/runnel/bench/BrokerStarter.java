package io.runnel.bench;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.Uuid;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Starts Runnel and Apache Kafka brokers on loopback, each with a fresh data directory. */
final class BrokerStarter {
    /** JVM flags Kafka's own start scripts use (kafka-run-class.sh's defaults), heap aside. */
    static final List<String> KAFKA_JVM_PERFORMANCE_OPTS = List.of("-server", "-XX:+UseG1GC", "-XX:MaxGCPauseMillis=20",
            "-XX:InitiatingHeapOccupancyPercent=35", "-XX:+ExplicitGCInvokesConcurrent");

    /**
     * Settings both brokers get. Without the first, a consumer's first join waits 3 s (Kafka's default, which
     * Kafka's own shipped server.properties turns off the same way), and (d) would mostly measure that wait.
     */
    static final List<String> SHARED_SETTINGS = List.of("group.initial.rebalance.delay.ms=0");

    private final JavaLauncher java;
    private final Path workDir;
    private final Path runnelHome;
    private final List<String> runnelJvmOptions;
    private final String kafkaHeap;
    private final long startTimeoutMs;
    private final boolean keepData;
    private final Path commandLog;
    /** {@code --runnel-config}: extra settings of every Runnel broker the harness starts (after its own). */
    private List<String> runnelSettings = List.of();

    BrokerStarter(JavaLauncher java, Path workDir, Path runnelHome, List<String> runnelJvmOptions, String kafkaHeap,
                  long startTimeoutMs, boolean keepData) {
        this.java = java;
        this.workDir = workDir;
        this.runnelHome = runnelHome;
        this.runnelJvmOptions = runnelJvmOptions;
        this.kafkaHeap = kafkaHeap;
        this.startTimeoutMs = startTimeoutMs;
        this.keepData = keepData;
        this.commandLog = workDir.resolve("commands.log");
    }

    /** Extra {@code key=value} settings of every Runnel broker started from now on ({@code --runnel-config}). */
    void runnelSettings(List<String> settings) {
        this.runnelSettings = List.copyOf(settings);
    }

    /** The JVM options {@code ./runnel start} uses, for when the launcher did not pass them in. */
    static List<String> defaultRunnelJvmOptions(int javaFeature) {
        List<String> o = new ArrayList<>(List.of("-XX:+UseG1GC", "-Xms64m", "-Xmx1g", "-XX:MaxDirectMemorySize=1g",
                "--enable-native-access=ALL-UNNAMED", "-Dio.netty.tryReflectionSetAccessible=true"));
        if (javaFeature >= 23) o.add("--sun-misc-unsafe-memory-access=allow");
        String extra = System.getenv("RUNNEL_OPTS");
        if (extra != null && !extra.isBlank()) o.addAll(Arrays.asList(extra.strip().split("\\s+")));
        return o;
    }

    static Path runnelJar(Path home) {
        return home.resolve("runnel-broker/target/runnel-broker.jar");
    }

    /** Starts {@code io.runnel.broker.Main start} exactly as {@code ./runnel start} does, on a free port. */
    Broker.Managed startRunnel(String label) throws Exception {
        return startRunnel(label, 0, List.of());
    }

    /**
     * As {@link #startRunnel(String)}, on {@code fixedPort} unless it is 0, with extra settings; starting the
     * same label again reuses its data directory (a restart).
     */
    Broker.Managed startRunnel(String label, int fixedPort, List<String> extraSettings) throws Exception {
        int port = fixedPort > 0 ? fixedPort : Broker.freePort();
        String bootstrap = "127.0.0.1:" + port;
        List<String> settings = new ArrayList<>(List.of("listeners=" + BenchSecurity.listenerName() + "://" + bootstrap));
        settings.addAll(BenchSecurity.brokerSettings());
        settings.addAll(extraSettings);
        // the admin client exists before the launch, so that its creation is not counted in start-to-ready
        try (Admin admin = Admin.create(Broker.fastAdminProps(bootstrap))) {
            return awaitReady(launchRunnel(label, bootstrap, settings), admin);
        }
    }

    /** A broker process just launched, not yet known to answer; {@code startNanos} is when it was launched. */
    record Launched(Broker.Managed broker, long startNanos) {
    }

    /**
     * Launches {@code io.runnel.broker.Main start} as {@code ./runnel start} does, with the data directory of
     * {@code label} (reused if it exists: a restart) and {@code settings} as overrides (they name the listeners).
     */
    private Launched launchRunnel(String label, String bootstrap, List<String> settings) throws Exception {
        Path jar = runnelJar(runnelHome);
        Path lib = runnelHome.resolve("runnel-broker/target/lib");
        if (!Files.isRegularFile(jar) || !Files.isDirectory(lib)) {
            throw new IllegalStateException("no Runnel build at " + jar + " (and " + lib + "): run ./runnel build first");
        }
        Path dir = Files.createDirectories(workDir.resolve(label));
        Path data = dir.resolve("data");
        List<String> args = new ArrayList<>(List.of("start", "--override", "log.dirs=" + data));
        for (String setting : SHARED_SETTINGS) args.addAll(List.of("--override", setting));
        for (String setting : settings) args.addAll(List.of("--override", setting));
        for (String setting : runnelSettings) args.addAll(List.of("--override", setting));
        long t0 = System.nanoTime();
        Process p = java.start(jar + ":" + lib + "/*", runnelJvmOptions, "io.runnel.broker.Main", args,
                dir.resolve("stdout.log"), dir.resolve("stderr.log"), commandLog);
        return new Launched(new Broker.Managed("Runnel", p, bootstrap, data, dir.resolve("stdout.log"),
                dir.resolve("stderr.log"), null, keepData), t0);
    }

    /** Waits until a launched broker answers describeCluster (or stops it and throws); records its start-to-ready. */
    private Broker.Managed awaitReady(Launched l) throws Exception {
        try (Admin admin = Admin.create(Broker.fastAdminProps(l.broker().bootstrap()))) {
            return awaitReady(l, admin);
        }
    }

    private Broker.Managed awaitReady(Launched l, Admin admin) throws Exception {
        Broker.Managed b = l.broker();
        try {
            b.readyAfter(Broker.awaitReady(admin, b, l.startNanos(), startTimeoutMs));
        } catch (Exception e) {
            b.close();
            throw e;
        }
        return b;
    }

    // --------------------------------------------------------------------------------------------- clusters

    /**
     * The loopback ports of a local cluster: node {@code i} (1-based) takes clients on {@code client.get(i - 1)}
     * and the metadata quorum on {@code controller.get(i - 1)}.
     */
    record ClusterPorts(List<Integer> client, List<Integer> controller) {
        ClusterPorts {
            if (client.size() != controller.size() || client.isEmpty()) {
                throw new IllegalArgumentException("one client and one controller port per node, got " + client + " and " + controller);
            }
            java.util.Set<Integer> all = new java.util.HashSet<>(client);
            all.addAll(controller);
            if (all.size() != client.size() * 2) throw new IllegalArgumentException("ports must differ: " + client + " " + controller);
        }

        /** Distinct free ports for {@code nodes} nodes. */
        static ClusterPorts free(int nodes) throws IOException {
            java.util.LinkedHashSet<Integer> ports = new java.util.LinkedHashSet<>();
            while (ports.size() < nodes * 2) ports.add(Broker.freePort());
            List<Integer> l = new ArrayList<>(ports);
            return new ClusterPorts(l.subList(0, nodes), l.subList(nodes, nodes * 2));
        }

        int nodes() {
            return client.size();
        }

        String bootstrap(int node) {
            return "127.0.0.1:" + client.get(node - 1);
        }

        /** {@code controller.quorum.voters}: {@code 1@127.0.0.1:P1,2@127.0.0.1:P2,...} (a static quorum). */
        String voters() {
            StringBuilder sb = new StringBuilder();
            for (int i = 1; i <= nodes(); i++) {
                if (i > 1) sb.append(',');
                sb.append(i).append("@127.0.0.1:").append(controller.get(i - 1));
            }
            return sb.toString();
        }
    }

    /**
     * The settings node {@code id} of a local cluster gets, the same for Runnel and Kafka: a combined
     * broker and controller in a static quorum of every node (docs/cluster.md), clients on PLAINTEXT.
     */
    static List<String> clusterNodeSettings(int id, ClusterPorts ports) {
        return List.of(
                "process.roles=broker,controller",
                "node.id=" + id,
                "controller.quorum.voters=" + ports.voters(),
                "controller.listener.names=CONTROLLER",
                "listeners=PLAINTEXT://" + ports.bootstrap(id) + ",CONTROLLER://127.0.0.1:" + ports.controller().get(id - 1),
                "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
    }

    /**
     * Starts {@code nodes} Runnel nodes (combined broker and controller, one quorum) and waits until every one
     * is registered and unfenced. Each node's data lives under {@code label-node-N}.
     */
    LocalCluster startRunnelCluster(String label, int nodes) throws Exception {
        ClusterPorts ports = ClusterPorts.free(nodes);
        List<Launched> launched = new ArrayList<>();
        try {
            for (int id = 1; id <= nodes; id++) {
                launched.add(launchRunnel(label + "-node-" + id, ports.bootstrap(id), clusterNodeSettings(id, ports)));
            }
            return awaitCluster("Runnel", launched,
                    id -> awaitReady(launchRunnel(label + "-node-" + id, ports.bootstrap(id), clusterNodeSettings(id, ports))));
        } catch (Exception e) {
            for (Launched l : launched) l.broker().close();
            throw e;
        }
    }

    /**
     * Starts {@code nodes} Apache Kafka nodes (KRaft, combined, one static quorum of all of them), each
     * formatted first with the same cluster id ({@code kafka-storage.sh format} without {@code --standalone},
     * as a static quorum requires), and waits until every broker is registered and unfenced.
     */
    LocalCluster startKafkaCluster(String label, int nodes) throws Exception {
        ClusterPorts ports = ClusterPorts.free(nodes);
        String clusterId = Uuid.randomUuid().toString();
        List<KafkaNode> kafkaNodes = new ArrayList<>();
        for (int id = 1; id <= nodes; id++) {
            Path dir = Files.createDirectories(workDir.resolve(label + "-node-" + id));
            List<String> settings = new ArrayList<>(clusterNodeSettings(id, ports));
            settings.add("advertised.listeners=PLAINTEXT://" + ports.bootstrap(id));
            KafkaNode n = prepareKafka(dir, ports.bootstrap(id), settings);
            formatKafka(dir, n.props(), n.jvmOptions(), List.of("-t", clusterId));
            kafkaNodes.add(n);
        }
        List<Launched> launched = new ArrayList<>();
        try {
            for (KafkaNode n : kafkaNodes) launched.add(launchKafka(n));
            return awaitCluster("Kafka", launched, id -> awaitReady(launchKafka(kafkaNodes.get(id - 1))));
        } catch (Exception e) {
            for (Launched l : launched) l.broker().close();
            throw e;
        }
    }

    /** Waits until every launched node answers and all are registered; nodes are numbered from 1 in order. */
    private LocalCluster awaitCluster(String name, List<Launched> launched, LocalCluster.Restarter restarter) throws Exception {
        java.util.Map<Integer, Broker.Managed> nodes = new java.util.TreeMap<>();
        for (int i = 0; i < launched.size(); i++) nodes.put(i + 1, awaitReady(launched.get(i)));
        LocalCluster c = new LocalCluster(name, nodes, restarter, launched.get(0).startNanos());
        c.awaitAllBrokers(startTimeoutMs);
        return c;
    }

    /**
     * Starts Apache Kafka from this module's classpath: one KRaft node in combined mode (broker and controller)
     * on loopback. The storage is formatted first with kafka.tools.StorageTool; start-to-ready is measured from
     * the start of the kafka.Kafka process.
     */
    Broker.Managed startKafka(String label) throws Exception {
        return startKafka(label, 0);
    }

    /** As {@link #startKafka(String)}, on {@code fixedPort} (its controller on the next port) unless it is 0. */
    Broker.Managed startKafka(String label, int fixedPort) throws Exception {
        return startKafka(label, fixedPort, true);
    }

    /** As {@link #startKafka(String, int)}; without {@code format} it starts on the existing data (a restart). */
    Broker.Managed startKafka(String label, int fixedPort, boolean format) throws Exception {
        Path dir = Files.createDirectories(workDir.resolve(label));
        int port = fixedPort > 0 ? fixedPort : Broker.freePort();
        int controllerPort;
        if (fixedPort > 0) {
            controllerPort = fixedPort + 1;
        } else {
            do {
                controllerPort = Broker.freePort();
            } while (controllerPort == port);
        }
        String bootstrap = "127.0.0.1:" + port;
        String client = BenchSecurity.listenerName();
        List<String> settings = new ArrayList<>(List.of(
                "process.roles=broker,controller",
                "node.id=1",
                // a dynamic quorum (KIP-853), as Kafka 4.4's own config/server.properties: format --standalone
                // refuses a static controller.quorum.voters
                "controller.quorum.bootstrap.servers=127.0.0.1:" + controllerPort,
                "listeners=" + client + "://" + bootstrap + ",CONTROLLER://127.0.0.1:" + controllerPort,
                "advertised.listeners=" + client + "://" + bootstrap,
                "controller.listener.names=CONTROLLER",
                "listener.security.protocol.map=" + client + ":" + client + ",CONTROLLER:PLAINTEXT",
                "offsets.topic.replication.factor=1",
                "transaction.state.log.replication.factor=1",
                "transaction.state.log.min.isr=1"));
        settings.addAll(BenchSecurity.brokerSettings());
        KafkaNode node = prepareKafka(dir, bootstrap, settings);
        // 1. format the storage (kafka-storage.sh format --standalone)
        if (format) formatKafka(dir, node.props(), node.jvmOptions(), List.of("-t", Uuid.randomUuid().toString(), "--standalone"));
        try (Admin admin = Admin.create(Broker.fastAdminProps(bootstrap))) {
            return awaitReady(launchKafka(node), admin);
        }
    }

    /** A Kafka node's files: its directory, server.properties, data and log, and the JVM options of its tools. */
    private record KafkaNode(Path dir, String bootstrap, Path props, Path data, Path serverLog, List<String> jvmOptions) {
    }

    /** Writes a Kafka node's server.properties ({@code settings}, then the data dir and the common ones) and log config. */
    private KafkaNode prepareKafka(Path dir, String bootstrap, List<String> settings) throws IOException {
        Path data = dir.resolve("data");
        Path props = dir.resolve("server.properties");
        List<String> lines = new ArrayList<>(settings);
        lines.add("log.dirs=" + data);
        lines.add("num.partitions=1");
        lines.addAll(SHARED_SETTINGS);
        lines.add("");
        Files.writeString(props, String.join("\n", lines), StandardCharsets.UTF_8);
        Path serverLog = dir.resolve("server.log");
        Path log4j = dir.resolve("log4j2.properties");
        Files.writeString(log4j, fileLogConfig(serverLog), StandardCharsets.UTF_8);

        List<String> common = new ArrayList<>(List.of("-Dlog4j2.configurationFile=" + log4j, "-Dkafka.logs.dir=" + dir));
        if (java.javaFeature() >= 23) common.add("--sun-misc-unsafe-memory-access=allow");
        common.add("--enable-native-access=ALL-UNNAMED");
        return new KafkaNode(dir, bootstrap, props, data, serverLog, common);
    }

    /** {@code kafka.tools.StorageTool format -c PROPS ARGS}. */
    private void formatKafka(Path dir, Path props, List<String> common, List<String> args) throws Exception {
        List<String> fmtOpts = new ArrayList<>(List.of("-Xmx256m"));
        fmtOpts.addAll(common);
        List<String> fmtArgs = new ArrayList<>(List.of("format", "-c", props.toString()));
        fmtArgs.addAll(args);
        Process fmt = java.start(java.benchClasspath(), fmtOpts, "kafka.tools.StorageTool", fmtArgs,
                dir.resolve("format.log"), dir.resolve("format.err"), commandLog);
        if (!fmt.waitFor(120, TimeUnit.SECONDS)) {
            JavaLauncher.stop(fmt, 1000);
            throw new IllegalStateException("kafka.tools.StorageTool format did not finish in 120 s");
        }
        if (fmt.exitValue() != 0) {
            throw new IllegalStateException("kafka.tools.StorageTool format failed (exit " + fmt.exitValue() + "): "
                    + JavaLauncher.tail(dir.resolve("format.err"), 10) + " " + JavaLauncher.tail(dir.resolve("format.log"), 10));
        }
    }

    /** 2. runs the broker (kafka-server-start.sh: default heap -Xms1G -Xmx1G); start-to-ready counts from here. */
    private Launched launchKafka(KafkaNode n) throws Exception {
        List<String> opts = new ArrayList<>(List.of("-Xms" + kafkaHeap, "-Xmx" + kafkaHeap));
        opts.addAll(KAFKA_JVM_PERFORMANCE_OPTS);
        opts.addAll(n.jvmOptions());
        long t0 = System.nanoTime();
        Process p = java.start(java.benchClasspath(), opts, "kafka.Kafka", List.of(n.props().toString()),
                n.dir().resolve("stdout.log"), n.dir().resolve("stderr.log"), commandLog);
        return new Launched(new Broker.Managed("Kafka", p, n.bootstrap(), n.data(), n.dir().resolve("stdout.log"),
                n.dir().resolve("stderr.log"), n.serverLog(), keepData), t0);
    }

    /** A log4j2 configuration: WARN and above to one file. */
    static String fileLogConfig(Path file) {
        return String.join("\n",
                "status = error",
                "appender.f.type = File",
                "appender.f.name = F",
                "appender.f.fileName = " + file,
                "appender.f.layout.type = PatternLayout",
                "appender.f.layout.pattern = [%d] %p %m (%c)%n",
                "rootLogger.level = WARN",
                "rootLogger.appenderRef.f.ref = F",
                "");
    }

    /** A log4j2 configuration: WARN and above to stderr (tools print their results on stdout). */
    static String stderrLogConfig() {
        return String.join("\n",
                "status = error",
                "appender.e.type = Console",
                "appender.e.name = E",
                "appender.e.target = SYSTEM_ERR",
                "appender.e.layout.type = PatternLayout",
                "appender.e.layout.pattern = [%d] %p %m (%c)%n",
                "rootLogger.level = WARN",
                "rootLogger.appenderRef.e.ref = E",
                "");
    }

    static void writeIfAbsent(Path p, String content) throws IOException {
        if (!Files.exists(p)) Files.writeString(p, content, StandardCharsets.UTF_8);
    }
}
