package io.runnel.group;

import io.runnel.common.Uuid;
import io.runnel.group.records.PartitionSet;

import java.util.function.BiPredicate;

/**
 * Moves one consumer-protocol member from its current assignment towards its target (KIP-848), never letting
 * two members hold a partition at once:
 * <ul>
 *   <li>if the member holds partitions outside its target, it must first revoke them: state
 *       UNREVOKED_PARTITIONS, it keeps the rest, its epoch does not move. It acknowledges by heartbeating
 *       owned partitions that no longer include the revoked ones (or the rebalance timeout fences it);</li>
 *   <li>otherwise it reaches the target epoch and gets every target partition that no other member holds
 *       (assigned or pending revocation); if some are still held elsewhere it is UNRELEASED_PARTITIONS and
 *       gets them on a later heartbeat, once released; else STABLE.</li>
 * </ul>
 * Pure function.
 */
final class Reconciler {
    private Reconciler() {
    }

    /**
     * @param owned  the partitions the member reports owning in this heartbeat, or null if it did not say
     * @param isFree whether a partition is held by no other member
     */
    static ConsumerMember reconcile(ConsumerMember m, PartitionSet target, int targetEpoch, PartitionSet owned,
                                    BiPredicate<Uuid, Integer> isFree) {
        return switch (m.state()) {
            case ConsumerMember.UNREVOKED_PARTITIONS -> {
                boolean revoked = owned != null && owned.intersect(m.pendingRevocation()).isEmpty();
                if (revoked) yield next(m, m.assigned(), target, targetEpoch, isFree);
                if (m.memberEpoch() < targetEpoch) yield next(m, m.owned(), target, targetEpoch, isFree);
                yield m;
            }
            case ConsumerMember.STABLE -> m.memberEpoch() == targetEpoch ? m : next(m, m.assigned(), target, targetEpoch, isFree);
            default -> next(m, m.assigned(), target, targetEpoch, isFree);
        };
    }

    private static ConsumerMember next(ConsumerMember m, PartitionSet held, PartitionSet target, int targetEpoch,
                                       BiPredicate<Uuid, Integer> isFree) {
        PartitionSet keep = held.intersect(target);
        PartitionSet revoke = held.minus(target);
        if (!revoke.isEmpty()) {
            return with(m, m.memberEpoch(), m.previousMemberEpoch(), ConsumerMember.UNREVOKED_PARTITIONS, keep, revoke);
        }
        PartitionSet.Builder granted = keep.toBuilder();
        boolean unreleased = false;
        for (var e : target.minus(keep).asMap().entrySet()) {
            for (int p : e.getValue()) {
                if (isFree.test(e.getKey(), p)) granted.add(e.getKey(), p);
                else unreleased = true;
            }
        }
        int previous = m.memberEpoch() != targetEpoch ? m.memberEpoch() : m.previousMemberEpoch();
        return with(m, targetEpoch, previous, unreleased ? ConsumerMember.UNRELEASED_PARTITIONS : ConsumerMember.STABLE,
                granted.build(), PartitionSet.EMPTY);
    }

    private static ConsumerMember with(ConsumerMember m, int epoch, int previous, byte state, PartitionSet assigned,
                                       PartitionSet pending) {
        return new ConsumerMember(m.memberId(), m.instanceId(), m.rackId(), m.clientId(), m.clientHost(),
                m.subscribedTopicNames(), m.subscribedTopicRegex(), m.rebalanceTimeoutMs(), m.serverAssignor(),
                epoch, previous, state, assigned, pending);
    }
}
