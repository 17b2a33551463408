package io.runnel.metadata;

import java.util.List;

/**
 * The replicas and leadership of one partition as the metadata image holds it. {@code leader} is -1
 * when there is none. {@code leaderEpoch} grows on every leader change, {@code partitionEpoch} on
 * every change of any kind. Immutable.
 */
public record PartitionState(List<Integer> replicas, List<Integer> isr, List<Integer> removingReplicas,
                             List<Integer> addingReplicas, int leader, int leaderEpoch, int partitionEpoch) {
    public static final int NO_LEADER = -1;

    public PartitionState {
        replicas = List.copyOf(replicas);
        isr = List.copyOf(isr);
        removingReplicas = List.copyOf(removingReplicas);
        addingReplicas = List.copyOf(addingReplicas);
    }

    /** A new partition: every replica in sync, the first one leading, epochs 0. */
    public static PartitionState initial(List<Integer> replicas) {
        return new PartitionState(replicas, replicas, List.of(), List.of(),
                replicas.isEmpty() ? NO_LEADER : replicas.get(0), 0, 0);
    }
}
