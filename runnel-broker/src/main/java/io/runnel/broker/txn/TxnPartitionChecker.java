package io.runnel.broker.txn;

import io.runnel.broker.interbroker.InterBrokerChannel;
import io.runnel.common.Errors;
import io.runnel.common.TopicPartition;
import io.runnel.protocol.ApiKeys;
import io.runnel.protocol.message.AddPartitionsToTxnRequest;
import io.runnel.protocol.message.AddPartitionsToTxnResponse;
import io.runnel.txn.TxnPartitioner;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;
import java.util.function.ToIntFunction;

/**
 * The Produce path's check of a transactional batch (KIP-890: verification, and the implicit add of transaction
 * version 2) against the transaction's coordinator wherever it is: {@link TransactionCoordinator#checkProducePartition}
 * when this broker leads the transactional id's partition of {@code __transaction_state}, else AddPartitionsToTxn v5
 * (one transaction, verify-only or an add) to that partition's leader, as a Kafka partition leader does. The answer
 * is in Produce's terms ({@link TransactionCoordinator#forProduce}): a coordinator that cannot be reached, is unknown or
 * is elsewhere gives NOT_ENOUGH_REPLICAS, which every producer retries. TxnOffsetCommit v5's implicit add of the group's
 * offsets partition goes the same way ({@link #addOffsets}).
 *
 * <p>Threads: {@link #check} never blocks; remote checks run on a small pool of "txn-verify-channel" threads with one
 * {@link InterBrokerChannel} per coordinator broker (its sends are serialized).
 */
