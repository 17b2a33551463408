package io.runnel.it;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartitionInfo;

import java.time.Duration;
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
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (true) {
            try {
                return admin.describeTopics(List.of(topic)).allTopicNames().get(15, TimeUnit.SECONDS).get(topic);
            } catch (java.util.concurrent.ExecutionException e) {
                if (!(e.getCause() instanceof org.apache.kafka.common.errors.UnknownTopicOrPartitionException)
                        || System.nanoTime() > deadline) {
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

}
