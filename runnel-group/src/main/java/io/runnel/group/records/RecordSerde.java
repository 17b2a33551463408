package io.runnel.group.records;

import io.runnel.common.Uuid;
import io.runnel.group.CoordinatorRecord;
import io.runnel.group.records.GroupRecord.ConsumerCurrentAssignment;
import io.runnel.group.records.GroupRecord.ConsumerCurrentAssignmentValue;
import io.runnel.group.records.GroupRecord.ConsumerGroupMetadata;
import io.runnel.group.records.GroupRecord.ConsumerGroupMetadataValue;
import io.runnel.group.records.GroupRecord.ConsumerMemberMetadata;
import io.runnel.group.records.GroupRecord.ConsumerMemberMetadataValue;
import io.runnel.group.records.GroupRecord.ConsumerTargetAssignmentMember;
import io.runnel.group.records.GroupRecord.ConsumerTargetAssignmentMetadata;
import io.runnel.group.records.GroupRecord.GroupMetadata;
import io.runnel.group.records.GroupRecord.GroupMetadataValue;
import io.runnel.group.records.GroupRecord.MemberMetadata;
import io.runnel.group.records.GroupRecord.OffsetCommit;
import io.runnel.group.records.GroupRecord.OffsetValue;
import io.runnel.protocol.ByteBufferReadable;
import io.runnel.protocol.GrowableWritable;
import io.runnel.protocol.MalformedMessageException;
import io.runnel.protocol.Message;
import io.runnel.protocol.Readable;
import io.runnel.protocol.message.ConsumerGroupCurrentMemberAssignmentKey;
import io.runnel.protocol.message.ConsumerGroupCurrentMemberAssignmentValue;
import io.runnel.protocol.message.ConsumerGroupMemberMetadataKey;
import io.runnel.protocol.message.ConsumerGroupMemberMetadataValue;
import io.runnel.protocol.message.ConsumerGroupMetadataKey;
import io.runnel.protocol.message.ConsumerGroupTargetAssignmentMemberKey;
import io.runnel.protocol.message.ConsumerGroupTargetAssignmentMemberValue;
import io.runnel.protocol.message.ConsumerGroupTargetAssignmentMetadataKey;
import io.runnel.protocol.message.ConsumerGroupTargetAssignmentMetadataValue;
import io.runnel.protocol.message.GroupMetadataKey;
import io.runnel.protocol.message.OffsetCommitKey;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;

/**
 * Serializes {@link GroupRecord}s in the byte layout Kafka uses for {@code __consumer_offsets}, with the
 * classes generated from {@code group_records.api}, so that a Runnel log can be read by Kafka's tools and
 * the other way round.
 *
 * <p>A key is an int16 record type followed by the key struct written at version = type (classic encoding:
 * strings with an int16 length). A value is an int16 schema version followed by the value struct at that
 * version. Versions written: OffsetCommitValue v3 (v1 when the commit carries an expire time),
 * GroupMetadataValue v3, every consumer-group value v0 (flexible). All versions Kafka ever wrote are read;
 * unknown tagged fields are skipped. Stateless and thread-safe.
 */
public final class RecordSerde {
    public static final short LEGACY_OFFSET_COMMIT = 0;
    public static final short OFFSET_COMMIT = 1;
    public static final short GROUP_METADATA = 2;
    public static final short CONSUMER_GROUP_METADATA = 3;
    public static final short CONSUMER_GROUP_PARTITION_METADATA = 4;
    public static final short CONSUMER_GROUP_MEMBER_METADATA = 5;
    public static final short CONSUMER_GROUP_TARGET_ASSIGNMENT_METADATA = 6;
    public static final short CONSUMER_GROUP_TARGET_ASSIGNMENT_MEMBER = 7;
    public static final short CONSUMER_GROUP_CURRENT_MEMBER_ASSIGNMENT = 8;

    private RecordSerde() {
    }

    // ------------------------------------------------------------------ serialize

