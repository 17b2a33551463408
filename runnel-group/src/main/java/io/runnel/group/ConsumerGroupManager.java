package io.runnel.group;

import io.runnel.common.Errors;
import io.runnel.common.Uuid;
import io.runnel.group.api.ClassicGroupApi;
import io.runnel.group.api.ConsumerGroupApi.DescribedMember;
import io.runnel.group.api.ConsumerGroupApi.DescribedTopicPartitions;
import io.runnel.group.api.ConsumerGroupApi.GroupDescription;
import io.runnel.group.api.ConsumerGroupApi.HeartbeatParams;
import io.runnel.group.api.ConsumerGroupApi.HeartbeatResult;
import io.runnel.group.api.ConsumerGroupApi.TopicIdPartitions;
import io.runnel.group.assignor.PartitionAssignor;
import io.runnel.group.records.GroupRecord;
import io.runnel.group.records.GroupRecord.ConsumerCurrentAssignment;
import io.runnel.group.records.GroupRecord.ConsumerGroupMetadata;
import io.runnel.group.records.GroupRecord.ConsumerGroupMetadataValue;
import io.runnel.group.records.GroupRecord.ConsumerMemberMetadata;
import io.runnel.group.records.GroupRecord.ConsumerTargetAssignmentMember;
import io.runnel.group.records.GroupRecord.ConsumerTargetAssignmentMetadata;
import io.runnel.group.records.PartitionSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * The consumer group protocol of KIP-848 for one shard: ConsumerGroupHeartbeat and ConsumerGroupDescribe.
 *
 * <p>A heartbeat (1) validates the member and its epoch, (2) records changes of the member's metadata,
 * (3) bumps the group epoch when membership, subscriptions or the subscribed topics' partitions changed,
 * (4) recomputes the target assignment with the server-side assignor when the group epoch is ahead of the
 * assignment epoch, and (5) reconciles this member towards its target ({@link Reconciler}). Every change is
 * a record; the response goes out once they are durable and replayed.
 *
 * <p>Timers: {@code ks/<group>/<member>} session timeout (group.consumer.session.timeout.ms, reset by every
 * heartbeat) and {@code kr/<group>/<member>} rebalance timeout while the member owes a revocation; either
 * fences the member (its records are deleted and the group epoch bumped). A static member that leaves with
 * epoch -2 keeps its assignment until its session times out, and gets it back if it rejoins first.
 *
 * <p>Online migration (group.consumer.migration.policy): a non-empty classic group is converted on the first
 * heartbeat of a consumer-protocol member ({@code upgrade}); its classic members are then served through
 * JoinGroup/SyncGroup/Heartbeat/LeaveGroup ({@code classicJoin} and the rest), and the group is converted back
 * when only classic members remain ({@code maybeDowngrade}). See docs/group-coordinator.md.
 * Coordinator thread only.
 */
final class ConsumerGroupManager {
    private static final Logger log = LoggerFactory.getLogger(ConsumerGroupManager.class);
    private static final long REGEX_CACHE_MS = 1000;

    private final GroupShard shard;
    private final Map<String, PartitionAssignor> assignors = new LinkedHashMap<>();
    private final Map<String, CachedRegex> regexCache = new HashMap<>();

    private record CachedRegex(long computedAtMs, Set<String> topics) {
    }

    /**
     * Per group and member, the DESCRIBE check of the member's principal that its regex matches are filtered by
     * (Kafka), from its last heartbeat. In memory only: after the coordinator loads the group, a member's regex is
     * unfiltered until its next heartbeat (its Fetch is still checked for READ).
     */
    private final Map<String, Map<String, Predicate<String>>> describeChecks = new HashMap<>();

    ConsumerGroupManager(GroupShard shard) {
        this.shard = shard;
        for (String name : shard.config.consumerAssignors()) assignors.put(name, PartitionAssignor.byName(name));
    }

    private static String sessionKey(String group, String member) {
        return "ks/" + group + "/" + member;
    }

    private static String revokeKey(String group, String member) {
        return "kr/" + group + "/" + member;
    }

    // ------------------------------------------------------------------ heartbeat

    void heartbeat(HeartbeatParams p, CompletableFuture<HeartbeatResult> f) {
        String invalid = validate(p);
        if (invalid != null) {
            f.complete(HeartbeatResult.error(Errors.INVALID_REQUEST, invalid));
            return;
        }
        if (p.serverAssignor() != null && !assignors.containsKey(p.serverAssignor())) {
            f.complete(HeartbeatResult.error(Errors.UNSUPPORTED_ASSIGNOR, "ServerAssignor " + p.serverAssignor()
                    + " is not supported. Supported assignors: " + String.join(", ", assignors.keySet()) + "."));
            return;
        }
        if (p.subscribedTopicRegex() != null && !p.subscribedTopicRegex().isEmpty()
                && ConsumerGroup.compile(p.subscribedTopicRegex()) == null) {
            f.complete(HeartbeatResult.error(Errors.INVALID_REGULAR_EXPRESSION, "SubscribedTopicRegex "
                    + p.subscribedTopicRegex() + " is not a valid regular expression."));
            return;
        }
        Group existing = shard.state().groups.get(p.groupId());
        if (existing instanceof ClassicGroup c) {
            if (!c.isEmpty()) {
                upgrade(c, p, f);
                return;
            }
            if (!c.pendingMembers.isEmpty()) {
                f.complete(HeartbeatResult.error(Errors.GROUP_ID_NOT_FOUND, "Group " + p.groupId()
                        + " is a classic group with members; it cannot switch to the consumer protocol."));
                return;
            }
            if (p.memberEpoch() != 0) {
                f.complete(HeartbeatResult.error(Errors.UNKNOWN_MEMBER_ID, "Group " + p.groupId() + " has no member " + p.memberId()));
                return;
            }
            // an empty classic group (or its leftover) becomes a consumer group
            shard.classic.cancelTimers(c);
            shard.write(ClassicGroupManager.groupTombstones(c),
                    () -> shard.resubmit(() -> heartbeat(p, f), t -> f.complete(HeartbeatResult.error(Errors.forException(t), null))),
                    t -> f.complete(HeartbeatResult.error(GroupShard.appendError(t, false), null)));
            return;
        }
        ConsumerGroup g = (ConsumerGroup) existing;
        if (p.memberEpoch() < 0) {
            leave(g, p, f);
            return;
        }
        if (g == null) {
            if (p.memberEpoch() != 0) {
                f.complete(HeartbeatResult.error(Errors.UNKNOWN_MEMBER_ID, "Group " + p.groupId() + " does not exist."));
                return;
            }
            g = new ConsumerGroup(p.groupId());
        }
        beat(g, p, f);
    }

