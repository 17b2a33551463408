package io.runnel.metadata;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

class BrokerHeartbeatsTest {
    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final BrokerHeartbeats hb = new BrokerHeartbeats(9000, now::get);

    private void advanceMs(long ms) {
        now.addAndGet(ms * 1_000_000L);
    }

    @Test
    void aSessionExpiresAfterTheTimeoutWithoutContactAndIsRenewedByOne() {
        hb.touch(1);
        advanceMs(9000);
        assertThat(hb.alive(1)).isTrue();
        advanceMs(1);
        assertThat(hb.alive(1)).isFalse();
        hb.touch(1);
        assertThat(hb.alive(1)).isTrue();
    }

    @Test
    void aHeartbeatCountsFromItsArrivalNotFromWhenTheBusyControllerThreadGotToIt() {
        hb.touch(1);
        hb.touch(2);
        advanceMs(2000);
        hb.received(1, 7); // arrived; the controller thread is held up for 8 s more and never processes it meanwhile
        hb.received(2, 6); // a stale incarnation's heartbeat (broker 2 is registered with epoch 7)
        advanceMs(8000);
        hb.countArrival(1, 7);
        hb.countArrival(2, 7);
        assertThat(hb.alive(1)).as("heard 8 s ago, at its arrival").isTrue();
        assertThat(hb.alive(2)).as("only a stale epoch's heartbeat arrived").isFalse();
        assertThat(hb.heardFromWithinSession(1)).isTrue();
        advanceMs(1001);
        assertThat(hb.alive(1)).as("the arrival counted once; the session runs from it").isFalse();
        hb.countArrival(1, 7);
        assertThat(hb.alive(1)).as("nothing new arrived").isFalse();
    }

    @Test
    void aTakeoverGivesEveryBrokerAFullSessionButDoesNotCountAsHearingFromIt() {
        hb.takeOver(List.of(1, 2));
        advanceMs(8000);
        assertThat(hb.alive(1)).isTrue();
        assertThat(hb.heardFromWithinSession(1)).isFalse();
        hb.touch(2);
        assertThat(hb.heardFromWithinSession(2)).isTrue();
        advanceMs(2000);
        assertThat(hb.alive(1)).isFalse();
        assertThat(hb.alive(2)).isTrue();
    }

    @Test
    void aControlledShutdownIsMarkedOnceAndEndsWithANewRegistration() {
        assertThat(hb.startShutdown(3)).isTrue();
        assertThat(hb.startShutdown(3)).isFalse();
        assertThat(hb.shuttingDown(3)).isTrue();
        hb.registered(3);
        assertThat(hb.shuttingDown(3)).isFalse();
        assertThat(hb.heardFromWithinSession(3)).isTrue();
    }

    @Test
    void anUnknownBrokerGetsASessionFromWhenItIsFirstAskedAbout() {
        assertThat(hb.alive(7)).isTrue();
        advanceMs(9001);
        assertThat(hb.alive(7)).isFalse();
    }

    @Test
    void aProbeIsDueOnlyAfterTheIntervalPlusTheMarginOneAtATimeAndNotRightAgain() {
        BrokerHeartbeats h = new BrokerHeartbeats(9000, 2000, now::get);
        h.touch(1);
        advanceMs(2500);
        assertThat(h.startProbe(1)).isEmpty();
        advanceMs(1);
        long token = h.startProbe(1).orElseThrow();
        assertThat(h.startProbe(1)).as("one in flight").isEmpty();
        advanceMs(100);
        assertThat(h.probeDone(1, token)).as("silent throughout").isTrue();
        advanceMs(BrokerHeartbeats.PROBE_REPEAT_MS - 1);
        assertThat(h.startProbe(1)).isEmpty();
        advanceMs(1);
        long second = h.startProbe(1).orElseThrow();
        advanceMs(1);
        h.touch(1); // heard from while the probe ran: its outcome is no evidence
        assertThat(h.probeDone(1, second)).isFalse();
        assertThat(h.startProbe(1)).isEmpty();
    }

    @Test
    void afterATakeoverAProbeIsDueAtOnceUntilHeardFromAndAnEarlierTermsProbeIsForgotten() {
        BrokerHeartbeats h = new BrokerHeartbeats(9000, 2000, now::get);
        h.touch(1);
        advanceMs(3000);
        long old = h.startProbe(1).orElseThrow();
        h.takeOver(List.of(1, 2, 3));
        assertThat(h.probeDone(1, old)).as("a probe of the earlier term").isFalse();
        h.touch(3);
        assertThat(h.startProbe(1)).isPresent();
        assertThat(h.startProbe(2)).isPresent();
        assertThat(h.startProbe(3)).as("heard from since the takeover").isEmpty();
        advanceMs(8999);
        assertThat(h.alive(1)).as("the session still runs from the takeover").isTrue();
    }
}
