package io.runnel.config;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Refuses security settings Runnel cannot honour yet. Runnel serves PLAINTEXT listeners only and
 * authorizes nothing; accepting an SSL or SASL listener, an authorizer, or TLS/SASL material would
 * start a broker that serves plaintext to anyone while the operator believes it is protected. So each
 * such setting fails the start with a {@link ConfigException} naming the key, until the security work
 * implements it.
 *
 * <p>Refused when supplied: a listener whose protocol (through {@code listener.security.protocol.map})
 * is neither PLAINTEXT nor SASL_PLAINTEXT (SASL_SSL waits for TLS); {@code security.inter.broker.protocol}
 * other than PLAINTEXT; a non-empty {@code authorizer.class.name}; {@code super.users};
 * {@code principal.builder.class}; any key starting with {@code ssl.} or {@code sasl.}, also under a
 * {@code listener.name.<name>.} prefix, except the SASL keys {@link SaslListenerConfig} reads:
 * {@code sasl.enabled.mechanisms}, {@code sasl.mechanism.inter.broker.protocol}, and per listener
 * {@code sasl.enabled.mechanisms} and {@code <plain|scram-sha-256|scram-sha-512>.sasl.jaas.config}.
 */
final class UnsupportedSecurityConfig {
    private static final String REASON = "Runnel does not implement TLS, SASL (other than PLAIN and SCRAM on "
            + "SASL_PLAINTEXT listeners) or authorization yet and will not "
            + "start with a security setting it would silently ignore; remove it to serve PLAINTEXT only";

    private UnsupportedSecurityConfig() {
    }

    /**
     * @param props    every key as supplied (including unknown and {@code listener.name.} keys)
     * @param listeners the parsed listeners
     * @param protocols listener name (upper case) to security protocol (upper case)
     * @throws ConfigException naming the first offending key
     */
    static void check(Map<String, String> props, List<BrokerConfigs.Listener> listeners, Map<String, String> protocols) {
        for (BrokerConfigs.Listener l : listeners) {
            String protocol = protocols.get(l.name());
            if (protocol != null && !protocol.equals("PLAINTEXT") && !protocol.equals("SASL_PLAINTEXT")) {
                // the map decides a listener's protocol when the operator supplied it; else the listener's name does
                boolean byMap = props.containsKey(BrokerConfigs.LISTENER_SECURITY_PROTOCOL_MAP);
                String key = byMap ? BrokerConfigs.LISTENER_SECURITY_PROTOCOL_MAP : BrokerConfigs.LISTENERS;
                throw ConfigException.invalidValue(key, byMap ? props.get(key) : l.toString(),
                        "listener " + l.name() + " uses security protocol " + protocol + ". " + REASON);
            }
        }
        for (Map.Entry<String, String> e : props.entrySet()) {
            String key = e.getKey();
            String value = e.getValue() == null ? "" : e.getValue().trim();
            if (refused(key, value)) {
                String shown = key.contains("password") || key.contains("jaas") ? "[hidden]" : value;
                throw ConfigException.invalidValue(key, shown, REASON);
            }
        }
    }

    private static boolean refused(String key, String value) {
        String k = key.toLowerCase(Locale.ROOT);
        switch (k) {
            case "security.inter.broker.protocol":
                return !value.equalsIgnoreCase("PLAINTEXT");
            case "authorizer.class.name":
                return !value.isEmpty();
            case "super.users", "principal.builder.class":
                return true;
            default:
                break;
        }
        if (k.startsWith("listener.name.")) {
            int dot = k.indexOf('.', "listener.name.".length());
            if (dot < 0) return false;
            String rest = k.substring(dot + 1);
            if (SaslListenerConfig.isListenerKey(rest)) return false;
            return rest.startsWith("ssl.") || rest.startsWith("sasl.") || rest.endsWith(".sasl.jaas.config")
                    || rest.equals("principal.builder.class");
        }
        if (k.equals("sasl.enabled.mechanisms") || k.equals("sasl.mechanism.inter.broker.protocol")) return false;
        return k.startsWith("ssl.") || k.startsWith("sasl.");
    }
}