    private static String validate(HeartbeatParams p) {
        if (p.groupId() == null || p.groupId().isEmpty()) return "GroupId can't be empty.";
        if ("".equals(p.instanceId())) return "InstanceId can't be empty.";
        if ("".equals(p.rackId())) return "RackId can't be empty.";
        int epoch = p.memberEpoch();
        if (epoch > 0 || epoch == -1) {
            if (p.memberId() == null || p.memberId().isEmpty()) return "MemberId can't be empty.";
        } else if (epoch == 0) {
            if (p.rebalanceTimeoutMs() == -1) return "RebalanceTimeoutMs must be provided in first request.";
            if (p.ownedPartitions() == null || !p.ownedPartitions().isEmpty()) return "TopicPartitions must be empty when (re-)joining.";
            boolean names = p.subscribedTopicNames() != null && !p.subscribedTopicNames().isEmpty();
            boolean regex = p.subscribedTopicRegex() != null && !p.subscribedTopicRegex().isEmpty();
            if (!names && !regex) return "SubscribedTopicNames or SubscribedTopicRegex must be set in first request.";
        } else if (epoch == ConsumerMember.STATIC_LEFT_EPOCH) {
            if (p.memberId() == null || p.memberId().isEmpty()) return "MemberId can't be empty.";
            if (p.instanceId() == null) return "InstanceId can't be null.";
        } else {
            return "MemberEpoch is invalid.";
        }
        return null;
    }

    private void beat(ConsumerGroup g, HeartbeatParams p, CompletableFuture<HeartbeatResult> f) {
        GroupCoordinatorConfig cfg = shard.config;
        List<GroupRecord> records = new ArrayList<>();
        ConsumerMember before;     // the member as the group knows it (EMPTY-assignment placeholder for new ones)
        ConsumerMember replaced = null;
        boolean created = false;
        String memberId;
        if (p.memberEpoch() == 0) {
            memberId = p.memberId() == null || p.memberId().isEmpty() ? shard.newMemberId() : p.memberId();
            String staticId = p.instanceId() == null ? null : g.staticMembers.get(p.instanceId());
            if (staticId != null && !staticId.equals(memberId)) {
                replaced = g.members.get(staticId);
                // a classic member with the same group.instance.id is the previous incarnation of this process
                // (a rolling upgrade of a static member): it is replaced, as a classic rejoin would replace it
                if (replaced.memberEpoch() != ConsumerMember.STATIC_LEFT_EPOCH && !g.isClassic(staticId)) {
                    f.complete(HeartbeatResult.error(Errors.UNRELEASED_INSTANCE_ID, "Static member " + staticId
                            + " with instance id " + p.instanceId() + " is still active; it must leave first."));
                    return;
                }
                // KIP-848 static membership: the new incarnation inherits the assignment of the one that left
                before = replaced.withId(memberId);
                before = new ConsumerMember(memberId, before.instanceId(), before.rackId(), before.clientId(),
                        before.clientHost(), before.subscribedTopicNames(), before.subscribedTopicRegex(),
                        before.rebalanceTimeoutMs(), before.serverAssignor(), 0, 0, before.state(), before.assigned(),
                        before.pendingRevocation());
                records.add(new ConsumerCurrentAssignment(g.groupId, staticId, null));
                records.add(new ConsumerTargetAssignmentMember(g.groupId, staticId, null));
                records.add(new ConsumerMemberMetadata(g.groupId, staticId, null));
            } else if (g.members.containsKey(memberId)) {
                // a member rejoining with its id (fenced, or its join response was lost): it holds nothing now
                ConsumerMember m = g.members.get(memberId);
                before = new ConsumerMember(memberId, m.instanceId(), m.rackId(), m.clientId(), m.clientHost(),
                        m.subscribedTopicNames(), m.subscribedTopicRegex(), m.rebalanceTimeoutMs(), m.serverAssignor(),
                        0, 0, ConsumerMember.STABLE, PartitionSet.EMPTY, PartitionSet.EMPTY);
            } else {
                if (g.members.size() >= cfg.consumerMaxSize()) {
                    f.complete(HeartbeatResult.error(Errors.GROUP_MAX_SIZE_REACHED, "The consumer group has reached its maximum capacity of "
                            + cfg.consumerMaxSize() + " members."));
                    return;
                }
                before = ConsumerMember.empty(memberId);
                created = true;
            }
        } else {
            memberId = p.memberId();
            before = g.members.get(memberId);
            if (before == null) {
                f.complete(HeartbeatResult.error(Errors.UNKNOWN_MEMBER_ID, "Member " + memberId + " is not in group " + g.groupId + "."));
                return;
            }
            if (p.instanceId() != null) {
                String staticId = g.staticMembers.get(p.instanceId());
                if (staticId == null) {
                    f.complete(HeartbeatResult.error(Errors.UNKNOWN_MEMBER_ID, "Instance id " + p.instanceId() + " is unknown."));
                    return;
                }
                if (!staticId.equals(memberId)) {
                    f.complete(HeartbeatResult.error(Errors.FENCED_INSTANCE_ID, "Instance id " + p.instanceId()
                            + " belongs to member " + staticId + "."));
                    return;
                }
            }
            PartitionSet owned = toSet(p.ownedPartitions());
            if (p.memberEpoch() > before.memberEpoch()
                    || (p.memberEpoch() < before.memberEpoch()
                    && (p.memberEpoch() != before.previousMemberEpoch() || owned == null || !owned.subsetOf(before.assigned())))) {
                f.complete(HeartbeatResult.error(Errors.FENCED_MEMBER_EPOCH, "The member epoch " + p.memberEpoch()
                        + " does not match the coordinator's " + before.memberEpoch() + ". The member must abandon all its partitions and rejoin."));
                return;
            }
        }

        // metadata
        ConsumerMember updated = new ConsumerMember(memberId,
                p.instanceId() != null ? p.instanceId() : before.instanceId(),
                p.rackId() != null ? p.rackId() : before.rackId(),
                p.clientId() == null ? before.clientId() : p.clientId(),
                p.clientHost() == null ? before.clientHost() : p.clientHost(),
                p.subscribedTopicNames() != null ? List.copyOf(new TreeSet<>(p.subscribedTopicNames())) : before.subscribedTopicNames(),
                p.subscribedTopicRegex() != null ? (p.subscribedTopicRegex().isEmpty() ? null : p.subscribedTopicRegex()) : before.subscribedTopicRegex(),
                p.rebalanceTimeoutMs() != -1 ? p.rebalanceTimeoutMs() : before.rebalanceTimeoutMs(),
                p.serverAssignor() != null ? p.serverAssignor() : before.serverAssignor(),
                before.memberEpoch(), before.previousMemberEpoch(), before.state(), before.assigned(), before.pendingRevocation());
        boolean isNewRecord = created || replaced != null;
        boolean subscriptionChanged = created
                || !Objects.equals(updated.subscribedTopicNames(), before.subscribedTopicNames())
                || !Objects.equals(updated.subscribedTopicRegex(), before.subscribedTopicRegex())
                || !Objects.equals(updated.serverAssignor(), before.serverAssignor());
        if (isNewRecord || !updated.metadataValue().equals(before.metadataValue())) {
            records.add(new ConsumerMemberMetadata(g.groupId, memberId, updated.metadataValue()));
        }

        // group epoch
        TreeMap<String, ConsumerMember> members = new TreeMap<>(g.members);
        if (replaced != null) members.remove(replaced.memberId());
        members.put(memberId, updated);
        Map<String, Predicate<String>> checks = describeChecks.computeIfAbsent(g.groupId, k -> new HashMap<>());
        checks.keySet().retainAll(members.keySet()); // members that left
        if (p.mayDescribeTopic() != null) checks.put(memberId, p.mayDescribeTopic());
        else checks.remove(memberId);
        Subscriptions subs = resolve(g.groupId, members);
        int groupEpoch = g.groupEpoch;
        if (subscriptionChanged || subs.hash != g.metadataHash) {
            groupEpoch++;
            records.add(new ConsumerGroupMetadata(g.groupId, new ConsumerGroupMetadataValue(groupEpoch, subs.hash)));
        }

        // target assignment
        Map<String, PartitionSet> target = new HashMap<>(g.targetAssignment);
        if (replaced != null) {
            PartitionSet inherited = target.remove(replaced.memberId());
            target.put(memberId, inherited == null ? PartitionSet.EMPTY : inherited);
        }
        int targetEpoch = g.assignmentEpoch;
        if (groupEpoch > targetEpoch) {
            Map<String, PartitionSet> next = assign(g, members, subs, target);
            for (String id : members.keySet()) {
                PartitionSet now = next.getOrDefault(id, PartitionSet.EMPTY);
                boolean mustWrite = id.equals(memberId) && replaced != null;
                if (mustWrite || !now.equals(target.getOrDefault(id, PartitionSet.EMPTY)) || !g.targetAssignment.containsKey(id)) {
                    records.add(new ConsumerTargetAssignmentMember(g.groupId, id, now));
                }
            }
            records.add(new ConsumerTargetAssignmentMetadata(g.groupId, groupEpoch));
            target = next;
            targetEpoch = groupEpoch;
        } else if (replaced != null) {
            records.add(new ConsumerTargetAssignmentMember(g.groupId, memberId, target.get(memberId)));
        }

        // reconciliation; a rejoining static member is a new process that holds nothing yet, so what left its
        // target while it was away is released at once instead of being revoked
        if (replaced != null) {
            PartitionSet kept = updated.assigned().intersect(target.getOrDefault(memberId, PartitionSet.EMPTY));
            updated = new ConsumerMember(memberId, updated.instanceId(), updated.rackId(), updated.clientId(),
                    updated.clientHost(), updated.subscribedTopicNames(), updated.subscribedTopicRegex(),
                    updated.rebalanceTimeoutMs(), updated.serverAssignor(), 0, 0, ConsumerMember.UNRELEASED_PARTITIONS,
                    kept, PartitionSet.EMPTY);
        }
        String self = memberId, previousSelf = replaced == null ? null : replaced.memberId();
        ConsumerGroup group = g;
        ConsumerMember reconciled = Reconciler.reconcile(updated, target.getOrDefault(memberId, PartitionSet.EMPTY),
                targetEpoch, toSet(p.ownedPartitions()), (t, part) -> {
                    String holder = group.holder(t, part);
                    return holder == null || holder.equals(self) || holder.equals(previousSelf);
                });
        ConsumerMember known = g.members.get(memberId);
        if (isNewRecord || known == null || !reconciled.assignmentValue().equals(known.assignmentValue())) {
            records.add(new ConsumerCurrentAssignment(g.groupId, memberId, reconciled.assignmentValue()));
        }

        boolean full = p.memberEpoch() == 0
                || (p.rebalanceTimeoutMs() != -1 && p.subscribedTopicNames() != null && p.ownedPartitions() != null);
        boolean changed = known == null || !reconciled.assigned().equals(known.assigned());
        HeartbeatResult result = new HeartbeatResult(Errors.NONE, null, memberId, reconciled.memberEpoch(),
                shard.groupConfigs.consumerHeartbeatIntervalMs(g.groupId, cfg.consumerHeartbeatIntervalMs()), full || changed ? toList(reconciled.assigned()) : null);
        String gid = g.groupId;
        String replacedId = previousSelf;
        shard.write(records, () -> {
            if (replacedId != null) {
                shard.cancel(sessionKey(gid, replacedId));
                shard.cancel(revokeKey(gid, replacedId));
            }
            scheduleSession(gid, self);
            if (reconciled.state() == ConsumerMember.UNREVOKED_PARTITIONS) {
                if (!shard.hasTimer(revokeKey(gid, self))) scheduleRevocation(gid, self, reconciled.memberEpoch(), reconciled.rebalanceTimeoutMs());
            } else {
                shard.cancel(revokeKey(gid, self));
            }
            f.complete(result);
        }, err -> f.complete(HeartbeatResult.error(GroupShard.appendError(err, false), null)));
    }

