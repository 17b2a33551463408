package io.runnel.group;

import io.runnel.common.Errors;
import io.runnel.group.api.ConsumerGroupApi.HeartbeatParams;
import io.runnel.group.api.ConsumerGroupApi.HeartbeatResult;
import io.runnel.group.records.PartitionSet;

import java.util.List;

import static io.runnel.group.Harness.done;

/**
 * A consumer using the KIP-848 protocol the way a well-behaved client does: it joins with epoch 0, adopts
 * every assignment it receives at once (revoking what is no longer in it), and reports what it owns in every
 * heartbeat. A fenced or unknown member drops everything and rejoins with epoch 0.
 */
final class ConsumerSim {
    final Harness h;
    final String group;
    final String instanceId;
    List<String> topics;
    String regex;
    String assignor;
    String memberId = "";
    int epoch = 0;
    PartitionSet owned = PartitionSet.EMPTY;
    Errors lastError = Errors.NONE;
    int rebalanceTimeoutMs = 60_000;

    ConsumerSim(Harness h, String group, String instanceId, List<String> topics) {
        this.h = h;
        this.group = group;
        this.instanceId = instanceId;
        this.topics = topics;
    }

    HeartbeatResult heartbeat() {
        boolean joining = epoch == 0;
        HeartbeatParams p = new HeartbeatParams(group, memberId, epoch, instanceId, null,
                joining ? rebalanceTimeoutMs : -1, joining ? topics : null, joining ? regex : null, joining ? assignor : null,
                ConsumerGroupManager.toList(owned), "client", "/10.0.0.1");
        return apply(done(h.coordinator.consumerGroupHeartbeat(p)));
    }

    /** A heartbeat that changes the subscription. */
    HeartbeatResult subscribe(List<String> newTopics) {
        topics = newTopics;
        HeartbeatParams p = new HeartbeatParams(group, memberId, epoch, instanceId, null, -1, newTopics, null, null,
                ConsumerGroupManager.toList(owned), "client", "/10.0.0.1");
        return apply(done(h.coordinator.consumerGroupHeartbeat(p)));
    }

    HeartbeatResult leave(int leaveEpoch) {
        HeartbeatParams p = new HeartbeatParams(group, memberId, leaveEpoch, instanceId, null, -1, null, null, null, null,
                "client", "/10.0.0.1");
        HeartbeatResult r = done(h.coordinator.consumerGroupHeartbeat(p));
        lastError = r.error();
        owned = PartitionSet.EMPTY;
        epoch = 0;
        if (leaveEpoch == -2) memberId = "";
        return r;
    }

    private HeartbeatResult apply(HeartbeatResult r) {
        lastError = r.error();
        if (r.error() == Errors.NONE) {
            if (r.memberId() != null) memberId = r.memberId();
            epoch = r.memberEpoch();
            if (r.assignment() != null) owned = ConsumerGroupManager.toSet(r.assignment());
        } else if (r.error() == Errors.FENCED_MEMBER_EPOCH || r.error() == Errors.UNKNOWN_MEMBER_ID) {
            owned = PartitionSet.EMPTY;
            epoch = 0;
        }
        return r;
    }
}
