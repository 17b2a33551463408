package io.runnel.broker.network;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.timeout.IdleStateEvent;
import io.runnel.broker.handler.ApiHandler;
import io.runnel.broker.handler.ApiVersionsHandler;
import io.runnel.broker.handler.HandlerRegistry;
import io.runnel.broker.handler.RequestContext;
import io.runnel.broker.security.SaslSession;
import io.runnel.common.Errors;
import io.runnel.common.security.SslPrincipalMapper;
import io.runnel.protocol.ApiKeys;
import io.runnel.protocol.ApiMessage;
import io.runnel.protocol.ByteBufferReadable;
import io.runnel.protocol.Message;
import io.runnel.protocol.RequestHeader;
import io.runnel.protocol.message.ApiVersionsResponse;
import io.runnel.protocol.message.ErrorCodeOnlyResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import java.io.IOException;
import java.security.cert.X509Certificate;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * One client connection: decodes each request frame, hands it to its API's handler, and writes the
 * responses strictly in request order (Kafka clients match responses to requests by order as well as by
 * correlation id), even when handlers complete out of order. Runs on the channel's event loop; handler
 * completions from other threads hop back onto it.
 *
 * <p>Backpressure: while {@code queued.max.requests} requests are in flight (read, not yet answered) or
 * more than the channel's write-buffer high water mark of responses waits unsent, the
 * {@link FrameDecoder} is paused, so the broker stops reading this connection; it resumes when both
 * drop (the write buffer below its low water mark).
 *
 * <p>A frame that cannot be framed or decoded closes this connection only, with a log line, after the
 * requests before it are answered. A connection with nothing in flight that is idle for
 * connections.max.idle.ms is closed.
 *
 * <p>On a SASL listener the connection's {@link SaslSession} decides which requests may be served (before
 * authentication: ApiVersions, SaslHandshake, SaslAuthenticate; any other closes the connection) and asks for the
 * close after a failed handshake or authentication has been answered.
 */