    private void leave(ConsumerGroup g, HeartbeatParams p, CompletableFuture<HeartbeatResult> f) {
        ConsumerMember m = g == null ? null : g.members.get(p.memberId());
        if (m == null) {
            f.complete(HeartbeatResult.error(Errors.UNKNOWN_MEMBER_ID, "Member " + p.memberId() + " is not in group " + p.groupId() + "."));
            return;
        }
        if (p.instanceId() != null && !p.memberId().equals(g.staticMembers.get(p.instanceId()))) {
            f.complete(HeartbeatResult.error(Errors.FENCED_INSTANCE_ID, "Instance id " + p.instanceId() + " belongs to another member."));
            return;
        }
        String gid = g.groupId, mid = m.memberId();
        if (p.memberEpoch() == ConsumerMember.STATIC_LEFT_EPOCH && m.instanceId() != null) {
            GroupRecord r = new ConsumerCurrentAssignment(gid, mid, new GroupRecord.ConsumerCurrentAssignmentValue(
                    ConsumerMember.STATIC_LEFT_EPOCH, m.memberEpoch(), m.state(), m.assigned(), m.pendingRevocation()));
            shard.write(List.of(r), () -> {
                scheduleSession(gid, mid);
                shard.cancel(revokeKey(gid, mid));
                f.complete(new HeartbeatResult(Errors.NONE, null, mid, ConsumerMember.STATIC_LEFT_EPOCH, 0, null));
            }, err -> f.complete(HeartbeatResult.error(GroupShard.appendError(err, false), null)));
            return;
        }
        shard.write(removalRecords(g, m), () -> {
            cancelTimers(gid, mid);
            f.complete(new HeartbeatResult(Errors.NONE, null, mid, -1, 0, null));
            maybeDowngrade(gid);
        }, err -> f.complete(HeartbeatResult.error(GroupShard.appendError(err, false), null)));
    }

