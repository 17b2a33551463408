package io.runnel.storage;

import io.runnel.common.Time;
import io.runnel.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Runs log compaction for the logs with {@code cleanup.policy} containing {@code compact}:
 * {@code log.cleaner.threads} daemon threads ({@code runnel-log-cleaner-N}) repeatedly pick the log most
 * worth cleaning and clean it with a {@link Cleaner}, sleeping {@code log.cleaner.backoff.ms} when none
 * qualifies.
 *
 * <p>Selection: a log's dirty section runs from its first dirty offset (the cleaner checkpoint, or the
 * log start offset) to the first uncleanable offset: the lowest of the active segment's base offset, the
 * high watermark, the first offset of an ongoing transaction, and the base of the first segment holding
 * records newer than min.compaction.lag.ms. Its dirty ratio is dirty bytes / total bytes. A log qualifies
 * when the ratio is at least min.cleanable.dirty.ratio, when its dirty section holds a record older
 * than max.compaction.lag.ms, or when a delete horizon stamped by an earlier pass has passed; the
 * highest ratio goes first.
 *
 * <p>On disk: {@code cleaner-offset-checkpoint} in each log directory (see
 * {@link OffsetCheckpointFile}), rewritten after every pass and at shutdown.
 *
 * <p>Threads: selection and the checkpoint map are guarded by the instance monitor; a log is cleaned by
 * at most one thread at a time. A log that is deleted or truncated while being cleaned makes the pass
 * abort at its swap (see {@link Cleaner}).
 */
public final class LogCleaner {
    private static final Logger LOG = LoggerFactory.getLogger(LogCleaner.class);

    private final LogManagerConfig config;
    private final Time time;
    private final Supplier<Collection<PartitionLog>> logs;
    private final Map<TopicPartition, Long> checkpoints = new HashMap<>();
    private final Map<TopicPartition, Long> deleteHorizons = new HashMap<>();
    private final Set<TopicPartition> inProgress = new HashSet<>();
    private final List<Thread> threads = new ArrayList<>();
    private final List<Path> logDirs = new ArrayList<>();
    private volatile boolean running;
    private final Object sleeper = new Object();

    LogCleaner(LogManagerConfig config, Time time, Supplier<Collection<PartitionLog>> logs) {
        this.config = config;
        this.time = time;
        this.logs = logs;
    }

    /** Loads the cleaner checkpoints of the given directories. */
    synchronized void loadCheckpoints(List<Path> dirs) {
        logDirs.clear();
        logDirs.addAll(dirs);
        for (Path d : dirs) checkpoints.putAll(new OffsetCheckpointFile(d.resolve(OffsetCheckpointFile.CLEANER_OFFSET)).read());
    }

    /** Writes the cleaner checkpoint of every log directory (logs no longer present are dropped). */
    synchronized void writeCheckpoints(List<Path> dirs) {
        Map<Path, Map<TopicPartition, Long>> byDir = new HashMap<>();
        for (Path d : dirs) byDir.put(d, new HashMap<>());
        for (PartitionLog l : logs.get()) {
            Long cp = checkpoints.get(l.topicPartition());
            Map<TopicPartition, Long> m = byDir.get(l.dir().getParent());
            if (cp != null && m != null) m.put(l.topicPartition(), cp);
        }
        for (Map.Entry<Path, Map<TopicPartition, Long>> e : byDir.entrySet()) {
            try {
                new OffsetCheckpointFile(e.getKey().resolve(OffsetCheckpointFile.CLEANER_OFFSET)).write(e.getValue());
            } catch (IOException ex) {
                LOG.warn("Could not write the cleaner checkpoint in {}: {}", e.getKey(), ex.toString());
            }
        }
    }

