package io.runnel.broker.network;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.runnel.broker.handler.ApiHandler;
import io.runnel.broker.handler.ApiVersionsHandler;
import io.runnel.broker.handler.HandlerRegistry;
import io.runnel.common.Errors;
import io.runnel.protocol.ApiKeys;
import io.runnel.protocol.ApiMessage;
import io.runnel.protocol.ByteBufferReadable;
import io.runnel.protocol.MalformedMessageException;
import io.runnel.protocol.RequestHeader;
import io.runnel.protocol.message.ApiVersionsResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * One client connection: decodes each request frame, hands it to its API's handler, and writes the
 * responses strictly in request order (Kafka clients match responses to requests by order as well as by
 * correlation id), even when handlers complete out of order. Runs on the channel's event loop; handler
 * completions from other threads hop back onto it.
 *
 * <p>A frame that cannot be decoded closes this connection only, with a log line.
 */
final class ConnectionHandler extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(ConnectionHandler.class);

    private final HandlerRegistry registry;
    private final String listenerName;
    private final ArrayDeque<Slot> pending = new ArrayDeque<>();
    private ChannelHandlerContext ctx;

    private static final class Slot {
        final RequestHeader header;
        final ApiKeys api;
        boolean done;
        ApiMessage response;     // null with done = no response (acks=0)
        ByteBuf rawResponse;     // pre-encoded (error answers)

        Slot(RequestHeader header, ApiKeys api) {
            this.header = header;
            this.api = api;
        }
    }

    ConnectionHandler(HandlerRegistry registry, String listenerName) {
        this.registry = registry;
        this.listenerName = listenerName;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        this.ctx = ctx;
        super.channelActive(ctx);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf frame = (ByteBuf) msg;
        boolean handedOff = false;
        try {
            ByteBufferReadable in = new ByteBufferReadable(frame.nioBuffer());
            RequestHeader header;
            try {
                header = RequestHeader.read(in);
            } catch (MalformedMessageException e) {
                malformed(ctx, "request header", e);
                return;
            }
            ApiKeys api = ApiKeys.forId(header.apiKey());
            ApiHandler<ApiMessage, ApiMessage> handler = api == null ? null : registry.get(api);
            if (handler == null || !api.isVersionSupported(header.apiVersion())) {
                unsupported(header, api);
                return;
            }
            ApiMessage request = api.newRequest();
            try {
                request.read(in, header.apiVersion());
            } catch (MalformedMessageException | IllegalArgumentException e) {
                malformed(ctx, api.displayName + " v" + header.apiVersion() + " request", e);
                return;
            }
            Slot slot = new Slot(header, api);
            pending.add(slot);
            RequestContext rc = new RequestContext(header, api, ctx.channel().remoteAddress(), listenerName, System.nanoTime());
            CompletableFuture<ApiMessage> future;
            try {
                future = handler.handle(rc, request);
            } catch (RuntimeException e) {
                future = CompletableFuture.failedFuture(e);
            }
            handedOff = true;
            future.whenComplete((resp, err) -> {
                frame.release();
                if (ctx.executor().inEventLoop()) {
                    complete(slot, resp, err);
                } else {
                    ctx.executor().execute(() -> complete(slot, resp, err));
                }
            });
        } finally {
            if (!handedOff) frame.release();
        }
    }

    private void malformed(ChannelHandlerContext ctx, String what, Exception e) {
        log.warn("Closing connection from {}: malformed {}: {}", ctx.channel().remoteAddress(), what, e.getMessage());
        ctx.close();
    }

    /** Unknown api, or a version outside what we serve: answer UNSUPPORTED_VERSION, keep the connection. */
    private void unsupported(RequestHeader header, ApiKeys api) {
        log.debug("Unsupported request from {}: api {} version {}", ctx.channel().remoteAddress(), header.apiKey(), header.apiVersion());
        Slot slot = new Slot(header, api);
        if (api == ApiKeys.API_VERSIONS) {
            // Clients retry ApiVersions at the version the v0 error response tells them we support.
            ApiVersionsResponse resp = ApiVersionsHandler.supported(registry);
            resp.errorCode = Errors.UNSUPPORTED_VERSION.code();
            slot.response = resp;
            slot.done = true;
            pending.add(slot);
            drain();
            return;
        }
        ByteBuf buf = ctx.alloc().buffer(10);
        buf.writeInt(6);
        buf.writeInt(header.correlationId());
        buf.writeShort(Errors.UNSUPPORTED_VERSION.code());
        slot.rawResponse = buf;
        slot.done = true;
        pending.add(slot);
        drain();
    }

    private void complete(Slot slot, ApiMessage resp, Throwable err) {
        if (err != null) {
            log.error("Closing connection from {}: {} v{} failed", ctx.channel().remoteAddress(), slot.api.displayName,
                    slot.header.apiVersion(), err);
            ctx.close();
            return;
        }
        slot.response = resp;
        slot.done = true;
        drain();
    }

    private void drain() {
        boolean wrote = false;
        while (!pending.isEmpty() && pending.peek().done) {
            Slot s = pending.poll();
            if (s.rawResponse != null) {
                ctx.write(s.rawResponse, ctx.voidPromise());
                wrote = true;
            } else if (s.response != null) {
                writeResponse(s);
                wrote = true;
            }
        }
        if (wrote) ctx.flush();
    }

    private void writeResponse(Slot s) {
        short version = s.header.apiVersion();
        short encodeVersion = version;
        if (s.api == ApiKeys.API_VERSIONS && !s.api.isVersionSupported(version)) encodeVersion = 0;
        NettyWritable out = new NettyWritable(ctx.alloc(), 256, true);
        try {
            RequestHeader.writeResponseHeader(out, s.header.correlationId(), s.api.responseHeaderVersion(encodeVersion));
            s.response.write(out, encodeVersion);
        } catch (RuntimeException e) {
            out.discard();
            log.error("Closing connection from {}: could not encode {} v{} response", ctx.channel().remoteAddress(), s.api.displayName, version, e);
            ctx.close();
            return;
        }
        List<Object> chunks = out.finish();
        for (Object c : chunks) ctx.write(c, ctx.voidPromise());
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        for (Slot s : pending) {
            if (s.rawResponse != null) s.rawResponse.release();
        }
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
