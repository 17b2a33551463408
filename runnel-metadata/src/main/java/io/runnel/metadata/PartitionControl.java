package io.runnel.metadata;

import io.runnel.common.Errors;
import io.runnel.common.TopicPartition;
import io.runnel.common.Uuid;
import io.runnel.protocol.Message;
import io.runnel.protocol.message.PartitionChangeRecord;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.IntPredicate;
import java.util.function.Predicate;
import java.util.function.ToIntFunction;

/**
 * The controller's partition leadership and ISR rules (Kafka's KRaft behaviour), as pure functions of one
 * {@link MetadataImage}: each method returns the {@link PartitionChangeRecord}s (and answers) an operation
 * needs; the controller commits them. Replaying a change bumps the partition epoch, and the leader epoch
 * when the record names a leader.
 *
 * <ul>
 *   <li><b>Fencing</b> a broker takes it out of every ISR it is in, except that an ISR never becomes
 *       empty (a sole member stays). A partition it led gets the first other live ISR member in replica
 *       order, else no leader (-1), else, with {@code unclean.leader.election.enable}, the first live
 *       replica with ISR = [it].</li>
 *   <li><b>Leaderless partitions</b> (after an unfencing, or when unclean election is turned on) elect
 *       the first live ISR member, else (unclean) the first live replica with ISR = [it].</li>
 *   <li><b>AlterPartition</b>, <b>ElectLeaders</b> and the <b>imbalance</b> check: see their methods.</li>
 *   <li><b>Eligible leader replicas</b> (KIP-966, always on as in Kafka 4.1+): every change of an ISR to
 *       fewer than the topic's min.insync.replicas moves the replicas that leave it (and keeps the
 *       current ELR members that stay out of it) into the ELR, replica order; an ISR at or above min ISR
 *       empties the ELR and the last known ELR. A broker restarting without a completed controlled
 *       shutdown leaves every ELR for the last known ELR. With no live ISR member a leaderless partition
 *       elects the first live ELR member (ISR = [it]) before any unclean election; an unclean election
 *       clears both lists (the new leader's log is the truth now).</li>
 * </ul>
 *
 * <p>A broker is <i>live</i> (eligible to lead or join an ISR) when it is registered, unfenced and not
 * in a controlled shutdown; the controller supplies that predicate. Not thread-safe; one instance per
 * operation on the controller thread.
 */
final class PartitionControl {
    /** ElectLeaders election types (the request's ElectionType). */
    static final byte PREFERRED = 0;
    static final byte UNCLEAN = 1;

    private final MetadataImage image;
    private final IntPredicate live;
    private final Predicate<String> uncleanEnabled;
    private final ToIntFunction<String> minIsr;

    /** Rules with min.insync.replicas 1 everywhere (so no ELR ever forms). */
    PartitionControl(MetadataImage image, IntPredicate live, Predicate<String> uncleanEnabled) {
        this(image, live, uncleanEnabled, topic -> 1);
    }

    /**
     * @param live           whether a broker may lead or join an ISR
     * @param uncleanEnabled whether a topic (by name) has {@code unclean.leader.election.enable} in effect
     * @param minIsr         the {@code min.insync.replicas} in effect for a topic (by name)
     */
    PartitionControl(MetadataImage image, IntPredicate live, Predicate<String> uncleanEnabled, ToIntFunction<String> minIsr) {
        this.image = image;
        this.live = live;
        this.uncleanEnabled = uncleanEnabled;
        this.minIsr = minIsr;
    }

    // ---------------------------------------------------------------- fencing and leaderless partitions

    /** The changes that take {@code broker} (no longer live) out of ISRs and leaderships. */
    List<Message> fence(int broker) {
        return fence(broker, false);
    }

