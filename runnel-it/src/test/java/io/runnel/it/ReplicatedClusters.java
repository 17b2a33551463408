package io.runnel.it;

import io.runnel.protocol.message.ProduceRequest;
import io.runnel.record.CompressionType;
import io.runnel.record.MemoryRecords;
import io.runnel.record.RecordBatchBuilder;
import io.runnel.record.TimestampType;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartitionInfo;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** What the replication fault tests share: the cluster settings and waits on replica state seen through Admin. */
final class ReplicatedClusters {
    private static final Duration WAIT = Duration.ofSeconds(60);

    private ReplicatedClusters() {
    }

    /** The settings of every replication fault test: quick fencing and ISR shrink, a replicated offsets topic. */
    static Map<String, String> clusterConfig() {
        Map<String, String> c = new LinkedHashMap<>();
        c.put("broker.session.timeout.ms", "4000");
        c.put("broker.heartbeat.interval.ms", "500");
        c.put("replica.lag.time.max.ms", "5000");
        c.put("offsets.topic.replication.factor", "3");
        c.put("offsets.topic.num.partitions", "3");
        c.put("group.initial.rebalance.delay.ms", "0");
        return c;
    }

    static void awaitBrokers(Admin admin, int n) {
        ClusterHarness.await(WAIT, n + " unfenced brokers", () -> {
            try {
                return ClusterIT.brokerIds(admin, false).size() == n;
            } catch (Exception e) {
                return false;
            }
        });
    }

    /**
     * The partition as the cluster describes it, retried while the node asked has not applied the topic yet (Admin
     * asks any node, and a topic just created may not have reached it).
     */
    static TopicPartitionInfo describe(Admin admin, String topic, int partition) throws Exception {
        return describeTopic(admin, topic).partitions().get(partition);
    }

    /** {@link #describe(Admin, String, int)} for the whole topic. */
    static TopicDescription describeTopic(Admin admin, String topic) throws Exception {
        // The admin's request timeout is 15 s: a request caught on a node that was just killed takes that long to
        // fail over to another node, so one attempt may take longer than 15 s and is retried until the deadline.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            try {
                return admin.describeTopics(List.of(topic)).allTopicNames().get(20, TimeUnit.SECONDS).get(topic);
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                boolean retriable = e instanceof java.util.concurrent.TimeoutException
                        || e.getCause() instanceof org.apache.kafka.common.errors.UnknownTopicOrPartitionException
                        || e.getCause() instanceof org.apache.kafka.common.errors.TimeoutException;
                if (!retriable || System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(100);
            }
        }
    }

    /** Every partition of {@code topic} has a leader and all its replicas in the ISR. */
    static void awaitFullIsr(Admin admin, String topic) {
        try {
            ClusterHarness.await(WAIT, "every partition of " + topic + " has a full ISR", () -> {
                try {
                    TopicDescription d = admin.describeTopics(List.of(topic)).allTopicNames().get(15, TimeUnit.SECONDS).get(topic);
                    return d.partitions().stream().allMatch(p -> p.leader() != null && !p.leader().isEmpty()
                            && p.isr().size() == p.replicas().size());
                } catch (Exception e) {
                    return false;
                }
            });
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "; now: " + describeAll(admin, topic), e);
        }
    }

    private static String describeAll(Admin admin, String topic) {
        try {
            return admin.describeTopics(List.of(topic)).allTopicNames().get(15, TimeUnit.SECONDS).get(topic).partitions().toString();
        } catch (Exception e) {
            return e.toString();
        }
    }

    /** The leader of partition 0 of {@code topic} as {@code admin} describes it; -1 when none or not known yet. */
    static int leaderOf(Admin admin, String topic) {
        try {
            TopicPartitionInfo p = describe(admin, topic, 0);
            return p.leader() == null || p.leader().isEmpty() ? -1 : p.leader().id();
        } catch (Exception e) {
            return -1;
        }
    }

    /** The records' values as UTF-8 strings, in order. */
    static List<String> values(List<ConsumerRecord<byte[], byte[]>> records) {
        List<String> out = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : records) out.add(new String(r.value(), StandardCharsets.UTF_8));
        return out;
    }

    /** A raw Produce of one record with {@code value} to partition 0 of {@code topic}, as a client would send it. */
    static ProduceRequest produceOne(String topic, short acks, int timeoutMs, String value) {
        ProduceRequest req = new ProduceRequest();
        req.acks = acks;
        req.timeoutMs = timeoutMs;
        ProduceRequest.TopicData td = new ProduceRequest.TopicData();
        td.name = topic;
        ProduceRequest.PartitionData pd = new ProduceRequest.PartitionData();
        pd.index = 0;
        pd.records = new MemoryRecords(new RecordBatchBuilder(CompressionType.NONE, TimestampType.CREATE_TIME, 0)
                .append(System.currentTimeMillis(), null, value.getBytes(StandardCharsets.UTF_8), List.of()).build());
        td.partitionData.add(pd);
        req.topicData.add(td);
        return req;
    }

    /**
     * A transaction of {@code client} (extra producer/consumer properties: security) writes "t0".."t{n-1}", one to each
     * partition of {@code topic}, and commits; a read_committed consumer then reads exactly those values.
     */
    static void commitAcrossPartitionsAndReadBack(String bootstrap, Map<String, Object> client, String topic, String transactionalId,
                                                  int partitions) {
        Map<String, Object> txn = new java.util.HashMap<>(client);
        txn.put("transactional.id", transactionalId);
        try (org.apache.kafka.clients.producer.KafkaProducer<byte[], byte[]> producer = Clients.producer(bootstrap, txn)) {
            producer.initTransactions();
            producer.beginTransaction();
            for (int p = 0; p < partitions; p++) {
                producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>(topic, p, null,
                        ("t" + p).getBytes(java.nio.charset.StandardCharsets.UTF_8)));
            }
            producer.commitTransaction();
        }
        Map<String, Object> readCommitted = new java.util.HashMap<>(client);
        readCommitted.put("isolation.level", "read_committed");
        List<org.apache.kafka.common.TopicPartition> parts = new java.util.ArrayList<>();
        List<String> expected = new java.util.ArrayList<>();
        for (int p = 0; p < partitions; p++) {
            parts.add(new org.apache.kafka.common.TopicPartition(topic, p));
            expected.add("t" + p);
        }
        try (org.apache.kafka.clients.consumer.KafkaConsumer<byte[], byte[]> consumer = Clients.consumer(bootstrap, readCommitted)) {
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
            List<String> values = new java.util.ArrayList<>();
            for (var r : Clients.pollUntil(consumer, partitions, WAIT, false)) {
                values.add(new String(r.value(), java.nio.charset.StandardCharsets.UTF_8));
            }
            org.assertj.core.api.Assertions.assertThat(values).containsExactlyInAnyOrderElementsOf(expected);
        }
    }
}
