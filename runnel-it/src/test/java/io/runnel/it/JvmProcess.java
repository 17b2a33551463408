package io.runnel.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A client program (any main class on the test classpath) in its own JVM, so that a test can kill it with SIGKILL,
 * stop it with SIGSTOP and resume it with SIGCONT. Its stdout and stderr go to a log file. Processes still running
 * when the test JVM exits are killed.
 */
public final class JvmProcess implements AutoCloseable {
    private static final Set<ProcessHandle> RUNNING = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> RUNNING.forEach(ProcessHandle::destroyForcibly), "it-jvm-reaper"));
    }

    private final Process process;
    private final Path log;

    private JvmProcess(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    /** Starts {@code mainClass} with {@code args}, the test classpath and a small heap; output appended to {@code log}. */
    public static JvmProcess start(Path log, String mainClass, List<String> args) {
        return start(log, log, mainClass, args);
    }

    /**
     * Starts {@code mainClass} with its stdout appended to {@code out} and its stderr to {@code err} (tools that print
     * one JSON event per line on stdout keep their lines whole that way, apart from the client's logging).
     */
    public static JvmProcess start(Path out, Path err, String mainClass, List<String> args) {
        Path log = out;
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx256m");
        cmd.add("-XX:TieredStopAtLevel=1"); // short-lived clients: start fast, the 2-core machine is shared
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(mainClass);
        cmd.addAll(args);
        try {
            Files.createDirectories(out.getParent());
            ProcessBuilder b = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.appendTo(out.toFile()));
            if (err.equals(out)) b.redirectErrorStream(true);
            else b.redirectError(ProcessBuilder.Redirect.appendTo(err.toFile()));
            Process p = b.start();
            ProcessHandle h = p.toHandle();
            RUNNING.add(h);
            p.onExit().thenRun(() -> RUNNING.remove(h));
            return new JvmProcess(p, log);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public long pid() {
        return process.pid();
    }

    /** The exit code, or -1 while running. */
    public int exitCode() {
        return process.isAlive() ? -1 : process.exitValue();
    }

    /** Waits up to {@code timeoutMs} for the process to end; true if it has. */
    public boolean awaitExit(long timeoutMs) throws InterruptedException {
        return process.waitFor(timeoutMs, TimeUnit.MILLISECONDS);
    }

    /** SIGTERM (the tool's shutdown hooks run) and waits up to {@code timeoutMs}; true if it ended. */
    public boolean stop(long timeoutMs) throws InterruptedException {
        process.destroy();
        return process.waitFor(timeoutMs, TimeUnit.MILLISECONDS);
    }

    public void kill9() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    /** SIGSTOP: the process stays alive but runs no code (no heartbeats, no requests) until {@link #resume}. */
    public void suspend() throws IOException, InterruptedException {
        signal("STOP");
    }

    /** SIGCONT. */
    public void resume() throws IOException, InterruptedException {
        signal("CONT");
    }

    private void signal(String name) throws IOException, InterruptedException {
        Process k = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).inheritIO().start();
        if (!k.waitFor(10, TimeUnit.SECONDS) || k.exitValue() != 0) throw new IOException("kill -" + name + " " + process.pid() + " failed");
    }

    public String log() {
        try {
            return Files.exists(log) ? Files.readString(log) : "";
        } catch (IOException e) {
            return "(cannot read " + log + ")";
        }
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
        }
    }
}