    /**
     * The changes that take {@code broker} (no longer live) out of ISRs and leaderships; with
     * {@code uncleanRestart} (it re-registers without having completed a controlled shutdown, KIP-966)
     * it also leaves every ELR for the last known ELR, and does not join an ELR.
     */
    List<Message> fence(int broker, boolean uncleanRestart) {
        IntPredicate unclean = r -> uncleanRestart && r == broker;
        List<Message> out = new ArrayList<>();
        for (TopicImage t : image.topics().values()) {
            for (Map.Entry<Integer, PartitionState> e : t.partitions().entrySet()) {
                PartitionState p = e.getValue();
                boolean inElr = uncleanRestart && p.elr().contains(broker);
                if (p.leader() != broker && !p.isr().contains(broker) && !inElr) continue;
                List<Integer> isr = new ArrayList<>(p.isr());
                isr.remove(Integer.valueOf(broker));
                if (isr.isEmpty()) isr = new ArrayList<>(p.isr()); // the last member stays: it has every record
                int leader = p.leader();
                boolean uncleanElection = false;
                if (leader == broker) {
                    leader = firstLiveIn(p.replicas(), isr);
                    if (leader == PartitionState.NO_LEADER) {
                        leader = firstLiveIn(p.replicas(), withoutReplica(p.elr(), unclean));
                        if (leader != PartitionState.NO_LEADER) isr = List.of(leader);
                    }
                    if (leader == PartitionState.NO_LEADER && uncleanEnabled.test(t.name())) {
                        leader = firstLiveIn(p.replicas(), null);
                        if (leader != PartitionState.NO_LEADER) {
                            isr = List.of(leader);
                            uncleanElection = true;
                        }
                    }
                }
                PartitionChangeRecord c = change(t.id(), e.getKey(), leader != p.leader() ? leader : null,
                        isr.equals(p.isr()) ? null : isr);
                if (uncleanElection) clearElr(c, p);
                else withElr(c, p, isr, minIsr.applyAsInt(t.name()), unclean);
                if (isNoop(c)) continue; // e.g. a leaderless sole member: nothing changes
                out.add(c);
            }
        }
        return out;
    }

    /**
     * The elections of every leaderless partition that can have a leader now: the first live ISR member
     * (leader epoch +1), else the first live ELR member with ISR = [it], else, where unclean election is
     * enabled, the first live replica with ISR = [it].
     */
    List<Message> electLeaderless() {
        List<Message> out = new ArrayList<>();
        for (TopicImage t : image.topics().values()) {
            boolean unclean = false;
            boolean uncleanKnown = false;
            for (Map.Entry<Integer, PartitionState> e : t.partitions().entrySet()) {
                PartitionState p = e.getValue();
                if (p.leader() != PartitionState.NO_LEADER || p.replicas().isEmpty()) continue;
                int leader = firstLiveIn(p.replicas(), p.isr());
                if (leader != PartitionState.NO_LEADER) {
                    out.add(change(t.id(), e.getKey(), leader, null));
                    continue;
                }
                Message fromElr = electFromElr(t, e.getKey(), p);
                if (fromElr != null) {
                    out.add(fromElr);
                    continue;
                }
                if (!uncleanKnown) {
                    unclean = uncleanEnabled.test(t.name());
                    uncleanKnown = true;
                }
                leader = unclean ? firstLiveIn(p.replicas(), null) : PartitionState.NO_LEADER;
                if (leader != PartitionState.NO_LEADER) out.add(uncleanElection(t.id(), e.getKey(), p, leader));
            }
        }
        return out;
    }

    // ---------------------------------------------------------------- AlterPartition

    /** The outcome of an AlterPartition: one error per change (NONE where it applies) and the records. */
    record AlterOutcome(List<Errors> errors, List<String> messages, List<Message> records) {
    }

