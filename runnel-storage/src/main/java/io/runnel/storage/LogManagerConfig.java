package io.runnel.storage;

/**
 * Broker-level settings of the {@link LogManager}, under Kafka's broker config names; {@link #DEFAULT}
 * holds Kafka 4.x's defaults.
 *
 * @param retentionCheckIntervalMs          {@code log.retention.check.interval.ms}: how often retention runs
 * @param flushCheckIntervalMs              {@code log.flush.scheduler.interval.ms}: how often flush.ms is checked
 *                                          ({@code Long.MAX_VALUE}: never)
 * @param recoveryPointCheckpointIntervalMs {@code log.flush.offset.checkpoint.interval.ms}
 * @param logStartOffsetCheckpointIntervalMs {@code log.flush.start.offset.checkpoint.interval.ms}
 * @param highWatermarkCheckpointIntervalMs {@code replica.high.watermark.checkpoint.interval.ms}
 * @param recoveryThreadsPerDataDir         {@code num.recovery.threads.per.data.dir}
 * @param cleanerEnable                     {@code log.cleaner.enable}
 * @param cleanerThreads                    {@code log.cleaner.threads}
 * @param cleanerDedupeBufferSize           {@code log.cleaner.dedupe.buffer.size}: memory of the key → offset maps
 *                                          of all cleaner threads together
 * @param cleanerIoBufferSize               {@code log.cleaner.io.buffer.size}
 * @param cleanerBackoffMs                  {@code log.cleaner.backoff.ms}: sleep when no log needs cleaning
 * @param producerIdExpirationMs            {@code producer.id.expiration.ms}
 * @param producerIdExpirationCheckIntervalMs {@code producer.id.expiration.check.interval.ms}
 * @param initialTaskDelayMs                {@code log.initial.task.delay.ms}: delay before the first periodic task
 * @param schedulerThreads                  {@code background.threads}: threads of the storage scheduler
 * @param maxOpenFiles                      {@code log.max.open.files} (Runnel only): segment and index files of
 *                                          all logs held open at once; idle ones are closed and reopen on use
 */
