package io.runnel.group;

import io.runnel.common.Errors;
import io.runnel.common.TopicPartition;
import io.runnel.group.api.OffsetApi.CommitParams;
import io.runnel.group.api.OffsetApi.CommitPartition;
import io.runnel.group.api.OffsetApi.CommitResult;
import io.runnel.group.api.OffsetApi.DeleteResult;
import io.runnel.group.api.OffsetApi.FetchParams;
import io.runnel.group.api.OffsetApi.FetchResult;
import io.runnel.group.api.OffsetApi.FetchedOffset;
import io.runnel.group.api.OffsetApi.TxnCommitParams;
import io.runnel.group.records.GroupRecord;
import io.runnel.group.records.GroupRecord.OffsetCommit;
import io.runnel.group.records.GroupRecord.OffsetValue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;

/**
 * Committed offsets of one shard: OffsetCommit (validated against the group's generation or member epoch),
 * OffsetFetch, OffsetDelete, DeleteGroups, and the periodic expiry of offsets.retention.minutes.
 *
 * <p>Expiry (every offsets.retention.check.interval.ms): an offset expires when its explicit expire time
 * (OffsetCommit v2-v4 retention) has passed, or when retention has elapsed since its base time. The base is
 * the commit time, or for a classic group that became Empty, the later of the commit time and the time it
 * became empty. Offsets only expire while the group is empty, or, in a group with members, for topics no
 * member subscribes to. An empty group left without offsets is deleted (tombstones).
 * Coordinator thread only.
 */
final class OffsetManager {
    private static final Logger log = LoggerFactory.getLogger(OffsetManager.class);
    private static final String EXPIRY_KEY = "offsets-expiry";

    private final GroupShard shard;

    OffsetManager(GroupShard shard) {
        this.shard = shard;
    }

    private ShardState state() {
        return shard.state();
    }

    // ------------------------------------------------------------------ OffsetCommit

    void commit(CommitParams p, CompletableFuture<CommitResult> f) {
        Errors e = validateCommit(p);
        LinkedHashMap<TopicPartition, Errors> result = new LinkedHashMap<>();
        if (e != Errors.NONE) {
            for (CommitPartition cp : p.partitions()) result.put(new TopicPartition(cp.topic(), cp.partition()), e);
            f.complete(new CommitResult(result));
            return;
        }
        long now = shard.now();
        long expire = p.retentionTimeMs() >= 0 ? now + p.retentionTimeMs() : -1L;
        List<GroupRecord> records = new ArrayList<>();
        for (CommitPartition cp : p.partitions()) {
            TopicPartition tp = new TopicPartition(cp.topic(), cp.partition());
            String metadata = cp.metadata() == null ? "" : cp.metadata();
            if (metadata.length() > shard.config.offsetMetadataMaxBytes()) {
                result.put(tp, Errors.OFFSET_METADATA_TOO_LARGE);
            } else {
                result.put(tp, Errors.NONE);
                records.add(new OffsetCommit(p.groupId(), cp.topic(), cp.partition(),
                        new OffsetValue(cp.offset(), cp.leaderEpoch(), metadata, now, expire)));
            }
        }
        shard.write(records, () -> f.complete(new CommitResult(result)), err -> {
            Errors mapped = GroupShard.appendError(err, true);
            result.replaceAll((tp, x) -> x == Errors.NONE ? mapped : x);
            f.complete(new CommitResult(result));
        });
    }

    // ------------------------------------------------------------------ TxnOffsetCommit

    /**
     * TxnOffsetCommit: validates the producer's group membership (KIP-447) and writes the offsets as a
     * transactional batch of the producer; they stay pending until the transaction's marker reaches this partition.
     */
    void txnCommit(TxnCommitParams p, CompletableFuture<CommitResult> f) {
        Errors e = validateTxnCommit(p);
        LinkedHashMap<TopicPartition, Errors> result = new LinkedHashMap<>();
        List<GroupRecord> records = new ArrayList<>();
        long now = shard.now();
        for (CommitPartition cp : p.partitions()) {
            TopicPartition tp = new TopicPartition(cp.topic(), cp.partition());
            String metadata = cp.metadata() == null ? "" : cp.metadata();
            if (e != Errors.NONE) {
                result.put(tp, e);
            } else if (metadata.length() > shard.config.offsetMetadataMaxBytes()) {
                result.put(tp, Errors.OFFSET_METADATA_TOO_LARGE);
            } else {
                result.put(tp, Errors.NONE);
                records.add(new OffsetCommit(p.groupId(), cp.topic(), cp.partition(),
                        new OffsetValue(cp.offset(), cp.leaderEpoch(), metadata, now, -1L)));
            }
        }
        if (records.isEmpty()) {
            f.complete(new CommitResult(result));
            return;
        }
        shard.writeTransactional(p.producerId(), p.producerEpoch(), records, () -> f.complete(new CommitResult(result)), err -> {
            Errors mapped = GroupShard.appendError(err, true);
            result.replaceAll((tp, x) -> x == Errors.NONE ? mapped : x);
            f.complete(new CommitResult(result));
        });
    }

