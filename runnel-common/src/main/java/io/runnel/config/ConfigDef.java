package io.runnel.config;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;

/**
 * A typed definition of a set of configuration keys, and the parser that turns a map of raw strings
 * (from a properties file or from a CreateTopics / AlterConfigs request) into {@link ConfigValues}.
 *
 * <p>Each key has a name, a {@link Type}, a default (or none, which makes it required), a
 * {@link Validator}, an {@link Importance}, documentation, whether it may be changed at run time
 * ({@linkplain Key#dynamic() dynamic}), and, for topic-level keys, the broker-level keys that supply
 * its value when a topic has no override of its own ({@linkplain Key#synonyms() synonyms}, highest
 * precedence first).
 *
 * <p>Parsing trims every value, converts it to the key's type, applies the validator and fills in
 * defaults. Failures throw {@link ConfigException} (error code INVALID_CONFIG) with a message that
 * names the key.
 *
 * <p>Threads: a definition is built once (typically in a static initialiser) and is then only read;
 * reading is safe from any thread. {@link #define} must not race with reads.
 */
public final class ConfigDef {

    /** The value types Kafka's DescribeConfigs reports, with their wire ids (DescribeConfigs v3+). */
    public enum Type {
        BOOLEAN(1), STRING(2), INT(3), SHORT(4), LONG(5), DOUBLE(6), LIST(7), CLASS(8), PASSWORD(9);

        private final byte id;

        Type(int id) {
            this.id = (byte) id;
        }

        /** The ConfigType id of DescribeConfigs responses. */
        public byte id() {
            return id;
        }

        /** True for the types whose values are never shown (passwords). */
        public boolean isSensitive() {
            return this == PASSWORD;
        }
    }

    /** How much a user is expected to care about a key; informational only. */
    public enum Importance { HIGH, MEDIUM, LOW }

    /**
     * Checks a parsed value. Called only for non-null values. Throws {@link ConfigException} (use
     * {@link ConfigException#invalidValue}) when the value is not acceptable. {@link #toString()}
     * describes the accepted values for documentation, e.g. {@code [1,...]}.
     */
    @FunctionalInterface
    public interface Validator {
        void ensureValid(String name, Object value);
    }

    /**
     * A broker-level key that provides the value of a topic-level key. {@code multiplier} converts the
     * broker key's unit into the topic key's unit (e.g. 3,600,000 for {@code log.retention.hours} to
     * {@code retention.ms}); 1 means the same unit.
     */
    public record Synonym(String name, long multiplier) {
        public Synonym {
            Objects.requireNonNull(name, "name");
            if (multiplier < 1) throw new IllegalArgumentException("multiplier must be >= 1");
        }

        public static Synonym of(String name) {
            return new Synonym(name, 1);
        }

        public static Synonym hours(String name) {
            return new Synonym(name, 3_600_000L);
        }

        public static Synonym minutes(String name) {
            return new Synonym(name, 60_000L);
        }
    }

    /**
     * One configuration key. {@code defaultValue} is the parsed default (null when the default is
     * null); {@code defaultText} is its canonical text. {@code required} keys have neither.
     */
    public record Key(String name, Type type, boolean required, Object defaultValue, String defaultText,
                      Validator validator, Importance importance, String documentation,
                      List<Synonym> synonyms, boolean dynamic) {
        public Key {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(type, "type");
            Objects.requireNonNull(importance, "importance");
            documentation = documentation == null ? "" : documentation;
            synonyms = List.copyOf(synonyms);
        }

        public boolean sensitive() {
            return type.isSensitive();
        }

        /** Whether a value is used when the key is absent (a non-null default). */
        public boolean hasDefault() {
            return !required && defaultValue != null;
        }

        Key withSynonyms(List<Synonym> s) {
            return new Key(name, type, required, defaultValue, defaultText, validator, importance, documentation, s, dynamic);
        }

        Key withDynamic(boolean d) {
            return new Key(name, type, required, defaultValue, defaultText, validator, importance, documentation, synonyms, d);
        }
    }

    private final Map<String, Key> keys = new LinkedHashMap<>();

    /** Defines an optional key. {@code defaultText} null means the default value is null (absent). */
    public ConfigDef define(String name, Type type, String defaultText, Validator validator,
                            Importance importance, String documentation) {
        Object parsed = null;
        String canonical = null;
        if (defaultText != null) {
            parsed = parseValue(name, type, defaultText);
            if (validator != null) validator.ensureValid(name, parsed);
            canonical = format(type, parsed);
        }
        return add(new Key(name, type, false, parsed, canonical, validator, importance, documentation, List.of(), false));
    }

    /** Defines an optional key without validator. */
    public ConfigDef define(String name, Type type, String defaultText, Importance importance, String documentation) {
        return define(name, type, defaultText, null, importance, documentation);
    }

    /** Defines a key that must be supplied. */
    public ConfigDef defineRequired(String name, Type type, Validator validator, Importance importance, String documentation) {
        return add(new Key(name, type, true, null, null, validator, importance, documentation, List.of(), false));
    }