    /** Deletes a member: its three records, and a group epoch bump so that the others rebalance. */
    private List<GroupRecord> removalRecords(ConsumerGroup g, ConsumerMember m) {
        TreeMap<String, ConsumerMember> rest = new TreeMap<>(g.members);
        rest.remove(m.memberId());
        Subscriptions subs = resolve(g.groupId, rest);
        return List.of(
                new ConsumerCurrentAssignment(g.groupId, m.memberId(), null),
                new ConsumerTargetAssignmentMember(g.groupId, m.memberId(), null),
                new ConsumerMemberMetadata(g.groupId, m.memberId(), null),
                new ConsumerGroupMetadata(g.groupId, new ConsumerGroupMetadataValue(g.groupEpoch + 1, subs.hash)));
    }

    private void fence(String groupId, String memberId, String why) {
        if (!(shard.state().groups.get(groupId) instanceof ConsumerGroup g)) return;
        ConsumerMember m = g.members.get(memberId);
        if (m == null) return;
        log.info("fencing member {} of consumer group {}: {}", memberId, groupId, why);
        shard.write(removalRecords(g, m), () -> {
                    cancelTimers(groupId, memberId);
                    maybeDowngrade(groupId);
                },
                err -> log.warn("could not fence member {} of group {}: {}", memberId, groupId, err.toString()));
    }

    private void scheduleSession(String groupId, String memberId) {
        long timeout = shard.groupConfigs.consumerSessionTimeoutMs(groupId, shard.config.consumerSessionTimeoutMs());
        if (shard.state().groups.get(groupId) instanceof ConsumerGroup g && g.isClassic(memberId)) {
            timeout = g.classicMembers.get(memberId).sessionTimeoutMs();
        }
        shard.schedule(sessionKey(groupId, memberId), timeout, () -> fence(groupId, memberId, "session timeout"));
    }

    private void scheduleRevocation(String groupId, String memberId, int epoch, int rebalanceTimeoutMs) {
        shard.schedule(revokeKey(groupId, memberId), Math.max(0, rebalanceTimeoutMs), () -> {
            if (shard.state().groups.get(groupId) instanceof ConsumerGroup g) {
                ConsumerMember m = g.members.get(memberId);
                if (m != null && m.state() == ConsumerMember.UNREVOKED_PARTITIONS && m.memberEpoch() == epoch) {
                    fence(groupId, memberId, "did not revoke its partitions within the rebalance timeout");
                }
            }
        });
    }

    private void cancelTimers(String groupId, String memberId) {
        shard.cancel(sessionKey(groupId, memberId));
        shard.cancel(revokeKey(groupId, memberId));
    }

    /** A group just loaded: every member gets a full session timeout, revocations a full rebalance timeout. */
    void onLoaded(ConsumerGroup g) {
        for (ConsumerMember m : g.members.values()) {
            scheduleSession(g.groupId, m.memberId());
            if (m.state() == ConsumerMember.UNREVOKED_PARTITIONS) {
                scheduleRevocation(g.groupId, m.memberId(), m.memberEpoch(), m.rebalanceTimeoutMs());
            }
        }
    }

    /** The records that delete an empty consumer group. */
    static List<GroupRecord> groupTombstones(ConsumerGroup g) {
        List<GroupRecord> out = new ArrayList<>();
        for (String id : g.members.keySet()) {
            out.add(new ConsumerCurrentAssignment(g.groupId, id, null));
            out.add(new ConsumerTargetAssignmentMember(g.groupId, id, null));
            out.add(new ConsumerMemberMetadata(g.groupId, id, null));
        }
        out.add(new ConsumerTargetAssignmentMetadata(g.groupId, null));
        out.add(new ConsumerGroupMetadata(g.groupId, null));
        return out;
    }

    // ------------------------------------------------------------------ online migration (KIP-848 upgrade/downgrade)

    /**
     * A consumer-protocol member joins a non-empty classic group: with group.consumer.migration.policy upgrade
     * or bidirectional, and a Stable group whose members all speak the embedded consumer protocol with no
     * assignor user data, the group becomes a consumer group (its GroupMetadata tombstoned; each classic member
     * written with its classic metadata, its last assignment as target and current assignment, at an epoch equal
     * to the generation), then the heartbeat runs again on the converted group. Otherwise GROUP_ID_NOT_FOUND, as
     * Kafka answers.
     */
    private void upgrade(ClassicGroup c, HeartbeatParams p, CompletableFuture<HeartbeatResult> f) {
        String refusal = null;
        if (!shard.config.upgradeAllowed()) {
            refusal = "it is a classic group with members and group.consumer.migration.policy does not allow upgrades";
        } else if (!"consumer".equals(c.protocolType())) {
            refusal = "it is a classic group of protocol type " + c.protocolType();
        } else if (c.members.size() + 1 > shard.config.consumerMaxSize()) {
            refusal = "its size would exceed group.consumer.max.size";
        }
        if (refusal != null) {
            f.complete(HeartbeatResult.error(Errors.GROUP_ID_NOT_FOUND, "Group " + p.groupId()
                    + " cannot switch to the consumer protocol: " + refusal + "."));
            return;
        }
        if (!c.is(ClassicGroup.State.STABLE)) {
            // a rebalance is under way: the member retries once the classic group is stable again
            f.complete(HeartbeatResult.error(Errors.COORDINATOR_NOT_AVAILABLE, "Group " + p.groupId()
                    + " is rebalancing; the upgrade to the consumer protocol waits until it is stable."));
            return;
        }
        List<GroupRecord> records = new ArrayList<>(ClassicGroupManager.groupTombstones(c));
        TreeMap<String, ConsumerMember> members = new TreeMap<>();
        int epoch = c.generationId;
        List<GroupRecord> memberRecords = new ArrayList<>();
        for (ClassicMember cm : c.members.values()) {
            ConsumerProtocolCodec.Subscription sub = ConsumerProtocolCodec.subscription(cm.metadata(c.protocolName));
            ConsumerProtocolCodec.Assignment asg = ConsumerProtocolCodec.assignment(cm.assignment);
            if (sub == null || asg == null || asg.hasUserData()) {
                f.complete(HeartbeatResult.error(Errors.GROUP_ID_NOT_FOUND, "Group " + p.groupId() + " cannot switch to the consumer protocol: "
                        + (asg != null && asg.hasUserData() ? "a custom assignor is in use." : "the embedded consumer protocol is malformed.")));
                return;
            }
            PartitionSet assigned = toIds(asg.partitions());
            List<GroupRecord.ClassicProtocol> protocols = new ArrayList<>();
            for (var proto : cm.protocols) protocols.add(new GroupRecord.ClassicProtocol(proto.name(), proto.metadata()));
            ConsumerMember m = new ConsumerMember(cm.memberId, cm.groupInstanceId, sub.rackId(), cm.clientId, cm.clientHost,
                    List.copyOf(new TreeSet<>(sub.topics())), null, cm.rebalanceTimeoutMs, null, epoch, epoch,
                    ConsumerMember.STABLE, assigned, PartitionSet.EMPTY);
            members.put(m.memberId(), m);
            GroupRecord.ConsumerMemberMetadataValue md = m.metadataValue();
            memberRecords.add(new ConsumerMemberMetadata(c.groupId, m.memberId(), withClassic(md,
                    new GroupRecord.ClassicMemberMetadata(cm.sessionTimeoutMs, List.copyOf(protocols)))));
            memberRecords.add(new ConsumerTargetAssignmentMember(c.groupId, m.memberId(), assigned));
            memberRecords.add(new ConsumerCurrentAssignment(c.groupId, m.memberId(), m.assignmentValue()));
        }
        Subscriptions subs = resolve(c.groupId, members);
        records.add(new ConsumerGroupMetadata(c.groupId, new ConsumerGroupMetadataValue(epoch, subs.hash)));
        records.addAll(memberRecords);
        records.add(new ConsumerTargetAssignmentMetadata(c.groupId, epoch));
        log.info("upgrading classic group {} (generation {}, {} members) to the consumer protocol", c.groupId, epoch, members.size());
        shard.classic.cancelTimers(c);
        String gid = c.groupId;
        shard.write(records, () -> {
            for (String id : members.keySet()) scheduleSession(gid, id);
            shard.resubmit(() -> heartbeat(p, f), t -> f.complete(HeartbeatResult.error(Errors.forException(t), null)));
        }, t -> {
            if (shard.state().groups.get(gid) instanceof ClassicGroup still) shard.classic.onLoaded(still);
            f.complete(HeartbeatResult.error(GroupShard.appendError(t, false), null));
        });
    }

