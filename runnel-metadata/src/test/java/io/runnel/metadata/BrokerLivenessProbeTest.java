package io.runnel.metadata;

import io.runnel.common.Uuid;
import io.runnel.config.BrokerConfigs;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static io.runnel.metadata.BrokerProber.Outcome.ACCEPTED;
import static io.runnel.metadata.BrokerProber.Outcome.NO_ANSWER;
import static io.runnel.metadata.BrokerProber.Outcome.REFUSED;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The liveness probe rule (broker.liveness.probe.enable) on a real {@link MetadataController} in cluster mode over an
 * {@link InMemoryMetadataQuorum}, with an injected clock and prober: a broker whose heartbeat is later than
 * broker.heartbeat.interval.ms + 500 ms is probed; a refused connection fences it (and moves its leaderships) long
 * before broker.session.timeout.ms; an accepted or unanswered probe leaves it to the session timeout. A failed
 * connection on the controller's node (a follower fetch) probes at once.
 */
class BrokerLivenessProbeTest {
    private static final long SESSION_MS = 9000;
    private static final long INTERVAL_MS = 2000;
    private static final long PROBE_AFTER_MS = INTERVAL_MS + BrokerHeartbeats.PROBE_MARGIN_MS;

    @TempDir
    Path dir;
    private static final long START = 1_000_000_000_000L;
    private final AtomicLong now = new AtomicLong(START);
    /** What the fake prober answers per port (ACCEPTED when absent); null: the probe never completes by itself. */
    private final Map<Integer, BrokerProber.Outcome> answers = new ConcurrentHashMap<>();
    private final List<Integer> probedPorts = new CopyOnWriteArrayList<>();
    private final List<CompletableFuture<BrokerProber.Outcome>> pending = new CopyOnWriteArrayList<>();
    private volatile boolean hold;
    private InMemoryMetadataQuorum quorum;
    private MetadataController controller;
    private final Map<Integer, Long> epochs = new HashMap<>();

    private final BrokerProber prober = (host, port, timeoutMs) -> {
        probedPorts.add(port);
        CompletableFuture<BrokerProber.Outcome> f = new CompletableFuture<>();
        if (hold) pending.add(f);
        else f.complete(answers.getOrDefault(port, ACCEPTED));
        return f;
    };

    @AfterEach
    void stop() throws Exception {
        if (controller != null) controller.close();
        if (quorum != null) quorum.close();
    }

    private static int port(int broker) {
        return 9000 + broker;
    }

    private void start(boolean probes) throws Exception {
        quorum = new InMemoryMetadataQuorum(1);
        controller = MetadataController.startReplicated(BrokerConfigs.parse(Map.of("log.dir", dir.toString(), "node.id", "1",
                "broker.session.timeout.ms", Long.toString(SESSION_MS), "broker.heartbeat.interval.ms", Long.toString(INTERVAL_MS),
                "broker.liveness.probe.enable", Boolean.toString(probes))), quorum, now::get, prober);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (controller.image().clusterId() == null) {
            if (System.nanoTime() > deadline) throw new AssertionError("no cluster id");
            Thread.sleep(20);
        }
        for (int b = 1; b <= 3; b++) {
            BrokerRegistration r = get(controller.registerBroker(b, Uuid.random(),
                    List.of(new BrokerRegistration.Endpoint("PLAINTEXT", "127.0.0.1", port(b), (short) 0)), null));
            epochs.put(b, r.epoch());
            assertThat(heartbeat(b).fenced()).isFalse();
        }
        CreateTopicResult t = get(controller.createTopics(List.of(new NewTopic("t", -1, (short) -1, Map.of(0, List.of(2, 3, 1)),
                Map.of())), false)).get(0);
        assertThat(t.error()).isEqualTo(ApiError.NONE);
        assertThat(controller.image().topic("t").partition(0).leader()).isEqualTo(2);
    }

    private BrokerLifecycleMessages.HeartbeatReply heartbeat(int b) throws Exception {
        return BrokerLifecycleMessages.decodeHeartbeatReply(get(quorum.sendToController(BrokerLifecycleMessages.encode(
                new BrokerLifecycleMessages.Heartbeat(b, epochs.get(b), controller.image().offset(), false)))));
    }

    /** Advances the clock; brokers 1 and 3 keep heartbeating (every interval), broker 2 is silent. */
    private void advanceMs(long ms) throws Exception {
        now.addAndGet(ms * 1_000_000L);
        heartbeat(1);
        heartbeat(3);
    }

    private long elapsedMs() {
        return (now.get() - START) / 1_000_000L;
    }

    /** One session check, then everything it queued (a probe's outcome comes back on the controller thread). */
    private void check() throws Exception {
        get(controller.checkBrokerSessionsNow());
        get(controller.sync());
        get(controller.sync());
    }

    private boolean fenced(int b) {
        return controller.image().broker(b).fenced();
    }

    private static <T> T get(CompletableFuture<T> f) throws Exception {
        return f.get(30, TimeUnit.SECONDS);
    }

    @Test
    void aRefusedConnectionFencesALateBrokerLongBeforeItsSessionExpiresAndMovesItsLeaderships() throws Exception {
        start(true);
        answers.put(port(2), REFUSED);
        advanceMs(PROBE_AFTER_MS + 1);
        check();
        assertThat(probedPorts).containsExactly(port(2));
        assertThat(fenced(2)).isTrue();
        assertThat(fenced(1)).isFalse();
        assertThat(fenced(3)).isFalse();
        PartitionState p = controller.image().topic("t").partition(0);
        assertThat(p.leader()).isEqualTo(3);
        assertThat(p.isr()).containsExactly(3, 1);
        // the same records as session expiry: a plain fence, not a controlled shutdown
        assertThat(controller.image().broker(2).cleanShutdown()).isFalse();
    }

