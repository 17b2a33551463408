package io.runnel.config;

import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SaslListenerConfigTest {
    private static final String JAAS = "org.apache.kafka.common.security.plain.PlainLoginModule required\n"
            + "  username=\"admin\" password=\"admin-secret\"\n  user_admin=\"admin-secret\" user_alice=\"a \\\"b\\\" c\" user_bob=plain;";

    private static Map<String, String> saslListener() {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("listeners", "PLAINTEXT://127.0.0.1:9092,SASL_PLAINTEXT://127.0.0.1:9093");
        return p;
    }

    @Test
    void plainUsersComeFromTheListenersJaasText() {
        Map<String, String> p = saslListener();
        p.put("sasl.enabled.mechanisms", "PLAIN, SCRAM-SHA-512");
        p.put("listener.name.sasl_plaintext.plain.sasl.jaas.config", JAAS);
        p.put("connections.max.reauth.ms", "60000");
        BrokerConfigs c = BrokerConfigs.parse(p);
        SaslListenerConfig s = c.saslListener("SASL_PLAINTEXT");
        assertThat(s.mechanisms()).containsExactly("PLAIN", "SCRAM-SHA-512");
        assertThat(s.plainUsers()).containsOnly(Map.entry("admin", "admin-secret"), Map.entry("alice", "a \"b\" c"),
                Map.entry("bob", "plain"));
        assertThat(s.toString()).doesNotContain("secret");
        assertThat(c.saslListener("PLAINTEXT")).isNull();
        assertThat(c.connectionsMaxReauthMs()).isEqualTo(60000);
    }

    @Test
    void theListenerOverrideWinsAndScramNeedsNoJaas() {
        Map<String, String> p = saslListener();
        p.put("listener.name.sasl_plaintext.sasl.enabled.mechanisms", "SCRAM-SHA-256");
        assertThat(BrokerConfigs.parse(p).saslListener("sasl_plaintext").mechanisms()).isEqualTo(List.of("SCRAM-SHA-256"));
    }

    @Test
    void gssapiTheKafkaDefaultIsRefused() {
        assertThatThrownBy(() -> BrokerConfigs.parse(saslListener()))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.key()).isEqualTo("sasl.enabled.mechanisms"))
                .hasMessageContaining("GSSAPI (Kerberos) is not supported");
        Map<String, String> p = saslListener();
        p.put("listener.name.sasl_plaintext.sasl.enabled.mechanisms", "SCRAM-SHA-1");
        assertThatThrownBy(() -> BrokerConfigs.parse(p))
                .isInstanceOfSatisfying(ConfigException.class,
                        e -> assertThat(e.key()).isEqualTo("listener.name.sasl_plaintext.sasl.enabled.mechanisms"))
                .hasMessageContaining("SCRAM-SHA-1 is not supported");
    }

    @Test
    void plainWithoutJaasOrWithBadJaasIsRefusedWithoutEchoingIt() {
        Map<String, String> p = saslListener();
        p.put("sasl.enabled.mechanisms", "PLAIN");
        assertThatThrownBy(() -> BrokerConfigs.parse(p)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("listener.name.sasl_plaintext.plain.sasl.jaas.config");
        p.put("listener.name.sasl_plaintext.plain.sasl.jaas.config",
                "org.apache.kafka.common.security.plain.PlainLoginModule required user_admin=\"hunter2\"");
        assertThatThrownBy(() -> BrokerConfigs.parse(p)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("must end with ';'").hasMessageNotContaining("hunter2");
        p.put("listener.name.sasl_plaintext.plain.sasl.jaas.config",
                "org.apache.kafka.common.security.scram.ScramLoginModule required user_admin=\"hunter2\";");
        assertThatThrownBy(() -> BrokerConfigs.parse(p)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("must name org.apache.kafka.common.security.plain.PlainLoginModule");
    }

    @Test
    void saslSslIsParsedLikeSaslPlaintext() {
        BrokerConfigs c = BrokerConfigs.parse(Map.of("listeners", "SASL_SSL://127.0.0.1:9093",
                "sasl.enabled.mechanisms", "PLAIN,SCRAM-SHA-256",
                "listener.name.sasl_ssl.plain.sasl.jaas.config",
                "org.apache.kafka.common.security.plain.PlainLoginModule required user_admin=\"a\";"));
        assertThat(c.saslListener("SASL_SSL").mechanisms()).containsExactly("PLAIN", "SCRAM-SHA-256");
        assertThat(c.saslListener("SASL_SSL").plainUsers()).containsEntry("admin", "a");
        assertThatThrownBy(() -> BrokerConfigs.parse(Map.of("listeners", "SASL_SSL://127.0.0.1:9093")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("GSSAPI (Kerberos) is not supported");
    }

    private static Map<String, String> saslCluster() {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("controller.quorum.voters", "1@127.0.0.1:9091");
        p.put("controller.listener.names", "CONTROLLER");
        p.put("listeners", "CONTROLLER://127.0.0.1:9091,INTERNAL://127.0.0.1:9092");
        p.put("listener.security.protocol.map", "CONTROLLER:PLAINTEXT,INTERNAL:SASL_SSL");
        p.put("inter.broker.listener.name", "INTERNAL");
        p.put("sasl.enabled.mechanisms", "PLAIN,SCRAM-SHA-512");
        p.put("listener.name.internal.plain.sasl.jaas.config", "org.apache.kafka.common.security.plain.PlainLoginModule required "
                + "username=\"broker\" password=\"broker-secret\" user_broker=\"broker-secret\";");
        return p;
    }

    @Test
    void aSaslInterBrokerListenerTakesTheBrokersCredentialsFromItsJaasEntry() {
        Map<String, String> p = saslCluster();
        // Kafka's default mechanism between brokers is GSSAPI: refused naming the key
        assertThatThrownBy(() -> BrokerConfigs.parse(p))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.key()).isEqualTo("sasl.mechanism.inter.broker.protocol"))
                .hasMessageContaining("GSSAPI (Kerberos) is not supported");
        p.put("sasl.mechanism.inter.broker.protocol", "PLAIN");
        SaslListenerConfig.InterBrokerSasl ib = BrokerConfigs.parse(p).interBrokerSasl();
        assertThat(ib).isEqualTo(new SaslListenerConfig.InterBrokerSasl("INTERNAL", "PLAIN", "broker", "broker-secret"));
        assertThat(ib.toString()).doesNotContain("secret");

        p.put("sasl.mechanism.inter.broker.protocol", "SCRAM-SHA-512");
        assertThatThrownBy(() -> BrokerConfigs.parse(p))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.key()).isEqualTo("listener.name.internal.scram-sha-512.sasl.jaas.config"))
                .hasMessageContaining("which is not set");
        p.put("listener.name.internal.scram-sha-512.sasl.jaas.config",
                "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"broker\";");
        assertThatThrownBy(() -> BrokerConfigs.parse(p))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.key()).isEqualTo("listener.name.internal.scram-sha-512.sasl.jaas.config"))
                .hasMessageContaining("which lacks them");
        p.put("listener.name.internal.scram-sha-512.sasl.jaas.config",
                "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"broker\" password=\"s\";");
        assertThat(BrokerConfigs.parse(p).interBrokerSasl().mechanism()).isEqualTo("SCRAM-SHA-512");

        p.put("sasl.mechanism.inter.broker.protocol", "SCRAM-SHA-256");
        assertThatThrownBy(() -> BrokerConfigs.parse(p))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.key()).isEqualTo("sasl.mechanism.inter.broker.protocol"))
                .hasMessageContaining("does not enable SCRAM-SHA-256");
    }

    @Test
    void gssapiBetweenBrokersIsRefusedEvenWhenUnused() {
        assertThatThrownBy(() -> BrokerConfigs.parse(Map.of("sasl.mechanism.inter.broker.protocol", "GSSAPI")))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.key()).isEqualTo("sasl.mechanism.inter.broker.protocol"))
                .hasMessageContaining("GSSAPI (Kerberos) is not supported");
        // a PLAINTEXT inter-broker listener has no SASL; a single node none either
        assertThat(BrokerConfigs.parse(Map.of("sasl.mechanism.inter.broker.protocol", "PLAIN")).interBrokerSasl()).isNull();
    }

    @Test
    void aSaslControllerListenerIsRefused() {
        Map<String, String> p = saslCluster();
        p.put("sasl.mechanism.inter.broker.protocol", "PLAIN");
        p.put("listener.security.protocol.map", "CONTROLLER:SASL_PLAINTEXT,INTERNAL:SASL_SSL");
        assertThatThrownBy(() -> BrokerConfigs.parse(p)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("the controller listener CONTROLLER must be PLAINTEXT");
    }

    private static final String OAUTH_JAAS = "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required";

    @Test
    void oauthBearerUnsecuredTakesItsOptionsFromTheJaasText() {
        Map<String, String> p = saslListener();
        p.put("sasl.enabled.mechanisms", "OAUTHBEARER");
        assertThatThrownBy(() -> BrokerConfigs.parse(p)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("listener.name.sasl_plaintext.oauthbearer.sasl.jaas.config");
        p.put("listener.name.sasl_plaintext.oauthbearer.sasl.jaas.config", OAUTH_JAAS + ";");
        OAuthBearerConfig o = BrokerConfigs.parse(p).saslListener("SASL_PLAINTEXT").oauth();
        assertThat(o.jwks()).isFalse();
        assertThat(o.principalClaim()).isEqualTo("sub");
        assertThat(o.scopeClaim()).isEqualTo("scope");
        assertThat(o.requiredScope()).isEmpty();
        assertThat(o.clockSkewMs()).isZero();
        p.put("listener.name.sasl_plaintext.oauthbearer.sasl.jaas.config", OAUTH_JAAS + " unsecuredValidatorPrincipalClaimName=\"user\" "
                + "unsecuredValidatorScopeClaimName=scp unsecuredValidatorRequiredScope=\"read, write\" unsecuredValidatorAllowableClockSkewMs=500;");
        o = BrokerConfigs.parse(p).saslListener("SASL_PLAINTEXT").oauth();
        assertThat(o.principalClaim()).isEqualTo("user");
        assertThat(o.scopeClaim()).isEqualTo("scp");
        assertThat(o.requiredScope()).containsExactly("read", "write");
        assertThat(o.clockSkewMs()).isEqualTo(500);
        p.put("listener.name.sasl_plaintext.oauthbearer.sasl.jaas.config", OAUTH_JAAS + " unsecuredValidatorAllowableClockSkewMs=soon;");
        assertThatThrownBy(() -> BrokerConfigs.parse(p)).isInstanceOf(ConfigException.class).hasMessageContaining("unsecuredValidatorAllowableClockSkewMs");
        p.put("listener.name.sasl_plaintext.oauthbearer.sasl.jaas.config", JAAS);
        assertThatThrownBy(() -> BrokerConfigs.parse(p)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("must name org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule");
    }

    @Test
    void oauthBearerJwksKeysPlainOrPerListener() {
        Map<String, String> p = saslListener();
        p.put("sasl.enabled.mechanisms", "OAUTHBEARER,PLAIN");
        p.put("listener.name.sasl_plaintext.plain.sasl.jaas.config", JAAS);
        p.put("listener.name.sasl_plaintext.oauthbearer.sasl.jaas.config", OAUTH_JAAS + ";");
        p.put("listener.name.sasl_plaintext.oauthbearer.sasl.server.callback.handler.class",
                "org.apache.kafka.common.security.oauthbearer.OAuthBearerValidatorCallbackHandler");
        assertThatThrownBy(() -> BrokerConfigs.parse(p)).isInstanceOfSatisfying(ConfigException.class,
                e -> assertThat(e.key()).isEqualTo("sasl.oauthbearer.jwks.endpoint.url"));
        p.put("sasl.oauthbearer.jwks.endpoint.url", "ftp://idp/keys");
        assertThatThrownBy(() -> BrokerConfigs.parse(p)).isInstanceOf(ConfigException.class).hasMessageContaining("https://, http:// or file:");
        p.put("sasl.oauthbearer.jwks.endpoint.url", "https://idp.example/keys");
        // Kafka 4.4: audience and issuer are required unless explicitly left unverified
        assertThatThrownBy(() -> BrokerConfigs.parse(p)).isInstanceOfSatisfying(ConfigException.class,
                e -> assertThat(e.key()).isEqualTo("sasl.oauthbearer.expected.audience")).hasMessageContaining("allow.unverified.audience");
        p.put("sasl.oauthbearer.allow.unverified.audience", "true");
        assertThatThrownBy(() -> BrokerConfigs.parse(p)).isInstanceOfSatisfying(ConfigException.class,
                e -> assertThat(e.key()).isEqualTo("sasl.oauthbearer.expected.issuer"));
        p.put("listener.name.sasl_plaintext.oauthbearer.sasl.oauthbearer.allow.unverified.issuer", "true");
        OAuthBearerConfig unverified = BrokerConfigs.parse(p).saslListener("SASL_PLAINTEXT").oauth();
        assertThat(unverified.expectedAudience()).isEmpty();
        assertThat(unverified.expectedIssuer()).isNull();
        p.remove("sasl.oauthbearer.allow.unverified.audience");
        p.remove("listener.name.sasl_plaintext.oauthbearer.sasl.oauthbearer.allow.unverified.issuer");
        p.put("sasl.oauthbearer.expected.audience", "kafka, other");
        p.put("listener.name.sasl_plaintext.oauthbearer.sasl.oauthbearer.expected.issuer", "https://idp.example");
        OAuthBearerConfig o = BrokerConfigs.parse(p).saslListener("SASL_PLAINTEXT").oauth();
        assertThat(o.jwks()).isTrue();
        assertThat(o.jwksUrl().toString()).isEqualTo("https://idp.example/keys");
        assertThat(o.jwksRefreshMs()).isEqualTo(3_600_000L);
        assertThat(o.jwksRetryBackoffMs()).isEqualTo(100);
        assertThat(o.jwksRetryBackoffMaxMs()).isEqualTo(10_000);
        assertThat(o.clockSkewMs()).isEqualTo(30_000);
        assertThat(o.expectedAudience()).containsExactly("kafka", "other");
        assertThat(o.expectedIssuer()).isEqualTo("https://idp.example");
        assertThat(o.principalClaim()).isEqualTo("sub");
        p.put("sasl.oauthbearer.clock.skew.seconds", "-1");
        assertThatThrownBy(() -> BrokerConfigs.parse(p)).isInstanceOfSatisfying(ConfigException.class,
                e -> assertThat(e.key()).isEqualTo("sasl.oauthbearer.clock.skew.seconds"));
        p.remove("sasl.oauthbearer.clock.skew.seconds");
        p.put("listener.name.sasl_plaintext.oauthbearer.sasl.server.callback.handler.class", "com.example.MyHandler");
        assertThatThrownBy(() -> BrokerConfigs.parse(p)).isInstanceOfSatisfying(ConfigException.class,
                e -> assertThat(e.key()).isEqualTo("listener.name.sasl_plaintext.oauthbearer.sasl.server.callback.handler.class"))
                .hasMessageContaining("cannot load callback handler classes");
        p.remove("listener.name.sasl_plaintext.oauthbearer.sasl.server.callback.handler.class");
        p.put("sasl.oauthbearer.token.endpoint.url", "https://idp.example/token"); // a client's key: still refused on the broker
        assertThatThrownBy(() -> BrokerConfigs.parse(p)).isInstanceOfSatisfying(ConfigException.class,
                e -> assertThat(e.key()).isEqualTo("sasl.oauthbearer.token.endpoint.url"));
    }

    @Test
    void oauthBearerKeysHaveKafkasTypesAndDefaults() {
        KafkaBrokerCatalogue kafka = KafkaBrokerCatalogue.kafka44();
        int n = 0;
        for (ConfigDef.Key k : BrokerConfigs.definition().keys().values()) {
            if (!k.name().startsWith("sasl.oauthbearer.")) continue;
            KafkaBrokerCatalogue.Key kk = kafka.key(k.name());
            assertThat(kk).as("%s is a Kafka key", k.name()).isNotNull();
            assertThat(k.type()).as(k.name()).isEqualTo(kk.type());
            assertThat(k.defaultText()).as(k.name()).isEqualTo(kk.defaultValue());
            assertThat(k.importance()).as(k.name()).isEqualTo(kk.importance());
            assertThat(OAuthBearerConfig.KEYS).contains(k.name());
            n++;
        }
        assertThat(n).isEqualTo(OAuthBearerConfig.KEYS.size());
    }
}