    private static GroupRecord.ConsumerMemberMetadataValue withClassic(GroupRecord.ConsumerMemberMetadataValue v,
                                                                       GroupRecord.ClassicMemberMetadata classic) {
        return new GroupRecord.ConsumerMemberMetadataValue(v.instanceId(), v.rackId(), v.clientId(), v.clientHost(),
                v.subscribedTopicNames(), v.subscribedTopicRegex(), v.rebalanceTimeoutMs(), v.serverAssignor(), classic);
    }

    /**
     * After a member left or was fenced: a consumer group whose members now all use the classic protocol goes
     * back to a classic group when group.consumer.migration.policy allows downgrades (and it fits
     * group.max.size). The classic group is written at the members' epoch with their current assignments
     * (encoded in the consumer protocol) and then rebalances at once, so that its members rejoin and the
     * leader's assignor takes over.
     */
    void maybeDowngrade(String groupId) {
        if (!(shard.state().groups.get(groupId) instanceof ConsumerGroup g) || !g.allClassic()) return;
        if (!shard.config.downgradeAllowed() || !shard.config.classicProtocolEnabled()) return;
        if (g.members.size() > shard.config.classicMaxSize()) {
            log.info("consumer group {} keeps the consumer protocol: it has more members than group.max.size", groupId);
            return;
        }
        String protocol = commonProtocol(g);
        if (protocol == null) {
            log.info("consumer group {} keeps the consumer protocol: its classic members share no protocol", groupId);
            return;
        }
        int generation = g.assignmentEpoch;
        for (ConsumerMember m : g.members.values()) generation = Math.max(generation, m.memberEpoch());
        List<GroupRecord.MemberMetadata> ms = new ArrayList<>();
        String leader = null;
        for (ConsumerMember m : g.members.values()) {
            GroupRecord.ClassicMemberMetadata cm = g.classicMembers.get(m.memberId());
            if (leader == null) leader = m.memberId();
            ms.add(new GroupRecord.MemberMetadata(m.memberId(), m.instanceId(), m.clientId(), m.clientHost(),
                    m.rebalanceTimeoutMs(), cm.sessionTimeoutMs(), cm.metadata(protocol), encodeAssignment(m.assigned())));
        }
        List<GroupRecord> records = new ArrayList<>(groupTombstones(g));
        records.add(new GroupRecord.GroupMetadata(groupId, new GroupRecord.GroupMetadataValue("consumer", generation,
                protocol, leader, shard.now(), ms)));
        Set<String> ids = new HashSet<>(g.members.keySet());
        log.info("downgrading consumer group {} to the classic protocol (generation {}, {} members)", groupId, generation, ids.size());
        for (String id : ids) cancelTimers(groupId, id);
        shard.write(records, () -> {
            if (shard.state().groups.get(groupId) instanceof ClassicGroup c) {
                shard.classic.onLoaded(c);
                shard.classic.rebalanceAfterDowngrade(c);
            }
        }, err -> {
            log.warn("could not downgrade group {}: {}", groupId, err.toString());
            if (shard.state().groups.get(groupId) instanceof ConsumerGroup still) onLoaded(still);
        });
    }

    /** The first protocol of the first member that every member supports, or null. */
    private static String commonProtocol(ConsumerGroup g) {
        GroupRecord.ClassicMemberMetadata first = g.classicMembers.get(g.members.firstKey());
        for (GroupRecord.ClassicProtocol candidate : first.protocols()) {
            boolean all = true;
            for (String id : g.members.keySet()) all &= g.classicMembers.get(id).metadata(candidate.name()) != null;
            if (all) return candidate.name();
        }
        return null;
    }

    // ------------------------------------------------------------------ classic members inside a consumer group

