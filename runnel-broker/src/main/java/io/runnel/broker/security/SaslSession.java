package io.runnel.broker.security;

import io.runnel.common.Errors;
import io.runnel.protocol.ApiKeys;
import io.runnel.protocol.message.SaslAuthenticateResponse;
import io.runnel.protocol.message.SaslHandshakeResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.TimeUnit;

/**
 * The SASL state of one connection on a SASL_PLAINTEXT or SASL_SSL listener (after TLS), as Kafka sequences it: before authentication only
 * ApiVersions, SaslHandshake and SaslAuthenticate are served; any other request closes the connection. A failed
 * handshake or authentication is answered and then the connection is closed. After success the principal is
 * {@code User:<name>}.
 *
 * <p>SaslHandshake v0 (before KIP-152, still served by Kafka 4.4 and sent by kafka-python 2.0 and old Sarama): the SASL
 * tokens that follow travel in bare size-prefixed frames with no request header, and so do the answers
 * ({@link #awaitsRawToken()}, {@link #authenticateRaw}); a failure closes the connection without an answer, as Kafka
 * does. Re-authentication needs SaslAuthenticate v1, so a v0 session never expires.
 *
 * <p>Re-authentication (KIP-368): with {@code connections.max.reauth.ms} > 0 a session lasts that long
 * (SaslAuthenticate v1+ tells the client {@code session_lifetime_ms}); the client repeats SaslHandshake and
 * SaslAuthenticate on the same connection with the same mechanism and principal, other requests keep being served
 * meanwhile. A connection whose session expired is closed at its next request other than re-authentication. A
 * credential that expires (an OAUTHBEARER token) bounds the session too, also when {@code connections.max.reauth.ms}
 * is 0, as Kafka does.
 *
 * <p>Touched only on the connection's network thread.
 */
public final class SaslSession {
    private static final Logger log = LoggerFactory.getLogger(SaslSession.class);

    private enum State { HANDSHAKE, AUTHENTICATE, AUTHENTICATED }

    private final SaslAuthenticator auth;
    private State state = State.HANDSHAKE;
    private String mechanism;
    private SaslMechanismServer server;
    private String principal;
    private boolean reauthenticating;
    /** SaslHandshake v0: the exchange's tokens come in bare frames. */
    private boolean rawTokens;
    private long expiresAtNanos; // 0: never
    private String closeReason;

    SaslSession(SaslAuthenticator auth) {
        this.auth = auth;
    }

    /** {@code User:<name>} once authenticated, else null. */
    public String principal() {
        return principal;
    }

    /** Set when the last answer must be followed by closing the connection; the reason to log. */
    public String closeReason() {
        return closeReason;
    }

    /**
     * Why a request of {@code api} may not be served now (the connection is then closed), or null if it may.
     * {@code api} is null for an unknown api key.
     */
    public String refusal(ApiKeys api, long nowNanos) {
        boolean saslApi = api == ApiKeys.SASL_HANDSHAKE || api == ApiKeys.SASL_AUTHENTICATE;
        if (principal == null) {
            if (saslApi || api == ApiKeys.API_VERSIONS) return null;
            return (api == null ? "an unknown request" : api.displayName) + " request before SASL authentication on listener " + auth.listener();
        }
        if (!saslApi && expiresAtNanos != 0 && nowNanos - expiresAtNanos > 0) {
            return "SASL session of " + principal + " expired (connections.max.reauth.ms or the credential's lifetime) without re-authentication";
        }
        return null;
    }

    public SaslHandshakeResponse handshake(short version, String requested) {
        SaslHandshakeResponse resp = new SaslHandshakeResponse();
        resp.mechanisms.addAll(auth.mechanisms());
        boolean reauth = state == State.AUTHENTICATED && expiresAtNanos != 0;
        if (state != State.HANDSHAKE && !reauth) {
            return fail(resp, Errors.ILLEGAL_SASL_STATE, "unexpected SaslHandshake in state " + state);
        }
        if (reauth && version == 0) {
            return fail(resp, Errors.ILLEGAL_SASL_STATE, "re-authentication needs SaslHandshake v1, not v0");
        }
        if (!auth.mechanisms().contains(requested)) {
            return fail(resp, Errors.UNSUPPORTED_SASL_MECHANISM, "SASL mechanism '" + requested + "' is not enabled; enabled: " + auth.mechanisms());
        }
        if (reauth && !requested.equals(mechanism)) {
            return fail(resp, Errors.ILLEGAL_SASL_STATE, "re-authentication must use mechanism " + mechanism + ", not " + requested);
        }
        reauthenticating = reauth;
        mechanism = requested;
        server = auth.newServer(requested);
        if (!reauth) state = State.AUTHENTICATE;
        rawTokens = version == 0;
        resp.errorCode = Errors.NONE.code();
        return resp;
    }

