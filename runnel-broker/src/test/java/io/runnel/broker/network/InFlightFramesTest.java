package io.runnel.broker.network;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class InFlightFramesTest {
    @Test
    void answeredFramesAreReleasedOnceAndAbandonedOnesAtShutdown() {
        InFlightFrames frames = new InFlightFrames();
        // equal contents: entries must still be told apart
        ByteBuf answered = Unpooled.buffer(4).writeInt(7);
        ByteBuf abandoned = Unpooled.buffer(4).writeInt(7);
        InFlightFrames.Entry a = frames.add(answered, "Produce v11");
        InFlightFrames.Entry b = frames.add(abandoned, "Fetch v17");
        assertThat(frames.size()).isEqualTo(2);

        frames.release(a);
        assertThat(answered.refCnt()).isZero();
        assertThat(frames.size()).isEqualTo(1);

        assertThat(frames.releaseAbandoned()).containsExactly("Fetch v17");
        assertThat(abandoned.refCnt()).isZero();
        assertThat(frames.size()).isZero();

        // a handler completing after shutdown released its frame: no second release (it would throw)
        frames.release(b);
        frames.release(a);
        assertThat(frames.releaseAbandoned()).isEmpty();
    }
}
