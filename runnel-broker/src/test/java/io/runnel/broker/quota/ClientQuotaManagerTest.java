package io.runnel.broker.quota;

import io.runnel.common.Time;
import io.runnel.metadata.MetadataDelta;
import io.runnel.metadata.MetadataImage;
import io.runnel.protocol.message.ClientQuotaRecord;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/** The windowed rate, the token bucket, throttle times and quota resolution, with an injected clock. */
class ClientQuotaManagerTest {
    static final class ManualTime implements Time {
        long ms = 1_000_000;

        @Override
        public long milliseconds() {
            return ms;
        }

        @Override
        public long nanoseconds() {
            return ms * 1_000_000;
        }

        void sleep(long millis) {
            ms += millis;
        }
    }

    static ClientQuotaRecord quota(String key, double value, String... typeAndName) {
        ClientQuotaRecord r = new ClientQuotaRecord();
        for (int i = 0; i < typeAndName.length; i += 2) {
            ClientQuotaRecord.EntityData d = new ClientQuotaRecord.EntityData();
            d.entityType = typeAndName[i];
            d.entityName = typeAndName[i + 1];
            r.entity.add(d);
        }
        r.key = key;
        r.value = value;
        return r;
    }

    static MetadataImage image(ClientQuotaRecord... records) {
        return new MetadataDelta(MetadataImage.EMPTY).replayAll(List.of(records)).apply();
    }

    @Test
    void aFirstBurstIsMeasuredOverAllWindowsButOne() {
        ManualTime t = new ManualTime();
        WindowedRate r = new WindowedRate(t, 11, 1000);
        r.record(2000);
        assertThat(r.windowSizeMs()).isEqualTo(10_000);
        assertThat(r.rate()).isEqualTo(200.0);
        // 200/s against 100/s: (200 - 100) / 100 * 10 s
        assertThat(r.throttleMs(100)).isEqualTo(10_000);
        assertThat(r.throttleMs(200)).isZero();
        assertThat(r.throttleMs(1000)).isZero();
    }

    @Test
    void oldSamplesAgeOut() {
        ManualTime t = new ManualTime();
        WindowedRate r = new WindowedRate(t, 11, 1000);
        r.record(5000);
        t.sleep(5_500);
        r.record(500);
        // 5.5 s elapsed plus the 5 windows missing to 10: 10.5 s
        assertThat(r.windowSizeMs()).isEqualTo(10_500);
        assertThat(r.rate()).isEqualTo(5500 * 1000.0 / 10_500);
        t.sleep(11_000); // both samples are now older than 11 windows
        assertThat(r.rate()).isZero();
        assertThat(r.throttleMs(1)).isZero();
        r.record(100);
        assertThat(r.rate()).isEqualTo(10.0);
    }

    @Test
    void aSteadyRateOverTheQuotaIsThrottledUnderItIsNot() {
        ManualTime t = new ManualTime();
        WindowedRate r = new WindowedRate(t, 11, 1000);
        for (int s = 0; s < 30; s++) {
            r.record(100);
            t.sleep(1000);
        }
        assertThat(r.rate()).isBetween(90.0, 110.0);
        assertThat(r.throttleMs(200)).isZero();
        assertThat(r.throttleMs(50)).isPositive();
    }

    @Test
    void unrecordTakesBackAThrottledValue() {
        ManualTime t = new ManualTime();
        WindowedRate r = new WindowedRate(t, 11, 1000);
        r.record(500);
        r.record(5000);
        r.unrecord(5000);
        assertThat(r.rate()).isEqualTo(50.0);
    }

    @Test
    void theTokenBucketAllowsABurstThenRefillsAtTheRate() {
        ManualTime t = new ManualTime();
        TokenBucket b = new TokenBucket(t, 11, 1000);
        assertThat(b.throttleMs(1)).isZero(); // full: 11 tokens at 1/s over 11 windows
        b.record(1, 11);
        assertThat(b.throttleMs(1)).isZero(); // exactly empty
        b.record(1, 3);
        assertThat(b.throttleMs(1)).isEqualTo(3000);
        t.sleep(2000);
        assertThat(b.throttleMs(1)).isEqualTo(1000);
        t.sleep(1000);
        assertThat(b.throttleMs(1)).isZero();
        t.sleep(60_000);
        b.record(1, 11); // refilled only up to the burst
        assertThat(b.throttleMs(1)).isZero();
        b.record(1, 1);
        assertThat(b.throttleMs(1)).isEqualTo(1000);
    }

