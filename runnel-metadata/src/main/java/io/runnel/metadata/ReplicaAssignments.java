package io.runnel.metadata;

import io.runnel.common.ApiException;
import io.runnel.common.Errors;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Chooses replicas for new partitions and checks hand-made assignments. Stateless; results depend
 * only on the arguments, so the same request on the same image gives the same assignment.
 */
final class ReplicaAssignments {
    /** Refuse absurd partition counts before allocating anything for them. */
    static final int MAX_PARTITIONS_PER_TOPIC = 100_000;

    private ReplicaAssignments() {
    }

    /**
     * Places {@code count} partitions (numbered from {@code firstPartition}) with {@code replicationFactor}
     * replicas each on {@code brokers} (ascending ids): round-robin, the first replica rotating from
     * {@code seed} so leaders spread over brokers across topics.
     */
    static List<List<Integer>> place(List<Integer> brokers, int firstPartition, int count, int replicationFactor, int seed) {
        if (replicationFactor > brokers.size()) {
            throw new ApiException(Errors.INVALID_REPLICATION_FACTOR, "Unable to replicate the partition "
                    + replicationFactor + " time(s): The target replication factor of " + replicationFactor
                    + " cannot be reached because only " + brokers.size() + " broker(s) are registered.");
        }
        int n = brokers.size();
        List<List<Integer>> out = new ArrayList<>(count);
        for (int p = 0; p < count; p++) {
            int start = Math.floorMod(seed + firstPartition + p, n);
            List<Integer> replicas = new ArrayList<>(replicationFactor);
            for (int r = 0; r < replicationFactor; r++) replicas.add(brokers.get((start + r) % n));
            out.add(List.copyOf(replicas));
        }
        return out;
    }

    /**
     * Checks manual assignments given as partition index to replicas: partitions numbered 0..n-1, no
     * empty list, no broker twice in a list, only registered brokers, and every list as long as
     * {@code expectedReplicas} (or as the first list when that is -1).
     *
     * @return the replica lists in partition order
     */
    static List<List<Integer>> checkManual(Map<Integer, List<Integer>> assignments, Set<Integer> registered, int expectedReplicas) {
        List<List<Integer>> ordered = new ArrayList<>();
        for (int p = 0; p < assignments.size(); p++) {
            List<Integer> replicas = assignments.get(p);
            if (replicas == null) {
                throw new ApiException(Errors.INVALID_REPLICA_ASSIGNMENT,
                        "Partitions must be numbered consecutively from 0, but partition " + p + " is missing.");
            }
            ordered.add(replicas);
        }
        checkLists(ordered, registered, expectedReplicas, 0);
        return ordered;
    }

    /** Checks replica lists for new partitions numbered from {@code firstPartition}. */
    static void checkLists(List<List<Integer>> lists, Set<Integer> registered, int expectedReplicas, int firstPartition) {
        int expected = expectedReplicas;
        for (int i = 0; i < lists.size(); i++) {
            List<Integer> replicas = lists.get(i);
            int p = firstPartition + i;
            if (replicas == null || replicas.isEmpty()) {
                throw new ApiException(Errors.INVALID_REPLICA_ASSIGNMENT,
                        "The manual partition assignment of partition " + p + " has an empty replica list.");
            }
            Set<Integer> seen = new HashSet<>();
            for (Integer b : replicas) {
                if (b == null || !seen.add(b)) {
                    throw new ApiException(Errors.INVALID_REPLICA_ASSIGNMENT,
                            "The manual partition assignment of partition " + p + " lists broker " + b + " more than once.");
                }
                if (!registered.contains(b)) {
                    throw new ApiException(Errors.INVALID_REPLICA_ASSIGNMENT, "The manual partition assignment of partition "
                            + p + " includes broker " + b + ", but no such broker is registered.");
                }
            }
            if (expected == -1) expected = replicas.size();
            if (replicas.size() != expected) {
                throw new ApiException(Errors.INVALID_REPLICA_ASSIGNMENT, "The manual partition assignment of partition "
                        + p + " has " + replicas.size() + " replica(s), but the other partitions have " + expected + ".");
            }
        }
    }
}
