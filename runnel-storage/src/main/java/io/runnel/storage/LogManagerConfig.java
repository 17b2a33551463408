package io.runnel.storage;

import io.runnel.config.BrokerConfigs;
import io.runnel.config.ConfigValues;

import java.util.Map;

/**
 * Broker-level settings of the {@link LogManager}, under Kafka's broker config names. The keys, defaults and
 * valid ranges are defined once, in {@link BrokerConfigs}; {@link #from} reads them and {@link #DEFAULT} is an
 * empty server.properties. Four intervals that are not configurable are constants here.
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

    /** {@code log.flush.start.offset.checkpoint.interval.ms}: Kafka's default, not configurable here. */
    static final long LOG_START_OFFSET_CHECKPOINT_INTERVAL_MS = 60_000;
    /** {@code replica.high.watermark.checkpoint.interval.ms}: Kafka's default, not configurable here. */
    static final long HIGH_WATERMARK_CHECKPOINT_INTERVAL_MS = 5_000;
    /** {@code producer.id.expiration.check.interval.ms}: Kafka's default (10 minutes), not configurable here. */
    static final long PRODUCER_ID_EXPIRATION_CHECK_INTERVAL_MS = 600_000;
    /** {@code log.initial.task.delay.ms}: Kafka's default, not configurable here. */
    static final long INITIAL_TASK_DELAY_MS = 30_000;

    /** An empty server.properties. */
    public static final LogManagerConfig DEFAULT = from(BrokerConfigs.definition().parse(Map.of()));

    /** The settings from a broker's parsed configuration. */
    public static LogManagerConfig from(ConfigValues v) {
        return new LogManagerConfig(
                v.getLong(BrokerConfigs.LOG_RETENTION_CHECK_INTERVAL_MS),
                v.getLong("log.flush.scheduler.interval.ms"),
                v.getInt("log.flush.offset.checkpoint.interval.ms"),
                LOG_START_OFFSET_CHECKPOINT_INTERVAL_MS,
                HIGH_WATERMARK_CHECKPOINT_INTERVAL_MS,
                v.getInt("num.recovery.threads.per.data.dir"),
                v.getBoolean("log.cleaner.enable"),
                v.getInt("log.cleaner.threads"),
                v.getLong("log.cleaner.dedupe.buffer.size"),
                v.getInt("log.cleaner.io.buffer.size"),
                v.getLong("log.cleaner.backoff.ms"),
                v.getInt("producer.id.expiration.ms"),
                PRODUCER_ID_EXPIRATION_CHECK_INTERVAL_MS,
                INITIAL_TASK_DELAY_MS,
                v.getInt("background.threads"),
                v.getInt(BrokerConfigs.LOG_MAX_OPEN_FILES));
    }

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
