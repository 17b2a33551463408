package io.runnel.broker.partition;

import io.netty.util.Timeout;

import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A fetch that had less than fetch.min.bytes to return and waits, up to fetch.max.wait.ms, for more
 * data to be appended to any of its partitions. It completes exactly once: when enough bytes arrive or
 * when the wait ends; {@code onComplete} then re-reads and answers. A read_committed fetch counts only bytes
 * that became stable (below the last stable offset), so an open transaction's appends do not wake it. A follower's
 * fetch counts appended bytes, a consumer's only bytes the high watermark has passed.
 */
public final class DelayedFetch {
    private final List<Partition> partitions;
    private final long bytesNeeded;
    private final AtomicLong bytesSeen = new AtomicLong();
    private final AtomicBoolean completed = new AtomicBoolean();
    private final boolean readCommitted;
    private final boolean follower;
    private final Runnable onComplete;
    private volatile Timeout timeout;

    DelayedFetch(List<Partition> partitions, long bytesNeeded, boolean readCommitted, boolean follower, Runnable onComplete) {
        this.partitions = partitions;
        this.bytesNeeded = bytesNeeded;
        this.readCommitted = readCommitted;
        this.follower = follower;
        this.onComplete = onComplete;
    }

    /** A follower's fetch reads up to the log end, so appends wake it; a consumer's waits for the high watermark. */
    boolean isFollower() {
        return follower;
    }

    void setTimeout(Timeout timeout) {
        this.timeout = timeout;
    }

    void onNewData(int bytes, int stableBytes) {
        int counted = readCommitted ? stableBytes : bytes;
        if (counted > 0 && bytesSeen.addAndGet(counted) >= bytesNeeded) complete();
    }

    /** Completes the fetch once; later calls do nothing. */
    void complete() {
        if (!completed.compareAndSet(false, true)) return;
        Timeout t = timeout;
        if (t != null) t.cancel();
        for (Partition p : partitions) p.removeWaiter(this);
        onComplete.run();
    }

    boolean isCompleted() {
        return completed.get();
    }
}
