package io.runnel.it;

import io.runnel.protocol.ApiKeys;
import io.runnel.protocol.message.FetchRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A request still parked when the broker stops (a Fetch waiting for data) is never answered; its pooled request
 * buffer must still be released (the Netty leak check of every IT would report it otherwise).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ShutdownInFlightIT {
    @TempDir
    Path dir;

    @Test
    void parkedFetchIsReleasedAtShutdown() throws Exception {
        TestBroker broker = TestBroker.start(dir.resolve("broker"));
        try (RawClient c = new RawClient(broker.port())) {
            broker.createTopic("parked", 1);
            FetchRequest fetch = new FetchRequest();
            fetch.replicaId = -1;
            fetch.maxWaitMs = 30_000;
            fetch.minBytes = 1;
            fetch.maxBytes = 1 << 20;
            FetchRequest.FetchTopic ft = new FetchRequest.FetchTopic();
            ft.topic = "parked";
            FetchRequest.FetchPartition fp = new FetchRequest.FetchPartition();
            fp.partition = 0;
            fp.fetchOffset = 0;
            fp.partitionMaxBytes = 1 << 20;
            ft.partitions.add(fp);
            fetch.topics.add(ft);
            c.send(ApiKeys.FETCH, (short) 12, 1, fetch);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (broker.server().requestsInFlight() == 0 && System.nanoTime() < deadline) Thread.sleep(10);
            assertThat(broker.server().requestsInFlight()).as("the Fetch is parked in the broker").isEqualTo(1);
        } finally {
            broker.close();
        }
        assertThat(broker.server().requestsInFlight()).as("requests left in flight after the broker stopped").isZero();
    }
}
