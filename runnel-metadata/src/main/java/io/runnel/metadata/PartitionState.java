package io.runnel.metadata;

import java.util.List;

/**
 * The replicas and leadership of one partition as the metadata image holds it. {@code leader} is -1
 * when there is none. {@code leaderEpoch} grows on every leader change, {@code partitionEpoch} on
 * every change of any kind. {@code elr} (KIP-966 eligible leader replicas) are replicas outside the ISR
 * that have every record up to the high watermark, kept only while the ISR is below min.insync.replicas;
 * {@code lastKnownElr} are former ELR members dropped after an unclean shutdown. Immutable.
 */
public record PartitionState(List<Integer> replicas, List<Integer> isr, List<Integer> removingReplicas,
                             List<Integer> addingReplicas, int leader, int leaderEpoch, int partitionEpoch,
                             List<Integer> elr, List<Integer> lastKnownElr) {
    public static final int NO_LEADER = -1;

    public PartitionState {
        replicas = List.copyOf(replicas);
        isr = List.copyOf(isr);
        removingReplicas = List.copyOf(removingReplicas);
        addingReplicas = List.copyOf(addingReplicas);
        elr = List.copyOf(elr);
        lastKnownElr = List.copyOf(lastKnownElr);
    }

    /** A partition without eligible leader replicas. */
    public PartitionState(List<Integer> replicas, List<Integer> isr, List<Integer> removingReplicas,
                          List<Integer> addingReplicas, int leader, int leaderEpoch, int partitionEpoch) {
        this(replicas, isr, removingReplicas, addingReplicas, leader, leaderEpoch, partitionEpoch, List.of(), List.of());
    }

    /** A new partition: every replica in sync, the first one leading, epochs 0. */
    public static PartitionState initial(List<Integer> replicas) {
        return new PartitionState(replicas, replicas, List.of(), List.of(),
                replicas.isEmpty() ? NO_LEADER : replicas.get(0), 0, 0);
    }
}
