package io.runnel.group;

import io.runnel.common.Errors;
import io.runnel.common.Time;
import io.runnel.common.Uuid;
import io.runnel.group.records.GroupRecord;
import io.runnel.group.records.RecordSerde;
import io.runnel.group.runtime.EventExecutor;
import io.runnel.group.runtime.ShardRuntime;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.random.RandomGenerator;

/**
 * One coordinator shard of groups: one partition of {@code __consumer_offsets} and the groups that hash to it, run
 * by the {@link ShardRuntime} it shares with the transaction coordinator (operations serialized around their
 * writes, records applied once durable, timers). Everything here runs on the coordinator thread
 * ({@link EventExecutor}).
 */
final class GroupShard extends ShardRuntime<GroupRecord> {
    final GroupCoordinatorConfig config;
    final Time time;
    final TopicView topics;
    final GroupConfigView groupConfigs;
    /** The source of member ids; injected like time so a seeded test replays the same ids. Coordinator thread only. */
    final RandomGenerator random;
    ShardState state;

    final ClassicGroupManager classic;
    final ConsumerGroupManager consumer;
    final OffsetManager offsets;

    GroupShard(int partition, GroupCoordinatorConfig config, Time time, TopicView topics, GroupConfigView groupConfigs,
               RandomGenerator random, EventExecutor executor, CoordinatorLog coordinatorLog) {
        super("__consumer_offsets", partition, executor, coordinatorLog);
        this.random = random;
        this.config = config;
        this.time = time;
        this.topics = topics;
        this.groupConfigs = groupConfigs;
        this.classic = new ClassicGroupManager(this);
        this.consumer = new ConsumerGroupManager(this);
        this.offsets = new OffsetManager(this);
    }

    /** A consumer-protocol member id: a random Uuid in Kafka's text form. */
    String newMemberId() {
        return Uuid.random(random).toString();
    }

    /** A classic member id: {@code prefix-<uuid>}, as Kafka builds it from group.instance.id or client.id. */
    String newMemberId(String prefix) {
        return prefix + "-" + new UUID(random.nextLong(), random.nextLong());
    }

    long now() {
        return time.milliseconds();
    }

    ShardState state() {
        return state;
    }

    /** Installs the loaded state and starts the timers of what it holds. */
    void activate(ShardState loaded) {
        this.state = loaded;
        markActive();
        run(new Op(() -> {
            for (Group g : new ArrayList<>(state.groups.values())) {
                if (g instanceof ClassicGroup c) classic.onLoaded(c);
                else if (g instanceof ConsumerGroup c) consumer.onLoaded(c);
            }
            offsets.scheduleExpiry();
        }, t -> { }));
    }

    @Override
    protected CoordinatorRecord serialize(GroupRecord r) {
        return RecordSerde.serialize(r);
    }

    @Override
    protected void apply(GroupRecord r, long producerId) {
        if (producerId >= 0) state.replayTransactional(producerId, r);
        else state.replay(r);
    }

    /** Parked JoinGroup/SyncGroup responses get NOT_COORDINATOR. */
    @Override
    protected void onClose() {
        if (state != null) {
            for (Group g : state.groups.values()) if (g instanceof ClassicGroup c) classic.onUnloaded(c);
        }
    }

    // ------------------------------------------------------------------ errors

    /** The error a response carries when appending its records failed (Kafka's mapping). */
    static Errors appendError(Throwable err, boolean offsetCommit) {
        Errors e = Errors.forException(err);
        return switch (e) {
            case UNKNOWN_TOPIC_OR_PARTITION, NOT_ENOUGH_REPLICAS, NOT_ENOUGH_REPLICAS_AFTER_APPEND, REQUEST_TIMED_OUT,
                 COORDINATOR_NOT_AVAILABLE -> Errors.COORDINATOR_NOT_AVAILABLE;
            case NOT_LEADER_OR_FOLLOWER, KAFKA_STORAGE_ERROR, NOT_COORDINATOR -> Errors.NOT_COORDINATOR;
            case MESSAGE_TOO_LARGE, RECORD_LIST_TOO_LARGE, INVALID_FETCH_SIZE ->
                    offsetCommit ? Errors.INVALID_COMMIT_OFFSET_SIZE : Errors.UNKNOWN_SERVER_ERROR;
            default -> e;
        };
    }
}
