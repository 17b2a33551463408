package io.runnel.group;

import io.runnel.group.records.GroupRecord.ConsumerCurrentAssignmentValue;
import io.runnel.group.records.GroupRecord.ConsumerMemberMetadataValue;
import io.runnel.group.records.PartitionSet;

import java.util.List;

/**
 * A member of a consumer-protocol group, as the records describe it: its metadata (ConsumerGroupMemberMetadata)
 * and its current assignment and epoch (ConsumerGroupCurrentMemberAssignment). Immutable: a change is a new
 * instance, built by the heartbeat logic and installed by replaying the records it wrote.
 *
 * @param state 0 stable, 1 unrevoked partitions (must give some up first), 2 unreleased partitions (waits for
 *              others to give up partitions of its target), 127 unknown
 */
record ConsumerMember(String memberId, String instanceId, String rackId, String clientId, String clientHost,
                      List<String> subscribedTopicNames, String subscribedTopicRegex, int rebalanceTimeoutMs,
                      String serverAssignor, int memberEpoch, int previousMemberEpoch, byte state,
                      PartitionSet assigned, PartitionSet pendingRevocation) {

    static final byte STABLE = 0;
    static final byte UNREVOKED_PARTITIONS = 1;
    static final byte UNRELEASED_PARTITIONS = 2;
    static final byte UNKNOWN = 127;
    /** The epoch of a static member that left temporarily (heartbeat with epoch -2). */
    static final int STATIC_LEFT_EPOCH = -2;

    static ConsumerMember empty(String memberId) {
        return new ConsumerMember(memberId, null, null, "", "", List.of(), null, -1, null, 0, 0, STABLE,
                PartitionSet.EMPTY, PartitionSet.EMPTY);
    }

    ConsumerMember withMetadata(ConsumerMemberMetadataValue v) {
        return new ConsumerMember(memberId, v.instanceId(), v.rackId(), v.clientId(), v.clientHost(),
                v.subscribedTopicNames(), v.subscribedTopicRegex(), v.rebalanceTimeoutMs(), v.serverAssignor(),
                memberEpoch, previousMemberEpoch, state, assigned, pendingRevocation);
    }

    ConsumerMember withAssignment(ConsumerCurrentAssignmentValue v) {
        return new ConsumerMember(memberId, instanceId, rackId, clientId, clientHost, subscribedTopicNames,
                subscribedTopicRegex, rebalanceTimeoutMs, serverAssignor, v.memberEpoch(), v.previousMemberEpoch(),
                v.state(), v.assigned(), v.pendingRevocation());
    }

    ConsumerMember withId(String newId) {
        return new ConsumerMember(newId, instanceId, rackId, clientId, clientHost, subscribedTopicNames,
                subscribedTopicRegex, rebalanceTimeoutMs, serverAssignor, memberEpoch, previousMemberEpoch, state,
                assigned, pendingRevocation);
    }

    ConsumerMemberMetadataValue metadataValue() {
        return new ConsumerMemberMetadataValue(instanceId, rackId, clientId, clientHost, subscribedTopicNames,
                subscribedTopicRegex, rebalanceTimeoutMs, serverAssignor);
    }

    ConsumerCurrentAssignmentValue assignmentValue() {
        return new ConsumerCurrentAssignmentValue(memberEpoch, previousMemberEpoch, state, assigned, pendingRevocation);
    }

    /** Every partition the member may still hold: assigned plus pending revocation. */
    PartitionSet owned() {
        return assigned.union(pendingRevocation);
    }

    static String stateName(byte state) {
        return switch (state) {
            case STABLE -> "stable";
            case UNREVOKED_PARTITIONS -> "unrevoked_partitions";
            case UNRELEASED_PARTITIONS -> "unreleased_partitions";
            default -> "unknown";
        };
    }
}