    @Test
    void quotasResolveFromTheMostSpecificEntity() {
        AtomicReference<MetadataImage> img = new AtomicReference<>(image(
                quota("producer_byte_rate", 1, "user", "alice", "client-id", "app"),
                quota("producer_byte_rate", 2, "user", "alice", "client-id", null),
                quota("producer_byte_rate", 3, "user", "alice"),
                quota("producer_byte_rate", 4, "user", null, "client-id", "app"),
                quota("producer_byte_rate", 5, "user", null, "client-id", null),
                quota("producer_byte_rate", 6, "user", null),
                quota("producer_byte_rate", 7, "client-id", "app"),
                quota("producer_byte_rate", 8, "client-id", null),
                quota("consumer_byte_rate", 9, "client-id", null)));
        ClientQuotaManager m = new ClientQuotaManager(img::get, new ManualTime(), 11, 1);
        assertThat(m.resolve("producer_byte_rate", "User:alice", "app").quota()).isEqualTo(1);
        assertThat(m.resolve("producer_byte_rate", "User:alice", "other").quota()).isEqualTo(2);
        assertThat(m.resolve("producer_byte_rate", "User:bob", "app").quota()).isEqualTo(4);
        assertThat(m.resolve("producer_byte_rate", "User:bob", "other").quota()).isEqualTo(5);
        // another key resolves on its own: only the client-id default has a consumer quota
        assertThat(m.resolve("consumer_byte_rate", "User:alice", "app").quota()).isEqualTo(9);
        assertThat(m.resolve("request_percentage", "User:alice", "app")).isNull();

        img.set(image(quota("producer_byte_rate", 3, "user", "alice"), quota("producer_byte_rate", 6, "user", null),
                quota("producer_byte_rate", 7, "client-id", "app"), quota("producer_byte_rate", 8, "client-id", null)));
        assertThat(m.resolve("producer_byte_rate", "User:alice", "x").quota()).isEqualTo(3);
        assertThat(m.resolve("producer_byte_rate", "User:ANONYMOUS", "x").quota()).isEqualTo(6);
        img.set(image(quota("producer_byte_rate", 7, "client-id", "app"), quota("producer_byte_rate", 8, "client-id", null)));
        assertThat(m.resolve("producer_byte_rate", "User:alice", "app").quota()).isEqualTo(7);
        assertThat(m.resolve("producer_byte_rate", "User:alice", "x").quota()).isEqualTo(8);
        img.set(MetadataImage.EMPTY);
        assertThat(m.resolve("producer_byte_rate", "User:alice", "app")).isNull();
    }

    @Test
    void aUserQuotaIsSharedByItsClientsADefaultOneIsPerName() {
        ManualTime t = new ManualTime();
        AtomicReference<MetadataImage> img = new AtomicReference<>(image(
                quota("producer_byte_rate", 100, "user", "alice"),
                quota("producer_byte_rate", 100, "client-id", null)));
        ClientQuotaManager m = new ClientQuotaManager(img::get, t, 11, 1);
        // alice: 600 + 600 bytes over 10 s from two client ids = 120/s > 100/s, shared
        assertThat(m.recordAndGetThrottleMs("producer_byte_rate", "User:alice", "a", 600)).isZero();
        assertThat(m.recordAndGetThrottleMs("producer_byte_rate", "User:alice", "b", 600)).isEqualTo(2000);
        // anonymous clients fall to the client-id default: each client id is measured on its own
        assertThat(m.recordAndGetThrottleMs("producer_byte_rate", "User:ANONYMOUS", "a", 600)).isZero();
        assertThat(m.recordAndGetThrottleMs("producer_byte_rate", "User:ANONYMOUS", "b", 600)).isZero();
        // no quota: nothing is measured or throttled
        assertThat(m.recordAndGetThrottleMs("consumer_byte_rate", "User:alice", "a", 1_000_000)).isZero();
    }

    @Test
    void measurementsOfClientsIdleForAnHourAreDroppedActiveOnesKeepTheirState() {
        ManualTime t = new ManualTime();
        ClientQuotaManager m = new ClientQuotaManager(() -> image(
                quota("producer_byte_rate", 100, "client-id", null),
                quota("controller_mutation_rate", 1, "client-id", null)), t, 11, 1);
        for (int i = 0; i < 1_000; i++) m.recordAndGetThrottleMs("producer_byte_rate", null, "short-lived-" + i, 10);
        m.recordMutations(null, "short-lived-0", 1);
        assertThat(m.measurements()).isEqualTo(1_001);

        // a busy client keeps recording every 30 minutes and stays over its quota
        assertThat(m.recordAndGetThrottleMs("producer_byte_rate", null, "busy", 5_000)).isPositive();
        t.sleep(ClientQuotaManager.INACTIVE_EXPIRY_MS / 2);
        assertThat(m.recordAndGetThrottleMs("producer_byte_rate", null, "busy", 5_000)).isPositive();
        assertThat(m.measurements()).as("nothing is idle for an hour yet").isEqualTo(1_002);
        t.sleep(ClientQuotaManager.INACTIVE_EXPIRY_MS / 2);
        long busyThrottle = m.recordAndGetThrottleMs("producer_byte_rate", null, "busy", 5_000);

        assertThat(m.measurements()).as("only the busy client's rate is left").isEqualTo(1);
        assertThat(busyThrottle).as("the busy client is still measured and throttled").isPositive();
        // a returning client starts afresh, under its quota
        assertThat(m.recordAndGetThrottleMs("producer_byte_rate", null, "short-lived-1", 10)).isZero();
        assertThat(m.measurements()).isEqualTo(2);
    }

