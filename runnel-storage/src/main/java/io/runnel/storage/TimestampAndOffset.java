package io.runnel.storage;

/**
 * A ListOffsets answer: a record's timestamp (-1 when the lookup is not by timestamp), its offset, and
 * the leader epoch of the batch holding it (-1 when unknown).
 */
public record TimestampAndOffset(long timestamp, long offset, int leaderEpoch) {
}
