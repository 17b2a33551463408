package io.runnel.it;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The leak check of every test class ({@link NettyLeakCheck}) catches a leak: here, one made on purpose. */
class NettyLeakCheckIT {

    @Test
    void aDeliberateLeakIsReported() {
        assertThat(ResourceLeakDetector.getLevel()).isEqualTo(ResourceLeakDetector.Level.PARANOID);
        NettyLeakCheck.collectLeaks(); // start clean
        leakOneBuffer();
        List<String> leaks = List.of();
        for (int i = 0; i < 20 && leaks.isEmpty(); i++) leaks = NettyLeakCheck.collectLeaks();
        assertThat(leaks).as("the leak made by leakOneBuffer").anySatisfy(r -> assertThat(r)
                .startsWith("LEAK: ByteBuf.release() was not called")
                .contains(NettyLeakCheckIT.class.getName() + ".leakOneBuffer"));
        // collectLeaks forgot the reports, so this class's own after-all check passes
    }

    private static void leakOneBuffer() {
        ByteBuf b = PooledByteBufAllocator.DEFAULT.directBuffer(64);
        b.writeLong(42);
        // never released: the reference is dropped here
    }
}
