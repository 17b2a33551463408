package io.runnel.storage;

import java.util.function.BooleanSupplier;

/** Polls a condition until it holds or 10 seconds pass (then fails the test). */
final class Await {
    private Await() {
    }

    static void until(BooleanSupplier condition) {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("condition not met within 10 s");
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }
}
