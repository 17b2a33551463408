package io.runnel.broker.security;

import com.fasterxml.jackson.databind.JsonNode;
import io.runnel.config.OAuthBearerConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.ECPublicKeySpec;
import java.security.spec.RSAPublicKeySpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * OAUTHBEARER tokens checked as Kafka's {@code OAuthBearerValidatorCallbackHandler} does: a JWT signed (RS256/384/512,
 * ES256/384/512) by a key of the JSON Web Key Set at {@code sasl.oauthbearer.jwks.endpoint.url}, chosen by the header's
 * {@code kid}; {@code exp} and {@code iat} required, {@code exp}, {@code nbf}, {@code iat} checked with
 * {@code sasl.oauthbearer.clock.skew.seconds}; {@code aud} must hold one of {@code sasl.oauthbearer.expected.audience}
 * and {@code iss} equal {@code sasl.oauthbearer.expected.issuer} when set; the principal is the string claim
 * {@code sasl.oauthbearer.sub.claim.name}.
 *
 * <p>The key set is fetched by one daemon thread ({@code runnel-oauth-jwks-<listener>}): first at construction (which
 * waits up to 10 s for that first attempt), then every {@code sasl.oauthbearer.jwks.endpoint.refresh.ms}; a failed
 * fetch is logged and retried after {@code .retry.backoff.ms}, doubling up to {@code .retry.backoff.max.ms}, keeping
 * the keys it had (none before the first success: every login is refused meanwhile). A token whose {@code kid} is
 * unknown is refused and asks that thread for an early fetch, at most once per {@value #EXPEDITE_MIN_MS} ms, so a
 * rotated key is picked up without blocking a network thread.
 */
final class OAuthBearerJwksValidator implements OAuthBearerToken.Validator, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(OAuthBearerJwksValidator.class);
    static final long EXPEDITE_MIN_MS = 10_000;
    private static final Map<String, String> ALGORITHMS = Map.of(
            "RS256", "SHA256withRSA", "RS384", "SHA384withRSA", "RS512", "SHA512withRSA",
            "ES256", "SHA256withECDSAinP1363Format", "ES384", "SHA384withECDSAinP1363Format", "ES512", "SHA512withECDSAinP1363Format");

    /** One verification key of the set. */
    record Key(String kid, String alg, PublicKey key) {
    }

    /** Fetches the JWKS document. */
    @FunctionalInterface
    interface Source {
        byte[] fetch() throws IOException, InterruptedException;
    }

    private final OAuthBearerConfig config;
    private final LongSupplier clock;
    private final Source source;
    private final ScheduledExecutorService fetcher; // null: no background fetching (tests)
    private final AtomicLong lastExpediteMs = new AtomicLong(Long.MIN_VALUE / 2);
    private volatile List<Key> keys = List.of();
    private volatile boolean fetchedOnce;
    private long backoffMs;

    /** Starts the fetching thread and waits (up to 10 s) for its first attempt. */
    static OAuthBearerJwksValidator start(OAuthBearerConfig config, String listener) {
        ScheduledExecutorService exec = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "runnel-oauth-jwks-" + listener.toLowerCase(java.util.Locale.ROOT));
            t.setDaemon(true);
            return t;
        });
        OAuthBearerJwksValidator v = new OAuthBearerJwksValidator(config, System::currentTimeMillis, source(config.jwksUrl()), exec);
        CountDownLatch first = new CountDownLatch(1);
        exec.execute(() -> {
            v.refresh();
            first.countDown();
        });
        try {
            if (!first.await(10, TimeUnit.SECONDS)) log.warn("JWKS endpoint {} has not answered within 10 s; logins with OAUTHBEARER on listener {} are refused until it does", config.jwksUrl(), listener);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return v;
    }

    OAuthBearerJwksValidator(OAuthBearerConfig config, LongSupplier wallClockMs, Source source, ScheduledExecutorService fetcher) {
        this.config = config;
        this.clock = wallClockMs;
        this.source = source;
        this.fetcher = fetcher;
        this.backoffMs = config.jwksRetryBackoffMs();
    }

    private static Source source(URI url) {
        if ("file".equalsIgnoreCase(url.getScheme())) return () -> Files.readAllBytes(Path.of(url));
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).followRedirects(HttpClient.Redirect.NORMAL).build();
        return () -> {
            HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(30))
                    .header("Accept", "application/json").GET().build(), HttpResponse.BodyHandlers.ofByteArray());
            if (r.statusCode() != 200) throw new IOException("HTTP status " + r.statusCode());
            return r.body();
        };
    }

    /** Fetches the key set once, then schedules the next fetch (on the fetching thread). */
    void refresh() {
        long next;
        try {
            List<Key> fetched = parse(source.fetch());
            keys = fetched;
            fetchedOnce = true;
            backoffMs = config.jwksRetryBackoffMs();
            next = config.jwksRefreshMs();
            log.info("Fetched {} verification key(s) from JWKS endpoint {}: kids {}", fetched.size(), config.jwksUrl(),
                    fetched.stream().map(Key::kid).toList());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        } catch (Exception e) {
            next = backoffMs;
            backoffMs = Math.min(Math.max(1, backoffMs * 2), config.jwksRetryBackoffMaxMs());
            log.warn("Fetching the JWKS from {} failed ({}); {} key(s) kept, next attempt in {} ms", config.jwksUrl(), e.toString(),
                    keys.size(), next);
        }
        if (fetcher != null && !fetcher.isShutdown()) {
            try {
                fetcher.schedule(this::refresh, next, TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.RejectedExecutionException ignored) {
                // closed meanwhile
            }
        }
    }

    /** The keys of a JWKS document: RSA and EC (P-256/384/521) signature keys; others are skipped. */
    static List<Key> parse(byte[] json) throws IOException {
        JsonNode root = OAuthBearerToken.parseJson(json);
        JsonNode arr = root == null ? null : root.get("keys");
        if (arr == null || !arr.isArray()) throw new IOException("not a JWKS: no 'keys' array");
        List<Key> out = new ArrayList<>();
        for (JsonNode k : arr) {
            String kty = text(k, "kty");
            String use = text(k, "use");
            if (use != null && !use.equals("sig")) continue;
            try {
                PublicKey key;
                if ("RSA".equals(kty)) {
                    key = KeyFactory.getInstance("RSA").generatePublic(new RSAPublicKeySpec(big(k, "n"), big(k, "e")));
                } else if ("EC".equals(kty)) {
                    String crv = text(k, "crv");
                    String std = crv == null ? null : switch (crv) {
                        case "P-256" -> "secp256r1";
                        case "P-384" -> "secp384r1";
                        case "P-521" -> "secp521r1";
                        default -> null;
                    };
                    if (std == null) continue;
                    AlgorithmParameters params = AlgorithmParameters.getInstance("EC");
                    params.init(new ECGenParameterSpec(std));
                    key = KeyFactory.getInstance("EC").generatePublic(new ECPublicKeySpec(new ECPoint(big(k, "x"), big(k, "y")),
                            params.getParameterSpec(ECParameterSpec.class)));
                } else {
                    continue;
                }
                out.add(new Key(text(k, "kid"), text(k, "alg"), key));
            } catch (GeneralSecurityException | IllegalArgumentException e) {
                log.warn("Skipping JWKS key {}: {}", text(k, "kid"), e.toString());
            }
        }
        return List.copyOf(out);
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || !v.isTextual() ? null : v.asText();
    }

    private static BigInteger big(JsonNode k, String field) {
        String v = text(k, field);
        if (v == null) throw new IllegalArgumentException("no '" + field + "'");
        return new BigInteger(1, Base64.getUrlDecoder().decode(v));
    }

    @Override
    public OAuthBearerToken.Valid validate(String compact) throws OAuthBearerToken.Rejected {
        OAuthBearerToken t = OAuthBearerToken.parse(compact);
        String alg = t.alg();
        String jca = ALGORITHMS.get(alg);
        if (jca == null) throw new OAuthBearerToken.Rejected("the token's alg '" + alg + "' is not accepted; one of " + ALGORITHMS.keySet().stream().sorted().toList());
        Key key = key(t, alg);
        try {
            Signature s = Signature.getInstance(jca);
            s.initVerify(key.key());
            s.update(t.signingInput);
            if (!s.verify(t.signature)) throw new OAuthBearerToken.Rejected("the token's signature does not verify");
        } catch (GeneralSecurityException e) {
            throw new OAuthBearerToken.Rejected("the token's signature does not verify (" + e.getClass().getSimpleName() + ")");
        }
        OAuthBearerToken.checkTimes(t, clock.getAsLong(), config.clockSkewMs(), true, true);
        if (!config.expectedAudience().isEmpty()) {
            List<String> aud = t.listClaim("aud");
            if (aud.stream().noneMatch(config.expectedAudience()::contains)) {
                throw new OAuthBearerToken.Rejected("the token's audience " + aud + " is none of the expected " + config.expectedAudience());
            }
        }
        if (config.expectedIssuer() != null) {
            String iss = t.stringClaim("iss");
            if (!config.expectedIssuer().equals(iss)) {
                throw new OAuthBearerToken.Rejected("the token's issuer " + (iss == null ? "(none)" : "'" + iss + "'") + " is not the expected '" + config.expectedIssuer() + "'");
            }
        }
        String principal = t.stringClaim(config.principalClaim());
        if (principal == null || principal.isBlank()) {
            throw new OAuthBearerToken.Rejected("the token has no '" + config.principalClaim() + "' (principal) claim");
        }
        return new OAuthBearerToken.Valid(principal, t.timeClaimMs("exp"));
    }

    private Key key(OAuthBearerToken t, String alg) throws OAuthBearerToken.Rejected {
        List<Key> set = keys;
        if (!fetchedOnce) {
            expedite();
            throw new OAuthBearerToken.Rejected("no key set has been fetched from the JWKS endpoint yet");
        }
        JsonNode kidNode = t.header.get("kid");
        String kid = kidNode != null && kidNode.isTextual() ? kidNode.asText() : null;
        boolean rsa = alg.startsWith("RS");
        List<Key> candidates = new ArrayList<>();
        for (Key k : set) {
            if (kid != null && !kid.equals(k.kid())) continue;
            if (rsa != (k.key() instanceof RSAPublicKey) || !rsa && !(k.key() instanceof ECPublicKey)) continue;
            if (k.alg() != null && !k.alg().equals(alg)) continue;
            candidates.add(k);
        }
        if (candidates.size() == 1) return candidates.get(0);
        if (kid == null) {
            throw new OAuthBearerToken.Rejected(candidates.isEmpty() ? "no key of the JWKS fits the token's alg " + alg
                    : "the token names no 'kid' and the JWKS has " + candidates.size() + " keys for alg " + alg);
        }
        if (candidates.isEmpty()) {
            expedite();
            throw new OAuthBearerToken.Rejected("no key with kid '" + kid + "' for alg " + alg + " in the JWKS");
        }
        throw new OAuthBearerToken.Rejected("the JWKS has " + candidates.size() + " keys with kid '" + kid + "'");
    }

    /** Asks the fetching thread for an early fetch, at most once per EXPEDITE_MIN_MS. */
    private void expedite() {
        if (fetcher == null) return;
        long now = clock.getAsLong();
        long last = lastExpediteMs.get();
        if (now - last < EXPEDITE_MIN_MS || !lastExpediteMs.compareAndSet(last, now)) return;
        try {
            fetcher.execute(this::fetchOnly);
        } catch (java.util.concurrent.RejectedExecutionException ignored) {
            // closed
        }
    }

    /** An early fetch: replaces the keys on success, leaves the regular schedule alone. */
    void fetchOnly() {
        try {
            keys = parse(source.fetch());
            fetchedOnce = true;
            log.info("Fetched the JWKS from {} early (a token named an unknown key): kids {}", config.jwksUrl(), keys.stream().map(Key::kid).toList());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            log.warn("Early fetch of the JWKS from {} failed: {}", config.jwksUrl(), e.toString());
        }
    }

    @Override
    public void close() {
        if (fetcher != null) fetcher.shutdownNow();
    }
}