    /**
     * JoinGroup of a classic member in a consumer group: the member's subscription (decoded from its protocol
     * metadata) updates the group like a consumer heartbeat would, the server-side assignor computes the target,
     * and the member is reconciled against the partitions its subscription says it still owns (an eager member
     * owns nothing when it rejoins). The response carries the member's epoch as generation and names no leader
     * (nobody runs a client-side assignor); SyncGroup then hands out the member's current assignment.
     */
    void classicJoin(ConsumerGroup g, ClassicGroupApi.JoinParams p, CompletableFuture<ClassicGroupApi.JoinResult> f) {
        if (!"consumer".equals(p.protocolType()) || p.protocols().isEmpty()) {
            f.complete(ClassicGroupApi.JoinResult.error(Errors.INCONSISTENT_GROUP_PROTOCOL, p.memberId()));
            return;
        }
        ConsumerProtocolCodec.Subscription sub = null;
        String protocolName = null;
        for (ClassicGroupApi.Protocol proto : p.protocols()) {
            sub = ConsumerProtocolCodec.subscription(proto.metadata());
            if (sub != null) {
                protocolName = proto.name();
                break;
            }
        }
        if (sub == null) {
            f.complete(ClassicGroupApi.JoinResult.error(Errors.INCONSISTENT_GROUP_PROTOCOL, p.memberId()));
            return;
        }
        List<GroupRecord> records = new ArrayList<>();
        String memberId = p.memberId();
        ConsumerMember before;
        boolean created = false;
        ConsumerMember replaced = null;
        if (memberId.isEmpty() || !g.members.containsKey(memberId)) {
            if (!shard.config.downgradeAllowed() && !shard.config.upgradeAllowed()) {
                // group.consumer.migration.policy=disabled: groups stay single-protocol (Kafka 4.x, KAFKA-20640)
                f.complete(ClassicGroupApi.JoinResult.error(Errors.INCONSISTENT_GROUP_PROTOCOL, memberId));
                return;
            }
            if (memberId.isEmpty()) {
                String prefix = p.groupInstanceId() != null ? p.groupInstanceId() : p.clientId();
                memberId = shard.newMemberId(prefix);
                if (p.groupInstanceId() == null && p.requireKnownMemberId()) {
                    f.complete(ClassicGroupApi.JoinResult.error(Errors.MEMBER_ID_REQUIRED, memberId));
                    return;
                }
            }
            String staticId = p.groupInstanceId() == null ? null : g.staticMembers.get(p.groupInstanceId());
            if (staticId != null && !staticId.equals(memberId)) {
                // the previous incarnation of a static member is replaced; what it held is released
                replaced = g.members.get(staticId);
                records.add(new ConsumerCurrentAssignment(g.groupId, staticId, null));
                records.add(new ConsumerTargetAssignmentMember(g.groupId, staticId, null));
                records.add(new ConsumerMemberMetadata(g.groupId, staticId, null));
            }
            if (g.members.size() - (replaced == null ? 0 : 1) >= shard.config.consumerMaxSize()) {
                f.complete(ClassicGroupApi.JoinResult.error(Errors.GROUP_MAX_SIZE_REACHED, memberId));
                return;
            }
            before = ConsumerMember.empty(memberId);
            created = true;
        } else {
            Errors e = validateClassic(g, memberId, p.groupInstanceId());
            if (e != Errors.NONE) {
                f.complete(ClassicGroupApi.JoinResult.error(e, memberId));
                return;
            }
            before = g.members.get(memberId);
        }
        List<GroupRecord.ClassicProtocol> protocols = new ArrayList<>();
        for (ClassicGroupApi.Protocol proto : p.protocols()) protocols.add(new GroupRecord.ClassicProtocol(proto.name(), proto.metadata()));
        GroupRecord.ClassicMemberMetadata classic = new GroupRecord.ClassicMemberMetadata(p.sessionTimeoutMs(), List.copyOf(protocols));
        ConsumerMember updated = new ConsumerMember(memberId, p.groupInstanceId(), sub.rackId(),
                p.clientId(), p.clientHost(), List.copyOf(new TreeSet<>(sub.topics())), null, p.rebalanceTimeoutMs(), null,
                before.memberEpoch(), before.previousMemberEpoch(), before.state(), before.assigned(), before.pendingRevocation());
        boolean subscriptionChanged = created || !Objects.equals(updated.subscribedTopicNames(), before.subscribedTopicNames())
                || before.subscribedTopicRegex() != null || before.serverAssignor() != null;
        GroupRecord.ConsumerMemberMetadataValue md = withClassic(updated.metadataValue(), classic);
        if (created || !md.equals(withClassic(before.metadataValue(), g.classicMembers.get(memberId)))) {
            records.add(new ConsumerMemberMetadata(g.groupId, memberId, md));
        }
        TreeMap<String, ConsumerMember> members = new TreeMap<>(g.members);
        if (replaced != null) members.remove(replaced.memberId());
        members.put(memberId, updated);
        Subscriptions subs = resolve(g.groupId, members);
        int groupEpoch = g.groupEpoch;
        if (subscriptionChanged || replaced != null || subs.hash != g.metadataHash) {
            groupEpoch++;
            records.add(new ConsumerGroupMetadata(g.groupId, new ConsumerGroupMetadataValue(groupEpoch, subs.hash)));
        }
        Map<String, PartitionSet> target = new HashMap<>(g.targetAssignment);
        if (replaced != null) target.remove(replaced.memberId());
        int targetEpoch = g.assignmentEpoch;
        if (groupEpoch > targetEpoch) {
            Map<String, PartitionSet> next = assign(g, members, subs, target);
            for (String id : members.keySet()) {
                PartitionSet now = next.getOrDefault(id, PartitionSet.EMPTY);
                if (!now.equals(target.getOrDefault(id, PartitionSet.EMPTY)) || !g.targetAssignment.containsKey(id)) {
                    records.add(new ConsumerTargetAssignmentMember(g.groupId, id, now));
                }
            }
            records.add(new ConsumerTargetAssignmentMetadata(g.groupId, groupEpoch));
            target = next;
            targetEpoch = groupEpoch;
        }
        // what the member still holds is what its subscription says it owns (v1+; an eager member, or a v0
        // subscription, owns nothing when it joins): it is reconciled from there, so a partition it gave up is
        // released at once and one it kept but must give up is pending revocation
        PartitionSet owned = sub.ownedPartitions() == null ? PartitionSet.EMPTY : toIds(sub.ownedPartitions());
        PartitionSet held = updated.owned().intersect(owned);
        updated = new ConsumerMember(memberId, updated.instanceId(), updated.rackId(), updated.clientId(), updated.clientHost(),
                updated.subscribedTopicNames(), null, updated.rebalanceTimeoutMs(), null, updated.memberEpoch(),
                updated.previousMemberEpoch(), ConsumerMember.UNRELEASED_PARTITIONS, held, PartitionSet.EMPTY);
        String self = memberId;
        String previousSelf = replaced == null ? null : replaced.memberId();
        ConsumerMember reconciled = Reconciler.reconcile(updated, target.getOrDefault(memberId, PartitionSet.EMPTY), targetEpoch,
                owned, (t, part) -> {
                    String holder = g.holder(t, part);
                    return holder == null || holder.equals(self) || holder.equals(previousSelf);
                });
        ConsumerMember known = g.members.get(memberId);
        if (created || known == null || !reconciled.assignmentValue().equals(known.assignmentValue())) {
            records.add(new ConsumerCurrentAssignment(g.groupId, memberId, reconciled.assignmentValue()));
        }
        String gid = g.groupId, replacedId = previousSelf, proto = protocolName;
        shard.write(records, () -> {
            if (replacedId != null) cancelTimers(gid, replacedId);
            scheduleSession(gid, self);
            if (reconciled.state() == ConsumerMember.UNREVOKED_PARTITIONS) {
                if (!shard.hasTimer(revokeKey(gid, self))) scheduleRevocation(gid, self, reconciled.memberEpoch(), reconciled.rebalanceTimeoutMs());
            } else {
                shard.cancel(revokeKey(gid, self));
            }
            f.complete(new ClassicGroupApi.JoinResult(Errors.NONE, reconciled.memberEpoch(), "consumer", proto, "", false, self, List.of()));
        }, err -> f.complete(ClassicGroupApi.JoinResult.error(GroupShard.appendError(err, false), self)));
    }

