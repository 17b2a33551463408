package io.runnel.config;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Refuses security settings Runnel cannot honour yet. Runnel serves PLAINTEXT and SSL listeners and authorizes
 * nothing; accepting a SASL listener, an authorizer, or SASL material would start a broker that serves without
 * the protection the operator believes it has. So each such setting fails the start with a
 * {@link ConfigException} naming the key, until the security work implements it (docs/security.md).
 *
 * <p>Refused when supplied: a listener whose protocol (through {@code listener.security.protocol.map}) is
 * SASL_PLAINTEXT or SASL_SSL; {@code security.inter.broker.protocol} other than PLAINTEXT; in a cluster, an SSL
 * listener that other nodes speak the Kafka protocol to (the controller listener, the inter-broker listener, or,
 * with {@code inter.broker.listener.name} unset, the first client listener, which followers, transaction markers
 * and transaction verification then use), since Runnel's own clients between nodes do not speak TLS yet (the
 * controller's liveness probe only opens a TCP connection, which an SSL listener accepts); a non-empty {@code authorizer.class.name}; {@code super.users}; {@code principal.builder.class}; any key
 * starting with {@code sasl.}, also under a {@code listener.name.<name>.} prefix (and a per-mechanism
 * {@code listener.name.<name>.<mechanism>.sasl.jaas.config}). {@code ssl.*} keys are accepted (SSL listeners).
 */
final class UnsupportedSecurityConfig {
    private static final String REASON = "Runnel does not implement SASL or authorization yet and will not "
            + "start with a security setting it would silently ignore; remove it";
    private static final String NO_INTER_NODE_TLS = "Runnel's connections between nodes (replication, transaction "
            + "markers, the metadata quorum) do not speak TLS yet; give them a PLAINTEXT listener "
            + "(inter.broker.listener.name, controller.listener.names) and keep SSL for clients";

    private UnsupportedSecurityConfig() {
    }

    /**
     * @param props every key as supplied (including unknown and {@code listener.name.} keys)
     * @param cfg   the parsed configuration
     * @throws ConfigException naming the first offending key
     */
    static void check(Map<String, String> props, BrokerConfigs cfg) {
        Map<String, String> protocols = cfg.listenerSecurityProtocolMap();
        boolean byMap = props.containsKey(BrokerConfigs.LISTENER_SECURITY_PROTOCOL_MAP);
        for (BrokerConfigs.Listener l : cfg.listeners()) {
            String protocol = protocols.get(l.name());
            if (protocol != null && protocol.startsWith("SASL")) {
                // the map decides a listener's protocol when the operator supplied it; else the listener's name does
                String key = byMap ? BrokerConfigs.LISTENER_SECURITY_PROTOCOL_MAP : BrokerConfigs.LISTENERS;
                throw ConfigException.invalidValue(key, byMap ? props.get(key) : l.toString(),
                        "listener " + l.name() + " uses security protocol " + protocol + ". " + REASON);
            }
        }
        if (cfg.clusterMode()) checkInterNode(props, cfg);
        for (Map.Entry<String, String> e : props.entrySet()) {
            String key = e.getKey();
            String value = e.getValue() == null ? "" : e.getValue().trim();
            if (key.equalsIgnoreCase("security.inter.broker.protocol") && value.equalsIgnoreCase("SSL")) {
                throw ConfigException.invalidValue(key, value, NO_INTER_NODE_TLS);
            }
            if (refused(key, value)) {
                String shown = key.contains("password") || key.contains("jaas") ? "[hidden]" : value;
                throw ConfigException.invalidValue(key, shown, REASON);
            }
        }
    }

    private static void checkInterNode(Map<String, String> props, BrokerConfigs cfg) {
        BrokerConfigs.Listener controller = cfg.controllerListener();
        if (controller != null && cfg.isSsl(controller.name())) {
            throw ConfigException.invalidValue(BrokerConfigs.CONTROLLER_LISTENER_NAMES, controller.name(),
                    "the controller listener " + controller.name() + " uses SSL. " + NO_INTER_NODE_TLS);
        }
        if (!cfg.isBroker()) return;
        String ibl = cfg.values().getString(BrokerConfigs.INTER_BROKER_LISTENER_NAME);
        if (ibl != null && cfg.isSsl(ibl)) {
            throw ConfigException.invalidValue(BrokerConfigs.INTER_BROKER_LISTENER_NAME, ibl,
                    "the inter-broker listener " + ibl.toUpperCase(Locale.ROOT) + " uses SSL. " + NO_INTER_NODE_TLS);
        }
        List<BrokerConfigs.Listener> clients = cfg.advertisedClientListeners();
        if (ibl == null && !clients.isEmpty() && cfg.isSsl(clients.get(0).name())) {
            BrokerConfigs.Listener first = clients.get(0);
            throw ConfigException.invalidValue(BrokerConfigs.INTER_BROKER_LISTENER_NAME, "(unset)",
                    "with it unset, the other brokers connect to the first client listener, " + first.name()
                            + ", which uses SSL. " + NO_INTER_NODE_TLS);
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
            return rest.startsWith("sasl.") || rest.endsWith(".sasl.jaas.config") || rest.equals("principal.builder.class");
        }
        return k.startsWith("sasl.");
    }
}
