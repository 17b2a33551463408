package io.runnel.broker.handler.group;

import io.runnel.broker.handler.AuthorizedOperations;
import io.runnel.broker.handler.ApiHandler;
import io.runnel.broker.handler.RequestContext;
import io.runnel.group.GroupCoordinator;
import io.runnel.group.api.ConsumerGroupApi.DescribedMember;
import io.runnel.group.api.ConsumerGroupApi.DescribedTopicPartitions;
import io.runnel.group.api.ConsumerGroupApi.GroupDescription;
import io.runnel.protocol.ApiKeys;
import io.runnel.protocol.message.ConsumerGroupDescribeRequest;
import io.runnel.protocol.message.ConsumerGroupDescribeResponse;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * ConsumerGroupDescribe (KIP-848): epochs, assignor, members with their current and target assignments. A
 * classic group answers GROUP_ID_NOT_FOUND, upon which admin clients fall back to DescribeGroups.
 */
public final class ConsumerGroupDescribeHandler implements ApiHandler<ConsumerGroupDescribeRequest, ConsumerGroupDescribeResponse> {
    private final GroupCoordinator coordinator;

    public ConsumerGroupDescribeHandler(GroupCoordinator coordinator) {
        this.coordinator = coordinator;
    }

    @Override
    public ApiKeys api() {
        return ApiKeys.CONSUMER_GROUP_DESCRIBE;
    }

    @Override
    public CompletableFuture<ConsumerGroupDescribeResponse> handle(RequestContext ctx, ConsumerGroupDescribeRequest request) {
        boolean ops = request.includeAuthorizedOperations;
        return coordinator.consumerGroupDescribe(request.groupIds).thenApply(list -> {
            ConsumerGroupDescribeResponse resp = new ConsumerGroupDescribeResponse();
            for (GroupDescription d : list) {
                ConsumerGroupDescribeResponse.Group g = new ConsumerGroupDescribeResponse.Group();
                g.errorCode = d.error().code();
                g.errorMessage = d.errorMessage();
                g.groupId = GroupHandlerSupport.nullToEmpty(d.groupId());
                g.groupState = d.state();
                g.groupEpoch = d.groupEpoch();
                g.assignmentEpoch = d.assignmentEpoch();
                g.assignorName = d.assignorName();
                for (DescribedMember m : d.members()) {
                    ConsumerGroupDescribeResponse.Member w = new ConsumerGroupDescribeResponse.Member();
                    w.memberId = m.memberId();
                    w.instanceId = m.instanceId();
                    w.rackId = m.rackId();
                    w.memberEpoch = m.memberEpoch();
                    w.clientId = m.clientId();
                    w.clientHost = m.clientHost();
                    w.subscribedTopicNames = new ArrayList<>(m.subscribedTopicNames());
                    w.subscribedTopicRegex = m.subscribedTopicRegex();
                    w.assignment = assignment(m.assignment());
                    w.targetAssignment = assignment(m.targetAssignment());
                    w.memberType = m.memberType();
                    g.members.add(w);
                }
                g.authorizedOperations = ops ? ctx.authorizedOperations(io.runnel.metadata.AclBinding.RESOURCE_GROUP, g.groupId, AuthorizedOperations.ALL_GROUP)
                        : AuthorizedOperations.NOT_REQUESTED;
                if (!ctx.authorize(io.runnel.metadata.AclBinding.OP_DESCRIBE, io.runnel.metadata.AclBinding.RESOURCE_GROUP, g.groupId)) { // Kafka: DESCRIBE on each group
                    g.errorCode = io.runnel.common.Errors.GROUP_AUTHORIZATION_FAILED.code();
                    g.errorMessage = null;
                    g.members.clear();
                    g.authorizedOperations = AuthorizedOperations.NOT_REQUESTED;
                }
                resp.groups.add(g);
            }
            return resp;
        });
    }

    private static ConsumerGroupDescribeResponse.Assignment assignment(List<DescribedTopicPartitions> tps) {
        ConsumerGroupDescribeResponse.Assignment a = new ConsumerGroupDescribeResponse.Assignment();
        for (DescribedTopicPartitions tp : tps) {
            ConsumerGroupDescribeResponse.TopicPartitions w = new ConsumerGroupDescribeResponse.TopicPartitions();
            w.topicId = tp.topicId();
            w.topicName = tp.topicName();
            w.partitions = new ArrayList<>(tp.partitions());
            a.topicPartitions.add(w);
        }
        return a;
    }
}
