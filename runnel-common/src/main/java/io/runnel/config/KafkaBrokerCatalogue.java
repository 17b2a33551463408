package io.runnel.config;

import io.runnel.config.ConfigDef.Importance;
import io.runnel.config.ConfigDef.Type;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Apache Kafka 4.4's broker configuration keys, as data: name, type, default, whether Kafka can change the key
 * at run time, importance, and whether Kafka lists it (internal keys it does not). Read once from the resource
 * {@code kafka-broker-configs.tsv} beside this class, whose header describes the columns; that file is checked
 * against Kafka's own definition by a test in runnel-it-kafka44.
 *
 * <p>Runnel's own definition ({@link BrokerConfigs#definition()}) is what Runnel implements; this catalogue is
 * what lets it answer a Kafka key it does not implement as such (described with Kafka's default, a dynamic
 * change refused as "not implemented", a server.properties entry warned about) instead of as unknown.
 * Immutable and thread-safe.
 */
public final class KafkaBrokerCatalogue {
    /** The resource, relative to this class. */
    static final String RESOURCE = "kafka-broker-configs.tsv";

    /**
     * One Kafka broker key.
     *
     * @param defaultValue the default as Kafka formats it; null when Kafka's default is null or there is none
     * @param hasDefault   false when Kafka requires a value (no default at all)
     * @param dynamic      whether Kafka can change the key at run time
     * @param internal     whether Kafka keeps the key out of DescribeConfigs
     */
    public record Key(String name, Type type, String defaultValue, boolean hasDefault, boolean dynamic,
                      Importance importance, boolean internal) {
    }

    private static final KafkaBrokerCatalogue INSTANCE = load();

    private final Map<String, Key> keys;

    private KafkaBrokerCatalogue(Map<String, Key> keys) {
        this.keys = Collections.unmodifiableMap(keys);
    }

    /** The catalogue of Apache Kafka 4.4.0. */
    public static KafkaBrokerCatalogue kafka44() {
        return INSTANCE;
    }

    /** Every key, by name in name order. */
    public Map<String, Key> keys() {
        return keys;
    }

    /** The key named {@code name}, or null when Kafka has no such broker key. */
    public Key key(String name) {
        return keys.get(name);
    }

    public boolean contains(String name) {
        return keys.containsKey(name);
    }

    public Collection<Key> all() {
        return keys.values();
    }

    private static KafkaBrokerCatalogue load() {
        try (InputStream in = KafkaBrokerCatalogue.class.getResourceAsStream(RESOURCE)) {
            if (in == null) throw new IllegalStateException("missing resource " + RESOURCE);
            return new KafkaBrokerCatalogue(parse(new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Parses the TSV layout described in the resource's header; a malformed line is an IllegalStateException. */
    static Map<String, Key> parse(BufferedReader r) throws IOException {
        Map<String, Key> out = new LinkedHashMap<>();
        String line;
        int n = 0;
        while ((line = r.readLine()) != null) {
            n++;
            if (line.isEmpty() || line.startsWith("#")) continue;
            String[] f = line.split("\t", -1);
            if (f.length != 6) throw new IllegalStateException(RESOURCE + " line " + n + ": expected 6 columns: " + line);
            String d = f[2];
            boolean hasDefault = !d.equals("\\?");
            String value = !hasDefault || d.equals("\\N") ? null : unescape(d);
            out.put(f[0], new Key(f[0], Type.valueOf(f[1]), value, hasDefault, f[3].equals("dynamic"),
                    Importance.valueOf(f[4]), f[5].equals("internal")));
        }
        return out;
    }

    private static String unescape(String s) {
        if (s.indexOf('\\') < 0) return s;
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 1 < s.length()) {
                char e = s.charAt(++i);
                b.append(e == 't' ? '\t' : e == 'n' ? '\n' : e);
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }
}
