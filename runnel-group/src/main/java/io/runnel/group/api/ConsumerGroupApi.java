package io.runnel.group.api;

import io.runnel.common.Errors;
import io.runnel.common.Uuid;

import java.util.List;

/** The coordinator's side of ConsumerGroupHeartbeat and ConsumerGroupDescribe (KIP-848). */
public final class ConsumerGroupApi {
    private ConsumerGroupApi() {
    }

    public record TopicIdPartitions(Uuid topicId, List<Integer> partitions) {
    }

    /**
     * Fields that the client leaves null (or -1) did not change since its last heartbeat.
     *
     * @param memberEpoch 0 to join, -1 to leave, -2 for a static member leaving temporarily, else the current epoch
     */
    public record HeartbeatParams(String groupId, String memberId, int memberEpoch, String instanceId, String rackId,
                                  int rebalanceTimeoutMs, List<String> subscribedTopicNames, String subscribedTopicRegex,
                                  String serverAssignor, List<TopicIdPartitions> ownedPartitions,
                                  String clientId, String clientHost, java.util.function.Predicate<String> mayDescribeTopic) {
        /** Without an authorizer: a regex subscription matches every topic. */
        public HeartbeatParams(String groupId, String memberId, int memberEpoch, String instanceId, String rackId,
                               int rebalanceTimeoutMs, List<String> subscribedTopicNames, String subscribedTopicRegex,
                               String serverAssignor, List<TopicIdPartitions> ownedPartitions, String clientId, String clientHost) {
            this(groupId, memberId, memberEpoch, instanceId, rackId, rebalanceTimeoutMs, subscribedTopicNames, subscribedTopicRegex,
                    serverAssignor, ownedPartitions, clientId, clientHost, null);
        }
    }

    /** assignment is null when it did not change (the client keeps what it has). */
    public record HeartbeatResult(Errors error, String errorMessage, String memberId, int memberEpoch,
                                  int heartbeatIntervalMs, List<TopicIdPartitions> assignment) {
        public static HeartbeatResult error(Errors error, String message) {
            return new HeartbeatResult(error, message, null, 0, 0, null);
        }
    }

    public record DescribedTopicPartitions(Uuid topicId, String topicName, List<Integer> partitions) {
    }

    /** memberType: 1 = consumer protocol (Runnel has no classic members in consumer groups). */
    public record DescribedMember(String memberId, String instanceId, String rackId, int memberEpoch, String clientId,
                                  String clientHost, List<String> subscribedTopicNames, String subscribedTopicRegex,
                                  List<DescribedTopicPartitions> assignment, List<DescribedTopicPartitions> targetAssignment,
                                  byte memberType) {
    }

    public record GroupDescription(String groupId, Errors error, String errorMessage, String state, int groupEpoch,
                                   int assignmentEpoch, String assignorName, List<DescribedMember> members) {
        public static GroupDescription error(String groupId, Errors error, String message) {
            return new GroupDescription(groupId, error, message, "Dead", -1, -1, "", List.of());
        }
    }
}
