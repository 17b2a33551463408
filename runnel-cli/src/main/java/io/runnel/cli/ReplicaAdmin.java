package io.runnel.cli;

import io.runnel.cli.KafkaProtocolClient.BrokerConnection;
import io.runnel.common.Errors;
import io.runnel.common.TopicPartition;
import io.runnel.protocol.ApiKeys;
import io.runnel.protocol.message.AlterPartitionReassignmentsRequest;
import io.runnel.protocol.message.AlterPartitionReassignmentsResponse;
import io.runnel.protocol.message.ElectLeadersRequest;
import io.runnel.protocol.message.ElectLeadersResponse;
import io.runnel.protocol.message.ListPartitionReassignmentsRequest;
import io.runnel.protocol.message.ListPartitionReassignmentsResponse;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The replica operations of the commands, each one request to the bootstrap broker (brokers forward them to
 * the active controller): AlterPartitionReassignments, ListPartitionReassignments and ElectLeaders.
 * A whole-request error is a {@link CliException}; per-partition errors are returned.
 */
final class ReplicaAdmin {
    /** ElectLeaders election types. */
    static final byte PREFERRED = 0, UNCLEAN = 1;

    private final KafkaProtocolClient client;

    ReplicaAdmin(KafkaProtocolClient client) {
        this.client = client;
    }

    /** A reassignment in progress: all replicas (target first), and those being added and removed. */
    record Reassignment(List<Integer> replicas, List<Integer> adding, List<Integer> removing) {
        /** The target: the replicas without the ones being removed. */
        List<Integer> target() {
            List<Integer> t = new ArrayList<>(replicas);
            t.removeAll(removing);
            return t;
        }
    }

    /** One partition's answer: NONE, or an error and its message. */
    record Outcome(Errors error, String message) {
        boolean ok() {
            return error == Errors.NONE;
        }

        String describe() {
            return error.name() + (message == null || message.isBlank() ? "" : ": " + message);
        }
    }

    /**
     * The reassignments in progress, of {@code partitions} or (null) all, by partition; empty when the broker
     * does not serve ListPartitionReassignments (an old Kafka broker, with which nothing is listed).
     */
    Map<TopicPartition, Reassignment> listReassignments(Collection<TopicPartition> partitions) {
        BrokerConnection c = client.bootstrap();
        Map<TopicPartition, Reassignment> out = new TreeMap<>();
        if (!c.supports(ApiKeys.LIST_PARTITION_REASSIGNMENTS)) return out;
        ListPartitionReassignmentsRequest req = new ListPartitionReassignmentsRequest();
        req.timeoutMs = timeoutMs();
        if (partitions != null) {
            Map<String, ListPartitionReassignmentsRequest.Topic> byTopic = new LinkedHashMap<>();
            for (TopicPartition tp : partitions) {
                byTopic.computeIfAbsent(tp.topic(), name -> {
                    ListPartitionReassignmentsRequest.Topic t = new ListPartitionReassignmentsRequest.Topic();
                    t.name = name;
                    return t;
                }).partitionIndexes.add(tp.partition());
            }
            req.topics = new ArrayList<>(byTopic.values());
        }
        ListPartitionReassignmentsResponse resp = c.send(ApiKeys.LIST_PARTITION_REASSIGNMENTS, req);
        Errors e = Errors.forCode(resp.errorCode);
        if (e != Errors.NONE) throw CliException.of(e, resp.errorMessage);
        for (ListPartitionReassignmentsResponse.Topic t : resp.topics) {
            for (ListPartitionReassignmentsResponse.Partition p : t.partitions) {
                out.put(new TopicPartition(t.name, p.partitionIndex),
                        new Reassignment(List.copyOf(p.replicas), List.copyOf(p.addingReplicas), List.copyOf(p.removingReplicas)));
            }
        }
        return out;
    }

    /** Starts (a target) or cancels (null) the reassignment of each partition; the answer per partition. */
    Map<TopicPartition, Outcome> alterReassignments(Map<TopicPartition, List<Integer>> targets) {
        AlterPartitionReassignmentsRequest req = new AlterPartitionReassignmentsRequest();
        req.timeoutMs = timeoutMs();
        Map<String, AlterPartitionReassignmentsRequest.Topic> byTopic = new LinkedHashMap<>();
        for (Map.Entry<TopicPartition, List<Integer>> e : targets.entrySet()) {
            AlterPartitionReassignmentsRequest.Partition p = new AlterPartitionReassignmentsRequest.Partition();
            p.partitionIndex = e.getKey().partition();
            p.replicas = e.getValue() == null ? null : new ArrayList<>(e.getValue());
            byTopic.computeIfAbsent(e.getKey().topic(), name -> {
                AlterPartitionReassignmentsRequest.Topic t = new AlterPartitionReassignmentsRequest.Topic();
                t.name = name;
                return t;
            }).partitions.add(p);
        }
        req.topics = new ArrayList<>(byTopic.values());
        AlterPartitionReassignmentsResponse resp = client.bootstrap().send(ApiKeys.ALTER_PARTITION_REASSIGNMENTS, req);
        Errors top = Errors.forCode(resp.errorCode);
        if (top != Errors.NONE) throw CliException.of(top, resp.errorMessage);
        Map<TopicPartition, Outcome> out = new LinkedHashMap<>();
        for (AlterPartitionReassignmentsResponse.TopicResponse t : resp.responses) {
            for (AlterPartitionReassignmentsResponse.PartitionResponse p : t.partitions) {
                out.put(new TopicPartition(t.name, p.partitionIndex), new Outcome(Errors.forCode(p.errorCode), p.errorMessage));
            }
        }
        return out;
    }

    /**
     * Elects leaders of {@code partitions}, or (null) of every partition, when the broker only answers those that
     * needed an election. The answer per partition (ELECTION_NOT_NEEDED where the right leader already leads).
     */
    Map<TopicPartition, Outcome> electLeaders(byte type, Collection<TopicPartition> partitions) {
        BrokerConnection c = client.bootstrap();
        short v = c.version(ApiKeys.ELECT_LEADERS);
        if (type != PREFERRED && v < 1) {
            throw new CliException(Errors.UNSUPPORTED_VERSION, "The broker only supports preferred leader elections (ElectLeaders v0).");
        }
        ElectLeadersRequest req = new ElectLeadersRequest();
        req.electionType = type;
        req.timeoutMs = timeoutMs();
        if (partitions == null) {
            req.topicPartitions = null;
        } else {
            Map<String, ElectLeadersRequest.TopicPartition> byTopic = new LinkedHashMap<>();
            for (TopicPartition tp : partitions) {
                byTopic.computeIfAbsent(tp.topic(), name -> {
                    ElectLeadersRequest.TopicPartition t = new ElectLeadersRequest.TopicPartition();
                    t.topic = name;
                    return t;
                }).partitions.add(tp.partition());
            }
            req.topicPartitions = new ArrayList<>(byTopic.values());
        }
        ElectLeadersResponse resp = c.send(ApiKeys.ELECT_LEADERS, v, req);
        Errors top = Errors.forCode(resp.errorCode);
        if (top != Errors.NONE) throw CliException.of(top, null);
        Map<TopicPartition, Outcome> out = new TreeMap<>();
        for (ElectLeadersResponse.ReplicaElectionResult t : resp.replicaElectionResults) {
            for (ElectLeadersResponse.PartitionResult p : t.partitionResult) {
                out.put(new TopicPartition(t.topic, p.partitionId), new Outcome(Errors.forCode(p.errorCode), p.errorMessage));
            }
        }
        return out;
    }

    private int timeoutMs() {
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, client.remainingMs()));
    }
}
