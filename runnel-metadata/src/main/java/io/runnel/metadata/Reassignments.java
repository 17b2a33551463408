package io.runnel.metadata;

import io.runnel.common.Errors;
import io.runnel.common.TopicPartition;
import io.runnel.protocol.Message;
import io.runnel.protocol.message.PartitionChangeRecord;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.IntPredicate;

/**
 * The controller's partition reassignment rules (AlterPartitionReassignments, KIP-455, with Kafka's KRaft
 * behaviour), as pure functions of one {@link MetadataImage} returning {@link PartitionChangeRecord}s.
 *
 * <p>A reassignment of a partition with replicas R to the target T writes replicas = T followed by the
 * rest of R, {@code addingReplicas} = T \ R and {@code removingReplicas} = R \ T; the ISR and leader stay.
 * Brokers host the partition while they are in its replicas, so the adding ones start fetching. It
 * <i>completes</i> once every adding replica is in the ISR (the leader's AlterPartition puts them there,
 * see {@link #completeIfReady}): replicas = T, ISR = ISR ∩ T, adding and removing cleared, and a leader
 * outside T hands over to the first live member of ISR ∩ T in T's order (leader epoch +1). A reassignment
 * that only removes replicas completes at once. The target is always T: while a reassignment is in
 * progress, a new one is computed from the current (grown) replica set, as Kafka's KRaft controller does.
 *
 * <p><b>Cancel</b> (a null target) reverts to the replicas without the adding ones; their ISR members
 * leave the ISR, and if one of them led, the first live remaining ISR member leads (else none). A cancel
 * that would leave an empty ISR is refused (it would need an unclean election).
 *
 * <p>Not thread-safe; one instance per operation on the controller thread.
 */
final class Reassignments {
    private final MetadataImage image;
    private final IntPredicate live;

    /** @param live whether a broker may lead (registered, unfenced, not shutting down) */
    Reassignments(MetadataImage image, IntPredicate live) {
        this.image = image;
        this.live = live;
    }

    /** The outcome of an AlterPartitionReassignments: the answer per partition (request order) and the records. */
    record Outcome(Map<TopicPartition, ApiError> results, List<Message> records) {
    }

    /**
     * Starts, replaces or (null target) cancels the reassignment of each partition. Errors per partition:
     * UNKNOWN_TOPIC_OR_PARTITION; INVALID_REPLICA_ASSIGNMENT for an empty target, duplicates, a broker
     * that is not registered, or a cancel needing an unclean election;
     * INVALID_REPLICATION_FACTOR when {@code allowReplicationFactorChange} is false and the target's size
     * differs from the replication factor; NO_REASSIGNMENT_IN_PROGRESS for cancelling nothing. A target
     * equal to the replicas of a partition not being reassigned succeeds without a record.
     *
     * @param targets each partition's target replicas, or null to cancel its reassignment
     */
    Outcome alter(Map<TopicPartition, List<Integer>> targets, boolean allowReplicationFactorChange) {
        Map<TopicPartition, ApiError> results = new LinkedHashMap<>();
        List<Message> records = new ArrayList<>();
        for (Map.Entry<TopicPartition, List<Integer>> e : targets.entrySet()) {
            TopicPartition tp = e.getKey();
            TopicImage t = image.topic(tp.topic());
            PartitionState p = t == null ? null : t.partition(tp.partition());
            ApiError result;
            if (p == null) {
                result = ApiError.of(Errors.UNKNOWN_TOPIC_OR_PARTITION, "The partition " + tp + " does not exist.");
            } else if (e.getValue() == null) {
                result = cancel(t, tp, p, records);
            } else {
                result = reassign(t, tp, p, e.getValue(), allowReplicationFactorChange, records);
            }
            results.put(tp, result);
        }
        return new Outcome(results, records);
    }

    private ApiError reassign(TopicImage t, TopicPartition tp, PartitionState p, List<Integer> target, boolean allowRfChange,
                              List<Message> records) {
        String invalid = invalidTarget(target);
        if (invalid != null) return ApiError.of(Errors.INVALID_REPLICA_ASSIGNMENT, "Invalid target " + target + " for " + tp + ": " + invalid);
        List<Integer> original = originalReplicas(p);
        if (!allowRfChange && target.size() != original.size()) {
            return ApiError.of(Errors.INVALID_REPLICATION_FACTOR, "The target " + target + " of " + tp + " changes the replication factor "
                    + original.size() + ", which the request does not allow.");
        }
        if (!isReassigning(p) && target.equals(p.replicas())) return ApiError.NONE;
        List<Integer> replicas = new ArrayList<>(target);
        for (int r : p.replicas()) if (!target.contains(r)) replicas.add(r);
        List<Integer> adding = new ArrayList<>(target);
        adding.removeAll(p.replicas());
        List<Integer> removing = new ArrayList<>(p.replicas());
        removing.removeAll(target);
        PartitionState grown = new PartitionState(replicas, p.isr(), removing, adding, p.leader(), p.leaderEpoch(), p.partitionEpoch());
        PartitionChangeRecord c = completeIfReady(t, tp.partition(), grown, p.isr());
        if (c == null) {
            c = PartitionControl.change(t.id(), tp.partition(), null, null);
            c.replicas = replicas;
            c.addingReplicas = adding;
            c.removingReplicas = removing;
        }
        records.add(c);
        return ApiError.NONE;
    }

