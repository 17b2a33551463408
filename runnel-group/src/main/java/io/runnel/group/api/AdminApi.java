package io.runnel.group.api;

import io.runnel.common.Errors;

import java.util.List;

/** The coordinator's side of ListGroups, DescribeGroups and DeleteGroups. */
public final class AdminApi {
    private AdminApi() {
    }

    /**
     * @param state the group state as Kafka names it ("Stable", "PreparingRebalance", "CompletingRebalance",
     *              "Empty", "Dead" for classic groups; "Empty", "Assigning", "Reconciling", "Stable" for
     *              consumer groups)
     * @param type  "classic" or "consumer"
     */
    public record ListedGroup(String groupId, String protocolType, String state, String type) {
    }

    /** A classic group as DescribeGroups shows it; metadata and assignment are only filled when Stable. */
    public record ClassicGroupDescription(String groupId, Errors error, String errorMessage, String state,
                                          String protocolType, String protocol, List<ClassicMemberDescription> members) {
    }

    public record ClassicMemberDescription(String memberId, String groupInstanceId, String clientId, String clientHost,
                                           byte[] metadata, byte[] assignment) {
    }

    public record DeleteGroupResult(String groupId, Errors error) {
    }
}
