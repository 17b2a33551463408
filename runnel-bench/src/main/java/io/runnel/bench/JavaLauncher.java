package io.runnel.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Starts child JVMs (brokers and Kafka's tools) and keeps track of them, so that an interrupted benchmark
 * leaves nothing running behind it.
 */
final class JavaLauncher {
    private final Path javaBin;
    private final int javaFeature;
    private final String benchClasspath;
    private final Set<Process> live = ConcurrentHashMap.newKeySet();

    JavaLauncher(Path javaHome, String benchClasspath) {
        this.javaBin = javaHome.resolve("bin").resolve("java");
        this.benchClasspath = benchClasspath;
        this.javaFeature = detectFeature(javaHome);
        Runtime.getRuntime().addShutdownHook(new Thread(this::killAll, "bench-cleanup"));
    }

    Path javaBin() {
        return javaBin;
    }

    int javaFeature() {
        return javaFeature;
    }

    /** The classpath of this module (Kafka broker, storage tool, perf tools, clients). */
    String benchClasspath() {
        return benchClasspath;
    }

    /** Options every child JVM gets: an English locale so the tools print numbers the parsers read. */
    List<String> commonOptions() {
        List<String> o = new ArrayList<>(List.of("-Duser.language=en", "-Duser.country=US", "-Djava.awt.headless=true"));
        return o;
    }

    /**
     * Starts {@code java [jvmOptions] mainClass args} with {@code classpath} (passed through the CLASSPATH
     * variable, which keeps the command line short), stdout and stderr going to the given files.
     */
    Process start(String classpath, List<String> jvmOptions, String mainClass, List<String> args, Path stdout, Path stderr,
                  Path commandLog) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(javaBin.toString());
        cmd.addAll(commonOptions());
        cmd.addAll(jvmOptions);
        cmd.add(mainClass);
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("CLASSPATH", classpath);
        pb.environment().remove("JAVA_TOOL_OPTIONS");
        pb.environment().remove("JDK_JAVA_OPTIONS");
        // appended: a node restarted after a kill keeps the log of its earlier life beside the new one
        pb.redirectOutput(ProcessBuilder.Redirect.appendTo(stdout.toFile()));
        pb.redirectError(ProcessBuilder.Redirect.appendTo(stderr.toFile()));
        pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        if (commandLog != null) {
            Files.writeString(commandLog, String.join(" ", cmd) + System.lineSeparator(), StandardCharsets.UTF_8,
                    java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
        }
        Process p = pb.start();
        live.add(p);
        p.onExit().thenRun(() -> live.remove(p));
        return p;
    }

    /** Stops a child: SIGTERM, then SIGKILL after {@code graceMs}. */
    static void stop(Process p, long graceMs) {
        if (p == null || !p.isAlive()) return;
        p.destroy();
        try {
            if (!p.waitFor(graceMs, TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
        }
    }

    private void killAll() {
        List<Process> all = new ArrayList<>(live);
        Collections.reverse(all);
        for (Process p : all) stop(p, 5_000);
    }

    private static int detectFeature(Path javaHome) {
        Path release = javaHome.resolve("release");
        try {
            for (String line : Files.readAllLines(release)) {
                if (line.startsWith("JAVA_VERSION=")) {
                    String v = line.substring("JAVA_VERSION=".length()).replace("\"", "");
                    String first = v.split("[.+-]")[0];
                    return Integer.parseInt(first.equals("1") ? v.split("\\.")[1] : first);
                }
            }
        } catch (IOException | RuntimeException ignored) {
            // fall through
        }
        return Runtime.version().feature();
    }

    /** The last {@code maxLines} lines of a log file, for error messages. */
    static String tail(Path file, int maxLines) {
        try {
            if (!Files.exists(file)) return "";
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            List<String> keep = new ArrayList<>();
            for (String l : lines) {
                if (l.isBlank() || l.startsWith("WARNING:")) continue; // JVM's own notices about native access etc.
                keep.add(l);
            }
            int from = Math.max(0, keep.size() - maxLines);
            return String.join("\n", keep.subList(from, keep.size()));
        } catch (IOException | RuntimeException e) {
            return "(cannot read " + file + ": " + e.getMessage() + ")";
        }
    }
}
