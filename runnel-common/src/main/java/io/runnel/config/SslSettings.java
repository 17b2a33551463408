package io.runnel.config;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code ssl.*} settings of one listener: each key's value from {@code listener.name.<lower-case name>.<key>}
 * when supplied, else from the plain key (Kafka's rule), parsed with the key's type. Remembers which key a value
 * came from, so an error names the key the operator wrote. Immutable.
 */
public final class SslSettings {
    private final String listenerName;
    private final Map<String, Object> values;
    private final Map<String, String> sources;

    SslSettings(String listenerName, Map<String, Object> values, Map<String, String> sources) {
        this.listenerName = listenerName;
        this.values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
        this.sources = Collections.unmodifiableMap(new LinkedHashMap<>(sources));
    }

    /** Settings of no listener, read from {@code props} as given (tests and clients); unknown keys ignored. */
    public static SslSettings of(Map<String, String> props) {
        Map<String, Object> values = new LinkedHashMap<>();
        Map<String, String> sources = new LinkedHashMap<>();
        for (ConfigDef.Key k : BrokerConfigs.definition().keys().values()) {
            if (!k.name().startsWith("ssl.")) continue;
            String raw = props.get(k.name());
            values.put(k.name(), raw == null ? k.defaultValue() : BrokerConfigs.definition().parseValue(k.name(), raw));
            sources.put(k.name(), k.name());
        }
        return new SslSettings(null, values, sources);
    }

    /** The listener these settings are for (upper case), or null. */
    public String listenerName() {
        return listenerName;
    }

    /** The key the value of {@code key} came from: {@code key} itself or its listener override. */
    public String source(String key) {
        String s = sources.get(key);
        if (s == null) throw new IllegalArgumentException("not an ssl key: " + key);
        return s;
    }

    public String string(String key) {
        Object v = get(key);
        return v == null ? null : v.toString();
    }

    /** The secret of a PASSWORD key, or null when unset. */
    public String password(String key) {
        Object v = get(key);
        return v == null ? null : ((Password) v).value();
    }

    @SuppressWarnings("unchecked")
    public List<String> list(String key) {
        Object v = get(key);
        return v == null ? List.of() : ((List<String>) v).stream().map(String::trim).filter(s -> !s.isEmpty()).toList();
    }

    private Object get(String key) {
        if (!sources.containsKey(key)) throw new IllegalArgumentException("not an ssl key: " + key);
        return values.get(key);
    }

    @Override
    public String toString() {
        return "SslSettings" + (listenerName == null ? "" : "(" + listenerName + ")") + values;
    }
}
