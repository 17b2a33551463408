package io.runnel.cli;

import io.runnel.broker.BrokerServer;
import io.runnel.config.BrokerConfigs;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.BindException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/** A Runnel broker in the test JVM on a free loopback port, and a way to run the CLI in-process. */
final class EmbeddedBroker implements AutoCloseable {
    private final BrokerServer server;
    private final int[] ports;

    private EmbeddedBroker(BrokerServer server, int[] ports) {
        this.server = server;
        this.ports = ports;
    }

    static EmbeddedBroker start(Path dataDir) throws Exception {
        return start(dataDir, 1, ports -> Map.of("listeners", "PLAINTEXT://127.0.0.1:" + ports[0]));
    }

    /**
     * A broker configured by {@code config} given {@code portCount} free loopback ports (log.dirs and a zero initial
     * rebalance delay are added); {@link #bootstrap()} is the first port, {@link #address(int)} any of them.
     */
    static EmbeddedBroker start(Path dataDir, int portCount, java.util.function.Function<int[], Map<String, String>> config) throws Exception {
        Exception last = null;
        for (int attempt = 0; attempt < 5; attempt++) {
            int[] ports = new int[portCount];
            for (int i = 0; i < portCount; i++) ports[i] = freePort();
            Map<String, String> props = new java.util.LinkedHashMap<>(config.apply(ports));
            props.put("log.dirs", dataDir.toString());
            props.putIfAbsent("group.initial.rebalance.delay.ms", "0");
            BrokerServer s = new BrokerServer(BrokerConfigs.parse(props));
            try {
                s.startup();
                return new EmbeddedBroker(s, ports);
            } catch (Exception e) {
                s.close();
                last = e;
                if (!isBindFailure(e)) break;
            }
        }
        throw last;
    }

    static int freePort() throws IOException {
        return io.runnel.common.LoopbackPorts.free();
    }

    private static boolean isBindFailure(Throwable t) {
        for (; t != null; t = t.getCause()) {
            if (t instanceof BindException || String.valueOf(t.getMessage()).contains("Address already in use")) return true;
        }
        return false;
    }

    String bootstrap() {
        return address(0);
    }

    /** 127.0.0.1:{@code port i} of {@link #start(Path, int, java.util.function.Function)}. */
    String address(int i) {
        return "127.0.0.1:" + ports[i];
    }

    /** Runs {@code runnel <args> --bootstrap-server <this broker>}. */
    Result cli(String... args) {
        List<String> all = new ArrayList<>(Arrays.asList(args));
        all.add("--bootstrap-server");
        all.add(bootstrap());
        return run(all.toArray(String[]::new));
    }

    /** Runs {@code runnel <args>} in-process, capturing stdout and stderr. */
    static Result run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        long t0 = System.nanoTime();
        int rc = CliMain.run(new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8), args);
        return new Result(rc, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8), (System.nanoTime() - t0) / 1_000_000);
    }

    record Result(int exitCode, String out, String err, long millis) {
        /** The rows of the table whose header starts with {@code firstHeader}, each split on whitespace (header excluded). */
        List<List<String>> table(String firstHeader) {
            List<List<String>> rows = new ArrayList<>();
            boolean in = false;
            for (String line : out.split("\n")) {
                if (line.startsWith(firstHeader + " ")) {
                    in = true;
                    continue;
                }
                if (!in) continue;
                if (line.isBlank()) {
                    in = false;
                    continue;
                }
                rows.add(Arrays.asList(line.trim().split("\\s+")));
            }
            return rows;
        }

        @Override
        public String toString() {
            return "exit " + exitCode + " after " + millis + " ms\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    @Override
    public void close() {
        server.close();
    }
}
