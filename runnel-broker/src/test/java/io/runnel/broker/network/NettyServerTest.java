package io.runnel.broker.network;

import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.runnel.broker.handler.ApiHandler;
import io.runnel.broker.handler.ApiVersionsHandler;
import io.runnel.protocol.message.ApiVersionsResponse;
import io.runnel.protocol.message.ApiVersionsRequest;
import io.runnel.broker.handler.RequestContext;
import io.runnel.protocol.ApiKeys;
import io.runnel.protocol.GrowableWritable;
import io.runnel.protocol.RequestHeader;
import io.runnel.protocol.message.MetadataRequest;
import io.runnel.protocol.message.MetadataResponse;
import io.runnel.broker.handler.HandlerRegistry;
import io.runnel.config.BrokerConfigs;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.net.Socket;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The socket keys reach the sockets (checked on the channels of a real listener and connection), and
 * queued.max.requests bounds the requests one connection has in flight.
 */
class NettyServerTest {
    private NettyServer server;

    @AfterEach
    void close() {
        if (server != null) server.close();
    }

    private InetSocketAddress start(Map<String, String> props) throws Exception {
        server = new NettyServer(1, NetworkConfig.from(BrokerConfigs.parse(props)));
        HandlerRegistry registry = new HandlerRegistry();
        // the supported-API list alone: these tests need a handler to answer, not a broker behind it
        registry.register(new ApiHandler<ApiVersionsRequest, ApiVersionsResponse>() {
            @Override
            public ApiKeys api() {
                return ApiKeys.API_VERSIONS;
            }

            @Override
            public CompletableFuture<ApiVersionsResponse> handle(RequestContext ctx, ApiVersionsRequest request) {
                return CompletableFuture.completedFuture(ApiVersionsHandler.supported(registry));
            }
        });
        return server.bind(new BrokerConfigs.Listener("PLAINTEXT", "127.0.0.1", 0), registry);
    }

    private Channel awaitConnection() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (server.connections().isEmpty() && System.nanoTime() < deadline) Thread.sleep(10);
        assertThat(server.connections().size()).isEqualTo(1);
        return server.connections().iterator().next();
    }

    @Test
    void socketBuffersAndBacklogAreApplied() throws Exception {
        InetSocketAddress addr = start(Map.of("socket.send.buffer.bytes", "65536", "socket.receive.buffer.bytes", "81920",
                "socket.listen.backlog.size", "7"));
        assertThat(server.listenerChannels().get(0).config().getOption(ChannelOption.SO_BACKLOG)).isEqualTo(7);
        try (Socket s = new Socket(addr.getAddress(), addr.getPort())) {
            Channel ch = awaitConnection();
            // Linux reports twice the size set (its bookkeeping overhead); other systems the size itself
            assertThat(ch.config().getOption(ChannelOption.SO_SNDBUF)).isBetween(65536, 2 * 65536);
            assertThat(ch.config().getOption(ChannelOption.SO_RCVBUF)).isBetween(81920, 2 * 81920);
        }
    }

    @Test
    void minusOneKeepsTheSystemDefault() throws Exception {
        InetSocketAddress addr = start(Map.of("socket.send.buffer.bytes", "-1", "socket.receive.buffer.bytes", "-1"));
        try (Socket s = new Socket(addr.getAddress(), addr.getPort())) {
            Channel ch = awaitConnection();
            assertThat(ch.config().getOption(ChannelOption.SO_SNDBUF)).isPositive().isNotEqualTo(2 * 102400);
            assertThat(ch.config().getOption(ChannelOption.SO_RCVBUF)).isPositive().isNotEqualTo(2 * 102400);
        }
    }

    /** Metadata requests whose answers wait until the test completes them. */
    private static final class HeldHandler implements ApiHandler<MetadataRequest, MetadataResponse> {
        final List<CompletableFuture<MetadataResponse>> calls = new CopyOnWriteArrayList<>();

        @Override
        public ApiKeys api() {
            return ApiKeys.METADATA;
        }

        @Override
        public CompletableFuture<MetadataResponse> handle(RequestContext ctx, MetadataRequest request) {
            CompletableFuture<MetadataResponse> f = new CompletableFuture<>();
            calls.add(f);
            return f;
        }
    }

    @Test
    void queuedMaxRequestsStopsReadingUntilAnswersGoOut() throws Exception {
        server = new NettyServer(1, NetworkConfig.from(BrokerConfigs.parse(Map.of("queued.max.requests", "3"))));
        HeldHandler held = new HeldHandler();
        HandlerRegistry registry = new HandlerRegistry();
        registry.register(held);
        InetSocketAddress addr = server.bind(new BrokerConfigs.Listener("PLAINTEXT", "127.0.0.1", 0), registry);
        try (Socket s = new Socket(addr.getAddress(), addr.getPort())) {
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            for (int i = 0; i < 10; i++) all.writeBytes(metadataFrame(i));
            s.getOutputStream().write(all.toByteArray()); // ten requests in one write
            awaitCalls(held, 3);
            Thread.sleep(500);
            assertThat(held.calls).as("requests read while 3 are in flight").hasSize(3);
            // answering them lets the connection read on, three at a time
            for (int answered = 0; answered < 10; answered++) {
                awaitCalls(held, Math.min(10, answered + 3));
                held.calls.get(answered).complete(new MetadataResponse());
            }
            DataInputStream in = new DataInputStream(s.getInputStream());
            s.setSoTimeout(10_000);
            for (int i = 0; i < 10; i++) {
                byte[] frame = new byte[in.readInt()];
                in.readFully(frame);
                assertThat(ByteBuffer.wrap(frame).getInt()).as("correlation id").isEqualTo(i);
            }
        }
    }

    private static byte[] metadataFrame(int correlationId) {
        GrowableWritable w = new GrowableWritable();
        w.writeInt(0);
        short version = 12;
        new RequestHeader(ApiKeys.METADATA.id, version, correlationId, "test").write(w, ApiKeys.METADATA.requestHeaderVersion(version));
        new MetadataRequest().write(w, version);
        ByteBuffer b = w.toByteBuffer();
        b.putInt(0, b.remaining() - 4);
        byte[] bytes = new byte[b.remaining()];
        b.get(bytes);
        return bytes;
    }

    private static void awaitCalls(HeldHandler h, int n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (h.calls.size() < n && System.nanoTime() < deadline) Thread.sleep(10);
        assertThat(h.calls.size()).isGreaterThanOrEqualTo(n);
    }

    @Test
    void closeEndsConnectionsInBoundedTime() throws Exception {
        InetSocketAddress addr = start(Map.of());
        try (Socket s = new Socket(addr.getAddress(), addr.getPort())) {
            awaitConnection();
            long t0 = System.nanoTime();
            server.close();
            server = null;
            assertThat(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t0)).isLessThanOrEqualTo(NettyServer.CLOSE_TIMEOUT_SECONDS);
            s.setSoTimeout(10_000);
            assertThat(s.getInputStream().read()).as("the broker closed the connection").isEqualTo(-1);
        }
    }
}
