package io.runnel.broker.security;

/** A SASL exchange failed; the message is sent to the client with SASL_AUTHENTICATION_FAILED (never a secret). */
final class SaslAuthenticationFailure extends Exception {
    SaslAuthenticationFailure(String message) {
        super(message, null, false, false);
    }
}
