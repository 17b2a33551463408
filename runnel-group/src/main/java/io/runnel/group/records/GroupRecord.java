package io.runnel.group.records;


import java.util.List;

/**
 * The typed form of the records of {@code __consumer_offsets}: one variant per key type of Kafka's layout
 * (the int16 that starts every key). The value part is null for a tombstone. {@link RecordSerde} turns them
 * into bytes and back; replaying them in log order rebuilds the coordinator's state.
 *
 * <pre>
 * key type  variant                        key fields             value (version written)
 *   0,1     OffsetCommit                   group, topic, partition OffsetCommitValue (v3; v1 with an expire time)
 *   2       GroupMetadata                  group                  GroupMetadataValue (v3)
 *   3       ConsumerGroupMetadata          groupId                ConsumerGroupMetadataValue (v0, flexible)
 *   5       ConsumerGroupMemberMetadata    groupId, memberId      ConsumerGroupMemberMetadataValue (v0)
 *   6       ConsumerGroupTargetAssignmentMetadata groupId         ConsumerGroupTargetAssignmentMetadataValue (v0)
 *   7       ConsumerGroupTargetAssignmentMember groupId, memberId ConsumerGroupTargetAssignmentMemberValue (v0)
 *   8       ConsumerGroupCurrentMemberAssignment groupId, memberId ConsumerGroupCurrentMemberAssignmentValue (v0)
 * </pre>
 * Types 4 (partition metadata, deprecated since Kafka 4.1), 9-15 (share groups), 16 (regex resolution) and
 * later (streams groups) are skipped when read and never written.
 */
public sealed interface GroupRecord {
    String groupId();

    boolean isTombstone();

    // ---- committed offsets

    record OffsetCommit(String groupId, String topic, int partition, OffsetValue value) implements GroupRecord {
        public boolean isTombstone() { return value == null; }
    }

    /** A committed offset; leaderEpoch -1 and expireTimestamp -1 mean none. */
    record OffsetValue(long offset, int leaderEpoch, String metadata, long commitTimestamp, long expireTimestamp) {
    }

    // ---- classic groups

    record GroupMetadata(String groupId, GroupMetadataValue value) implements GroupRecord {
        public boolean isTombstone() { return value == null; }
    }

    /** A classic group as of its last stable (or empty) generation. */
    record GroupMetadataValue(String protocolType, int generation, String protocol, String leader,
                              long currentStateTimestamp, List<MemberMetadata> members) {
    }

    /** A classic member: subscription is its metadata for the selected protocol, assignment the leader's bytes. */
    record MemberMetadata(String memberId, String groupInstanceId, String clientId, String clientHost,
                          int rebalanceTimeout, int sessionTimeout, byte[] subscription, byte[] assignment) {
    }

    // ---- consumer-protocol (KIP-848) groups

    record ConsumerGroupMetadata(String groupId, ConsumerGroupMetadataValue value) implements GroupRecord {
        public boolean isTombstone() { return value == null; }
    }

    record ConsumerGroupMetadataValue(int epoch, long metadataHash) {
    }

    record ConsumerMemberMetadata(String groupId, String memberId, ConsumerMemberMetadataValue value) implements GroupRecord {
        public boolean isTombstone() { return value == null; }
    }

    /** classic: set for a member that uses the classic protocol inside a consumer group (JoinGroup), else null. */
    record ConsumerMemberMetadataValue(String instanceId, String rackId, String clientId, String clientHost,
                                       List<String> subscribedTopicNames, String subscribedTopicRegex,
                                       int rebalanceTimeoutMs, String serverAssignor, ClassicMemberMetadata classic) {
        public ConsumerMemberMetadataValue(String instanceId, String rackId, String clientId, String clientHost,
                                           List<String> subscribedTopicNames, String subscribedTopicRegex,
                                           int rebalanceTimeoutMs, String serverAssignor) {
            this(instanceId, rackId, clientId, clientHost, subscribedTopicNames, subscribedTopicRegex, rebalanceTimeoutMs,
                    serverAssignor, null);
        }
    }

    /** The classic protocol's view of a member of a consumer group: its session timeout and its JoinGroup protocols. */
    record ClassicMemberMetadata(int sessionTimeoutMs, List<ClassicProtocol> protocols) {
        @Override
        public boolean equals(Object o) {
            if (!(o instanceof ClassicMemberMetadata c) || c.sessionTimeoutMs != sessionTimeoutMs
                    || c.protocols.size() != protocols.size()) return false;
            for (int i = 0; i < protocols.size(); i++) if (!protocols.get(i).equals(c.protocols.get(i))) return false;
            return true;
        }

        @Override
        public int hashCode() {
            return sessionTimeoutMs * 31 + protocols.size();
        }

        /** The metadata of a protocol, or null if the member does not list it. */
        public byte[] metadata(String name) {
            for (ClassicProtocol p : protocols) if (p.name().equals(name)) return p.metadata();
            return null;
        }
    }

    record ClassicProtocol(String name, byte[] metadata) {
        @Override
        public boolean equals(Object o) {
            return o instanceof ClassicProtocol p && p.name.equals(name) && java.util.Arrays.equals(p.metadata, metadata);
        }

        @Override
        public int hashCode() {
            return name.hashCode() * 31 + java.util.Arrays.hashCode(metadata);
        }

        @Override
        public String toString() {
            return name + "(" + metadata.length + " bytes)";
        }
    }

    record ConsumerTargetAssignmentMetadata(String groupId, Integer assignmentEpoch) implements GroupRecord {
        public boolean isTombstone() { return assignmentEpoch == null; }
    }

    record ConsumerTargetAssignmentMember(String groupId, String memberId, PartitionSet partitions) implements GroupRecord {
        public boolean isTombstone() { return partitions == null; }
    }

    record ConsumerCurrentAssignment(String groupId, String memberId, ConsumerCurrentAssignmentValue value) implements GroupRecord {
        public boolean isTombstone() { return value == null; }
    }

    /** state: 0 stable, 1 unrevoked partitions, 2 unreleased partitions, 127 unknown (Kafka's MemberState ids). */
    record ConsumerCurrentAssignmentValue(int memberEpoch, int previousMemberEpoch, byte state,
                                          PartitionSet assigned, PartitionSet pendingRevocation) {
    }
}