    /**
     * Validates each ISR change of leader {@code brokerId} against the image (the broker epoch is
     * checked by the caller), in this order: the partition named twice in the request (INVALID_REQUEST),
     * UNKNOWN_TOPIC_ID, UNKNOWN_TOPIC_OR_PARTITION, NOT_LEADER_OR_FOLLOWER, FENCED_LEADER_EPOCH,
     * INVALID_UPDATE_VERSION, INVALID_REQUEST (empty, duplicates, a non-replica, no leader),
     * INELIGIBLE_REPLICA (a broker that is not live is added). NONE with no record for an unchanged ISR;
     * NONE and one record (the new ISR, leader unchanged) otherwise.
     */
    AlterOutcome alterPartition(int brokerId, List<BrokerLifecycleMessages.IsrChange> changes) {
        List<Errors> errors = new ArrayList<>();
        List<String> messages = new ArrayList<>();
        List<Message> records = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (BrokerLifecycleMessages.IsrChange c : changes) {
            String problem = null;
            Errors error = Errors.NONE;
            TopicImage t = image.topic(c.topicId());
            PartitionState p = t == null ? null : t.partition(c.partition());
            if (!seen.add(c.topicId() + ":" + c.partition())) {
                error = Errors.INVALID_REQUEST;
                problem = "Partition " + c.partition() + " of topic " + c.topicId() + " is named twice in the request.";
            } else if (t == null) {
                error = Errors.UNKNOWN_TOPIC_ID;
            } else if (p == null) {
                error = Errors.UNKNOWN_TOPIC_OR_PARTITION;
            } else if (p.leader() != brokerId) {
                error = Errors.NOT_LEADER_OR_FOLLOWER;
                problem = "Broker " + brokerId + " is not the leader of " + t.name() + "-" + c.partition() + " (the leader is "
                        + p.leader() + ").";
            } else if (c.leaderEpoch() != p.leaderEpoch()) {
                error = Errors.FENCED_LEADER_EPOCH;
                problem = "Leader epoch " + c.leaderEpoch() + " is not the current " + p.leaderEpoch() + ".";
            } else if (c.partitionEpoch() != p.partitionEpoch()) {
                error = Errors.INVALID_UPDATE_VERSION;
                problem = "Partition epoch " + c.partitionEpoch() + " is not the current " + p.partitionEpoch() + ".";
            } else if ((problem = invalidIsr(c.newIsr(), p, brokerId)) != null) {
                error = Errors.INVALID_REQUEST;
            } else {
                for (int r : c.newIsr()) {
                    if (!p.isr().contains(r) && !live.test(r)) {
                        error = Errors.INELIGIBLE_REPLICA;
                        problem = "Broker " + r + " cannot join the ISR of " + t.name() + "-" + c.partition()
                                + ": it is fenced, unregistered or shutting down.";
                        break;
                    }
                }
                if (error == Errors.NONE && !c.newIsr().equals(p.isr())) {
                    PartitionChangeRecord rec = change(t.id(), c.partition(), null, c.newIsr());
                    withElr(rec, p, c.newIsr(), minIsr.applyAsInt(t.name()), r -> false);
                    records.add(rec);
                }
            }
            errors.add(error);
            messages.add(problem != null ? problem : error == Errors.NONE ? null : error.message());
        }
        return new AlterOutcome(errors, messages, records);
    }

    /** Why {@code isr} cannot be an ISR of {@code p} led by {@code leader}, or null if it can. */
    private static String invalidIsr(List<Integer> isr, PartitionState p, int leader) {
        if (isr.isEmpty()) return "The new ISR is empty.";
        if (new HashSet<>(isr).size() != isr.size()) return "The new ISR " + isr + " has duplicates.";
        for (int r : isr) {
            if (!p.replicas().contains(r)) return "Broker " + r + " in the new ISR is not a replica " + p.replicas() + ".";
        }
        if (!isr.contains(leader)) return "The new ISR " + isr + " does not contain the leader " + leader + ".";
        return null;
    }

    // ---------------------------------------------------------------- ElectLeaders and rebalancing

    /** The outcome of ElectLeaders: the answer per partition and the records. */
    record ElectOutcome(Map<TopicPartition, ApiError> results, List<Message> records) {
    }

    /**
     * ElectLeaders. Preferred: the first replica leads if it is live and in the ISR (ELECTION_NOT_NEEDED
     * if it already leads, PREFERRED_LEADER_NOT_AVAILABLE otherwise). Unclean: only a leaderless
     * partition elects, a live ISR member first, then a live ELR member, else the first live replica with ISR = [it]
     * (ELECTION_NOT_NEEDED when it has a leader, ELIGIBLE_LEADERS_NOT_AVAILABLE with no live replica).
     * {@code partitions} null means every partition, and then, as in Kafka, partitions that need no
     * election are left out of the answer.
     */
    ElectOutcome electLeaders(byte type, Set<TopicPartition> partitions) {
        Map<TopicPartition, ApiError> results = new LinkedHashMap<>();
        List<Message> records = new ArrayList<>();
        List<TopicPartition> targets = new ArrayList<>();
        if (partitions == null) {
            for (TopicImage t : image.topics().values()) {
                for (int p : t.partitions().keySet()) targets.add(new TopicPartition(t.name(), p));
            }
        } else {
            targets.addAll(partitions);
        }
        for (TopicPartition tp : targets) {
            TopicImage t = image.topic(tp.topic());
            PartitionState p = t == null ? null : t.partition(tp.partition());
            ApiError result;
            if (p == null) {
                result = ApiError.of(Errors.UNKNOWN_TOPIC_OR_PARTITION, "The partition " + tp + " does not exist.");
            } else if (type == PREFERRED) {
                result = electPreferred(t, tp, p, records);
            } else {
                result = electUnclean(t, tp, p, records);
            }
            if (partitions == null && result.error() == Errors.ELECTION_NOT_NEEDED) continue;
            results.put(tp, result);
        }
        return new ElectOutcome(results, records);
    }

