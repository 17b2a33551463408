package io.runnel.broker.security;

/**
 * The server side of one SASL exchange with one mechanism: takes each client token, returns the next challenge,
 * until {@link #isComplete()}. Single-use, driven on the connection's network thread.
 */
interface SaslMechanismServer {
    /** @throws SaslAuthenticationFailure with the message the client is shown */
    byte[] evaluate(byte[] response) throws SaslAuthenticationFailure;

    boolean isComplete();

    /** The authenticated user name, once complete. */
    String user();

    /** When the credential expires (epoch ms; OAUTHBEARER: the token's exp), 0 when it does not. */
    default long credentialExpiresAtMs() {
        return 0;
    }
}