final class ConnectionHandler extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(ConnectionHandler.class);

    private final HandlerRegistry registry;
    private final String listenerName;
    private final int maxInFlight;
    private final FrameDecoder frames;
    private final ArrayDeque<Slot> pending = new ArrayDeque<>();
    private ChannelHandlerContext ctx;
    /** A malformed frame arrived: answer what came before it, then close. */
    private boolean closing;
    /** A quota throttled this client: nothing is read before this System.nanoTime() (KIP-219 muting). */
    private long mutedUntilNanos;
    private boolean muted;

    private static final class Slot {
        final int correlationId;
        final ApiKeys api;          // null for an unknown api key
        final short version;
        boolean done;
        Message response;           // null with done = no response (acks=0)
        short encodeVersion;
        short headerVersion;
        /** request_percentage: counted for this client (null: no quotas, or an exempt request). */
        String quotaPrincipal;
        String quotaClientId;
        /** Network-thread time of decoding and the synchronous part of handling. */
        long handleNanos;

        /** The bare answer to a bare SASL token (after SaslHandshake v0): written with its size and nothing else. */
        byte[] rawSaslToken;

        Slot(RequestHeader header, ApiKeys api) {
            this.correlationId = header.correlationId();
            this.api = api;
            this.version = header.apiVersion();
        }

        Slot(byte[] rawSaslToken) {
            this.correlationId = -1;
            this.api = null;
            this.version = 0;
            this.rawSaslToken = rawSaslToken;
            this.done = true;
        }

        String name() {
            return api == null ? "unknown api" : api.displayName;
        }
    }

    /** Frames of requests handed to handlers, released on completion (or at shutdown if never completed). */
    private final InFlightFrames inFlight;

    /** The SASL state of this connection on a SASL listener, else null. */
    private final SaslSession sasl;
    /** Whether the connection speaks TLS (SSL, SASL_SSL): fetched file data is then copied, not sent zero-copy. */
    private final boolean tls;
    /** ssl.principal.mapping.rules of an SSL listener; null on PLAINTEXT and SASL listeners (the SASL principal wins). */
    private final SslPrincipalMapper principalMapper;
    /** The connection's principal from TLS (Kafka's User:name); set when the TLS handshake completes. */
    private String principal = RequestContext.ANONYMOUS;

    ConnectionHandler(HandlerRegistry registry, String listenerName, int maxInFlight, FrameDecoder frames, InFlightFrames inFlight,
                      boolean tls, SslPrincipalMapper principalMapper, SaslSession sasl) {
        this.sasl = sasl;
        this.tls = tls;
        this.inFlight = inFlight;
        this.principalMapper = principalMapper;
        this.registry = registry;
        this.listenerName = listenerName;
        this.maxInFlight = maxInFlight;
        this.frames = frames;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof FrameDecoder.BadFrame bad) {
            closeAfterPending(bad.reason());
            return;
        }
        ByteBuf frame = (ByteBuf) msg;
        if (closing) {
            frame.release();
            return;
        }
        if (sasl != null && sasl.awaitsRawToken()) {
            rawSaslToken(frame);
            return;
        }
        long started = System.nanoTime();
        boolean handedOff = false;
        try {
            ByteBufferReadable in = new ByteBufferReadable(frame.nioBuffer());
            RequestHeader header;
            try {
                header = RequestHeader.read(in);
            } catch (RuntimeException e) { // MalformedMessageException, or a buffer underflow on a truncated frame
                closeAfterPending("malformed request header: " + e);
                return;
            }
            ApiKeys api = ApiKeys.forId(header.apiKey());
            String refused = sasl == null ? null : sasl.refusal(api, System.nanoTime());
            if (refused != null) {
                closeAfterPending(refused);
                return;
            }
            ApiHandler<ApiMessage, ApiMessage> handler = api == null ? null : registry.get(api);
            if (handler == null || !api.isVersionSupported(header.apiVersion())) {
                unsupported(header, api);
                return;
            }
            ApiMessage request = api.newRequest();
            try {
                request.read(in, header.apiVersion());
            } catch (RuntimeException e) { // MalformedMessageException, IllegalArgumentException, buffer underflow
                closeAfterPending("malformed " + api.displayName + " v" + header.apiVersion() + " request: " + e);
                return;
            }
            Slot slot = new Slot(header, api);
            pending.add(slot);
            RequestContext rc = new RequestContext(header, api, ctx.channel().remoteAddress(), listenerName, System.nanoTime(),
                    principal, sasl, registry.authorization());
            CompletableFuture<ApiMessage> future;
            try {
                future = handler.handle(rc, request);
            } catch (RuntimeException e) {
                future = CompletableFuture.failedFuture(e);
            }
            if (registry.quotas() != null && !io.runnel.broker.quota.QuotaHandlers.exemptFromRequestQuota(api, request, header.apiVersion())) {
                slot.quotaPrincipal = rc.principal();
                slot.quotaClientId = rc.clientId();
                slot.handleNanos = System.nanoTime() - started;
            }
            handedOff = true;
            InFlightFrames.Entry held = inFlight.add(frame, api.displayName + " v" + header.apiVersion());
            future.whenComplete((resp, err) -> {
                inFlight.release(held);
                if (ctx.executor().inEventLoop()) {
                    complete(slot, resp, err);
                } else {
                    ctx.executor().execute(() -> complete(slot, resp, err));
                }
            });
        } finally {
            if (!handedOff) frame.release();
        }
        updateReading();
    }

    /** A bare SASL token after SaslHandshake v0: answered in a bare frame; a failure closes without an answer, as Kafka. */
    private void rawSaslToken(ByteBuf frame) {
        byte[] token;
        try {
            token = io.netty.buffer.ByteBufUtil.getBytes(frame);
        } finally {
            frame.release();
        }
        byte[] reply = sasl.authenticateRaw(token, System.nanoTime());
        if (reply == null) {
            closeAfterPending(sasl.closeReason());
            return;
        }
        pending.add(new Slot(reply));
        if (sasl.principal() != null) frames.liftPreAuthLimit();
        drain();
    }

    private void closeAfterPending(String reason) {
        if (closing) return;
        log.warn("Closing connection from {}: {}", ctx.channel().remoteAddress(), reason);
        closing = true;
        frames.stop();
        drain();
    }

    /**
     * Unknown api, or a version outside what we serve: answer UNSUPPORTED_VERSION, keep the connection.
     * ApiVersions gets its v0 response listing what we support (clients retry with it); any other api
     * gets response header v0 and the error code alone.
     */
    private void unsupported(RequestHeader header, ApiKeys api) {
        log.debug("Unsupported request from {}: api {} version {}", ctx.channel().remoteAddress(), header.apiKey(), header.apiVersion());
        Slot slot = new Slot(header, api);
        if (api == ApiKeys.API_VERSIONS) {
            ApiVersionsResponse resp = ApiVersionsHandler.supported(registry);
            resp.errorCode = Errors.UNSUPPORTED_VERSION.code();
            slot.response = resp;
            slot.encodeVersion = 0;
            slot.headerVersion = api.responseHeaderVersion((short) 0);
        } else {
            ErrorCodeOnlyResponse resp = new ErrorCodeOnlyResponse();
            resp.errorCode = Errors.UNSUPPORTED_VERSION.code();
            slot.response = resp;
            slot.encodeVersion = 0;
            slot.headerVersion = 0;
        }
        slot.done = true;
        pending.add(slot);
        drain();
    }

    private void complete(Slot slot, ApiMessage resp, Throwable err) {
        if (err != null) {
            log.error("Closing connection from {}: {} v{} failed", ctx.channel().remoteAddress(), slot.name(), slot.version, err);
            pending.clear();
            frames.stop();
            ctx.close();
            return;
        }
        slot.response = resp;
        slot.encodeVersion = slot.version;
        slot.headerVersion = slot.api.responseHeaderVersion(slot.version);
        slot.done = true;
        if (slot.quotaPrincipal != null) {
            // request_percentage: the time this request took on the network thread so far; over the quota the
            // response carries the larger of this and any other quota's throttle time
            io.runnel.broker.handler.ThrottleTime.raise(resp, registry.quotas().recordRequestTimeAndGetThrottleMs(slot.quotaPrincipal, slot.quotaClientId,
                    slot.handleNanos));
        }
        int throttleMs = io.runnel.broker.handler.ThrottleTime.timeMs(resp);
        if (throttleMs > 0) mute(throttleMs);
        if (sasl != null && sasl.closeReason() != null) {
            closeAfterPending(sasl.closeReason()); // answers the failed SASL step first
            return;
        }
        if (sasl != null && sasl.principal() != null) frames.liftPreAuthLimit(); // sasl.server.max.receive.size no more
        drain();
    }

    private void drain() {
        if (!ctx.channel().isActive()) {
            pending.clear();
            return;
        }
        boolean wrote = false;
        while (!pending.isEmpty() && pending.peek().done) {
            Slot s = pending.poll();
            if (s.rawSaslToken != null) {
                ByteBuf raw = ctx.alloc().buffer(4 + s.rawSaslToken.length);
                raw.writeInt(s.rawSaslToken.length).writeBytes(s.rawSaslToken);
                ctx.write(raw, ctx.voidPromise());
                wrote = true;
            } else if (s.response != null) {
                if (!writeResponse(s)) return;
                wrote = true;
            }
        }
        if (closing && pending.isEmpty()) {
            ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        if (wrote) ctx.flush();
        updateReading();
    }

    /**
     * A response told the client to wait {@code throttleMs} (a quota): like Kafka (KIP-219), the broker answers at
     * once and reads nothing more from the connection for that long.
     */
    private void mute(int throttleMs) {
        long until = System.nanoTime() + throttleMs * 1_000_000L;
        if (muted) {
            if (until - mutedUntilNanos > 0) mutedUntilNanos = until; // the pending unmute waits for the later end
            return;
        }
        mutedUntilNanos = until;
        muted = true;
        ctx.executor().schedule(this::unmuteWhenDue, throttleMs, java.util.concurrent.TimeUnit.MILLISECONDS);
        updateReading();
    }

    private void unmuteWhenDue() {
        long left = mutedUntilNanos - System.nanoTime();
        if (left > 0) {
            ctx.executor().schedule(this::unmuteWhenDue, left, java.util.concurrent.TimeUnit.NANOSECONDS);
            return;
        }
        muted = false;
        updateReading();
    }

    /** Pauses reading while too much is in flight or unsent, or while muted by a quota; resumes when none is. */
    private void updateReading() {
        if (closing) return;
        if (muted || pending.size() >= maxInFlight || !ctx.channel().isWritable()) {
            frames.pause();
        } else {
            frames.resume();
        }
    }

    private boolean writeResponse(Slot s) {
        // TLS must encrypt every byte, so a fetch's file data cannot be sent with sendfile: it is copied into pooled buffers
        long started = s.quotaPrincipal == null ? 0 : System.nanoTime(); // request_percentage only
        NettyWritable out = new NettyWritable(ctx.alloc(), 256, !tls);
        try {
            RequestHeader.writeResponseHeader(out, s.correlationId, s.headerVersion);
            s.response.write(out, s.encodeVersion);
        } catch (RuntimeException e) {
            out.discard();
            log.error("Closing connection from {}: could not encode {} v{} response", ctx.channel().remoteAddress(), s.name(), s.version, e);
            pending.clear();
            frames.stop();
            ctx.close();
            return false;
        }
        List<Object> chunks = out.finish();
        for (Object c : chunks) ctx.write(c, ctx.voidPromise());
        // request_percentage: encoding and handing the response to the channel count towards the client's next requests
        if (s.quotaPrincipal != null) registry.quotas().recordRequestTime(s.quotaPrincipal, s.quotaClientId, System.nanoTime() - started);
        return true;
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        updateReading();
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof SslHandshakeCompletionEvent done) {
            if (done.isSuccess()) {
                onHandshake(ctx);
            } else {
                // the SslHandler closes the connection; a client that does not trust us, or has no certificate when one is required
                Throwable cause = done.cause();
                // a client that closes mid-handshake leaves a ClosedChannelException without a message
                String why = cause == null ? "?" : cause.getMessage() != null ? cause.getMessage()
                        : cause instanceof java.nio.channels.ClosedChannelException ? "the client closed the connection" : cause.toString();
                // a plaintext client's bytes come hex-dumped in Netty's message: keep the line short
                if (why.length() > 160) why = why.substring(0, 160) + "...";
                log.info("TLS handshake with {} on listener {} failed: {}", ctx.channel().remoteAddress(), listenerName, why);
            }
            ctx.fireUserEventTriggered(evt);
            return;
        }
        if (evt instanceof IdleStateEvent) {
            if (pending.isEmpty()) {
                log.debug("Closing connection from {}: idle for connections.max.idle.ms", ctx.channel().remoteAddress());
                ctx.close();
            }
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    /** The principal of the client certificate, if any (Kafka: User:ANONYMOUS without one); no applicable rule closes. */
    private void onHandshake(ChannelHandlerContext ctx) {
        if (principalMapper == null) return; // SASL_SSL: the principal comes from SASL authentication
        SslHandler tls = ctx.pipeline().get(SslHandler.class);
        SSLSession session = tls.engine().getSession();
        java.security.cert.Certificate[] peer;
        try {
            peer = session.getPeerCertificates();
        } catch (SSLPeerUnverifiedException e) {
            principal = RequestContext.ANONYMOUS;
            return;
        }
        if (peer.length == 0 || !(peer[0] instanceof X509Certificate cert)) return;
        String dn = cert.getSubjectX500Principal().getName();
        try {
            principal = "User:" + principalMapper.map(dn);
        } catch (SslPrincipalMapper.NoMatchingRuleException e) {
            log.warn("Closing connection from {} on listener {}: {}", ctx.channel().remoteAddress(), listenerName, e.getMessage());
            frames.stop();
            ctx.close();
            return;
        }
        log.debug("TLS connection from {} on listener {}: {} ({})", ctx.channel().remoteAddress(), listenerName, principal,
                session.getProtocol());
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        pending.clear();
        super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof IOException) {
            log.debug("Connection from {} closed: {}", ctx.channel().remoteAddress(), cause.getMessage());
        } else {
            log.warn("Closing connection from {}", ctx.channel().remoteAddress(), cause);
        }
        ctx.close();
    }
}
