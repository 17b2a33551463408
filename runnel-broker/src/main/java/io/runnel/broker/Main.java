package io.runnel.broker;

import io.runnel.config.BrokerConfigs;
import io.runnel.config.ConfigException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** The {@code runnel} command line. */
@Command(name = "runnel", mixinStandardHelpOptions = true, version = "Runnel 0.1.0",
        description = "An event streaming platform that speaks the Apache Kafka protocol.",
        subcommands = {Main.Start.class, Main.AotTrain.class})
public final class Main implements Callable<Integer> {

    public static void main(String[] args) {
        System.exit(new CommandLine(new Main()).execute(args));
    }

    @Override
    public Integer call() {
        CommandLine.usage(this, System.out);
        return 0;
    }

    /**
     * {@code aot-training --dir D}: the launcher's training run for the JVM's ahead-of-time cache ({@link AotTraining}),
     * a broker of its own under D driven by a generic workload, then a clean exit. Hidden: not for operators.
     */
    @Command(name = "aot-training", hidden = true, description = "Trains the JVM's ahead-of-time cache (the launcher runs it).")
    static final class AotTrain implements Callable<Integer> {
        @Option(names = "--dir", required = true, description = "A scratch directory for the training broker's data.")
        Path dir;

        @Override
        public Integer call() throws Exception {
            long t0 = System.nanoTime();
            AotTraining.Result r = AotTraining.run(dir, AotTraining.MAX_MS);
            System.out.printf("runnel: AOT training produced %,d records, fetched %,d, %s offsets; over SASL_SSL produced %,d,"
                    + " fetched %,d; in %d ms%n", r.produced(), r.fetched(), r.offsetsCommitted() ? "committed" : "did not commit",
                    r.producedOverTls(), r.fetchedOverTls(), (System.nanoTime() - t0) / 1_000_000);
            return 0;
        }
    }

    @Command(name = "start", mixinStandardHelpOptions = true,
            description = "Starts a node (a broker, or a dedicated controller with process.roles=controller). "
                    + "Without --config: one node on 127.0.0.1:9092 with its data under ./data.")
    static final class Start implements Callable<Integer> {
        private static final Logger log = LoggerFactory.getLogger(Start.class);
        static final long SHUTDOWN_TIMEOUT_SECONDS = 60;

        @Option(names = {"-c", "--config"}, description = "A Kafka-style server.properties file.")
        Path config;

        @Option(names = {"-o", "--override"}, description = "key=value, applied over the file (repeatable).")
        List<String> overrides = List.of();

        @Override
        public Integer call() throws Exception {
            long t0 = System.nanoTime();
            BrokerConfigs cfg;
            try {
                Map<String, String> props = new LinkedHashMap<>();
                if (config != null) {
                    if (!Files.isReadable(config)) {
                        System.err.println("runnel: cannot read config file " + config);
                        return 2;
                    }
                    try (var r = Files.newBufferedReader(config)) {
                        props.putAll(BrokerConfigs.read(r));
                    }
                }
                for (String o : overrides) {
                    int eq = o.indexOf('=');
                    if (eq <= 0) {
                        System.err.println("runnel: --override takes key=value, got '" + o + "'");
                        return 2;
                    }
                    props.put(o.substring(0, eq).trim(), o.substring(eq + 1).trim());
                }
                cfg = BrokerConfigs.parse(props);
                if (cfg.clusterMode()) io.runnel.broker.cluster.ClusterConfigCheck.check(cfg);
            } catch (ConfigException | IllegalArgumentException e) {
                System.err.println("runnel: invalid configuration: " + e.getMessage());
                return 2;
            } catch (IOException e) {
                System.err.println("runnel: cannot read config: " + e.getMessage());
                return 2;
            }
            // tests only: -Drunnel.test.link.faults.file=<path> (never set in production) cuts or delays links to other nodes
            io.runnel.quorum.LinkFaultsFile.startIfConfigured(cfg.nodeId());
            // process.roles picks the server: a broker (single, combined or broker-only), or a dedicated controller
            RunnelNode server = RunnelNode.of(cfg);
            CountDownLatch stopped = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                log.info("Shutting down");
                Thread watchdog = shutdownWatchdog();
                server.close();
                watchdog.interrupt();
                stopped.countDown();
            }, "runnel-shutdown"));
            try {
                server.startup();
            } catch (Exception e) {
                log.error("Startup failed", e);
                System.err.println("runnel: startup failed: " + e.getMessage());
                System.exit(1);
            }
            log.info("Runnel started in {} ms: {}; resident memory {}", (System.nanoTime() - t0) / 1_000_000,
                    server.boundListeners(), io.runnel.common.ResidentMemory.describe());
            stopped.await();
            return 0;
        }

        /**
         * The last resort that bounds the shutdown whatever clients or a stuck subsystem do: if the clean
         * shutdown has not finished after {@link #SHUTDOWN_TIMEOUT_SECONDS}, the process halts (the next
         * start then recovers the logs, as after a crash).
         */
        private static Thread shutdownWatchdog() {
            Thread t = new Thread(() -> {
                try {
                    Thread.sleep(SHUTDOWN_TIMEOUT_SECONDS * 1000);
                } catch (InterruptedException e) {
                    return; // the shutdown finished
                }
                log.error("The clean shutdown did not finish within {} s; halting", SHUTDOWN_TIMEOUT_SECONDS);
                Runtime.getRuntime().halt(1);
            }, "runnel-shutdown-watchdog");
            t.setDaemon(true);
            t.start();
            return t;
        }
    }
}
