package io.runnel.common.security;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Kafka's ssl.principal.mapping.rules: the rule forms of Kafka's documentation and what each gives. */
class SslPrincipalMapperTest {
    /** The example of Kafka's documentation (security, "Customizing SSL User Name"), as one list. */
    private static final String KAFKA_DOC_RULES = "RULE:^CN=(.*?),OU=ServiceUsers.*$/$1/,"
            + "RULE:^CN=(.*?),OU=(.*?),O=(.*?),L=(.*?),ST=(.*?),C=(.*?)$/$1@$2/L,"
            + "RULE:^.*[Cc][Nn]=([a-zA-Z0-9.]*).*$/$1/L,"
            + "DEFAULT";

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
            "CN=serviceuser,OU=ServiceUsers,O=Unknown,L=Unknown,ST=Unknown,C=Unknown|serviceuser",
            "CN=adminUser,OU=Admin,O=Unknown,L=Unknown,ST=Unknown,C=Unknown|adminuser@admin",
            "CN=Kafka.Client,O=Acme|kafka.client",
            "OU=NoCommonName,O=Acme|OU=NoCommonName,O=Acme",
    })
    void kafkasDocumentedExample(String dn, String expected) throws Exception {
        assertThat(SslPrincipalMapper.parse(KAFKA_DOC_RULES).map(dn)).isEqualTo(expected);
    }

    @Test
    void defaultKeepsTheName() throws Exception {
        assertThat(SslPrincipalMapper.parse("DEFAULT").map("CN=a,O=b")).isEqualTo("CN=a,O=b");
        assertThat(SslPrincipalMapper.parse(null).map("CN=a,O=b")).isEqualTo("CN=a,O=b");
    }

    @Test
    void upperCaseAndWhitespaceAndNewlinesBetweenRules() throws Exception {
        SslPrincipalMapper m = SslPrincipalMapper.parse("  RULE:^CN=([^,]+),.*$/$1/U ,\n DEFAULT ");
        assertThat(m.map("CN=writer,O=x")).isEqualTo("WRITER");
        assertThat(m.map("O=x")).isEqualTo("O=x");
    }

    @Test
    void thePatternMustMatchTheWholeName() {
        // CN=(\w+) matches the start of the name only: the rule does not apply, and with no other rule nothing does
        SslPrincipalMapper m = SslPrincipalMapper.parse("RULE:CN=(\\w+)/$1/");
        assertThatThrownBy(() -> m.map("CN=alice,O=Acme"))
                .isInstanceOf(SslPrincipalMapper.NoMatchingRuleException.class)
                .hasMessageContaining("CN=alice,O=Acme");
    }

    @Test
    void firstApplicableRuleWins() throws Exception {
        SslPrincipalMapper m = SslPrincipalMapper.parse("RULE:^CN=(.*),O=A$/a-$1/,RULE:^CN=(.*),O=.*$/any-$1/,DEFAULT");
        assertThat(m.map("CN=x,O=A")).isEqualTo("a-x");
        assertThat(m.map("CN=x,O=B")).isEqualTo("any-x");
    }

    @Test
    void anEscapedSlashBelongsToThePatternOrReplacement() throws Exception {
        SslPrincipalMapper m = SslPrincipalMapper.parse("RULE:^CN=(.*)\\/(.*)$/$1\\/$2/");
        assertThat(m.map("CN=a/b")).isEqualTo("a/b");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "NONSENSE", "RULE:^CN=(.*)$", "RULE:^CN=(.*)$/$1", "RULE:(/$1/", "DEFAULT DEFAULT",
            "RULE:^(.*)$/$1/X"})
    void malformedRulesAreRefused(String rules) {
        assertThatThrownBy(() -> SslPrincipalMapper.parse(rules)).isInstanceOf(IllegalArgumentException.class);
    }
}
