package io.runnel.broker.handler;

import io.runnel.protocol.ApiKeys;
import io.runnel.protocol.RequestHeader;

import java.net.SocketAddress;

/** What a handler knows about a request besides its body: who sent it, on which listener, which version. */
public record RequestContext(RequestHeader header, ApiKeys api, SocketAddress clientAddress, String listenerName, long receivedNanos) {
    public short apiVersion() {
        return header.apiVersion();
    }

    public String clientId() {
        return header.clientId();
    }
}
