package io.runnel.group;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * The storage of the group coordinator: the partitions of the internal compacted topic
 * {@code __consumer_offsets}. The broker implements it over its partition logs; {@link InMemoryCoordinatorLog}
 * serves tests.
 *
 * <p>Contract:
 * <ul>
 *   <li>{@link #append} writes the records as one batch, atomically and in order, and completes the future
 *       once they are durable (for a replicated topic: committed, i.e. below the high watermark). It may
 *       complete on any thread. It fails with an {@link io.runnel.common.ApiException} carrying the storage
 *       error (NOT_LEADER_OR_FOLLOWER, NOT_ENOUGH_REPLICAS, MESSAGE_TOO_LARGE...); the coordinator then treats
 *       the records as not written.</li>
 *   <li>{@link #replay} feeds the sink every record of the partition from its start (or its last cleaned
 *       point) to its end, in offset order, on the calling thread, and returns when done. Compaction may
 *       have dropped records superseded by later ones with the same key; tombstones may or may not still
 *       be present. The coordinator calls it from its loader thread when it becomes the leader of the
 *       partition, before it appends anything.</li>
 * </ul>
 */
public interface CoordinatorLog {
    CompletableFuture<Void> append(int partition, List<CoordinatorRecord> records);

    void replay(int partition, Consumer<CoordinatorRecord> sink);
}
