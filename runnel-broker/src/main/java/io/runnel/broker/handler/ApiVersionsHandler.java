package io.runnel.broker.handler;

import io.runnel.broker.BrokerContext;
import io.runnel.common.Errors;
import io.runnel.common.Uuid;
import io.runnel.protocol.ApiKeys;
import io.runnel.protocol.message.ApiVersionsRequest;
import io.runnel.protocol.message.ApiVersionsResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.CompletableFuture;
import java.util.regex.Pattern;

/**
 * ApiVersions: advertises exactly the APIs that have a handler in the registry, each with the version
 * range its schema implements, and from v3 the feature flags ({@link BrokerFeatures}). From v3 the
 * client's software name and version must be well formed (INVALID_REQUEST otherwise), as Kafka checks.
 *
 * <p>v5 (KIP-1242): a client that already knows the cluster sends the cluster id and node id it means to
 * reach. Both are set or neither is (INVALID_REQUEST otherwise). If they are not this broker's, the
 * connection reached the wrong broker (an address now used by another broker or cluster): the answer is
 * REBOOTSTRAP_REQUIRED with no API list, and the client bootstraps again from its bootstrap servers.
 */
public final class ApiVersionsHandler implements ApiHandler<ApiVersionsRequest, ApiVersionsResponse> {
    private static final Logger log = LoggerFactory.getLogger(ApiVersionsHandler.class);
    private static final Pattern SOFTWARE = Pattern.compile("[a-zA-Z0-9](?:[a-zA-Z0-9\\-.]*[a-zA-Z0-9])?");

    private final HandlerRegistry registry;
    private final BrokerContext broker;
    private final BrokerFeatures features;

    public ApiVersionsHandler(HandlerRegistry registry, BrokerContext broker, BrokerFeatures features) {
        this.registry = registry;
        this.broker = broker;
        this.features = features;
    }

    @Override
    public ApiKeys api() {
        return ApiKeys.API_VERSIONS;
    }

    @Override
    public CompletableFuture<ApiVersionsResponse> handle(RequestContext ctx, ApiVersionsRequest request) {
        Errors error = check(ctx, request);
        if (error != Errors.NONE) {
            ApiVersionsResponse resp = new ApiVersionsResponse();
            resp.errorCode = error.code();
            return CompletableFuture.completedFuture(resp);
        }
        ApiVersionsResponse resp = supported(registry);
        var image = broker.image();
        features.withFinalizedLevels(image.featureLevels()).addTo(resp, ctx.apiVersion(), image.offset() - 1);
        return CompletableFuture.completedFuture(resp);
    }

    private Errors check(RequestContext ctx, ApiVersionsRequest request) {
        short version = ctx.apiVersion();
        if (version >= 3 && (!SOFTWARE.matcher(request.clientSoftwareName).matches()
                || !SOFTWARE.matcher(request.clientSoftwareVersion).matches())) {
            return Errors.INVALID_REQUEST;
        }
        if (version < 5) return Errors.NONE;
        boolean expectsCluster = request.clusterId != null;
        if (expectsCluster != (request.nodeId != -1)) return Errors.INVALID_REQUEST;
        if (!expectsCluster) return Errors.NONE;
        Uuid clusterId = broker.image().clusterId();
        String ours = clusterId == null ? null : clusterId.toString();
        if (request.clusterId.equals(ours) && request.nodeId == broker.nodeId()) return Errors.NONE;
        log.info("{} ({}) expects cluster {} node {}, this is cluster {} node {}: REBOOTSTRAP_REQUIRED",
                ctx.clientAddress(), ctx.clientId(), request.clusterId, request.nodeId, ours, broker.nodeId());
        return Errors.REBOOTSTRAP_REQUIRED;
    }

    /** The response listing every registered API and its versions. */
    public static ApiVersionsResponse supported(HandlerRegistry registry) {
        ApiVersionsResponse resp = new ApiVersionsResponse();
        for (ApiKeys api : registry.apis()) {
            ApiVersionsResponse.ApiVersion v = new ApiVersionsResponse.ApiVersion();
            v.apiKey = api.id;
            v.minVersion = api.advertisedLowestVersion;
            v.maxVersion = api.highestVersion;
            resp.apiKeys.add(v);
        }
        resp.apiKeys.sort((a, b) -> Short.compare(a.apiKey, b.apiKey));
        return resp;
    }
}
