package io.runnel.common;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.HashSet;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class LoopbackPortsTest {
    @Test
    void portsAreDistinctBindableAndBelowTheEphemeralRange() throws Exception {
        Set<Integer> seen = new HashSet<>();
        for (int i = 0; i < 50; i++) {
            int port = LoopbackPorts.free();
            assertThat(seen.add(port)).as("port %d handed out twice", port).isTrue();
            assertThat(port).isLessThan(LoopbackPorts.ephemeralLow());
            try (ServerSocket s = new ServerSocket()) {
                s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
                assertThat(s.getLocalPort()).isEqualTo(port);
            }
        }
    }

    @Test
    void aPortSomebodyListensOnIsNotHandedOut() throws Exception {
        // hold many ports below the range; none of them may come back
        Set<Integer> held = new HashSet<>();
        java.util.List<ServerSocket> sockets = new java.util.ArrayList<>();
        try {
            for (int i = 0; i < 20; i++) {
                int port = LoopbackPorts.free();
                ServerSocket s = new ServerSocket();
                s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
                sockets.add(s);
                held.add(port);
            }
            for (int i = 0; i < 100; i++) assertThat(held).doesNotContain(LoopbackPorts.free());
        } finally {
            for (ServerSocket s : sockets) s.close();
        }
    }
}
