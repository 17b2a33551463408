package io.runnel.broker.network;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

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
        cumulation = cumulation == null ? in : cumulate(ctx.alloc(), cumulation, in);
        emit();
    }

    /** How far beyond the bytes received the cumulation may grow ahead of a frame's announced size. */
    static final int MAX_AHEAD_BYTES = 1 << 20;

    /**
     * Appends {@code in} to {@code cum}. When {@code cum} must grow and begins with a frame's size, it grows to hold that
     * whole frame at once (at most {@link #MAX_AHEAD_BYTES} beyond what has arrived, so an announced size alone cannot
     * make the broker hold memory), and never less than Netty's own doubling: a 128 KiB request read in 64 KiB pieces is
     * copied once, where doubling copied it up to three times (about 3% of the broker's CPU in benchmark scenario (b)).
     */
    static ByteBuf cumulate(ByteBufAllocator alloc, ByteBuf cum, ByteBuf in) {
        int incoming = in.readableBytes();
        if (cum.refCnt() == 1 && !cum.isReadOnly() && cum.writableBytes() >= incoming) {
            cum.writeBytes(in);
            in.release();
            return cum;
        }
        int need = cum.readableBytes() + incoming;
        if (need < 0) { // over 2 GiB: the size check refuses such frames before this can happen
            in.release();
            throw new IllegalStateException("cumulation overflow");
        }
        long want = need;
        if (cum.readableBytes() >= 4) {
            long frame = 4L + Integer.toUnsignedLong(cum.getInt(cum.readerIndex()));
            want = Math.max(need, Math.min(frame, (long) need + MAX_AHEAD_BYTES));
        }
        ByteBuf grown = alloc.buffer((int) Math.max(want, alloc.calculateNewCapacity(need, Integer.MAX_VALUE)));
        try {
            grown.writeBytes(cum, cum.readerIndex(), cum.readableBytes());
            grown.writeBytes(in);
        } catch (Throwable t) {
            grown.release();
            in.release();
            throw t;
        }
        cum.release();
        in.release();
        return grown;
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
