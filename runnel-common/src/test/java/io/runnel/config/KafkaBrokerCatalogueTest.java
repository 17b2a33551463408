package io.runnel.config;

import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.StringReader;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class KafkaBrokerCatalogueTest {

    private static Map<String, KafkaBrokerCatalogue.Key> parse(String text) throws Exception {
        return KafkaBrokerCatalogue.parse(new BufferedReader(new StringReader(text)));
    }

    @Test
    void readsTheColumnsAndTheDefaultMarkers() throws Exception {
        Map<String, KafkaBrokerCatalogue.Key> keys = parse("""
                # a comment
                a.b\tLONG\t42\tdynamic\tHIGH\tpublic
                c\tSTRING\t\\N\tstatic\tLOW\tinternal
                d\tLIST\t\\?\tstatic\tMEDIUM\tpublic
                e\tSTRING\tx\\\\y\\tz\tstatic\tLOW\tpublic
                f\tSTRING\t\tstatic\tLOW\tpublic
                """);
        assertThat(keys.get("a.b")).isEqualTo(new KafkaBrokerCatalogue.Key("a.b", ConfigDef.Type.LONG, "42", true, true,
                ConfigDef.Importance.HIGH, false));
        assertThat(keys.get("c").defaultValue()).isNull();
        assertThat(keys.get("c").hasDefault()).isTrue();
        assertThat(keys.get("c").internal()).isTrue();
        assertThat(keys.get("d").hasDefault()).as("Kafka requires a value").isFalse();
        assertThat(keys.get("e").defaultValue()).isEqualTo("x\\y\tz");
        assertThat(keys.get("f").defaultValue()).as("an empty default is not null").isEmpty();
    }

    @Test
    void aMalformedLineNamesItself() {
        assertThatThrownBy(() -> parse("ok\tINT\t1\tstatic\tLOW\tpublic\nbroken\tINT\n"))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("line 2").hasMessageContaining("broken");
    }

    @Test
    void theShippedCatalogueLoads() {
        KafkaBrokerCatalogue k = KafkaBrokerCatalogue.kafka44();
        assertThat(k.key("log.retention.hours").defaultValue()).isEqualTo("168");
        assertThat(k.key("log.retention.ms").dynamic()).isTrue();
        assertThat(k.key("node.id").hasDefault()).isFalse();
        assertThat(k.contains("no.such.key")).isFalse();
    }
}
