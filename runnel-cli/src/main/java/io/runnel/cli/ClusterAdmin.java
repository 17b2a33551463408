package io.runnel.cli;

import io.runnel.cli.KafkaProtocolClient.BrokerConnection;
import io.runnel.cli.KafkaProtocolClient.Node;
import io.runnel.common.Errors;
import io.runnel.common.TopicPartition;
import io.runnel.common.Uuid;
import io.runnel.protocol.ApiKeys;
import io.runnel.protocol.MalformedMessageException;
import io.runnel.protocol.message.ConsumerGroupDescribeRequest;
import io.runnel.protocol.message.ConsumerGroupDescribeResponse;
import io.runnel.protocol.message.CreateTopicsRequest;
import io.runnel.protocol.message.CreateTopicsResponse;
import io.runnel.protocol.message.DeleteGroupsRequest;
import io.runnel.protocol.message.DeleteGroupsResponse;
import io.runnel.protocol.message.DeleteTopicsRequest;
import io.runnel.protocol.message.DeleteTopicsResponse;
import io.runnel.protocol.message.DescribeConfigsRequest;
import io.runnel.protocol.message.DescribeConfigsResponse;
import io.runnel.protocol.message.DescribeGroupsRequest;
import io.runnel.protocol.message.DescribeGroupsResponse;
import io.runnel.protocol.message.DescribeTopicPartitionsRequest;
import io.runnel.protocol.message.DescribeTopicPartitionsResponse;
import io.runnel.protocol.message.ListGroupsRequest;
import io.runnel.protocol.message.ListGroupsResponse;
import io.runnel.protocol.message.ListOffsetsRequest;
import io.runnel.protocol.message.ListOffsetsResponse;
import io.runnel.protocol.message.MetadataRequest;
import io.runnel.protocol.message.MetadataResponse;
import io.runnel.protocol.message.OffsetCommitRequest;
import io.runnel.protocol.message.OffsetCommitResponse;
import io.runnel.protocol.message.OffsetFetchRequest;
import io.runnel.protocol.message.OffsetFetchResponse;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * The admin operations the commands need, each a few requests of {@link KafkaProtocolClient}: cluster and
 * topic metadata, offsets of partitions, groups (list, describe, committed offsets, commit, delete) and
 * topics (create, delete, configs). Broker errors become {@link CliException}s; retriable coordinator and
 * leader errors are retried until the client's deadline.
 */
public final class ClusterAdmin implements AutoCloseable {
    /** ListOffsets timestamps. */
    public static final long LATEST = -1L, EARLIEST = -2L;
    /** DescribeConfigs resource type of a topic, and the config source of a dynamic topic config. */
    private static final byte RESOURCE_TOPIC = 2, SOURCE_DYNAMIC_TOPIC = 1;

    private final KafkaProtocolClient client;
    /** Where non-fatal problems go (an undecodable assignment, ...). */
    private final Consumer<String> warnings;

    public ClusterAdmin(KafkaProtocolClient client, Consumer<String> warnings) {
        this.client = client;
        this.warnings = warnings;
    }

    public KafkaProtocolClient client() {
        return client;
    }

    // ------------------------------------------------------------------ metadata

    public record PartitionInfo(int partition, Errors error, int leader, int leaderEpoch, List<Integer> replicas,
                                List<Integer> isr, List<Integer> offline) {
    }

    public record TopicInfo(String name, Uuid id, Errors error, boolean internal, List<PartitionInfo> partitions) {
        public List<TopicPartition> topicPartitions() {
            return partitions.stream().map(p -> new TopicPartition(name, p.partition())).toList();
        }
    }

