package io.runnel.cli;

import io.runnel.cli.ClusterAdmin.ClusterInfo;
import io.runnel.cli.ClusterAdmin.PartitionInfo;
import io.runnel.cli.KafkaProtocolClient.BrokerConnection;
import io.runnel.cli.KafkaProtocolClient.Node;
import io.runnel.common.Errors;
import io.runnel.common.TopicPartition;
import io.runnel.protocol.ApiKeys;
import io.runnel.protocol.message.DescribeProducersRequest;
import io.runnel.protocol.message.DescribeProducersResponse;
import io.runnel.protocol.message.DescribeTransactionsRequest;
import io.runnel.protocol.message.DescribeTransactionsResponse;
import io.runnel.protocol.message.ListTransactionsRequest;
import io.runnel.protocol.message.ListTransactionsResponse;
import io.runnel.protocol.message.WriteTxnMarkersRequest;
import io.runnel.protocol.message.WriteTxnMarkersResponse;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The transaction operations of {@code runnel transactions}, each a few requests of {@link KafkaProtocolClient}:
 * ListTransactions on every broker, DescribeTransactions at a transactional id's coordinator, DescribeProducers at
 * a partition's leader, and an abort marker (WriteTxnMarkers) written to a partition's leader.
 */
final class TransactionAdmin {
    private final ClusterAdmin cluster;
    private final KafkaProtocolClient client;

    TransactionAdmin(ClusterAdmin cluster) {
        this.cluster = cluster;
        this.client = cluster.client();
    }

    /** A transaction as ListTransactions reports it, with the broker that coordinates it. */
    record ListedTransaction(String transactionalId, int coordinator, long producerId, String state) {
    }

    /** A transaction as its coordinator describes it. */
    record TransactionDescription(int coordinator, String transactionalId, long producerId, short producerEpoch, String state,
                                  int timeoutMs, long startTimeMs, List<TopicPartition> partitions) {
    }

    /** A producer that has written to a partition, as the partition's leader reports it. */
    record ProducerState(long producerId, int producerEpoch, int coordinatorEpoch, int lastSequence, long lastTimestamp,
                         long currentTxnStartOffset) {
    }

    /**
     * The transactions of every broker (each coordinates its own), filtered by the brokers where their
     * ListTransactions version can: states and producer ids always, {@code minDurationMs} (-1: none) from v1,
     * {@code idPattern} (a Java regex, null: none) from v2. Filters a broker's version cannot carry are applied here
     * where the response allows (the id pattern), and otherwise refused.
     */
    List<ListedTransaction> list(Set<String> states, Set<Long> producerIds, long minDurationMs, String idPattern) {
        ClusterInfo md = cluster.metadata(List.of());
        Collection<Node> nodes = md.brokers().isEmpty() ? List.of(client.bootstrap().node()) : md.brokers().values();
        Map<String, ListedTransaction> all = new TreeMap<>();
        for (Node n : nodes) {
            ListTransactionsResponse resp = client.retrying(() -> {
                BrokerConnection c = client.connection(n);
                short v = c.version(ApiKeys.LIST_TRANSACTIONS);
                if (minDurationMs >= 0 && v < 1) {
                    throw new CliException("broker " + n.address() + " cannot filter by duration (ListTransactions v" + v + ")");
                }
                ListTransactionsRequest req = new ListTransactionsRequest();
                req.stateFilters = new ArrayList<>(states);
                req.producerIdFilters = new ArrayList<>(producerIds);
                if (v >= 1) req.durationFilter = minDurationMs;
                if (v >= 2) req.transactionalIdPattern = idPattern;
                ListTransactionsResponse r = c.send(ApiKeys.LIST_TRANSACTIONS, v, req);
                Errors e = Errors.forCode(r.errorCode);
                if (e != Errors.NONE) throw CliException.of(e, "ListTransactions on " + n.address() + ": " + e.message());
                return r;
            });
            for (ListTransactionsResponse.TransactionState t : resp.transactionStates) {
                if (idPattern != null && !t.transactionalId.matches(idPattern)) continue;
                all.put(t.transactionalId, new ListedTransaction(t.transactionalId, n.id(), t.producerId, t.transactionState));
            }
        }
        return new ArrayList<>(all.values());
    }

    /** The transaction of {@code transactionalId}, asked at its coordinator. */
    TransactionDescription describe(String transactionalId) {
        return client.retrying(() -> {
            BrokerConnection c = client.transactionCoordinator(transactionalId);
            DescribeTransactionsRequest req = new DescribeTransactionsRequest();
            req.transactionalIds = new ArrayList<>(List.of(transactionalId));
            DescribeTransactionsResponse resp = c.send(ApiKeys.DESCRIBE_TRANSACTIONS, req);
            for (DescribeTransactionsResponse.TransactionState t : resp.transactionStates) {
                if (!transactionalId.equals(t.transactionalId)) continue;
                Errors e = Errors.forCode(t.errorCode);
                if (e != Errors.NONE) throw CliException.of(e, null);
                List<TopicPartition> parts = new ArrayList<>();
                for (DescribeTransactionsResponse.Topic topic : t.topics) {
                    for (int p : topic.partitions) parts.add(new TopicPartition(topic.topic, p));
                }
                parts.sort(null);
                return new TransactionDescription(c.node().id(), t.transactionalId, t.producerId, t.producerEpoch,
                        t.transactionState, t.transactionTimeoutMs, t.transactionStartTimeMs, parts);
            }
            throw new CliException("DescribeTransactions answered without '" + transactionalId + "'");
        });
    }