    @Test
    void aBrokerHeardFromWithinTheIntervalPlusTheMarginIsNotProbed() throws Exception {
        start(true);
        answers.put(port(2), REFUSED);
        advanceMs(PROBE_AFTER_MS);
        check();
        assertThat(probedPorts).isEmpty();
        heartbeat(2);
        advanceMs(PROBE_AFTER_MS);
        check();
        assertThat(probedPorts).isEmpty();
        assertThat(fenced(2)).isFalse();
        advanceMs(1);
        check();
        assertThat(probedPorts).containsExactly(port(2));
        assertThat(fenced(2)).isTrue();
    }

    @Test
    void anAcceptedOrUnansweredProbeLeavesTheBrokerToItsSessionTimeout() throws Exception {
        start(true);
        answers.put(port(2), ACCEPTED); // a paused (SIGSTOPped) process: the kernel still accepts
        advanceMs(PROBE_AFTER_MS + 1);
        check();
        assertThat(probedPorts).containsExactly(port(2));
        assertThat(fenced(2)).isFalse();
        // not probed again within PROBE_REPEAT_MS of the last probe
        advanceMs(BrokerHeartbeats.PROBE_REPEAT_MS - 1);
        check();
        assertThat(probedPorts).hasSize(1);
        answers.put(port(2), NO_ANSWER);
        advanceMs(1);
        check();
        assertThat(probedPorts).hasSize(2);
        assertThat(fenced(2)).isFalse();
        // up to the session timeout: still unfenced; past it: fenced by the session rule
        advanceMs(SESSION_MS - elapsedMs());
        check();
        assertThat(fenced(2)).isFalse();
        advanceMs(1);
        check();
        assertThat(fenced(2)).isTrue();
        assertThat(controller.image().topic("t").partition(0).leader()).isEqualTo(3);
    }

    @Test
    void aHeartbeatArrivingWhileTheProbeIsInFlightWinsOverItsRefusal() throws Exception {
        start(true);
        hold = true;
        advanceMs(PROBE_AFTER_MS + 1);
        check();
        assertThat(pending).hasSize(1);
        advanceMs(1);
        heartbeat(2); // e.g. the broker restarted its listener meanwhile: its heartbeat is the newer evidence
        pending.get(0).complete(REFUSED);
        get(controller.sync());
        get(controller.sync());
        assertThat(fenced(2)).isFalse();
    }

    @Test
    void aNewActiveControllerProbesEveryBrokerAtItsTakeover() throws Exception {
        start(true);
        answers.put(port(2), REFUSED);
        advanceMs(1000);
        quorum.failover();
        get(controller.sync());
        // a full session from the takeover, but a probe at once (not after a whole heartbeat interval)
        check();
        assertThat(probedPorts).containsExactlyInAnyOrder(port(1), port(2), port(3));
        assertThat(fenced(2)).isTrue();
        assertThat(fenced(1)).isFalse();
        assertThat(fenced(3)).isFalse();
        assertThat(elapsedMs()).isLessThan(PROBE_AFTER_MS);
    }

    @Test
    void aFailedConnectionOnThisNodeProbesAtOnceAndOnlyARefusalFences() throws Exception {
        start(true);
        answers.put(port(2), ACCEPTED);
        advanceMs(100); // broker 2's heartbeat is not late
        controller.suspectBroker(2); // e.g. this node's follower fetch from it failed
        get(controller.sync());
        get(controller.sync());
        assertThat(probedPorts).containsExactly(port(2));
        assertThat(fenced(2)).isFalse();
        controller.suspectBroker(2); // not again within PROBE_REPEAT_MS
        get(controller.sync());
        assertThat(probedPorts).hasSize(1);
        answers.put(port(2), REFUSED);
        advanceMs(BrokerHeartbeats.PROBE_REPEAT_MS);
        controller.suspectBroker(2);
        get(controller.sync());
        get(controller.sync());
        assertThat(probedPorts).hasSize(2);
        assertThat(elapsedMs()).isLessThan(PROBE_AFTER_MS); // the periodic rule would not have probed yet
        assertThat(fenced(2)).isTrue();
        assertThat(controller.image().topic("t").partition(0).leader()).isEqualTo(3);
    }

    @Test
    void withTheProbeDisabledOnlyTheSessionTimeoutFences() throws Exception {
        start(false);
        answers.put(port(2), REFUSED);
        for (long t = 0; t < SESSION_MS; t += 1000) {
            advanceMs(1000);
            check();
            assertThat(fenced(2)).isFalse();
        }
        advanceMs(1);
        check();
        assertThat(probedPorts).isEmpty();
        assertThat(fenced(2)).isTrue();
    }

    @Test
    void theTcpProberTellsARefusedPortFromAnAcceptingOne() throws IOException {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
            assertThat(BrokerProber.connect("127.0.0.1", closedPort, 1000)).isEqualTo(ACCEPTED);
        }
        assertThat(BrokerProber.connect("127.0.0.1", closedPort, 1000)).isEqualTo(REFUSED);
        assertThat(BrokerProber.connect("no-such-host.invalid", 9092, 1000)).isEqualTo(NO_ANSWER);
    }
}
