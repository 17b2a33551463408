package io.runnel.cli;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;

/** The options every command shares: where the cluster is, how to connect to it and how long the command may take. */
final class ConnectionOptions {
    @Option(names = "--bootstrap-server", paramLabel = "HOST:PORT[,HOST:PORT...]",
            defaultValue = "${env:RUNNEL_BOOTSTRAP_SERVER:-127.0.0.1:9092}",
            description = "Broker(s) to connect to (default: $RUNNEL_BOOTSTRAP_SERVER, else ${DEFAULT-VALUE}).")
    String bootstrapServer;

    @Option(names = "--timeout", paramLabel = "MS", defaultValue = "30000",
            description = "Time the whole command may take, connecting included (default: ${DEFAULT-VALUE} ms).")
    long timeoutMs;

    @Option(names = "--command-config", paramLabel = "FILE",
            description = "A properties file with Kafka's client security keys: security.protocol, ssl.*, sasl.mechanism, sasl.jaas.config.")
    Path commandConfig;

    ClusterAdmin open(CommandSpec spec, PrintWriter err) {
        if (timeoutMs <= 0) throw new ParameterException(spec.commandLine(), "--timeout must be positive, got " + timeoutMs);
        CommandConfig security = CommandConfig.PLAINTEXT;
        if (commandConfig != null) {
            try {
                security = CommandConfig.load(commandConfig, w -> err.println("Warning: " + w));
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), "Invalid --command-config " + commandConfig + ": " + e.getMessage());
            }
        }
        KafkaProtocolClient client;
        try {
            client = new KafkaProtocolClient(bootstrapServer, "runnel-cli", Duration.ofMillis(timeoutMs), security);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "Invalid --bootstrap-server: " + e.getMessage());
        }
        return new ClusterAdmin(client, w -> err.println("Warning: " + w));
    }
}
