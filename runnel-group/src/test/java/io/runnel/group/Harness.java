package io.runnel.group;

import io.runnel.common.Errors;
import io.runnel.group.api.ClassicGroupApi;
import io.runnel.group.api.ClassicGroupApi.HeartbeatParams;
import io.runnel.group.api.ClassicGroupApi.JoinParams;
import io.runnel.group.api.ClassicGroupApi.JoinResult;
import io.runnel.group.api.ClassicGroupApi.Protocol;
import io.runnel.group.api.ClassicGroupApi.SyncParams;
import io.runnel.group.api.ClassicGroupApi.SyncResult;
import io.runnel.group.runtime.ManualEventExecutor;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A group coordinator on a manual clock and an in-memory log, all partitions loaded. Requests run on the
 * test thread; timers run when the test advances the clock.
 */
final class Harness {
    final ManualEventExecutor clock = new ManualEventExecutor();
    final InMemoryCoordinatorLog log = new InMemoryCoordinatorLog();
    final StaticTopicView topics = new StaticTopicView();
    final GroupCoordinatorConfig config;
    GroupCoordinator coordinator;

    Harness(GroupCoordinatorConfig config) {
        this.config = config;
        start();
    }

    Harness() {
        this(defaults());
    }

    static GroupCoordinatorConfig defaults() {
        return GroupCoordinatorConfig.defaults().withOffsetsTopicPartitions(4).withInitialRebalanceDelayMs(0);
    }

    private void start() {
        coordinator = new GroupCoordinator(config, log, topics, clock, clock, Runnable::run);
        for (int p = 0; p < config.offsetsTopicPartitions(); p++) done(coordinator.onElection(p));
    }

    /** Moves the coordinator: drops every shard and rebuilds a new coordinator from the log. */
    void reload() {
        for (int p = 0; p < config.offsetsTopicPartitions(); p++) done(coordinator.onResignation(p));
        start();
    }

    /** The durable state of every shard, for comparing before and after a reload. */
    String durableState() {
        StringBuilder sb = new StringBuilder();
        for (int p = 0; p < config.offsetsTopicPartitions(); p++) {
            sb.append("partition ").append(p).append('\n').append(done(coordinator.describeDurableState(p)));
        }
        return sb.toString();
    }

    void advance(long ms) {
        clock.advance(ms);
    }

    static <T> T done(CompletableFuture<T> f) {
        assertThat(f).as("response ready").isDone();
        return f.join();
    }

    // ------------------------------------------------------------------ classic helpers

    static final int SESSION = 10_000;
    static final int REBALANCE = 30_000;

    /** A ConsumerProtocolSubscription v0: topics and no user data. */
    static byte[] subscription(String... topics) {
        int size = 2 + 4 + 4;
        for (String t : topics) size += 2 + t.getBytes(StandardCharsets.UTF_8).length;
        ByteBuffer b = ByteBuffer.allocate(size);
        b.putShort((short) 0).putInt(topics.length);
        for (String t : topics) {
            byte[] s = t.getBytes(StandardCharsets.UTF_8);
            b.putShort((short) s.length).put(s);
        }
        b.putInt(-1);
        return b.array();
    }

    static List<Protocol> range(String... topics) {
        return List.of(new Protocol("range", subscription(topics)));
    }

    static JoinParams join(String group, String memberId, String instanceId, List<Protocol> protocols) {
        return new JoinParams(group, memberId, instanceId, "consumer", protocols, SESSION, REBALANCE, "client", "/127.0.0.1",
                (short) 9);
    }

    CompletableFuture<JoinResult> joinAsync(String group, String memberId, String instanceId) {
        return coordinator.joinGroup(join(group, memberId, instanceId, range("t")));
    }

    /** A dynamic member's full first join (MEMBER_ID_REQUIRED, then the join with the id); returns the parked join. */
    CompletableFuture<JoinResult> newMember(String group) {
        JoinResult first = done(coordinator.joinGroup(join(group, "", null, range("t"))));
        assertThat(first.error()).isEqualTo(Errors.MEMBER_ID_REQUIRED);
        return coordinator.joinGroup(join(group, first.memberId(), null, range("t")));
    }

    /** Like {@link #newMember(String)} with a subscription to {@code topics}. */
    CompletableFuture<JoinResult> newMemberWith(String group, String... topics) {
        JoinResult first = done(coordinator.joinGroup(join(group, "", null, range(topics))));
        assertThat(first.error()).isEqualTo(Errors.MEMBER_ID_REQUIRED);
        return coordinator.joinGroup(join(group, first.memberId(), null, range(topics)));
    }

    CompletableFuture<SyncResult> sync(String group, JoinResult j, Map<String, byte[]> assignments) {
        return coordinator.syncGroup(new SyncParams(group, j.generationId(), j.memberId(), null, "consumer", j.protocolName(), assignments));
    }

    CompletableFuture<SyncResult> sync(String group, String memberId, String instanceId, int generation, Map<String, byte[]> assignments) {
        return coordinator.syncGroup(new SyncParams(group, generation, memberId, instanceId, null, null, assignments));
    }

    Errors heartbeat(String group, String memberId, int generation) {
        return done(coordinator.heartbeat(new HeartbeatParams(group, generation, memberId, null)));
    }

    Errors heartbeat(String group, String memberId, String instanceId, int generation) {
        return done(coordinator.heartbeat(new HeartbeatParams(group, generation, memberId, instanceId)));
    }

    ClassicGroupApi.LeaveResult leave(String group, ClassicGroupApi.LeaveMember... members) {
        return done(coordinator.leaveGroup(new ClassicGroupApi.LeaveParams(group, List.of(members))));
    }

    String state(String group) {
        return done(coordinator.describeGroups(List.of(group), false)).getFirst().state();
    }
}
