package io.runnel.txn.records;

import io.runnel.common.TopicPartition;
import io.runnel.protocol.ByteBufferReadable;
import io.runnel.protocol.GrowableWritable;
import io.runnel.protocol.MalformedMessageException;
import io.runnel.protocol.Message;
import io.runnel.protocol.Readable;
import io.runnel.protocol.message.TransactionLogKey;
import io.runnel.protocol.message.TransactionLogValue;
import io.runnel.txn.TransactionMetadata;
import io.runnel.txn.TransactionState;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeSet;

/**
 * Serializes {@link TxnRecord}s in Kafka's layout of {@code __transaction_state}, with the classes generated from
 * {@code txn_records.api}.
 *
 * <p>Key: int16 0, then the transactional id as an int16-length string. Value: int16 version, then
 * {@code TransactionLogValue} at that version: v0 (no tagged fields) or v1 (flexible; previous/next producer id and
 * the client's transaction version as tagged fields 0, 1, 2). {@link #valueVersion} picks the version from the
 * finalized {@code transaction.version} as Kafka does. The partitions are null in state Empty and grouped by topic
 * otherwise. {@code lastProducerEpoch} is not stored (reads back as -1). Stateless and thread-safe.
 */
public final class TxnRecordSerde {
    public static final short KEY_VERSION = 0;

    private TxnRecordSerde() {
    }

    /** The value version Kafka writes at a finalized transaction.version: 0 at level 0, else 1 (flexible). */
    public static short valueVersion(short transactionVersion) {
        return transactionVersion >= 1 ? (short) 1 : (short) 0;
    }

    public static byte[] key(String transactionalId) {
        TransactionLogKey k = new TransactionLogKey();
        k.transactionalId = transactionalId;
        return prefixed(KEY_VERSION, k);
    }

    /** The value bytes, or null for a tombstone. */
    public static byte[] value(TxnRecord r, short valueVersion) {
        if (r.isTombstone()) return null;
        TransactionMetadata m = r.value();
        if (m.state() == TransactionState.EMPTY && !m.partitions().isEmpty()) {
            throw new IllegalStateException("an Empty transaction has no partitions: " + m);
        }
        TransactionLogValue v = new TransactionLogValue();
        v.producerId = m.producerId();
        v.previousProducerId = m.previousProducerId();
        v.nextProducerId = m.nextProducerId();
        v.producerEpoch = m.producerEpoch();
        v.transactionTimeoutMs = m.timeoutMs();
        v.transactionStatus = m.state().id();
        if (m.state() == TransactionState.EMPTY) {
            v.transactionPartitions = null;
        } else {
            Map<String, TransactionLogValue.PartitionsSchema> byTopic = new LinkedHashMap<>();
            for (TopicPartition tp : m.partitions()) {
                byTopic.computeIfAbsent(tp.topic(), t -> {
                    TransactionLogValue.PartitionsSchema p = new TransactionLogValue.PartitionsSchema();
                    p.topic = t;
                    return p;
                }).partitionIds.add(tp.partition());
            }
            v.transactionPartitions = new ArrayList<>(byTopic.values());
        }
        v.transactionLastUpdateTimestampMs = m.lastUpdateTimestamp();
        v.transactionStartTimestampMs = m.startTimestamp();
        v.clientTransactionVersion = m.clientTransactionVersion();
        return prefixed(valueVersion, v);
    }

    /**
     * The typed record.
     *
     * @throws MalformedMessageException if the bytes do not parse, the key version is not 0, the value version is
     *                                   unknown or the state byte is not a state
     */
    public static TxnRecord read(byte[] key, byte[] value) {
        Readable k = new ByteBufferReadable(ByteBuffer.wrap(key));
        short keyVersion = k.readShort();
        if (keyVersion != KEY_VERSION) throw new MalformedMessageException("unknown transaction log key version " + keyVersion);
        String id = new TransactionLogKey(k, keyVersion).transactionalId;
        if (value == null) return new TxnRecord(id, null);
        Readable in = new ByteBufferReadable(ByteBuffer.wrap(value));
        short version = in.readShort();
        if (version < 0 || version > 1) throw new MalformedMessageException("unknown transaction log value version " + version);
        TransactionLogValue v = new TransactionLogValue(in, version);
        TransactionState state;
        try {
            state = TransactionState.fromId(v.transactionStatus);
        } catch (IllegalArgumentException e) {
            throw new MalformedMessageException(e.getMessage());
        }
        TreeSet<TopicPartition> partitions = new TreeSet<>();
        if (state != TransactionState.EMPTY && v.transactionPartitions != null) {
            for (TransactionLogValue.PartitionsSchema p : v.transactionPartitions) {
                for (int i : p.partitionIds) partitions.add(new TopicPartition(p.topic, i));
            }
        }
        return new TxnRecord(id, new TransactionMetadata(id, v.producerId, v.previousProducerId, v.nextProducerId,
                v.producerEpoch, TransactionMetadata.NO_PRODUCER_EPOCH, v.transactionTimeoutMs, state, partitions,
                v.transactionStartTimestampMs, v.transactionLastUpdateTimestampMs, v.clientTransactionVersion));
    }

    private static byte[] prefixed(short version, Message m) {
        GrowableWritable w = new GrowableWritable(64);
        w.writeShort(version);
        m.write(w, version);
        return w.toArray();
    }
}
