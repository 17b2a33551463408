package io.runnel.metadata;

import io.runnel.common.Uuid;

import java.util.List;
import java.util.Objects;

/**
 * A registered broker as the metadata image holds it. {@code epoch} is the metadata log offset of the
 * registration record, so it grows with every re-registration. {@code cleanShutdown} is set when this
 * incarnation completed a controlled shutdown: its next incarnation restarts cleanly (KIP-966; any other
 * re-registration is an unclean shutdown). Immutable.
 */
public record BrokerRegistration(int id, long epoch, Uuid incarnationId, List<Endpoint> endpoints, String rack,
                                 boolean fenced, boolean cleanShutdown) {
    public BrokerRegistration {
        Objects.requireNonNull(incarnationId, "incarnationId");
        endpoints = List.copyOf(endpoints);
    }

    /** A registration that has not completed a controlled shutdown. */
    public BrokerRegistration(int id, long epoch, Uuid incarnationId, List<Endpoint> endpoints, String rack, boolean fenced) {
        this(id, epoch, incarnationId, endpoints, rack, fenced, false);
    }

    /** One listener of a broker; {@code securityProtocol} is Kafka's id (0 PLAINTEXT, 1 SSL, 2 SASL_PLAINTEXT, 3 SASL_SSL). */
    public record Endpoint(String listener, String host, int port, short securityProtocol) {
        public Endpoint {
            Objects.requireNonNull(listener, "listener");
            Objects.requireNonNull(host, "host");
        }

        /** Kafka's id of a security protocol name; -1 when unknown. */
        public static short protocolId(String name) {
            return switch (name) {
                case "PLAINTEXT" -> 0;
                case "SSL" -> 1;
                case "SASL_PLAINTEXT" -> 2;
                case "SASL_SSL" -> 3;
                default -> -1;
            };
        }
    }

    /** Whether this registration carries the same incarnation, endpoints and rack as {@code other}. */
    public boolean sameAs(Uuid incarnation, List<Endpoint> eps, String r) {
        return incarnationId.equals(incarnation) && endpoints.equals(eps) && Objects.equals(rack, r);
    }
}
