package io.runnel.broker.network;

import io.runnel.config.BrokerConfigs;

import java.util.Map;

/**
 * The settings of the network layer, read once from the broker configuration.
 *
 * @param maxRequestBytes        socket.request.max.bytes: a larger request frame closes the connection
 * @param queuedMaxRequests      queued.max.requests: requests one connection may have in flight (read but
 *                               not yet answered) before the broker stops reading from it
 * @param maxUnsentResponseBytes response bytes one connection may have waiting to be sent before the broker
 *                               stops reading from it ({@link #MAX_UNSENT_RESPONSE_BYTES}); reading resumes
 *                               below half of it
 * @param connectionsMaxIdleMs   connections.max.idle.ms: a connection with nothing in flight that neither
 *                               reads nor writes for this long is closed; -1 never
 * @param limits                 max.connections, max.connections.per.ip and its overrides
 * @param sendBufferBytes        socket.send.buffer.bytes (SO_SNDBUF); -1 keeps the OS default
 * @param receiveBufferBytes     socket.receive.buffer.bytes (SO_RCVBUF); -1 keeps the OS default
 * @param listenBacklog          socket.listen.backlog.size (the accept queue of each listener)
 */
public record NetworkConfig(int maxRequestBytes, int queuedMaxRequests, int maxUnsentResponseBytes,
                            long connectionsMaxIdleMs, ConnectionLimits limits, int sendBufferBytes,
                            int receiveBufferBytes, int listenBacklog) {
    /**
     * Runnel's bound on unsent response bytes per connection (Kafka has no key for it: it mutes a
     * connection while one response is being sent). A response larger than this is still sent whole;
     * the connection just reads nothing more until the client has taken most of it.
     */
    public static final int MAX_UNSENT_RESPONSE_BYTES = 4 * 1024 * 1024;

    /** The connection limits: max.connections, max.connections.per.ip, max.connections.per.ip.overrides. */
    public record ConnectionLimits(int maxConnections, int maxPerIp, Map<String, Integer> perIpOverrides) {
        public ConnectionLimits {
            perIpOverrides = Map.copyOf(perIpOverrides);
        }

        /** Reads the three keys through {@code value} (key to its effective text, null when unset). */
        public static ConnectionLimits from(java.util.function.Function<String, Object> value) {
            return new ConnectionLimits(((Number) value.apply(BrokerConfigs.MAX_CONNECTIONS)).intValue(),
                    ((Number) value.apply(BrokerConfigs.MAX_CONNECTIONS_PER_IP)).intValue(),
                    BrokerConfigs.parseConnectionOverrides((String) value.apply(BrokerConfigs.MAX_CONNECTIONS_PER_IP_OVERRIDES)));
        }
    }

    public static NetworkConfig from(BrokerConfigs cfg) {
        var v = cfg.values();
        return new NetworkConfig(v.getInt(BrokerConfigs.SOCKET_REQUEST_MAX_BYTES), v.getInt(BrokerConfigs.QUEUED_MAX_REQUESTS),
                MAX_UNSENT_RESPONSE_BYTES, v.getLong(BrokerConfigs.CONNECTIONS_MAX_IDLE_MS),
                ConnectionLimits.from(v::get), v.getInt(BrokerConfigs.SOCKET_SEND_BUFFER_BYTES),
                v.getInt(BrokerConfigs.SOCKET_RECEIVE_BUFFER_BYTES), v.getInt(BrokerConfigs.SOCKET_LISTEN_BACKLOG_SIZE));
    }
}
