package io.runnel.broker.txn;

import io.runnel.broker.interbroker.InterBrokerChannel;
import io.runnel.common.Errors;
import io.runnel.common.TopicPartition;
import io.runnel.protocol.ApiKeys;
import io.runnel.protocol.message.WriteTxnMarkersRequest;
import io.runnel.protocol.message.WriteTxnMarkersResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntFunction;
import java.util.function.ToIntFunction;

/**
 * Writes a transaction marker wherever its partition's leader is: through the {@link LocalMarkerWriter} when this
 * broker leads the partition, else as WriteTxnMarkers v1 to the leader (Kafka's transaction marker channel). The
 * leader is looked up in the metadata image on every attempt, so a retry after NOT_LEADER_OR_FOLLOWER goes to the
 * new leader.
 *
 * <p>Per destination broker, markers queue and go out together: while one WriteTxnMarkers request is in flight, the
 * markers that arrive meanwhile wait and leave as the next request, grouped by producer (one request entry per
 * producer, epoch, result and coordinator epoch, its partitions grouped by topic). Each partition is answered with its
 * own error. The leader answers once its ISR has the marker. A connection failure or timeout answers every marker of
 * the request with NETWORK_EXCEPTION, no known leader or endpoint with LEADER_NOT_AVAILABLE, an unknown partition with
 * UNKNOWN_TOPIC_OR_PARTITION; retrying (with a backoff) is the caller's ({@link TxnMarkerSender}). A marker that is
 * written twice (its answer was lost) is harmless: the second one ends no transaction.
 *
 * <p>Threads: {@link #writeTxnMarker} never blocks; requests are sent by a small pool of "txn-marker-channel" threads,
 * one blocking {@link InterBrokerChannel} per destination broker, used by one thread at a time. Futures of remote
 * markers complete on those threads.
 */