    /**
     * @param topics by name, sorted; a requested topic that does not exist is present with its error
     *               (UNKNOWN_TOPIC_OR_PARTITION)
     */
    public record ClusterInfo(String clusterId, int controllerId, Map<Integer, Node> brokers, Map<String, TopicInfo> topics) {
        /** The topic, or a CliException with the topic's error (UNKNOWN_TOPIC_OR_PARTITION if absent). */
        public TopicInfo require(String name) {
            TopicInfo t = topics.get(name);
            if (t == null) throw CliException.of(Errors.UNKNOWN_TOPIC_OR_PARTITION, "Topic '" + name + "' does not exist.");
            if (t.error() != Errors.NONE) {
                String msg = t.error() == Errors.UNKNOWN_TOPIC_OR_PARTITION ? "Topic '" + name + "' does not exist." : "Topic '" + name + "': " + t.error().message();
                throw CliException.of(t.error(), msg);
            }
            return t;
        }

        public String nameOf(Uuid id) {
            for (TopicInfo t : topics.values()) if (t.id().equals(id)) return t.name();
            return null;
        }
    }

    /** Metadata for {@code topics}, or for all topics when null. Never creates topics. */
    public ClusterInfo metadata(Collection<String> topics) {
        BrokerConnection c = client.bootstrap();
        short v = c.version(ApiKeys.METADATA);
        MetadataRequest req = new MetadataRequest();
        if (topics == null) {
            req.topics = v >= 1 ? null : new ArrayList<>();
        } else {
            // v0 cannot ask for no topics (empty means all): the answer just has more in it
            for (String name : topics) {
                MetadataRequest.Topic t = new MetadataRequest.Topic();
                t.name = name;
                req.topics.add(t);
            }
        }
        req.allowAutoTopicCreation = false;
        MetadataResponse resp = c.send(ApiKeys.METADATA, v, req);
        if (v >= 13 && resp.errorCode != 0) throw CliException.of(Errors.forCode(resp.errorCode), null);
        Map<Integer, Node> brokers = new TreeMap<>();
        for (MetadataResponse.Broker b : resp.brokers) brokers.put(b.nodeId, new Node(b.nodeId, b.host, b.port));
        Map<String, TopicInfo> byName = new TreeMap<>();
        for (MetadataResponse.Topic t : resp.topics) {
            if (t.name == null) continue;
            List<PartitionInfo> parts = new ArrayList<>();
            for (MetadataResponse.Partition p : t.partitions) {
                parts.add(new PartitionInfo(p.partitionIndex, Errors.forCode(p.errorCode), p.leaderId, p.leaderEpoch,
                        List.copyOf(p.replicaNodes), List.copyOf(p.isrNodes), List.copyOf(p.offlineReplicas)));
            }
            parts.sort((a, b) -> Integer.compare(a.partition(), b.partition()));
            byName.put(t.name, new TopicInfo(t.name, t.topicId, Errors.forCode(t.errorCode), t.isInternal, parts));
        }
        return new ClusterInfo(resp.clusterId, resp.controllerId, brokers, byName);
    }

    /** A partition's eligible leader replicas and last known ELR (KIP-966); a list is null when the broker sent none. */
    public record Elr(List<Integer> elr, List<Integer> lastKnownElr) {
    }

