package io.runnel.txn.records;

import io.runnel.common.TopicPartition;
import io.runnel.protocol.MalformedMessageException;
import io.runnel.txn.TransactionMetadata;
import io.runnel.txn.TransactionState;
import org.apache.kafka.coordinator.transaction.TransactionLog;
import org.apache.kafka.coordinator.transaction.TxnTransitMetadata;
import org.apache.kafka.server.common.TransactionVersion;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Set;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The layout of {@code __transaction_state} records, checked by hand and against Kafka 4.4's own classes (test scope). */
class TxnRecordSerdeTest {
    static TransactionMetadata meta(TransactionState state, Set<TopicPartition> tps, short clientVersion) {
        return new TransactionMetadata("txn", 4000, 3999, state == TransactionState.PREPARE_COMMIT ? 5000 : -1, (short) 7, (short) -1,
                60_000, state, tps, state == TransactionState.EMPTY ? -1 : 1234, 5678, clientVersion);
    }

    @Test
    void keyAndVersion0ValueByteForByte() {
        assertThat(HexFormat.of().formatHex(TxnRecordSerde.key("abc"))).isEqualTo("0000" + "0003" + "616263");
        TransactionMetadata m = meta(TransactionState.ONGOING, Set.of(new TopicPartition("t", 2)), (short) 0);
        String expected = "0000"                 // value version 0
                + "0000000000000fa0"             // producer id 4000
                + "0007"                         // epoch
                + "0000ea60"                     // timeout 60000
                + "01"                           // Ongoing
                + "00000001" + "0001" + "74" + "00000001" + "00000002" // [t: [2]]
                + "000000000000162e"             // last update 5678
                + "00000000000004d2";            // start 1234
        assertThat(HexFormat.of().formatHex(TxnRecordSerde.value(new TxnRecord("txn", m), (short) 0))).isEqualTo(expected);
        // Empty: the partitions are null
        TransactionMetadata empty = meta(TransactionState.EMPTY, Set.of(), (short) 0);
        assertThat(HexFormat.of().formatHex(TxnRecordSerde.value(new TxnRecord("txn", empty), (short) 0))).contains("00ffffffff");
    }

    @Test
    void version1CarriesTheTaggedFields() {
        TransactionMetadata m = meta(TransactionState.PREPARE_COMMIT, Set.of(new TopicPartition("t", 2)), (short) 2);
        TxnRecord back = TxnRecordSerde.read(TxnRecordSerde.key("txn"), TxnRecordSerde.value(new TxnRecord("txn", m), (short) 1));
        assertThat(back.value()).isEqualTo(m);
        // version 0 has no room for them: they read back as their defaults
        TxnRecord v0 = TxnRecordSerde.read(TxnRecordSerde.key("txn"), TxnRecordSerde.value(new TxnRecord("txn", m), (short) 0));
        assertThat(v0.value().nextProducerId()).isEqualTo(-1);
        assertThat(v0.value().previousProducerId()).isEqualTo(-1);
        assertThat(v0.value().clientTransactionVersion()).isZero();
        assertThat(TxnRecordSerde.read(TxnRecordSerde.key("txn"), null).isTombstone()).isTrue();
    }

    @Test
    void badBytesAreRefusedWithAClearError() {
        byte[] key = TxnRecordSerde.key("txn");
        byte[] wrongKeyVersion = key.clone();
        wrongKeyVersion[1] = 1;
        assertThatThrownBy(() -> TxnRecordSerde.read(wrongKeyVersion, null)).isInstanceOf(MalformedMessageException.class)
                .hasMessageContaining("key version 1");
        byte[] value = TxnRecordSerde.value(new TxnRecord("txn", meta(TransactionState.EMPTY, Set.of(), (short) 0)), (short) 0);
        byte[] v9 = value.clone();
        v9[1] = 9;
        assertThatThrownBy(() -> TxnRecordSerde.read(key, v9)).isInstanceOf(MalformedMessageException.class).hasMessageContaining("9");
        byte[] badState = value.clone();
        badState[2 + 8 + 2 + 4] = 42;
        assertThatThrownBy(() -> TxnRecordSerde.read(key, badState)).isInstanceOf(MalformedMessageException.class);
        assertThatThrownBy(() -> TxnRecordSerde.value(new TxnRecord("txn",
                meta(TransactionState.EMPTY, Set.of(new TopicPartition("t", 0)), (short) 0)), (short) 0)).isInstanceOf(IllegalStateException.class);
    }

