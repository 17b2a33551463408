package io.runnel.quorum;

import java.util.function.LongSupplier;

/**
 * Kafka's two snapshot triggers: a snapshot is due once {@code maxBytes} bytes of metadata entries
 * were applied after the newest snapshot ({@code metadata.log.max.record.bytes.between.snapshots}), or
 * once {@code intervalMs} passed since it and at least one entry was applied
 * ({@code metadata.log.max.snapshot.interval.ms}; 0 disables this trigger). Time comes from an
 * injected clock. Thread-safe: the apply thread counts bytes, a timer thread asks {@link #due()}.
 */
public final class SnapshotPolicy {
    private final long maxBytes;
    private final long intervalMs;
    private final LongSupplier clockMs;
    private long bytesSince;
    private long lastSnapshotMs;

    public SnapshotPolicy(long maxBytes, long intervalMs, LongSupplier clockMs) {
        if (maxBytes < 1) throw new IllegalArgumentException("maxBytes must be positive: " + maxBytes);
        if (intervalMs < 0) throw new IllegalArgumentException("intervalMs must not be negative: " + intervalMs);
        this.maxBytes = maxBytes;
        this.intervalMs = intervalMs;
        this.clockMs = clockMs;
        this.lastSnapshotMs = clockMs.getAsLong();
    }

    /** An entry of {@code bytes} bytes was applied. */
    public synchronized void applied(long bytes) {
        bytesSince += bytes;
    }

    /** A snapshot of everything applied so far was taken (or loaded). */
    public synchronized void snapshotTaken() {
        bytesSince = 0;
        lastSnapshotMs = clockMs.getAsLong();
    }

    /** Whether a snapshot should be taken now. */
    public synchronized boolean due() {
        if (bytesSince >= maxBytes) return true;
        return intervalMs > 0 && bytesSince > 0 && clockMs.getAsLong() - lastSnapshotMs >= intervalMs;
    }

    /** Bytes applied after the newest snapshot. */
    public synchronized long bytesSinceSnapshot() {
        return bytesSince;
    }
}
