package io.runnel.group;

import io.runnel.common.Errors;
import io.runnel.common.Time;
import io.runnel.config.BrokerConfigs;
import io.runnel.group.api.ClassicGroupApi.JoinResult;
import io.runnel.group.api.ClassicGroupApi.SyncParams;
import io.runnel.group.api.ClassicGroupApi.SyncResult;
import io.runnel.group.api.ConsumerGroupApi;
import io.runnel.group.api.OffsetApi.CommitParams;
import io.runnel.group.api.OffsetApi.CommitPartition;
import io.runnel.group.api.OffsetApi.CommitResult;
import io.runnel.group.api.OffsetApi.FetchParams;
import io.runnel.group.api.OffsetApi.FetchResult;
import io.runnel.group.runtime.ManualEventExecutor;
import io.runnel.group.runtime.ThreadEventExecutor;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import static io.runnel.group.Harness.done;
import static io.runnel.group.Harness.join;
import static io.runnel.group.Harness.range;
import static org.assertj.core.api.Assertions.assertThat;

class RuntimeTest {

    @Test
    void groupsLandOnTheSamePartitionAsInKafka() {
        // Kafka: Utils.abs(groupId.hashCode()) % offsets.topic.num.partitions, where abs(MIN_VALUE) = 0
        assertThat("polygenelubricants".hashCode()).isEqualTo(Integer.MIN_VALUE);
        assertThat(GroupCoordinator.partitionFor("polygenelubricants", 50)).isZero();
        String negative = null;
        for (int i = 0; negative == null; i++) if (("group-" + i).hashCode() < 0) negative = "group-" + i;
        int h = negative.hashCode();
        assertThat(GroupCoordinator.partitionFor(negative, 50)).isEqualTo(-h % 50);
        assertThat(GroupCoordinator.partitionFor("my-group", 50)).isEqualTo(Math.abs("my-group".hashCode()) % 50);
        for (int i = 0; i < 1000; i++) assertThat(GroupCoordinator.partitionFor("g" + i, 7)).isBetween(0, 6);
    }

