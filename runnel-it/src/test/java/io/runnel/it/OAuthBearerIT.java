package io.runnel.it;

import com.sun.net.httpserver.HttpServer;
import io.runnel.common.Errors;
import io.runnel.protocol.ApiKeys;
import io.runnel.protocol.message.MetadataRequest;
import io.runnel.protocol.message.SaslAuthenticateRequest;
import io.runnel.protocol.message.SaslAuthenticateResponse;
import io.runnel.protocol.message.SaslHandshakeRequest;
import io.runnel.protocol.message.SaslHandshakeResponse;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.interfaces.RSAPublicKey;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * SASL/OAUTHBEARER with real kafka-clients over real sockets against an in-process broker with two SASL_PLAINTEXT
 * listeners: UNSEC (Kafka's unsecured validator: unsigned tokens, as kafka-clients' default unsecured login makes
 * them) and JWKS (JWTs signed with an RSA key served as a JWKS by a loopback {@link HttpServer}, which also serves the
 * OAuth token endpoint kafka-clients' {@code OAuthBearerLoginCallbackHandler} calls). {@code connections.max.reauth.ms}
 * is 2000, so clients re-authenticate during the tests. Written against kafka-clients 3.9, 4.1 and 4.4.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class OAuthBearerIT {
    static final String MODULE = "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule";
    static final String LOGIN_HANDLER = "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginCallbackHandler";
    static final String ALLOWED_URLS = "org.apache.kafka.sasl.oauthbearer.allowed.urls";
    static final long REAUTH_MS = 2000;
    static final java.util.concurrent.atomic.AtomicInteger REFUSED = new java.util.concurrent.atomic.AtomicInteger();

    @TempDir
    static Path dir;
    static TestBroker broker;
    static HttpServer idp;
    static KeyPair signing;
    static KeyPair rogue;
    static int unsecPort;
    static int jwksPort;
    static String tokenUrl;
    static String allowedBefore;

    @BeforeAll
    static void start() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        signing = g.generateKeyPair();
        rogue = g.generateKeyPair();
        idp = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        String jwks = "{\"keys\":[" + jwk("key-1", (RSAPublicKey) signing.getPublic()) + "]}";
        idp.createContext("/jwks", ex -> {
            byte[] body = jwks.getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().add("Content-Type", "application/json");
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        // client_credentials: client "svc" gets a token signed by the key of the JWKS, client "rogue" one signed by
        // another key under the same kid
        idp.createContext("/token", ex -> {
            String form = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            String basic = ex.getRequestHeaders().getFirst("Authorization");
            String client = basic == null ? "" : new String(Base64.getDecoder().decode(basic.substring("Basic ".length())), StandardCharsets.UTF_8);
            int status = 200;
            String body;
            try {
                if (!form.contains("grant_type=client_credentials") || !client.endsWith(":secret")) {
                    status = 401;
                    body = "{\"error\":\"invalid_client\"}";
                } else {
                    String id = client.substring(0, client.indexOf(':'));
                    long now = System.currentTimeMillis() / 1000;
                    String claims = "{\"sub\":\"" + id + "\",\"iss\":\"http://idp\",\"aud\":\"runnel\",\"scope\":\"kafka\",\"iat\":" + now
                            + ",\"exp\":" + (now + 600) + "}";
                    String jwt = sign(id.equals("rogue") ? rogue.getPrivate() : signing.getPrivate(), "key-1", claims);
                    body = "{\"access_token\":\"" + jwt + "\",\"token_type\":\"Bearer\",\"expires_in\":600}";
                }
            } catch (Exception e) {
                status = 500;
                body = "{\"error\":\"" + e + "\"}";
            }
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().add("Content-Type", "application/json");
            ex.sendResponseHeaders(status, bytes.length);
            ex.getResponseBody().write(bytes);
            ex.close();
        });
        idp.start();
        String base = "http://127.0.0.1:" + idp.getAddress().getPort();
        tokenUrl = base + "/token";
        allowedBefore = System.getProperty(ALLOWED_URLS);
        System.setProperty(ALLOWED_URLS, tokenUrl); // newer clients refuse token endpoints not listed here

        int plain = BrokerProcess.freePort();
        int unsec = BrokerProcess.freePort();
        int jwksListener = BrokerProcess.freePort();
        Map<String, String> props = new LinkedHashMap<>();
        props.put("listeners", "PLAINTEXT://127.0.0.1:" + plain + ",UNSEC://127.0.0.1:" + unsec + ",JWKS://127.0.0.1:" + jwksListener);
        props.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,UNSEC:SASL_PLAINTEXT,JWKS:SASL_PLAINTEXT");
        props.put("sasl.enabled.mechanisms", "OAUTHBEARER");
        props.put("connections.max.reauth.ms", String.valueOf(REAUTH_MS));
        props.put("listener.name.unsec.oauthbearer.sasl.jaas.config", MODULE + " required;");
        props.put("listener.name.jwks.oauthbearer.sasl.jaas.config", MODULE + " required;");
        props.put("listener.name.jwks.oauthbearer.sasl.server.callback.handler.class",
                "org.apache.kafka.common.security.oauthbearer.OAuthBearerValidatorCallbackHandler");
        props.put("listener.name.jwks.oauthbearer.sasl.oauthbearer.jwks.endpoint.url", base + "/jwks");
        props.put("sasl.oauthbearer.expected.audience", "runnel");
        props.put("sasl.oauthbearer.expected.issuer", "http://idp");
        broker = TestBroker.start(dir.resolve("broker"), props);
        unsecPort = broker.server().boundListeners().get(1).getPort();
        jwksPort = broker.server().boundListeners().get(2).getPort();
    }

    @AfterAll
    static void stop() {
        if (broker != null) broker.close();
        if (idp != null) idp.stop(0);
        if (allowedBefore == null) System.clearProperty(ALLOWED_URLS);
        else System.setProperty(ALLOWED_URLS, allowedBefore);
    }

    static String b64(byte[] b) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    static String unsignedB64(BigInteger v) {
        byte[] b = v.toByteArray();
        if (b.length > 1 && b[0] == 0) b = Arrays.copyOfRange(b, 1, b.length);
        return b64(b);
    }

    static String jwk(String kid, RSAPublicKey k) {
        return "{\"kty\":\"RSA\",\"use\":\"sig\",\"alg\":\"RS256\",\"kid\":\"" + kid + "\",\"n\":\"" + unsignedB64(k.getModulus())
                + "\",\"e\":\"" + unsignedB64(k.getPublicExponent()) + "\"}";
    }

    static String sign(PrivateKey key, String kid, String claims) throws Exception {
        String input = b64(("{\"alg\":\"RS256\",\"typ\":\"JWT\",\"kid\":\"" + kid + "\"}").getBytes(StandardCharsets.UTF_8)) + "."
                + b64(claims.getBytes(StandardCharsets.UTF_8));
        Signature s = Signature.getInstance("SHA256withRSA");
        s.initSign(key);
        s.update(input.getBytes(StandardCharsets.US_ASCII));
        return input + "." + b64(s.sign());
    }

    static Map<String, Object> unsecured(String sub) {
        Map<String, Object> p = new HashMap<>();
        p.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SASL_PLAINTEXT");
        p.put(SaslConfigs.SASL_MECHANISM, "OAUTHBEARER");
        p.put(SaslConfigs.SASL_JAAS_CONFIG, MODULE + " required unsecuredLoginStringClaim_sub=\"" + sub + "\";");
        return p;
    }

    static Map<String, Object> clientCredentials(String clientId) {
        Map<String, Object> p = new HashMap<>();
        p.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SASL_PLAINTEXT");
        p.put(SaslConfigs.SASL_MECHANISM, "OAUTHBEARER");
        p.put(SaslConfigs.SASL_JAAS_CONFIG, MODULE + " required clientId=\"" + clientId + "\" clientSecret=\"secret\";");
        p.put(SaslConfigs.SASL_LOGIN_CALLBACK_HANDLER_CLASS, LOGIN_HANDLER);
        p.put("sasl.oauthbearer.token.endpoint.url", tokenUrl);
        return p;
    }

    static void produceAndConsume(int port, Map<String, Object> security, String topic, int n) throws Exception {
        String bootstrap = "127.0.0.1:" + port;
        broker.createTopic(topic, 1);
        try (KafkaProducer<byte[], byte[]> producer = Clients.producer(bootstrap, security)) {
            for (int i = 0; i < n; i++) {
                producer.send(new ProducerRecord<>(topic, ("v" + i).getBytes(StandardCharsets.UTF_8))).get(30, TimeUnit.SECONDS);
            }
        }
        try (KafkaConsumer<byte[], byte[]> consumer = Clients.consumer(bootstrap, security)) {
            consumer.assign(List.of(new TopicPartition(topic, 0)));
            List<ConsumerRecord<byte[], byte[]>> got = Clients.pollUntil(consumer, n, Duration.ofSeconds(30), false);
            assertThat(got).extracting(r -> new String(r.value(), StandardCharsets.UTF_8)).containsExactly(
                    java.util.stream.IntStream.range(0, n).mapToObj(i -> "v" + i).toArray(String[]::new));
        }
    }

    /** The error a producer gets sending to {@code port}: the authentication failure, not a timeout. */
    static Throwable produceFailure(int port, Map<String, Object> security) throws Exception {
        String topic = "refused-" + REFUSED.incrementAndGet();
        broker.createTopic(topic, 1);
        try (KafkaProducer<byte[], byte[]> producer = Clients.producer("127.0.0.1:" + port, security)) {
            try {
                producer.send(new ProducerRecord<>(topic, new byte[1])).get(30, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                return e.getCause();
            } catch (Exception e) {
                return e;
            }
        }
        throw new AssertionError("the send succeeded");
    }

    @Test
    void unsecuredTokensProduceAndConsume() throws Exception {
        produceAndConsume(unsecPort, unsecured("alice"), "unsec-alice", 5);
    }

    static SaslAuthenticateResponse rawAuthenticate(RawClient c, int correlationId, byte[] message) throws Exception {
        SaslAuthenticateRequest req = new SaslAuthenticateRequest();
        req.authBytes = message;
        c.send(ApiKeys.SASL_AUTHENTICATE, (short) 2, correlationId, req);
        return c.<SaslAuthenticateResponse>receive(ApiKeys.SASL_AUTHENTICATE, (short) 2).body();
    }

    static void rawHandshake(RawClient c, int correlationId) throws Exception {
        SaslHandshakeRequest hs = new SaslHandshakeRequest();
        hs.mechanism = "OAUTHBEARER";
        c.send(ApiKeys.SASL_HANDSHAKE, (short) 1, correlationId, hs);
        SaslHandshakeResponse r = c.<SaslHandshakeResponse>receive(ApiKeys.SASL_HANDSHAKE, (short) 1).body();
        assertThat(r.errorCode).isZero();
        assertThat(r.mechanisms).containsExactly("OAUTHBEARER");
    }

    static byte[] clientFirst(String token) {
        return ("n,,\u0001auth=Bearer " + token + "\u0001\u0001").getBytes(StandardCharsets.UTF_8);
    }

    static String unsignedToken(String claims) {
        return b64("{\"alg\":\"none\"}".getBytes(StandardCharsets.UTF_8)) + "." + b64(claims.getBytes(StandardCharsets.UTF_8)) + ".";
    }

    /** An invalid token: the JSON error challenge, the client's %x01, SASL_AUTHENTICATION_FAILED, then the close. */
    static void assertRefusedWithChallenge(String token, String reason) throws Exception {
        try (RawClient c = new RawClient(unsecPort)) {
            rawHandshake(c, 1);
            SaslAuthenticateResponse challenge = rawAuthenticate(c, 2, clientFirst(token));
            assertThat(challenge.errorCode).isZero();
            assertThat(new String(challenge.authBytes, StandardCharsets.UTF_8)).isEqualTo("{\"status\":\"invalid_token\"}");
            SaslAuthenticateResponse failed = rawAuthenticate(c, 3, new byte[]{1});
            assertThat(failed.errorCode).isEqualTo(Errors.SASL_AUTHENTICATION_FAILED.code());
            assertThat(failed.errorMessage).contains(reason);
            assertThat(c.closedByPeerWithin(5_000)).isTrue();
        }
    }

    @Test
    void expiredAndMalformedTokensAreRefusedAndTheConnectionClosed() throws Exception {
        long now = System.currentTimeMillis() / 1000;
        assertRefusedWithChallenge(unsignedToken("{\"sub\":\"alice\",\"iat\":" + (now - 120) + ",\"exp\":" + (now - 60) + "}"), "expired");
        assertRefusedWithChallenge("bm90.a-jwt", "not a JWS");
        assertRefusedWithChallenge(b64("{\"alg\":\"none\"}".getBytes(StandardCharsets.UTF_8)) + ".ab+/.", "not base64url");
        try (RawClient c = new RawClient(unsecPort)) { // not an OAUTHBEARER message at all: refused at once
            rawHandshake(c, 1);
            SaslAuthenticateResponse r = rawAuthenticate(c, 2, "\0alice\0pw".getBytes(StandardCharsets.UTF_8));
            assertThat(r.errorCode).isEqualTo(Errors.SASL_AUTHENTICATION_FAILED.code());
            assertThat(r.errorMessage).contains("GS2 header");
            assertThat(c.closedByPeerWithin(5_000)).isTrue();
        }
        try (RawClient c = new RawClient(unsecPort)) { // a valid token: the session lasts connections.max.reauth.ms
            rawHandshake(c, 1);
            SaslAuthenticateResponse ok = rawAuthenticate(c, 2, clientFirst(unsignedToken("{\"sub\":\"alice\",\"exp\":" + (now + 600) + "}")));
            assertThat(ok.errorCode).isZero();
            assertThat(ok.authBytes).isEmpty();
            assertThat(ok.sessionLifetimeMs).isEqualTo(REAUTH_MS);
            c.send(ApiKeys.METADATA, (short) 12, 3, new MetadataRequest());
            assertThat(c.receive(ApiKeys.METADATA, (short) 12).correlationId()).isEqualTo(3);
            // re-authentication with a token that expires sooner: the session ends with the token
            rawHandshake(c, 4);
            SaslAuthenticateResponse shorter = rawAuthenticate(c, 5, clientFirst(unsignedToken("{\"sub\":\"alice\",\"exp\":" + (now + 2) + "}")));
            assertThat(shorter.errorCode).isZero();
            assertThat(shorter.sessionLifetimeMs).isBetween(1L, 2000L);
        }
    }

    @Test
    void aProducerKeepsWorkingAcrossReauthentications() throws Exception {
        broker.createTopic("oauth-reauth", 1);
        try (KafkaProducer<byte[], byte[]> producer = Clients.producer("127.0.0.1:" + unsecPort, unsecured("bob"))) {
            long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(REAUTH_MS * 3);
            int sent = 0;
            while (System.nanoTime() < end) {
                producer.send(new ProducerRecord<>("oauth-reauth", ("r" + sent++).getBytes(StandardCharsets.UTF_8))).get(30, TimeUnit.SECONDS);
                Thread.sleep(100);
            }
            double reauths = producer.metrics().entrySet().stream()
                    .filter(e -> e.getKey().name().equals("successful-reauthentication-total"))
                    .mapToDouble(e -> ((Number) e.getValue().metricValue()).doubleValue()).sum();
            assertThat(reauths).as("re-authentications by the producer").isGreaterThanOrEqualTo(2);
        }
    }

    @Test
    void jwtsFromTheTokenEndpointProduceAndConsume() throws Exception {
        produceAndConsume(jwksPort, clientCredentials("svc"), "jwks-svc", 5);
    }

    @Test
    void aJwtSignedByAnotherKeyIsRefused() throws Exception {
        Throwable t = produceFailure(jwksPort, clientCredentials("rogue"));
        assertThat(t).isInstanceOf(SaslAuthenticationException.class);
        assertThat(t.getMessage()).contains("signature does not verify");
        // an unsigned token is no good on the JWKS listener either
        assertThat(produceFailure(jwksPort, unsecured("alice"))).isInstanceOf(SaslAuthenticationException.class)
                .hasMessageContaining("alg 'none' is not accepted");
    }

    /** A JWKS endpoint that is down at start: the broker starts and serves, OAUTHBEARER logins are refused meanwhile. */
    @Test
    void aJwksEndpointDownAtStartDoesNotStopTheBroker(@TempDir Path own) throws Exception {
        int port = BrokerProcess.freePort();
        Map<String, String> props = new LinkedHashMap<>();
        props.put("listeners", "SASL_PLAINTEXT://127.0.0.1:" + port);
        props.put("sasl.enabled.mechanisms", "OAUTHBEARER");
        props.put("listener.name.sasl_plaintext.oauthbearer.sasl.jaas.config", MODULE + " required;");
        props.put("listener.name.sasl_plaintext.oauthbearer.sasl.server.callback.handler.class",
                "org.apache.kafka.common.security.oauthbearer.OAuthBearerValidatorCallbackHandler");
        props.put("sasl.oauthbearer.jwks.endpoint.url", "http://127.0.0.1:" + BrokerProcess.freePort() + "/jwks"); // nobody listens
        props.put("sasl.oauthbearer.allow.unverified.audience", "true"); // Kafka 4.4's opt-outs of the aud/iss requirement
        props.put("sasl.oauthbearer.allow.unverified.issuer", "true");
        try (TestBroker b = TestBroker.start(own.resolve("data"), props); RawClient c = new RawClient(b.port())) {
            rawHandshake(c, 1);
            long now = System.currentTimeMillis() / 1000;
            String jwt = sign(signing.getPrivate(), "key-1", "{\"sub\":\"svc\",\"iat\":" + now + ",\"exp\":" + (now + 600) + "}");
            SaslAuthenticateResponse challenge = rawAuthenticate(c, 2, clientFirst(jwt));
            assertThat(new String(challenge.authBytes, StandardCharsets.UTF_8)).isEqualTo("{\"status\":\"invalid_token\"}");
            SaslAuthenticateResponse failed = rawAuthenticate(c, 3, new byte[]{1});
            assertThat(failed.errorCode).isEqualTo(Errors.SASL_AUTHENTICATION_FAILED.code());
            assertThat(failed.errorMessage).contains("no key set has been fetched");
        }
    }
}
