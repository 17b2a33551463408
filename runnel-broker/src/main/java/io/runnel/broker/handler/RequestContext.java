package io.runnel.broker.handler;

import io.runnel.broker.security.SaslSession;
import io.runnel.protocol.ApiKeys;
import io.runnel.protocol.RequestHeader;

import java.net.SocketAddress;

/**
 * What a handler knows about a request besides its body: who sent it, on which listener, which version. {@code sasl}
 * is the connection's SASL state on a SASL listener, else null.
 */
public record RequestContext(RequestHeader header, ApiKeys api, SocketAddress clientAddress, String listenerName, long receivedNanos,
                             SaslSession sasl) {
    public RequestContext(RequestHeader header, ApiKeys api, SocketAddress clientAddress, String listenerName, long receivedNanos) {
        this(header, api, clientAddress, listenerName, receivedNanos, null);
    }

    /** The authenticated principal: {@code User:<name>} on a SASL listener, {@code User:ANONYMOUS} on PLAINTEXT. */
    public String principal() {
        return sasl == null || sasl.principal() == null ? "User:ANONYMOUS" : sasl.principal();
    }

    public short apiVersion() {
        return header.apiVersion();
    }

    public String clientId() {
        return header.clientId();
    }
}
