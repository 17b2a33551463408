package io.runnel.group;

import io.runnel.common.Errors;
import io.runnel.common.Time;
import io.runnel.common.TopicPartition;
import io.runnel.group.api.AdminApi.ClassicGroupDescription;
import io.runnel.group.api.AdminApi.ClassicMemberDescription;
import io.runnel.group.api.AdminApi.DeleteGroupResult;
import io.runnel.group.api.AdminApi.ListedGroup;
import io.runnel.group.api.ClassicGroupApi.HeartbeatParams;
import io.runnel.group.api.ClassicGroupApi.JoinParams;
import io.runnel.group.api.ClassicGroupApi.JoinResult;
import io.runnel.group.api.ClassicGroupApi.LeaveParams;
import io.runnel.group.api.ClassicGroupApi.LeaveResult;
import io.runnel.group.api.ClassicGroupApi.SyncParams;
import io.runnel.group.api.ClassicGroupApi.SyncResult;
import io.runnel.group.api.ConsumerGroupApi;
import io.runnel.group.api.ConsumerGroupApi.GroupDescription;
import io.runnel.group.api.ConsumerGroupApi.HeartbeatResult;
import io.runnel.group.api.OffsetApi.CommitParams;
import io.runnel.group.api.OffsetApi.CommitPartition;
import io.runnel.group.api.OffsetApi.CommitResult;
import io.runnel.group.api.OffsetApi.DeleteResult;
import io.runnel.group.api.OffsetApi.FetchParams;
import io.runnel.group.api.OffsetApi.FetchResult;
import io.runnel.group.api.OffsetApi.TxnCommitParams;
import io.runnel.group.records.RecordSerde;
import io.runnel.group.runtime.CoordinatorRuntime;
import io.runnel.group.runtime.EventExecutor;
import io.runnel.group.runtime.ShardRuntime;
import io.runnel.group.runtime.ThreadEventExecutor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.BiConsumer;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.random.RandomGenerator;

/**
 * The group coordinator: classic groups, KIP-848 consumer groups and committed offsets, sharded by the
 * partitions of {@code __consumer_offsets}. A group lives in partition {@link #partitionFor}; this broker
 * serves the groups of the partitions it leads ({@link #onElection}) and answers NOT_COORDINATOR for the rest
 * and COORDINATOR_LOAD_IN_PROGRESS while a partition loads.
 *
 * <p><b>Threads.</b> Public methods are thread-safe and never block: they hand the request to the single
 * coordinator thread (the {@link EventExecutor}) and return a future. One thread serves all shards; each shard
 * serializes its operations around its writes (see {@link GroupShard}). Futures complete on the coordinator
 * thread, so callers must not block in their callbacks. Loading a partition (replaying its log) runs on a
 * separate loader executor and hands the rebuilt state to the coordinator thread.
 *
 * <p><b>Errors.</b> Results carry Kafka error codes. Only unexpected failures complete a future exceptionally.
 *
 * <p><b>Moving.</b> The state of a shard is exactly what replaying its partition yields, so another broker
 * that becomes leader of the partition rebuilds it with {@link #onElection}; {@link #onResignation} drops it
 * here (parked JoinGroup/SyncGroup responses get NOT_COORDINATOR and clients rediscover the coordinator).
 */
