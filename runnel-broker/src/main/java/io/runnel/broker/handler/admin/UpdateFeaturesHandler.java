package io.runnel.broker.handler.admin;

import io.runnel.broker.BrokerContext;
import io.runnel.broker.handler.ApiHandler;
import io.runnel.broker.handler.BrokerFeatures;
import io.runnel.broker.handler.RequestContext;
import io.runnel.common.Errors;
import io.runnel.metadata.ApiError;
import io.runnel.metadata.MetadataController;
import io.runnel.protocol.ApiKeys;
import io.runnel.protocol.message.UpdateFeaturesRequest;
import io.runnel.protocol.message.UpdateFeaturesResponse;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * UpdateFeatures (v0-2): finalizes a feature at another level, recorded in the metadata log (FeatureLevelRecord) so
 * that it holds across restarts, and reported by ApiVersions from then on. Only {@code transaction.version} can be
 * changed (0-2): at a level below 2, kafka-clients 4.x take the transaction protocol's older path (AddPartitionsToTxn,
 * AddOffsetsToTxn, EndTxn v4). A lower level needs {@code allowDowngrade} (v0) or upgrade type SAFE_DOWNGRADE or
 * UNSAFE_DOWNGRADE (v1+); v1+ may only validate. The request is applied whole or not at all: any invalid update is
 * INVALID_UPDATE_VERSION with a message naming it (top-level, and for v0-1 also per feature).
 */
public final class UpdateFeaturesHandler implements ApiHandler<UpdateFeaturesRequest, UpdateFeaturesResponse> {
    private static final byte UPGRADE = 1;

    private final MetadataController controller;
    private final BrokerContext broker;
    private final BrokerFeatures features;

    public UpdateFeaturesHandler(MetadataController controller, BrokerContext broker, BrokerFeatures features) {
        this.controller = controller;
        this.broker = broker;
        this.features = features;
    }

    @Override
    public ApiKeys api() {
        return ApiKeys.UPDATE_FEATURES;
    }

    @Override
    public CompletableFuture<UpdateFeaturesResponse> handle(RequestContext ctx, UpdateFeaturesRequest req) {
        short version = ctx.apiVersion();
        if (!ctx.authorizeCluster(io.runnel.metadata.AclBinding.OP_ALTER)) {
            return CompletableFuture.completedFuture(response(req, version, Errors.CLUSTER_AUTHORIZATION_FAILED, null));
        }
        BrokerFeatures current = features.withFinalizedLevels(broker.image().featureLevels());
        Map<String, Short> levels = new LinkedHashMap<>();
        String problem = null;
        for (UpdateFeaturesRequest.FeatureUpdate u : req.featureUpdates) {
            boolean downgradeAllowed = version == 0 ? u.allowDowngrade : u.upgradeType != UPGRADE;
            String why = invalid(current, u.feature, u.maxVersionLevel, downgradeAllowed);
            if (why == null && levels.containsKey(u.feature)) why = "The feature " + u.feature + " was named twice.";
            if (why != null && problem == null) problem = why;
            levels.put(u.feature, u.maxVersionLevel);
        }
        if (problem != null) return CompletableFuture.completedFuture(response(req, version, Errors.INVALID_UPDATE_VERSION, problem));
        if (version >= 1 && req.validateOnly) return CompletableFuture.completedFuture(response(req, version, Errors.NONE, null));
        return controller.updateFeatureLevels(levels).handle((v, err) -> {
            if (err == null) return response(req, version, Errors.NONE, null);
            ApiError e = AdminSupport.errorOf(err);
            return response(req, version, e.error(), e.message());
        });
    }

    /** Why an update is refused, or null. */
    private static String invalid(BrokerFeatures current, String name, short level, boolean downgradeAllowed) {
        BrokerFeatures.Feature f = current.feature(name);
        if (f == null) return "The feature " + name + " is not supported by this broker.";
        if (!BrokerFeatures.UPDATABLE.contains(name)) {
            return f.finalizedLevel() == level ? null : "Runnel cannot change the level of " + name + " (it stays at " + f.finalizedLevel() + ").";
        }
        if (level < f.minSupported() || level > f.maxSupported()) {
            return "Invalid level " + level + " for " + name + ": this broker supports " + f.minSupported() + " to " + f.maxSupported() + ".";
        }
        if (level < f.finalizedLevel() && !downgradeAllowed) {
            return "Invalid update of " + name + " from " + f.finalizedLevel() + " to " + level + ": a downgrade needs a downgrade type.";
        }
        return null;
    }

    private static UpdateFeaturesResponse response(UpdateFeaturesRequest req, short version, Errors error, String message) {
        UpdateFeaturesResponse resp = new UpdateFeaturesResponse();
        resp.errorCode = error.code();
        resp.errorMessage = message;
        if (version <= 1) {
            for (UpdateFeaturesRequest.FeatureUpdate u : req.featureUpdates) {
                UpdateFeaturesResponse.Result r = new UpdateFeaturesResponse.Result();
                r.feature = u.feature;
                r.errorCode = error.code();
                r.errorMessage = message;
                resp.results.add(r);
            }
        }
        return resp;
    }
}
