package io.runnel.group;

import io.runnel.common.ApiException;
import io.runnel.common.Errors;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * A {@link CoordinatorLog} in memory, for tests: appends complete at once (or fail, when told to), and
 * {@link #compact} drops superseded records and tombstones as a log cleaner eventually would. Thread-safe.
 */
public final class InMemoryCoordinatorLog implements CoordinatorLog {
    private final Map<Integer, List<CoordinatorRecord>> logs = new LinkedHashMap<>();
    /** Per partition, the transactional entries in order with the plain ones: see {@link #replayWithTransactions}. */
    private final Map<Integer, List<Entry>> entries = new LinkedHashMap<>();

    /** A plain record (producerId -1), a transactional one, or a marker (record null). */
    private record Entry(long producerId, CoordinatorRecord record, boolean commit) {
    }
    private Errors failNextAppends;
    private int failCount;

    @Override
    public synchronized CompletableFuture<Void> append(int partition, List<CoordinatorRecord> records) {
        if (failCount > 0) {
            failCount--;
            return CompletableFuture.failedFuture(new ApiException(failNextAppends, "injected append failure"));
        }
        logs.computeIfAbsent(partition, p -> new ArrayList<>()).addAll(records);
        for (CoordinatorRecord r : records) entries.computeIfAbsent(partition, p -> new ArrayList<>()).add(new Entry(-1, r, false));
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public synchronized CompletableFuture<Void> appendTransactional(int partition, long producerId, short producerEpoch,
                                                                    List<CoordinatorRecord> records) {
        if (failCount > 0) {
            failCount--;
            return CompletableFuture.failedFuture(new ApiException(failNextAppends, "injected append failure"));
        }
        for (CoordinatorRecord r : records) entries.computeIfAbsent(partition, p -> new ArrayList<>()).add(new Entry(producerId, r, false));
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public synchronized CompletableFuture<Errors> writeMarker(int partition, long producerId, short producerEpoch, int coordinatorEpoch,
                                                             boolean commit) {
        if (failCount > 0) {
            failCount--;
            return CompletableFuture.completedFuture(failNextAppends);
        }
        entries.computeIfAbsent(partition, p -> new ArrayList<>()).add(new Entry(producerId, null, commit));
        return CompletableFuture.completedFuture(Errors.NONE);
    }

    @Override
    public void replayWithTransactions(int partition, ReplaySink sink) {
        List<Entry> copy;
        synchronized (this) {
            copy = new ArrayList<>(entries.getOrDefault(partition, List.of()));
        }
        for (Entry e : copy) {
            if (e.record() == null) sink.marker(e.producerId(), e.commit());
            else if (e.producerId() >= 0) sink.transactional(e.producerId(), e.record());
            else sink.record(e.record());
        }
    }

    @Override
    public void replay(int partition, Consumer<CoordinatorRecord> sink) {
        List<CoordinatorRecord> copy;
        synchronized (this) {
            copy = new ArrayList<>(logs.getOrDefault(partition, List.of()));
        }
        copy.forEach(sink);
    }

    /** Makes the next {@code count} appends fail with {@code error}. */
    public synchronized void failNextAppends(int count, Errors error) {
        this.failCount = count;
        this.failNextAppends = error;
    }

    /** Every record of a partition, in order. */
    public synchronized List<CoordinatorRecord> records(int partition) {
        return new ArrayList<>(logs.getOrDefault(partition, List.of()));
    }

    /** The number of records of all partitions. */
    public synchronized int size() {
        return logs.values().stream().mapToInt(List::size).sum();
    }

    /** Keeps only the last record of each key and drops tombstones, as a finished log cleaning would. */
    public synchronized void compact() {
        for (Map.Entry<Integer, List<CoordinatorRecord>> e : logs.entrySet()) {
            Map<ByteBuffer, CoordinatorRecord> last = new LinkedHashMap<>();
            for (CoordinatorRecord r : e.getValue()) {
                ByteBuffer k = ByteBuffer.wrap(r.key());
                last.remove(k);
                last.put(k, r);
            }
            List<CoordinatorRecord> kept = new ArrayList<>();
            for (CoordinatorRecord r : last.values()) if (!r.isTombstone()) kept.add(r);
            e.setValue(kept);
            // transactional entries and markers are kept as they are: a cleaner keeps them until the markers age out
            List<Entry> rest = new ArrayList<>();
            for (CoordinatorRecord r : kept) rest.add(new Entry(-1, r, false));
            for (Entry x : entries.getOrDefault(e.getKey(), List.of())) if (x.producerId() >= 0) rest.add(x);
            entries.put(e.getKey(), rest);
        }
    }
}
