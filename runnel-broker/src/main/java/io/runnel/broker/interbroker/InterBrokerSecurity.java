package io.runnel.broker.interbroker;

import io.runnel.common.security.SslFactory;
import io.runnel.config.SaslListenerConfig;

/**
 * How this broker's {@link InterBrokerChannel}s reach other brokers' inter-broker listener: TLS (client mode) when
 * the listener is SSL or SASL_SSL, then SASL (SaslHandshake v1 + SaslAuthenticate) when it is SASL_PLAINTEXT or
 * SASL_SSL. Either part may be null; {@link #of} gives null when both are (PLAINTEXT).
 *
 * @param tls  the client-side TLS factory, or null
 * @param sasl the broker's mechanism and credentials, or null
 */
public record InterBrokerSecurity(SslFactory tls, SaslListenerConfig.InterBrokerSasl sasl) {

    /** The security of an inter-broker listener, or null when it is PLAINTEXT. */
    public static InterBrokerSecurity of(SslFactory tls, SaslListenerConfig.InterBrokerSasl sasl) {
        return tls == null && sasl == null ? null : new InterBrokerSecurity(tls, sasl);
    }

    /** TLS only (an SSL inter-broker listener; tests). */
    public static InterBrokerSecurity tls(SslFactory tls) {
        return of(tls, null);
    }
}
