package io.runnel.broker.handler.admin;

import io.runnel.broker.handler.AuthorizedOperations;
import io.runnel.broker.BrokerContext;
import io.runnel.broker.handler.ApiHandler;
import io.runnel.broker.handler.RequestContext;
import io.runnel.common.Errors;
import io.runnel.metadata.BrokerRegistration;
import io.runnel.metadata.MetadataController;
import io.runnel.metadata.MetadataImage;
import io.runnel.protocol.ApiKeys;
import io.runnel.protocol.message.DescribeClusterRequest;
import io.runnel.protocol.message.DescribeClusterResponse;

import java.util.concurrent.CompletableFuture;

/**
 * DescribeCluster (v0-2): the cluster id, the registered brokers with their endpoint on the listener
 * the request came in on (fenced brokers only when v2's includeFencedBrokers asks), this node as the
 * controller, and the cluster's authorized operations when asked (every one, while authorization is
 * off).
 *
 * <p>A broker only describes brokers: endpoint type 2 (controllers) gets MISMATCHED_ENDPOINT_TYPE and
 * any type other than 1 or 2 UNSUPPORTED_ENDPOINT_TYPE, with Kafka's messages and nothing else in the
 * answer, exactly as a Kafka broker answers (the Admin client then reports
 * MismatchedEndpointTypeException / UnsupportedEndpointTypeException).
 */
public final class DescribeClusterHandler implements ApiHandler<DescribeClusterRequest, DescribeClusterResponse> {
    static final byte ENDPOINT_BROKERS = 1;
    static final byte ENDPOINT_CONTROLLERS = 2;

    private final MetadataController controller;
    private final BrokerContext broker;

    public DescribeClusterHandler(MetadataController controller, BrokerContext broker) {
        this.controller = controller;
        this.broker = broker;
    }

    @Override
    public ApiKeys api() {
        return ApiKeys.DESCRIBE_CLUSTER;
    }

    @Override
    public CompletableFuture<DescribeClusterResponse> handle(RequestContext ctx, DescribeClusterRequest req) {
        short version = ctx.apiVersion();
        DescribeClusterResponse resp = new DescribeClusterResponse();
        if (req.endpointType != ENDPOINT_BROKERS && req.endpointType != ENDPOINT_CONTROLLERS) {
            resp.errorCode = (version == 0 ? Errors.INVALID_REQUEST : Errors.UNSUPPORTED_ENDPOINT_TYPE).code();
            resp.errorMessage = "Unsupported endpoint type " + req.endpointType;
            return CompletableFuture.completedFuture(resp);
        }
        if (req.endpointType == ENDPOINT_CONTROLLERS) {
            resp.errorCode = (version == 0 ? Errors.INVALID_REQUEST : Errors.MISMATCHED_ENDPOINT_TYPE).code();
            resp.errorMessage = "The request was sent to an endpoint of type BROKER, but we wanted an endpoint of type CONTROLLER";
            return CompletableFuture.completedFuture(resp);
        }
        MetadataImage image = controller.image();
        boolean controllerListed = false;
        int active = broker.controllerId();
        for (BrokerRegistration b : image.brokers().values()) {
            if (b.fenced() && !req.includeFencedBrokers) continue;
            BrokerRegistration.Endpoint e = BrokerContext.endpoint(b, ctx.listenerName());
            if (e == null) continue;
            DescribeClusterResponse.Broker db = new DescribeClusterResponse.Broker();
            db.brokerId = b.id();
            db.host = e.host();
            db.port = e.port();
            db.rack = b.rack();
            db.isFenced = b.fenced();
            resp.brokers.add(db);
            if (b.id() == active) controllerListed = true;
        }
        resp.errorCode = Errors.NONE.code();
        resp.errorMessage = null;
        resp.endpointType = ENDPOINT_BROKERS;
        resp.clusterId = image.clusterId() == null ? "" : image.clusterId().toString();
        // a controller id the client cannot find among the brokers would confuse it; Kafka answers -1 then
        resp.controllerId = controllerListed ? active : -1;
        // Kafka: no check on a broker; the authorized operations are 0 without DESCRIBE on the cluster
        resp.clusterAuthorizedOperations = !req.includeClusterAuthorizedOperations ? AuthorizedOperations.NOT_REQUESTED
                : !ctx.authorizeQuietly(io.runnel.metadata.AclBinding.OP_DESCRIBE, io.runnel.metadata.AclBinding.RESOURCE_CLUSTER, io.runnel.metadata.AclBinding.CLUSTER_NAME) ? 0 : ctx.authorizedOperations(io.runnel.metadata.AclBinding.RESOURCE_CLUSTER, io.runnel.metadata.AclBinding.CLUSTER_NAME, AuthorizedOperations.ALL_CLUSTER);
        return CompletableFuture.completedFuture(resp);
    }
}