    /**
     * The ELR and last known ELR of every partition of {@code topics} (all topics when null), from DescribeTopicPartitions
     * (API 75, paged by its cursor), as kafka-topics.sh gets them; null when the bootstrap broker does not serve that API.
     */
    public Map<TopicPartition, Elr> eligibleLeaderReplicas(Collection<String> topics) {
        BrokerConnection c = client.bootstrap();
        if (!c.supports(ApiKeys.DESCRIBE_TOPIC_PARTITIONS)) return null;
        Map<TopicPartition, Elr> out = new TreeMap<>();
        DescribeTopicPartitionsRequest.Cursor cursor = null;
        do {
            DescribeTopicPartitionsRequest req = new DescribeTopicPartitionsRequest();
            if (topics != null) {
                for (String name : topics) {
                    DescribeTopicPartitionsRequest.TopicRequest t = new DescribeTopicPartitionsRequest.TopicRequest();
                    t.name = name;
                    req.topics.add(t);
                }
            }
            req.cursor = cursor;
            DescribeTopicPartitionsResponse resp = c.send(ApiKeys.DESCRIBE_TOPIC_PARTITIONS, req);
            for (DescribeTopicPartitionsResponse.Topic t : resp.topics) {
                if (t.name == null || t.errorCode != 0) continue;
                for (DescribeTopicPartitionsResponse.Partition p : t.partitions) {
                    out.put(new TopicPartition(t.name, p.partitionIndex), new Elr(
                            p.eligibleLeaderReplicas == null ? null : List.copyOf(p.eligibleLeaderReplicas),
                            p.lastKnownElr == null ? null : List.copyOf(p.lastKnownElr)));
                }
            }
            if (resp.nextCursor == null) {
                cursor = null;
            } else {
                cursor = new DescribeTopicPartitionsRequest.Cursor();
                cursor.topicName = resp.nextCursor.topicName;
                cursor.partitionIndex = resp.nextCursor.partitionIndex;
            }
        } while (cursor != null);
        return out;
    }

    // ------------------------------------------------------------------ partition offsets

    /** Offsets found per partition, and the partitions that failed with their error. */
    public record ListedOffsets(Map<TopicPartition, Long> offsets, Map<TopicPartition, Errors> errors) {
        /** The offset of every partition, or a CliException naming the first failed one. */
        public Map<TopicPartition, Long> require() {
            if (!errors.isEmpty()) {
                Map.Entry<TopicPartition, Errors> e = errors.entrySet().iterator().next();
                throw CliException.of(e.getValue(), "cannot list offsets of " + e.getKey() + ": " + e.getValue().message());
            }
            return offsets;
        }
    }

    /**
     * ListOffsets for {@code partitions} at {@code timestamp} ({@link #LATEST}: log end offset (high watermark),
     * {@link #EARLIEST}: log start offset), sent to each partition's leader. Retried while leaders move.
     */
    public ListedOffsets listOffsets(Collection<TopicPartition> partitions, long timestamp) {
        if (partitions.isEmpty()) return new ListedOffsets(Map.of(), Map.of());
        return client.retrying(() -> {
            Set<String> topics = new LinkedHashSet<>();
            for (TopicPartition tp : partitions) topics.add(tp.topic());
            ClusterInfo md = metadata(topics);
            Map<TopicPartition, Long> offsets = new TreeMap<>();
            Map<TopicPartition, Errors> errors = new TreeMap<>();
            Map<Integer, List<TopicPartition>> byLeader = new TreeMap<>();
            for (TopicPartition tp : partitions) {
                TopicInfo t = md.topics().get(tp.topic());
                PartitionInfo p = t == null || t.error() != Errors.NONE ? null
                        : t.partitions().stream().filter(x -> x.partition() == tp.partition()).findFirst().orElse(null);
                if (p == null) {
                    errors.put(tp, t != null && t.error() != Errors.NONE ? t.error() : Errors.UNKNOWN_TOPIC_OR_PARTITION);
                } else if (p.leader() < 0 || !md.brokers().containsKey(p.leader())) {
                    throw CliException.of(Errors.LEADER_NOT_AVAILABLE, "no leader for " + tp);
                } else {
                    byLeader.computeIfAbsent(p.leader(), k -> new ArrayList<>()).add(tp);
                }
            }
            for (Map.Entry<Integer, List<TopicPartition>> e : byLeader.entrySet()) {
                BrokerConnection c = client.connection(md.brokers().get(e.getKey()));
                ListOffsetsRequest req = new ListOffsetsRequest();
                req.replicaId = -1;
                req.isolationLevel = 0;
                req.timeoutMs = (int) Math.min(Integer.MAX_VALUE, client.remainingMs());
                Map<String, ListOffsetsRequest.Topic> reqTopics = new LinkedHashMap<>();
                for (TopicPartition tp : e.getValue()) {
                    ListOffsetsRequest.Topic t = reqTopics.computeIfAbsent(tp.topic(), n -> {
                        ListOffsetsRequest.Topic x = new ListOffsetsRequest.Topic();
                        x.name = n;
                        return x;
                    });
                    ListOffsetsRequest.Partition p = new ListOffsetsRequest.Partition();
                    p.partitionIndex = tp.partition();
                    p.timestamp = timestamp;
                    t.partitions.add(p);
                }
                req.topics.addAll(reqTopics.values());
                ListOffsetsResponse resp = c.send(ApiKeys.LIST_OFFSETS, req);
                for (ListOffsetsResponse.TopicResponse t : resp.topics) {
                    for (ListOffsetsResponse.PartitionResponse p : t.partitions) {
                        TopicPartition tp = new TopicPartition(t.name, p.partitionIndex);
                        Errors err = Errors.forCode(p.errorCode);
                        if (err == Errors.NOT_LEADER_OR_FOLLOWER || err == Errors.LEADER_NOT_AVAILABLE) {
                            throw CliException.of(err, "listing offsets of " + tp);
                        }
                        if (err != Errors.NONE) errors.put(tp, err);
                        else offsets.put(tp, p.offset);
                    }
                }
                for (TopicPartition tp : e.getValue()) {
                    if (!offsets.containsKey(tp) && !errors.containsKey(tp)) errors.put(tp, Errors.UNKNOWN_SERVER_ERROR);
                }
            }
            return new ListedOffsets(offsets, errors);
        });
    }

