package io.runnel.config;

import io.runnel.common.ApiException;
import io.runnel.common.Errors;
import io.runnel.config.ConfigDef.Importance;
import io.runnel.config.ConfigDef.Range;
import io.runnel.config.ConfigDef.Type;
import io.runnel.config.ConfigDef.ValidList;
import io.runnel.config.ConfigDef.ValidString;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ConfigDefTest {
    private static ConfigDef sample() {
        return new ConfigDef()
                .define("b", Type.BOOLEAN, "false", Importance.LOW, "a boolean")
                .define("s", Type.STRING, "x", ValidString.in("x", "y"), Importance.LOW, "a string")
                .define("i", Type.INT, "5", Range.between(1, 10), Importance.HIGH, "an int")
                .define("sh", Type.SHORT, "3", Range.atLeast(1), Importance.LOW, "a short")
                .define("l", Type.LONG, null, Range.atLeast(-1), Importance.LOW, "a long without default")
                .define("d", Type.DOUBLE, "0.5", Range.between(0, 1), Importance.LOW, "a double")
                .define("list", Type.LIST, "a,b", ValidList.in("a", "b", "c"), Importance.LOW, "a list")
                .define("c", Type.CLASS, null, Importance.LOW, "a class")
                .define("p", Type.PASSWORD, null, Importance.LOW, "a password")
                .defineRequired("req", Type.STRING, null, Importance.HIGH, "required");
    }

    @Test
    void parsesEveryTypeAndFillsDefaults() {
        ConfigValues v = sample().parse(Map.of("req", " r ", "b", "TRUE", "l", " -1 ", "list", " c , a ",
                "c", "io.runnel.Foo$Bar", "p", "secret"));
        assertThat(v.getBoolean("b")).isTrue();
        assertThat(v.getString("s")).isEqualTo("x");
        assertThat(v.getInt("i")).isEqualTo(5);
        assertThat(v.getShort("sh")).isEqualTo((short) 3);
        assertThat(v.getLong("l")).isEqualTo(-1L);
        assertThat(v.getDouble("d")).isEqualTo(0.5);
        assertThat(v.getList("list")).containsExactly("c", "a");
        assertThat(v.getString("c")).isEqualTo("io.runnel.Foo$Bar");
        assertThat(v.getPassword("p").value()).isEqualTo("secret");
        assertThat(v.getString("req")).isEqualTo("r");
        assertThat(v.isSet("b")).isTrue();
        assertThat(v.isSet("i")).isFalse();
        assertThat(v.originals()).containsEntry("b", "TRUE").doesNotContainKey("i");
    }

    @Test
    void aSubsetKeepsTheDefinitionsOfItsKeysAndIgnoresTheRest() {
        ConfigDef part = sample().subset("i", "list");
        assertThat(part.names()).containsExactly("i", "list");
        assertThat(part.key("i")).isEqualTo(sample().key("i"));
        ConfigValues v = part.parse(Map.of("list", "c", "b", "not a boolean"), unknown -> { });
        assertThat(v.getInt("i")).isEqualTo(5);
        assertThat(v.getList("list")).containsExactly("c");
        assertThatThrownBy(() -> part.parse(Map.of("i", "11"))).hasMessageContaining("i");
        assertThatThrownBy(() -> sample().subset("nope")).hasMessageContaining("no configuration nope");
    }

    @Test
    void passwordsNeverPrint() {
        ConfigValues v = sample().parse(Map.of("req", "r", "p", "hunter2"));
        assertThat(v.toString()).doesNotContain("hunter2").contains(Password.HIDDEN);
        assertThat(v.getPassword("p").toString()).isEqualTo("[hidden]");
    }

    @Test
    void missingRequiredKeyFailsNamingIt() {
        assertThatThrownBy(() -> sample().parse(Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("req");
    }

    @Test
    void unknownKeysRejectedByDefaultOrHandedToCallback() {
        assertThatThrownBy(() -> sample().parse(Map.of("req", "r", "nope", "1")))
                .isInstanceOf(ConfigException.class)
                .hasMessage("Unknown configuration name: nope");
        List<String> seen = new ArrayList<>();
        ConfigValues v = sample().parse(Map.of("req", "r", "nope", "1"), seen::add);
        assertThat(seen).containsExactly("nope");
        assertThat(v.originals()).doesNotContainKey("nope");
    }

    @Test
    void invalidValuesReportKeyValueAndReason() {
        ConfigDef def = sample();
        assertInvalid(def, "i", "abc", "Invalid value abc for configuration i: Not a number of type INT");
        assertInvalid(def, "i", "11", "Invalid value 11 for configuration i: Value must be no more than 10");
        assertInvalid(def, "i", "0", "Invalid value 0 for configuration i: Value must be at least 1");
        assertInvalid(def, "b", "yes", "Invalid value yes for configuration b: Expected value to be either true or false");
        assertInvalid(def, "s", "z", "Invalid value z for configuration s: String must be one of: x, y");
        assertInvalid(def, "list", "a,z", "Invalid value a,z for configuration list: Item 'z' is not one of [a, b, c]");
        assertInvalid(def, "d", "NaN", "Invalid value NaN for configuration d: Not a number of type DOUBLE");
        assertInvalid(def, "sh", "40000", "Invalid value 40000 for configuration sh: Not a number of type SHORT");
        assertInvalid(def, "c", "1bad.Name", "Invalid value 1bad.Name for configuration c: Not a valid class name");
    }

    @Test
    void nullValueIsRejected() {
        Map<String, String> m = new HashMap<>();
        m.put("req", "r");
        m.put("i", null);
        assertThatThrownBy(() -> sample().parse(m)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("configuration i");
    }

    private static void assertInvalid(ConfigDef def, String key, String value, String message) {
        assertThatThrownBy(() -> def.parse(Map.of("req", "r", key, value)))
                .isInstanceOf(ApiException.class)
                .hasMessage(message)
                .satisfies(e -> {
                    assertThat(((ApiException) e).error()).isEqualTo(Errors.INVALID_CONFIG);
                    assertThat(((ConfigException) e).key()).isEqualTo(key);
                });
    }

    @Test
    void invalidDefaultIsAProgrammingError() {
        assertThatThrownBy(() -> new ConfigDef().define("x", Type.INT, "0", Range.atLeast(1), Importance.LOW, ""))
                .isInstanceOf(ConfigException.class);
        assertThatThrownBy(() -> new ConfigDef().define("x", Type.INT, "1", Importance.LOW, "")
                .define("x", Type.INT, "1", Importance.LOW, ""))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void anyOfAcceptsEitherAndDescribesBoth() {
        ConfigDef.Validator v = ConfigDef.anyOf(Range.between(1, 9), ConfigDef.exactly(-1));
        v.ensureValid("g", 5);
        v.ensureValid("g", -1);
        assertThatThrownBy(() -> v.ensureValid("g", 0)).isInstanceOf(ConfigException.class);
        assertThat(v.toString()).isEqualTo("[1,...,9] or -1");
        assertThat(Range.atLeast(0).toString()).isEqualTo("[0,...]");
    }

    @Test
    void keysCarrySynonymsAndDynamicFlag() {
        ConfigDef def = new ConfigDef().define("retention.ms", Type.LONG, "1", Importance.LOW, "")
                .define("other", Type.INT, "1", Importance.LOW, "")
                .synonyms("retention.ms", ConfigDef.Synonym.of("log.retention.ms"), ConfigDef.Synonym.hours("log.retention.hours"))
                .dynamic("retention.ms");
        assertThat(def.key("retention.ms").synonyms()).extracting(ConfigDef.Synonym::name)
                .containsExactly("log.retention.ms", "log.retention.hours");
        assertThat(def.key("retention.ms").synonyms().get(1).multiplier()).isEqualTo(3_600_000L);
        assertThat(def.key("retention.ms").dynamic()).isTrue();
        assertThat(def.key("other").dynamic()).isFalse();
    }

    @Property
    void intRoundTripsThroughText(@ForAll @IntRange(min = 1, max = 10) int i) {
        ConfigValues v = sample().parse(Map.of("req", "r", "i", Integer.toString(i)));
        assertThat(v.asStrings().get("i")).isEqualTo(Integer.toString(i));
        assertThat(v.getInt("i")).isEqualTo(i);
    }

    @Property
    void rangeAcceptsExactlyTheInterval(@ForAll int x) {
        Range r = Range.between(-5, 100);
        boolean accepted;
        try {
            r.ensureValid("k", x);
            accepted = true;
        } catch (ConfigException e) {
            accepted = false;
        }
        assertThat(accepted).isEqualTo(x >= -5 && x <= 100);
    }
}
