package io.runnel.broker.partition;

import io.runnel.common.TopicPartition;

import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.Map;
import java.util.function.IntFunction;

/**
 * The follower side of replication: which fetcher thread fetches which partition. Each source broker (leader)
 * gets {@code num.replica.fetchers} threads, started on first use; a partition goes to one of them by its hash,
 * as in Kafka. Called on the metadata thread (add, remove) and at shutdown.
 */
final class ReplicaFetcherManager implements FollowerFetchers {
    private final int nodeId;
    private final ReplicationConfig config;
    private final IntFunction<InetSocketAddress> endpoints;
    private final ReplicaManager replicas;
    private final java.util.function.LongSupplier brokerEpoch;
    private final Map<Key, ReplicaFetcher> fetchers = new HashMap<>();
    private final Map<TopicPartition, ReplicaFetcher> assigned = new HashMap<>();
    private boolean closed;

    private record Key(int leaderId, int index) {}

    /** TLS towards leaders (an SSL inter-broker listener), or null. */
    private final io.runnel.broker.interbroker.InterBrokerSecurity tls;

    ReplicaFetcherManager(int nodeId, ReplicationConfig config, IntFunction<InetSocketAddress> endpoints, ReplicaManager replicas,
                          java.util.function.LongSupplier brokerEpoch, io.runnel.broker.interbroker.InterBrokerSecurity tls) {
        this.tls = tls;
        this.nodeId = nodeId;
        this.config = config;
        this.endpoints = endpoints;
        this.replicas = replicas;
        this.brokerEpoch = brokerEpoch;
    }

    /** Follows {@code p} from {@code leaderId} at {@code leaderEpoch}, moving it from another fetcher if needed. */
    @Override
    public synchronized void addPartition(Partition p, int leaderId, int leaderEpoch) {
        if (closed) return;
        TopicPartition tp = p.topicPartition();
        Key key = new Key(leaderId, Math.floorMod(tp.hashCode(), config.numFetchers()));
        ReplicaFetcher f = fetchers.get(key);
        if (f == null) {
            f = new ReplicaFetcher(nodeId, leaderId, key.index(), config, endpoints, replicas, brokerEpoch, tls);
            fetchers.put(key, f);
            f.start();
        }
        ReplicaFetcher old = assigned.put(tp, f);
        if (old != null && old != f) old.remove(tp);
        f.add(p, leaderEpoch);
    }

    @Override
    public synchronized void removePartition(TopicPartition tp) {
        ReplicaFetcher f = assigned.remove(tp);
        if (f != null) f.remove(tp);
    }

    @Override
    public synchronized void close() {
        closed = true;
        for (ReplicaFetcher f : fetchers.values()) f.shutdown();
        // the logs close after this: no follower append may still be running then
        for (ReplicaFetcher f : fetchers.values()) f.awaitShutdown(config.socketTimeoutMs() + config.fetchWaitMaxMs());
        fetchers.clear();
        assigned.clear();
    }
}