    @Test
    void configComesFromTheBrokerSettings() {
        GroupCoordinatorConfig d = GroupCoordinatorConfig.defaults();
        assertThat(d.offsetsTopicPartitions()).isEqualTo(50);
        assertThat(d.offsetsRetentionMs()).isEqualTo(TimeUnit.DAYS.toMillis(7));
        assertThat(d.minSessionTimeoutMs()).isEqualTo(6000);
        assertThat(d.maxSessionTimeoutMs()).isEqualTo(1_800_000);
        assertThat(d.initialRebalanceDelayMs()).isEqualTo(3000);
        assertThat(d.consumerAssignors()).containsExactly("uniform", "range");
        Map<String, String> props = new java.util.HashMap<>(Map.of(
                "node.id", "1", "process.roles", "broker,controller", "offsets.topic.num.partitions", "3",
                "offsets.retention.minutes", "2", "group.max.size", "10", "group.initial.rebalance.delay.ms", "0",
                "group.coordinator.rebalance.protocols", "classic"));
        props.put("controller.quorum.voters", "1@localhost:9093");
        props.put("listeners", "PLAINTEXT://:9092,CONTROLLER://:9093");
        props.put("controller.listener.names", "CONTROLLER");
        GroupCoordinatorConfig c;
        try {
            c = GroupCoordinatorConfig.from(BrokerConfigs.definition().parse(props));
        } catch (RuntimeException e) {
            throw new AssertionError("broker config did not parse: " + e.getMessage(), e);
        }
        assertThat(c.offsetsTopicPartitions()).isEqualTo(3);
        assertThat(c.offsetsRetentionMs()).isEqualTo(120_000);
        assertThat(c.classicMaxSize()).isEqualTo(10);
        assertThat(c.initialRebalanceDelayMs()).isZero();
        assertThat(c.classicProtocolEnabled()).isTrue();
        assertThat(c.consumerProtocolEnabled()).isFalse();
        assertThat(c.migrationPolicy()).isEqualTo("bidirectional");
        assertThat(c.upgradeAllowed() && c.downgradeAllowed()).isTrue();

        props.put("group.consumer.migration.policy", "upgrade");
        GroupCoordinatorConfig u = GroupCoordinatorConfig.from(BrokerConfigs.definition().parse(props));
        assertThat(u.upgradeAllowed()).isTrue();
        assertThat(u.downgradeAllowed()).isFalse();
        props.put("group.consumer.migration.policy", "sideways");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> BrokerConfigs.definition().parse(props))
                .hasMessageContaining("group.consumer.migration.policy");
    }

    /** A log whose appends complete only when the test says so. */
    static final class DeferredLog implements CoordinatorLog {
        final InMemoryCoordinatorLog inner = new InMemoryCoordinatorLog();
        final List<Runnable> pending = new ArrayList<>();

        @Override
        public CompletableFuture<Void> append(int partition, List<CoordinatorRecord> records) {
            CompletableFuture<Void> f = new CompletableFuture<>();
            pending.add(() -> inner.append(partition, records).whenComplete((v, t) -> {
                if (t == null) f.complete(null);
                else f.completeExceptionally(t);
            }));
            return f;
        }

        @Override
        public void replay(int partition, Consumer<CoordinatorRecord> sink) {
            inner.replay(partition, sink);
        }

        void releaseOne() {
            pending.removeFirst().run();
        }
    }

    @Test
    void operationsOfAShardWaitForTheWriteInFlightAndResponsesWaitForDurability() {
        ManualEventExecutor clock = new ManualEventExecutor();
        DeferredLog log = new DeferredLog();
        GroupCoordinator c = new GroupCoordinator(GroupCoordinatorConfig.defaults().withOffsetsTopicPartitions(1), log,
                TopicView.EMPTY, clock, clock, Runnable::run);
        done(c.onElection(0));
        CompletableFuture<CommitResult> first = c.commitOffsets(new CommitParams("g", "", null, -1, -1,
                List.of(new CommitPartition("t", 0, 1, -1, "")), (short) 8));
        CompletableFuture<FetchResult> read = c.fetchOffsets(new FetchParams("g", null, null, -1, false));
        CompletableFuture<CommitResult> second = c.commitOffsets(new CommitParams("g", "", null, -1, -1,
                List.of(new CommitPartition("t", 0, 2, -1, "")), (short) 8));
        assertThat(first).isNotDone();
        assertThat(read).as("queued behind the write").isNotDone();
        assertThat(log.pending).hasSize(1);
        log.releaseOne();
        assertThat(done(first).partitions().values()).containsOnly(Errors.NONE);
        assertThat(done(read).offsets()).singleElement().satisfies(o -> assertThat(o.offset()).isEqualTo(1));
        assertThat(second).isNotDone();
        log.releaseOne();
        assertThat(done(second).partitions().values()).containsOnly(Errors.NONE);
        assertThat(log.inner.records(0)).hasSize(2);

        // a write in flight when the partition moves away fails with NOT_COORDINATOR
        CompletableFuture<CommitResult> third = c.commitOffsets(new CommitParams("g", "", null, -1, -1,
                List.of(new CommitPartition("t", 0, 3, -1, "")), (short) 8));
        CompletableFuture<CommitResult> queued = c.commitOffsets(new CommitParams("g", "", null, -1, -1,
                List.of(new CommitPartition("t", 0, 4, -1, "")), (short) 8));
        done(c.onResignation(0));
        assertThat(done(queued).partitions().values()).containsOnly(Errors.NOT_COORDINATOR);
        log.releaseOne();
        assertThat(done(third).partitions().values()).containsOnly(Errors.NOT_COORDINATOR);
    }

    @Test
    void timersOfAnUnloadedShardAreGone() {
        Harness h = new Harness();
        done(h.newMember("g"));
        int p = h.coordinator.partitionFor("g");
        assertThat(done(h.coordinator.timerCount(p))).isGreaterThan(1);
        done(h.coordinator.onResignation(p));
        assertThat(h.clock.pendingTimers()).as("only the other shards' expiry timers").isEqualTo(h.config.offsetsTopicPartitions() - 1);
    }

    @Test
    void realThreadsAndAnAsynchronousLog() throws Exception {
        ExecutorService storage = Executors.newFixedThreadPool(2);
        InMemoryCoordinatorLog mem = new InMemoryCoordinatorLog();
        CoordinatorLog async = new CoordinatorLog() {
            @Override
            public CompletableFuture<Void> append(int partition, List<CoordinatorRecord> records) {
                return CompletableFuture.supplyAsync(() -> mem.append(partition, records).join(), storage);
            }

            @Override
            public void replay(int partition, Consumer<CoordinatorRecord> sink) {
                mem.replay(partition, sink);
            }
        };
        StaticTopicView topics = new StaticTopicView();
        topics.put("t", 4);
        GroupCoordinatorConfig cfg = GroupCoordinatorConfig.defaults().withOffsetsTopicPartitions(5).withInitialRebalanceDelayMs(0);
        try (GroupCoordinator c = GroupCoordinator.create(cfg, async, topics)) {
            List<CompletableFuture<Void>> loads = new ArrayList<>();
            for (int p = 0; p < 5; p++) loads.add(c.onElection(p));
            CompletableFuture.allOf(loads.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);

            List<CompletableFuture<?>> work = new ArrayList<>();
            ExecutorService clients = Executors.newFixedThreadPool(4);
            for (int g = 0; g < 20; g++) {
                String group = "group-" + g;
                work.add(CompletableFuture.supplyAsync(() -> {
                    JoinResult j = c.joinGroup(join(group, "", null, range("t"))).join();
                    j = c.joinGroup(join(group, j.memberId(), null, range("t"))).join();
                    SyncResult s = c.syncGroup(new SyncParams(group, j.generationId(), j.memberId(), null, "consumer", "range",
                            Map.of(j.memberId(), new byte[]{9}))).join();
                    assertThat(s.assignment()).containsExactly(9);
                    CommitResult r = c.commitOffsets(new CommitParams(group, j.memberId(), null, j.generationId(), -1,
                            List.of(new CommitPartition("t", 0, 5, -1, "")), (short) 8)).join();
                    assertThat(r.partitions().values()).containsOnly(Errors.NONE);
                    return null;
                }, clients));
                String cg = "consumer-" + g;
                work.add(CompletableFuture.supplyAsync(() -> {
                    var r = c.consumerGroupHeartbeat(new ConsumerGroupApi.HeartbeatParams(cg, "", 0, null, null, 30_000,
                            List.of("t"), null, null, List.of(), "c", "h")).join();
                    assertThat(r.error()).isEqualTo(Errors.NONE);
                    assertThat(r.assignment()).singleElement().satisfies(tp -> assertThat(tp.partitions()).hasSize(4));
                    return null;
                }, clients));
            }
            CompletableFuture.allOf(work.toArray(CompletableFuture[]::new)).get(20, TimeUnit.SECONDS);
            clients.shutdown();
            assertThat(c.listGroups(java.util.Set.of("stable"), java.util.Set.of()).get(10, TimeUnit.SECONDS).groups()).hasSize(40);
        } finally {
            storage.shutdown();
        }
        // everything written can be loaded again
        GroupCoordinator again = new GroupCoordinator(cfg, mem, topics, Time.SYSTEM, new ThreadEventExecutor("reload"), Runnable::run);
        try {
            for (int p = 0; p < 5; p++) again.onElection(p).get(10, TimeUnit.SECONDS);
            assertThat(again.listGroups(java.util.Set.of(), java.util.Set.of()).get(10, TimeUnit.SECONDS).groups()).hasSize(40);
        } finally {
            again.close();
        }
    }
}
