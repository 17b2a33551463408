package io.runnel.it;

import io.netty.buffer.PooledByteBufAllocator;
import io.runnel.protocol.ApiKeys;
import io.runnel.protocol.ByteBufferReadable;
import io.runnel.protocol.message.DescribeConfigsRequest;
import io.runnel.protocol.message.DescribeConfigsResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Per-connection backpressure: a client that pipelines many requests without reading the responses
 * makes the broker stop reading its connection (queued.max.requests in flight, or the unsent-response
 * byte bound), so what the broker holds stays bounded; once the client reads, every request is answered,
 * in order.
 *
 * <p>Raw frames only, no kafka-clients: it runs in runnel-it alone, not once per client generation (it takes
 * about 40 s).
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
@EnabledIfSystemProperty(named = "it.kafka.clients.version", matches = "4\\.1\\..*")
class BackpressureIT {
    /** Each answer lists every broker config with its documentation: about 68 KB, so 2,500 of them are 170 MB. */
    private static final int REQUESTS = 2_500;
    private static final long DIRECT_MEMORY_BOUND = 64L << 20;

    @TempDir
    static Path dir;
    static TestBroker broker;

    @BeforeAll
    static void start() {
        broker = TestBroker.start(dir.resolve("broker"));
    }

    @AfterAll
    static void stop() {
        if (broker != null) broker.close();
    }

    private static byte[] describeBrokerConfigs(int correlationId) {
        DescribeConfigsRequest req = new DescribeConfigsRequest();
        DescribeConfigsRequest.Resource r = new DescribeConfigsRequest.Resource();
        r.resourceType = 4; // BROKER
        r.resourceName = "1";
        r.configurationKeys = null;
        req.resources.add(r);
        req.includeSynonyms = true;
        req.includeDocumentation = true;
        return RawClient.frame(ApiKeys.DESCRIBE_CONFIGS, (short) 4, correlationId, req);
    }

    @Test
    void aClientThatDoesNotReadIsHeldBackAndThenAnsweredInOrder() throws Exception {
        long baseline = usedDirect();
        try (RawClient c = new RawClient(broker.port())) {
            // one response, to know its size
            c.write(describeBrokerConfigs(-1));
            int responseBytes = c.readFrame().remaining();
            assertThat((long) responseBytes * REQUESTS).as("unbounded, the answers would exceed the bound twice over")
                    .isGreaterThan(2 * DIRECT_MEMORY_BOUND);

            AtomicInteger written = new AtomicInteger();
            Thread writer = new Thread(() -> {
                ByteArrayOutputStream batch = new ByteArrayOutputStream();
                for (int i = 0; i < REQUESTS; i++) {
                    batch.writeBytes(describeBrokerConfigs(i));
                    if (batch.size() > 16_384 || i == REQUESTS - 1) {
                        c.write(batch.toByteArray()); // blocks once the broker stops reading and TCP buffers are full
                        batch.reset();
                        written.set(i + 1);
                    }
                }
            }, "pipelining-writer");
            writer.setDaemon(true);
            writer.start();

            // the client reads nothing for a while: the broker must hold a bounded amount for it. Sample until
            // neither the writer nor the broker's memory has moved for 3 s (the broker has stopped working on it)
            long peak = 0;
            long lastUsed = -1;
            int lastWritten = -1;
            int stableSamples = 0;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (stableSamples < 30 && System.nanoTime() < deadline) {
                Thread.sleep(100);
                long used = usedDirect() - baseline;
                peak = Math.max(peak, used);
                int w = written.get();
                boolean moved = w != lastWritten || Math.abs(used - lastUsed) > (1 << 20);
                stableSamples = moved ? 0 : stableSamples + 1;
                if (moved) {
                    lastWritten = w;
                    lastUsed = used;
                }
            }
            peak = Math.max(peak, usedDirect() - baseline);
            System.out.printf("backpressure: %d requests with %d-byte answers pipelined, %d written, peak pooled direct memory +%d KiB%n",
                    REQUESTS, responseBytes, written.get(), peak >> 10);
            assertThat(peak).as("direct memory the broker holds for a client that does not read").isLessThan(DIRECT_MEMORY_BOUND);

            // meanwhile, other connections are served
            try (RawClient other = new RawClient(broker.port())) {
                assertThat(other.apiVersions((short) 3, 1).errorCode).isZero();
            }

            // now the client reads: every request is answered, in order
            for (int i = 0; i < REQUESTS; i++) {
                ByteBuffer frame = c.readFrame();
                assertThat(frame.getInt(0)).as("correlation id of answer %d", i).isEqualTo(i);
                if (i % 1000 == 0 || i == REQUESTS - 1) {
                    ByteBufferReadable r = new ByteBufferReadable(frame);
                    r.readInt();
                    r.readUnsignedVarint(); // no tagged header fields
                    DescribeConfigsResponse resp = new DescribeConfigsResponse();
                    resp.read(r, (short) 4);
                    assertThat(resp.results.get(0).errorCode).isZero();
                    assertThat(resp.results.get(0).configs).hasSizeGreaterThan(50);
                }
            }
            writer.join(30_000);
            assertThat(written.get()).isEqualTo(REQUESTS);
            // and the connection carries on
            assertThat(c.apiVersions((short) 3, REQUESTS).errorCode).isZero();
        }
    }

    @Test
    void aSmallRequestQueuePausesAndResumesWithoutLosingARequest() throws Exception {
        // with queued.max.requests=2 the connection pauses after every second request and resumes after the
        // answers: 200 pipelined requests in one write must all be answered, in order
        try (TestBroker b = TestBroker.start(dir.resolve("small-queue"), Map.of("queued.max.requests", "2"))) {
            try (RawClient c = new RawClient(b.port())) {
                ArrayList<byte[]> frames = new ArrayList<>();
                for (int i = 0; i < 200; i++) frames.add(describeBrokerConfigs(i));
                ByteArrayOutputStream all = new ByteArrayOutputStream();
                frames.forEach(all::writeBytes);
                c.write(all.toByteArray());
                for (int i = 0; i < 200; i++) assertThat(c.readFrame().getInt(0)).isEqualTo(i);
            }
        }
    }

    @Test
    void sigtermEndsTheBrokerWhileAClientIsStillPipelining() throws Exception {
        try (BrokerProcess p = new BrokerProcess(dir.resolve("sigterm"), Map.of()).start();
             RawClient c = new RawClient(p.port())) {
            Thread writer = new Thread(() -> {
                try {
                    for (int i = 0; ; i++) c.write(describeBrokerConfigs(i)); // never reads; blocks once held back
                } catch (RuntimeException e) {
                    // the broker closed the connection
                }
            }, "pipelining-writer");
            writer.setDaemon(true);
            writer.start();
            Thread.sleep(3_000); // let it fill the broker's side
            long t0 = System.nanoTime();
            int exit = p.stop(); // fails if the broker ignores SIGTERM for 60 s, or logged a buffer leak
            long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            System.out.printf("SIGTERM with a client pipelining: broker exited %d after %d ms%n", exit, tookMs);
            assertThat(p.log()).as("the broker shut down cleanly").contains("Broker stopped");
            assertThat(exit).isIn(0, 143);
            assertThat(tookMs).as("shutdown time with a client still pipelining").isLessThan(30_000);
        }
    }

    private static long usedDirect() {
        return PooledByteBufAllocator.DEFAULT.metric().usedDirectMemory();
    }
}
