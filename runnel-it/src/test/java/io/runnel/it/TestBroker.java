package io.runnel.it;

import io.runnel.broker.BrokerServer;
import io.runnel.config.BrokerConfigs;
import io.runnel.metadata.CreateTopicResult;
import io.runnel.metadata.NewTopic;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A Runnel broker in the test's JVM: {@link BrokerServer} on a free loopback port with its data in a
 * directory the test owns (usually a {@code @TempDir}). Start-up blocks until the listener is bound.
 * {@link #close()} is the clean shutdown.
 *
 * <p>Topics can be created straight through the metadata controller ({@link #createTopic}), so the
 * produce/fetch suites do not depend on the CreateTopics handler.
 */
public final class TestBroker implements AutoCloseable {
    private final Path dataDir;
    private final Map<String, String> overrides;
    private BrokerServer server;
    private int port;

    private TestBroker(Path dataDir, Map<String, String> overrides) {
        this.dataDir = dataDir;
        this.overrides = overrides;
    }

    /** Starts a broker with its data under {@code dataDir} and the given server.properties overrides. */
    public static TestBroker start(Path dataDir, Map<String, String> overrides) {
        TestBroker b = new TestBroker(dataDir, new LinkedHashMap<>(overrides));
        b.startup();
        return b;
    }

    public static TestBroker start(Path dataDir) {
        return start(dataDir, Map.of());
    }

    private void startup() {
        try {
            Files.createDirectories(dataDir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        // the listener port is advertised to clients, so it must be known before start-up (port 0 would be
        // advertised as 0): pick a free one, and pick again in the rare case it was taken meanwhile
        Exception last = null;
        for (int attempt = 0; attempt < 5; attempt++) {
            port = overrides.containsKey("listeners") ? -1 : BrokerProcess.freePort();
            Map<String, String> props = new LinkedHashMap<>();
            props.put("node.id", "1");
            if (port > 0) props.put("listeners", "PLAINTEXT://127.0.0.1:" + port);
            props.put("log.dirs", dataDir.toString());
            props.putAll(overrides);
            BrokerServer s = new BrokerServer(BrokerConfigs.parse(props));
            try {
                s.startup();
                server = s;
                if (port < 0) port = s.boundListeners().get(0).getPort();
                return;
            } catch (Exception e) {
                s.close();
                last = e;
                if (!isBindFailure(e) || port < 0) break;
            }
        }
        throw new IllegalStateException("broker did not start", last);
    }

    private static boolean isBindFailure(Throwable t) {
        for (; t != null; t = t.getCause()) {
            if (t instanceof BindException || String.valueOf(t.getMessage()).contains("Address already in use")) return true;
        }
        return false;
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

    public BrokerServer server() {
        return server;
    }

    /** Creates a topic through the metadata controller and fails unless it was created. */
    public void createTopic(String name, int partitions) {
        createTopic(name, partitions, Map.of());
    }

    public void createTopic(String name, int partitions, Map<String, String> configs) {
        try {
            List<CreateTopicResult> r = server.controller()
                    .createTopics(List.of(NewTopic.of(name, partitions, 1).withConfigs(configs)), false)
                    .get(30, TimeUnit.SECONDS);
            if (!r.get(0).error().isSuccess()) throw new IllegalStateException("creating " + name + ": " + r.get(0).error());
        } catch (Exception e) {
            throw new IllegalStateException("creating topic " + name, e);
        }
    }

    @Override
    public void close() {
        if (server != null) server.close();
    }
}
