package io.runnel.group;

import io.runnel.group.api.ClassicGroupApi.JoinResult;
import io.runnel.group.api.ClassicGroupApi.Protocol;
import io.runnel.group.api.ClassicGroupApi.SyncResult;

import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A member of a classic group. Its durable part (ids, client, timeouts, subscription for the selected
 * protocol, assignment) is in the group's GroupMetadata record; the rest (all supported protocols, the
 * parked JoinGroup/SyncGroup responses, the last heartbeat) is session state of this coordinator.
 * Coordinator thread only.
 */
final class ClassicMember {
    final String memberId;
    final String groupInstanceId;
    String clientId;
    String clientHost;
    int sessionTimeoutMs;
    int rebalanceTimeoutMs;
    String protocolType;
    List<Protocol> protocols;
    byte[] assignment = new byte[0];
    CompletableFuture<JoinResult> awaitingJoin;
    CompletableFuture<SyncResult> awaitingSync;
    /** Joined during the current rebalance (not yet part of a generation). */
    boolean isNew;
    long lastHeartbeatMs;

    ClassicMember(String memberId, String groupInstanceId, String clientId, String clientHost, int sessionTimeoutMs,
                  int rebalanceTimeoutMs, String protocolType, List<Protocol> protocols) {
        this.memberId = memberId;
        this.groupInstanceId = groupInstanceId;
        this.clientId = clientId;
        this.clientHost = clientHost;
        this.sessionTimeoutMs = sessionTimeoutMs;
        this.rebalanceTimeoutMs = rebalanceTimeoutMs;
        this.protocolType = protocolType;
        this.protocols = List.copyOf(protocols);
    }

    /** A copy under a new member id (a static member rejoining), without parked responses. */
    ClassicMember withId(String newMemberId) {
        ClassicMember m = new ClassicMember(newMemberId, groupInstanceId, clientId, clientHost, sessionTimeoutMs,
                rebalanceTimeoutMs, protocolType, protocols);
        m.assignment = assignment;
        m.lastHeartbeatMs = lastHeartbeatMs;
        return m;
    }

    boolean isStatic() {
        return groupInstanceId != null;
    }

    boolean isAwaitingJoin() {
        return awaitingJoin != null;
    }

    boolean isAwaitingSync() {
        return awaitingSync != null;
    }

    /** The metadata of protocol {@code name}, or null if the member does not support it. */
    byte[] metadata(String name) {
        for (Protocol p : protocols) if (p.name().equals(name)) return p.metadata();
        return null;
    }

    boolean supports(String name) {
        return metadata(name) != null;
    }

    /** True when {@code other} lists the same protocols, in the same order, with the same metadata. */
    boolean sameProtocols(List<Protocol> other) {
        if (other.size() != protocols.size()) return false;
        for (int i = 0; i < other.size(); i++) {
            Protocol a = protocols.get(i), b = other.get(i);
            if (!a.name().equals(b.name()) || !Arrays.equals(a.metadata(), b.metadata())) return false;
        }
        return true;
    }

    /** Answers the parked JoinGroup, if any; answering counts as a sign of life at {@code now}. */
    void completeJoin(JoinResult r, long now) {
        CompletableFuture<JoinResult> f = awaitingJoin;
        awaitingJoin = null;
        if (f != null) {
            lastHeartbeatMs = Math.max(lastHeartbeatMs, now);
            f.complete(r);
        }
    }

    /** Answers the parked SyncGroup, if any; answering counts as a sign of life at {@code now}. */
    void completeSync(SyncResult r, long now) {
        CompletableFuture<SyncResult> f = awaitingSync;
        awaitingSync = null;
        if (f != null) {
            lastHeartbeatMs = Math.max(lastHeartbeatMs, now);
            f.complete(r);
        }
    }
}