    // ------------------------------------------------------------------ against Kafka 4.4

    @Test
    void kafkaWritesWhatRunnelReadsAndTheBytesAreIdentical() {
        for (TransactionVersion tv : new TransactionVersion[]{TransactionVersion.TV_0, TransactionVersion.TV_1, TransactionVersion.TV_2}) {
            for (TransactionState state : new TransactionState[]{TransactionState.EMPTY, TransactionState.ONGOING,
                    TransactionState.PREPARE_COMMIT, TransactionState.COMPLETE_ABORT}) {
                Set<TopicPartition> tps = state == TransactionState.ONGOING || state == TransactionState.PREPARE_COMMIT
                        ? Set.of(new TopicPartition("orders", 3)) : Set.of();
                TransactionMetadata ours = meta(state, tps, tv.featureLevel());
                HashSet<org.apache.kafka.common.TopicPartition> kafkaTps = new HashSet<>();
                for (TopicPartition tp : tps) kafkaTps.add(new org.apache.kafka.common.TopicPartition(tp.topic(), tp.partition()));
                TxnTransitMetadata theirs = new TxnTransitMetadata(ours.producerId(), ours.previousProducerId(), ours.nextProducerId(),
                        ours.producerEpoch(), ours.lastProducerEpoch(), ours.timeoutMs(),
                        org.apache.kafka.coordinator.transaction.TransactionState.fromId(state.id()), kafkaTps, ours.startTimestamp(),
                        ours.lastUpdateTimestamp(), tv);
                byte[] kafkaValue = TransactionLog.valueToBytes(theirs, tv);
                byte[] ourValue = TxnRecordSerde.value(new TxnRecord("txn", ours), TxnRecordSerde.valueVersion(tv.featureLevel()));
                assertThat(ourValue).as(tv + " " + state).isEqualTo(kafkaValue);
                assertThat(TxnRecordSerde.key("txn")).isEqualTo(TransactionLog.keyToBytes("txn"));
                TransactionMetadata read = TxnRecordSerde.read(TransactionLog.keyToBytes("txn"), kafkaValue).value();
                assertThat(read.producerId()).isEqualTo(ours.producerId());
                assertThat(read.state()).isEqualTo(state);
                assertThat(read.partitions()).isEqualTo(ours.partitions());
            }
        }
    }

    @Test
    void runnelWritesWhatKafkaReads() {
        TreeSet<TopicPartition> tps = new TreeSet<>(Set.of(new TopicPartition("a", 0), new TopicPartition("a", 5), new TopicPartition("b", 1)));
        TransactionMetadata ours = meta(TransactionState.PREPARE_COMMIT, tps, (short) 2);
        for (short version = 0; version <= 1; version++) {
            byte[] value = TxnRecordSerde.value(new TxnRecord("txn", ours), version);
            TransactionLog.ReadResult r = TransactionLog.read(ByteBuffer.wrap(TxnRecordSerde.key("txn")), ByteBuffer.wrap(value));
            assertThat(r).isInstanceOf(TransactionLog.TxnRecord.class);
            var m = ((TransactionLog.TxnRecord) r).metadata();
            assertThat(((TransactionLog.TxnRecord) r).transactionId()).isEqualTo("txn");
            assertThat(m.producerId()).isEqualTo(4000);
            assertThat(m.producerEpoch()).isEqualTo((short) 7);
            assertThat(m.txnTimeoutMs()).isEqualTo(60_000);
            assertThat(m.state().name()).isEqualTo("PREPARE_COMMIT");
            assertThat(m.txnStartTimestamp()).isEqualTo(1234);
            assertThat(m.txnLastUpdateTimestamp()).isEqualTo(5678);
            assertThat(m.topicPartitions()).hasSize(3)
                    .contains(new org.apache.kafka.common.TopicPartition("a", 5), new org.apache.kafka.common.TopicPartition("b", 1));
            if (version == 1) {
                assertThat(m.prevProducerId()).isEqualTo(3999);
                assertThat(m.clientTransactionVersion()).isEqualTo(TransactionVersion.TV_2);
            }
        }
        assertThat(TransactionLog.read(ByteBuffer.wrap(TxnRecordSerde.key("txn")), null)).isInstanceOf(TransactionLog.TxnTombstone.class);
    }
}