public final class TxnPartitionChecker implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TxnPartitionChecker.class);
    private static final short VERSION = 5;
    private static final int THREADS = 2;

    private final int nodeId;
    private final TransactionCoordinator local;
    private final ToIntFunction<TopicPartition> leaders;
    private final IntFunction<InetSocketAddress> endpoints;
    private final int requestTimeoutMs;
    private final Map<Integer, InterBrokerChannel> channels = new ConcurrentHashMap<>();
    private final ExecutorService pool;

    /**
     * @param leaders   the current leader of a partition (the metadata image), negative when none or unknown
     * @param endpoints where to reach a broker, null when it is not registered
     */
    /** TLS towards other brokers, or null. */
    private final io.runnel.broker.interbroker.InterBrokerSecurity tls;

    public TxnPartitionChecker(int nodeId, TransactionCoordinator local, ToIntFunction<TopicPartition> leaders,
                               IntFunction<InetSocketAddress> endpoints, int requestTimeoutMs) {
        this(nodeId, local, leaders, endpoints, requestTimeoutMs, null);
    }

    /** As above, connecting to other brokers with {@code tls}'s TLS and SASL when it is not null (an SSL or SASL inter-broker listener). */
    public TxnPartitionChecker(int nodeId, TransactionCoordinator local, ToIntFunction<TopicPartition> leaders,
                               IntFunction<InetSocketAddress> endpoints, int requestTimeoutMs, io.runnel.broker.interbroker.InterBrokerSecurity tls) {
        this.tls = tls;
        this.nodeId = nodeId;
        this.local = local;
        this.leaders = leaders;
        this.endpoints = endpoints;
        this.requestTimeoutMs = requestTimeoutMs;
        AtomicInteger n = new AtomicInteger();
        this.pool = Executors.newFixedThreadPool(THREADS, r -> {
            Thread t = new Thread(r, "txn-verify-channel-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /** NONE, or Produce's error for the batch (see {@link TransactionCoordinator#checkProducePartition}). */
    public CompletableFuture<Errors> check(String transactionalId, long producerId, short epoch, TopicPartition tp, boolean addImplicitly) {
        int coordinator = coordinatorOf(transactionalId);
        if (coordinator == nodeId || coordinator < 0) {
            // here, or unknown: the local coordinator answers (NOT_COORDINATOR becomes a retriable error)
            return local.checkProducePartition(transactionalId, producerId, epoch, tp, addImplicitly);
        }
        return onPool(() -> {
            Errors e = remote(coordinator, transactionalId, producerId, epoch, tp, addImplicitly);
            return e == null ? Errors.NOT_ENOUGH_REPLICAS : TransactionCoordinator.forProduce(e);
        }, Errors.NOT_ENOUGH_REPLICAS);
    }

    /**
     * TxnOffsetCommit v5 (transaction version 2): adds the group's partition of {@code __consumer_offsets} to the
     * transaction at its coordinator, wherever it is. The coordinator's error (NONE, PRODUCER_FENCED,
     * CONCURRENT_TRANSACTIONS, ...); COORDINATOR_NOT_AVAILABLE when it cannot be reached.
     */
    public CompletableFuture<Errors> addOffsets(String transactionalId, long producerId, short epoch, String groupId) {
        int coordinator = coordinatorOf(transactionalId);
        if (coordinator == nodeId || coordinator < 0 || groupId == null || groupId.isEmpty()) {
            return local.addOffsets(transactionalId, producerId, epoch, groupId, (short) 2);
        }
        TopicPartition offsets = new TopicPartition("__consumer_offsets",
                TxnPartitioner.partitionFor(groupId, local.config().offsetsTopicPartitions()));
        return onPool(() -> {
            Errors e = remote(coordinator, transactionalId, producerId, epoch, offsets, true);
            return e == null ? Errors.COORDINATOR_NOT_AVAILABLE : e;
        }, Errors.COORDINATOR_NOT_AVAILABLE);
    }

    private int coordinatorOf(String transactionalId) {
        return leaders.applyAsInt(new TopicPartition(TransactionCoordinator.TOPIC, local.partitionFor(transactionalId)));
    }

    private CompletableFuture<Errors> onPool(java.util.function.Supplier<Errors> task, Errors ifShutDown) {
        CompletableFuture<Errors> f = new CompletableFuture<>();
        try {
            pool.execute(() -> f.complete(task.get()));
        } catch (RejectedExecutionException e) {
            f.complete(ifShutDown);
        }
        return f;
    }

    /** AddPartitionsToTxn v5 for one partition of one transaction: the coordinator's error, or null when unreachable. */
    private Errors remote(int broker, String transactionalId, long producerId, short epoch, TopicPartition tp, boolean add) {
        InetSocketAddress address = endpoints.apply(broker);
        if (address == null) return null;
        InterBrokerChannel channel = channels.computeIfAbsent(broker, b -> new InterBrokerChannel("txn-verify-channel-" + nodeId,
                address.getHostString(), address.getPort(), Math.min(requestTimeoutMs, 10_000), tls));
        channel.retarget(address.getHostString(), address.getPort());
        AddPartitionsToTxnRequest.Transaction t = new AddPartitionsToTxnRequest.Transaction();
        t.transactionalId = transactionalId;
        t.producerId = producerId;
        t.producerEpoch = epoch;
        t.verifyOnly = !add;
        AddPartitionsToTxnRequest.Topic topic = new AddPartitionsToTxnRequest.Topic();
        topic.name = tp.topic();
        topic.partitions.add(tp.partition());
        t.topics.add(topic);
        AddPartitionsToTxnRequest req = new AddPartitionsToTxnRequest();
        req.transactions.add(t);
        AddPartitionsToTxnResponse resp;
        try {
            resp = channel.send(ApiKeys.ADD_PARTITIONS_TO_TXN, VERSION, req, requestTimeoutMs);
        } catch (IOException e) {
            log.debug("AddPartitionsToTxn for {} to broker {} failed: {}", transactionalId, broker, e.toString());
            return null;
        }
        if (resp.errorCode != 0) return Errors.forCode(resp.errorCode);
        for (AddPartitionsToTxnResponse.TransactionResult r : resp.resultsByTransaction) {
            for (AddPartitionsToTxnResponse.TopicResult tr : r.topicResults) {
                if (!tr.name.equals(tp.topic())) continue;
                for (AddPartitionsToTxnResponse.PartitionResult pr : tr.resultsByPartition) {
                    if (pr.partitionIndex == tp.partition()) return Errors.forCode(pr.partitionErrorCode);
                }
            }
        }
        return null; // an answer without the partition: ask again
    }

    /** Stops; never waits for a request in flight (the channels are closed on a daemon thread once free). */
    @Override
    public void close() {
        pool.shutdownNow();
        Thread closer = new Thread(() -> channels.values().forEach(InterBrokerChannel::close), "txn-verify-channel-close");
        closer.setDaemon(true);
        closer.start();
    }
}
