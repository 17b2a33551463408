package io.runnel.broker.handler;

import io.runnel.broker.security.SaslSession;
import io.runnel.protocol.ApiKeys;
import io.runnel.protocol.RequestHeader;

import java.net.SocketAddress;

/**
 * What a handler knows about a request besides its body: who sent it, on which listener, which version.
 * {@code tlsPrincipal} is the identity the connection's TLS handshake gave ({@code User:<name>}: on an SSL listener
 * with a client certificate, its subject mapped by {@code ssl.principal.mapping.rules}), else {@link #ANONYMOUS};
 * {@code sasl} is the connection's SASL state on a SASL listener, else null. {@link #principal()} is the one to use.
 * Nothing authorizes with it yet.
 */
public record RequestContext(RequestHeader header, ApiKeys api, SocketAddress clientAddress, String listenerName,
                             long receivedNanos, String tlsPrincipal, SaslSession sasl) {
    /** Kafka's principal of an unauthenticated connection. */
    public static final String ANONYMOUS = "User:ANONYMOUS";

    public RequestContext(RequestHeader header, ApiKeys api, SocketAddress clientAddress, String listenerName, long receivedNanos) {
        this(header, api, clientAddress, listenerName, receivedNanos, ANONYMOUS, null);
    }

    /**
     * The connection's authenticated principal in Kafka's form: the SASL user once authenticated on a SASL
     * listener, else the TLS certificate's mapped subject, else {@code User:ANONYMOUS}.
     */
    public String principal() {
        if (sasl != null && sasl.principal() != null) return sasl.principal();
        return tlsPrincipal == null ? ANONYMOUS : tlsPrincipal;
    }

    public short apiVersion() {
        return header.apiVersion();
    }

    public String clientId() {
        return header.clientId();
    }
}