    /** The producers the leader of {@code tp} knows. */
    List<ProducerState> producers(TopicPartition tp) {
        return client.retrying(() -> {
            BrokerConnection c = client.connection(leader(tp));
            DescribeProducersRequest req = new DescribeProducersRequest();
            DescribeProducersRequest.Topic t = new DescribeProducersRequest.Topic();
            t.name = tp.topic();
            t.partitionIndexes = new ArrayList<>(List.of(tp.partition()));
            req.topics.add(t);
            DescribeProducersResponse resp = c.send(ApiKeys.DESCRIBE_PRODUCERS, req);
            for (DescribeProducersResponse.Topic rt : resp.topics) {
                for (DescribeProducersResponse.Partition p : rt.partitions) {
                    if (!rt.name.equals(tp.topic()) || p.partitionIndex != tp.partition()) continue;
                    Errors e = Errors.forCode(p.errorCode);
                    if (e != Errors.NONE) throw CliException.of(e, p.errorMessage);
                    List<ProducerState> out = new ArrayList<>();
                    for (DescribeProducersResponse.ActiveProducer a : p.activeProducers) {
                        out.add(new ProducerState(a.producerId, a.producerEpoch, a.coordinatorEpoch, a.lastSequence,
                                a.lastTimestamp, a.currentTxnStartOffset));
                    }
                    return out;
                }
            }
            throw new CliException("DescribeProducers answered without " + tp);
        });
    }

    /** Writes an abort marker for {@code producerId} at {@code producerEpoch} to {@code tp}, at its leader. */
    void abort(TopicPartition tp, long producerId, short producerEpoch, int coordinatorEpoch) {
        client.retrying(() -> {
            BrokerConnection c = client.connection(leader(tp));
            WriteTxnMarkersRequest req = new WriteTxnMarkersRequest();
            WriteTxnMarkersRequest.Marker m = new WriteTxnMarkersRequest.Marker();
            m.producerId = producerId;
            m.producerEpoch = producerEpoch;
            m.transactionResult = false;
            m.coordinatorEpoch = coordinatorEpoch;
            WriteTxnMarkersRequest.Topic t = new WriteTxnMarkersRequest.Topic();
            t.name = tp.topic();
            t.partitionIndexes = new ArrayList<>(List.of(tp.partition()));
            m.topics.add(t);
            req.markers.add(m);
            WriteTxnMarkersResponse resp = c.send(ApiKeys.WRITE_TXN_MARKERS, req);
            for (WriteTxnMarkersResponse.Marker rm : resp.markers) {
                for (WriteTxnMarkersResponse.Topic rt : rm.topics) {
                    for (WriteTxnMarkersResponse.Partition p : rt.partitions) {
                        Errors e = Errors.forCode(p.errorCode);
                        if (e != Errors.NONE) throw CliException.of(e, "aborting producer " + producerId + " on " + tp + ": " + e.message());
                    }
                }
            }
            return null;
        });
    }

    /** The partitions {@code brokerId} holds a replica of (optionally of {@code topic} only). */
    List<TopicPartition> partitionsOf(int brokerId, String topic) {
        ClusterInfo md = cluster.metadata(topic == null ? null : List.of(topic));
        List<TopicPartition> out = new ArrayList<>();
        md.topics().values().forEach(t -> {
            for (PartitionInfo p : t.partitions()) {
                if (p.replicas().contains(brokerId) || p.leader() == brokerId) out.add(new TopicPartition(t.name(), p.partition()));
            }
        });
        out.sort(null);
        return out;
    }

    private Node leader(TopicPartition tp) {
        ClusterInfo md = cluster.metadata(List.of(tp.topic()));
        PartitionInfo p = md.require(tp.topic()).partitions().stream().filter(x -> x.partition() == tp.partition())
                .findFirst().orElseThrow(() -> CliException.of(Errors.UNKNOWN_TOPIC_OR_PARTITION, "No partition " + tp));
        if (p.leader() < 0) throw CliException.of(Errors.LEADER_NOT_AVAILABLE, "No leader for " + tp);
        Node n = md.brokers().get(p.leader());
        if (n == null) throw CliException.of(Errors.LEADER_NOT_AVAILABLE, "The leader " + p.leader() + " of " + tp + " is not listed");
        return n;
    }
}
