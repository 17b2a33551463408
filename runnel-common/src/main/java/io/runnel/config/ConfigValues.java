package io.runnel.config;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The result of {@link ConfigDef#parse}: a typed value for every defined key (defaults filled in; null
 * where a key is unset and has a null default), plus the raw strings that were actually supplied.
 * Immutable and safe to share between threads.
 */
public final class ConfigValues {
    private final ConfigDef def;
    private final Map<String, Object> values;
    private final Map<String, String> originals;

    ConfigValues(ConfigDef def, Map<String, Object> values, Map<String, String> originals) {
        this.def = def;
        this.values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
        this.originals = Collections.unmodifiableMap(new LinkedHashMap<>(originals));
    }

    public ConfigDef definition() {
        return def;
    }

    /** The parsed value of {@code name}, or null. Throws IllegalArgumentException for an undefined key. */
    public Object get(String name) {
        if (!values.containsKey(name)) throw new IllegalArgumentException("no configuration " + name);
        return values.get(name);
    }

    public boolean getBoolean(String name) {
        return (Boolean) require(name);
    }

    public int getInt(String name) {
        return (Integer) require(name);
    }

    public short getShort(String name) {
        return (Short) require(name);
    }

    public long getLong(String name) {
        return (Long) require(name);
    }

    public double getDouble(String name) {
        return (Double) require(name);
    }

    /** A STRING or CLASS value; null when unset. */
    public String getString(String name) {
        return (String) get(name);
    }

    /** An INT value, or null when unset. */
    public Integer getIntOrNull(String name) {
        return (Integer) get(name);
    }

    /** A LONG value, or null when unset. */
    public Long getLongOrNull(String name) {
        return (Long) get(name);
    }

    /** A LIST value; null only when unset with a null default. */
    @SuppressWarnings("unchecked")
    public List<String> getList(String name) {
        return (List<String>) get(name);
    }

    public Password getPassword(String name) {
        return (Password) get(name);
    }

    private Object require(String name) {
        Object v = get(name);
        if (v == null) throw new IllegalStateException("configuration " + name + " has no value");
        return v;
    }

    /** Whether {@code name} was supplied (rather than defaulted). */
    public boolean isSet(String name) {
        return originals.containsKey(name);
    }

    /** The raw strings that were supplied for defined keys, in definition order. */
    public Map<String, String> originals() {
        return originals;
    }

    /** Every key's canonical text (null where unset); passwords are included in the clear. */
    public Map<String, String> asStrings() {
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : values.entrySet()) {
            out.put(e.getKey(), ConfigDef.format(def.key(e.getKey()).type(), e.getValue()));
        }
        return out;
    }

    /** Every key and value; passwords print as [hidden]. */
    @Override
    public String toString() {
        return values.toString();
    }
}