public final class GroupCoordinator implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(GroupCoordinator.class);

    private final GroupCoordinatorConfig config;
    private final CoordinatorLog coordinatorLog;
    private final TopicView topics;
    private final GroupConfigView groupConfigs;
    private final Time time;
    private final RandomGenerator random;
    private final EventExecutor executor;
    private final Executor loader;
    private final AutoCloseable closeLoader;
    /** The shards and their life cycle, shared with the transaction coordinator's runtime. */
    private final CoordinatorRuntime<GroupShard, ShardState> runtime;

    /**
     * @param executor the coordinator thread (a {@link io.runnel.group.runtime.ManualEventExecutor} in tests)
     * @param loader   where partitions are replayed when loading ({@code Runnable::run} in tests)
     */
    public GroupCoordinator(GroupCoordinatorConfig config, CoordinatorLog log, TopicView topics, Time time,
                            EventExecutor executor, Executor loader) {
        this(config, log, topics, GroupConfigView.NONE, time, new SplittableRandom(), executor, loader, null);
    }

    /**
     * @param groupConfigs the per-group config overrides to apply ({@link GroupConfigView#NONE}: none)
     * @param random       the source of member ids, injected like time: a seeded generator replays the same ids
     */
    public GroupCoordinator(GroupCoordinatorConfig config, CoordinatorLog log, TopicView topics, GroupConfigView groupConfigs,
                            Time time, RandomGenerator random, EventExecutor executor, Executor loader) {
        this(config, log, topics, groupConfigs, time, random, executor, loader, null);
    }

    private GroupCoordinator(GroupCoordinatorConfig config, CoordinatorLog log, TopicView topics, GroupConfigView groupConfigs,
                             Time time, RandomGenerator random, EventExecutor executor, Executor loader, AutoCloseable closeLoader) {
        this.config = config;
        this.coordinatorLog = log;
        this.topics = topics;
        this.groupConfigs = groupConfigs;
        this.time = time;
        this.random = random;
        this.executor = executor;
        this.loader = loader;
        this.closeLoader = closeLoader;
        this.runtime = new CoordinatorRuntime<>("__consumer_offsets", config.offsetsTopicPartitions(), new Shards(), executor, loader);
    }

    /** Makes, loads and starts the shards of {@code __consumer_offsets}. */
    private final class Shards implements CoordinatorRuntime.ShardFactory<GroupShard, ShardState> {
        @Override
        public GroupShard create(int partition) {
            return new GroupShard(partition, config, time, topics, groupConfigs, random, executor, coordinatorLog);
        }

        @Override
        public ShardState load(int partition) {
            ShardState state = new ShardState();
            int[] count = {0};
            coordinatorLog.replayWithTransactions(partition, new CoordinatorLog.ReplaySink() {
                @Override
                public void record(CoordinatorRecord rec) {
                    var r = RecordSerde.deserialize(rec);
                    if (r != null) state.replay(r);
                    count[0]++;
                }

                @Override
                public void transactional(long producerId, CoordinatorRecord rec) {
                    var r = RecordSerde.deserialize(rec);
                    if (r != null) state.replayTransactional(producerId, r);
                    count[0]++;
                }

                @Override
                public void marker(long producerId, boolean commit) {
                    state.completeTransaction(producerId, commit);
                }
            });
            log.info("replayed __consumer_offsets-{}: {} records, {} groups", partition, count[0], state.groups.size());
            return state;
        }

        @Override
        public void activate(GroupShard shard, ShardState loaded) {
            shard.activate(loaded);
        }
    }

    /** A coordinator with its own daemon threads ("group-coordinator", "group-coordinator-loader") and the system clock. */
    public static GroupCoordinator create(GroupCoordinatorConfig config, CoordinatorLog log, TopicView topics) {
        return create(config, log, topics, GroupConfigView.NONE);
    }

    /** As {@link #create(GroupCoordinatorConfig, CoordinatorLog, TopicView)}, applying per-group config overrides. */
    public static GroupCoordinator create(GroupCoordinatorConfig config, CoordinatorLog log, TopicView topics,
                                          GroupConfigView groupConfigs) {
        ExecutorService loader = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "group-coordinator-loader");
            t.setDaemon(true);
            return t;
        });
        return new GroupCoordinator(config, log, topics, groupConfigs, Time.SYSTEM, new SplittableRandom(),
                new ThreadEventExecutor("group-coordinator"), loader, loader::shutdownNow);
    }

    public GroupCoordinatorConfig config() {
        return config;
    }

    public TopicView topics() {
        return topics;
    }

    /** The partition of {@code __consumer_offsets} that holds a group: Kafka's {@code Utils.abs(hashCode) % n}. */
    public static int partitionFor(String groupId, int partitions) {
        int h = groupId.hashCode();
        return (h == Integer.MIN_VALUE ? 0 : Math.abs(h)) % partitions;
    }

    public int partitionFor(String groupId) {
        return partitionFor(groupId, config.offsetsTopicPartitions());
    }

    // ------------------------------------------------------------------ shard lifecycle

    /**
     * This broker became the leader of {@code __consumer_offsets-partition}: replays the partition and then
     * serves its groups. The future completes when the shard is active. Calling it for an active or loading
     * partition does nothing more.
     */
    public CompletableFuture<Void> onElection(int partition) {
        return runtime.onElection(partition);
    }

    /** This broker is no longer the leader of the partition: drops its groups from memory. */
    public CompletableFuture<Void> onResignation(int partition) {
        return runtime.onResignation(partition);
    }

    /** Whether this coordinator serves (and has loaded) the partition. */
    public boolean isActive(int partition) {
        return runtime.isActive(partition);
    }

    // ------------------------------------------------------------------ classic protocol

    public CompletableFuture<JoinResult> joinGroup(JoinParams p) {
        if (!validId(p.groupId())) return CompletableFuture.completedFuture(JoinResult.error(Errors.INVALID_GROUP_ID, p.memberId()));
        if (!config.classicProtocolEnabled()) {
            return CompletableFuture.completedFuture(JoinResult.error(Errors.UNSUPPORTED_VERSION, p.memberId()));
        }
        return submit(p.groupId(), (s, f) -> s.classic.join(p, f), e -> JoinResult.error(e, p.memberId()));
    }

    public CompletableFuture<SyncResult> syncGroup(SyncParams p) {
        if (!validId(p.groupId())) return CompletableFuture.completedFuture(SyncResult.error(Errors.INVALID_GROUP_ID));
        return submit(p.groupId(), (s, f) -> s.classic.sync(p, f), SyncResult::error);
    }

    public CompletableFuture<Errors> heartbeat(HeartbeatParams p) {
        if (!validId(p.groupId())) return CompletableFuture.completedFuture(Errors.INVALID_GROUP_ID);
        return submit(p.groupId(), (s, f) -> f.complete(s.classic.heartbeat(p)), e -> e);
    }

    public CompletableFuture<LeaveResult> leaveGroup(LeaveParams p) {
        if (!validId(p.groupId())) return CompletableFuture.completedFuture(new LeaveResult(Errors.INVALID_GROUP_ID, List.of()));
        return submit(p.groupId(), (s, f) -> s.classic.leave(p, f), e -> new LeaveResult(e, List.of()));
    }

    // ------------------------------------------------------------------ consumer protocol (KIP-848)

    public CompletableFuture<HeartbeatResult> consumerGroupHeartbeat(ConsumerGroupApi.HeartbeatParams p) {
        if (!config.consumerProtocolEnabled()) {
            return CompletableFuture.completedFuture(HeartbeatResult.error(Errors.UNSUPPORTED_VERSION,
                    "The consumer group protocol is disabled (group.coordinator.rebalance.protocols)."));
        }
        if (!validId(p.groupId())) {
            return CompletableFuture.completedFuture(HeartbeatResult.error(Errors.INVALID_REQUEST, "GroupId can't be empty."));
        }
        return submit(p.groupId(), (s, f) -> s.consumer.heartbeat(p, f), e -> HeartbeatResult.error(e, null));
    }

    public CompletableFuture<List<GroupDescription>> consumerGroupDescribe(List<String> groupIds) {
        return fanOut(groupIds, (s, id) -> s.consumer.describe(id),
                (id, e) -> GroupDescription.error(id, e, null),
                id -> id == null || id.isEmpty() ? GroupDescription.error(id, Errors.INVALID_GROUP_ID, null) : null);
    }

    // ------------------------------------------------------------------ offsets

    public CompletableFuture<CommitResult> commitOffsets(CommitParams p) {
        if (p.groupId() == null) return CompletableFuture.completedFuture(uniform(p, Errors.INVALID_GROUP_ID));
        return submit(p.groupId(), (s, f) -> s.offsets.commit(p, f), e -> uniform(p, e));
    }

    private static CommitResult uniform(CommitParams p, Errors e) {
        LinkedHashMap<TopicPartition, Errors> m = new LinkedHashMap<>();
        for (CommitPartition cp : p.partitions()) m.put(new TopicPartition(cp.topic(), cp.partition()), e);
        return new CommitResult(m);
    }

    /**
     * TxnOffsetCommit: the offsets are written with the producer's transaction and stay pending (OffsetFetch with
     * RequireStable answers UNSTABLE_OFFSET_COMMIT for them) until {@link #writeTxnMarker}.
     */
    public CompletableFuture<CommitResult> txnCommitOffsets(TxnCommitParams p) {
        if (!validId(p.groupId())) {
            LinkedHashMap<TopicPartition, Errors> m = new LinkedHashMap<>();
            for (CommitPartition cp : p.partitions()) m.put(new TopicPartition(cp.topic(), cp.partition()), Errors.INVALID_GROUP_ID);
            return CompletableFuture.completedFuture(new CommitResult(m));
        }
        return submit(p.groupId(), (s, f) -> s.offsets.txnCommit(p, f), e -> {
            LinkedHashMap<TopicPartition, Errors> m = new LinkedHashMap<>();
            for (CommitPartition cp : p.partitions()) m.put(new TopicPartition(cp.topic(), cp.partition()), e);
            return new CommitResult(m);
        });
    }

    /**
     * The transaction coordinator's commit or abort marker for {@code producerId} into partition {@code partition} of
     * {@code __consumer_offsets}: written here, as an operation of the shard (so after its writes in flight, never
     * while it loads), then the producer's pending offsets are applied or dropped (Kafka's approach). Completes with
     * NONE, the marker write's error, or NOT_COORDINATOR / COORDINATOR_LOAD_IN_PROGRESS (retriable: the transaction
     * coordinator retries).
     */
    public CompletableFuture<Errors> writeTxnMarker(int partition, long producerId, short producerEpoch, int coordinatorEpoch,
                                                    boolean commit) {
        return submitTo(partition, (s, done) -> {
            Errors e = coordinatorLog.writeMarker(partition, producerId, producerEpoch, coordinatorEpoch, commit)
                    .exceptionally(Errors::forException).join();
            if (e == Errors.NONE) s.state().completeTransaction(producerId, commit);
            done.complete(e);
        }, e -> e);
    }

    public CompletableFuture<FetchResult> fetchOffsets(FetchParams p) {
        if (p.groupId() == null) return CompletableFuture.completedFuture(new FetchResult(null, Errors.INVALID_GROUP_ID, List.of()));
        return submit(p.groupId(), (s, f) -> f.complete(s.offsets.fetch(p)), e -> new FetchResult(p.groupId(), e, List.of()));
    }

    /** OffsetFetch v8+: several groups at once, each answered on its own. */
    public CompletableFuture<List<FetchResult>> fetchOffsets(List<FetchParams> groups) {
        List<CompletableFuture<FetchResult>> fs = new ArrayList<>();
        for (FetchParams p : groups) fs.add(fetchOffsets(p));
        return CompletableFuture.allOf(fs.toArray(CompletableFuture[]::new))
                .thenApply(v -> fs.stream().map(CompletableFuture::join).toList());
    }

    public CompletableFuture<DeleteResult> deleteOffsets(String groupId, List<TopicPartition> partitions) {
        if (!validId(groupId)) return CompletableFuture.completedFuture(new DeleteResult(Errors.INVALID_GROUP_ID, Map.of()));
        return submit(groupId, (s, f) -> s.offsets.delete(groupId, partitions, f), e -> new DeleteResult(e, Map.of()));
    }

    // ------------------------------------------------------------------ admin

    /** The result of ListGroups: the groups of every loaded shard; COORDINATOR_LOAD_IN_PROGRESS if some still load. */
    public record ListGroupsResult(Errors error, List<ListedGroup> groups) {
    }

    /**
     * @param states case-insensitive state names to keep (empty: all)
     * @param types  case-insensitive group types to keep, "classic"/"consumer" (empty: all)
     */
    public CompletableFuture<ListGroupsResult> listGroups(Set<String> states, Set<String> types) {
        Set<String> st = lower(states), ty = lower(types);
        CompletableFuture<ListGroupsResult> out = new CompletableFuture<>();
        executor.execute(() -> {
            List<CompletableFuture<List<ListedGroup>>> parts = new ArrayList<>();
            boolean loading = false;
            for (int p = 0; p < runtime.partitions(); p++) {
                GroupShard s = runtime.shard(p);
                if (s == null) continue;
                if (s.status() != ShardRuntime.Status.ACTIVE) {
                    loading = true;
                    continue;
                }
                CompletableFuture<List<ListedGroup>> f = new CompletableFuture<>();
                s.run(new ShardRuntime.Op(() -> f.complete(listed(s, st, ty)), t -> f.complete(List.of())));
                parts.add(f);
            }
            Errors error = loading ? Errors.COORDINATOR_LOAD_IN_PROGRESS : Errors.NONE;
            CompletableFuture.allOf(parts.toArray(CompletableFuture[]::new)).whenComplete((v, t) -> {
                List<ListedGroup> all = new ArrayList<>();
                for (CompletableFuture<List<ListedGroup>> f : parts) all.addAll(f.getNow(List.of()));
                out.complete(new ListGroupsResult(error, all));
            });
        });
        return out;
    }

    private static Set<String> lower(Set<String> in) {
        if (in == null) return Set.of();
        java.util.HashSet<String> out = new java.util.HashSet<>();
        for (String s : in) out.add(s.toLowerCase(Locale.ROOT));
        return out;
    }

    private static List<ListedGroup> listed(GroupShard s, Set<String> states, Set<String> types) {
        List<ListedGroup> out = new ArrayList<>();
        for (Group g : new TreeMap<>(s.state().groups).values()) {
            ListedGroup lg = new ListedGroup(g.groupId(), g.protocolType(), g.stateName(), g.type());
            if (keep(lg, states, types)) out.add(lg);
        }
        for (String id : new java.util.TreeSet<>(s.offsets.offsetsOnlyGroups())) {
            ListedGroup lg = new ListedGroup(id, "", "Empty", "classic");
            if (keep(lg, states, types)) out.add(lg);
        }
        return out;
    }

    private static boolean keep(ListedGroup g, Set<String> states, Set<String> types) {
        return (states.isEmpty() || states.contains(g.state().toLowerCase(Locale.ROOT)))
                && (types.isEmpty() || types.contains(g.type()));
    }

    /**
     * DescribeGroups (classic groups). A group this coordinator does not know is reported Dead, or with
     * GROUP_ID_NOT_FOUND when {@code notFoundAsError} (DescribeGroups v6+); so is a consumer-protocol group.
     */
    public CompletableFuture<List<ClassicGroupDescription>> describeGroups(List<String> groupIds, boolean notFoundAsError) {
        return fanOut(groupIds, (s, id) -> describeClassic(s, id, notFoundAsError),
                (id, e) -> new ClassicGroupDescription(id, e, null, "Dead", "", "", List.of()),
                id -> id == null ? new ClassicGroupDescription(id, Errors.INVALID_GROUP_ID, null, "Dead", "", "", List.of()) : null);
    }

    private static ClassicGroupDescription describeClassic(GroupShard s, String id, boolean notFoundAsError) {
        Group g = s.state().groups.get(id);
        if (g instanceof ClassicGroup c) {
            List<ClassicMemberDescription> members = new ArrayList<>();
            boolean stable = c.is(ClassicGroup.State.STABLE);
            for (ClassicMember m : c.members.values()) {
                byte[] md = stable ? m.metadata(c.protocolName) : null;
                members.add(new ClassicMemberDescription(m.memberId, m.groupInstanceId, m.clientId, m.clientHost,
                        md == null ? new byte[0] : md, stable ? m.assignment : new byte[0]));
            }
            return new ClassicGroupDescription(id, Errors.NONE, null, c.stateName(), c.protocolType(),
                    stable && c.protocolName != null ? c.protocolName : "", members);
        }
        if (g == null && !s.state().offsetsOf(id).isEmpty()) {
            return new ClassicGroupDescription(id, Errors.NONE, null, "Empty", "", "", List.of());
        }
        String why = g == null ? "Group " + id + " not found." : "Group " + id + " is not a classic group.";
        return notFoundAsError
                ? new ClassicGroupDescription(id, Errors.GROUP_ID_NOT_FOUND, why, "Dead", "", "", List.of())
                : new ClassicGroupDescription(id, Errors.NONE, null, "Dead", "", "", List.of());
    }

    /** DeleteGroups: empty groups (of either type) and their offsets. */
    public CompletableFuture<List<DeleteGroupResult>> deleteGroups(List<String> groupIds) {
        Map<Integer, List<String>> byShard = new TreeMap<>();
        List<DeleteGroupResult> invalid = new ArrayList<>();
        for (String id : groupIds) {
            if (id == null) invalid.add(new DeleteGroupResult(null, Errors.INVALID_GROUP_ID));
            else byShard.computeIfAbsent(partitionFor(id), k -> new ArrayList<>()).add(id);
        }
        List<CompletableFuture<Map<String, Errors>>> fs = new ArrayList<>();
        for (Map.Entry<Integer, List<String>> e : byShard.entrySet()) {
            List<String> ids = e.getValue();
            fs.add(submitTo(e.getKey(), (s, f) -> s.offsets.deleteGroups(ids, f), err -> {
                Map<String, Errors> m = new LinkedHashMap<>();
                ids.forEach(id -> m.put(id, err));
                return m;
            }));
        }
        return CompletableFuture.allOf(fs.toArray(CompletableFuture[]::new)).thenApply(v -> {
            Map<String, Errors> all = new LinkedHashMap<>();
            fs.forEach(f -> all.putAll(f.join()));
            List<DeleteGroupResult> out = new ArrayList<>(invalid);
            for (String id : groupIds) if (id != null && all.containsKey(id)) out.add(new DeleteGroupResult(id, all.remove(id)));
            return out;
        });
    }

    // ------------------------------------------------------------------ plumbing

    private static boolean validId(String groupId) {
        return groupId != null && !groupId.isEmpty();
    }

    private <T> CompletableFuture<T> submit(String groupId, BiConsumer<GroupShard, CompletableFuture<T>> op,
                                            Function<Errors, T> onError) {
        return submitTo(partitionFor(groupId), op, onError);
    }

    /** Runs {@code op} as an operation of the shard; shard-level errors become {@code onError} results. */
    private <T> CompletableFuture<T> submitTo(int partition, BiConsumer<GroupShard, CompletableFuture<T>> op,
                                              Function<Errors, T> onError) {
        return runtime.<T>submit(partition, op).exceptionally(t -> onError.apply(Errors.forException(t)));
    }

    /** Runs one read per group on its shard and gathers the answers in request order. */
    private <T> CompletableFuture<List<T>> fanOut(List<String> ids, BiFunction<GroupShard, String, T> read,
                                                  BiFunction<String, Errors, T> onError, Function<String, T> precheck) {
        List<CompletableFuture<T>> fs = new ArrayList<>();
        for (String id : ids) {
            T early = precheck.apply(id);
            if (early != null) {
                fs.add(CompletableFuture.completedFuture(early));
                continue;
            }
            fs.add(submit(id, (s, f) -> f.complete(read.apply(s, id)), e -> onError.apply(id, e)));
        }
        return CompletableFuture.allOf(fs.toArray(CompletableFuture[]::new))
                .thenApply(v -> fs.stream().map(CompletableFuture::join).toList());
    }

    /** For tests: the durable state of a shard, described canonically (see {@link ShardState#describeDurable}). */
    CompletableFuture<String> describeDurableState(int partition) {
        return submitTo(partition, (s, f) -> f.complete(s.state().describeDurable()), e -> "error " + e);
    }

    /** For tests: how many timers a shard has. */
    CompletableFuture<Integer> timerCount(int partition) {
        return submitTo(partition, (s, f) -> f.complete(s.timerCount()), e -> -1);
    }

    @Override
    public void close() {
        runtime.close();
        executor.close();
        if (closeLoader != null) {
            try {
                closeLoader.close();
            } catch (Exception ignored) {
                // daemon thread
            }
        }
    }
}
