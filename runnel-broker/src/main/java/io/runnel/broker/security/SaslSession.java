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
 * ApiVersions, SaslHandshake (v1; v0 with raw tokens is refused) and SaslAuthenticate are served; any other request
 * closes the connection. A failed handshake or authentication is answered and then the connection is closed. After
 * success the principal is {@code User:<name>}.
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
        if (version == 0) {
            return fail(resp, Errors.UNSUPPORTED_VERSION, "SaslHandshake v0 (raw SASL tokens) is not supported; use v1");
        }
        boolean reauth = state == State.AUTHENTICATED && expiresAtNanos != 0;
        if (state != State.HANDSHAKE && !reauth) {
            return fail(resp, Errors.ILLEGAL_SASL_STATE, "unexpected SaslHandshake in state " + state);
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
        resp.errorCode = Errors.NONE.code();
        return resp;
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
