package io.runnel.quorum;

import io.runnel.config.BrokerConfigs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

class LeaderProbeTest {
    @TempDir
    Path dir;

    @Test
    void onlyARefusedConnectionIsEvidence() throws Exception {
        try (ServerSocket open = new ServerSocket(0)) {
            assertThat(LeaderProbe.tcpRefuses(new InetSocketAddress("127.0.0.1", open.getLocalPort()))).isFalse();
        }
        int closed = QuorumHarness.freePort();
        assertThat(LeaderProbe.tcpRefuses(new InetSocketAddress("127.0.0.1", closed))).isTrue();
        assertThat(LeaderProbe.address("127.0.0.1:9093")).isEqualTo(new InetSocketAddress("127.0.0.1", 9093));
        assertThat(LeaderProbe.address("[::1]:9093").getPort()).isEqualTo(9093);
        assertThat(LeaderProbe.address("no-port")).isNull();
        assertThat(LeaderProbe.address("host:x")).isNull();
        assertThat(LeaderProbe.silentAfterMs(1000)).as("the heartbeat period e/4 and half of it").isEqualTo(375);
    }

    @Test
    void aLiveLeaderIsNeverDeposedAndADeadOneIsReplaced() throws Exception {
        // the nodes' own probes are off: this test drives one by hand. The election timeout is long enough (a follower's
        // timer fires 2-8 s after the leader's last message) that stopping the leader on a slow machine leaves the
        // follower a follower while the deferral is checked
        int electionTimeoutMs = 4000;
        try (QuorumHarness h = new QuorumHarness(dir, 3, 0, QuorumTuning.DEFAULT,
                Map.of(BrokerConfigs.CONTROLLER_QUORUM_LEADER_PROBE_ENABLE, "false",
                        BrokerConfigs.CONTROLLER_QUORUM_ELECTION_TIMEOUT_MS, Integer.toString(electionTimeoutMs))).startAll()) {
            QuorumNode leader = h.awaitActive(Duration.ofSeconds(20));
            QuorumNode follower = h.running().stream().filter(n -> n != leader).findFirst().orElseThrow();
            long term = follower.status().term();
            AtomicInteger probed = new AtomicInteger();
            LeaderProbe eager = follower.newLeaderProbe(0, a -> {
                probed.incrementAndGet();
                return LeaderProbe.tcpRefuses(a);
            });
            for (int i = 0; i < 10; i++) assertThat(eager.check()).as("the leader's port accepts").isFalse();
            assertThat(probed.get()).isEqualTo(10);
            assertThat(follower.status().term()).as("no election against a live leader").isEqualTo(term);
            assertThat(leader.isActive()).isTrue();
            // the probe reads the other voters' log positions through Ratis' group info
            QuorumNode other = h.running().stream().filter(n -> n != leader && n != follower).findFirst().orElseThrow();
            org.apache.ratis.server.protocol.TermIndex seen = follower.peerLastEntryForTest(other.status().nodeId());
            assertThat(seen).as("the other follower's last entry").isNotNull();
            assertThat(seen.getTerm()).isEqualTo(term);

            // the leader's process is gone (its port refuses). A follower told that another voter has a longer log
            // does not stand (that one would win; a refused election would only delay it)
            h.stop(leader.status().nodeId());
            LeaderProbe deferring = follower.newLeaderProbe(0, LeaderProbe::tcpRefuses,
                    peer -> org.apache.ratis.server.protocol.TermIndex.valueOf(Long.MAX_VALUE, Long.MAX_VALUE));
            QuorumHarness.await(Duration.ofSeconds(2), () -> {
                try {
                    assertThat(deferring.check()).as("a voter with a longer log stands instead").isFalse();
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
                return deferring.deferredTo != null;
            }, "the probe defers");
            assertThat(deferring.deferredTo).as("left to the other follower").isEqualTo(QuorumNode.peerId(other.status().nodeId()));
            // a follower's probe may start the election before the timeouts do: either way a new leader follows, at a
            // later term
            LeaderProbe probe = follower.newLeaderProbe(LeaderProbe.silentAfterMs(electionTimeoutMs), LeaderProbe::tcpRefuses);
            QuorumHarness.await(Duration.ofSeconds(30), () -> {
                try {
                    probe.check();
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
                return h.running().stream().anyMatch(QuorumNode::isActive);
            }, "a new active controller");
            assertThat(h.awaitActive(Duration.ofSeconds(20)).status().term()).isGreaterThan(term);
        }
    }
}