public record LogManagerConfig(long retentionCheckIntervalMs, long flushCheckIntervalMs,
                               long recoveryPointCheckpointIntervalMs, long logStartOffsetCheckpointIntervalMs,
                               long highWatermarkCheckpointIntervalMs, int recoveryThreadsPerDataDir,
                               boolean cleanerEnable, int cleanerThreads, long cleanerDedupeBufferSize,
                               int cleanerIoBufferSize, long cleanerBackoffMs, long producerIdExpirationMs,
                               long producerIdExpirationCheckIntervalMs, long initialTaskDelayMs,
                               int schedulerThreads, int maxOpenFiles) {

    public static final LogManagerConfig DEFAULT = new LogManagerConfig(
            300_000,            // log.retention.check.interval.ms: 5 minutes
            Long.MAX_VALUE,     // log.flush.scheduler.interval.ms
            60_000,             // log.flush.offset.checkpoint.interval.ms
            60_000,             // log.flush.start.offset.checkpoint.interval.ms
            5_000,              // replica.high.watermark.checkpoint.interval.ms
            2,                  // num.recovery.threads.per.data.dir (Kafka 4.0, KIP-1030)
            true,               // log.cleaner.enable
            1,                  // log.cleaner.threads
            128L * 1024 * 1024, // log.cleaner.dedupe.buffer.size
            512 * 1024,         // log.cleaner.io.buffer.size
            15_000,             // log.cleaner.backoff.ms
            86_400_000,         // producer.id.expiration.ms: 1 day
            600_000,            // producer.id.expiration.check.interval.ms: 10 minutes
            30_000,             // log.initial.task.delay.ms
            10,                 // background.threads
            4096);              // log.max.open.files

    public LogManagerConfig {
        if (retentionCheckIntervalMs < 1 || flushCheckIntervalMs < 1 || recoveryPointCheckpointIntervalMs < 1
                || logStartOffsetCheckpointIntervalMs < 1 || highWatermarkCheckpointIntervalMs < 1
                || producerIdExpirationCheckIntervalMs < 1) {
            throw new IllegalArgumentException("intervals must be at least 1 ms");
        }
        if (recoveryThreadsPerDataDir < 1 || cleanerThreads < 0 || schedulerThreads < 1 || maxOpenFiles < 1) {
            throw new IllegalArgumentException("thread counts out of range");
        }
        if (initialTaskDelayMs < 0 || cleanerBackoffMs < 0) throw new IllegalArgumentException("negative delay");
    }

    public LogManagerConfig withRetentionCheckIntervalMs(long ms) {
        return new LogManagerConfig(ms, flushCheckIntervalMs, recoveryPointCheckpointIntervalMs,
                logStartOffsetCheckpointIntervalMs, highWatermarkCheckpointIntervalMs, recoveryThreadsPerDataDir,
                cleanerEnable, cleanerThreads, cleanerDedupeBufferSize, cleanerIoBufferSize, cleanerBackoffMs,
                producerIdExpirationMs, producerIdExpirationCheckIntervalMs, initialTaskDelayMs, schedulerThreads, maxOpenFiles);
    }

    public LogManagerConfig withCleaner(boolean enable, long dedupeBufferSize, long backoffMs) {
        return new LogManagerConfig(retentionCheckIntervalMs, flushCheckIntervalMs, recoveryPointCheckpointIntervalMs,
                logStartOffsetCheckpointIntervalMs, highWatermarkCheckpointIntervalMs, recoveryThreadsPerDataDir,
                enable, cleanerThreads, dedupeBufferSize, cleanerIoBufferSize, backoffMs,
                producerIdExpirationMs, producerIdExpirationCheckIntervalMs, initialTaskDelayMs, schedulerThreads, maxOpenFiles);
    }

    public LogManagerConfig withInitialTaskDelayMs(long ms) {
        return new LogManagerConfig(retentionCheckIntervalMs, flushCheckIntervalMs, recoveryPointCheckpointIntervalMs,
                logStartOffsetCheckpointIntervalMs, highWatermarkCheckpointIntervalMs, recoveryThreadsPerDataDir,
                cleanerEnable, cleanerThreads, cleanerDedupeBufferSize, cleanerIoBufferSize, cleanerBackoffMs,
                producerIdExpirationMs, producerIdExpirationCheckIntervalMs, ms, schedulerThreads, maxOpenFiles);
    }

    public LogManagerConfig withFlushCheckIntervalMs(long ms) {
        return new LogManagerConfig(retentionCheckIntervalMs, ms, recoveryPointCheckpointIntervalMs,
                logStartOffsetCheckpointIntervalMs, highWatermarkCheckpointIntervalMs, recoveryThreadsPerDataDir,
                cleanerEnable, cleanerThreads, cleanerDedupeBufferSize, cleanerIoBufferSize, cleanerBackoffMs,
                producerIdExpirationMs, producerIdExpirationCheckIntervalMs, initialTaskDelayMs, schedulerThreads, maxOpenFiles);
    }

    public LogManagerConfig withMaxOpenFiles(int max) {
        return new LogManagerConfig(retentionCheckIntervalMs, flushCheckIntervalMs, recoveryPointCheckpointIntervalMs,
                logStartOffsetCheckpointIntervalMs, highWatermarkCheckpointIntervalMs, recoveryThreadsPerDataDir,
                cleanerEnable, cleanerThreads, cleanerDedupeBufferSize, cleanerIoBufferSize, cleanerBackoffMs,
                producerIdExpirationMs, producerIdExpirationCheckIntervalMs, initialTaskDelayMs, schedulerThreads, max);
    }

    public LogManagerConfig withRecoveryThreadsPerDataDir(int threads) {
        return new LogManagerConfig(retentionCheckIntervalMs, flushCheckIntervalMs, recoveryPointCheckpointIntervalMs,
                logStartOffsetCheckpointIntervalMs, highWatermarkCheckpointIntervalMs, threads,
                cleanerEnable, cleanerThreads, cleanerDedupeBufferSize, cleanerIoBufferSize, cleanerBackoffMs,
                producerIdExpirationMs, producerIdExpirationCheckIntervalMs, initialTaskDelayMs, schedulerThreads, maxOpenFiles);
    }
}
