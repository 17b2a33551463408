package io.runnel.config;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The OAUTHBEARER settings of one SASL listener (docs/security.md, "OAUTHBEARER"), read at start with Kafka's keys.
 *
 * <p>Without {@code listener.name.<l>.oauthbearer.sasl.server.callback.handler.class} tokens are checked by the
 * unsecured validator (unsigned JWS, {@code alg: none}; for development), configured by the options of
 * {@code listener.name.<l>.oauthbearer.sasl.jaas.config} ({@code unsecuredValidator*}). With
 * {@value #JWKS_HANDLER} they are JWTs signed by a key of the JWKS at {@code sasl.oauthbearer.jwks.endpoint.url};
 * each {@code sasl.oauthbearer.*} key may be given per listener as
 * {@code listener.name.<l>.oauthbearer.sasl.oauthbearer.*}, which wins. Any other handler class refuses the start. As
 * in Kafka 4.4, the JWKS validator needs {@code sasl.oauthbearer.expected.audience} and {@code .expected.issuer} unless
 * {@code sasl.oauthbearer.allow.unverified.audience} / {@code .issuer} is true (then a warning is logged).
 *
 * @param jwks                     true: JWKS validation; false: the unsecured validator
 * @param principalClaim           the claim naming the principal (unsecured: unsecuredValidatorPrincipalClaimName;
 *                                 JWKS: sasl.oauthbearer.sub.claim.name)
 * @param scopeClaim               the claim holding the scope
 * @param requiredScope            scopes a token must have (unsecured only; empty: none)
 * @param clockSkewMs              allowed clock skew
 * @param jwksUrl                  JWKS endpoint (https://, http:// or file:), or null when unsecured
 * @param jwksRefreshMs            how often the key set is fetched again
 * @param jwksRetryBackoffMs       first wait after a failed fetch
 * @param jwksRetryBackoffMaxMs    longest wait between failed fetches
 * @param expectedAudience         one of these must be in {@code aud} (empty: not checked)
 * @param expectedIssuer           {@code iss} must equal it (null: not checked)
 */
public record OAuthBearerConfig(boolean jwks, String principalClaim, String scopeClaim, List<String> requiredScope,
                                long clockSkewMs, URI jwksUrl, long jwksRefreshMs, long jwksRetryBackoffMs,
                                long jwksRetryBackoffMaxMs, List<String> expectedAudience, String expectedIssuer) {
    public static final String MODULE = "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule";
    public static final String JWKS_HANDLER = "org.apache.kafka.common.security.oauthbearer.OAuthBearerValidatorCallbackHandler";
    /** Kafka 3.x's name of the same handler. */
    static final String JWKS_HANDLER_OLD = "org.apache.kafka.common.security.oauthbearer.secured.OAuthBearerValidatorCallbackHandler";
    static final String HANDLER = "oauthbearer.sasl.server.callback.handler.class";
    static final String JAAS = "oauthbearer.sasl.jaas.config";
    static final String JWKS_URL = "sasl.oauthbearer.jwks.endpoint.url";
    static final String REFRESH = "sasl.oauthbearer.jwks.endpoint.refresh.ms";
    static final String BACKOFF = "sasl.oauthbearer.jwks.endpoint.retry.backoff.ms";
    static final String BACKOFF_MAX = "sasl.oauthbearer.jwks.endpoint.retry.backoff.max.ms";
    static final String AUDIENCE = "sasl.oauthbearer.expected.audience";
    static final String ISSUER = "sasl.oauthbearer.expected.issuer";
    static final String SUB_CLAIM = "sasl.oauthbearer.sub.claim.name";
    static final String SCOPE_CLAIM = "sasl.oauthbearer.scope.claim.name";
    static final String SKEW = "sasl.oauthbearer.clock.skew.seconds";
    static final String ALLOW_UNVERIFIED_AUDIENCE = "sasl.oauthbearer.allow.unverified.audience";
    static final String ALLOW_UNVERIFIED_ISSUER = "sasl.oauthbearer.allow.unverified.issuer";
    /** The broker-side sasl.oauthbearer.* keys Runnel reads (plain or per listener). */
    static final List<String> KEYS = List.of(JWKS_URL, REFRESH, BACKOFF, BACKOFF_MAX, AUDIENCE, ISSUER, SUB_CLAIM, SCOPE_CLAIM, SKEW,
            ALLOW_UNVERIFIED_AUDIENCE, ALLOW_UNVERIFIED_ISSUER);
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(OAuthBearerConfig.class);

    public OAuthBearerConfig {
        requiredScope = List.copyOf(requiredScope);
        expectedAudience = List.copyOf(expectedAudience);
    }

    /** Whether {@code rest} (after {@code listener.name.<l>.}, lower case) is an OAUTHBEARER key read here. */
    static boolean isListenerKey(String rest) {
        return rest.equals(HANDLER) || rest.equals(JAAS) || rest.startsWith("oauthbearer.") && KEYS.contains(rest.substring("oauthbearer.".length()));
    }

    /**
     * @param lower  every supplied key in lower case
     * @param prefix {@code listener.name.<l>.}
     */
    static OAuthBearerConfig parse(Map<String, String> lower, String prefix, String listener) {
        String handlerKey = prefix + HANDLER;
        String handler = trimmed(lower.get(handlerKey));
        boolean jwks = handler != null;
        if (jwks && !handler.equals(JWKS_HANDLER) && !handler.equals(JWKS_HANDLER_OLD)) {
            throw ConfigException.invalidValue(handlerKey, handler, "Runnel cannot load callback handler classes; for OAUTHBEARER it "
                    + "validates JWTs against a JWKS endpoint when this names " + JWKS_HANDLER + ", and unsigned development "
                    + "tokens when it is not set");
        }
        String jaasKey = prefix + JAAS;
        String jaas = lower.get(jaasKey);
        Map<String, String> options = Map.of();
        if (jaas != null && !jaas.isBlank()) {
            SaslListenerConfig.JaasEntry e = SaslListenerConfig.JaasEntry.parse(jaasKey, jaas);
            if (!e.loginModule().equals(MODULE)) throw new ConfigException(jaasKey, jaasKey + " must name " + MODULE + ", not " + e.loginModule());
            options = e.options();
        } else if (!jwks) {
            throw new ConfigException(jaasKey, "listener " + listener + " enables OAUTHBEARER, which needs " + jaasKey
                    + " (" + MODULE + " required;)");
        }
        if (!jwks) {
            String principal = options.getOrDefault("unsecuredValidatorPrincipalClaimName", "sub").trim();
            String scope = options.getOrDefault("unsecuredValidatorScopeClaimName", "scope").trim();
            if (principal.isEmpty()) throw new ConfigException(jaasKey, jaasKey + ": unsecuredValidatorPrincipalClaimName is empty");
            if (scope.isEmpty()) throw new ConfigException(jaasKey, jaasKey + ": unsecuredValidatorScopeClaimName is empty");
            List<String> required = new ArrayList<>();
            for (String s : options.getOrDefault("unsecuredValidatorRequiredScope", "").split("[ ,]")) if (!s.isBlank()) required.add(s.trim());
            long skewMs;
            String skew = options.getOrDefault("unsecuredValidatorAllowableClockSkewMs", "0").trim();
            try {
                skewMs = Long.parseLong(skew);
            } catch (NumberFormatException e) {
                skewMs = -1;
            }
            if (skewMs < 0) {
                throw new ConfigException(jaasKey, jaasKey + ": unsecuredValidatorAllowableClockSkewMs must be a non-negative number of milliseconds, not '" + skew + "'");
            }
            return new OAuthBearerConfig(false, principal, scope, required, skewMs, null, 0, 0, 0, List.of(), null);
        }
        String urlKey = key(lower, prefix, JWKS_URL);
        String url = trimmed(lower.get(urlKey));
        if (url == null) {
            throw new ConfigException(urlKey, "listener " + listener + " validates OAUTHBEARER tokens against a JWKS ("
                    + handlerKey + "), which needs " + JWKS_URL);
        }
        URI uri;
        try {
            uri = new URI(url);
        } catch (Exception e) {
            throw ConfigException.invalidValue(urlKey, url, "not a URL: " + e.getMessage());
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!List.of("https", "http", "file").contains(scheme)) {
            throw ConfigException.invalidValue(urlKey, url, "the JWKS endpoint must be an https://, http:// or file: URL");
        }
        long refresh = number(lower, prefix, REFRESH, 3_600_000L, 1);
        long backoff = number(lower, prefix, BACKOFF, 100L, 0);
        long backoffMax = number(lower, prefix, BACKOFF_MAX, 10_000L, 0);
        long skewSeconds = number(lower, prefix, SKEW, 30L, 0);
        List<String> audience = new ArrayList<>();
        String aud = trimmed(lower.get(key(lower, prefix, AUDIENCE)));
        if (aud != null) for (String a : aud.split(",")) if (!a.isBlank()) audience.add(a.trim());
        String issuer = trimmed(lower.get(key(lower, prefix, ISSUER)));
        // Kafka 4.4: with a JWKS, issuer and audience must be checked unless the operator opts out
        if (audience.isEmpty()) {
            if (!flag(lower, prefix, ALLOW_UNVERIFIED_AUDIENCE)) {
                throw new ConfigException(key(lower, prefix, AUDIENCE), "listener " + listener + " validates OAUTHBEARER tokens against a JWKS: "
                        + AUDIENCE + " must name the audience(s) tokens must be for, or " + ALLOW_UNVERIFIED_AUDIENCE + "=true accept any (Kafka 4.4's rule)");
            }
            log.warn("Listener {}: OAUTHBEARER tokens of any audience are accepted ({}=true)", listener, ALLOW_UNVERIFIED_AUDIENCE);
        }
        if (issuer == null) {
            if (!flag(lower, prefix, ALLOW_UNVERIFIED_ISSUER)) {
                throw new ConfigException(key(lower, prefix, ISSUER), "listener " + listener + " validates OAUTHBEARER tokens against a JWKS: "
                        + ISSUER + " must name the issuer tokens must come from, or " + ALLOW_UNVERIFIED_ISSUER + "=true accept any (Kafka 4.4's rule)");
            }
            log.warn("Listener {}: OAUTHBEARER tokens of any issuer are accepted ({}=true)", listener, ALLOW_UNVERIFIED_ISSUER);
        }
        String sub = nonEmpty(lower, prefix, SUB_CLAIM, "sub");
        String scope = nonEmpty(lower, prefix, SCOPE_CLAIM, "scope");
        return new OAuthBearerConfig(true, sub, scope, List.of(), skewSeconds * 1000, uri, refresh, backoff,
                Math.max(backoff, backoffMax), audience, issuer);
    }

    private static String key(Map<String, String> lower, String prefix, String key) {
        String perListener = prefix + "oauthbearer." + key;
        return lower.containsKey(perListener) ? perListener : key;
    }

    private static boolean flag(Map<String, String> lower, String prefix, String key) {
        String k = key(lower, prefix, key);
        String v = trimmed(lower.get(k));
        if (v == null) return false;
        if (v.equalsIgnoreCase("true")) return true;
        if (v.equalsIgnoreCase("false")) return false;
        throw ConfigException.invalidValue(k, v, "must be true or false");
    }

    private static String trimmed(String v) {
        return v == null || v.isBlank() ? null : v.trim();
    }

    private static String nonEmpty(Map<String, String> lower, String prefix, String key, String dflt) {
        String k = key(lower, prefix, key);
        String v = lower.get(k);
        if (v == null) return dflt;
        if (v.isBlank()) throw ConfigException.invalidValue(k, v, "a claim name must not be empty");
        return v.trim();
    }

    private static long number(Map<String, String> lower, String prefix, String key, long dflt, long min) {
        String k = key(lower, prefix, key);
        String v = trimmed(lower.get(k));
        if (v == null) return dflt;
        long n;
        try {
            n = Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw ConfigException.invalidValue(k, v, "not a number");
        }
        if (n < min) throw ConfigException.invalidValue(k, v, "must be at least " + min);
        return n;
    }
}