    // ------------------------------------------------------------------ groups

    public record ListedGroup(String groupId, String protocolType, String state, String type) {
    }

    /**
     * The groups of every broker (each coordinates its own share). {@code states} / {@code types} filter
     * (case-insensitive), on the broker where its ListGroups version can, else here.
     */
    public List<ListedGroup> listGroups(Set<String> states, Set<String> types) {
        ClusterInfo md = metadata(List.of());
        Collection<Node> nodes = md.brokers().isEmpty() ? List.of(client.bootstrap().node()) : md.brokers().values();
        Map<String, ListedGroup> all = new TreeMap<>();
        for (Node n : nodes) {
            ListGroupsResponse resp = client.retrying(() -> {
                BrokerConnection c = client.connection(n);
                short v = c.version(ApiKeys.LIST_GROUPS);
                ListGroupsRequest req = new ListGroupsRequest();
                if (v >= 4) req.statesFilter = new ArrayList<>(states);
                if (v >= 5) req.typesFilter = new ArrayList<>(types);
                ListGroupsResponse r = c.send(ApiKeys.LIST_GROUPS, v, req);
                Errors e = Errors.forCode(r.errorCode);
                if (e != Errors.NONE) throw CliException.of(e, "ListGroups on " + n.address() + ": " + e.message());
                return r;
            });
            for (ListGroupsResponse.Group g : resp.groups) {
                String type = g.groupType == null || g.groupType.isEmpty() ? "classic" : g.groupType;
                if (!matches(states, g.groupState) || !matches(types, type)) continue;
                all.put(g.groupId, new ListedGroup(g.groupId, g.protocolType, g.groupState, type));
            }
        }
        return new ArrayList<>(all.values());
    }

    private static boolean matches(Set<String> filter, String value) {
        if (filter.isEmpty() || value == null || value.isEmpty()) return true;
        return filter.stream().anyMatch(f -> f.equalsIgnoreCase(value));
    }

    public record Member(String memberId, String instanceId, String clientId, String host, List<TopicPartition> assignment) {
    }

