package io.runnel.common;

/** A clock that tests can replace. */
public interface Time {
    Time SYSTEM = new Time() {
        @Override public long milliseconds() { return System.currentTimeMillis(); }
        @Override public long nanoseconds() { return System.nanoTime(); }
    };

    long milliseconds();

    long nanoseconds();
}