    /** KIP-447: a producer that names its consumer's generation and member is fenced when they are stale. */
    private Errors validateTxnCommit(TxnCommitParams p) {
        Group group = state().groups.get(p.groupId());
        String memberId = p.memberId() == null ? "" : p.memberId();
        int generation = p.generationId();
        if (memberId.isEmpty() && generation < 0 && p.groupInstanceId() == null) return Errors.NONE;
        boolean v6 = p.apiVersion() >= 6;
        if (group == null) return generation < 0 ? Errors.NONE : v6 ? Errors.GROUP_ID_NOT_FOUND : Errors.ILLEGAL_GENERATION;
        return switch (group) {
            case ClassicGroup g -> {
                if (g.is(ClassicGroup.State.DEAD)) yield Errors.COORDINATOR_NOT_AVAILABLE;
                Errors e = ClassicGroupManager.validateMember(g, memberId, p.groupInstanceId());
                if (e != Errors.NONE) yield e;
                yield generation >= 0 && generation != g.generationId ? Errors.ILLEGAL_GENERATION : Errors.NONE;
            }
            case ConsumerGroup g -> {
                ConsumerMember m = g.members.get(memberId);
                if (m == null) yield Errors.UNKNOWN_MEMBER_ID;
                if (p.groupInstanceId() != null && !p.groupInstanceId().equals(m.instanceId())) yield Errors.FENCED_INSTANCE_ID;
                if (generation == m.memberEpoch()) yield Errors.NONE;
                // v6 (KIP-1319) tells a consumer-protocol member its epoch is stale; older versions only know generations
                yield v6 && !g.isClassic(memberId) ? Errors.STALE_MEMBER_EPOCH : Errors.ILLEGAL_GENERATION;
            }
        };
    }

    private Errors validateCommit(CommitParams p) {
        Group group = state().groups.get(p.groupId());
        int generation = p.generationIdOrMemberEpoch();
        String memberId = p.memberId() == null ? "" : p.memberId();
        if (group == null) {
            if (generation < 0) return Errors.NONE; // a group used only to store offsets
            return p.apiVersion() >= 9 ? Errors.GROUP_ID_NOT_FOUND : Errors.ILLEGAL_GENERATION;
        }
        return switch (group) {
            case ClassicGroup g -> {
                if (g.is(ClassicGroup.State.DEAD)) yield Errors.COORDINATOR_NOT_AVAILABLE;
                if (generation < 0 && g.is(ClassicGroup.State.EMPTY)) yield Errors.NONE;
                if (generation >= 0 || !memberId.isEmpty() || p.groupInstanceId() != null) {
                    Errors e = ClassicGroupManager.validateMember(g, memberId, p.groupInstanceId());
                    if (e != Errors.NONE) yield e;
                    if (generation != g.generationId) yield Errors.ILLEGAL_GENERATION;
                } else if (!g.is(ClassicGroup.State.EMPTY)) {
                    yield Errors.UNKNOWN_MEMBER_ID;
                }
                yield g.is(ClassicGroup.State.COMPLETING_REBALANCE) ? Errors.REBALANCE_IN_PROGRESS : Errors.NONE;
            }
            case ConsumerGroup g -> {
                if (generation < 0 && g.isEmpty()) yield Errors.NONE;
                ConsumerMember m = g.members.get(memberId);
                if (m == null) yield Errors.UNKNOWN_MEMBER_ID;
                if (generation == m.memberEpoch()) yield Errors.NONE;
                // a classic member (online migration) speaks generations: Kafka answers ILLEGAL_GENERATION
                if (g.isClassic(memberId)) yield Errors.ILLEGAL_GENERATION;
                yield commitFromPreviousEpochAllowed(m, generation, p.partitions()) ? Errors.NONE : Errors.STALE_MEMBER_EPOCH;
            }
        };
    }