    @Test
    void requestTimeIsAPercentageOfOneThreadAndItsThrottleIsAtMostOneWindow() {
        ManualTime t = new ManualTime();
        // 10 % of one thread: 1 s of thread time over the 10 s counted at first is exactly 10 %/s
        ClientQuotaManager m = new ClientQuotaManager(() -> image(quota("request_percentage", 10, "client-id", "busy")), t, 11, 1);
        assertThat(ClientQuotaManager.nanosToPercent(1_000_000_000L)).isEqualTo(100.0);
        assertThat(m.recordRequestTimeAndGetThrottleMs("User:alice", "busy", 500_000_000L)).isZero();
        assertThat(m.recordRequestTimeAndGetThrottleMs("User:alice", "busy", 500_000_000L)).isZero();
        // 1.5 s: 15 %/s against 10 %/s would be (15 - 10) / 10 * 10 s = 5 s; Kafka's request quota bounds it to one window
        assertThat(m.recordRequestTimeAndGetThrottleMs("User:alice", "busy", 500_000_000L)).isEqualTo(1000);
        // another client id has no quota, and its time is not counted against busy's
        assertThat(m.recordRequestTimeAndGetThrottleMs("User:alice", "idle", 5_000_000_000L)).isZero();
        // time recorded without a throttle decision (a response's encoding) counts for the next request
        ClientQuotaManager n = new ClientQuotaManager(() -> image(quota("request_percentage", 10, "user", "bob")), t, 11, 1);
        n.recordRequestTime("User:bob", "any", 1_000_000_000L);
        assertThat(n.recordRequestTimeAndGetThrottleMs("User:bob", "other", 0)).isZero();
        n.recordRequestTime("User:bob", "any", 10_000_000L); // 10 ms more: 10.1 %/s, throttled (0.1 / 10 * 10 s)
        assertThat(n.recordRequestTimeAndGetThrottleMs("User:bob", "other", 0)).isBetween(99L, 100L);
        // the measurement ages out with the windows
        t.sleep(12_000);
        assertThat(n.recordRequestTimeAndGetThrottleMs("User:bob", "other", 1_000_000)).isZero();
    }

    @Test
    void mutationsAreThrottledOnceTheBucketIsSpent() {
        ManualTime t = new ManualTime();
        ClientQuotaManager m = new ClientQuotaManager(() -> image(quota("controller_mutation_rate", 2, "client-id", "admin")), t, 11, 1);
        assertThat(m.mutationThrottleMs("User:ANONYMOUS", "admin")).isZero();
        assertThat(m.recordMutations("User:ANONYMOUS", "admin", 30)).isEqualTo(4000); // 22 tokens - 30 = -8 at 2/s
        assertThat(m.mutationThrottleMs("User:ANONYMOUS", "admin")).isEqualTo(4000);
        assertThat(m.mutationThrottleMs("User:ANONYMOUS", "other")).isZero();
        t.sleep(4000);
        assertThat(m.mutationThrottleMs("User:ANONYMOUS", "admin")).isZero();
    }

    @Test
    void connectionsOverAnIpsCreationRateAreThrottledAndNotCounted() throws Exception {
        ManualTime t = new ManualTime();
        ClientQuotaManager m = new ClientQuotaManager(() -> image(quota("connection_creation_rate", 1, "ip", null),
                quota("connection_creation_rate", 100, "ip", "10.0.0.1")), t, 11, 1);
        java.net.InetAddress local = java.net.InetAddress.getByName("127.0.0.1");
        java.net.InetAddress privileged = java.net.InetAddress.getByName("10.0.0.1");
        for (int i = 0; i < 10; i++) assertThat(m.recordConnectionAndGetThrottleMs(local)).as("connection %d", i).isZero();
        // the 11th: 11 over 10 s against 1/s
        assertThat(m.recordConnectionAndGetThrottleMs(local)).isEqualTo(1000);
        assertThat(m.recordConnectionAndGetThrottleMs(local)).as("a refused connection is not counted").isEqualTo(1000);
        for (int i = 0; i < 50; i++) assertThat(m.recordConnectionAndGetThrottleMs(privileged)).isZero();
        t.sleep(11_000); // the burst's sample has aged out
        assertThat(m.recordConnectionAndGetThrottleMs(local)).isZero();
        ClientQuotaManager none = new ClientQuotaManager(() -> image(quota("producer_byte_rate", 1, "user", null)), t, 11, 1);
        for (int i = 0; i < 50; i++) assertThat(none.recordConnectionAndGetThrottleMs(local)).isZero();
    }

    @Test
    void principalsMapToKafkasUserNames() {
        assertThat(ClientQuotaManager.userName("User:alice")).isEqualTo("alice");
        assertThat(ClientQuotaManager.userName("User:ANONYMOUS")).isEqualTo("ANONYMOUS");
        assertThat(ClientQuotaManager.userName(null)).isEqualTo("ANONYMOUS");
    }
}
