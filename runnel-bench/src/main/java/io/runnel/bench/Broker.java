package io.runnel.bench;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.OptionalLong;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** A broker under test: one the harness started (and will stop), or one already running. */
abstract class Broker implements AutoCloseable {
    final String name;

    Broker(String name) {
        this.name = name;
    }

    abstract String bootstrap();

    /** The broker's process id when known (needed for the memory figure). */
    abstract OptionalLong pid();

    /** Milliseconds from process start until it answered describeCluster; null for a broker not started here. */
    abstract Double startToReadyMs();

    /** Resident memory of the broker process in MiB, from /proc/PID/status; null if the pid is unknown. */
    Double rssMib() throws IOException {
        OptionalLong pid = pid();
        if (pid.isEmpty()) return null;
        String status = Files.readString(Path.of("/proc", Long.toString(pid.getAsLong()), "status"));
        return ToolOutput.parseVmRssKib(status) / 1024.0;
    }

    /** CPU time the broker process has used so far (user + system, all threads), in seconds; null if unknown. */
    Double cpuSeconds() {
        OptionalLong pid = pid();
        if (pid.isEmpty()) return null;
        return ProcessHandle.of(pid.getAsLong())
                .flatMap(h -> h.info().totalCpuDuration())
                .map(d -> d.toNanos() / 1e9)
                .orElse(null);
    }

    /** How the scenarios create their topics on this broker: one partition, one replica. */
    org.apache.kafka.clients.admin.NewTopic newTopic(String topic) {
        return new org.apache.kafka.clients.admin.NewTopic(topic, 1, (short) 1);
    }

    /** Whether the broker process (when it is ours) is still running. */
    boolean alive() {
        return true;
    }

    /** A short description of why the broker may have died, from its logs. */
    String diagnostics() {
        return "";
    }

    @Override
    public abstract void close();

    // ---------------------------------------------------------------------------------------------

    /** A broker that is already running: only measured, never started or stopped. */
    static final class External extends Broker {
        private final String bootstrap;
        private final Long pid;

        External(String name, String bootstrap, Long pid) {
            super(name);
            this.bootstrap = bootstrap;
            this.pid = pid;
        }

        @Override
        String bootstrap() {
            return bootstrap;
        }

        @Override
        OptionalLong pid() {
            return pid == null ? OptionalLong.empty() : OptionalLong.of(pid);
        }

        @Override
        Double startToReadyMs() {
            return null;
        }

        @Override
        public void close() {
        }
    }

    /** A broker JVM started by the harness, with its own data directory that is deleted on close. */
    static final class Managed extends Broker {
        private static final java.util.regex.Pattern SELF_REPORTED_START =
                java.util.regex.Pattern.compile("started in ([0-9]+ ms)");
        private final Process process;
        private final String bootstrap;
        private final Path dataDir;
        private final Path stdout;
        private final Path stderr;
        private final Path extraLog;
        private final boolean keepData;
        private double readyMs = Double.NaN;

        Managed(String name, Process process, String bootstrap, Path dataDir, Path stdout, Path stderr, Path extraLog,
                boolean keepData) {
            super(name);
            this.process = process;
            this.bootstrap = bootstrap;
            this.dataDir = dataDir;
            this.stdout = stdout;
            this.stderr = stderr;
            this.extraLog = extraLog;
            this.keepData = keepData;
        }

        @Override
        String bootstrap() {
            return bootstrap;
        }

        @Override
        OptionalLong pid() {
            return OptionalLong.of(process.pid());
        }

        @Override
        Double startToReadyMs() {
            return Double.isNaN(readyMs) ? null : readyMs;
        }

        void readyAfter(double ms) {
            this.readyMs = ms;
        }

        @Override
        boolean alive() {
            return process.isAlive();
        }

        /** What the broker itself logged about its start-up time ("... started in N ms"), if anything. */
        String selfReportedStart() {
            for (Path log : new Path[]{stderr, stdout}) {
                try {
                    if (!Files.exists(log)) continue;
                    String last = null; // the latest start: a restarted node's log holds its earlier lives too
                    for (String line : Files.readAllLines(log)) {
                        java.util.regex.Matcher m = SELF_REPORTED_START.matcher(line);
                        if (m.find()) last = m.group(1);
                    }
                    if (last != null) return last;
                } catch (IOException | RuntimeException ignored) {
                    // only a hint
                }
            }
            return null;
        }

