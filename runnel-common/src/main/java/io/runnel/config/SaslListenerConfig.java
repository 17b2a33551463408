package io.runnel.config;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The SASL settings of one SASL_PLAINTEXT or SASL_SSL listener, read and checked at start-up with Kafka's keys:
 *
 * <ul>
 *   <li>{@code listener.name.<name>.sasl.enabled.mechanisms}, else {@code sasl.enabled.mechanisms} (Kafka's
 *       default GSSAPI): Runnel serves PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 and OAUTHBEARER; GSSAPI (Kerberos) or
 *       any other name refuses the start.</li>
 *   <li>PLAIN needs {@code listener.name.<name>.plain.sasl.jaas.config}: one
 *       {@code org.apache.kafka.common.security.plain.PlainLoginModule} entry whose {@code user_<name>="<password>"}
 *       options are the users (its {@code username}/{@code password} options are a client's and are ignored).</li>
 *   <li>SCRAM needs no JAAS text (credentials live in the metadata log); one given must name Kafka's
 *       {@code org.apache.kafka.common.security.scram.ScramLoginModule}.</li>
 *   <li>OAUTHBEARER: {@link OAuthBearerConfig}.</li>
 * </ul>
 *
 * In a cluster the controller listener must be PLAINTEXT or SSL (the metadata quorum has no SASL); the
 * inter-broker listener may be SASL, see {@link InterBrokerSasl}.
 *
 * @param listener   the listener name, upper case
 * @param mechanisms the enabled mechanisms, in configured order
 * @param plainUsers PLAIN user name to password (empty unless PLAIN is enabled)
 * @param oauth      the OAUTHBEARER settings, null unless OAUTHBEARER is enabled
 */
public record SaslListenerConfig(String listener, List<String> mechanisms, Map<String, String> plainUsers, OAuthBearerConfig oauth) {
    private static final Logger log = LoggerFactory.getLogger(SaslListenerConfig.class);

    public static final String PLAIN = "PLAIN";
    public static final String SCRAM_SHA_256 = "SCRAM-SHA-256";
    public static final String SCRAM_SHA_512 = "SCRAM-SHA-512";
    public static final String OAUTHBEARER = "OAUTHBEARER";
    public static final List<String> SUPPORTED = List.of(PLAIN, SCRAM_SHA_256, SCRAM_SHA_512, OAUTHBEARER);
    static final String ENABLED_MECHANISMS = "sasl.enabled.mechanisms";
    public static final String PLAIN_MODULE = "org.apache.kafka.common.security.plain.PlainLoginModule";
    public static final String SCRAM_MODULE = "org.apache.kafka.common.security.scram.ScramLoginModule";

    public SaslListenerConfig(String listener, List<String> mechanisms, Map<String, String> plainUsers) {
        this(listener, mechanisms, plainUsers, null);
    }

    @Override
    public String toString() { // never the passwords
        return "SaslListenerConfig[" + listener + ", mechanisms=" + mechanisms + ", plain users=" + plainUsers.keySet() + (oauth == null ? "" : ", " + oauth) + "]";
    }

    /** Whether {@code rest} (a key after {@code listener.name.<name>.}, lower case) is one this class reads. */
    static boolean isListenerKey(String rest) {
        return rest.equals(ENABLED_MECHANISMS) || rest.equals("plain.sasl.jaas.config")
                || rest.equals("scram-sha-256.sasl.jaas.config") || rest.equals("scram-sha-512.sasl.jaas.config")
                || OAuthBearerConfig.isListenerKey(rest);
    }

    /** The settings of every SASL_PLAINTEXT and SASL_SSL listener, by name; throws ConfigException naming the bad key. */
    static Map<String, SaslListenerConfig> parse(Map<String, String> props, BrokerConfigs cfg) {
        Map<String, String> lower = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : props.entrySet()) lower.put(e.getKey().toLowerCase(Locale.ROOT), e.getValue());
        Map<String, String> protocols = cfg.listenerSecurityProtocolMap();
        Map<String, SaslListenerConfig> out = new LinkedHashMap<>();
        for (BrokerConfigs.Listener l : cfg.listeners()) {
            String protocol = protocols.get(l.name());
            if (!"SASL_PLAINTEXT".equals(protocol) && !"SASL_SSL".equals(protocol)) continue;
            String prefix = "listener.name." + l.name().toLowerCase(Locale.ROOT) + ".";
            if (cfg.clusterMode()) checkNotController(cfg, l.name(), protocol);
            String mechKey = lower.containsKey(prefix + ENABLED_MECHANISMS) ? prefix + ENABLED_MECHANISMS : ENABLED_MECHANISMS;
            List<String> mechanisms = new ArrayList<>();
            for (String m : cfg.values().getList(ENABLED_MECHANISMS)) if (!m.isBlank()) mechanisms.add(m.trim());
            if (!mechKey.equals(ENABLED_MECHANISMS)) {
                mechanisms.clear();
                for (String m : lower.get(mechKey).split(",")) if (!m.isBlank()) mechanisms.add(m.trim());
            }
            String shown = String.join(",", mechanisms);
            if (mechanisms.isEmpty()) {
                throw ConfigException.invalidValue(mechKey, shown, "listener " + l.name() + " uses " + protocol + " but enables "
                        + "no SASL mechanism; enable one of " + SUPPORTED);
            }
            for (String m : mechanisms) {
                if (SUPPORTED.contains(m)) continue;
                String why = m.equals("GSSAPI") ? "GSSAPI (Kerberos) is not supported by Runnel (it is Kafka's default for "
                        + ENABLED_MECHANISMS + ")" : "SASL mechanism " + m + " is not supported by Runnel";
                throw ConfigException.invalidValue(mechKey, shown, why + "; listener " + l.name() + " may enable " + SUPPORTED);
            }
            Map<String, String> users = Map.of();
            if (mechanisms.contains(PLAIN)) {
                String key = prefix + "plain.sasl.jaas.config";
                String jaas = lower.get(key);
                if (jaas == null || jaas.isBlank()) {
                    throw new ConfigException(key, "listener " + l.name() + " enables PLAIN, which needs its users in " + key
                            + " (" + PLAIN_MODULE + " required user_<name>=\"<password>\";)");
                }
                users = plainUsers(key, JaasEntry.parse(key, jaas));
                if (users.isEmpty()) log.warn("{} has no user_<name> entries: nobody can authenticate with PLAIN on listener {}", key, l.name());
            }
            for (String scram : List.of(SCRAM_SHA_256, SCRAM_SHA_512)) {
                String key = prefix + scram.toLowerCase(Locale.ROOT) + ".sasl.jaas.config";
                String jaas = lower.get(key);
                if (jaas == null || jaas.isBlank()) continue;
                JaasEntry e = JaasEntry.parse(key, jaas);
                if (!e.loginModule().equals(SCRAM_MODULE)) {
                    throw new ConfigException(key, key + " must name " + SCRAM_MODULE + ", not " + e.loginModule());
                }
            }
            OAuthBearerConfig oauth = mechanisms.contains(OAUTHBEARER) ? OAuthBearerConfig.parse(lower, prefix, l.name()) : null;
            out.put(l.name(), new SaslListenerConfig(l.name(), List.copyOf(mechanisms), users, oauth));
        }
        return Map.copyOf(out);
    }

    private static void checkNotController(BrokerConfigs cfg, String listener, String protocol) {
        if (cfg.controllerListenerNames().contains(listener)) {
            throw ConfigException.invalidValue(BrokerConfigs.LISTENER_SECURITY_PROTOCOL_MAP, listener + ":" + protocol,
                    "the controller listener " + listener + " must be PLAINTEXT or SSL: the metadata quorum's connections "
                            + "(Apache Ratis over gRPC) have no SASL");
        }
    }

    /** The listener other brokers are reached on ({@link BrokerConfigs#interBrokerListenerName()}); null if none. */
    static String interBrokerListener(BrokerConfigs cfg) {
        return cfg.interBrokerListenerName();
    }

    /**
     * How a broker authenticates to other brokers (Kafka's rules): the mechanism is
     * {@code sasl.mechanism.inter.broker.protocol} (Kafka's default GSSAPI is refused), it must be enabled on the
     * inter-broker listener, and the broker's own user name and password are the {@code username}/{@code password}
     * options of that listener's JAAS entry for the mechanism,
     * {@code listener.name.<l>.<mechanism lower-case>.sasl.jaas.config}.
     *
     * @param listener  the inter-broker listener (upper case)
     * @param mechanism PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512
     */
    public record InterBrokerSasl(String listener, String mechanism, String username, String password) {
        @Override
        public String toString() { // never the password
            return "InterBrokerSasl[" + listener + ", " + mechanism + ", user " + username + "]";
        }
    }

    static final String INTER_BROKER_MECHANISM = "sasl.mechanism.inter.broker.protocol";

    /**
     * The inter-broker SASL settings when the cluster's inter-broker listener is SASL (null otherwise); an explicit
     * {@code sasl.mechanism.inter.broker.protocol} Runnel cannot speak is refused even when it would be unused.
     */
    static InterBrokerSasl interBroker(Map<String, String> props, BrokerConfigs cfg, Map<String, SaslListenerConfig> listeners) {
        String mechanism = cfg.values().getString(INTER_BROKER_MECHANISM);
        mechanism = mechanism == null ? "" : mechanism.trim();
        boolean supplied = props.keySet().stream().anyMatch(k -> k.equalsIgnoreCase(INTER_BROKER_MECHANISM));
        if (supplied && !SUPPORTED.contains(mechanism)) throw unsupportedInterBroker(mechanism);
        if (!cfg.clusterMode()) return null;
        String listener = interBrokerListener(cfg);
        SaslListenerConfig l = listener == null ? null : listeners.get(listener);
        if (l == null) return null;
        if (!SUPPORTED.contains(mechanism)) throw unsupportedInterBroker(mechanism);
        if (!l.mechanisms().contains(mechanism)) {
            throw ConfigException.invalidValue(INTER_BROKER_MECHANISM, mechanism, "the inter-broker listener " + listener
                    + " does not enable " + mechanism + " (it enables " + l.mechanisms() + ")");
        }
        String key = "listener.name." + listener.toLowerCase(Locale.ROOT) + "." + mechanism.toLowerCase(Locale.ROOT) + ".sasl.jaas.config";
        String jaas = null;
        for (Map.Entry<String, String> e : props.entrySet()) if (e.getKey().equalsIgnoreCase(key)) jaas = e.getValue();
        String why = "the inter-broker listener " + listener + " uses SASL with " + mechanism + ": the broker's own credentials are the "
                + "username and password options of " + key;
        if (jaas == null || jaas.isBlank()) throw new ConfigException(key, why + ", which is not set");
        JaasEntry e = JaasEntry.parse(key, jaas);
        String user = e.options().get("username");
        String password = e.options().get("password");
        if (user == null || user.isEmpty() || password == null) throw new ConfigException(key, why + ", which lacks them");
        if (mechanism.equals(PLAIN) && !password.equals(l.plainUsers().get(user))) {
            log.warn("{}: the broker user {} is not one of its user_<name> entries with that password; other brokers will refuse it",
                    key, user);
        }
        return new InterBrokerSasl(listener, mechanism, user, password);
    }

    private static ConfigException unsupportedInterBroker(String mechanism) {
        String why = mechanism.equals("GSSAPI") ? "GSSAPI (Kerberos) is not supported by Runnel (it is Kafka's default for "
                + INTER_BROKER_MECHANISM + ")" : "SASL mechanism " + mechanism + " is not supported by Runnel";
        return ConfigException.invalidValue(INTER_BROKER_MECHANISM, mechanism, why + "; use one of " + SUPPORTED);
    }

    private static Map<String, String> plainUsers(String key, JaasEntry e) {
        if (!e.loginModule().equals(PLAIN_MODULE)) {
            throw new ConfigException(key, key + " must name " + PLAIN_MODULE + ", not " + e.loginModule());
        }
        Map<String, String> users = new LinkedHashMap<>();
        for (Map.Entry<String, String> o : e.options().entrySet()) {
            if (!o.getKey().startsWith("user_")) continue;
            String user = o.getKey().substring("user_".length());
            if (user.isEmpty()) throw new ConfigException(key, key + " has a user_ entry without a user name");
            users.put(user, o.getValue());
        }
        return Map.copyOf(users);
    }

    /**
     * One JAAS login module entry as Kafka's {@code sasl.jaas.config} holds it:
     * {@code <module class> <required|requisite|sufficient|optional> [name=value ...];} where a value is a word or
     * a double-quoted string ({@code \"} and {@code \\} escapes). Exactly one entry, as Kafka requires.
     */
    public record JaasEntry(String loginModule, String flag, Map<String, String> options) {
        public static JaasEntry parse(String key, String text) {
            Tokens t = new Tokens(key, text);
            String module = t.word("a login module class name");
            String flag = t.word("a control flag (required, requisite, sufficient or optional)");
            if (!List.of("required", "requisite", "sufficient", "optional").contains(flag.toLowerCase(Locale.ROOT))) {
                throw t.error("expected a control flag (required, requisite, sufficient or optional) after " + module + " but got '" + flag + "'");
            }
            Map<String, String> options = new LinkedHashMap<>();
            while (true) {
                t.skipSpace();
                if (t.atEnd()) throw t.error("the entry must end with ';'");
                if (t.peek() == ';') {
                    t.pos++;
                    break;
                }
                String name = t.word("an option name");
                t.skipSpace();
                if (t.atEnd() || t.peek() != '=') throw t.error("expected '=' after option " + name);
                t.pos++;
                t.skipSpace();
                String value = !t.atEnd() && t.peek() == '"' ? t.quoted() : t.word("a value for option " + name);
                options.put(name, value);
            }
            t.skipSpace();
            if (!t.atEnd()) throw t.error("Kafka allows one login module entry only; text follows the first ';'");
            return new JaasEntry(module, flag, options);
        }
    }

    private static final class Tokens {
        final String key;
        final String s;
        int pos;

        Tokens(String key, String s) {
            this.key = key;
            this.s = s;
        }

        boolean atEnd() {
            return pos >= s.length();
        }

        char peek() {
            return s.charAt(pos);
        }

        void skipSpace() {
            while (!atEnd() && Character.isWhitespace(peek())) pos++;
        }

        String word(String what) {
            skipSpace();
            int start = pos;
            while (!atEnd() && !Character.isWhitespace(peek()) && peek() != '=' && peek() != ';' && peek() != '"') pos++;
            if (start == pos) throw error("expected " + what);
            return s.substring(start, pos);
        }

        String quoted() {
            pos++; // opening quote
            StringBuilder b = new StringBuilder();
            while (!atEnd()) {
                char c = s.charAt(pos++);
                if (c == '"') return b.toString();
                if (c == '\\' && !atEnd()) c = s.charAt(pos++);
                b.append(c);
            }
            throw error("a quoted value is not closed");
        }

        ConfigException error(String what) {
            // never the text itself: it holds passwords
            return new ConfigException(key, "Invalid JAAS configuration in " + key + " at character " + pos + ": " + what);
        }
    }
}