    /** Starts the cleaner threads. */
    void startup() {
        running = true;
        long perThread = Math.max(1024, config.cleanerDedupeBufferSize() / Math.max(1, config.cleanerThreads()));
        for (int i = 0; i < config.cleanerThreads(); i++) {
            Cleaner cleaner = new Cleaner(perThread, time);
            Thread t = new Thread(() -> runLoop(cleaner), "runnel-log-cleaner-" + i);
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
    }

    private void runLoop(Cleaner cleaner) {
        while (running) {
            boolean cleaned = false;
            try {
                cleaned = cleanOnce(cleaner).filter(r -> r.bytesBefore() > 0).isPresent();
            } catch (RuntimeException e) {
                LOG.error("Log cleaner pass failed", e);
            }
            if (!cleaned) {
                synchronized (sleeper) {
                    if (!running) break;
                    try {
                        sleeper.wait(Math.max(1, config.cleanerBackoffMs()));
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
            }
        }
    }

    /** Stops the threads, waiting for a pass under way to finish or abort. */
    void shutdown() {
        running = false;
        synchronized (sleeper) {
            sleeper.notifyAll();
        }
        for (Thread t : threads) {
            try {
                t.join(60_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        threads.clear();
    }

    /** Forgets {@code tp} (its log is being deleted); a pass under way on it aborts at its swap. */
    synchronized void abortAndRemove(TopicPartition tp) {
        checkpoints.remove(tp);
        deleteHorizons.remove(tp);
    }

    /** The first dirty offset recorded for {@code tp}. */
    public synchronized OptionalLong checkpoint(TopicPartition tp) {
        Long v = checkpoints.get(tp);
        return v == null ? OptionalLong.empty() : OptionalLong.of(v);
    }

    /** The dirty section of one log and how much it matters. */
    record Candidate(PartitionLog log, long firstDirtyOffset, long uncleanableOffset, double ratio, boolean mustClean,
                     boolean horizonPassed) {
    }

    /**
     * Runs one pass on the calling thread with a fresh {@link Cleaner}: cleans the log most worth
     * cleaning, if any qualifies. For tests and tools.
     *
     * @return the pass's result, empty when no log qualified
     */
    public Optional<Cleaner.Result> cleanOnce() {
        return cleanOnce(new Cleaner(Math.max(1024, config.cleanerDedupeBufferSize()), time));
    }

    Optional<Cleaner.Result> cleanOnce(Cleaner cleaner) {
        Candidate c = grabFilthiest();
        if (c == null) return Optional.empty();
        return Optional.ofNullable(runPass(cleaner, c));
    }

    /**
     * Cleans {@code log} now, whatever its dirty ratio, rewriting its already-clean section too (so
     * tombstones whose delete horizon passed are dropped); still only up to its uncleanable offset. For
     * tests and tools.
     *
     * @return the pass's result, empty when the log is not compacted, is being cleaned, or failed
     */
    public Optional<Cleaner.Result> cleanLog(PartitionLog log) {
        Candidate c;
        synchronized (this) {
            if (!log.config().compact() || inProgress.contains(log.topicPartition())) return Optional.empty();
            c = candidate(log, time.milliseconds());
            if (c == null) return Optional.empty();
            c = new Candidate(c.log(), c.firstDirtyOffset(), c.uncleanableOffset(), c.ratio(), c.mustClean(), true);
            inProgress.add(log.topicPartition());
        }
        return Optional.ofNullable(runPass(new Cleaner(Math.max(1024, config.cleanerDedupeBufferSize()), time), c));
    }

    private Cleaner.Result runPass(Cleaner cleaner, Candidate c) {
        TopicPartition tp = c.log().topicPartition();
        try {
            Cleaner.Result r = cleaner.clean(c.log(), c.firstDirtyOffset(), c.uncleanableOffset(), c.horizonPassed());
            synchronized (this) {
                if (r.endOffset() > c.firstDirtyOffset()) checkpoints.put(tp, r.endOffset());
                if (r.earliestDeleteHorizon() != Long.MAX_VALUE) deleteHorizons.put(tp, r.earliestDeleteHorizon());
                else deleteHorizons.remove(tp);
                if (!logDirs.isEmpty()) writeCheckpoints(logDirs);
            }
            return r;
        } catch (Cleaner.AbortedException e) {
            LOG.info("Cleaning of {} aborted: {}", tp, e.getMessage());
            return null;
        } catch (IOException | RuntimeException e) {
            if (c.log().isClosed()) {
                LOG.info("Cleaning of {} aborted: the log was closed", tp);
            } else {
                LOG.error("Cleaning of {} failed", tp, e);
            }
            return null;
        } finally {
            synchronized (this) {
                inProgress.remove(tp);
            }
        }
    }

    private synchronized Candidate grabFilthiest() {
        long now = time.milliseconds();
        Candidate best = null;
        for (PartitionLog log : logs.get()) {
            if (!log.config().compact() || log.isClosed() || inProgress.contains(log.topicPartition())) continue;
            Candidate c = candidate(log, now);
            if (c == null) continue;
            boolean qualifies = c.mustClean() || c.horizonPassed()
                    || (c.ratio() > 0 && c.ratio() >= log.config().minCleanableDirtyRatio());
            if (!qualifies) continue;
            if (best == null || score(c) > score(best)) best = c;
        }
        if (best != null) inProgress.add(best.log().topicPartition());
        return best;
    }

    private static double score(Candidate c) {
        return c.mustClean() || c.horizonPassed() ? Double.MAX_VALUE : c.ratio();
    }

    /** The dirty section of {@code log}; null when there is nothing below its uncleanable offset. */
    private Candidate candidate(PartitionLog log, long now) {
        List<LogSegment> segs = new ArrayList<>(log.segments.values());
        if (segs.size() < 2) return null;
        LogConfig cfg = log.config();
        long activeBase = segs.get(segs.size() - 1).baseOffset();
        long start = log.logStartOffset();
        Long cp = checkpoints.get(log.topicPartition());
        long firstDirty = cp == null ? start : cp;
        if (firstDirty < start || firstDirty > activeBase) firstDirty = start;

        // never beyond an ongoing transaction: the last stable offset is at most the high watermark
        long uncleanable = Math.min(activeBase, log.lastStableOffset());
        boolean mustClean = false;
        for (int i = 0; i + 1 < segs.size(); i++) {
            LogSegment s = segs.get(i);
            long end = segs.get(i + 1).baseOffset();
            if (end <= firstDirty) continue;
            long ts = s.largestTimestamp();
            if (cfg.minCompactionLagMs() > 0 && now - ts < cfg.minCompactionLagMs()) {
                uncleanable = Math.min(uncleanable, s.baseOffset());
                break;
            }
            if (cfg.maxCompactionLagMs() != Long.MAX_VALUE && end <= uncleanable && now - ts > cfg.maxCompactionLagMs()) {
                mustClean = true;
            }
        }
        long cleanBytes = 0;
        long dirtyBytes = 0;
        for (int i = 0; i + 1 < segs.size(); i++) {
            long end = segs.get(i + 1).baseOffset();
            if (end > uncleanable) break;
            if (end <= firstDirty) cleanBytes += segs.get(i).size();
            else dirtyBytes += segs.get(i).size();
        }
        if (dirtyBytes == 0 && cleanBytes == 0) return null;
        double ratio = dirtyBytes == 0 ? 0 : (double) dirtyBytes / (cleanBytes + dirtyBytes);
        Long horizon = deleteHorizons.get(log.topicPartition());
        boolean horizonPassed = horizon != null && now >= horizon;
        return new Candidate(log, firstDirty, uncleanable, ratio, mustClean && dirtyBytes > 0, horizonPassed);
    }
}