    /** After a SaslHandshake v0: the connection's next frame is a bare SASL token, not a request. */
    public boolean awaitsRawToken() {
        return rawTokens && state == State.AUTHENTICATE;
    }

    /**
     * One bare SASL token after a SaslHandshake v0: the bare token to answer (empty when the mechanism has nothing to
     * say, as PLAIN), or null when authentication failed ({@link #closeReason()} says why; the connection is closed
     * without an answer, as Kafka closes it).
     */
    public byte[] authenticateRaw(byte[] token, long nowNanos) {
        SaslAuthenticateResponse resp = authenticate((short) 0, token, nowNanos);
        if (resp.errorCode != Errors.NONE.code()) return null;
        return resp.authBytes == null ? new byte[0] : resp.authBytes;
    }

    private SaslHandshakeResponse fail(SaslHandshakeResponse resp, Errors error, String reason) {
        resp.errorCode = error.code();
        closeReason = reason;
        return resp;
    }

    public SaslAuthenticateResponse authenticate(short version, byte[] token, long nowNanos) {
        SaslAuthenticateResponse resp = new SaslAuthenticateResponse();
        resp.errorMessage = null;
        if (server == null || (state != State.AUTHENTICATE && !reauthenticating)) {
            resp.errorCode = Errors.ILLEGAL_SASL_STATE.code();
            resp.errorMessage = "Unexpected SaslAuthenticate request: send SaslHandshake first";
            closeReason = "SaslAuthenticate without a SaslHandshake before it";
            return resp;
        }
        try {
            resp.authBytes = server.evaluate(token);
        } catch (SaslAuthenticationFailure e) {
            return authFailed(resp, e.getMessage());
        }
        if (!server.isComplete()) return resp;
        String newPrincipal = "User:" + server.user();
        if (reauthenticating && !newPrincipal.equals(principal)) {
            return authFailed(resp, "Cannot change principals during re-authentication from " + principal + " to " + newPrincipal);
        }
        log.debug("{} authenticated with {} on listener {}{}", newPrincipal, mechanism, auth.listener(), reauthenticating ? " (re-authentication)" : "");
        principal = newPrincipal;
        state = State.AUTHENTICATED;
        reauthenticating = false;
        long lifetimeMs = sessionLifetimeMs(auth.maxReauthMs(), server.credentialExpiresAtMs(), System.currentTimeMillis());
        server = null;
        if (lifetimeMs > 0) {
            expiresAtNanos = nowNanos + TimeUnit.MILLISECONDS.toNanos(lifetimeMs);
            if (expiresAtNanos == 0) expiresAtNanos = 1;
            if (version >= 1) resp.sessionLifetimeMs = lifetimeMs;
        } else {
            expiresAtNanos = 0;
        }
        return resp;
    }

    /**
     * KIP-368: the session lasts {@code connections.max.reauth.ms} (0: unbounded), but never beyond the credential's
     * expiry (an OAUTHBEARER token's exp), as Kafka; 0 = the session does not expire. A credential about to expire
     * still gets 1 ms, so that the client re-authenticates at once.
     */
    static long sessionLifetimeMs(long maxReauthMs, long credentialExpiresAtMs, long nowMs) {
        if (credentialExpiresAtMs <= 0) return Math.max(0, maxReauthMs);
        long remaining = Math.max(1, credentialExpiresAtMs - nowMs);
        return maxReauthMs > 0 ? Math.min(maxReauthMs, remaining) : remaining;
    }

    private SaslAuthenticateResponse authFailed(SaslAuthenticateResponse resp, String message) {
        resp.errorCode = Errors.SASL_AUTHENTICATION_FAILED.code();
        resp.errorMessage = message;
        resp.authBytes = new byte[0];
        closeReason = "SASL authentication failed on listener " + auth.listener() + " (" + mechanism + "): " + message;
        return resp;
    }
}
