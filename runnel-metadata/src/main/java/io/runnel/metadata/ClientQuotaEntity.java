package io.runnel.metadata;

import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The entity a client quota applies to (Kafka's ClientQuotaEntity): entity type ({@code user}, {@code client-id},
 * {@code ip}) to name, where a null name is the type's default entity ({@code <default>} in Kafka's tools). Valid
 * entities are {user}, {client-id}, {user, client-id} and {ip}; {@link #validate} says why another is refused.
 */
public final class ClientQuotaEntity {
    public static final String USER = "user";
    public static final String CLIENT_ID = "client-id";
    public static final String IP = "ip";

    private final SortedMap<String, String> entries;

    public ClientQuotaEntity(Map<String, String> entries) {
        this.entries = Collections.unmodifiableSortedMap(new TreeMap<>(entries)); // TreeMap: null names allowed
    }

    /** Entity type to name (null: the default entity). */
    public SortedMap<String, String> entries() {
        return entries;
    }

    /** Why Kafka refuses this entity (INVALID_REQUEST or UNSUPPORTED_VERSION for an unknown type), or null. */
    public ApiError validate() {
        if (entries.isEmpty()) return ApiError.of(io.runnel.common.Errors.INVALID_REQUEST, "Invalid empty client quota entity");
        for (Map.Entry<String, String> e : entries.entrySet()) {
            String type = e.getKey();
            if (!type.equals(USER) && !type.equals(CLIENT_ID) && !type.equals(IP)) {
                return ApiError.of(io.runnel.common.Errors.UNSUPPORTED_VERSION, "Unhandled client quota entity type: " + type);
            }
            if (e.getValue() != null && e.getValue().isEmpty()) {
                return ApiError.of(io.runnel.common.Errors.INVALID_REQUEST, "Empty " + type + " name (use null for the default entity)");
            }
        }
        if (entries.containsKey(IP)) {
            if (entries.size() > 1) {
                return ApiError.of(io.runnel.common.Errors.INVALID_REQUEST,
                        "Invalid quota entity combination, IP entity should not be combined with User or ClientId");
            }
            String ip = entries.get(IP);
            if (ip != null && !isIpAddress(ip)) {
                return ApiError.of(io.runnel.common.Errors.INVALID_REQUEST, ip + " is not a valid IP address");
            }
        }
        return null;
    }

    /** A literal IPv4 or IPv6 address (never resolves a host name). */
    static boolean isIpAddress(String s) {
        if (s.matches("\\d{1,3}(\\.\\d{1,3}){3}")) {
            for (String part : s.split("\\.")) if (Integer.parseInt(part) > 255) return false;
            return true;
        }
        if (s.indexOf(':') < 0 || !s.matches("[0-9a-fA-F:.]+")) return false;
        try {
            java.net.InetAddress.getByName(s); // a literal with ':' is parsed, not looked up
            return true;
        } catch (java.net.UnknownHostException e) {
            return false;
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ClientQuotaEntity e && entries.equals(e.entries);
    }

    @Override
    public int hashCode() {
        return Objects.hash(entries);
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder("ClientQuotaEntity(");
        entries.forEach((t, n) -> b.append(b.length() > 18 ? ", " : "").append(t).append('=').append(n == null ? "<default>" : n));
        return b.append(')').toString();
    }
}
