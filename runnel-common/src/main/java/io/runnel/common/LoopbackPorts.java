package io.runnel.common;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Loopback ports for tests and benchmarks that start several nodes whose addresses must be known before
 * any of them binds (a quorum's voters). A port the kernel hands out for {@code bind(0)} comes from the
 * ephemeral range, the same range outgoing connections take their local ports from: a node that starts
 * first and connects to its peers can take a peer's port before the peer binds it. So these ports come from
 * below the ephemeral range, are free when handed out and are never handed out twice by one JVM.
 */
public final class LoopbackPorts {
    private static final Set<Integer> GIVEN = ConcurrentHashMap.newKeySet();
    private static final int LOWEST = 10_000;

    private LoopbackPorts() {
    }

    /** A loopback port nobody listens on now, below the kernel's ephemeral range. */
    public static int free() {
        int below = ephemeralLow();
        for (int attempt = 0; attempt < 200 && below > LOWEST + 1_000; attempt++) {
            int port = ThreadLocalRandom.current().nextInt(LOWEST, below);
            if (!GIVEN.add(port)) continue;
            if (bindable(port)) return port;
        }
        // an unusual range setting: fall back to the kernel's choice
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            GIVEN.add(s.getLocalPort());
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static boolean bindable(int port) {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** The low end of Linux's ephemeral port range (32768 when it cannot be read). */
    static int ephemeralLow() {
        // read line-wise: a whole-file read of this procfs file can come back truncated
        try (var in = Files.newBufferedReader(Path.of("/proc/sys/net/ipv4/ip_local_port_range"))) {
            return Integer.parseInt(in.readLine().trim().split("\\s+")[0]);
        } catch (IOException | RuntimeException e) {
            return 32_768;
        }
    }
}