    private static Errors validateClassic(ConsumerGroup g, String memberId, String instanceId) {
        if (instanceId != null) {
            String current = g.staticMembers.get(instanceId);
            if (current == null) return Errors.UNKNOWN_MEMBER_ID;
            if (!current.equals(memberId)) return Errors.FENCED_INSTANCE_ID;
        }
        return g.members.containsKey(memberId) && g.isClassic(memberId) ? Errors.NONE : Errors.UNKNOWN_MEMBER_ID;
    }

    /** SyncGroup of a classic member in a consumer group: its current assignment, in the consumer protocol. */
    ClassicGroupApi.SyncResult classicSync(ConsumerGroup g, ClassicGroupApi.SyncParams p) {
        Errors e = validateClassic(g, p.memberId(), p.groupInstanceId());
        ConsumerMember m = g.members.get(p.memberId());
        if (e == Errors.NONE && p.generationId() != m.memberEpoch()) e = Errors.ILLEGAL_GENERATION;
        GroupRecord.ClassicMemberMetadata cm = e == Errors.NONE ? g.classicMembers.get(p.memberId()) : null;
        if (e == Errors.NONE && ((p.protocolType() != null && !p.protocolType().equals("consumer"))
                || (p.protocolName() != null && cm.metadata(p.protocolName()) == null))) {
            e = Errors.INCONSISTENT_GROUP_PROTOCOL;
        }
        if (e != Errors.NONE) return ClassicGroupApi.SyncResult.error(e);
        scheduleSession(g.groupId, m.memberId());
        String name = p.protocolName() != null ? p.protocolName() : cm.protocols().getFirst().name();
        return new ClassicGroupApi.SyncResult(Errors.NONE, "consumer", name, encodeAssignment(m.assigned()));
    }

    /**
     * Heartbeat of a classic member in a consumer group: keeps its session, and answers REBALANCE_IN_PROGRESS
     * while the member is not stable at the group's epoch, so that it rejoins to move towards its target.
     */
    Errors classicHeartbeat(ConsumerGroup g, ClassicGroupApi.HeartbeatParams p) {
        Errors e = validateClassic(g, p.memberId(), p.groupInstanceId());
        if (e != Errors.NONE) return e;
        ConsumerMember m = g.members.get(p.memberId());
        if (p.generationId() != m.memberEpoch()) return Errors.ILLEGAL_GENERATION;
        scheduleSession(g.groupId, m.memberId());
        boolean behind = m.state() != ConsumerMember.STABLE || m.memberEpoch() != g.groupEpoch;
        return behind ? Errors.REBALANCE_IN_PROGRESS : Errors.NONE;
    }

    /** LeaveGroup of classic members in a consumer group: each is removed (and the group may go back to classic). */
    void classicLeave(ConsumerGroup g, ClassicGroupApi.LeaveParams p, CompletableFuture<ClassicGroupApi.LeaveResult> f) {
        List<ClassicGroupApi.LeaveMemberResult> results = new ArrayList<>();
        List<GroupRecord> records = new ArrayList<>();
        TreeMap<String, ConsumerMember> rest = new TreeMap<>(g.members);
        List<String> removed = new ArrayList<>();
        for (ClassicGroupApi.LeaveMember lm : p.members()) {
            String memberId = lm.memberId() == null ? "" : lm.memberId();
            Errors e;
            String target = null;
            if (lm.groupInstanceId() != null) {
                String current = g.staticMembers.get(lm.groupInstanceId());
                if (current == null) e = Errors.UNKNOWN_MEMBER_ID;
                else if (!memberId.isEmpty() && !memberId.equals(current)) e = Errors.FENCED_INSTANCE_ID;
                else {
                    e = Errors.NONE;
                    target = current;
                }
            } else if (!g.members.containsKey(memberId)) {
                e = Errors.UNKNOWN_MEMBER_ID;
            } else {
                e = Errors.NONE;
                target = memberId;
            }
            if (target != null && rest.remove(target) != null) {
                removed.add(target);
                records.add(new ConsumerCurrentAssignment(g.groupId, target, null));
                records.add(new ConsumerTargetAssignmentMember(g.groupId, target, null));
                records.add(new ConsumerMemberMetadata(g.groupId, target, null));
            }
            results.add(new ClassicGroupApi.LeaveMemberResult(memberId, lm.groupInstanceId(), e));
        }
        if (records.isEmpty()) {
            f.complete(new ClassicGroupApi.LeaveResult(Errors.NONE, results));
            return;
        }
        records.add(new ConsumerGroupMetadata(g.groupId, new ConsumerGroupMetadataValue(g.groupEpoch + 1, resolve(g.groupId, rest).hash)));
        String gid = g.groupId;
        shard.write(records, () -> {
            for (String id : removed) cancelTimers(gid, id);
            f.complete(new ClassicGroupApi.LeaveResult(Errors.NONE, results));
            maybeDowngrade(gid);
        }, err -> f.complete(new ClassicGroupApi.LeaveResult(GroupShard.appendError(err, false), List.of())));
    }

    /** Topic names to ids (topics that no longer exist are dropped). */
    private PartitionSet toIds(Map<String, List<Integer>> byName) {
        PartitionSet.Builder b = PartitionSet.builder();
        for (Map.Entry<String, List<Integer>> e : byName.entrySet()) {
            TopicView.TopicInfo t = shard.topics.byName(e.getKey());
            if (t != null) b.addAll(t.id(), e.getValue());
        }
        return b.build();
    }

    private byte[] encodeAssignment(PartitionSet ps) {
        Map<String, List<Integer>> byName = new HashMap<>();
        for (Map.Entry<Uuid, SortedSet<Integer>> e : ps.asMap().entrySet()) {
            TopicView.TopicInfo t = shard.topics.byId(e.getKey());
            if (t != null) byName.put(t.name(), List.copyOf(e.getValue()));
        }
        return ConsumerProtocolCodec.encodeAssignment(byName);
    }

    // ------------------------------------------------------------------ subscriptions and assignment

    /** The topics a group subscribes to, resolved against the current topics. */
    private record Subscriptions(SortedMap<String, TopicView.TopicInfo> topics, Map<String, Set<Uuid>> byMember, long hash) {
    }