    private ApiError electPreferred(TopicImage t, TopicPartition tp, PartitionState p, List<Message> records) {
        int preferred = p.replicas().isEmpty() ? PartitionState.NO_LEADER : p.replicas().get(0);
        if (preferred != PartitionState.NO_LEADER && p.leader() == preferred) {
            return ApiError.of(Errors.ELECTION_NOT_NEEDED, "Broker " + preferred + " already leads " + tp + ".");
        }
        if (preferred == PartitionState.NO_LEADER || !p.isr().contains(preferred) || !live.test(preferred)) {
            return ApiError.of(Errors.PREFERRED_LEADER_NOT_AVAILABLE, "The preferred leader " + preferred + " of " + tp
                    + " is not a live member of the ISR " + p.isr() + ".");
        }
        records.add(change(t.id(), tp.partition(), preferred, null));
        return ApiError.NONE;
    }

    private ApiError electUnclean(TopicImage t, TopicPartition tp, PartitionState p, List<Message> records) {
        if (p.leader() != PartitionState.NO_LEADER) {
            return ApiError.of(Errors.ELECTION_NOT_NEEDED, tp + " has a leader (" + p.leader() + ").");
        }
        int leader = firstLiveIn(p.replicas(), p.isr());
        if (leader != PartitionState.NO_LEADER) {
            records.add(change(t.id(), tp.partition(), leader, null));
            return ApiError.NONE;
        }
        Message fromElr = electFromElr(t, tp.partition(), p);
        if (fromElr != null) {
            records.add(fromElr);
            return ApiError.NONE;
        }
        leader = firstLiveIn(p.replicas(), null);
        if (leader == PartitionState.NO_LEADER) {
            return ApiError.of(Errors.ELIGIBLE_LEADERS_NOT_AVAILABLE, "No replica of " + tp + " " + p.replicas() + " is live.");
        }
        records.add(uncleanElection(t.id(), tp.partition(), p, leader));
        return ApiError.NONE;
    }

    /**
     * The partitions auto leader rebalancing moves: for each broker whose share of the partitions it is
     * the preferred (first) replica of but does not lead exceeds {@code percentage} %, those of them
     * whose preferred replica is live and in the ISR.
     */
    Set<TopicPartition> imbalanced(int percentage) {
        Map<Integer, List<TopicPartition>> notLed = new LinkedHashMap<>();
        Map<Integer, Integer> preferredOf = new LinkedHashMap<>();
        for (TopicImage t : image.topics().values()) {
            for (Map.Entry<Integer, PartitionState> e : t.partitions().entrySet()) {
                PartitionState p = e.getValue();
                if (p.replicas().isEmpty()) continue;
                int preferred = p.replicas().get(0);
                preferredOf.merge(preferred, 1, Integer::sum);
                if (p.leader() != preferred && p.isr().contains(preferred) && live.test(preferred)) {
                    notLed.computeIfAbsent(preferred, k -> new ArrayList<>()).add(new TopicPartition(t.name(), e.getKey()));
                }
            }
        }
        Set<TopicPartition> out = new java.util.TreeSet<>();
        for (Map.Entry<Integer, List<TopicPartition>> e : notLed.entrySet()) {
            // the ratio Kafka checks: (preferred but not leading) / preferred, compared with the percentage
            if (e.getValue().size() * 100L > (long) percentage * preferredOf.get(e.getKey())) out.addAll(e.getValue());
        }
        return out;
    }

    // ---------------------------------------------------------------- eligible leader replicas (KIP-966)

