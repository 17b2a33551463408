package io.runnel.broker.network;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.runnel.broker.handler.HandlerRegistry;
import io.runnel.broker.security.SaslAuthenticator;
import io.runnel.config.BrokerConfigs;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Accepts Kafka connections on every listener. Threads: one acceptor thread and
 * {@code num.network.threads} event-loop threads, named runnel-network-N, which decode requests, run
 * the handlers and write responses. Uses epoll where available (sendfile for fetches), NIO elsewhere.
 *
 * <p>Enforces the connection and socket settings of {@link NetworkConfig}: connection limits
 * ({@link ConnectionLimiter}), idle timeout, socket buffers, accept backlog, and per-connection
 * backpressure (see {@link ConnectionHandler}). A listener bound with a {@link ServerTls} speaks TLS
 * (docs/security.md).
 *
 * <p>{@link #close()} takes bounded time whatever clients do: it closes the listeners and every
 * connection, then stops the threads, waiting at most {@link #CLOSE_TIMEOUT_SECONDS} for them.
 */
public final class NettyServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(NettyServer.class);
    static final long CLOSE_TIMEOUT_SECONDS = 10;
    /** A TLS handshake not done within this closes the connection (Netty's default, stated). */
    static final long TLS_HANDSHAKE_TIMEOUT_MS = 10_000;

    private final NetworkConfig config;
    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private final Class<? extends ServerChannel> channelClass;
    private final ConnectionLimiter limiter;
    private volatile java.util.function.ToLongFunction<java.net.InetAddress> connectionRate;
    private final ChannelGroup connections = new DefaultChannelGroup("runnel-connections", GlobalEventExecutor.INSTANCE);
    private final List<Channel> serverChannels = new ArrayList<>();
    private final List<InetSocketAddress> boundAddresses = new ArrayList<>();

    private final InFlightFrames inFlight = new InFlightFrames();

    public NettyServer(int networkThreads, NetworkConfig config) {
        this.config = config;
        this.limiter = new ConnectionLimiter(config.limits());
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

    /**
     * Binds a listener; returns the bound address (port 0 picks a free port).
     *
     * @throws IOException naming the listener when it cannot be bound (e.g. the address is in use)
     */
    public InetSocketAddress bind(BrokerConfigs.Listener endpoint, HandlerRegistry registry) throws IOException {
        return bind(endpoint, registry, (ServerTls) null, null);
    }

    /** As {@link #bind(BrokerConfigs.Listener, HandlerRegistry, ServerTls, SaslAuthenticator)} with the default engine of {@code ssl}. */
    public InetSocketAddress bind(BrokerConfigs.Listener endpoint, HandlerRegistry registry, io.runnel.common.security.SslFactory ssl,
                                  SaslAuthenticator sasl) throws IOException {
        return bind(endpoint, registry, ssl == null ? null : ServerTls.of(ssl), sasl);
    }

    /**
     * Binds a listener that speaks TLS when {@code ssl} is given (its connections start with a server-mode
     * {@link SslHandler} of the listener's engine, OpenSSL or the JDK's, fetches are copied instead of sent zero-copy),
     * PLAINTEXT when null, and
     * whose connections authenticate with {@code sasl} first when given (null: no SASL).
     */
    public InetSocketAddress bind(BrokerConfigs.Listener endpoint, HandlerRegistry registry, ServerTls ssl,
                                  SaslAuthenticator sasl) throws IOException {
        ServerBootstrap b = new ServerBootstrap()
                .group(boss, workers)
                .channel(channelClass)
                .option(ChannelOption.SO_BACKLOG, config.listenBacklog())
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.SO_KEEPALIVE, true)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK,
                        new WriteBufferWaterMark(config.maxUnsentResponseBytes() / 2, config.maxUnsentResponseBytes()))
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        initConnection(ch, endpoint, registry, ssl, sasl);
                    }
                });
        // -1 keeps the operating system's default, as in Kafka
        if (config.sendBufferBytes() != -1) b.childOption(ChannelOption.SO_SNDBUF, config.sendBufferBytes());
        if (config.receiveBufferBytes() != -1) b.childOption(ChannelOption.SO_RCVBUF, config.receiveBufferBytes());
        String host = endpoint.host().isEmpty() ? "0.0.0.0" : endpoint.host();
        Channel ch;
        try {
            ch = b.bind(host, endpoint.port()).sync().channel();
        } catch (Exception e) {
            // Netty's native transport says only "bind(..) failed: Address already in use": name the listener
            throw new IOException("Cannot listen on " + endpoint + ": " + e.getMessage(), e);
        }
        serverChannels.add(ch);
        InetSocketAddress addr = (InetSocketAddress) ch.localAddress();
        boundAddresses.add(addr);
        log.info("Listening on {}://{}:{} ({}{}{})", endpoint.name(), addr.getHostString(), addr.getPort(),
                channelClass.getSimpleName().startsWith("Epoll") ? "epoll" : "nio",
                ssl == null ? "" : ", TLS " + ssl.engine().name().toLowerCase(java.util.Locale.ROOT) + " (" + ssl.reason()
                        + "), ssl.client.auth=" + ssl.factory().clientAuth().name().toLowerCase(java.util.Locale.ROOT),
                sasl == null ? "" : ", SASL " + sasl.mechanisms());
        return addr;
    }

    private void initConnection(SocketChannel ch, BrokerConfigs.Listener endpoint, HandlerRegistry registry, ServerTls ssl,
                                SaslAuthenticator sasl) {
        var address = ch.remoteAddress().getAddress();
        if (!limiter.tryAcquire(address)) {
            ch.close();
            return;
        }
        ch.closeFuture().addListener(f -> limiter.release(address));
        connections.add(ch);
        long throttleMs = connectionRate == null ? 0 : connectionRate.applyAsLong(address);
        if (throttleMs > 0) {
            // connection_creation_rate exceeded (KIP-612): not served, closed after the throttle time, as Kafka
            log.info("Throttling a connection from {}: connection_creation_rate exceeded, closing it in {} ms",
                    address.getHostAddress(), throttleMs);
            ch.config().setAutoRead(false);
            ch.eventLoop().schedule(() -> { ch.close(); }, throttleMs, TimeUnit.MILLISECONDS);
            return;
        }
        if (ssl != null) {
            SslHandler tls = ssl.newHandler(ch.alloc());
            tls.setHandshakeTimeoutMillis(TLS_HANDSHAKE_TIMEOUT_MS);
            ch.pipeline().addLast("ssl", tls);
        }
        if (config.connectionsMaxIdleMs() > 0) {
            ch.pipeline().addLast("idle", new IdleStateHandler(0, 0, config.connectionsMaxIdleMs(), TimeUnit.MILLISECONDS));
        }
        FrameDecoder frames = new FrameDecoder(config.maxRequestBytes());
        if (sasl != null) frames.preAuthLimit(sasl.maxReceiveBytes()); // lifted by ConnectionHandler once authenticated
        ch.pipeline().addLast("frames", frames);
        // SASL_SSL: TLS first (the SslHandler above), then SASL on the decrypted frames; the principal is the SASL one
        // (Kafka's rule), so the client certificate, if any, is checked by TLS but not mapped to a principal
        ch.pipeline().addLast("requests", new ConnectionHandler(registry, endpoint.name(), config.queuedMaxRequests(), frames, inFlight,
                ssl != null, ssl == null || sasl != null ? null : ssl.factory().principalMapper(), sasl == null ? null : sasl.newSession()));
    }

    /**
     * The per-IP connection_creation_rate quota: for each accepted connection, 0 to serve it, else the time after
     * which it is closed unserved. Set before binding.
     */
    public void connectionRateQuota(java.util.function.ToLongFunction<java.net.InetAddress> throttleMs) {
        this.connectionRate = throttleMs;
    }

    /** Applies new connection limits (dynamic broker configs) to connections accepted from now on. */
    public void updateConnectionLimits(NetworkConfig.ConnectionLimits limits) {
        limiter.update(limits);
    }

    public List<InetSocketAddress> boundAddresses() {
        return List.copyOf(boundAddresses);
    }

    /** The listening channels (for tests and diagnostics). */
    List<Channel> listenerChannels() {
        return List.copyOf(serverChannels);
    }

    /** The open client connections (for tests and diagnostics). */
    ChannelGroup connections() {
        return connections;
    }

    /**
     * The frames of requests whose handlers have not answered; those left once every component is closed (operations
     * dropped at shutdown) are released with {@link InFlightFrames#releaseAbandoned}.
     */
    public InFlightFrames inFlightFrames() {
        return inFlight;
    }

    /** Stops accepting, closes every connection and stops the network threads, in bounded time. */
    @Override
    public void close() {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(CLOSE_TIMEOUT_SECONDS);
        for (Channel ch : serverChannels) ch.close().awaitUninterruptibly(remainingMs(deadline));
        connections.close().awaitUninterruptibly(remainingMs(deadline));
        var b = boss.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        var w = workers.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        if (!b.awaitUninterruptibly(remainingMs(deadline)) || !w.awaitUninterruptibly(remainingMs(deadline))) {
            log.warn("Network threads did not stop within {} s; going on with the shutdown", CLOSE_TIMEOUT_SECONDS);
        }
    }

    private static long remainingMs(long deadline) {
        return Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
    }
}