    /**
     * A consumer-protocol member commits with its member epoch; the current one is always accepted. The
     * epoch just before it is accepted too, for partitions the member still owns: the coordinator bumps an
     * epoch in a heartbeat response, and a commit the client sent before reading that response (typically
     * the hand-over commit in onPartitionsRevoked) would otherwise be fenced although nothing it commits
     * has moved (the relaxation Kafka adopted in KIP-1251). Anything older, newer, or for a partition the
     * member does not hold stays STALE_MEMBER_EPOCH.
     */
    private boolean commitFromPreviousEpochAllowed(ConsumerMember m, int epoch, List<CommitPartition> partitions) {
        if (epoch < 0 || epoch > m.memberEpoch() || epoch < m.previousMemberEpoch()) return false;
        var owned = m.owned();
        for (CommitPartition cp : partitions) {
            TopicView.TopicInfo t = shard.topics.byName(cp.topic());
            if (t == null || !owned.contains(t.id(), cp.partition())) return false;
        }
        return true;
    }

    // ------------------------------------------------------------------ OffsetFetch

    FetchResult fetch(FetchParams p) {
        if (state().groups.get(p.groupId()) instanceof ConsumerGroup g && p.memberId() != null && p.memberEpoch() >= 0) {
            ConsumerMember m = g.members.get(p.memberId());
            if (m == null) return new FetchResult(p.groupId(), Errors.UNKNOWN_MEMBER_ID, List.of());
            if (m.memberEpoch() != p.memberEpoch()) return new FetchResult(p.groupId(), Errors.STALE_MEMBER_EPOCH, List.of());
        }
        Map<TopicPartition, OffsetValue> offsets = state().offsetsOf(p.groupId());
        // RequireStable (OffsetFetch v7+): a partition with a transaction's offset pending answers UNSTABLE_OFFSET_COMMIT
        Set<TopicPartition> unstable = p.requireStable() ? state().pendingPartitions(p.groupId()) : Set.of();
        List<FetchedOffset> out = new ArrayList<>();
        if (p.topics() == null) {
            TreeSet<TopicPartition> sorted = new TreeSet<>(offsets.keySet());
            sorted.addAll(unstable);
            for (TopicPartition tp : sorted) out.add(fetched(tp, offsets.get(tp), unstable));
        } else {
            p.topics().forEach((topic, partitions) -> {
                for (int partition : partitions) {
                    TopicPartition tp = new TopicPartition(topic, partition);
                    out.add(fetched(tp, offsets.get(tp), unstable));
                }
            });
        }
        return new FetchResult(p.groupId(), Errors.NONE, out);
    }

    private static FetchedOffset fetched(TopicPartition tp, OffsetValue v, Set<TopicPartition> unstable) {
        if (unstable.contains(tp)) return new FetchedOffset(tp.topic(), tp.partition(), -1L, -1, "", Errors.UNSTABLE_OFFSET_COMMIT);
        return v == null
                ? new FetchedOffset(tp.topic(), tp.partition(), -1L, -1, "", Errors.NONE)
                : new FetchedOffset(tp.topic(), tp.partition(), v.offset(), v.leaderEpoch(), v.metadata(), Errors.NONE);
    }

    // ------------------------------------------------------------------ OffsetDelete

    void delete(String groupId, List<TopicPartition> partitions, CompletableFuture<DeleteResult> f) {
        Group group = state().groups.get(groupId);
        Map<TopicPartition, OffsetValue> offsets = state().offsetsOf(groupId);
        if (group == null && offsets.isEmpty()) {
            f.complete(new DeleteResult(Errors.GROUP_ID_NOT_FOUND, Map.of()));
            return;
        }
        Predicate<String> subscribed;
        if (group == null || group.isEmpty()) {
            subscribed = t -> false;
        } else if (group instanceof ClassicGroup g) {
            if (!"consumer".equals(g.protocolType)) {
                f.complete(new DeleteResult(Errors.NON_EMPTY_GROUP, Map.of()));
                return;
            }
            Set<String> topics = g.subscribedTopics();
            subscribed = topics == null ? t -> true : topics::contains;
        } else {
            subscribed = shard.consumer.subscribedTopicPredicate((ConsumerGroup) group);
        }
        LinkedHashMap<TopicPartition, Errors> result = new LinkedHashMap<>();
        List<GroupRecord> records = new ArrayList<>();
        for (TopicPartition tp : partitions) {
            if (subscribed.test(tp.topic())) {
                result.put(tp, Errors.GROUP_SUBSCRIBED_TO_TOPIC);
            } else {
                result.put(tp, Errors.NONE);
                if (offsets.containsKey(tp)) records.add(new OffsetCommit(groupId, tp.topic(), tp.partition(), null));
            }
        }
        shard.write(records, () -> f.complete(new DeleteResult(Errors.NONE, result)),
                err -> f.complete(new DeleteResult(GroupShard.appendError(err, false), Map.of())));
    }

    // ------------------------------------------------------------------ DeleteGroups

