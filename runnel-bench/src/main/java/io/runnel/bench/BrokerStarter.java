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
        Path jar = runnelJar(runnelHome);
        Path lib = runnelHome.resolve("runnel-broker/target/lib");
        if (!Files.isRegularFile(jar) || !Files.isDirectory(lib)) {
            throw new IllegalStateException("no Runnel build at " + jar + " (and " + lib + "): run ./runnel build first");
        }
        Path dir = Files.createDirectories(workDir.resolve(label));
        Path data = dir.resolve("data");
        int port = fixedPort > 0 ? fixedPort : Broker.freePort();
        String bootstrap = "127.0.0.1:" + port;
        List<String> args = new ArrayList<>(List.of("start",
                "--override", "listeners=PLAINTEXT://" + bootstrap,
                "--override", "log.dirs=" + data));
        for (String setting : SHARED_SETTINGS) args.addAll(List.of("--override", setting));
        for (String setting : extraSettings) args.addAll(List.of("--override", setting));
        try (Admin admin = Admin.create(Broker.fastAdminProps(bootstrap))) {
            long t0 = System.nanoTime();
            Process p = java.start(jar + ":" + lib + "/*", runnelJvmOptions, "io.runnel.broker.Main", args,
                    dir.resolve("stdout.log"), dir.resolve("stderr.log"), commandLog);
            Broker.Managed b = new Broker.Managed("Runnel", p, bootstrap, data, dir.resolve("stdout.log"),
                    dir.resolve("stderr.log"), null, keepData);
            try {
                b.readyAfter(Broker.awaitReady(admin, b, t0, startTimeoutMs));
            } catch (Exception e) {
                b.close();
                throw e;
            }
            return b;
        }
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
        Path data = dir.resolve("data");
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
        Path props = dir.resolve("server.properties");
        Files.writeString(props, String.join("\n",
                "process.roles=broker,controller",
                "node.id=1",
                // a dynamic quorum (KIP-853), as Kafka 4.4's own config/server.properties: format --standalone
                // refuses a static controller.quorum.voters
                "controller.quorum.bootstrap.servers=127.0.0.1:" + controllerPort,
                "listeners=PLAINTEXT://" + bootstrap + ",CONTROLLER://127.0.0.1:" + controllerPort,
                "advertised.listeners=PLAINTEXT://" + bootstrap,
                "controller.listener.names=CONTROLLER",
                "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
                "log.dirs=" + data,
                "num.partitions=1",
                "offsets.topic.replication.factor=1",
                "transaction.state.log.replication.factor=1",
                "transaction.state.log.min.isr=1",
                String.join("\n", SHARED_SETTINGS),
                ""), StandardCharsets.UTF_8);
        Path serverLog = dir.resolve("server.log");
        Path log4j = dir.resolve("log4j2.properties");
        Files.writeString(log4j, fileLogConfig(serverLog), StandardCharsets.UTF_8);

        List<String> common = new ArrayList<>(List.of("-Dlog4j2.configurationFile=" + log4j, "-Dkafka.logs.dir=" + dir));
        if (java.javaFeature() >= 23) common.add("--sun-misc-unsafe-memory-access=allow");
        common.add("--enable-native-access=ALL-UNNAMED");

        // 1. format the storage (kafka-storage.sh format --standalone)
        if (format) formatKafka(dir, props, common);
        return runKafka(dir, bootstrap, data, serverLog, common);
    }

    private void formatKafka(Path dir, Path props, List<String> common) throws Exception {
        List<String> fmtOpts = new ArrayList<>(List.of("-Xmx256m"));
        fmtOpts.addAll(common);
        Process fmt = java.start(java.benchClasspath(), fmtOpts, "kafka.tools.StorageTool",
                List.of("format", "-t", Uuid.randomUuid().toString(), "-c", props.toString(), "--standalone"),
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

    private Broker.Managed runKafka(Path dir, String bootstrap, Path data, Path serverLog, List<String> common)
            throws Exception {
        Path props = dir.resolve("server.properties");
        // 2. run the broker (kafka-server-start.sh: default heap -Xms1G -Xmx1G)
        List<String> opts = new ArrayList<>(List.of("-Xms" + kafkaHeap, "-Xmx" + kafkaHeap));
        opts.addAll(KAFKA_JVM_PERFORMANCE_OPTS);
        opts.addAll(common);
        try (Admin admin = Admin.create(Broker.fastAdminProps(bootstrap))) {
            long t0 = System.nanoTime();
            Process p = java.start(java.benchClasspath(), opts, "kafka.Kafka", List.of(props.toString()),
                    dir.resolve("stdout.log"), dir.resolve("stderr.log"), commandLog);
            Broker.Managed b = new Broker.Managed("Kafka", p, bootstrap, data, dir.resolve("stdout.log"),
                    dir.resolve("stderr.log"), serverLog, keepData);
            try {
                b.readyAfter(Broker.awaitReady(admin, b, t0, startTimeoutMs));
            } catch (Exception e) {
                b.close();
                throw e;
            }
            return b;
        }
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
