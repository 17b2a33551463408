package io.runnel.group.assignor;

import io.runnel.common.Uuid;
import io.runnel.group.records.PartitionSet;

import java.util.Map;
import java.util.Set;
import java.util.SortedMap;

/**
 * A server-side assignor of the consumer protocol (KIP-848): given the members of a group, the topics each
 * subscribes to and the current target assignment, computes the next target assignment. Implementations
 * are pure functions (same input, same output), called on the coordinator thread.
 */
public interface PartitionAssignor {
    /** The name clients select with group.remote.assignor / ConsumerGroupHeartbeat.ServerAssignor. */
    String name();

    /** The target partitions of every member of {@code spec} (members with nothing get an empty set). */
    Map<String, PartitionSet> assign(Spec spec);

    /**
     * @param subscribedTopics the ids of the existing topics the member subscribes to
     * @param currentTarget    the member's target assignment before this run (EMPTY for a new member)
     */
    record MemberSpec(String memberId, String instanceId, String rackId, Set<Uuid> subscribedTopics,
                      PartitionSet currentTarget) {
    }

    /**
     * @param members          by member id
     * @param partitionCounts  partition count of every subscribed topic, by topic id
     */
    record Spec(SortedMap<String, MemberSpec> members, SortedMap<Uuid, Integer> partitionCounts) {
    }

    /** The assignor with the given name from {@code names} (uniform or range). */
    static PartitionAssignor byName(String name) {
        return switch (name) {
            case UniformAssignor.NAME -> new UniformAssignor();
            case RangeAssignor.NAME -> new RangeAssignor();
            default -> throw new IllegalArgumentException("unknown assignor " + name);
        };
    }
}
