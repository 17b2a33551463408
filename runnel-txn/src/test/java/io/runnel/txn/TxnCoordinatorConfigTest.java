package io.runnel.txn;

import io.runnel.config.BrokerConfigs;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TxnCoordinatorConfigTest {
    @Test
    void kafkasNamesAndDefaults() {
        TxnCoordinatorConfig d = TxnCoordinatorConfig.from(BrokerConfigs.definition().parse(Map.of()), (short) 2);
        assertThat(d).isEqualTo(TxnCoordinatorConfig.DEFAULT);
        assertThat(d.offsetsTopicPartitions()).isEqualTo(50);
        assertThat(d.stateLogPartitions()).isEqualTo(50);
        assertThat(d.maxTimeoutMs()).isEqualTo(900_000);
        assertThat(d.idExpirationMs()).isEqualTo(604_800_000L);
        assertThat(d.abortTimedOutIntervalMs()).isEqualTo(10_000);
        assertThat(d.removeExpiredIntervalMs()).isEqualTo(3_600_000);
        TxnCoordinatorConfig c = TxnCoordinatorConfig.from(BrokerConfigs.definition().parse(Map.of("transaction.max.timeout.ms", "60000",
                "transaction.state.log.num.partitions", "3")), (short) 0);
        assertThat(c.maxTimeoutMs()).isEqualTo(60_000);
        assertThat(c.stateLogPartitions()).isEqualTo(3);
        assertThat(c.validTimeout(60_000)).isTrue();
        assertThat(c.validTimeout(60_001)).isFalse();
        assertThat(c.validTimeout(0)).isFalse();
    }

    @Test
    void badValuesNameTheKey() {
        assertThatThrownBy(() -> TxnCoordinatorConfig.from(BrokerConfigs.definition().parse(Map.of("transactional.id.expiration.ms", "soon")), (short) 2))
                .hasMessageContaining("transactional.id.expiration.ms");
        assertThatThrownBy(() -> TxnCoordinatorConfig.from(BrokerConfigs.definition().parse(Map.of("transaction.max.timeout.ms", "0")), (short) 2))
                .hasMessageContaining("transaction.max.timeout.ms");
        assertThatThrownBy(() -> TxnCoordinatorConfig.from(BrokerConfigs.definition().parse(Map.of()), (short) 3)).hasMessageContaining("transaction.version");
    }
}
