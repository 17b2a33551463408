package io.runnel.config;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Refuses security settings Runnel cannot honour yet. Runnel serves PLAINTEXT, SSL, SASL_PLAINTEXT and SASL_SSL
 * (PLAIN, SCRAM) listeners and authorizes with ACLs (Kafka's StandardAuthorizer); accepting another
 * authorizer, or other SASL material
 * would start a broker that serves without
 * the protection the operator believes it has. So each such setting fails the start with a
 * {@link ConfigException} naming the key, until the security work implements it (docs/security.md).
 *
 * <p>Refused when supplied: in a cluster, a SASL_PLAINTEXT or SASL_SSL controller listener, since the metadata quorum (Ratis over
 * gRPC) has no SASL (an SSL one is served: docs/security.md, "The controller listener"); a
 * {@code authorizer.class.name} other than empty or {@value #STANDARD_AUTHORIZER} (which switches on Runnel's
 * authorizer; {@code super.users} goes with it); {@code principal.builder.class}; any key starting
 * with {@code sasl.}, also under a {@code listener.name.<name>.} prefix, except the SASL keys
 * {@link SaslListenerConfig} reads: {@code sasl.enabled.mechanisms}, {@code sasl.mechanism.inter.broker.protocol},
 * and per listener {@code sasl.enabled.mechanisms} and {@code <plain|scram-sha-256|scram-sha-512|oauthbearer>.sasl.jaas.config},
 * and the OAUTHBEARER keys of {@link OAuthBearerConfig} (the server callback handler class, {@code sasl.oauthbearer.*}).
 * {@code ssl.*} keys are accepted (SSL and SASL_SSL listeners).
 */
final class UnsupportedSecurityConfig {
    private static final String REASON = "Runnel does not implement SASL mechanisms other than PLAIN, SCRAM and "
            + "OAUTHBEARER yet and will not start with a security setting it would silently ignore; remove it";
    /** The authorizer Apache Kafka's KRaft brokers name; it switches on Runnel's own (docs/security.md, Authorization). */
    static final String STANDARD_AUTHORIZER = "org.apache.kafka.metadata.authorizer.StandardAuthorizer";
    private static final String NO_QUORUM_SASL = "the metadata quorum (Apache Ratis over gRPC) has no SASL "
            + "authentication; use SSL with ssl.client.auth=required on it for authenticated controller connections";

    private UnsupportedSecurityConfig() {
    }

    /**
     * @param props every key as supplied (including unknown and {@code listener.name.} keys)
     * @param cfg   the parsed configuration
     * @throws ConfigException naming the first offending key
     */
    static void check(Map<String, String> props, BrokerConfigs cfg) {
        if (cfg.clusterMode()) checkInterNode(cfg);
        for (Map.Entry<String, String> e : props.entrySet()) {
            String key = e.getKey();
            String value = e.getValue() == null ? "" : e.getValue().trim();
            if (key.equalsIgnoreCase("authorizer.class.name") && !value.isEmpty() && !value.equals(STANDARD_AUTHORIZER)) {
                throw ConfigException.invalidValue(key, value, "Runnel's authorizer is switched on by " + STANDARD_AUTHORIZER
                        + " (Kafka's StandardAuthorizer semantics); no other authorizer class can be loaded");
            }
            if (refused(key, value)) {
                String shown = key.contains("password") || key.contains("jaas") ? "[hidden]" : value;
                throw ConfigException.invalidValue(key, shown, REASON);
            }
        }
    }

    private static void checkInterNode(BrokerConfigs cfg) {
        List<String> controllers = cfg.controllerListenerNames();
        if (controllers.isEmpty()) return;
        String name = controllers.get(0);
        String protocol = cfg.securityProtocol(name);
        if (cfg.isSasl(name)) {
            throw ConfigException.invalidValue(BrokerConfigs.LISTENER_SECURITY_PROTOCOL_MAP, name + ":" + protocol,
                    "the controller listener " + name + " must be PLAINTEXT or SSL: " + NO_QUORUM_SASL);
        }
    }

    private static boolean refused(String key, String value) {
        String k = key.toLowerCase(Locale.ROOT);
        switch (k) {
            case "principal.builder.class":
                return true;
            default:
                break;
        }
        if (k.startsWith("listener.name.")) {
            int dot = k.indexOf('.', "listener.name.".length());
            if (dot < 0) return false;
            String rest = k.substring(dot + 1);
            if (SaslListenerConfig.isListenerKey(rest)) return false;
            return rest.startsWith("sasl.") || rest.endsWith(".sasl.jaas.config") || rest.equals("principal.builder.class");
        }
        if (k.equals("sasl.enabled.mechanisms") || k.equals("sasl.mechanism.inter.broker.protocol")
                || k.equals(BrokerConfigs.SASL_SERVER_MAX_RECEIVE_SIZE)) return false;
        if (OAuthBearerConfig.KEYS.contains(k)) return false;
        return k.startsWith("sasl.");
    }
}