    /**
     * The changes that clear the ELR and last known ELR of every partition of the topics {@code topics}
     * accepts (Kafka cleans them when min.insync.replicas changes: who may lead was judged by the old value).
     */
    List<Message> clearElrs(Predicate<String> topics) {
        List<Message> out = new ArrayList<>();
        for (TopicImage t : image.topics().values()) {
            if (!topics.test(t.name())) continue;
            for (Map.Entry<Integer, PartitionState> e : t.partitions().entrySet()) {
                PartitionChangeRecord c = change(t.id(), e.getKey(), null, null);
                clearElr(c, e.getValue());
                if (!isNoop(c)) out.add(c);
            }
        }
        return out;
    }

    /** The election of the first live ELR member of a leaderless {@code p} (ISR = [it]); null if none is live. */
    private PartitionChangeRecord electFromElr(TopicImage t, int partition, PartitionState p) {
        int leader = firstLiveIn(p.replicas(), p.elr());
        if (leader == PartitionState.NO_LEADER) return null;
        List<Integer> isr = List.of(leader);
        PartitionChangeRecord c = change(t.id(), partition, leader, isr);
        withElr(c, p, isr, minIsr.applyAsInt(t.name()), r -> false);
        return c;
    }

    /** An unclean election of {@code leader}: ISR = [it], ELR and last known ELR cleared. */
    private static PartitionChangeRecord uncleanElection(Uuid topicId, int partition, PartitionState p, int leader) {
        PartitionChangeRecord c = change(topicId, partition, leader, List.of(leader));
        clearElr(c, p);
        return c;
    }

    /**
     * Sets on {@code c} the ELR and last known ELR that go with {@code newIsr} replacing the ISR of
     * {@code p} (fields left null when unchanged). At or above {@code minIsr} both are empty. Below it
     * the ELR is the current ISR and ELR members outside the new ISR, less those {@code unclean}
     * (restarted without a clean shutdown), who go to the last known ELR; last known ELR members that
     * are back in the ISR or ELR leave it.
     */
    private static void withElr(PartitionChangeRecord c, PartitionState p, List<Integer> newIsr, int minIsr,
                                IntPredicate unclean) {
        List<Integer> elr = new ArrayList<>();
        List<Integer> lastKnown = new ArrayList<>();
        if (newIsr.size() < minIsr) {
            for (int r : p.replicas()) {
                if (newIsr.contains(r)) continue;
                boolean candidate = p.isr().contains(r) || p.elr().contains(r);
                if (candidate && !unclean.test(r)) elr.add(r);
                else if (candidate || p.lastKnownElr().contains(r)) lastKnown.add(r);
            }
        }
        if (!elr.equals(p.elr())) c.eligibleLeaderReplicas = elr;
        if (!lastKnown.equals(p.lastKnownElr())) c.lastKnownElr = lastKnown;
    }

    private static void clearElr(PartitionChangeRecord c, PartitionState p) {
        if (!p.elr().isEmpty()) c.eligibleLeaderReplicas = new ArrayList<>();
        if (!p.lastKnownElr().isEmpty()) c.lastKnownElr = new ArrayList<>();
    }

    private static boolean isNoop(PartitionChangeRecord c) {
        return c.leader == -2 && c.isr == null && c.replicas == null && c.removingReplicas == null
                && c.addingReplicas == null && c.eligibleLeaderReplicas == null && c.lastKnownElr == null;
    }

    private static List<Integer> withoutReplica(List<Integer> list, IntPredicate drop) {
        List<Integer> out = new ArrayList<>();
        for (int r : list) if (!drop.test(r)) out.add(r);
        return out;
    }

    // ---------------------------------------------------------------- helpers

    /** The first replica (in replica order) that is live and, when {@code within} is non-null, in it; else -1. */
    private int firstLiveIn(List<Integer> replicas, List<Integer> within) {
        for (int r : replicas) {
            if ((within == null || within.contains(r)) && live.test(r)) return r;
        }
        return PartitionState.NO_LEADER;
    }

    /** A change of one partition: {@code leader} null keeps it, {@code isr} null keeps it. */
    static PartitionChangeRecord change(Uuid topicId, int partition, Integer leader, List<Integer> isr) {
        PartitionChangeRecord c = new PartitionChangeRecord();
        c.topicId = topicId;
        c.partitionId = partition;
        if (leader != null) c.leader = leader;
        if (isr != null) c.isr = new ArrayList<>(isr);
        return c;
    }
}
