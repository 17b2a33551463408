package io.runnel.broker.security;

import io.runnel.config.OAuthBearerConfig;
import org.junit.jupiter.api.Test;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** OAUTHBEARER token parsing and both validators (unsecured, JWKS), and the SASL exchange around them. */
class OAuthBearerTest {
    static final long NOW_MS = 1_800_000_000_000L;
    static final long NOW_S = NOW_MS / 1000;

    static String b64(byte[] b) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    static String b64(String s) {
        return b64(s.getBytes(StandardCharsets.UTF_8));
    }

    static String unsigned(String claims) {
        return b64("{\"alg\":\"none\"}") + "." + b64(claims) + ".";
    }

    static String signed(String alg, String kid, PrivateKey key, String claims) throws Exception {
        String input = b64("{\"alg\":\"" + alg + "\"" + (kid == null ? "" : ",\"kid\":\"" + kid + "\"") + ",\"typ\":\"JWT\"}") + "." + b64(claims);
        Signature s = Signature.getInstance(alg.startsWith("RS") ? "SHA256withRSA" : "SHA256withECDSAinP1363Format");
        s.initSign(key);
        s.update(input.getBytes(StandardCharsets.US_ASCII));
        return input + "." + b64(s.sign());
    }

    static String unsignedBig(BigInteger v) {
        byte[] b = v.toByteArray();
        if (b.length > 1 && b[0] == 0) b = Arrays.copyOfRange(b, 1, b.length);
        return b64(b);
    }

    static String rsaJwk(String kid, RSAPublicKey k) {
        return "{\"kty\":\"RSA\",\"use\":\"sig\",\"alg\":\"RS256\",\"kid\":\"" + kid + "\",\"n\":\"" + unsignedBig(k.getModulus())
                + "\",\"e\":\"" + unsignedBig(k.getPublicExponent()) + "\"}";
    }

    static String ecJwk(String kid, ECPublicKey k) {
        return "{\"kty\":\"EC\",\"crv\":\"P-256\",\"kid\":\"" + kid + "\",\"x\":\"" + unsignedBig(k.getW().getAffineX())
                + "\",\"y\":\"" + unsignedBig(k.getW().getAffineY()) + "\"}";
    }

