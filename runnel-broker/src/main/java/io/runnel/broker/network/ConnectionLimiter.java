package io.runnel.broker.network;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.HashMap;
import java.util.Map;

/**
 * Counts open connections, in total and per client address, and refuses one that would exceed
 * max.connections, max.connections.per.ip or that address's max.connections.per.ip.overrides entry
 * (as Kafka does, the new connection is closed; existing ones are not touched). The limits can be
 * replaced at run time (dynamic broker configs); a lower limit applies to new connections only.
 *
 * <p>Thread-safe: acceptor and network threads call it concurrently; one lock, held for a map update.
 */
final class ConnectionLimiter {
    private static final Logger log = LoggerFactory.getLogger(ConnectionLimiter.class);

    private final Map<InetAddress, Integer> perAddress = new HashMap<>();
    private int total;
    private int maxConnections;
    private int maxPerIp;
    private Map<InetAddress, Integer> overrides = Map.of();
    private NetworkConfig.ConnectionLimits current;

    ConnectionLimiter(NetworkConfig.ConnectionLimits limits) {
        update(limits);
    }

    /**
     * Replaces the limits; host names in the overrides are resolved now, as Kafka does. Called for every
     * metadata image, so unchanged limits return at once (no name resolution).
     */
    synchronized void update(NetworkConfig.ConnectionLimits limits) {
        if (limits.equals(current)) return;
        current = limits;
        Map<InetAddress, Integer> resolved = new HashMap<>();
        for (Map.Entry<String, Integer> e : limits.perIpOverrides().entrySet()) {
            try {
                for (InetAddress a : InetAddress.getAllByName(e.getKey())) resolved.put(a, e.getValue());
            } catch (UnknownHostException ex) {
                log.warn("max.connections.per.ip.overrides: cannot resolve {}; its override is ignored", e.getKey());
            }
        }
        maxConnections = limits.maxConnections();
        maxPerIp = limits.maxPerIp();
        overrides = Map.copyOf(resolved);
    }

    /** Counts a new connection from {@code address}; false (nothing counted) if a limit would be exceeded. */
    synchronized boolean tryAcquire(InetAddress address) {
        int limit = overrides.getOrDefault(address, maxPerIp);
        int current = perAddress.getOrDefault(address, 0);
        if (total >= maxConnections) {
            log.info("Refusing a connection from {}: max.connections={} reached", address.getHostAddress(), maxConnections);
            return false;
        }
        if (current >= limit) {
            log.info("Refusing a connection from {}: it has {} connections, its limit is {} (max.connections.per.ip{})",
                    address.getHostAddress(), current, limit, overrides.containsKey(address) ? ".overrides" : "");
            return false;
        }
        perAddress.put(address, current + 1);
        total++;
        return true;
    }

    /** Forgets a connection counted by {@link #tryAcquire}. */
    synchronized void release(InetAddress address) {
        perAddress.computeIfPresent(address, (a, n) -> n <= 1 ? null : n - 1);
        total--;
    }

    synchronized int total() {
        return total;
    }
}