    /**
     * @param type     "consumer" (KIP-848 protocol) or "classic"
     * @param assignor the consumer group's server assignor, or the classic group's selected protocol
     * @param exists   false when the coordinator knows no such group ("Dead")
     */
    public record GroupDescription(String groupId, String type, String state, String protocolType, String assignor,
                                   Node coordinator, List<Member> members, boolean exists) {
        public boolean isInactive() {
            return !exists || "Empty".equalsIgnoreCase(state) || "Dead".equalsIgnoreCase(state);
        }
    }

    /**
     * Describes a group at its coordinator: ConsumerGroupDescribe first (where supported); a classic group,
     * for which it answers GROUP_ID_NOT_FOUND, is described with DescribeGroups, decoding the assignments of
     * "consumer" protocol members. A group neither knows comes back with {@code exists = false}.
     */
    public GroupDescription describeGroup(String groupId) {
        return client.retrying(() -> {
            BrokerConnection c = client.coordinator(groupId);
            if (c.supports(ApiKeys.CONSUMER_GROUP_DESCRIBE)) {
                ConsumerGroupDescribeRequest req = new ConsumerGroupDescribeRequest();
                req.groupIds = new ArrayList<>(List.of(groupId));
                ConsumerGroupDescribeResponse resp = c.send(ApiKeys.CONSUMER_GROUP_DESCRIBE, req);
                ConsumerGroupDescribeResponse.Group g = resp.groups.stream().filter(x -> groupId.equals(x.groupId)).findFirst()
                        .orElseThrow(() -> new CliException("ConsumerGroupDescribe answered without the group '" + groupId + "'"));
                Errors e = Errors.forCode(g.errorCode);
                if (e == Errors.NONE) {
                    List<Member> members = new ArrayList<>();
                    for (ConsumerGroupDescribeResponse.Member m : g.members) {
                        List<TopicPartition> assigned = new ArrayList<>();
                        for (ConsumerGroupDescribeResponse.TopicPartitions tp : m.assignment.topicPartitions) {
                            for (int p : tp.partitions) assigned.add(new TopicPartition(tp.topicName, p));
                        }
                        assigned.sort(null);
                        members.add(new Member(m.memberId, m.instanceId, m.clientId, m.clientHost, assigned));
                    }
                    return new GroupDescription(groupId, "consumer", g.groupState, "consumer", g.assignorName, c.node(), members, true);
                }
                // GROUP_ID_NOT_FOUND: not a consumer-protocol group (or none at all): ask DescribeGroups;
                // UNSUPPORTED_VERSION / INVALID_REQUEST: the broker serves no consumer groups
                if (e != Errors.GROUP_ID_NOT_FOUND && e != Errors.UNSUPPORTED_VERSION && e != Errors.INVALID_REQUEST) {
                    throw CliException.of(e, g.errorMessage);
                }
            }
            DescribeGroupsRequest req = new DescribeGroupsRequest();
            req.groups = new ArrayList<>(List.of(groupId));
            DescribeGroupsResponse resp = c.send(ApiKeys.DESCRIBE_GROUPS, req);
            DescribeGroupsResponse.Group g = resp.groups.stream().filter(x -> groupId.equals(x.groupId)).findFirst()
                    .orElseThrow(() -> new CliException("DescribeGroups answered without the group '" + groupId + "'"));
            Errors e = Errors.forCode(g.errorCode);
            if (e == Errors.GROUP_ID_NOT_FOUND || (e == Errors.NONE && "Dead".equalsIgnoreCase(g.groupState))) {
                return new GroupDescription(groupId, "classic", "Dead", "", "", c.node(), List.of(), false);
            }
            if (e != Errors.NONE) throw CliException.of(e, g.errorMessage);
            boolean consumerProtocol = "consumer".equals(g.protocolType);
            List<Member> members = new ArrayList<>();
            for (DescribeGroupsResponse.Member m : g.members) {
                List<TopicPartition> assigned = new ArrayList<>();
                if (consumerProtocol) {
                    try {
                        assigned.addAll(ConsumerAssignment.decode(m.memberAssignment));
                    } catch (MalformedMessageException ex) {
                        warnings.accept("the assignment of member " + m.memberId + " does not decode: " + ex.getMessage());
                    }
                }
                assigned.sort(null);
                members.add(new Member(m.memberId, m.groupInstanceId, m.clientId, m.clientHost, assigned));
            }
            return new GroupDescription(groupId, "classic", g.groupState, g.protocolType, g.protocolData, c.node(), members, true);
        });
    }