    /** Attaches broker-level synonyms (highest precedence first) to an already defined key. */
    public ConfigDef synonyms(String name, Synonym... synonyms) {
        Key k = key(name);
        keys.put(name, k.withSynonyms(List.of(synonyms)));
        return this;
    }

    /** Marks already defined keys as changeable at run time (not read-only in DescribeConfigs). */
    public ConfigDef dynamic(String... names) {
        for (String n : names) keys.put(n, key(n).withDynamic(true));
        return this;
    }

    /** Marks every key defined so far as dynamic. */
    public ConfigDef allDynamic() {
        keys.replaceAll((n, k) -> k.withDynamic(true));
        return this;
    }

    private ConfigDef add(Key key) {
        if (keys.putIfAbsent(key.name(), key) != null) {
            throw new IllegalArgumentException("configuration " + key.name() + " is defined twice");
        }
        return this;
    }

    /**
     * A definition of just the named keys, as this one defines them: for a part of the code that reads a few keys
     * of a larger configuration (the metadata quorum's of a broker's), without a second definition of them.
     */
    public ConfigDef subset(String... names) {
        ConfigDef d = new ConfigDef();
        for (String n : names) d.add(key(n));
        return d;
    }

    /** The key called {@code name}; throws IllegalArgumentException when there is none. */
    public Key key(String name) {
        Key k = keys.get(name);
        if (k == null) throw new IllegalArgumentException("no configuration " + name);
        return k;
    }

    public boolean contains(String name) {
        return keys.containsKey(name);
    }

    /** Every key in definition order. */
    public Map<String, Key> keys() {
        return Collections.unmodifiableMap(keys);
    }

    public Set<String> names() {
        return Collections.unmodifiableSet(keys.keySet());
    }

    /**
     * Parses {@code props}, rejecting unknown keys (as topic configs do) with
     * {@code Unknown configuration name: <key>}, and null values.
     */
    public ConfigValues parse(Map<String, String> props) {
        return parse(props, unknown -> {
            throw new ConfigException(unknown, "Unknown configuration name: " + unknown);
        });
    }