    public static CoordinatorRecord serialize(GroupRecord r) {
        return switch (r) {
            case OffsetCommit o -> {
                OffsetCommitKey k = new OffsetCommitKey();
                k.group = o.groupId();
                k.topic = o.topic();
                k.partition = o.partition();
                yield new CoordinatorRecord(bytes(OFFSET_COMMIT, k), o.value() == null ? null : offsetValue(o.value()));
            }
            case GroupMetadata g -> {
                GroupMetadataKey k = new GroupMetadataKey();
                k.group = g.groupId();
                yield new CoordinatorRecord(bytes(GROUP_METADATA, k), g.value() == null ? null : groupValue(g.value()));
            }
            case ConsumerGroupMetadata c -> {
                ConsumerGroupMetadataKey k = new ConsumerGroupMetadataKey();
                k.groupId = c.groupId();
                byte[] value = null;
                if (c.value() != null) {
                    io.runnel.protocol.message.ConsumerGroupMetadataValue v = new io.runnel.protocol.message.ConsumerGroupMetadataValue();
                    v.epoch = c.value().epoch();
                    v.metadataHash = c.value().metadataHash();
                    value = bytes((short) 0, v);
                }
                yield new CoordinatorRecord(bytes(CONSUMER_GROUP_METADATA, k), value);
            }
            case ConsumerMemberMetadata m -> {
                ConsumerGroupMemberMetadataKey k = new ConsumerGroupMemberMetadataKey();
                k.groupId = m.groupId();
                k.memberId = m.memberId();
                byte[] value = null;
                if (m.value() != null) {
                    ConsumerMemberMetadataValue s = m.value();
                    ConsumerGroupMemberMetadataValue v = new ConsumerGroupMemberMetadataValue();
                    v.instanceId = s.instanceId();
                    v.rackId = s.rackId();
                    v.clientId = s.clientId();
                    v.clientHost = s.clientHost();
                    v.subscribedTopicNames = new ArrayList<>(s.subscribedTopicNames());
                    v.subscribedTopicRegex = s.subscribedTopicRegex();
                    v.rebalanceTimeoutMs = s.rebalanceTimeoutMs();
                    v.serverAssignor = s.serverAssignor();
                    if (s.classic() != null) {
                        var c = new ConsumerGroupMemberMetadataValue.ClassicMemberMetadata();
                        c.sessionTimeoutMs = s.classic().sessionTimeoutMs();
                        for (GroupRecord.ClassicProtocol cp : s.classic().protocols()) {
                            var sp = new ConsumerGroupMemberMetadataValue.SupportedProtocol();
                            sp.name = cp.name();
                            sp.metadata = cp.metadata();
                            c.supportedProtocols.add(sp);
                        }
                        v.classicMemberMetadata = c;
                    }
                    value = bytes((short) 0, v);
                }
                yield new CoordinatorRecord(bytes(CONSUMER_GROUP_MEMBER_METADATA, k), value);
            }
            case ConsumerTargetAssignmentMetadata t -> {
                ConsumerGroupTargetAssignmentMetadataKey k = new ConsumerGroupTargetAssignmentMetadataKey();
                k.groupId = t.groupId();
                byte[] value = null;
                if (t.assignmentEpoch() != null) {
                    ConsumerGroupTargetAssignmentMetadataValue v = new ConsumerGroupTargetAssignmentMetadataValue();
                    v.assignmentEpoch = t.assignmentEpoch();
                    value = bytes((short) 0, v);
                }
                yield new CoordinatorRecord(bytes(CONSUMER_GROUP_TARGET_ASSIGNMENT_METADATA, k), value);
            }
            case ConsumerTargetAssignmentMember t -> {
                ConsumerGroupTargetAssignmentMemberKey k = new ConsumerGroupTargetAssignmentMemberKey();
                k.groupId = t.groupId();
                k.memberId = t.memberId();
                byte[] value = null;
                if (t.partitions() != null) {
                    ConsumerGroupTargetAssignmentMemberValue v = new ConsumerGroupTargetAssignmentMemberValue();
                    for (Map.Entry<Uuid, SortedSet<Integer>> e : t.partitions().asMap().entrySet()) {
                        ConsumerGroupTargetAssignmentMemberValue.TopicPartitions tp = new ConsumerGroupTargetAssignmentMemberValue.TopicPartitions();
                        tp.topicId = e.getKey();
                        tp.partitions = new ArrayList<>(e.getValue());
                        v.topicPartitions.add(tp);
                    }
                    value = bytes((short) 0, v);
                }
                yield new CoordinatorRecord(bytes(CONSUMER_GROUP_TARGET_ASSIGNMENT_MEMBER, k), value);
            }
            case ConsumerCurrentAssignment c -> {
                ConsumerGroupCurrentMemberAssignmentKey k = new ConsumerGroupCurrentMemberAssignmentKey();
                k.groupId = c.groupId();
                k.memberId = c.memberId();
                byte[] value = null;
                if (c.value() != null) {
                    ConsumerCurrentAssignmentValue s = c.value();
                    ConsumerGroupCurrentMemberAssignmentValue v = new ConsumerGroupCurrentMemberAssignmentValue();
                    v.memberEpoch = s.memberEpoch();
                    v.previousMemberEpoch = s.previousMemberEpoch();
                    v.state = s.state();
                    v.assignedPartitions = currentPartitions(s.assigned());
                    v.partitionsPendingRevocation = currentPartitions(s.pendingRevocation());
                    value = bytes((short) 0, v);
                }
                yield new CoordinatorRecord(bytes(CONSUMER_GROUP_CURRENT_MEMBER_ASSIGNMENT, k), value);
            }
        };
    }

