package io.runnel.broker.handler;

import io.runnel.common.Errors;
import io.runnel.protocol.ApiKeys;
import io.runnel.protocol.message.ApiVersionsRequest;
import io.runnel.protocol.message.ApiVersionsResponse;

import java.util.concurrent.CompletableFuture;
import java.util.regex.Pattern;

/**
 * ApiVersions: advertises exactly the APIs that have a handler in the registry, each with the version
 * range its schema implements. From v3 the client's software name and version must be well formed
 * (INVALID_REQUEST otherwise), as Kafka checks.
 */
public final class ApiVersionsHandler implements ApiHandler<ApiVersionsRequest, ApiVersionsResponse> {
    private static final Pattern SOFTWARE = Pattern.compile("[a-zA-Z0-9](?:[a-zA-Z0-9\\-.]*[a-zA-Z0-9])?");

    private final HandlerRegistry registry;

    public ApiVersionsHandler(HandlerRegistry registry) {
        this.registry = registry;
    }

    @Override
    public ApiKeys api() {
        return ApiKeys.API_VERSIONS;
    }

    @Override
    public CompletableFuture<ApiVersionsResponse> handle(RequestContext ctx, ApiVersionsRequest request) {
        ApiVersionsResponse resp = supported(registry);
        if (ctx.apiVersion() >= 3 && (!SOFTWARE.matcher(request.clientSoftwareName).matches()
                || !SOFTWARE.matcher(request.clientSoftwareVersion).matches())) {
            resp.errorCode = Errors.INVALID_REQUEST.code();
            resp.apiKeys.clear();
        }
        return CompletableFuture.completedFuture(resp);
    }

    /** The response listing every registered API and its versions. */
    public static ApiVersionsResponse supported(HandlerRegistry registry) {
        ApiVersionsResponse resp = new ApiVersionsResponse();
        for (ApiKeys api : registry.apis()) {
            ApiVersionsResponse.ApiVersion v = new ApiVersionsResponse.ApiVersion();
            v.apiKey = api.id;
            v.minVersion = api.lowestVersion;
            v.maxVersion = api.highestVersion;
            resp.apiKeys.add(v);
        }
        resp.apiKeys.sort((a, b) -> Short.compare(a.apiKey, b.apiKey));
        return resp;
    }
}
