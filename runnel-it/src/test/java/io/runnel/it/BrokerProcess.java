package io.runnel.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A Runnel broker in its own JVM, started exactly as {@code ./runnel start} starts it (same main class,
 * --override for each setting), so tests can SIGTERM or SIGKILL it and start it again on the same data.
 */
public final class BrokerProcess implements AutoCloseable {
    private final Path dataDir;
    private final int port;
    private final Map<String, String> overrides;
    private final Path logFile;
    private Process process;
    /** JVM options of the broker's command line besides the usual ones (e.g. a test-only -D switch). */
    private final List<String> jvmOptions = new ArrayList<>();

    /** Brokers still running when the test JVM exits (a test that hung, a run cut short) are killed. */
    private static final java.util.Set<ProcessHandle> RUNNING = java.util.concurrent.ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> RUNNING.forEach(ProcessHandle::destroyForcibly), "it-broker-reaper"));
    }

    public BrokerProcess(Path dataDir, Map<String, String> overrides) {
        this(dataDir, freePort(), overrides);
    }

    /** A broker whose PLAINTEXT listener is on {@code port} (a restart keeps its ports: ClusterHarness). */
    public BrokerProcess(Path dataDir, int port, Map<String, String> overrides) {
        this.dataDir = dataDir;
        this.port = port;
        this.overrides = overrides;
        this.logFile = dataDir.resolveSibling(dataDir.getFileName() + "-broker.log");
    }

    /** A free loopback port below the ephemeral range (see {@link io.runnel.common.LoopbackPorts}). */
    public static int freePort() {
        return io.runnel.common.LoopbackPorts.free();
    }

    /** Adds a JVM option (e.g. {@code -Dkey=value}) to the command line of every later launch. */
    public BrokerProcess jvmOption(String option) {
        jvmOptions.add(option);
        return this;
    }

    public String bootstrap() {
        return "127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    public Path dataDir() {
        return dataDir;
    }

    public BrokerProcess start() {
        launchProcess();
        awaitPort(Duration.ofSeconds(60));
        return this;
    }

    private void launchProcess() {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx512m");
        cmd.add("-Dio.netty.leakDetection.level=paranoid"); // stop() fails on a leak report in the log
        // -Dit.broker.debug=io.runnel.broker.partition,...: those loggers at debug in the broker's log, to read a failure
        for (String logger : System.getProperty("it.broker.debug", "").split(",")) {
            if (!logger.isBlank()) cmd.add("-Dorg.slf4j.simpleLogger.log." + logger.trim() + "=debug");
        }
        cmd.addAll(jvmOptions);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add("io.runnel.broker.Main");
        cmd.add("start");
        cmd.add("--override");
        cmd.add("listeners=PLAINTEXT://127.0.0.1:" + port);
        cmd.add("--override");
        cmd.add("log.dirs=" + dataDir);
        for (Map.Entry<String, String> e : overrides.entrySet()) {
            cmd.add("--override");
            cmd.add(e.getKey() + "=" + e.getValue());
        }
        try {
            Files.createDirectories(dataDir);
            process = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile())).start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ProcessHandle handle = process.toHandle();
        RUNNING.add(handle);
        process.onExit().thenRun(() -> RUNNING.remove(handle));
    }

    private void awaitPort(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("broker exited with " + process.exitValue() + "; log:\n" + log());
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            } catch (IOException e) {
                sleep(50);
            }
        }
        throw new IllegalStateException("broker did not open port " + port + " in " + timeout + "; log:\n" + log());
    }

    public String log() {
        try {
            return Files.exists(logFile) ? Files.readString(logFile) : "";
        } catch (IOException e) {
            return "(cannot read " + logFile + ")";
        }
    }

    /** SIGTERM and wait for a clean exit; fails if Netty reported a leaked buffer in the broker's log. */
    public int stop() {
        process.destroy();
        try {
            if (!process.waitFor(60, TimeUnit.SECONDS)) throw new IllegalStateException("broker ignored SIGTERM; log:\n" + log());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        String log = log();
        if (log.contains("LEAK:")) throw new IllegalStateException("Netty reported a buffer leak in the broker; log:\n" + log);
        return process.exitValue();
    }

    /** Waits up to {@code timeout} for the process to exit by itself (e.g. a refused start); its exit code. */
    public int awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new IllegalStateException("broker still running after " + timeout + "; log:\n" + log());
        }
        return process.exitValue();
    }

    /** Starts the process without waiting for its port (for a start that is expected to fail). */
    public BrokerProcess launch() {
        launchProcess();
        return this;
    }

    /** SIGKILL: no shutdown hooks, no flush. */
    public void kill9() {
        process.destroyForcibly();
        try {
            process.waitFor(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** SIGSTOP: the broker stays alive but runs nothing (no fetches, no heartbeats, no answers) until {@link #resume}. */
    public void suspend() {
        signal("STOP");
    }

    /** SIGCONT after {@link #suspend}. */
    public void resume() {
        signal("CONT");
    }

    private void signal(String name) {
        try {
            Process k = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).inheritIO().start();
            if (!k.waitFor(10, TimeUnit.SECONDS) || k.exitValue() != 0) throw new IllegalStateException("kill -" + name + " " + process.pid() + " failed");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The broker's process id (for /proc measurements). */
    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process != null && process.isAlive();
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
        if (isAlive()) kill9();
    }
}
