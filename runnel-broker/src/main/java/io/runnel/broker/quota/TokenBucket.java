package io.runnel.broker.quota;

import io.runnel.common.Time;

/**
 * Kafka's token bucket of controller_mutation_rate (KIP-599): it holds up to {@code rate * samples * windowSeconds}
 * tokens, starts full, refills at {@code rate} per second, and each mutation (a partition created or deleted) takes
 * one. It may go below zero (a request in progress is finished); while it is below zero the quota is exceeded and
 * the throttle time is how long the refill takes back to zero. Thread-safe.
 */
final class TokenBucket {
    private final Time time;
    private final int samples;
    private final long windowMs;
    private double tokens = Double.NaN;
    private long lastMs;

    TokenBucket(Time time, int samples, long windowMs) {
        this.time = time;
        this.samples = samples;
        this.windowMs = windowMs;
        this.lastMs = time.milliseconds();
    }

    /** When the bucket was last used (or created): an idle bucket is dropped by its manager. */
    synchronized long lastUsedMs() {
        return lastMs;
    }

    private double burst(double rate) {
        return rate * samples * windowMs / 1000.0;
    }

    private void refill(double rate) {
        long now = time.milliseconds();
        if (Double.isNaN(tokens)) tokens = burst(rate);
        else tokens = Math.min(burst(rate), tokens + rate * (now - lastMs) / 1000.0);
        lastMs = now;
    }

    synchronized void record(double rate, double mutations) {
        refill(rate);
        tokens -= mutations;
    }

    /** How long until the bucket is back at zero tokens; 0 when it is not below zero. */
    synchronized long throttleMs(double rate) {
        refill(rate);
        return tokens >= 0 ? 0 : (long) Math.ceil(-tokens / rate * 1000.0);
    }
}
