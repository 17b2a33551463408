package io.runnel.broker.partition;

import io.runnel.broker.interbroker.InterBrokerChannel;
import io.runnel.common.Errors;
import io.runnel.common.NodeLinkFaults;
import io.runnel.common.Time;
import io.runnel.common.TopicPartition;
import io.runnel.protocol.ApiKeys;
import io.runnel.protocol.message.FetchResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.function.IntFunction;

/**
 * One follower fetcher thread ("replica-fetcher-&lt;leader&gt;-&lt;n&gt;"): fetches its partitions from one leader with
 * Fetch v17 over an {@link InterBrokerChannel}. What to ask and what to do with the answer is {@link FollowerFetch}'s;
 * this thread only loops, sends, and waits {@code replica.fetch.backoff.ms} after a failed connection or a
 * top-level error.
 */
final class ReplicaFetcher extends Thread {
    private static final Logger log = LoggerFactory.getLogger(ReplicaFetcher.class);
    static final short FETCH_VERSION = 17;

    private final int nodeId;
    private final int leaderId;
    private final ReplicationConfig config;
    private final IntFunction<InetSocketAddress> endpoints;
    private final FollowerFetch fetch;
    private final ReplicaManager replicas;
    private final Object changed = new Object();
    private volatile boolean running = true;
    private InterBrokerChannel channel;
    private long lastFailureLogMs;

    /** TLS towards the leader (an SSL inter-broker listener), or null. */
    private final io.runnel.broker.interbroker.InterBrokerSecurity tls;

    ReplicaFetcher(int nodeId, int leaderId, int index, ReplicationConfig config, IntFunction<InetSocketAddress> endpoints,
                   ReplicaManager replicas, java.util.function.LongSupplier brokerEpoch, io.runnel.broker.interbroker.InterBrokerSecurity tls) {
        super("replica-fetcher-" + leaderId + "-" + index);
        this.tls = tls;
        setDaemon(true);
        this.nodeId = nodeId;
        this.leaderId = leaderId;
        this.config = config;
        this.endpoints = endpoints;
        this.fetch = new FollowerFetch(nodeId, leaderId, config, replicas, brokerEpoch, Time.SYSTEM);
        this.replicas = replicas;
    }

    void add(Partition p, int leaderEpoch) {
        fetch.add(p, leaderEpoch);
        synchronized (changed) {
            changed.notifyAll();
        }
    }

    void remove(TopicPartition tp) {
        fetch.remove(tp);
    }

    /**
     * Asks the thread to stop after its current fetch (at most a fetch's wait plus its socket timeout); see
     * {@link #awaitShutdown}. The thread is not interrupted: an interrupt during a follower append closes the log
     * segment's FileChannel (ClosedByInterruptException), which fails the append and the log.
     */
    void shutdown() {
        running = false;
        synchronized (changed) {
            changed.notifyAll();
        }
    }

    /** Waits up to {@code timeoutMs} for the thread to end after {@link #shutdown}. */
    void awaitShutdown(long timeoutMs) {
        try {
            join(Math.max(1, timeoutMs));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void run() {
        try {
            while (running) {
                if (!fetchOnce()) {
                    synchronized (changed) {
                        changed.wait(50);
                    }
                }
            }
        } catch (InterruptedException e) {
            // shutting down
        } finally {
            InterBrokerChannel c = channel;
            if (c != null) c.close();
        }
    }

    /** One fetch round; false when there was nothing to fetch (the caller waits a little). */
    private boolean fetchOnce() throws InterruptedException {
        FollowerFetch.Prepared prepared = fetch.prepare();
        if (prepared == null) return false;
        InetSocketAddress leader = endpoints.apply(leaderId);
        if (leader == null) {
            backoff("no endpoint is known for leader " + leaderId);
            return true;
        }
        if (channel == null) {
            channel = new InterBrokerChannel("replica-fetcher-" + nodeId, leader.getHostString(), leader.getPort(),
                    config.socketTimeoutMs(), tls);
        } else {
            channel.retarget(leader.getHostString(), leader.getPort());
        }
        FetchResponse resp;
        try {
            // the test-only traffic seam (NodeLinkFaults): unset, nothing is dropped
            if (NodeLinkFaults.dropped(NodeLinkFaults.Path.REPLICA_FETCH, nodeId, leaderId)) {
                throw new IOException("the link from node " + nodeId + " to node " + leaderId + " is cut by the test");
            }
            resp = channel.send(ApiKeys.FETCH, FETCH_VERSION, prepared.request(), config.socketTimeoutMs() + config.fetchWaitMaxMs());
        } catch (IOException e) {
            if (!running) return true;
            replicas.leaderUnreachable(leaderId); // the controller may look at once whether its process is gone
            backoff("fetch from broker " + leaderId + " at " + channel.address() + " failed: " + e.getMessage());
            return true;
        }
        Errors error = fetch.apply(prepared, resp);
        if (error != Errors.NONE) backoff("fetch from broker " + leaderId + " failed: " + error);
        return true;
    }

    private void backoff(String why) throws InterruptedException {
        long now = System.currentTimeMillis();
        if (now - lastFailureLogMs > 10_000) {
            log.info("Replica fetcher {}: {}", getName(), why);
            lastFailureLogMs = now;
        } else {
            log.debug("Replica fetcher {}: {}", getName(), why);
        }
        synchronized (changed) {
            if (running) changed.wait(Math.max(1, config.fetchBackoffMs())); // woken by shutdown
        }
    }

    List<TopicPartition> partitions() {
        return fetch.partitions();
    }
}
