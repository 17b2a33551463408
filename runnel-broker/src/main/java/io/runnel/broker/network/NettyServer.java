package io.runnel.broker.network;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.runnel.broker.handler.HandlerRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Accepts Kafka connections on every listener. Threads: one acceptor thread and
 * {@code num.network.threads} event-loop threads, named runnel-network-N, which decode requests, run
 * the handlers and write responses. Uses epoll where available (sendfile for fetches), NIO elsewhere.
 */
public final class NettyServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(NettyServer.class);

    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private final Class<? extends ServerChannel> channelClass;
    private final List<Channel> serverChannels = new ArrayList<>();
    private final List<InetSocketAddress> boundAddresses = new ArrayList<>();

    public NettyServer(int networkThreads) {
        if (Epoll.isAvailable()) {
            boss = new EpollEventLoopGroup(1, threads("runnel-acceptor"));
            workers = new EpollEventLoopGroup(networkThreads, threads("runnel-network"));
            channelClass = EpollServerSocketChannel.class;
        } else {
            boss = new NioEventLoopGroup(1, threads("runnel-acceptor"));
            workers = new NioEventLoopGroup(networkThreads, threads("runnel-network"));
            channelClass = NioServerSocketChannel.class;
        }
    }

    private static ThreadFactory threads(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + "-" + n.getAndIncrement());
            t.setDaemon(false);
            return t;
        };
    }

    /** Binds a listener; returns the bound address (port 0 picks a free port). */
    public InetSocketAddress bind(io.runnel.config.BrokerConfigs.Listener endpoint, HandlerRegistry registry, int maxRequestBytes) throws InterruptedException {
        ServerBootstrap b = new ServerBootstrap()
                .group(boss, workers)
                .channel(channelClass)
                .option(ChannelOption.SO_BACKLOG, 1024)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.SO_KEEPALIVE, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast("frames", new FrameDecoder(maxRequestBytes));
                        ch.pipeline().addLast("requests", new ConnectionHandler(registry, endpoint.name()));
                    }
                });
        String host = endpoint.host().isEmpty() ? "0.0.0.0" : endpoint.host();
        Channel ch = b.bind(host, endpoint.port()).sync().channel();
        serverChannels.add(ch);
        InetSocketAddress addr = (InetSocketAddress) ch.localAddress();
        boundAddresses.add(addr);
        log.info("Listening on {}://{}:{} ({})", endpoint.name(), addr.getHostString(), addr.getPort(),
                channelClass.getSimpleName().startsWith("Epoll") ? "epoll" : "nio");
        return addr;
    }

    public List<InetSocketAddress> boundAddresses() {
        return List.copyOf(boundAddresses);
    }

    /** Stops accepting; open connections are closed. */
    @Override
    public void close() {
        for (Channel ch : serverChannels) ch.close().syncUninterruptibly();
        boss.shutdownGracefully(0, 2, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
        workers.shutdownGracefully(0, 2, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
    }
}
