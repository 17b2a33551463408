package io.runnel.broker.security;

import io.runnel.config.OAuthBearerConfig;

import java.util.List;
import java.util.function.LongSupplier;

/**
 * Kafka's unsecured OAUTHBEARER validation (for development; no signature): the token is an unsigned JWS
 * ({@code alg: none}, an empty third part); {@code exp} is required and not past, {@code iat} if present is not in
 * the future (both with {@code unsecuredValidatorAllowableClockSkewMs}), the principal claim
 * ({@code unsecuredValidatorPrincipalClaimName}, default sub) is a non-empty string, and every scope of
 * {@code unsecuredValidatorRequiredScope} is in the scope claim.
 */
final class OAuthBearerUnsecuredValidator implements OAuthBearerToken.Validator {
    private final OAuthBearerConfig config;
    private final LongSupplier clock;

    OAuthBearerUnsecuredValidator(OAuthBearerConfig config, LongSupplier wallClockMs) {
        this.config = config;
        this.clock = wallClockMs;
    }

    @Override
    public OAuthBearerToken.Valid validate(String compact) throws OAuthBearerToken.Rejected {
        OAuthBearerToken t = OAuthBearerToken.parse(compact);
        String alg = t.alg();
        if (!alg.equals("none")) {
            throw new OAuthBearerToken.Rejected("the unsecured validator takes unsigned tokens (alg 'none'), not alg '" + alg + "'");
        }
        if (t.signature.length != 0) throw new OAuthBearerToken.Rejected("an unsigned token must have an empty signature part");
        long now = clock.getAsLong();
        OAuthBearerToken.checkTimes(t, now, config.clockSkewMs(), false, false);
        String principal = t.stringClaim(config.principalClaim());
        if (principal == null || principal.isBlank()) {
            throw new OAuthBearerToken.Rejected("the token has no '" + config.principalClaim() + "' (principal) claim");
        }
        if (!config.requiredScope().isEmpty()) {
            List<String> scope = t.listClaim(config.scopeClaim());
            if (!scope.containsAll(config.requiredScope())) {
                throw new OAuthBearerToken.Rejected("the token's scope " + scope + " lacks the required " + config.requiredScope(),
                        "insufficient_scope", String.join(" ", config.requiredScope()));
            }
        }
        return new OAuthBearerToken.Valid(principal, t.timeClaimMs("exp"));
    }
}