    /** The committed offsets of every partition of {@code groupId} (OffsetFetch for all topics). */
    public Map<TopicPartition, Long> committedOffsets(String groupId) {
        return client.retrying(() -> {
            BrokerConnection c = client.coordinator(groupId);
            short v = c.version(ApiKeys.OFFSET_FETCH);
            Map<TopicPartition, Long> out = new TreeMap<>();
            OffsetFetchRequest req = new OffsetFetchRequest();
            ClusterInfo md = null;
            if (v >= 8) {
                OffsetFetchRequest.Group g = new OffsetFetchRequest.Group();
                g.groupId = groupId;
                g.topics = null; // all
                req.groups.add(g);
                req.topics = new ArrayList<>();
            } else {
                req.groupId = groupId;
                if (v >= 2) {
                    req.topics = null; // all
                } else {
                    // v1 cannot ask for "all": ask for every partition of every topic
                    md = metadata(null);
                    for (TopicInfo t : md.topics().values()) {
                        if (t.error() != Errors.NONE) continue;
                        OffsetFetchRequest.Topic rt = new OffsetFetchRequest.Topic();
                        rt.name = t.name();
                        for (PartitionInfo p : t.partitions()) rt.partitionIndexes.add(p.partition());
                        req.topics.add(rt);
                    }
                }
            }
            OffsetFetchResponse resp = c.send(ApiKeys.OFFSET_FETCH, v, req);
            if (v >= 8) {
                OffsetFetchResponse.Group g = resp.groups.stream().filter(x -> groupId.equals(x.groupId)).findFirst()
                        .orElseThrow(() -> new CliException("OffsetFetch answered without the group '" + groupId + "'"));
                Errors e = Errors.forCode(g.errorCode);
                if (e != Errors.NONE) throw CliException.of(e, null);
                for (OffsetFetchResponse.GroupTopic t : g.topics) {
                    String name = t.name;
                    if (v >= 10) {
                        if (md == null) md = metadata(null);
                        name = md.nameOf(t.topicId);
                        if (name == null) continue; // deleted meanwhile
                    }
                    for (OffsetFetchResponse.GroupPartition p : t.partitions) {
                        collect(out, new TopicPartition(name, p.partitionIndex), p.committedOffset, Errors.forCode(p.errorCode));
                    }
                }
            } else {
                if (v >= 2) {
                    Errors e = Errors.forCode(resp.errorCode);
                    if (e != Errors.NONE) throw CliException.of(e, null);
                }
                for (OffsetFetchResponse.Topic t : resp.topics) {
                    for (OffsetFetchResponse.Partition p : t.partitions) {
                        collect(out, new TopicPartition(t.name, p.partitionIndex), p.committedOffset, Errors.forCode(p.errorCode));
                    }
                }
            }
            return out;
        });
    }

    private static void collect(Map<TopicPartition, Long> out, TopicPartition tp, long offset, Errors e) {
        if (e == Errors.UNKNOWN_TOPIC_OR_PARTITION || e == Errors.UNKNOWN_TOPIC_ID) return;
        if (e != Errors.NONE) throw CliException.of(e, "committed offset of " + tp + ": " + e.message());
        if (offset >= 0) out.put(tp, offset);
    }

