package io.runnel.broker.partition;

import io.runnel.common.Time;

/**
 * A replication throttle: bytes per second measured over the last {@code windows} samples of {@code windowMs}
 * (Kafka's replication.quota.window.num and .size.seconds), against a limit that can change at run time
 * (leader.replication.throttled.rate / follower.replication.throttled.rate). {@link Long#MAX_VALUE} is no limit.
 * Thread-safe.
 */
final class ReplicationQuota {
    private final Time time;
    private final long windowMs;
    private final long[] bytes;
    private final long[] starts;
    private volatile long limit = Long.MAX_VALUE;

    ReplicationQuota(Time time, int windows, long windowMs) {
        this.time = time;
        this.windowMs = windowMs;
        this.bytes = new long[windows];
        this.starts = new long[windows];
        java.util.Arrays.fill(starts, -1);
    }

    void setLimit(long bytesPerSecond) {
        limit = bytesPerSecond;
    }

    long limit() {
        return limit;
    }

    synchronized void record(long n) {
        if (limit == Long.MAX_VALUE || n <= 0) return;
        long now = time.milliseconds();
        int i = (int) ((now / windowMs) % bytes.length);
        long start = now - now % windowMs;
        if (starts[i] != start) {
            starts[i] = start;
            bytes[i] = 0;
        }
        bytes[i] += n;
    }

    /** Whether the measured rate is above the limit. */
    synchronized boolean isExceeded() {
        long l = limit;
        if (l == Long.MAX_VALUE) return false;
        long now = time.milliseconds();
        long oldest = now - (long) bytes.length * windowMs;
        long total = 0;
        long first = Long.MAX_VALUE;
        for (int i = 0; i < bytes.length; i++) {
            if (starts[i] >= 0 && starts[i] > oldest) {
                total += bytes[i];
                first = Math.min(first, starts[i]);
            }
        }
        if (total == 0) return false;
        // as Kafka's rate: over the time the samples cover, at least all but one window
        long elapsed = Math.max(now - first, (bytes.length - 1) * windowMs);
        return total * 1000.0 / elapsed > l;
    }
}