    private Subscriptions resolve(String groupId, Map<String, ConsumerMember> members) {
        TreeMap<String, TopicView.TopicInfo> topics = new TreeMap<>();
        Map<String, Set<Uuid>> byMember = new HashMap<>();
        Map<String, Predicate<String>> checks = describeChecks.getOrDefault(groupId, Map.of());
        for (ConsumerMember m : members.values()) {
            Set<Uuid> ids = new HashSet<>();
            for (String name : subscribedNames(m, checks.get(m.memberId()))) {
                TopicView.TopicInfo t = shard.topics.byName(name);
                if (t != null) {
                    topics.put(name, t);
                    ids.add(t.id());
                }
            }
            byMember.put(m.memberId(), ids);
        }
        long h = 0x9E3779B97F4A7C15L;
        for (TopicView.TopicInfo t : topics.values()) {
            h = mix(h, t.name().hashCode());
            h = mix(h, t.id().mostSignificantBits());
            h = mix(h, t.id().leastSignificantBits());
            h = mix(h, t.partitions());
        }
        return new Subscriptions(topics, byMember, topics.isEmpty() ? 0 : h);
    }

    private static long mix(long h, long v) {
        long z = h ^ (v + 0x9E3779B97F4A7C15L + (h << 6) + (h >>> 2));
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /**
     * The names a member subscribes to: its list, plus the topics its regex matches (internal topics excluded) that
     * {@code mayDescribe} allows (null: all; the listed names were checked by the heartbeat's handler).
     */
    private Set<String> subscribedNames(ConsumerMember m, Predicate<String> mayDescribe) {
        Set<String> names = new TreeSet<>(m.subscribedTopicNames());
        if (m.subscribedTopicRegex() != null) {
            for (String t : regexTopics(m.subscribedTopicRegex())) if (mayDescribe == null || mayDescribe.test(t)) names.add(t);
        }
        return names;
    }

    private Set<String> regexTopics(String regex) {
        long now = shard.now();
        CachedRegex c = regexCache.get(regex);
        if (c != null && now - c.computedAtMs < REGEX_CACHE_MS) return c.topics;
        Pattern pattern = ConsumerGroup.compile(regex);
        Set<String> out = new TreeSet<>();
        if (pattern != null) {
            for (TopicView.TopicInfo t : shard.topics.all()) {
                if (!t.name().startsWith("__") && pattern.matcher(t.name()).matches()) out.add(t.name());
            }
        }
        if (regexCache.size() > 10_000) regexCache.clear();
        regexCache.put(regex, new CachedRegex(now, out));
        return out;
    }

    /** Whether some member of the group subscribes to a topic (OffsetDelete, offset expiry). */
    Predicate<String> subscribedTopicPredicate(ConsumerGroup g) {
        Set<String> names = new HashSet<>();
        for (ConsumerMember m : g.members.values()) names.addAll(subscribedNames(m, null));
        return names::contains;
    }

    /** The assignor of a group: the one most members ask for, else the configured default. */
    private PartitionAssignor assignorOf(Map<String, ConsumerMember> members) {
        Map<String, Integer> votes = new HashMap<>();
        for (ConsumerMember m : members.values()) if (m.serverAssignor() != null) votes.merge(m.serverAssignor(), 1, Integer::sum);
        String best = null;
        for (String name : assignors.keySet()) {
            if (votes.getOrDefault(name, 0) > 0 && (best == null || votes.get(name) > votes.get(best))) best = name;
        }
        return assignors.get(best == null ? assignors.keySet().iterator().next() : best);
    }

    String assignorName(ConsumerGroup g) {
        return assignorOf(g.members).name();
    }

    private Map<String, PartitionSet> assign(ConsumerGroup g, SortedMap<String, ConsumerMember> members, Subscriptions subs,
                                             Map<String, PartitionSet> current) {
        TreeMap<String, PartitionAssignor.MemberSpec> specs = new TreeMap<>();
        for (ConsumerMember m : members.values()) {
            specs.put(m.memberId(), new PartitionAssignor.MemberSpec(m.memberId(), m.instanceId(), m.rackId(),
                    subs.byMember.getOrDefault(m.memberId(), Set.of()), current.getOrDefault(m.memberId(), PartitionSet.EMPTY)));
        }
        TreeMap<Uuid, Integer> counts = new TreeMap<>();
        for (TopicView.TopicInfo t : subs.topics.values()) counts.put(t.id(), t.partitions());
        PartitionAssignor assignor = assignorOf(members);
        Map<String, PartitionSet> out = assignor.assign(new PartitionAssignor.Spec(specs, counts));
        log.debug("group {}: {} assignor computed a new target for {} members", g.groupId, assignor.name(), members.size());
        return out;
    }

    // ------------------------------------------------------------------ describe

    GroupDescription describe(String groupId) {
        Group x = shard.state().groups.get(groupId);
        if (x == null) return GroupDescription.error(groupId, Errors.GROUP_ID_NOT_FOUND, "Group " + groupId + " not found.");
        if (!(x instanceof ConsumerGroup g)) {
            return GroupDescription.error(groupId, Errors.GROUP_ID_NOT_FOUND, "Group " + groupId + " is not a consumer group.");
        }
        List<DescribedMember> members = new ArrayList<>();
        for (ConsumerMember m : g.members.values()) {
            members.add(new DescribedMember(m.memberId(), m.instanceId(), m.rackId(), m.memberEpoch(), m.clientId(),
                    m.clientHost(), m.subscribedTopicNames(), m.subscribedTopicRegex(), describe(m.assigned()),
                    describe(g.target(m.memberId())), g.isClassic(m.memberId()) ? (byte) 0 : (byte) 1));
        }
        return new GroupDescription(groupId, Errors.NONE, null, g.stateName(), g.groupEpoch, g.assignmentEpoch,
                assignorName(g), members);
    }

    private List<DescribedTopicPartitions> describe(PartitionSet ps) {
        List<DescribedTopicPartitions> out = new ArrayList<>();
        for (Map.Entry<Uuid, SortedSet<Integer>> e : ps.asMap().entrySet()) {
            TopicView.TopicInfo t = shard.topics.byId(e.getKey());
            out.add(new DescribedTopicPartitions(e.getKey(), t == null ? "" : t.name(), List.copyOf(e.getValue())));
        }
        return out;
    }

    // ------------------------------------------------------------------ conversions

    static PartitionSet toSet(List<TopicIdPartitions> list) {
        if (list == null) return null;
        PartitionSet.Builder b = PartitionSet.builder();
        for (TopicIdPartitions t : list) b.addAll(t.topicId(), t.partitions());
        return b.build();
    }

    static List<TopicIdPartitions> toList(PartitionSet ps) {
        List<TopicIdPartitions> out = new ArrayList<>();
        for (Map.Entry<Uuid, SortedSet<Integer>> e : ps.asMap().entrySet()) {
            out.add(new TopicIdPartitions(e.getKey(), List.copyOf(e.getValue())));
        }
        return out;
    }
}
