/**
 * Partition logs: segments with their offset and time indexes, recovery, retention, flushing,
 * idempotent-producer state, the leader-epoch cache and log compaction. Entry points:
 * {@link io.runnel.storage.LogManager} (owns all logs of a broker) and
 * {@link io.runnel.storage.PartitionLog} (one partition). See {@code docs/storage.md}.
 */
package io.runnel.storage;