    static KeyPair rsa() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        return g.generateKeyPair();
    }

    static OAuthBearerConfig unsecuredConfig(List<String> requiredScope, long skewMs) {
        return new OAuthBearerConfig(false, "sub", "scope", requiredScope, skewMs, null, 0, 0, 0, List.of(), null);
    }

    static OAuthBearerConfig jwksConfig(List<String> audience, String issuer) {
        return new OAuthBearerConfig(true, "sub", "scope", List.of(), 30_000, java.net.URI.create("http://127.0.0.1:1/jwks"),
                3_600_000, 100, 10_000, audience, issuer);
    }

    static String rejection(OAuthBearerToken.Validator v, String token) {
        try {
            v.validate(token);
        } catch (OAuthBearerToken.Rejected e) {
            return e.getMessage();
        }
        throw new AssertionError("accepted: " + token);
    }

    @Test
    void unsecuredTokens() throws Exception {
        var v = new OAuthBearerUnsecuredValidator(unsecuredConfig(List.of(), 0), () -> NOW_MS);
        OAuthBearerToken.Valid ok = v.validate(unsigned("{\"sub\":\"alice\",\"iat\":" + (NOW_S - 10) + ".5,\"exp\":" + (NOW_S + 60) + "}"));
        assertThat(ok.principal()).isEqualTo("alice");
        assertThat(ok.expiresAtMs()).isEqualTo((NOW_S + 60) * 1000);
        assertThat(rejection(v, unsigned("{\"sub\":\"alice\",\"exp\":" + (NOW_S - 1) + "}"))).contains("expired");
        assertThat(rejection(v, unsigned("{\"sub\":\"alice\",\"exp\":" + NOW_S + "}"))).contains("expired"); // exp is exclusive
        assertThat(rejection(v, unsigned("{\"sub\":\"alice\"}"))).contains("no 'exp'");
        assertThat(rejection(v, unsigned("{\"sub\":\"alice\",\"iat\":" + (NOW_S + 5) + ",\"exp\":" + (NOW_S + 60) + "}"))).contains("in the future");
        assertThat(rejection(v, unsigned("{\"exp\":" + (NOW_S + 60) + "}"))).contains("no 'sub'");
        assertThat(rejection(v, unsigned("{\"sub\":7,\"exp\":" + (NOW_S + 60) + "}"))).contains("not a string");
        assertThat(rejection(v, unsigned("{\"sub\":\"alice\",\"exp\":\"tomorrow\"}"))).contains("not a number");
        // malformed: not three parts, bad base64, not JSON, duplicate claims
        assertThat(rejection(v, "abc.def")).contains("not a JWS");
        assertThat(rejection(v, "e30.!!!.")).contains("not base64url");
        assertThat(rejection(v, b64("{\"alg\":\"none\"}") + "." + b64("not json") + ".")).contains("not JSON");
        assertThat(rejection(v, unsigned("[1,2]"))).contains("not a JSON object");
        assertThat(rejection(v, unsigned("{\"sub\":\"a\",\"sub\":\"b\",\"exp\":" + (NOW_S + 60) + "}"))).contains("not JSON");
        // wrong alg, or a signature where none belongs
        String claims = "{\"sub\":\"alice\",\"exp\":" + (NOW_S + 60) + "}";
        assertThat(rejection(v, b64("{\"alg\":\"RS256\"}") + "." + b64(claims) + ".")).contains("alg 'RS256'");
        assertThat(rejection(v, unsigned(claims) + "c2ln")).contains("empty signature");
        // skew lets a just-expired token and an early iat through
        var skewed = new OAuthBearerUnsecuredValidator(unsecuredConfig(List.of(), 5_000), () -> NOW_MS);
        assertThat(skewed.validate(unsigned("{\"sub\":\"alice\",\"iat\":" + (NOW_S + 4) + ",\"exp\":" + (NOW_S - 4) + "}")).principal()).isEqualTo("alice");
    }

    @Test
    void unsecuredRequiredScope() throws Exception {
        var v = new OAuthBearerUnsecuredValidator(unsecuredConfig(List.of("read", "write"), 0), () -> NOW_MS);
        String exp = ",\"exp\":" + (NOW_S + 60);
        assertThat(v.validate(unsigned("{\"sub\":\"a\",\"scope\":\"write read admin\"" + exp + "}")).principal()).isEqualTo("a");
        assertThat(v.validate(unsigned("{\"sub\":\"a\",\"scope\":[\"read\",\"write\"]" + exp + "}")).principal()).isEqualTo("a");
        assertThatThrownBy(() -> v.validate(unsigned("{\"sub\":\"a\",\"scope\":\"read\"" + exp + "}")))
                .isInstanceOfSatisfying(OAuthBearerToken.Rejected.class, e -> {
                    assertThat(e.status).isEqualTo("insufficient_scope");
                    assertThat(e.scope).isEqualTo("read write");
                });
        assertThat(rejection(v, unsigned("{\"sub\":\"a\"" + exp + "}"))).contains("lacks the required");
    }

    @Test
    void jwksTokens() throws Exception {
        KeyPair k1 = rsa();
        KeyPair other = rsa();
        KeyPairGenerator eg = KeyPairGenerator.getInstance("EC");
        eg.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair ec = eg.generateKeyPair();
        String jwks = "{\"keys\":[" + rsaJwk("k1", (RSAPublicKey) k1.getPublic()) + "," + ecJwk("e1", (ECPublicKey) ec.getPublic())
                + ",{\"kty\":\"oct\",\"kid\":\"hmac\",\"k\":\"AAAA\"}]}";
        var v = new OAuthBearerJwksValidator(jwksConfig(List.of("kafka"), "https://idp"), () -> NOW_MS, () -> jwks.getBytes(StandardCharsets.UTF_8), null);
        assertThat(rejection(v, signed("RS256", "k1", k1.getPrivate(), "{}"))).contains("no key set has been fetched");
        v.refresh();
        String good = "{\"sub\":\"svc\",\"aud\":[\"kafka\",\"x\"],\"iss\":\"https://idp\",\"iat\":" + (NOW_S - 5) + ",\"exp\":" + (NOW_S + 300) + "}";
        OAuthBearerToken.Valid ok = v.validate(signed("RS256", "k1", k1.getPrivate(), good));
        assertThat(ok.principal()).isEqualTo("svc");
        assertThat(ok.expiresAtMs()).isEqualTo((NOW_S + 300) * 1000);
        assertThat(v.validate(signed("ES256", "e1", ec.getPrivate(), good)).principal()).isEqualTo("svc");
        assertThat(v.validate(signed("RS256", null, k1.getPrivate(), good)).principal()).isEqualTo("svc"); // the only RS256 key
        // bad signature: another key, or a changed payload
        assertThat(rejection(v, signed("RS256", "k1", other.getPrivate(), good))).contains("signature does not verify");
        String t = signed("RS256", "k1", k1.getPrivate(), good);
        String[] parts = t.split("\\.");
        assertThat(rejection(v, parts[0] + "." + b64(good.replace("svc", "admin")) + "." + parts[2])).contains("signature does not verify");
        // wrong alg: none, HMAC, unknown
        assertThat(rejection(v, unsigned(good))).contains("alg 'none' is not accepted");
        assertThat(rejection(v, b64("{\"alg\":\"HS256\",\"kid\":\"k1\"}") + "." + b64(good) + ".c2ln")).contains("alg 'HS256'");
        // unknown kid
        assertThat(rejection(v, signed("RS256", "k9", k1.getPrivate(), good))).contains("no key with kid 'k9'");
        // aud, iss, times, sub
        assertThat(rejection(v, signed("RS256", "k1", k1.getPrivate(), good.replace("\"kafka\",", "")))).contains("audience [x]");
        assertThat(rejection(v, signed("RS256", "k1", k1.getPrivate(), good.replace("\"aud\":[\"kafka\",\"x\"],", "")))).contains("audience []");
        assertThat(rejection(v, signed("RS256", "k1", k1.getPrivate(), good.replace("https://idp", "https://evil")))).contains("issuer 'https://evil'");
        assertThat(rejection(v, signed("RS256", "k1", k1.getPrivate(), good.replace("\"sub\":\"svc\",", "")))).contains("no 'sub'");
        String expired = good.replace(String.valueOf(NOW_S + 300), String.valueOf(NOW_S - 31));
        assertThat(rejection(v, signed("RS256", "k1", k1.getPrivate(), expired))).contains("expired");
        String withinSkew = good.replace(String.valueOf(NOW_S + 300), String.valueOf(NOW_S - 29));
        assertThat(v.validate(signed("RS256", "k1", k1.getPrivate(), withinSkew)).principal()).isEqualTo("svc");
        String noIat = good.replace("\"iat\":" + (NOW_S - 5) + ",", "");
        assertThat(rejection(v, signed("RS256", "k1", k1.getPrivate(), noIat))).contains("no 'iat'");
        String futureIat = good.replace("\"iat\":" + (NOW_S - 5), "\"iat\":" + (NOW_S + 60));
        assertThat(rejection(v, signed("RS256", "k1", k1.getPrivate(), futureIat))).contains("in the future");
        String nbf = good.replace("{", "{\"nbf\":" + (NOW_S + 60) + ",");
        assertThat(rejection(v, signed("RS256", "k1", k1.getPrivate(), nbf))).contains("not valid before");
    }

    @Test
    void anUnknownKidFetchesTheKeySetEarlyAtMostOncePerInterval() throws Exception {
        KeyPair k1 = rsa();
        KeyPair k2 = rsa();
        AtomicReference<String> served = new AtomicReference<>("{\"keys\":[" + rsaJwk("k1", (RSAPublicKey) k1.getPublic()) + "]}");
        AtomicInteger fetches = new AtomicInteger();
        ScheduledExecutorService exec = Executors.newSingleThreadScheduledExecutor();
        try {
            long[] now = {NOW_MS};
            var v = new OAuthBearerJwksValidator(jwksConfig(List.of(), null), () -> now[0], () -> {
                fetches.incrementAndGet();
                return served.get().getBytes(StandardCharsets.UTF_8);
            }, exec);
            v.fetchOnly();
            String claims = "{\"sub\":\"svc\",\"iat\":" + NOW_S + ",\"exp\":" + (NOW_S + 300) + "}";
            served.set("{\"keys\":[" + rsaJwk("k1", (RSAPublicKey) k1.getPublic()) + "," + rsaJwk("k2", (RSAPublicKey) k2.getPublic()) + "]}");
            String t2 = signed("RS256", "k2", k2.getPrivate(), claims);
            assertThat(rejection(v, t2)).contains("no key with kid 'k2'"); // refused now, the key set fetched early
            exec.submit(() -> { }).get(10, TimeUnit.SECONDS);
            assertThat(fetches.get()).isEqualTo(2);
            assertThat(v.validate(t2).principal()).isEqualTo("svc");
            // an unknown kid again within the interval: no further fetch
            assertThat(rejection(v, signed("RS256", "k3", k2.getPrivate(), claims))).contains("kid 'k3'");
            assertThat(rejection(v, signed("RS256", "k4", k2.getPrivate(), claims))).contains("kid 'k4'");
            exec.submit(() -> { }).get(10, TimeUnit.SECONDS);
            assertThat(fetches.get()).isEqualTo(2);
            now[0] += OAuthBearerJwksValidator.EXPEDITE_MIN_MS;
            rejection(v, signed("RS256", "k3", k2.getPrivate(), claims));
            exec.submit(() -> { }).get(10, TimeUnit.SECONDS);
            assertThat(fetches.get()).isEqualTo(3);
        } finally {
            exec.shutdownNow();
        }
    }

    @Test
    void aFailedFetchKeepsTheKeysAndBacksOff() throws Exception {
        KeyPair k1 = rsa();
        AtomicReference<String> served = new AtomicReference<>("{\"keys\":[" + rsaJwk("k1", (RSAPublicKey) k1.getPublic()) + "]}");
        var v = new OAuthBearerJwksValidator(jwksConfig(List.of(), null), () -> NOW_MS, () -> {
            String s = served.get();
            if (s == null) throw new java.io.IOException("down");
            return s.getBytes(StandardCharsets.UTF_8);
        }, null);
        v.refresh();
        served.set(null);
        v.refresh();
        assertThat(v.validate(signed("RS256", "k1", k1.getPrivate(), "{\"sub\":\"svc\",\"iat\":" + NOW_S + ",\"exp\":" + (NOW_S + 300) + "}"))
                .principal()).isEqualTo("svc");
        assertThatThrownBy(() -> OAuthBearerJwksValidator.parse("{\"nokeys\":1}".getBytes(StandardCharsets.UTF_8)))
                .hasMessageContaining("no 'keys'");
    }

    static byte[] clientFirst(String gs2, String token, String extensions) {
        return (gs2 + "\u0001auth=Bearer " + token + "\u0001" + extensions + "\u0001").getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void theSaslExchange() throws Exception {
        var v = new OAuthBearerUnsecuredValidator(unsecuredConfig(List.of(), 0), () -> NOW_MS);
        String token = unsigned("{\"sub\":\"alice\",\"exp\":" + (NOW_S + 60) + "}");
        OAuthBearerServer ok = new OAuthBearerServer(v);
        assertThat(ok.evaluate(clientFirst("n,,", token, "traceId=abc\u0001"))).isEmpty();
        assertThat(ok.isComplete()).isTrue();
        assertThat(ok.user()).isEqualTo("alice");
        assertThat(ok.credentialExpiresAtMs()).isEqualTo((NOW_S + 60) * 1000);
        OAuthBearerServer authz = new OAuthBearerServer(v);
        assertThat(authz.evaluate(clientFirst("n,a=alice,", token, ""))).isEmpty();
        assertThat(authz.isComplete()).isTrue();

        // an invalid token: a JSON error challenge, the client's %x01, then the failure
        OAuthBearerServer bad = new OAuthBearerServer(v);
        byte[] challenge = bad.evaluate(clientFirst("n,,", unsigned("{\"sub\":\"alice\",\"exp\":" + (NOW_S - 60) + "}"), ""));
        assertThat(new String(challenge, StandardCharsets.UTF_8)).isEqualTo("{\"status\":\"invalid_token\"}");
        assertThat(bad.isComplete()).isFalse();
        assertThatThrownBy(() -> bad.evaluate(new byte[]{1})).isInstanceOf(SaslAuthenticationFailure.class).hasMessageContaining("expired");
        // an authorization id that is not the principal
        OAuthBearerServer otherAuthz = new OAuthBearerServer(v);
        assertThat(new String(otherAuthz.evaluate(clientFirst("n,a=bob,", token, "")), StandardCharsets.UTF_8)).contains("invalid_token");
        assertThatThrownBy(() -> otherAuthz.evaluate(new byte[]{1})).hasMessageContaining("authorization id 'bob'");
        // malformed messages fail at once
        for (String m : List.of("", "y,,\u0001auth=Bearer x\u0001\u0001", "n,,auth=Bearer x", "n,,\u0001auth=Bearer x\u0001",
                "n,,\u0001\u0001", "n,,\u0001auth=Basic x\u0001\u0001", "n,,\u0001auth=Bearer a b\u0001\u0001",
                "n,,\u0001auth=Bearer x\u0001auth=Bearer y\u0001\u0001", "n,,\u0001x1=y\u0001auth=Bearer x\u0001\u0001", "n,b=x,\u0001auth=Bearer x\u0001\u0001")) {
            assertThatThrownBy(() -> new OAuthBearerServer(v).evaluate(m.getBytes(StandardCharsets.UTF_8)))
                    .as(m.replace('\u0001', '^')).isInstanceOf(SaslAuthenticationFailure.class);
        }
    }

    @Test
    void theSessionLifetimeIsBoundedByTheToken() {
        assertThat(SaslSession.sessionLifetimeMs(0, 0, NOW_MS)).isZero();
        assertThat(SaslSession.sessionLifetimeMs(2000, 0, NOW_MS)).isEqualTo(2000);
        assertThat(SaslSession.sessionLifetimeMs(2000, NOW_MS + 60_000, NOW_MS)).isEqualTo(2000);
        assertThat(SaslSession.sessionLifetimeMs(120_000, NOW_MS + 60_000, NOW_MS)).isEqualTo(60_000);
        assertThat(SaslSession.sessionLifetimeMs(0, NOW_MS + 60_000, NOW_MS)).isEqualTo(60_000);
        assertThat(SaslSession.sessionLifetimeMs(0, NOW_MS - 5, NOW_MS)).isEqualTo(1);
    }
}