    /**
     * Parses {@code props}; each key that is not defined is handed to {@code onUnknown} (which may
     * throw, log, or collect it) and otherwise left out of the result.
     */
    public ConfigValues parse(Map<String, String> props, Consumer<String> onUnknown) {
        Map<String, Object> values = new LinkedHashMap<>();
        Map<String, String> originals = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : props.entrySet()) {
            if (!keys.containsKey(e.getKey())) onUnknown.accept(e.getKey());
        }
        for (Key k : keys.values()) {
            String raw = props.get(k.name());
            if (raw == null && props.containsKey(k.name())) {
                throw ConfigException.invalidValue(k.name(), null, "a null value is not supported");
            }
            Object value;
            if (raw != null) {
                value = parseAndValidate(k, raw);
                originals.put(k.name(), raw);
            } else if (k.required()) {
                throw new ConfigException(k.name(), "Missing required configuration \"" + k.name() + "\" which has no default value.");
            } else {
                value = k.defaultValue();
            }
            values.put(k.name(), value);
        }
        return new ConfigValues(this, values, originals);
    }

    /** Parses and validates one raw value of the key {@code name}. */
    public Object parseValue(String name, String raw) {
        return parseAndValidate(key(name), raw);
    }

    private static Object parseAndValidate(Key k, String raw) {
        Object v = parseValue(k.name(), k.type(), raw);
        if (v != null && k.validator() != null) k.validator().ensureValid(k.name(), v);
        return v;
    }

    /** Converts {@code raw} to {@code type}; the result is never null for a non-null input. */
    public static Object parseValue(String name, Type type, String raw) {
        if (raw == null) return null;
        String t = raw.trim();
        try {
            return switch (type) {
                case BOOLEAN -> {
                    if (t.equalsIgnoreCase("true")) yield Boolean.TRUE;
                    if (t.equalsIgnoreCase("false")) yield Boolean.FALSE;
                    throw ConfigException.invalidValue(name, raw, "Expected value to be either true or false");
                }
                case STRING -> t;
                case INT -> Integer.parseInt(t);
                case SHORT -> Short.parseShort(t);
                case LONG -> Long.parseLong(t);
                case DOUBLE -> {
                    double d = Double.parseDouble(t);
                    if (Double.isNaN(d)) throw new NumberFormatException("NaN");
                    yield d;
                }
                case LIST -> parseList(t);
                case CLASS -> {
                    if (!isClassName(t)) throw ConfigException.invalidValue(name, raw, "Not a valid class name");
                    yield t;
                }
                case PASSWORD -> new Password(t);
            };
        } catch (NumberFormatException e) {
            throw ConfigException.invalidValue(name, raw, "Not a number of type " + type);
        }
    }

    private static List<String> parseList(String t) {
        if (t.isEmpty()) return List.of();
        List<String> out = new ArrayList<>();
        for (String part : t.split(",", -1)) out.add(part.trim());
        return List.copyOf(out);
    }

    private static boolean isClassName(String t) {
        if (t.isEmpty()) return false;
        for (String part : t.split("[.$]", -1)) {
            if (part.isEmpty() || !Character.isJavaIdentifierStart(part.charAt(0))) return false;
            for (int i = 1; i < part.length(); i++) {
                if (!Character.isJavaIdentifierPart(part.charAt(i))) return false;
            }
        }
        return true;
    }

    /** The canonical text of a parsed value: lists comma-joined, passwords as the raw secret. */
    public static String format(Type type, Object value) {
        if (value == null) return null;
        return switch (type) {
            case LIST -> {
                @SuppressWarnings("unchecked")
                List<String> l = (List<String>) value;
                yield String.join(",", l);
            }
            case PASSWORD -> ((Password) value).value();
            default -> String.valueOf(value);
        };
    }

    // ---------------------------------------------------------------- validators

    /** A numeric range; either bound may be null (open). */
    public record Range(Number min, Number max) implements Validator {
        public static Range atLeast(Number min) {
            return new Range(min, null);
        }

        public static Range between(Number min, Number max) {
            return new Range(min, max);
        }

        @Override
        public void ensureValid(String name, Object value) {
            double d = ((Number) value).doubleValue();
            if (min != null && d < min.doubleValue()) {
                throw ConfigException.invalidValue(name, value, "Value must be at least " + min);
            }
            if (max != null && d > max.doubleValue()) {
                throw ConfigException.invalidValue(name, value, "Value must be no more than " + max);
            }
        }

        @Override
        public String toString() {
            if (max == null) return "[" + min + ",...]";
            if (min == null) return "[...," + max + "]";
            return "[" + min + ",...," + max + "]";
        }
    }

    /** A string that must be one of a fixed set (case-sensitive unless built with {@link #inIgnoreCase}). */
    public record ValidString(List<String> allowed, boolean ignoreCase) implements Validator {
        public static ValidString in(String... allowed) {
            return new ValidString(List.of(allowed), false);
        }

        public static ValidString inIgnoreCase(String... allowed) {
            return new ValidString(List.of(allowed), true);
        }

        @Override
        public void ensureValid(String name, Object value) {
            String s = (String) value;
            for (String a : allowed) {
                if (ignoreCase ? a.equalsIgnoreCase(s) : a.equals(s)) return;
            }
            throw ConfigException.invalidValue(name, value, "String must be one of: " + String.join(", ", allowed));
        }

        @Override
        public String toString() {
            return allowed.toString();
        }
    }

    /** A list whose every item must be one of a fixed set; optionally it must not be empty. */
    public record ValidList(List<String> allowed, boolean allowEmpty) implements Validator {
        public static ValidList in(String... allowed) {
            return new ValidList(List.of(allowed), true);
        }

        public static ValidList nonEmptyIn(String... allowed) {
            return new ValidList(List.of(allowed), false);
        }

        @Override
        public void ensureValid(String name, Object value) {
            @SuppressWarnings("unchecked")
            List<String> l = (List<String>) value;
            if (l.isEmpty() && !allowEmpty) throw ConfigException.invalidValue(name, "", "Empty list is not allowed");
            for (String item : l) {
                if (!allowed.contains(item)) {
                    throw ConfigException.invalidValue(name, String.join(",", l),
                            "Item '" + item + "' is not one of " + allowed);
                }
            }
        }

        @Override
        public String toString() {
            return allowed.toString();
        }
    }

    /** A validator built from a check and the text shown as valid values. */
    public static Validator custom(String description, Validator check) {
        return new Validator() {
            @Override
            public void ensureValid(String name, Object value) {
                check.ensureValid(name, value);
            }

            @Override
            public String toString() {
                return description;
            }
        };
    }

    /** Accepts a value that any of {@code validators} accepts; the message is the first one's. */
    public static Validator anyOf(Validator... validators) {
        List<Validator> vs = List.of(validators);
        return new Validator() {
            @Override
            public void ensureValid(String name, Object value) {
                ConfigException first = null;
                for (Validator v : vs) {
                    try {
                        v.ensureValid(name, value);
                        return;
                    } catch (ConfigException e) {
                        if (first == null) first = e;
                    }
                }
                throw first;
            }

            @Override
            public String toString() {
                StringBuilder sb = new StringBuilder();
                for (Validator v : vs) {
                    if (!sb.isEmpty()) sb.append(" or ");
                    sb.append(v);
                }
                return sb.toString();
            }
        };
    }

    /** Accepts only {@code expected} (compared with equals on the parsed value). */
    public static Validator exactly(Object expected) {
        return custom(String.valueOf(expected), (name, value) -> {
            if (!expected.equals(value)) throw ConfigException.invalidValue(name, value, "Value must be " + expected);
        });
    }

    /** A non-empty string after trimming. */
    public static Validator nonEmptyString() {
        return custom("non-empty string", (name, value) -> {
            if (((String) value).isEmpty()) throw ConfigException.invalidValue(name, "", "String must be non-empty");
        });
    }
}
