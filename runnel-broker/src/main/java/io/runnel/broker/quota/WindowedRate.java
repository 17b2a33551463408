package io.runnel.broker.quota;

import io.runnel.common.Time;

/**
 * A rate per second over the last {@code samples} windows of {@code windowMs} (Kafka's quota.window.num and
 * quota.window.size.seconds), measured as Kafka measures a rate: the total of the live samples divided by the time
 * they cover, which counts at least {@code samples - 1} whole windows (so a first burst is not divided by a few
 * milliseconds). A sample older than all the windows is dropped. Thread-safe.
 */
final class WindowedRate {
    private final Time time;
    private final long windowMs;
    private final double[] values;
    private final long[] starts;
    private int current;
    private boolean started;

    WindowedRate(Time time, int samples, long windowMs) {
        if (samples < 1) throw new IllegalArgumentException("quota.window.num must be at least 1, was " + samples);
        if (windowMs < 1) throw new IllegalArgumentException("quota window must be at least 1 ms, was " + windowMs);
        this.time = time;
        this.windowMs = windowMs;
        this.values = new double[samples];
        this.starts = new long[samples];
        this.lastRecordMs = time.milliseconds();
    }

    /** When a value was last recorded (or the rate created): an idle rate is dropped by its manager. */
    private volatile long lastRecordMs;

    synchronized void record(double value) {
        long now = time.milliseconds();
        lastRecordMs = now;
        if (!started) {
            started = true;
            java.util.Arrays.fill(starts, now);
            starts[current] = now;
        } else if (now >= starts[current] + windowMs) {
            current = (current + 1) % values.length;
            starts[current] = now;
            values[current] = 0;
        }
        values[current] += value;
    }

    /** The time of the last {@link #record}, or of the creation when nothing was recorded yet. */
    long lastRecordMs() {
        return lastRecordMs;
    }

    /** Takes back a recorded value (a fetch answered empty because it was throttled). */
    synchronized void unrecord(double value) {
        if (started) values[current] = Math.max(0, values[current] - value);
    }

    /** The rate per second now. */
    synchronized double rate() {
        long now = time.milliseconds();
        return total(now) * 1000.0 / windowSizeMs(now);
    }

    /** The time the live samples cover, at least all windows but one (Kafka's Rate window size). */
    synchronized long windowSizeMs() {
        return windowSizeMs(time.milliseconds());
    }

    private double total(long now) {
        purge(now);
        double sum = 0;
        for (double v : values) sum += v;
        return sum;
    }

    private long windowSizeMs(long now) {
        purge(now);
        long oldest = now;
        for (long s : starts) oldest = Math.min(oldest, s);
        long elapsed = now - oldest;
        long fullWindows = elapsed / windowMs;
        long minFull = values.length - 1;
        if (fullWindows < minFull) elapsed += (minFull - fullWindows) * windowMs;
        return Math.max(elapsed, 1);
    }

    /** Samples that ended before the oldest window still counted are emptied and restart now. */
    private void purge(long now) {
        long expireAge = (long) values.length * windowMs;
        for (int i = 0; i < values.length; i++) {
            if (now - starts[i] >= expireAge) {
                starts[i] = now;
                values[i] = 0;
            }
        }
    }

    /**
     * Kafka's throttle time for a rate over {@code quota}: how long until the measured rate falls back to the
     * quota, {@code (rate - quota) / quota * windowSize}; 0 when the rate is within the quota.
     */
    synchronized long throttleMs(double quota) {
        long now = time.milliseconds();
        double rate = total(now) * 1000.0 / windowSizeMs(now);
        if (rate <= quota) return 0;
        return (long) ((rate - quota) / quota * windowSizeMs(now));
    }
}
