package io.runnel.broker.handler.admin;

import io.runnel.broker.handler.ApiHandler;
import io.runnel.broker.handler.RequestContext;
import io.runnel.common.security.ScramFunctions;
import io.runnel.metadata.ApiError;
import io.runnel.metadata.MetadataController;
import io.runnel.metadata.ScramAlteration;
import io.runnel.metadata.ScramCredential;
import io.runnel.protocol.ApiKeys;
import io.runnel.protocol.message.AlterUserScramCredentialsRequest;
import io.runnel.protocol.message.AlterUserScramCredentialsResponse;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * AlterUserScramCredentials (v0): deletions and upsertions of users' SCRAM credentials. An upsertion carries what
 * Kafka's Admin computed (salt, iterations, salted password = Hi(password, salt, iterations)); this broker derives
 * StoredKey and ServerKey from the salted password (RFC 5802) and hands only those, with salt and iterations, to
 * the controller ({@link MetadataController#alterScramCredentials}, forwarded to the active controller in a
 * cluster), which checks and records them. One result per user.
 */
public final class AlterUserScramCredentialsHandler implements ApiHandler<AlterUserScramCredentialsRequest, AlterUserScramCredentialsResponse> {
    private final MetadataController controller;

    public AlterUserScramCredentialsHandler(MetadataController controller) {
        this.controller = controller;
    }

    @Override
    public ApiKeys api() {
        return ApiKeys.ALTER_USER_SCRAM_CREDENTIALS;
    }

    @Override
    public CompletableFuture<AlterUserScramCredentialsResponse> handle(RequestContext ctx, AlterUserScramCredentialsRequest req) {
        List<ScramAlteration> alterations = new ArrayList<>();
        for (AlterUserScramCredentialsRequest.Deletion d : req.deletions) {
            alterations.add(new ScramAlteration(d.name, d.mechanism, null));
        }
        for (AlterUserScramCredentialsRequest.Upsertion u : req.upsertions) {
            String mechanism = ScramCredential.mechanismName(u.mechanism);
            ScramFunctions f = mechanism == null ? null : ScramFunctions.forMechanism(mechanism);
            byte[] none = new byte[0];
            // an unknown mechanism or an empty salted password has no keys: the controller refuses it
            boolean derivable = f != null && u.saltedPassword.length > 0;
            alterations.add(new ScramAlteration(u.name, u.mechanism, new ScramCredential(u.salt,
                    derivable ? f.storedKey(u.saltedPassword) : none, derivable ? f.serverKey(u.saltedPassword) : none, u.iterations)));
        }
        if (alterations.isEmpty()) return CompletableFuture.completedFuture(new AlterUserScramCredentialsResponse());
        if (!ctx.authorizeCluster(io.runnel.metadata.AclBinding.OP_ALTER)) { // Kafka: ALTER on the cluster
            AlterUserScramCredentialsResponse resp = new AlterUserScramCredentialsResponse();
            for (String user : new java.util.LinkedHashSet<>(alterations.stream().map(ScramAlteration::user).toList())) {
                AlterUserScramCredentialsResponse.Result r = new AlterUserScramCredentialsResponse.Result();
                r.user = user;
                r.errorCode = io.runnel.common.Errors.CLUSTER_AUTHORIZATION_FAILED.code();
                r.errorMessage = null;
                resp.results.add(r);
            }
            return CompletableFuture.completedFuture(resp);
        }
        return controller.alterScramCredentials(alterations).handle((results, err) -> {
            Map<String, ApiError> byUser = results;
            if (err != null) {
                ApiError e = AdminSupport.errorOf(err);
                byUser = new LinkedHashMap<>();
                for (ScramAlteration a : alterations) byUser.put(a.user(), e);
            }
            AlterUserScramCredentialsResponse resp = new AlterUserScramCredentialsResponse();
            byUser.forEach((user, e) -> {
                AlterUserScramCredentialsResponse.Result r = new AlterUserScramCredentialsResponse.Result();
                r.user = user;
                r.errorCode = e.error().code();
                r.errorMessage = e.isSuccess() ? null : e.message();
                resp.results.add(r);
            });
            return resp;
        });
    }
}
