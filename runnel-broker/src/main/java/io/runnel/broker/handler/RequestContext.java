package io.runnel.broker.handler;

import io.runnel.protocol.ApiKeys;
import io.runnel.protocol.RequestHeader;

import java.net.SocketAddress;

/**
 * What a handler knows about a request besides its body: who sent it, on which listener, which version.
 * {@code principal} is the connection's authenticated identity in Kafka's form ({@code User:<name>}): on an SSL
 * listener with a client certificate its subject mapped by {@code ssl.principal.mapping.rules}, else
 * {@link #ANONYMOUS}. Nothing authorizes with it yet.
 */
public record RequestContext(RequestHeader header, ApiKeys api, SocketAddress clientAddress, String listenerName,
                             long receivedNanos, String principal) {
    /** Kafka's principal of an unauthenticated connection. */
    public static final String ANONYMOUS = "User:ANONYMOUS";

    public RequestContext(RequestHeader header, ApiKeys api, SocketAddress clientAddress, String listenerName, long receivedNanos) {
        this(header, api, clientAddress, listenerName, receivedNanos, ANONYMOUS);
    }

    public short apiVersion() {
        return header.apiVersion();
    }

    public String clientId() {
        return header.clientId();
    }
}
