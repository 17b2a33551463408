package io.runnel.broker.network;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * How {@link FrameDecoder} gathers a frame that arrives in pieces: grown once to the announced frame, bounded ahead of
 * what arrived, every piece released, and the bytes kept in order.
 */
class FrameCumulationTest {
    private final ByteBufAllocator alloc = new PooledByteBufAllocator(true);

    @Test
    void aLargeFrameIsGrownOnceToItsAnnouncedSize() {
        int size = 131_200; // a 128 KiB producer batch and its request header
        List<ByteBuf> pieces = pieces(frame(size), 65_536);
        assertThat(pieces).hasSize(3);
        ByteBuf cum = pieces.get(0);
        cum = FrameDecoder.cumulate(alloc, cum, pieces.get(1));
        assertThat(cum.capacity()).isGreaterThanOrEqualTo(4 + size);
        ByteBuf afterSecond = cum;
        cum = FrameDecoder.cumulate(alloc, cum, pieces.get(2));
        assertThat(cum).as("the last piece is appended in place").isSameAs(afterSecond);
        assertThat(cum.readableBytes()).isEqualTo(4 + size);
        assertThat(cum.getInt(0)).isEqualTo(size);
        for (int i = 4; i < 4 + size; i++) assertThat(cum.getByte(i)).isEqualTo((byte) i);
        for (ByteBuf p : pieces) assertThat(p.refCnt()).isZero();
        cum.release();
    }

    @Test
    void anAnnouncedSizeAloneCannotMakeTheBrokerHoldMemory() {
        ByteBuf first = alloc.buffer(64);
        first.writeInt(100 << 20).writeBytes(new byte[60]);
        ByteBuf second = alloc.buffer(65_536).writeBytes(new byte[65_536]);
        ByteBuf cum = FrameDecoder.cumulate(alloc, first, second);
        assertThat(cum.readableBytes()).isEqualTo(64 + 65_536);
        assertThat(cum.capacity()).isLessThanOrEqualTo(64 + 65_536 + FrameDecoder.MAX_AHEAD_BYTES);
        cum.release();
    }

    @Test
    void aCumulationStillSharedWithAFrameInFlightIsCopiedNotWrittenInto() {
        ByteBuf cum = alloc.buffer(1024);
        cum.writeInt(8).writeLong(42L).writeInt(16).writeInt(7); // one whole frame, then the start of the next
        cum.skipBytes(12);
        ByteBuf inFlight = cum.retainedSlice(4, 8); // the first frame, still being processed
        ByteBuf rest = alloc.buffer(16).writeBytes(new byte[12]);
        ByteBuf grown = FrameDecoder.cumulate(alloc, cum, rest);
        assertThat(grown).isNotSameAs(cum);
        assertThat(grown.readableBytes()).isEqualTo(20);
        assertThat(grown.getInt(grown.readerIndex())).isEqualTo(16);
        assertThat(inFlight.getLong(0)).as("the frame in flight is untouched").isEqualTo(42L);
        assertThat(rest.refCnt()).isZero();
        inFlight.release();
        assertThat(cum.refCnt()).isZero();
        grown.release();
    }

    private static byte[] frame(int size) {
        byte[] b = new byte[4 + size];
        b[0] = (byte) (size >>> 24);
        b[1] = (byte) (size >>> 16);
        b[2] = (byte) (size >>> 8);
        b[3] = (byte) size;
        for (int i = 4; i < b.length; i++) b[i] = (byte) i;
        return b;
    }

    private List<ByteBuf> pieces(byte[] bytes, int piece) {
        List<ByteBuf> out = new ArrayList<>();
        for (int off = 0; off < bytes.length; off += piece) {
            int n = Math.min(piece, bytes.length - off);
            ByteBuf b = alloc.buffer(n, n); // as a socket read fills its buffer: no room left
            b.writeBytes(bytes, off, n);
            out.add(b);
        }
        return out;
    }
}