    private static byte[] bytes(short version, Message m) {
        GrowableWritable out = new GrowableWritable(128);
        out.writeShort(version);
        m.write(out, version);
        return out.toArray();
    }

    private static byte[] offsetValue(OffsetValue s) {
        io.runnel.protocol.message.OffsetCommitValue v = new io.runnel.protocol.message.OffsetCommitValue();
        v.offset = s.offset();
        v.leaderEpoch = s.leaderEpoch();
        v.metadata = s.metadata();
        v.commitTimestamp = s.commitTimestamp();
        v.expireTimestamp = s.expireTimestamp();
        return bytes(s.expireTimestamp() >= 0 ? (short) 1 : (short) 3, v);
    }

    private static byte[] groupValue(GroupMetadataValue s) {
        io.runnel.protocol.message.GroupMetadataValue v = new io.runnel.protocol.message.GroupMetadataValue();
        v.protocolType = s.protocolType();
        v.generation = s.generation();
        v.protocol = s.protocol();
        v.leader = s.leader();
        v.currentStateTimestamp = s.currentStateTimestamp();
        for (MemberMetadata m : s.members()) {
            io.runnel.protocol.message.GroupMetadataValue.Member w = new io.runnel.protocol.message.GroupMetadataValue.Member();
            w.memberId = m.memberId();
            w.groupInstanceId = m.groupInstanceId();
            w.clientId = m.clientId();
            w.clientHost = m.clientHost();
            w.rebalanceTimeout = m.rebalanceTimeout();
            w.sessionTimeout = m.sessionTimeout();
            w.subscription = m.subscription();
            w.assignment = m.assignment();
            v.members.add(w);
        }
        return bytes((short) 3, v);
    }

    private static List<ConsumerGroupCurrentMemberAssignmentValue.TopicPartitions> currentPartitions(PartitionSet ps) {
        List<ConsumerGroupCurrentMemberAssignmentValue.TopicPartitions> out = new ArrayList<>();
        for (Map.Entry<Uuid, SortedSet<Integer>> e : ps.asMap().entrySet()) {
            ConsumerGroupCurrentMemberAssignmentValue.TopicPartitions tp = new ConsumerGroupCurrentMemberAssignmentValue.TopicPartitions();
            tp.topicId = e.getKey();
            tp.partitions = new ArrayList<>(e.getValue());
            out.add(tp);
        }
        return out;
    }

    // ------------------------------------------------------------------ deserialize

