package io.runnel.broker.handler.admin;

import io.runnel.broker.BrokerContext;
import io.runnel.broker.handler.ApiHandler;
import io.runnel.broker.handler.RequestContext;
import io.runnel.common.Errors;
import io.runnel.metadata.ScramCredential;
import io.runnel.protocol.ApiKeys;
import io.runnel.protocol.message.DescribeUserScramCredentialsRequest;
import io.runnel.protocol.message.DescribeUserScramCredentialsResponse;

import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.SortedMap;
import java.util.concurrent.CompletableFuture;

/**
 * DescribeUserScramCredentials (v0), from this broker's metadata image: per user its mechanisms and iteration
 * counts, never salt or keys. Null or no users: every user with a credential (as Kafka). A named user without one is
 * RESOURCE_NOT_FOUND, a user named twice DUPLICATE_RESOURCE (Kafka's errors).
 */
public final class DescribeUserScramCredentialsHandler
        implements ApiHandler<DescribeUserScramCredentialsRequest, DescribeUserScramCredentialsResponse> {
    private final BrokerContext broker;

    public DescribeUserScramCredentialsHandler(BrokerContext broker) {
        this.broker = broker;
    }

    @Override
    public ApiKeys api() {
        return ApiKeys.DESCRIBE_USER_SCRAM_CREDENTIALS;
    }

    @Override
    public CompletableFuture<DescribeUserScramCredentialsResponse> handle(RequestContext ctx, DescribeUserScramCredentialsRequest req) {
        SortedMap<String, SortedMap<Byte, ScramCredential>> all = broker.image().scramCredentials();
        DescribeUserScramCredentialsResponse resp = new DescribeUserScramCredentialsResponse();
        resp.errorMessage = null;
        if (!ctx.authorizeCluster(io.runnel.metadata.AclBinding.OP_DESCRIBE)) { // Kafka: DESCRIBE on the cluster
            resp.errorCode = Errors.CLUSTER_AUTHORIZATION_FAILED.code();
            return CompletableFuture.completedFuture(resp);
        }
        Set<String> users = new LinkedHashSet<>(); // one result per user, also for a user named twice
        Set<String> duplicated = new HashSet<>();
        if (req.users == null || req.users.isEmpty()) users.addAll(all.keySet()); // Kafka: null or empty = all users
        else for (DescribeUserScramCredentialsRequest.User u : req.users) if (!users.add(u.name)) duplicated.add(u.name);
        for (String u : users) {
            DescribeUserScramCredentialsResponse.Result r = new DescribeUserScramCredentialsResponse.Result();
            r.user = u;
            r.errorMessage = null;
            SortedMap<Byte, ScramCredential> creds = all.get(u);
            if (duplicated.contains(u)) {
                r.errorCode = Errors.DUPLICATE_RESOURCE.code();
                r.errorMessage = "Cannot describe SCRAM credentials for the same user twice in a single request: " + u;
            } else if (creds == null) {
                r.errorCode = Errors.RESOURCE_NOT_FOUND.code();
                r.errorMessage = "Attempt to describe a user credential that does not exist: " + u;
            } else {
                creds.forEach((mechanism, c) -> {
                    DescribeUserScramCredentialsResponse.CredentialInfo info = new DescribeUserScramCredentialsResponse.CredentialInfo();
                    info.mechanism = mechanism;
                    info.iterations = c.iterations();
                    r.credentialInfos.add(info);
                });
            }
            resp.results.add(r);
        }
        return CompletableFuture.completedFuture(resp);
    }
}