    /** Deletes empty groups with their offsets; answers per group. */
    void deleteGroups(List<String> groupIds, CompletableFuture<Map<String, Errors>> f) {
        LinkedHashMap<String, Errors> result = new LinkedHashMap<>();
        List<GroupRecord> records = new ArrayList<>();
        for (String id : groupIds) {
            if (result.containsKey(id)) continue;
            Group group = state().groups.get(id);
            Map<TopicPartition, OffsetValue> offsets = state().offsetsOf(id);
            if (group == null && offsets.isEmpty()) {
                result.put(id, Errors.GROUP_ID_NOT_FOUND);
            } else if (group != null && !group.isEmpty()) {
                result.put(id, Errors.NON_EMPTY_GROUP);
            } else {
                result.put(id, Errors.NONE);
                records.addAll(deletionRecords(id, group, offsets));
            }
        }
        shard.write(records, () -> f.complete(result), err -> {
            Errors mapped = GroupShard.appendError(err, false);
            result.replaceAll((id, x) -> x == Errors.NONE ? mapped : x);
            f.complete(result);
        });
    }

    private List<GroupRecord> deletionRecords(String groupId, Group group, Map<TopicPartition, OffsetValue> offsets) {
        List<GroupRecord> records = new ArrayList<>();
        for (TopicPartition tp : offsets.keySet()) records.add(new OffsetCommit(groupId, tp.topic(), tp.partition(), null));
        switch (group) {
            case null -> { }
            case ClassicGroup g -> {
                shard.classic.cancelTimers(g);
                records.addAll(ClassicGroupManager.groupTombstones(g));
            }
            case ConsumerGroup g -> records.addAll(ConsumerGroupManager.groupTombstones(g));
        }
        return records;
    }

    // ------------------------------------------------------------------ expiry

    void scheduleExpiry() {
        shard.schedule(EXPIRY_KEY, shard.config.offsetsRetentionCheckIntervalMs(), () -> {
            expire();
            scheduleExpiry();
        });
    }

    /** Writes tombstones for expired offsets and for empty groups left without offsets. */
    void expire() {
        long now = shard.now();
        long retention = shard.config.offsetsRetentionMs();
        Set<String> ids = new TreeSet<>(state().groups.keySet());
        ids.addAll(state().offsets.keySet());
        List<GroupRecord> records = new ArrayList<>();
        for (String id : ids) {
            Group group = state().groups.get(id);
            Map<TopicPartition, OffsetValue> offsets = state().offsetsOf(id);
            Predicate<String> expirable;
            long emptySince = -1;
            switch (group) {
                case null -> expirable = t -> true;
                case ClassicGroup g -> {
                    if (g.isEmpty()) {
                        expirable = t -> true;
                        if (!g.protocolType().isEmpty()) emptySince = g.currentStateTimestamp;
                    } else if (g.is(ClassicGroup.State.STABLE) && g.subscribedTopics() != null) {
                        Set<String> subs = g.subscribedTopics();
                        expirable = t -> !subs.contains(t);
                    } else {
                        expirable = t -> false;
                    }
                }
                case ConsumerGroup g -> {
                    Predicate<String> subs = shard.consumer.subscribedTopicPredicate(g);
                    expirable = g.isEmpty() ? t -> true : subs.negate();
                }
            }
            int expired = 0;
            for (Map.Entry<TopicPartition, OffsetValue> e : offsets.entrySet()) {
                OffsetValue v = e.getValue();
                if (!expirable.test(e.getKey().topic())) continue;
                boolean due = v.expireTimestamp() >= 0
                        ? now >= v.expireTimestamp()
                        : now - Math.max(v.commitTimestamp(), emptySince) >= retention;
                if (due) {
                    records.add(new OffsetCommit(id, e.getKey().topic(), e.getKey().partition(), null));
                    expired++;
                }
            }
            boolean pendingJoins = group instanceof ClassicGroup c && (!c.pendingMembers.isEmpty() || c.is(ClassicGroup.State.DEAD));
            if (group != null && group.isEmpty() && !pendingJoins && expired == offsets.size()) {
                log.info("deleting empty group {} of __consumer_offsets-{}: no offsets left", id, shard.partition);
                records.addAll(deletionRecords(id, group, Map.of()));
            } else if (expired > 0) {
                log.info("expired {} offsets of group {}", expired, id);
            }
        }
        if (!records.isEmpty()) {
            shard.write(records, () -> { }, err -> log.warn("offset expiry on __consumer_offsets-{} failed: {}",
                    shard.partition, err.toString()));
        }
    }

    /** Offsets-only groups (no group state) for ListGroups and DescribeGroups. */
    Set<String> offsetsOnlyGroups() {
        Set<String> out = new HashSet<>(state().offsets.keySet());
        out.removeAll(state().groups.keySet());
        return out;
    }

}
