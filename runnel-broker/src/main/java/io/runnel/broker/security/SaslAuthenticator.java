package io.runnel.broker.security;

import io.runnel.config.SaslListenerConfig;

import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The SASL side of one SASL_PLAINTEXT or SASL_SSL listener: its enabled mechanisms, PLAIN users (from the listener's
 * JAAS text), SCRAM credentials (looked up in the current metadata image at each authentication), the OAUTHBEARER token
 * validator (unsecured, or JWKS with its fetching thread, stopped by {@link #close()}) and
 * {@code connections.max.reauth.ms}. Makes one {@link SaslSession} per connection. Thread-safe.
 */
public final class SaslAuthenticator implements AutoCloseable {
    private final SaslListenerConfig config;
    private final ScramServer.Credentials scram;
    private final long maxReauthMs;
    private final OAuthBearerToken.Validator oauth; // null unless OAUTHBEARER is enabled
    private final int maxReceiveBytes;

    /** Kafka's default of {@code sasl.server.max.receive.size}. */
    public static final int DEFAULT_MAX_RECEIVE_BYTES = 524288;

    public SaslAuthenticator(SaslListenerConfig config, ScramLookup scram, long maxReauthMs) {
        this(config, scram, maxReauthMs, DEFAULT_MAX_RECEIVE_BYTES);
    }

    /**
     * @param scram           the SCRAM credential of a user for a mechanism, or null: read at each authentication
     * @param maxReauthMs     connections.max.reauth.ms (0: sessions do not expire)
     * @param maxReceiveBytes sasl.server.max.receive.size: the largest request accepted before authentication
     */
    public SaslAuthenticator(SaslListenerConfig config, ScramLookup scram, long maxReauthMs, int maxReceiveBytes) {
        this.config = config;
        this.maxReceiveBytes = maxReceiveBytes;
        this.scram = (user, mechanism) -> {
            ScramLookup.Stored s = scram.get(user, mechanism);
            return s == null ? null : new ScramServer.Credential(s.salt(), s.storedKey(), s.serverKey(), s.iterations());
        };
        this.maxReauthMs = maxReauthMs;
        this.oauth = config.oauth() == null ? null : config.oauth().jwks()
                ? OAuthBearerJwksValidator.start(config.oauth(), config.listener())
                : new OAuthBearerUnsecuredValidator(config.oauth(), System::currentTimeMillis);
    }

    /** Stops the JWKS fetching thread, if any. */
    @Override
    public void close() {
        if (oauth instanceof AutoCloseable c) {
            try {
                c.close();
            } catch (Exception ignored) {
                // nothing to release beyond the thread
            }
        }
    }

    /** Where SCRAM credentials come from (the metadata image). */
    @FunctionalInterface
    public interface ScramLookup {
        record Stored(byte[] salt, byte[] storedKey, byte[] serverKey, int iterations) {
        }

        Stored get(String user, String mechanism);
    }

    public String listener() {
        return config.listener();
    }

    /** sasl.server.max.receive.size: a larger request before authentication closes the connection. */
    public int maxReceiveBytes() {
        return maxReceiveBytes;
    }

    public List<String> mechanisms() {
        return config.mechanisms();
    }

    long maxReauthNanos() {
        return TimeUnit.MILLISECONDS.toNanos(maxReauthMs);
    }

    long maxReauthMs() {
        return maxReauthMs;
    }

    SaslMechanismServer newServer(String mechanism) {
        return switch (mechanism) {
            case SaslListenerConfig.PLAIN -> new PlainServer(config.plainUsers());
            case SaslListenerConfig.SCRAM_SHA_256, SaslListenerConfig.SCRAM_SHA_512 -> new ScramServer(mechanism, scram);
            case SaslListenerConfig.OAUTHBEARER -> new OAuthBearerServer(oauth);
            default -> throw new IllegalArgumentException(mechanism);
        };
    }

    public SaslSession newSession() {
        return new SaslSession(this);
    }
}
