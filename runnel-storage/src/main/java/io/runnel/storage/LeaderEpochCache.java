package io.runnel.storage;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.TreeMap;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * The leader epochs of one partition log and the offset each started at, persisted in the partition
 * directory's {@code leader-epoch-checkpoint} file. Serves OffsetForLeaderEpoch.
 *
 * <p>On disk (text): version line {@code 0}, a line with the number of entries, then one
 * {@code <epoch> <startOffset>} line per epoch, ascending. Rewritten atomically whenever an epoch is
 * added or entries are truncated.
 *
 * <p>Invariant: epochs and start offsets both strictly increase. Threads: guarded by a read-write lock;
 * lookups may run concurrently with appends.
 */
final class LeaderEpochCache {
    private static final Logger LOG = LoggerFactory.getLogger(LeaderEpochCache.class);
    static final String FILE_NAME = "leader-epoch-checkpoint";

    private final Path file;
    private final TreeMap<Integer, Long> epochs = new TreeMap<>();
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();

    /** Loads the checkpoint in {@code dir} (empty when missing or malformed). */
    LeaderEpochCache(Path dir) {
        this.file = dir.resolve(FILE_NAME);
        try {
            List<String> lines = CheckpointFiles.readLines(file);
            if (lines != null) {
                if (lines.size() < 2 || !lines.get(0).trim().equals("0")) throw new IOException("bad header");
                int n = Integer.parseInt(lines.get(1).trim());
                for (int i = 0; i < n; i++) {
                    String[] p = lines.get(i + 2).trim().split("\\s+");
                    int epoch = Integer.parseInt(p[0]);
                    long start = Long.parseLong(p[1]);
                    Map.Entry<Integer, Long> last = epochs.lastEntry();
                    if (last == null || (epoch > last.getKey() && start > last.getValue())) epochs.put(epoch, start);
                }
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn("Ignoring malformed leader epoch checkpoint {}: {}", file, e.toString());
            epochs.clear();
        }
    }

    /**
     * Records that {@code epoch} starts at {@code startOffset} if that is new: a larger epoch than the
     * latest, or the latest epoch starting earlier. Entries that would break monotonicity (epoch or
     * start offset not below the new one) are removed first.
     *
     * @return true if the cache changed (and was written)
     */
    boolean assign(int epoch, long startOffset) throws IOException {
        return assign(epoch, startOffset, true);
    }

    /** As {@link #assign(int, long)}; without {@code durable} the checkpoint is written but not fsynced. */
    boolean assign(int epoch, long startOffset, boolean durable) throws IOException {
        if (epoch < 0) return false;
        lock.writeLock().lock();
        try {
            Map.Entry<Integer, Long> last = epochs.lastEntry();
            if (last != null && last.getKey() == epoch && last.getValue() <= startOffset) return false;
            if (last != null && last.getKey() > epoch && last.getValue() <= startOffset) return false;
            epochs.entrySet().removeIf(e -> e.getKey() >= epoch || e.getValue() >= startOffset);
            epochs.put(epoch, startOffset);
            flush(durable);
            return true;
        } finally {
            lock.writeLock().unlock();
        }
    }

    /**
     * Records that {@code epoch} starts at {@code startOffset} only if {@code epoch} is above the latest cached
     * epoch (or the cache is empty): how batches found in the log (a follower's append, recovery) and a new
     * leader's epoch extend the cache without rewriting where earlier epochs started.
     *
     * @return true if the cache changed (and was written)
     */
    boolean assignIfNewer(int epoch, long startOffset) throws IOException {
        return assignIfNewer(epoch, startOffset, true);
    }

    /** As {@link #assignIfNewer(int, long)}; without {@code durable} the checkpoint is written but not fsynced. */
    boolean assignIfNewer(int epoch, long startOffset, boolean durable) throws IOException {
        if (epoch < 0) return false;
        lock.writeLock().lock();
        try {
            if (!epochs.isEmpty() && epochs.lastKey() >= epoch) return false;
            return assign(epoch, startOffset, durable);
        } finally {
            lock.writeLock().unlock();
        }
    }

    OptionalInt latestEpoch() {
        lock.readLock().lock();
        try {
            return epochs.isEmpty() ? OptionalInt.empty() : OptionalInt.of(epochs.lastKey());
        } finally {
            lock.readLock().unlock();
        }
    }

    /** The epoch entries, ascending (a copy). */
    TreeMap<Integer, Long> entries() {
        lock.readLock().lock();
        try {
            return new TreeMap<>(epochs);
        } finally {
            lock.readLock().unlock();
        }
    }

    /**
     * OffsetForLeaderEpoch: for the latest epoch, (epoch, logEndOffset); for an older known range, the
     * largest known epoch &lt;= requested and the start offset of the first larger epoch; for an epoch
     * below every known one, (requested, start of the first epoch); {@link EpochEndOffset#UNDEFINED} for
     * an epoch above every known one or when the cache is empty.
     */
    EpochEndOffset endOffsetFor(int requestedEpoch, long logEndOffset) {
        lock.readLock().lock();
        try {
            if (requestedEpoch < 0 || epochs.isEmpty()) return EpochEndOffset.UNDEFINED;
            if (epochs.lastKey() == requestedEpoch) return new EpochEndOffset(requestedEpoch, logEndOffset);
            Map.Entry<Integer, Long> higher = epochs.higherEntry(requestedEpoch);
            if (higher == null) return EpochEndOffset.UNDEFINED;
            Map.Entry<Integer, Long> floor = epochs.floorEntry(requestedEpoch);
            if (floor == null) return new EpochEndOffset(requestedEpoch, higher.getValue());
            return new EpochEndOffset(floor.getKey(), higher.getValue());
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Removes epochs starting at or after {@code endOffset} (the log was truncated there). */
    void truncateFromEnd(long endOffset) throws IOException {
        lock.writeLock().lock();
        try {
            if (epochs.entrySet().removeIf(e -> e.getValue() >= endOffset)) flush();
        } finally {
            lock.writeLock().unlock();
        }
    }

    /**
     * The log now starts at {@code startOffset}: epochs entirely before it are removed and the epoch
     * that contains it is moved to start there.
     */
    void truncateFromStart(long startOffset) throws IOException {
        lock.writeLock().lock();
        try {
            Map.Entry<Integer, Long> containing = null;
            for (Map.Entry<Integer, Long> e : epochs.entrySet()) {
                if (e.getValue() <= startOffset) containing = e;
            }
            if (containing == null) return;
            int keep = containing.getKey();
            boolean changed = containing.getValue() != startOffset || !epochs.headMap(keep, false).isEmpty();
            if (!changed) return;
            epochs.headMap(keep, false).clear();
            epochs.put(keep, startOffset);
            flush();
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** Drops everything (the directory is being deleted or rebuilt). */
    void clear() throws IOException {
        lock.writeLock().lock();
        try {
            epochs.clear();
            flush();
        } finally {
            lock.writeLock().unlock();
        }
    }

    private void flush() throws IOException {
        flush(true);
    }

    private void flush(boolean durable) throws IOException {
        List<String> lines = new ArrayList<>(epochs.size() + 2);
        lines.add("0");
        lines.add(Integer.toString(epochs.size()));
        epochs.forEach((e, o) -> lines.add(e + " " + o));
        CheckpointFiles.writeLines(file, lines, durable);
    }
}