        @Override
        String diagnostics() {
            StringBuilder sb = new StringBuilder();
            if (!process.isAlive()) sb.append("the ").append(name).append(" process exited with code ").append(process.exitValue()).append(". ");
            String err = JavaLauncher.tail(stderr, 15);
            String out = JavaLauncher.tail(stdout, 15);
            String extra = extraLog == null ? "" : JavaLauncher.tail(extraLog, 15);
            if (!err.isBlank()) sb.append("stderr: ").append(err).append('\n');
            if (!out.isBlank()) sb.append("stdout: ").append(out).append('\n');
            if (!extra.isBlank()) sb.append(extraLog.getFileName()).append(": ").append(extra).append('\n');
            sb.append("(logs in ").append(stdout.getParent()).append(')');
            return sb.toString().strip();
        }

        /** SIGKILL, keeping the data directory (a crash, for restart measurements). */
        void kill9() throws InterruptedException {
            process.destroyForcibly();
            process.waitFor(30, java.util.concurrent.TimeUnit.SECONDS);
        }

        /** Open file descriptors of the process, from /proc/PID/fd; null when unreadable. */
        Long openDescriptors() {
            try (Stream<Path> s = Files.list(Path.of("/proc", Long.toString(process.pid()), "fd"))) {
                return s.count();
            } catch (IOException | RuntimeException e) {
                return null;
            }
        }

        @Override
        public void close() {
            JavaLauncher.stop(process, 30_000);
            if (!keepData) deleteTree(dataDir);
        }
    }

    // ---------------------------------------------------------------------------------------------

    /** A loopback port nobody listens on right now. */
    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        }
    }

    /** Admin settings that notice a broker coming up within a few milliseconds. */
    static Properties fastAdminProps(String bootstrap) {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(AdminClientConfig.RECONNECT_BACKOFF_MS_CONFIG, "5");
        p.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, "20");
        p.put(AdminClientConfig.RETRY_BACKOFF_MS_CONFIG, "5");
        p.put(AdminClientConfig.RETRY_BACKOFF_MAX_MS_CONFIG, "20");
        p.put(AdminClientConfig.SOCKET_CONNECTION_SETUP_TIMEOUT_MS_CONFIG, "1000");
        p.put(AdminClientConfig.SOCKET_CONNECTION_SETUP_TIMEOUT_MAX_MS_CONFIG, "1000");
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000");
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "10000");
        return BenchSecurity.apply(p);
    }

    /** Loads the admin client's classes once, so that the first measured start does not pay for it. */
    static void warmUpAdmin() {
        try {
            int port = freePort();
            try (Admin admin = Admin.create(fastAdminProps("127.0.0.1:" + port))) {
                admin.describeCluster(new DescribeClusterOptions().timeoutMs(200)).nodes().get(1, TimeUnit.SECONDS);
            }
        } catch (Exception ignored) {
            // expected: nobody listens there
        }
    }

    /**
     * Waits until the broker answers describeCluster (ApiVersions + DescribeCluster or Metadata); returns the
     * milliseconds since {@code startNanos}. Throws if the process dies or the deadline passes.
     */
    static double awaitReady(Admin admin, Broker broker, long startNanos, long timeoutMs) throws Exception {
        long deadline = startNanos + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        Exception last = null;
        while (System.nanoTime() < deadline) {
            if (!broker.alive()) {
                throw new IllegalStateException(broker.name + " exited before it was ready. " + broker.diagnostics());
            }
            try {
                admin.describeCluster(new DescribeClusterOptions().timeoutMs(1000)).nodes().get(2, TimeUnit.SECONDS);
                return (System.nanoTime() - startNanos) / 1e6;
            } catch (Exception e) {
                last = e;
                Thread.sleep(5);
            }
        }
        throw new IllegalStateException(broker.name + " did not answer describeCluster within " + timeoutMs + " ms"
                + (last == null ? "" : " (last error: " + rootMessage(last) + ")") + ". " + broker.diagnostics());
    }

    static String rootMessage(Throwable t) {
        Throwable c = t;
        while (c.getCause() != null && c.getCause() != c) c = c.getCause();
        String m = c.getMessage();
        return c.getClass().getSimpleName() + (m == null ? "" : ": " + m);
    }

    static void deleteTree(Path dir) {
        if (dir == null || !Files.exists(dir)) return;
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // best effort
                }
            });
        } catch (IOException ignored) {
            // best effort
        }
    }
}
