package io.runnel.storage;

import io.runnel.common.Time;

import java.util.concurrent.atomic.AtomicLong;

/** A manually advanced clock for tests. Thread-safe. */
final class MockTime implements Time {
    private final AtomicLong ms;

    MockTime(long startMs) {
        this.ms = new AtomicLong(startMs);
    }

    MockTime() {
        this(1_700_000_000_000L);
    }

    @Override
    public long milliseconds() {
        return ms.get();
    }

    @Override
    public long nanoseconds() {
        return ms.get() * 1_000_000L;
    }

    void sleep(long deltaMs) {
        ms.addAndGet(deltaMs);
    }
}
