package io.runnel.broker.network;

import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.runnel.broker.handler.ApiVersionsHandler;
import io.runnel.broker.handler.HandlerRegistry;
import io.runnel.config.BrokerConfigs;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The socket keys reach the sockets: checked on the channels of a real listener and connection. */
class NettyServerTest {
    private NettyServer server;

    @AfterEach
    void close() {
        if (server != null) server.close();
    }

    private InetSocketAddress start(Map<String, String> props) throws Exception {
        server = new NettyServer(1, NetworkConfig.from(BrokerConfigs.parse(props)));
        HandlerRegistry registry = new HandlerRegistry();
        registry.register(new ApiVersionsHandler(registry));
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
