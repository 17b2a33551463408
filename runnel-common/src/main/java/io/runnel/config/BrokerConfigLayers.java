package io.runnel.config;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The broker-level configuration in the layers Kafka distinguishes, highest precedence first: dynamic
 * configs for this broker, dynamic configs for all brokers (the cluster default), and the static
 * server.properties. Maps hold raw strings; absent keys are unset. Immutable copies.
 */
public record BrokerConfigLayers(Map<String, String> dynamicBroker, Map<String, String> dynamicDefault,
                                 Map<String, String> staticConfig) {
    public static final BrokerConfigLayers EMPTY = new BrokerConfigLayers(Map.of(), Map.of(), Map.of());

    public BrokerConfigLayers {
        dynamicBroker = copy(dynamicBroker);
        dynamicDefault = copy(dynamicDefault);
        staticConfig = copy(staticConfig);
    }

    /** Only a static server.properties, no dynamic configs. */
    public static BrokerConfigLayers ofStatic(Map<String, String> staticConfig) {
        return new BrokerConfigLayers(Map.of(), Map.of(), staticConfig);
    }

    private static Map<String, String> copy(Map<String, String> m) {
        Objects.requireNonNull(m);
        // Map.copyOf rejects null values; a null here would be an unset key anyway
        HashMap<String, String> h = new HashMap<>();
        m.forEach((k, v) -> {
            if (v != null) h.put(k, v);
        });
        return Map.copyOf(h);
    }

    /** The value of {@code key} and its source, looking through the layers in order; null when unset. */
    public ConfigEntry.Synonym lookup(String key) {
        String v = dynamicBroker.get(key);
        if (v != null) return new ConfigEntry.Synonym(key, v, ConfigSource.DYNAMIC_BROKER_CONFIG);
        v = dynamicDefault.get(key);
        if (v != null) return new ConfigEntry.Synonym(key, v, ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG);
        v = staticConfig.get(key);
        if (v != null) return new ConfigEntry.Synonym(key, v, ConfigSource.STATIC_BROKER_CONFIG);
        return null;
    }

    /** Every layer's value of {@code key}, highest precedence first. */
    public List<ConfigEntry.Synonym> all(String key) {
        List<ConfigEntry.Synonym> out = new ArrayList<>(3);
        String v = dynamicBroker.get(key);
        if (v != null) out.add(new ConfigEntry.Synonym(key, v, ConfigSource.DYNAMIC_BROKER_CONFIG));
        v = dynamicDefault.get(key);
        if (v != null) out.add(new ConfigEntry.Synonym(key, v, ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG));
        v = staticConfig.get(key);
        if (v != null) out.add(new ConfigEntry.Synonym(key, v, ConfigSource.STATIC_BROKER_CONFIG));
        return out;
    }
}
