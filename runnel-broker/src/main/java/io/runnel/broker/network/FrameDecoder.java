package io.runnel.broker.network;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.ByteToMessageDecoder;

/**
 * Splits the inbound byte stream into Kafka request frames (int32 size, then size bytes) and passes
 * each on as a retained slice, until {@link #pause() paused}.
 *
 * <p>Backpressure: while paused no frame is passed on and the channel stops reading from the socket
 * (autoRead off), so a client that pipelines requests without reading the responses is held back by
 * TCP, and what the broker holds for it is bounded by what it had already read (one read batch).
 * {@link #resume()} first passes on the frames already buffered, then reads again.
 *
 * <p>A size below the minimal header or above socket.request.max.bytes is passed on as a
 * {@link BadFrame} (so the connection can first answer the requests before it) and nothing more is
 * read. Event-loop confined.
 */
final class FrameDecoder extends ChannelInboundHandlerAdapter {
    /** api key + api version + correlation id. */
    private static final int MIN_FRAME = 8;

    /** The stream cannot be framed from here on; the reason names the size and the limit. */
    record BadFrame(String reason) {
    }

    private final int maxFrameBytes;
    /** A lower limit until {@link #liftPreAuthLimit()}: sasl.server.max.receive.size before SASL authentication; 0: none. */
    private int preAuthLimit;
    private ChannelHandlerContext ctx;
    private ByteBuf cumulation;
    private boolean paused;
    private boolean emitting;
    private boolean failed;

    FrameDecoder(int maxFrameBytes) {
        this.maxFrameBytes = maxFrameBytes;
    }

    /** Limits frames to {@code bytes} until {@link #liftPreAuthLimit()} (a SASL connection before authentication). */
    void preAuthLimit(int bytes) {
        preAuthLimit = bytes;
    }

    /** The connection authenticated: socket.request.max.bytes is the limit again. */
    void liftPreAuthLimit() {
        preAuthLimit = 0;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf in = (ByteBuf) msg;
        if (failed) {
            in.release();
            return;
        }
        cumulation = cumulation == null ? in : ByteToMessageDecoder.MERGE_CUMULATOR.cumulate(ctx.alloc(), cumulation, in);
        emit();
    }

    /** Stops passing frames on and reading from the socket. */
    void pause() {
        if (paused) return;
        paused = true;
        ctx.channel().config().setAutoRead(false);
    }

    /** Passes on the buffered frames, then reads from the socket again (unless paused meanwhile). */
    void resume() {
        if (!paused || failed) return;
        paused = false;
        emit();
        if (!paused && !failed) ctx.channel().config().setAutoRead(true);
    }

    /** Stops for good: nothing more is read or passed on (the connection is closing). */
    void stop() {
        failed = true;
        ctx.channel().config().setAutoRead(false);
        releaseCumulation();
    }

    private void emit() {
        if (emitting) return; // resume() from inside a frame's processing: the running loop goes on
        emitting = true;
        try {
            while (!paused && !failed && cumulation != null && cumulation.readableBytes() >= 4) {
                int size = cumulation.getInt(cumulation.readerIndex());
                boolean preAuth = preAuthLimit > 0 && preAuthLimit < maxFrameBytes;
                int limit = preAuth ? preAuthLimit : maxFrameBytes;
                if (size < MIN_FRAME || size > limit) {
                    String reason = "request size " + size + " is " + (size < MIN_FRAME ? "too small for a request header"
                            : "larger than allowed") + (preAuth ? " before SASL authentication (sasl.server.max.receive.size="
                            : " (socket.request.max.bytes=") + limit + ")";
                    stop();
                    ctx.fireChannelRead(new BadFrame(reason));
                    return;
                }
                if (cumulation.readableBytes() < 4 + size) break;
                cumulation.skipBytes(4);
                ctx.fireChannelRead(cumulation.readRetainedSlice(size));
            }
        } finally {
            emitting = false;
        }
        if (cumulation != null && !cumulation.isReadable()) {
            releaseCumulation();
        } else if (cumulation != null && cumulation.refCnt() == 1) {
            // only when no frame slice shares the memory any more: compaction moves bytes
            cumulation.discardSomeReadBytes();
        }
    }

    private void releaseCumulation() {
        if (cumulation != null) {
            cumulation.release();
            cumulation = null;
        }
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        releaseCumulation();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        releaseCumulation();
        ctx.fireChannelInactive();
    }
}
