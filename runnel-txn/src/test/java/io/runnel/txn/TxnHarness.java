package io.runnel.txn;

import io.runnel.common.TopicPartition;
import io.runnel.txn.records.TxnRecord;
import io.runnel.txn.records.TxnRecordSerde;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Drives one {@link TransactionCoordinatorShard} the way the coordinator runtime will: each result's records are
 * serialized in Kafka's layout and appended to an in-memory partition log, then replayed into the shard; its
 * markers are queued until the test "writes" them. {@link #reload} rebuilds a shard from the log bytes alone.
 */
final class TxnHarness {
    final AtomicLong clock = new AtomicLong(1_000_000);
    final TxnCoordinatorConfig config;
    final List<byte[][]> log = new ArrayList<>();
    final List<MarkerRequest> markers = new ArrayList<>();
    long nextBlockStart = 1000;
    int blockSize = 100;
    boolean blocksAvailable = true;
    int blocksRequested;
    final ProducerIdManager ids;
    TransactionCoordinatorShard shard;

    TxnHarness() {
        this(TxnCoordinatorConfig.DEFAULT);
    }

    TxnHarness(TxnCoordinatorConfig config) {
        this.config = config;
        this.ids = new ProducerIdManager(this::block);
        this.shard = new TransactionCoordinatorShard(0, config, clock::get, ids);
    }

    private CompletableFuture<ProducerIdBlock> block() {
        blocksRequested++;
        if (!blocksAvailable) return new CompletableFuture<>();
        ProducerIdBlock b = new ProducerIdBlock(nextBlockStart, blockSize);
        nextBlockStart += blockSize;
        return CompletableFuture.completedFuture(b);
    }

    /** Appends the result's records (as bytes), replays them, queues its markers; returns the response. */
    <R> R run(TxnResult<R> r) {
        short version = TxnRecordSerde.valueVersion(config.transactionVersion());
        for (TxnRecord rec : r.records()) {
            log.add(new byte[][]{TxnRecordSerde.key(rec.transactionalId()), TxnRecordSerde.value(rec, version)});
            shard.replay(rec);
        }
        markers.addAll(r.markers());
        return r.response();
    }

    /** Writes every queued marker and completes their transactions. */
    void writeMarkers() {
        List<MarkerRequest> todo = new ArrayList<>(markers);
        markers.clear();
        for (MarkerRequest m : todo) run(shard.markersWritten(m.transactionalId(), m.producerId(), m.producerEpoch()));
    }

    /** A new shard loaded from the log bytes; it replaces the live one. Returns the markers to resend. */
    List<MarkerRequest> reload() {
        TransactionCoordinatorShard fresh = new TransactionCoordinatorShard(0, config, clock::get, ids);
        for (byte[][] kv : log) fresh.replay(TxnRecordSerde.read(kv[0], kv[1]));
        shard = fresh;
        markers.clear();
        List<MarkerRequest> pending = fresh.pendingMarkers();
        markers.addAll(pending);
        return pending;
    }

    void advance(long ms) {
        clock.addAndGet(ms);
    }

    static TopicPartition tp(String topic, int p) {
        return new TopicPartition(topic, p);
    }
}
