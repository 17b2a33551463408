package io.runnel.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class UnsupportedSecurityConfigTest {

    @ParameterizedTest(name = "{0}={1} is refused, naming {2}")
    @CsvSource(delimiter = '|', value = {
            "sasl.jaas.config|secret|sasl.jaas.config",
            "sasl.kerberos.service.name|kafka|sasl.kerberos.service.name",
            "listener.name.plaintext.sasl.server.callback.handler.class|com.example.H|listener.name.plaintext.sasl.server.callback.handler.class",
            "listener.name.plaintext.gssapi.sasl.jaas.config|secret|listener.name.plaintext.gssapi.sasl.jaas.config",
            "principal.builder.class|com.example.Builder|principal.builder.class",
    })
    void refusedNamingTheKey(String key, String value, String named) {
        assertThatThrownBy(() -> BrokerConfigs.parse(Map.of(key, value)))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.key()).isEqualTo(named))
                .hasMessageContaining(named)
                .hasMessageContaining("Runnel does not implement SASL mechanisms other than PLAIN, SCRAM and OAUTHBEARER yet");
    }

    @Test
    void kafkasStandardAuthorizerAndSuperUsersAreAcceptedAnyOtherAuthorizerRefused() {
        Map<String, String> props = new LinkedHashMap<>();
        props.put("authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer");
        props.put("super.users", "User:admin;User:ops");
        props.put("allow.everyone.if.no.acl.found", "true");
        BrokerConfigs c = BrokerConfigs.parse(props);
        assertThat(c.authorizerEnabled()).isTrue();
        assertThat(c.superUsers()).isEqualTo("User:admin;User:ops");
        assertThat(c.allowEveryoneIfNoAclFound()).isTrue();
        assertThat(c.unknownKeys()).isEmpty();
        assertThat(BrokerConfigs.parse(Map.of()).authorizerEnabled()).isFalse();
        assertThat(BrokerConfigs.parse(Map.of()).allowEveryoneIfNoAclFound()).isFalse();
        assertThatThrownBy(() -> BrokerConfigs.parse(Map.of("authorizer.class.name", "kafka.security.authorizer.AclAuthorizer")))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.key()).isEqualTo("authorizer.class.name"))
                .hasMessageContaining("org.apache.kafka.metadata.authorizer.StandardAuthorizer");
        assertThatThrownBy(() -> BrokerConfigs.parse(Map.of("allow.everyone.if.no.acl.found", "maybe")))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.key()).isEqualTo("allow.everyone.if.no.acl.found"));
    }

    @Test
    void aSaslSslListenerIsAcceptedAndTakesBothItsSslAndSaslKeys() {
        Map<String, String> props = new LinkedHashMap<>();
        props.put("listeners", "INTERNAL://127.0.0.1:9093");
        props.put("listener.security.protocol.map", "INTERNAL:SASL_SSL");
        props.put("listener.name.internal.sasl.enabled.mechanisms", "SCRAM-SHA-512");
        props.put("listener.name.internal.ssl.client.auth", "required");
        BrokerConfigs c = BrokerConfigs.parse(props);
        assertThat(c.isSsl("INTERNAL")).isTrue();
        assertThat(c.isSasl("INTERNAL")).isTrue();
        assertThat(c.saslListener("INTERNAL").mechanisms()).containsExactly("SCRAM-SHA-512");
        assertThat(c.sslSettings("INTERNAL").string("ssl.client.auth")).isEqualTo("required");
        // without mechanisms Kafka's default is GSSAPI, which is refused naming the key
        props.remove("listener.name.internal.sasl.enabled.mechanisms");
        assertThatThrownBy(() -> BrokerConfigs.parse(props))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.key()).isEqualTo("sasl.enabled.mechanisms"))
                .hasMessageContaining("GSSAPI (Kerberos) is not supported");
    }

    @Test
    void securityInterBrokerProtocolNamesTheInterBrokerListenerAsInKafka() {
        // no listener called SASL_SSL: refused naming the key
        assertThatThrownBy(() -> BrokerConfigs.parse(Map.of("security.inter.broker.protocol", "SASL_SSL")))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.key()).isEqualTo("security.inter.broker.protocol"))
                .hasMessageContaining("a listener called SASL_SSL is needed");
    }

    @Test
    void passwordsAreNotEchoed() {
        assertThatThrownBy(() -> BrokerConfigs.parse(Map.of("listener.name.sasl_ssl.gssapi.sasl.jaas.config",
                "com.sun.security.auth.module.Krb5LoginModule required password=\"hunter2\";")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("sasl.jaas.config")
                .hasMessageNotContaining("hunter2");
    }

    @Test
    void sslListenersAndSslKeysAreAccepted() {
        Map<String, String> props = new LinkedHashMap<>();
        props.put("listeners", "PLAINTEXT://127.0.0.1:9092,SSL://127.0.0.1:9093,CLIENTS://127.0.0.1:9094");
        props.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,SSL:SSL,CLIENTS:SSL");
        props.put("ssl.keystore.location", "/etc/kafka/broker.jks");
        props.put("ssl.client.auth", "required");
        props.put("ssl.cipher.suites", "TLS_AES_256_GCM_SHA384");
        props.put("listener.name.clients.ssl.keystore.type", "PEM");
        BrokerConfigs c = BrokerConfigs.parse(props);
        assertThat(c.isSsl("SSL")).isTrue();
        assertThat(c.isSsl("PLAINTEXT")).isFalse();
        SslSettings clients = c.sslSettings("CLIENTS");
        assertThat(clients.string("ssl.keystore.type")).isEqualTo("PEM");
        assertThat(clients.source("ssl.keystore.type")).isEqualTo("listener.name.clients.ssl.keystore.type");
        assertThat(clients.string("ssl.keystore.location")).isEqualTo("/etc/kafka/broker.jks");
        assertThat(clients.source("ssl.keystore.location")).isEqualTo("ssl.keystore.location");
        assertThat(c.sslSettings("SSL").string("ssl.keystore.type")).isEqualTo("JKS");
        assertThat(c.sslSettings("SSL").list("ssl.enabled.protocols")).containsExactly("TLSv1.2", "TLSv1.3");
        assertThat(c.sslSettings("SSL").string("ssl.protocol")).isEqualTo("TLSv1.3");
        assertThat(c.sslSettings("SSL").list("ssl.cipher.suites")).containsExactly("TLS_AES_256_GCM_SHA384");
    }

    @Test
    void aBadListenerOverrideIsNamed() {
        Map<String, String> props = new LinkedHashMap<>();
        props.put("listeners", "SSL://127.0.0.1:9093");
        props.put("listener.name.ssl.ssl.client.auth", "always");
        assertThatThrownBy(() -> BrokerConfigs.parse(props))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.key()).isEqualTo("listener.name.ssl.ssl.client.auth"))
                .hasMessageContaining("listener.name.ssl.ssl.client.auth");
    }

    private static Map<String, String> cluster() {
        Map<String, String> props = new LinkedHashMap<>();
        props.put("controller.quorum.voters", "1@127.0.0.1:9091");
        props.put("controller.listener.names", "CONTROLLER");
        props.put("listeners", "CONTROLLER://127.0.0.1:9091,PLAINTEXT://127.0.0.1:9092,SSL://127.0.0.1:9093");
        props.put("listener.security.protocol.map", "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SSL:SSL");
        return props;
    }

    @Test
    void anSslControllerListenerIsAcceptedWithItsOwnSslKeys() {
        Map<String, String> props = cluster();
        props.put("listener.security.protocol.map", "CONTROLLER:SSL,PLAINTEXT:PLAINTEXT,SSL:SSL");
        props.put("ssl.keystore.location", "/etc/runnel/broker.p12");
        props.put("ssl.client.auth", "none");
        props.put("listener.name.controller.ssl.keystore.location", "/etc/runnel/controller.p12");
        props.put("listener.name.controller.ssl.client.auth", "required");
        SslSettings s = BrokerConfigs.parse(props).controllerSslSettings();
        assertThat(s).isNotNull();
        assertThat(s.listenerName()).isEqualTo("CONTROLLER");
        assertThat(s.string("ssl.keystore.location")).isEqualTo("/etc/runnel/controller.p12");
        assertThat(s.source("ssl.keystore.location")).isEqualTo("listener.name.controller.ssl.keystore.location");
        assertThat(s.string("ssl.client.auth")).isEqualTo("required");
        // keys without an override come from the plain ssl.* key
        assertThat(s.source("ssl.endpoint.identification.algorithm")).isEqualTo("ssl.endpoint.identification.algorithm");
        assertThat(s.string("ssl.endpoint.identification.algorithm")).isEqualTo("https");
        // the client listeners keep theirs
        assertThat(BrokerConfigs.parse(props).sslSettings("SSL").string("ssl.keystore.location")).isEqualTo("/etc/runnel/broker.p12");
    }

    @Test
    void aPlaintextControllerListenerOrASingleNodeHasNoQuorumTls() {
        assertThat(BrokerConfigs.parse(cluster()).controllerSslSettings()).isNull();
        Map<String, String> single = new LinkedHashMap<>();
        single.put("listeners", "SSL://127.0.0.1:9093");
        single.put("controller.listener.names", "SSL");
        assertThat(BrokerConfigs.parse(single).controllerSslSettings()).isNull();
    }

    @Test
    void aBrokerOnlyNodeTakesTheControllerListenersSslKeysThoughItDoesNotListenOnIt() {
        Map<String, String> props = new LinkedHashMap<>();
        props.put("process.roles", "broker");
        props.put("node.id", "4");
        props.put("controller.quorum.voters", "1@127.0.0.1:9091");
        props.put("controller.listener.names", "CONTROLLER");
        props.put("listeners", "PLAINTEXT://127.0.0.1:9092");
        props.put("listener.security.protocol.map", "CONTROLLER:SSL,PLAINTEXT:PLAINTEXT");
        props.put("listener.name.controller.ssl.truststore.location", "/etc/runnel/quorum-trust.p12");
        SslSettings s = BrokerConfigs.parse(props).controllerSslSettings();
        assertThat(s.string("ssl.truststore.location")).isEqualTo("/etc/runnel/quorum-trust.p12");
        // a bad override stops the start naming it, also where the listener is not among the node's listeners
        props.put("listener.name.controller.ssl.client.auth", "sometimes");
        assertThatThrownBy(() -> BrokerConfigs.parse(props))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.key()).isEqualTo("listener.name.controller.ssl.client.auth"));
    }

    @ParameterizedTest(name = "a {0} controller listener is refused")
    @CsvSource({"SASL_PLAINTEXT", "SASL_SSL"})
    void aSaslControllerListenerIsRefused(String protocol) {
        Map<String, String> props = cluster();
        props.put("listener.security.protocol.map", "CONTROLLER:" + protocol + ",PLAINTEXT:PLAINTEXT,SSL:SSL");
        assertThatThrownBy(() -> BrokerConfigs.parse(props))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.key()).isEqualTo("listener.security.protocol.map"))
                .hasMessageContaining("CONTROLLER:" + protocol)
                .hasMessageContaining("the controller listener CONTROLLER must be PLAINTEXT or SSL")
                .hasMessageContaining("has no SASL");
    }

    @Test
    void securityInterBrokerProtocolSslPicksTheListenerCalledSsl() {
        Map<String, String> props = cluster();
        props.put("listeners", "CONTROLLER://127.0.0.1:9091,PLAINTEXT://127.0.0.1:9092,SSL://127.0.0.1:9093");
        props.put("security.inter.broker.protocol", "SSL");
        props.remove("inter.broker.listener.name");
        assertThat(BrokerConfigs.parse(props).interBrokerListenerName()).isEqualTo("SSL");
        // both ways of naming it at once: refused, as Kafka does
        props.put("inter.broker.listener.name", "PLAINTEXT");
        assertThatThrownBy(() -> BrokerConfigs.parse(props))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.key()).isEqualTo("security.inter.broker.protocol"))
                .hasMessageContaining("only one of inter.broker.listener.name and security.inter.broker.protocol");
        // neither: the first client listener (Runnel's default)
        props.remove("inter.broker.listener.name");
        props.remove("security.inter.broker.protocol");
        assertThat(BrokerConfigs.parse(props).interBrokerListenerName()).isEqualTo("PLAINTEXT");
    }

    @Test
    void anSslInterBrokerListenerIsAccepted() {
        Map<String, String> props = cluster();
        props.put("inter.broker.listener.name", "SSL");
        assertThat(BrokerConfigs.parse(props).isSsl("SSL")).isTrue();
        Map<String, String> first = cluster();
        first.put("listeners", "CONTROLLER://127.0.0.1:9091,SSL://127.0.0.1:9093,PLAINTEXT://127.0.0.1:9092");
        assertThat(BrokerConfigs.parse(first).advertisedClientListeners().get(0).name()).isEqualTo("SSL");
    }

    @Test
    void anSslFirstListenerIsFineWithAPlaintextInterBrokerListener() {
        Map<String, String> props = new LinkedHashMap<>();
        props.put("controller.quorum.voters", "1@127.0.0.1:9091");
        props.put("controller.listener.names", "CONTROLLER");
        props.put("listeners", "CONTROLLER://127.0.0.1:9091,SSL://127.0.0.1:9093,PLAINTEXT://127.0.0.1:9092");
        props.put("listener.security.protocol.map", "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SSL:SSL");
        props.put("inter.broker.listener.name", "PLAINTEXT");
        assertThat(BrokerConfigs.parse(props).clientListeners()).hasSize(2);
    }

    @Test
    void aClusterWithSslForClientsOnlyStarts() {
        Map<String, String> props = new LinkedHashMap<>();
        props.put("controller.quorum.voters", "1@127.0.0.1:9091");
        props.put("controller.listener.names", "CONTROLLER");
        props.put("listeners", "CONTROLLER://127.0.0.1:9091,PLAINTEXT://127.0.0.1:9092,SSL://127.0.0.1:9093");
        props.put("listener.security.protocol.map", "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SSL:SSL");
        props.put("inter.broker.listener.name", "PLAINTEXT");
        assertThat(BrokerConfigs.parse(props).clientListeners()).hasSize(2);
    }

    @Test
    void plaintextSettingsStillStart() {
        Map<String, String> props = new LinkedHashMap<>();
        props.put("listeners", "PLAINTEXT://127.0.0.1:9092,INTERNAL://127.0.0.1:9093");
        props.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,INTERNAL:PLAINTEXT,SSL:SSL");
        props.put("security.inter.broker.protocol", "PLAINTEXT");
        props.put("authorizer.class.name", "");
        props.put("listener.name.internal.max.connections", "10");
        assertThat(BrokerConfigs.parse(props).listeners()).hasSize(2);
    }
}