    private ApiError cancel(TopicImage t, TopicPartition tp, PartitionState p, List<Message> records) {
        if (!isReassigning(p)) {
            return ApiError.of(Errors.NO_REASSIGNMENT_IN_PROGRESS, "No reassignment of " + tp + " is in progress.");
        }
        List<Integer> original = originalReplicas(p);
        List<Integer> isr = new ArrayList<>(p.isr());
        isr.retainAll(original);
        if (isr.isEmpty()) {
            return ApiError.of(Errors.INVALID_REPLICA_ASSIGNMENT, "Cancelling the reassignment of " + tp + " would leave no in-sync replica of "
                    + original + " (the ISR is " + p.isr() + "); it would need an unclean leader election.");
        }
        Integer leader = null;
        if (p.leader() != PartitionState.NO_LEADER && !isr.contains(p.leader())) leader = firstLive(original, isr);
        PartitionChangeRecord c = PartitionControl.change(t.id(), tp.partition(), leader, isr.equals(p.isr()) ? null : isr);
        c.replicas = original;
        c.addingReplicas = List.of();
        c.removingReplicas = List.of();
        records.add(c);
        return ApiError.NONE;
    }

    /**
     * The record that completes the reassignment of {@code p} once its ISR is {@code newIsr}, or null when
     * it is not reassigning or not ready: some adding replica is outside {@code newIsr}, or no live member
     * of ISR ∩ target could lead. The record carries the ISR, so it replaces a plain ISR change of the
     * same partition (the controller calls this for every ISR change it commits).
     */
    PartitionChangeRecord completeIfReady(TopicImage t, int partition, PartitionState p, List<Integer> newIsr) {
        if (!isReassigning(p) || !newIsr.containsAll(p.addingReplicas())) return null;
        List<Integer> target = originalTarget(p);
        List<Integer> isr = new ArrayList<>(newIsr);
        isr.retainAll(target);
        if (isr.isEmpty()) return null;
        Integer leader = null;
        if (!isr.contains(p.leader())) {
            leader = firstLive(target, isr);
            if (leader == PartitionState.NO_LEADER) return null;
        }
        PartitionChangeRecord c = PartitionControl.change(t.id(), partition, leader, isr);
        c.replicas = target;
        c.addingReplicas = List.of();
        c.removingReplicas = List.of();
        return c;
    }

    /**
     * {@code records} with each plain ISR change (from AlterPartition) of a reassigning partition whose
     * new ISR completes it replaced by the completing change.
     */
    List<Message> completing(List<Message> records) {
        List<Message> out = new ArrayList<>(records.size());
        for (Message m : records) {
            Message next = m;
            if (m instanceof PartitionChangeRecord r && r.isr != null && r.replicas == null) {
                TopicImage t = image.topic(r.topicId);
                PartitionState p = t == null ? null : t.partition(r.partitionId);
                PartitionChangeRecord done = p == null ? null : completeIfReady(t, r.partitionId, p, r.isr);
                if (done != null) next = done;
            }
            out.add(next);
        }
        return out;
    }

    /** The partitions being reassigned, all or those in {@code filter} (null: all), by topic and partition. */
    static Map<TopicPartition, PartitionState> inProgress(MetadataImage image, Set<TopicPartition> filter) {
        Map<TopicPartition, PartitionState> out = new TreeMap<>();
        if (filter != null) {
            for (TopicPartition tp : filter) {
                TopicImage t = image.topic(tp.topic());
                PartitionState p = t == null ? null : t.partition(tp.partition());
                if (p != null && isReassigning(p)) out.put(tp, p);
            }
            return out;
        }
        for (TopicImage t : image.topics().values()) {
            for (Map.Entry<Integer, PartitionState> e : t.partitions().entrySet()) {
                if (isReassigning(e.getValue())) out.put(new TopicPartition(t.name(), e.getKey()), e.getValue());
            }
        }
        return out;
    }

    static boolean isReassigning(PartitionState p) {
        return !p.addingReplicas().isEmpty() || !p.removingReplicas().isEmpty();
    }

    /** The replicas before the reassignment: all but the adding ones. */
    private static List<Integer> originalReplicas(PartitionState p) {
        List<Integer> out = new ArrayList<>(p.replicas());
        out.removeAll(p.addingReplicas());
        return out;
    }

    /** The target of the reassignment: all replicas but the removing ones (in order: the target's). */
    private static List<Integer> originalTarget(PartitionState p) {
        List<Integer> out = new ArrayList<>(p.replicas());
        out.removeAll(p.removingReplicas());
        return out;
    }

    private String invalidTarget(List<Integer> target) {
        if (target.isEmpty()) return "it is empty";
        if (new HashSet<>(target).size() != target.size()) return "it has duplicates";
        for (int r : target) {
            if (image.broker(r) == null) return "broker " + r + " is not registered";
        }
        return null;
    }

    /** The first broker of {@code order} that is in {@code within} and live, else -1. */
    private int firstLive(List<Integer> order, List<Integer> within) {
        for (int r : order) if (within.contains(r) && live.test(r)) return r;
        return PartitionState.NO_LEADER;
    }
}
