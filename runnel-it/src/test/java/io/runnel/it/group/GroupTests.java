package io.runnel.it.group;

import io.runnel.it.Clients;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Shared settings and helpers of the consumer-group suites. The broker runs with short group timers so
 * that rebalances and session expiries take seconds: no initial rebalance delay, a 1 s minimum session
 * timeout, three {@code __consumer_offsets} partitions, and for KIP-848 groups a 6 s session and 500 ms
 * heartbeat.
 */
public final class GroupTests {
    /** session.timeout.ms of the classic consumers, unless a test says otherwise. */
    public static final int SESSION_TIMEOUT_MS = 6_000;
    public static final int HEARTBEAT_INTERVAL_MS = 500;
    /** How long any group convergence may take before a test fails. */
    public static final Duration CONVERGE = Duration.ofSeconds(45);

    private GroupTests() {
    }

    public static Map<String, String> brokerOverrides() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("group.initial.rebalance.delay.ms", "0");
        m.put("group.min.session.timeout.ms", "1000");
        m.put("offsets.topic.num.partitions", "3");
        m.put("group.consumer.session.timeout.ms", Integer.toString(SESSION_TIMEOUT_MS));
        m.put("group.consumer.heartbeat.interval.ms", Integer.toString(HEARTBEAT_INTERVAL_MS));
        m.put("num.partitions", "3");
        return m;
    }

    /** True when the kafka-clients on the classpath speak the KIP-848 consumer protocol (4.0 and later). */
    public static boolean clientSupportsConsumerProtocol() {
        return Clients.kafkaMajor() >= 4;
    }

    /**
     * Properties of a group consumer. {@code protocol} is "classic" (then {@code assignor} is the
     * partition.assignment.strategy and the session/heartbeat settings apply) or "consumer" (KIP-848: the
     * broker assigns; the client refuses session, heartbeat and assignor settings, so none are set).
     */
    public static Map<String, Object> consumerProps(String group, String protocol, String assignor) {
        Map<String, Object> p = new HashMap<>();
        p.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 50);
        if (protocol.equals("consumer")) {
            p.put("group.protocol", "consumer");
        } else {
            p.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, SESSION_TIMEOUT_MS);
            p.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, HEARTBEAT_INTERVAL_MS);
            p.put(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, 30_000);
            if (assignor != null) p.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, assignorClass(assignor));
        }
        return p;
    }

    public static String assignorClass(String name) {
        return switch (name) {
            case "range" -> "org.apache.kafka.clients.consumer.RangeAssignor";
            case "roundrobin" -> "org.apache.kafka.clients.consumer.RoundRobinAssignor";
            case "sticky" -> "org.apache.kafka.clients.consumer.StickyAssignor";
            case "cooperative-sticky" -> "org.apache.kafka.clients.consumer.CooperativeStickyAssignor";
            default -> throw new IllegalArgumentException(name);
        };
    }

    public static List<TopicPartition> partitions(String topic, int count) {
        List<TopicPartition> l = new ArrayList<>();
        for (int p = 0; p < count; p++) l.add(new TopicPartition(topic, p));
        return l;
    }

    /** Waits until {@code condition} holds; fails with {@code what} and the last state otherwise. */
    public static void await(String what, Duration timeout, BooleanSupplier condition, Supplier<String> state) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            if (condition.getAsBoolean()) return;
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout + " waiting for " + what + "; state: " + state.get());
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted waiting for " + what);
            }
        }
    }

    public static void await(String what, Duration timeout, BooleanSupplier condition) {
        await(what, timeout, condition, () -> "(none)");
    }

    public static byte[] intBytes(int i) {
        return ByteBuffer.allocate(4).putInt(i).array();
    }

    public static int intOf(byte[] b) {
        return ByteBuffer.wrap(b).getInt();
    }

    /**
     * Produces {@code perPartition} records to each of the {@code partitions} partitions of {@code topic}; the
     * value of record {@code i} of partition {@code p} is the int {@code p * 1_000_000 + i}, so that a consumer
     * can tell each record apart. Waits for every acknowledgement.
     */
    public static void produce(String bootstrap, String topic, int partitions, int perPartition) {
        try (KafkaProducer<byte[], byte[]> producer = Clients.producer(bootstrap)) {
            List<Future<RecordMetadata>> fs = new ArrayList<>();
            for (int i = 0; i < perPartition; i++) {
                for (int p = 0; p < partitions; p++) {
                    fs.add(producer.send(new ProducerRecord<>(topic, p, null, intBytes(p * 1_000_000 + i))));
                }
            }
            producer.flush();
            for (Future<RecordMetadata> f : fs) f.get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("producing to " + topic, e);
        }
    }

    public static ConsumerGroupDescription describe(Admin admin, String group) {
        try {
            return admin.describeConsumerGroups(List.of(group)).describedGroups().get(group).get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("describeConsumerGroups " + group, e);
        }
    }

    /**
     * Like {@link #describe}, but null for a group the coordinator does not know (yet): kafka-clients 4.x
     * reports that as GroupIdNotFoundException, 3.9 as a group in state Dead.
     */
    @SuppressWarnings("deprecation")
    public static ConsumerGroupDescription describeOrNull(Admin admin, String group) {
        try {
            ConsumerGroupDescription d = admin.describeConsumerGroups(List.of(group)).describedGroups().get(group).get(30, TimeUnit.SECONDS);
            return d.state() == org.apache.kafka.common.ConsumerGroupState.DEAD ? null : d;
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof org.apache.kafka.common.errors.GroupIdNotFoundException) return null;
            throw new AssertionError("describeConsumerGroups " + group, e);
        } catch (Exception e) {
            throw new AssertionError("describeConsumerGroups " + group, e);
        }
    }

    /** member (client) id -> assigned partitions, as DescribeGroups reports them. */
    public static Map<String, Set<TopicPartition>> describedAssignments(ConsumerGroupDescription d) {
        Map<String, Set<TopicPartition>> m = new TreeMap<>();
        for (MemberDescription md : d.members()) m.put(md.consumerId(), Set.copyOf(md.assignment().topicPartitions()));
        return m;
    }

    public static Map<TopicPartition, OffsetAndMetadata> committed(Admin admin, String group) {
        try {
            return admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("listConsumerGroupOffsets " + group, e);
        }
    }

    public static Map<TopicPartition, Long> endOffsets(Admin admin, Collection<TopicPartition> tps) {
        Map<TopicPartition, OffsetSpec> req = new HashMap<>();
        for (TopicPartition tp : tps) req.put(tp, OffsetSpec.latest());
        try {
            Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> r = admin.listOffsets(req).all().get(30, TimeUnit.SECONDS);
            Map<TopicPartition, Long> out = new TreeMap<>(java.util.Comparator.comparing(TopicPartition::toString));
            r.forEach((tp, info) -> out.put(tp, info.offset()));
            return out;
        } catch (Exception e) {
            throw new AssertionError("listOffsets", e);
        }
    }

    /**
     * Asserts that the given member assignments are an exact cover of {@code all}: every partition owned by
     * exactly one member.
     */
    public static void assertExactCover(Map<String, Set<TopicPartition>> byMember, Collection<TopicPartition> all, String context) {
        Map<TopicPartition, List<String>> owners = new HashMap<>();
        byMember.forEach((m, tps) -> tps.forEach(tp -> owners.computeIfAbsent(tp, k -> new ArrayList<>()).add(m)));
        for (TopicPartition tp : all) {
            assertThat(owners.getOrDefault(tp, List.of())).as("%s: owners of %s in %s", context, tp, byMember).hasSize(1);
        }
        assertThat(owners.keySet()).as("%s: partitions assigned", context).containsExactlyInAnyOrderElementsOf(all);
    }

    /**
     * Waits until the group has settled with exactly {@code members}: each running without errors, all in the
     * same generation, their own assignments (what each consumer holds after its last poll) an exact cover of
     * {@code all}, and DescribeGroups agreeing: state Stable, the same members, the same assignments. Returns
     * the members' assignments by member name.
     */
    @SuppressWarnings("deprecation") // ConsumerGroupDescription.state(): groupState() does not exist in 3.9
    public static Map<String, Set<TopicPartition>> awaitConverged(Admin admin, String group, List<GroupMember> members,
                                                                  Collection<TopicPartition> all, String context) {
        ConsumerGroupDescription[] last = {null};
        await(context + ": group " + group + " to settle with " + members.size() + " members", CONVERGE, () -> {
            for (GroupMember m : members) {
                if (!m.errors().isEmpty()) throw new AssertionError(context + ": " + m.name() + " failed", m.errors().get(0));
                if (!m.isRunning()) throw new AssertionError(context + ": " + m.name() + " stopped");
            }
            int gen = members.get(0).generation();
            if (gen < 0) return false;
            Map<String, Set<TopicPartition>> own = new TreeMap<>();
            for (GroupMember m : members) {
                if (m.generation() != gen) return false;
                own.put(m.memberId(), m.assignment());
            }
            if (!isExactCover(own, all)) return false;
            ConsumerGroupDescription d = describeOrNull(admin, group);
            last[0] = d;
            return d != null && d.state() == org.apache.kafka.common.ConsumerGroupState.STABLE && describedAssignments(d).equals(own);
        }, () -> members + " / described: " + last[0]);
        Map<String, Set<TopicPartition>> out = new TreeMap<>();
        for (GroupMember m : members) out.put(m.name(), m.assignment());
        return out;
    }

    public static boolean isExactCover(Map<String, Set<TopicPartition>> byMember, Collection<TopicPartition> all) {
        Map<TopicPartition, Integer> count = new HashMap<>();
        byMember.values().forEach(tps -> tps.forEach(tp -> count.merge(tp, 1, Integer::sum)));
        if (count.size() != all.size()) return false;
        for (TopicPartition tp : all) if (count.getOrDefault(tp, 0) != 1) return false;
        return true;
    }
}
