package io.runnel.broker.handler;

import io.runnel.broker.security.Authorization;
import io.runnel.broker.security.SaslSession;
import io.runnel.metadata.AclBinding;
import io.runnel.protocol.ApiKeys;
import io.runnel.protocol.RequestHeader;

import java.net.SocketAddress;

/**
 * What a handler knows about a request besides its body: who sent it, on which listener, which version.
 * {@code tlsPrincipal} is the identity the connection's TLS handshake gave ({@code User:<name>}: on an SSL listener
 * with a client certificate, its subject mapped by {@code ssl.principal.mapping.rules}), else {@link #ANONYMOUS};
 * {@code sasl} is the connection's SASL state on a SASL listener, else null. {@link #principal()} is the one to use.
 * {@code authorization} is the broker's authorizer ({@link Authorization#DISABLED} without one): handlers check
 * with {@link #authorize} and {@link #authorizedOperations}.
 */
public record RequestContext(RequestHeader header, ApiKeys api, SocketAddress clientAddress, String listenerName,
                             long receivedNanos, String tlsPrincipal, SaslSession sasl, Authorization authorization) {
    /** Kafka's principal of an unauthenticated connection. */
    public static final String ANONYMOUS = "User:ANONYMOUS";

    public RequestContext(RequestHeader header, ApiKeys api, SocketAddress clientAddress, String listenerName, long receivedNanos) {
        this(header, api, clientAddress, listenerName, receivedNanos, ANONYMOUS, null);
    }

    public RequestContext(RequestHeader header, ApiKeys api, SocketAddress clientAddress, String listenerName,
                          long receivedNanos, String tlsPrincipal, SaslSession sasl) {
        this(header, api, clientAddress, listenerName, receivedNanos, tlsPrincipal, sasl, Authorization.DISABLED);
    }

    public RequestContext {
        if (authorization == null) authorization = Authorization.DISABLED;
    }

    /** The client's IP address as ACL hosts name it ("" when unknown). */
    public String clientHost() {
        if (clientAddress instanceof java.net.InetSocketAddress a && a.getAddress() != null) return a.getAddress().getHostAddress();
        return "";
    }

    /** Whether an authorizer is configured. */
    public boolean authorizationEnabled() {
        return authorization.enabled();
    }

    /** Whether this request's principal may do {@code operation} (Kafka's AclOperation code) on the resource. */
    public boolean authorize(byte operation, byte resourceType, String name) {
        boolean allowed = authorization.authorize(principal(), clientHost(), operation, resourceType, name);
        if (authorization.enabled()) {
            authorization.audit(principal(), clientHost(), listenerName, api == null ? null : api.name(), operation, resourceType, name, allowed);
        }
        return allowed;
    }

    /**
     * As {@link #authorize} without an audit line: for filtering what a client is shown (Metadata of all topics,
     * ListGroups, authorized-operation sets), where Kafka does not log denials either.
     */
    public boolean authorizeQuietly(byte operation, byte resourceType, String name) {
        return authorization.authorize(principal(), clientHost(), operation, resourceType, name);
    }

    /** Whether this request's principal may do {@code operation} on the cluster. */
    public boolean authorizeCluster(byte operation) {
        return authorize(operation, AclBinding.RESOURCE_CLUSTER, AclBinding.CLUSTER_NAME);
    }

    /**
     * The {@code authorizedOperations} bit set of a resource for this principal: of the operations in
     * {@code candidates} (one bit per AclOperation code, {@link AuthorizedOperations}), those it may do.
     */
    public int authorizedOperations(byte resourceType, String name, int candidates) {
        if (!authorization.enabled()) return candidates;
        int out = 0;
        for (byte op = 0; op < 31; op++) {
            if ((candidates & (1 << op)) != 0 && authorizeQuietly(op, resourceType, name)) out |= 1 << op;
        }
        return out;
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
