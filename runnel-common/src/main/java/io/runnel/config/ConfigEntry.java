package io.runnel.config;

import java.util.List;

/**
 * One configuration as DescribeConfigs reports it: its effective value (null when sensitive or
 * unset), where that value comes from, whether it can be changed at run time, whether it is
 * sensitive, its type and documentation, and its synonyms in precedence order (the first synonym is
 * the one that supplied the value).
 */
public record ConfigEntry(String name, String value, ConfigSource source, boolean readOnly, boolean sensitive,
                          ConfigDef.Type type, String documentation, List<Synonym> synonyms) {
    public ConfigEntry {
        synonyms = List.copyOf(synonyms);
    }

    /** A key and value that could supply a configuration, and its source. Value null when sensitive. */
    public record Synonym(String name, String value, ConfigSource source) {
    }
}