public final class TxnMarkerChannelManager implements MarkerWriter, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TxnMarkerChannelManager.class);
    /** What {@code leaders} answers for a partition the image does not hold. */
    public static final int UNKNOWN_PARTITION = -2;
    static final short VERSION = 1;
    private static final int THREADS = 3;
    private static final int MAX_MARKERS_PER_REQUEST = 1000;

    private final int nodeId;
    private final MarkerWriter local;
    private final ToIntFunction<TopicPartition> leaders;
    private final IntFunction<InetSocketAddress> endpoints;
    private final int requestTimeoutMs;
    private final Map<Integer, Destination> destinations = new ConcurrentHashMap<>();
    private final ExecutorService pool;
    private final LongAdder requestsSent = new LongAdder();
    private final LongAdder markersSent = new LongAdder();
    private volatile boolean closed;

    /**
     * @param leaders          the current leader of a partition (the metadata image), -1 while it has none,
     *                         {@link #UNKNOWN_PARTITION} when the partition does not exist
     * @param endpoints        where to reach a broker (inter.broker.listener.name), null when it is not registered
     * @param requestTimeoutMs how long to wait for a WriteTxnMarkers answer (above the leader's replication wait)
     */
    /** TLS towards other brokers, or null. */
    private final io.runnel.broker.interbroker.InterBrokerSecurity tls;

    public TxnMarkerChannelManager(int nodeId, MarkerWriter local, ToIntFunction<TopicPartition> leaders,
                                   IntFunction<InetSocketAddress> endpoints, int requestTimeoutMs) {
        this(nodeId, local, leaders, endpoints, requestTimeoutMs, null);
    }

    /** As above, connecting to other brokers with {@code tls}'s TLS and SASL when it is not null (an SSL or SASL inter-broker listener). */
    public TxnMarkerChannelManager(int nodeId, MarkerWriter local, ToIntFunction<TopicPartition> leaders,
                                   IntFunction<InetSocketAddress> endpoints, int requestTimeoutMs, io.runnel.broker.interbroker.InterBrokerSecurity tls) {
        this.tls = tls;
        this.nodeId = nodeId;
        this.local = local;
        this.leaders = leaders;
        this.endpoints = endpoints;
        this.requestTimeoutMs = requestTimeoutMs;
        AtomicInteger n = new AtomicInteger();
        this.pool = Executors.newFixedThreadPool(THREADS, r -> {
            Thread t = new Thread(r, "txn-marker-channel-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    @Override
    public CompletableFuture<Errors> writeTxnMarker(TopicPartition tp, long producerId, short producerEpoch, int coordinatorEpoch,
                                                    boolean commit) {
        int leader = leaders.applyAsInt(tp);
        if (leader == nodeId) return local.writeTxnMarker(tp, producerId, producerEpoch, coordinatorEpoch, commit);
        if (leader == UNKNOWN_PARTITION) return CompletableFuture.completedFuture(Errors.UNKNOWN_TOPIC_OR_PARTITION);
        if (leader < 0) return CompletableFuture.completedFuture(Errors.LEADER_NOT_AVAILABLE);
        if (closed) return CompletableFuture.completedFuture(Errors.NETWORK_EXCEPTION);
        Pending p = new Pending(tp, producerId, producerEpoch, coordinatorEpoch, commit, new CompletableFuture<>());
        destinations.computeIfAbsent(leader, Destination::new).enqueue(p);
        return p.result;
    }

    /** WriteTxnMarkers requests sent to other brokers so far. */
    public long requestsSent() {
        return requestsSent.sum();
    }

    /** Markers sent to other brokers so far (at least {@link #requestsSent()}: a request carries several). */
    public long markersSent() {
        return markersSent.sum();
    }

    /**
     * Stops sending; queued markers are answered NETWORK_EXCEPTION. Never waits for a request in flight: the channels
     * are closed on a daemon thread (a channel in use closes once its request ends).
     */
    @Override
    public void close() {
        closed = true;
        pool.shutdownNow();
        for (Destination d : destinations.values()) d.failQueued();
        Thread closer = new Thread(() -> destinations.values().forEach(Destination::close), "txn-marker-channel-close");
        closer.setDaemon(true);
        closer.start();
    }

    private record Pending(TopicPartition tp, long producerId, short producerEpoch, int coordinatorEpoch, boolean commit,
                           CompletableFuture<Errors> result) {
        MarkerKey key() {
            return new MarkerKey(producerId, producerEpoch, commit, coordinatorEpoch);
        }
    }

    /** One entry of a WriteTxnMarkers request. */
    private record MarkerKey(long producerId, short producerEpoch, boolean commit, int coordinatorEpoch) {
    }

    /** The queue and the channel to one broker; drained by at most one pool thread at a time. */
    private final class Destination {
        private final int brokerId;
        private final Queue<Pending> queue = new ConcurrentLinkedQueue<>();
        private final AtomicBoolean scheduled = new AtomicBoolean();
        private volatile InterBrokerChannel channel;

        Destination(int brokerId) {
            this.brokerId = brokerId;
        }

        void enqueue(Pending p) {
            queue.add(p);
            schedule();
        }

        private void schedule() {
            if (!scheduled.compareAndSet(false, true)) return;
            try {
                pool.execute(this::drainOnce);
            } catch (RejectedExecutionException e) {
                failQueued(); // shut down: nothing will be sent
            }
        }

        /** Sends one request with what is queued; schedules itself again while more is queued (fair to other brokers). */
        private void drainOnce() {
            List<Pending> batch = new ArrayList<>();
            try {
                Pending p;
                while (batch.size() < MAX_MARKERS_PER_REQUEST && (p = queue.poll()) != null) batch.add(p);
                if (!batch.isEmpty()) send(batch);
            } catch (RuntimeException e) {
                log.error("Sending transaction markers to broker {} failed", brokerId, e);
                completeAll(batch, Errors.UNKNOWN_SERVER_ERROR); // retried by TxnMarkerSender; no-op for those answered
            } finally {
                scheduled.set(false);
                if (!queue.isEmpty()) schedule();
            }
        }

        private void send(List<Pending> batch) {
            InetSocketAddress address = endpoints.apply(brokerId);
            if (address == null) {
                completeAll(batch, Errors.LEADER_NOT_AVAILABLE);
                return;
            }
            if (channel == null) {
                channel = new InterBrokerChannel("txn-marker-channel-" + nodeId, address.getHostString(), address.getPort(),
                        Math.min(requestTimeoutMs, 10_000), tls);
            } else {
                channel.retarget(address.getHostString(), address.getPort());
            }
            Map<MarkerKey, List<Pending>> byMarker = new LinkedHashMap<>();
            for (Pending p : batch) byMarker.computeIfAbsent(p.key(), k -> new ArrayList<>()).add(p);
            WriteTxnMarkersRequest req = request(byMarker);
            WriteTxnMarkersResponse resp;
            try {
                requestsSent.increment();
                markersSent.add(batch.size());
                resp = channel.send(ApiKeys.WRITE_TXN_MARKERS, VERSION, req, requestTimeoutMs);
            } catch (IOException e) {
                log.debug("WriteTxnMarkers to broker {} at {} failed: {}", brokerId, channel.address(), e.toString());
                completeAll(batch, Errors.NETWORK_EXCEPTION);
                return;
            }
            answer(byMarker, resp);
        }

        private void failQueued() {
            Pending p;
            while ((p = queue.poll()) != null) p.result.complete(Errors.NETWORK_EXCEPTION);
        }

        private void close() {
            InterBrokerChannel c = channel;
            if (c != null) c.close();
        }
    }

    private static WriteTxnMarkersRequest request(Map<MarkerKey, List<Pending>> byMarker) {
        WriteTxnMarkersRequest req = new WriteTxnMarkersRequest();
        for (Map.Entry<MarkerKey, List<Pending>> e : byMarker.entrySet()) {
            MarkerKey k = e.getKey();
            WriteTxnMarkersRequest.Marker m = new WriteTxnMarkersRequest.Marker();
            m.producerId = k.producerId();
            m.producerEpoch = k.producerEpoch();
            m.transactionResult = k.commit();
            m.coordinatorEpoch = k.coordinatorEpoch();
            Map<String, WriteTxnMarkersRequest.Topic> topics = new LinkedHashMap<>();
            for (Pending p : e.getValue()) {
                topics.computeIfAbsent(p.tp().topic(), name -> {
                    WriteTxnMarkersRequest.Topic t = new WriteTxnMarkersRequest.Topic();
                    t.name = name;
                    m.topics.add(t);
                    return t;
                }).partitionIndexes.add(p.tp().partition());
            }
            req.markers.add(m);
        }
        return req;
    }

    /** The answer's entries come in the request's order (one per marker); a partition missing from it is retried. */
    private static void answer(Map<MarkerKey, List<Pending>> byMarker, WriteTxnMarkersResponse resp) {
        int i = 0;
        for (Map.Entry<MarkerKey, List<Pending>> e : byMarker.entrySet()) {
            WriteTxnMarkersResponse.Marker m = i < resp.markers.size() ? resp.markers.get(i) : null;
            i++;
            Map<TopicPartition, Errors> errors = new HashMap<>();
            if (m != null && m.producerId == e.getKey().producerId()) {
                for (WriteTxnMarkersResponse.Topic t : m.topics) {
                    for (WriteTxnMarkersResponse.Partition p : t.partitions) {
                        errors.put(new TopicPartition(t.name, p.partitionIndex), Errors.forCode(p.errorCode));
                    }
                }
            }
            for (Pending p : e.getValue()) p.result.complete(errors.getOrDefault(p.tp(), Errors.UNKNOWN_SERVER_ERROR));
        }
    }

    private static void completeAll(List<Pending> batch, Errors error) {
        for (Pending p : batch) p.result.complete(error);
    }
}
