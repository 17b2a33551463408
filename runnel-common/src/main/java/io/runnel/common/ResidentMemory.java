package io.runnel.common;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The resident set size of this process ({@code VmRSS} in {@code /proc/self/status}), for start-up and
 * diagnostic log lines. Linux only; elsewhere it is unknown.
 */
public final class ResidentMemory {
    private static final Path STATUS = Path.of("/proc/self/status");

    private ResidentMemory() {
    }

    /** The resident set size in bytes, or -1 when it cannot be read. */
    public static long bytes() {
        try {
            for (String line : Files.readAllLines(STATUS)) {
                if (line.startsWith("VmRSS:")) {
                    String kib = line.substring("VmRSS:".length()).trim().split("\\s+")[0];
                    return Long.parseLong(kib) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux, or an unexpected format: unknown
        }
        return -1;
    }

    /** "123 MiB", or "unknown". */
    public static String describe() {
        long b = bytes();
        return b < 0 ? "unknown" : (b >> 20) + " MiB";
    }
}
