package io.runnel.txn;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class TxnPartitionerTest {
    @Test
    void kafkasHashOfTheId() {
        // "polygenelubricants".hashCode() is Integer.MIN_VALUE: Kafka's Utils.abs maps it to 0 (Math.abs would not)
        assertThat("polygenelubricants".hashCode()).isEqualTo(Integer.MIN_VALUE);
        assertThat(TxnPartitioner.partitionFor("polygenelubricants", 50)).isZero();
        // negative hashes (-859841438, -1061187895): absolute value, then modulo
        assertThat(TxnPartitioner.partitionFor("txn-10", 50)).isEqualTo(38);
        assertThat(TxnPartitioner.partitionFor("my-txn", 50)).isEqualTo(45);
        // a positive hash (110810509)
        assertThat(TxnPartitioner.partitionFor("txn-0", 50)).isEqualTo(9);
        assertThat(TxnPartitioner.partitionFor("txn-0", 1)).isZero();
    }
}