    /**
     * The typed record, or null for a key type this coordinator does not keep (share and streams groups,
     * deprecated partition metadata, regex resolutions).
     *
     * @throws MalformedMessageException if the bytes do not parse
     */
    public static GroupRecord deserialize(CoordinatorRecord r) {
        Readable k = new ByteBufferReadable(ByteBuffer.wrap(r.key()));
        short type = k.readShort();
        Readable v = r.value() == null ? null : new ByteBufferReadable(ByteBuffer.wrap(r.value()));
        return switch (type) {
            case LEGACY_OFFSET_COMMIT, OFFSET_COMMIT -> {
                OffsetCommitKey key = new OffsetCommitKey(k, type);
                OffsetValue value = null;
                if (v != null) {
                    io.runnel.protocol.message.OffsetCommitValue x = new io.runnel.protocol.message.OffsetCommitValue(v, version(v, 0, 4));
                    value = new OffsetValue(x.offset, x.leaderEpoch, x.metadata, x.commitTimestamp, x.expireTimestamp);
                }
                yield new OffsetCommit(key.group, key.topic, key.partition, value);
            }
            case GROUP_METADATA -> {
                GroupMetadataKey key = new GroupMetadataKey(k, type);
                GroupMetadataValue value = null;
                if (v != null) {
                    short version = version(v, 0, 4);
                    io.runnel.protocol.message.GroupMetadataValue x = new io.runnel.protocol.message.GroupMetadataValue(v, version);
                    List<MemberMetadata> members = new ArrayList<>(x.members.size());
                    for (io.runnel.protocol.message.GroupMetadataValue.Member m : x.members) {
                        // v0 had no rebalance timeout: it was the session timeout
                        int rebalance = version == 0 ? m.sessionTimeout : m.rebalanceTimeout;
                        members.add(new MemberMetadata(m.memberId, m.groupInstanceId, m.clientId, m.clientHost, rebalance,
                                m.sessionTimeout, m.subscription, m.assignment));
                    }
                    value = new GroupMetadataValue(x.protocolType, x.generation, x.protocol, x.leader,
                            x.currentStateTimestamp, List.copyOf(members));
                }
                yield new GroupMetadata(key.group, value);
            }
            case CONSUMER_GROUP_METADATA -> {
                ConsumerGroupMetadataKey key = new ConsumerGroupMetadataKey(k, type);
                ConsumerGroupMetadataValue value = null;
                if (v != null) {
                    var x = new io.runnel.protocol.message.ConsumerGroupMetadataValue(v, version(v, 0, 0));
                    value = new ConsumerGroupMetadataValue(x.epoch, x.metadataHash);
                }
                yield new ConsumerGroupMetadata(key.groupId, value);
            }
            case CONSUMER_GROUP_MEMBER_METADATA -> {
                ConsumerGroupMemberMetadataKey key = new ConsumerGroupMemberMetadataKey(k, type);
                ConsumerMemberMetadataValue value = null;
                if (v != null) {
                    var x = new ConsumerGroupMemberMetadataValue(v, version(v, 0, 0));
                    value = new ConsumerMemberMetadataValue(x.instanceId, x.rackId, x.clientId, x.clientHost,
                            List.copyOf(x.subscribedTopicNames), x.subscribedTopicRegex, x.rebalanceTimeoutMs, x.serverAssignor,
                            classic(x.classicMemberMetadata));
                }
                yield new ConsumerMemberMetadata(key.groupId, key.memberId, value);
            }
            case CONSUMER_GROUP_TARGET_ASSIGNMENT_METADATA -> {
                ConsumerGroupTargetAssignmentMetadataKey key = new ConsumerGroupTargetAssignmentMetadataKey(k, type);
                Integer epoch = null;
                if (v != null) epoch = new ConsumerGroupTargetAssignmentMetadataValue(v, version(v, 0, 0)).assignmentEpoch;
                yield new ConsumerTargetAssignmentMetadata(key.groupId, epoch);
            }
            case CONSUMER_GROUP_TARGET_ASSIGNMENT_MEMBER -> {
                ConsumerGroupTargetAssignmentMemberKey key = new ConsumerGroupTargetAssignmentMemberKey(k, type);
                PartitionSet partitions = null;
                if (v != null) {
                    var x = new ConsumerGroupTargetAssignmentMemberValue(v, version(v, 0, 0));
                    PartitionSet.Builder b = PartitionSet.builder();
                    for (var tp : x.topicPartitions) b.addAll(tp.topicId, tp.partitions);
                    partitions = b.build();
                }
                yield new ConsumerTargetAssignmentMember(key.groupId, key.memberId, partitions);
            }
            case CONSUMER_GROUP_CURRENT_MEMBER_ASSIGNMENT -> {
                ConsumerGroupCurrentMemberAssignmentKey key = new ConsumerGroupCurrentMemberAssignmentKey(k, type);
                ConsumerCurrentAssignmentValue value = null;
                if (v != null) {
                    var x = new ConsumerGroupCurrentMemberAssignmentValue(v, version(v, 0, 0));
                    value = new ConsumerCurrentAssignmentValue(x.memberEpoch, x.previousMemberEpoch, x.state,
                            partitions(x.assignedPartitions), partitions(x.partitionsPendingRevocation));
                }
                yield new ConsumerCurrentAssignment(key.groupId, key.memberId, value);
            }
            default -> null;
        };
    }

    private static PartitionSet partitions(List<ConsumerGroupCurrentMemberAssignmentValue.TopicPartitions> list) {
        PartitionSet.Builder b = PartitionSet.builder();
        for (var tp : list) b.addAll(tp.topicId, tp.partitions);
        return b.build();
    }

    private static short version(Readable v, int lowest, int highest) {
        short version = v.readShort();
        if (version < lowest || version > highest) {
            throw new MalformedMessageException("unknown value version " + version);
        }
        return version;
    }

    /** The record type of a serialized key. */
    public static short keyType(byte[] key) {
        return ByteBuffer.wrap(key).getShort();
    }

    private static GroupRecord.ClassicMemberMetadata classic(ConsumerGroupMemberMetadataValue.ClassicMemberMetadata c) {
        if (c == null) return null;
        List<GroupRecord.ClassicProtocol> ps = new ArrayList<>();
        for (var sp : c.supportedProtocols) ps.add(new GroupRecord.ClassicProtocol(sp.name, sp.metadata));
        return new GroupRecord.ClassicMemberMetadata(c.sessionTimeoutMs, List.copyOf(ps));
    }
}
