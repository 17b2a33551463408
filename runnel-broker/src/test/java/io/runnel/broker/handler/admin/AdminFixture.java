package io.runnel.broker.handler.admin;

import io.runnel.broker.BrokerContext;
import io.runnel.broker.handler.RequestContext;
import io.runnel.broker.partition.MetadataPublisher;
import io.runnel.common.Uuid;
import io.runnel.config.BrokerConfigs;
import io.runnel.metadata.BrokerRegistration;
import io.runnel.metadata.CreateTopicResult;
import io.runnel.metadata.MetadataController;
import io.runnel.metadata.NewTopic;
import io.runnel.protocol.ApiKeys;
import io.runnel.protocol.ApiMessage;
import io.runnel.protocol.ByteBufferReadable;
import io.runnel.protocol.GrowableWritable;
import io.runnel.protocol.RequestHeader;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A real metadata controller over a FileMetadataLog in a temporary directory, node 1 with a PLAINTEXT
 * listener on localhost:9092, and the BrokerContext the handlers get.
 */
final class AdminFixture implements AutoCloseable {
    static final int NODE_ID = 1;

    final BrokerConfigs config;
    final MetadataController controller;
    final BrokerContext broker;

    private AdminFixture(BrokerConfigs config, MetadataController controller) {
        this.config = config;
        this.controller = controller;
        // the handlers read the image from the controller; the publisher is never fed here
        this.broker = new BrokerContext(config.nodeId(), config,
                new MetadataPublisher(null, config.nodeId(), config.originals()), topics -> CompletableFuture.completedFuture(null));
    }

    /** Starts node 1 on {@code dir} with extra broker configs as key/value pairs. */
    static AdminFixture start(Path dir, String... kv) throws IOException {
        Map<String, String> m = new HashMap<>();
        m.put("log.dir", dir.toString());
        m.put("node.id", Integer.toString(NODE_ID));
        m.put("listeners", "PLAINTEXT://localhost:9092");
        for (int i = 0; i < kv.length; i += 2) m.put(kv[i], kv[i + 1]);
        BrokerConfigs config = BrokerConfigs.parse(m);
        return new AdminFixture(config, MetadataController.start(config));
    }

    /** A request context for {@code api} at {@code version} on the PLAINTEXT listener. */
    static RequestContext ctx(ApiKeys api, int version) {
        return ctx(api, version, "PLAINTEXT");
    }

    static RequestContext ctx(ApiKeys api, int version, String listener) {
        return new RequestContext(new RequestHeader(api.id, (short) version, 7, "admin-test"), api,
                new InetSocketAddress("127.0.0.1", 50000), listener, System.nanoTime());
    }

    static <T> T get(CompletableFuture<T> f) throws Exception {
        return f.get(30, TimeUnit.SECONDS);
    }

    /** Writes {@code m} at {@code version} and reads it back into {@code fresh}. */
    static <T extends ApiMessage> T roundTrip(ApiMessage m, int version, T fresh) {
        GrowableWritable out = new GrowableWritable();
        m.write(out, (short) version);
        ByteBufferReadable in = new ByteBufferReadable(out.toByteBuffer());
        fresh.read(in, (short) version);
        assertThat(in.remaining()).as("bytes left after reading back").isZero();
        return fresh;
    }

    CreateTopicResult createTopic(String name, int partitions, int replicationFactor, Map<String, String> configs) throws Exception {
        CreateTopicResult r = get(controller.createTopics(List.of(NewTopic.of(name, partitions, replicationFactor).withConfigs(configs)), false)).get(0);
        assertThat(r.error().isSuccess()).as(r.error().toString()).isTrue();
        return r;
    }

    /** Registers another broker with the given listener endpoints (listener, port) on host h{id}. */
    void registerBroker(int id, String rack, Object... listenerPorts) throws Exception {
        java.util.List<BrokerRegistration.Endpoint> eps = new java.util.ArrayList<>();
        for (int i = 0; i < listenerPorts.length; i += 2) {
            eps.add(new BrokerRegistration.Endpoint((String) listenerPorts[i], "h" + id, (Integer) listenerPorts[i + 1], (short) 0));
        }
        get(controller.registerBroker(id, Uuid.random(), eps, rack));
    }

    @Override
    public void close() throws IOException {
        controller.close();
    }
}
