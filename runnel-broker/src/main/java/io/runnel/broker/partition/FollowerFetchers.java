package io.runnel.broker.partition;

import io.runnel.common.TopicPartition;

/**
 * Where {@link ReplicaManager} hands the partitions it follows: {@link ReplicaFetcherManager} (fetcher threads over
 * sockets) in a broker, a simulated network in the replication simulation test. Called on the metadata thread.
 */
interface FollowerFetchers extends AutoCloseable {
    /** Follows {@code p} from {@code leaderId} at {@code leaderEpoch}, instead of wherever it was followed from. */
    void addPartition(Partition p, int leaderId, int leaderEpoch);

    /** Stops following {@code tp}. */
    void removePartition(TopicPartition tp);

    @Override
    void close();
}