    /**
     * Commits {@code offsets} for {@code groupId} as an admin does: generation -1 and no member id, which the
     * coordinator accepts only while the group has no members (else UNKNOWN_MEMBER_ID / ILLEGAL_GENERATION).
     */
    public void commitOffsets(String groupId, Map<TopicPartition, Long> offsets) {
        if (offsets.isEmpty()) return;
        client.retrying(() -> {
            BrokerConnection c = client.coordinator(groupId);
            short v = c.version(ApiKeys.OFFSET_COMMIT);
            ClusterInfo md = v >= 10 ? metadata(offsets.keySet().stream().map(TopicPartition::topic).distinct().toList()) : null;
            OffsetCommitRequest req = new OffsetCommitRequest();
            req.groupId = groupId;
            req.generationIdOrMemberEpoch = -1;
            req.memberId = "";
            req.groupInstanceId = null;
            Map<String, OffsetCommitRequest.Topic> topics = new LinkedHashMap<>();
            for (Map.Entry<TopicPartition, Long> e : new TreeMap<>(offsets).entrySet()) {
                OffsetCommitRequest.Topic t = topics.computeIfAbsent(e.getKey().topic(), n -> {
                    OffsetCommitRequest.Topic x = new OffsetCommitRequest.Topic();
                    x.name = n;
                    if (md != null) x.topicId = md.require(n).id();
                    return x;
                });
                OffsetCommitRequest.Partition p = new OffsetCommitRequest.Partition();
                p.partitionIndex = e.getKey().partition();
                p.committedOffset = e.getValue();
                p.committedLeaderEpoch = -1;
                p.committedMetadata = "";
                t.partitions.add(p);
            }
            req.topics.addAll(topics.values());
            OffsetCommitResponse resp = c.send(ApiKeys.OFFSET_COMMIT, v, req);
            for (OffsetCommitResponse.Topic t : resp.topics) {
                String name = v >= 10 && md != null ? md.nameOf(t.topicId) : t.name;
                for (OffsetCommitResponse.Partition p : t.partitions) {
                    Errors e = Errors.forCode(p.errorCode);
                    if (e != Errors.NONE) {
                        String detail = e == Errors.UNKNOWN_MEMBER_ID || e == Errors.ILLEGAL_GENERATION
                                ? "the group '" + groupId + "' has active members; offsets can only be committed for an inactive group"
                                : "committing " + name + "-" + p.partitionIndex + ": " + e.message();
                        throw CliException.of(e, detail);
                    }
                }
            }
            return null;
        });
    }

    /** Deletes {@code groupId} (and its offsets); the broker's error (NONE, NON_EMPTY_GROUP, GROUP_ID_NOT_FOUND, ...). */
    public Errors deleteGroup(String groupId) {
        return client.retrying(() -> {
            BrokerConnection c = client.coordinator(groupId);
            DeleteGroupsRequest req = new DeleteGroupsRequest();
            req.groupsNames = new ArrayList<>(List.of(groupId));
            DeleteGroupsResponse resp = c.send(ApiKeys.DELETE_GROUPS, req);
            for (DeleteGroupsResponse.Result r : resp.results) {
                if (!groupId.equals(r.groupId)) continue;
                Errors e = Errors.forCode(r.errorCode);
                // coordinator moved or loading: retried like every coordinator request
                if (e == Errors.NOT_COORDINATOR || e == Errors.COORDINATOR_LOAD_IN_PROGRESS || e == Errors.COORDINATOR_NOT_AVAILABLE) {
                    throw CliException.of(e, null);
                }
                return e;
            }
            throw new CliException("DeleteGroups answered without the group '" + groupId + "'");
        });
    }

    // ------------------------------------------------------------------ topics

