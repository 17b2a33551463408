package io.runnel.it;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import io.netty.util.ResourceLeakDetectorFactory;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.util.ArrayList;
import java.util.List;

/**
 * Fails a test class when Netty reports a leaked buffer while it ran (brokers in this JVM included).
 *
 * <p>Registered for every test class by JUnit's extension auto-detection
 * ({@code META-INF/services/org.junit.jupiter.api.extension.Extension} and
 * {@code junit-platform.properties}). Loading this class, before any Netty buffer class is
 * initialised, installs a leak detector factory whose detectors record each leak report instead of
 * only logging it, and turns detection to paranoid (every buffer tracked; the build also passes
 * {@code -Dio.netty.leakDetection.level=paranoid}). After each class it collects garbage, allocates a
 * few tracked buffers (Netty reports leaks found by the garbage collector only when it tracks a new
 * one) and fails with the reports, which name where the buffer was last touched.
 *
 * <p>{@code NettyLeakCheckIT} proves that a deliberate leak is caught.
 */
public final class NettyLeakCheck implements AfterAllCallback {
    private static final List<String> LEAKS = new ArrayList<>();

    static {
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
        ResourceLeakDetectorFactory.setResourceLeakDetectorFactory(new ResourceLeakDetectorFactory() {
            @Override
            public <T> ResourceLeakDetector<T> newResourceLeakDetector(Class<T> resource, int samplingInterval, long maxActive) {
                return new RecordingDetector<>(resource, samplingInterval);
            }
        });
    }

    private static final class RecordingDetector<T> extends ResourceLeakDetector<T> {
        RecordingDetector(Class<T> resource, int samplingInterval) {
            super(resource, samplingInterval);
        }

        @Override
        protected boolean needReport() {
            return true;
        }

        @Override
        protected void reportTracedLeak(String resourceType, String records) {
            record("LEAK: " + resourceType + ".release() was not called before it was garbage-collected." + records);
            super.reportTracedLeak(resourceType, records);
        }

        @Override
        protected void reportUntracedLeak(String resourceType) {
            record("LEAK: " + resourceType + ".release() was not called before it was garbage-collected (untraced).");
            super.reportUntracedLeak(resourceType);
        }
    }

    private static void record(String report) {
        synchronized (LEAKS) {
            LEAKS.add(report);
        }
    }

    /** Collects garbage and makes Netty report what it found; returns and forgets the reports so far. */
    public static List<String> collectLeaks() {
        for (int i = 0; i < 5; i++) {
            System.gc();
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            for (int j = 0; j < 10; j++) {
                ByteBuf probe = PooledByteBufAllocator.DEFAULT.directBuffer(16);
                probe.release();
            }
        }
        synchronized (LEAKS) {
            List<String> out = List.copyOf(LEAKS);
            LEAKS.clear();
            return out;
        }
    }

    @Override
    public void afterAll(ExtensionContext context) {
        List<String> leaks = collectLeaks();
        if (!leaks.isEmpty()) {
            throw new AssertionError(leaks.size() + " Netty buffer leak(s) reported while " + context.getDisplayName()
                    + " ran:\n" + String.join("\n\n", leaks));
        }
    }
}
