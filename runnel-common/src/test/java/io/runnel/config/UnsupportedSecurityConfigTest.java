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
            "listeners|SSL://127.0.0.1:9093|listeners",
            "listeners|SASL_SSL://127.0.0.1:9093|listeners",
            "authorizer.class.name|org.apache.kafka.metadata.authorizer.StandardAuthorizer|authorizer.class.name",
            "super.users|User:admin|super.users",
            "security.inter.broker.protocol|SSL|security.inter.broker.protocol",
            "ssl.keystore.location|/etc/kafka/broker.jks|ssl.keystore.location",
            "ssl.client.auth|required|ssl.client.auth",
            "ssl.cipher.suites|TLS_AES_256_GCM_SHA384|ssl.cipher.suites",
            "sasl.jaas.config|secret|sasl.jaas.config",
            "sasl.kerberos.service.name|kafka|sasl.kerberos.service.name",
            "listener.name.plaintext.ssl.keystore.location|/k.jks|listener.name.plaintext.ssl.keystore.location",
            "listener.name.plaintext.sasl.server.callback.handler.class|com.example.H|listener.name.plaintext.sasl.server.callback.handler.class",
            "listener.name.plaintext.gssapi.sasl.jaas.config|secret|listener.name.plaintext.gssapi.sasl.jaas.config",
            "principal.builder.class|com.example.Builder|principal.builder.class",
    })
    void refusedNamingTheKey(String key, String value, String named) {
        assertThatThrownBy(() -> BrokerConfigs.parse(Map.of(key, value)))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.key()).isEqualTo(named))
                .hasMessageContaining(named)
                .hasMessageContaining("Runnel does not implement TLS, SASL (other than PLAIN and SCRAM on SASL_PLAINTEXT listeners) or authorization yet");
    }

    @Test
    void aListenerMappedToASecureProtocolIsRefusedNamingTheMap() {
        Map<String, String> props = new LinkedHashMap<>();
        props.put("listeners", "INTERNAL://127.0.0.1:9093");
        props.put("listener.security.protocol.map", "INTERNAL:SASL_SSL");
        assertThatThrownBy(() -> BrokerConfigs.parse(props))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.key()).isEqualTo("listener.security.protocol.map"))
                .hasMessageContaining("listener INTERNAL uses security protocol SASL_SSL");
    }

    @Test
    void passwordsAreNotEchoed() {
        assertThatThrownBy(() -> BrokerConfigs.parse(Map.of("ssl.keystore.password", "hunter2")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("ssl.keystore.password")
                .hasMessageNotContaining("hunter2");
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
