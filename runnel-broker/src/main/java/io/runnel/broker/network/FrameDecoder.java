package io.runnel.broker.network;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;

/**
 * Splits the inbound byte stream into Kafka request frames (int32 size, then size bytes). A size
 * below the minimal header or above socket.request.max.bytes closes this connection only, with a
 * log line naming the peer.
 */
final class FrameDecoder extends ByteToMessageDecoder {
    private static final Logger log = LoggerFactory.getLogger(FrameDecoder.class);
    /** api key + api version + correlation id. */
    private static final int MIN_FRAME = 8;

    private final int maxFrameBytes;

    FrameDecoder(int maxFrameBytes) {
        this.maxFrameBytes = maxFrameBytes;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        while (in.readableBytes() >= 4) {
            int size = in.getInt(in.readerIndex());
            if (size < MIN_FRAME || size > maxFrameBytes) {
                log.warn("Closing connection from {}: request size {} is {} (socket.request.max.bytes={})",
                        ctx.channel().remoteAddress(), size, size < MIN_FRAME ? "too small for a request header" : "larger than allowed", maxFrameBytes);
                in.skipBytes(in.readableBytes());
                ctx.close();
                return;
            }
            if (in.readableBytes() < 4 + size) return;
            in.skipBytes(4);
            out.add(in.readRetainedSlice(size));
        }
    }
}