    /** Creates a topic; partitions / replicationFactor -1 take the broker's defaults. Returns the created topic's partition count (-1 if unknown). */
    public int createTopic(String name, int partitions, short replicationFactor, Map<String, String> configs) {
        BrokerConnection c = client.bootstrap();
        short v = c.version(ApiKeys.CREATE_TOPICS);
        CreateTopicsRequest req = new CreateTopicsRequest();
        CreateTopicsRequest.Topic t = new CreateTopicsRequest.Topic();
        t.name = name;
        t.numPartitions = partitions;
        t.replicationFactor = replicationFactor;
        for (Map.Entry<String, String> e : configs.entrySet()) {
            CreateTopicsRequest.Config cfg = new CreateTopicsRequest.Config();
            cfg.name = e.getKey();
            cfg.value = e.getValue();
            t.configs.add(cfg);
        }
        req.topics.add(t);
        req.timeoutMs = (int) Math.min(Integer.MAX_VALUE, client.remainingMs());
        CreateTopicsResponse resp = c.send(ApiKeys.CREATE_TOPICS, v, req);
        for (CreateTopicsResponse.TopicResult r : resp.topics) {
            if (!name.equals(r.name)) continue;
            Errors e = Errors.forCode(r.errorCode);
            if (e != Errors.NONE) throw CliException.of(e, r.errorMessage);
            return v >= 5 ? r.numPartitions : -1;
        }
        throw new CliException("CreateTopics answered without the topic '" + name + "'");
    }

    public void deleteTopic(String name) {
        BrokerConnection c = client.bootstrap();
        short v = c.version(ApiKeys.DELETE_TOPICS);
        DeleteTopicsRequest req = new DeleteTopicsRequest();
        if (v >= 6) {
            DeleteTopicsRequest.Topic t = new DeleteTopicsRequest.Topic();
            t.name = name;
            req.topics.add(t);
        } else {
            req.topicNames.add(name);
        }
        req.timeoutMs = (int) Math.min(Integer.MAX_VALUE, client.remainingMs());
        DeleteTopicsResponse resp = c.send(ApiKeys.DELETE_TOPICS, v, req);
        for (DeleteTopicsResponse.TopicResult r : resp.responses) {
            if (!name.equals(r.name)) continue;
            Errors e = Errors.forCode(r.errorCode);
            if (e == Errors.UNKNOWN_TOPIC_OR_PARTITION) throw CliException.of(e, "Topic '" + name + "' does not exist.");
            if (e != Errors.NONE) throw CliException.of(e, r.errorMessage);
            return;
        }
        throw new CliException("DeleteTopics answered without the topic '" + name + "'");
    }

    /**
     * The configs set on each topic itself (source DYNAMIC_TOPIC_CONFIG), by topic and name; empty when the
     * broker does not serve DescribeConfigs.
     */
    public Map<String, Map<String, String>> topicConfigs(Collection<String> topics) {
        BrokerConnection c = client.bootstrap();
        Map<String, Map<String, String>> out = new TreeMap<>();
        if (topics.isEmpty() || !c.supports(ApiKeys.DESCRIBE_CONFIGS)) return out;
        DescribeConfigsRequest req = new DescribeConfigsRequest();
        for (String topic : topics) {
            DescribeConfigsRequest.Resource r = new DescribeConfigsRequest.Resource();
            r.resourceType = RESOURCE_TOPIC;
            r.resourceName = topic;
            r.configurationKeys = null;
            req.resources.add(r);
        }
        DescribeConfigsResponse resp = c.send(ApiKeys.DESCRIBE_CONFIGS, req);
        for (DescribeConfigsResponse.Result res : resp.results) {
            Errors e = Errors.forCode(res.errorCode);
            if (e != Errors.NONE) throw CliException.of(e, res.errorMessage);
            Map<String, String> configs = out.computeIfAbsent(res.resourceName, k -> new TreeMap<>());
            for (DescribeConfigsResponse.Config cfg : res.configs) {
                if (cfg.configSource == SOURCE_DYNAMIC_TOPIC) configs.put(cfg.name, cfg.isSensitive ? "<sensitive>" : cfg.value);
            }
        }
        return out;
    }

    @Override
    public void close() {
        client.close();
    }
}
