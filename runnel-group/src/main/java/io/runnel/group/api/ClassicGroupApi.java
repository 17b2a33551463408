package io.runnel.group.api;

import io.runnel.common.Errors;

import java.util.List;
import java.util.Map;

/**
 * The coordinator's side of the classic group APIs (JoinGroup, SyncGroup, Heartbeat, LeaveGroup), free of
 * wire versions: the broker's handlers translate the generated request/response messages to and from
 * these. Metadata and assignment bytes are opaque (the client-side assignor's format).
 */
public final class ClassicGroupApi {
    private ClassicGroupApi() {
    }

    /** One protocol (client-side assignor) a member supports, with its subscription metadata. */
    public record Protocol(String name, byte[] metadata) {
    }

    /**
     * @param memberId           "" for a first join
     * @param groupInstanceId    null for a dynamic member (group.instance.id unset)
     * @param apiVersion         the JoinGroup version: v4+ requires a known member id (MEMBER_ID_REQUIRED), v9+
     *                           understands skipAssignment
     */
    public record JoinParams(String groupId, String memberId, String groupInstanceId, String protocolType,
                             List<Protocol> protocols, int sessionTimeoutMs, int rebalanceTimeoutMs,
                             String clientId, String clientHost, short apiVersion) {
        public boolean requireKnownMemberId() {
            return apiVersion >= 4;
        }
    }

    /** A member as the leader sees it in its JoinGroup response. */
    public record JoinMember(String memberId, String groupInstanceId, byte[] metadata) {
    }

    /** members is non-empty only for the leader (and for a static leader rejoining, with skipAssignment). */
    public record JoinResult(Errors error, int generationId, String protocolType, String protocolName, String leader,
                             boolean skipAssignment, String memberId, List<JoinMember> members) {
        public static JoinResult error(Errors error, String memberId) {
            return new JoinResult(error, -1, null, null, "", false, memberId == null ? "" : memberId, List.of());
        }
    }

    /** assignments: the leader's assignment per member id; empty for followers. */
    public record SyncParams(String groupId, int generationId, String memberId, String groupInstanceId,
                             String protocolType, String protocolName, Map<String, byte[]> assignments) {
    }

    public record SyncResult(Errors error, String protocolType, String protocolName, byte[] assignment) {
        public static SyncResult error(Errors error) {
            return new SyncResult(error, null, null, new byte[0]);
        }
    }

    public record HeartbeatParams(String groupId, int generationId, String memberId, String groupInstanceId) {
    }

    /** A member to remove: by member id, or by group.instance.id (member id "" or the static member's id). */
    public record LeaveMember(String memberId, String groupInstanceId) {
    }

    public record LeaveParams(String groupId, List<LeaveMember> members) {
    }

    public record LeaveMemberResult(String memberId, String groupInstanceId, Errors error) {
    }

    public record LeaveResult(Errors error, List<LeaveMemberResult> members) {
    }
}
