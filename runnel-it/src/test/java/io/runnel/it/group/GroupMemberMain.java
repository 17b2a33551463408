package io.runnel.it.group;

import io.runnel.it.Clients;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A group member in a JVM of its own, so that a test can kill it like a crashed process (no LeaveGroup, no
 * close). Started by {@link MemberCrashIT} with the test classpath. Arguments: bootstrap, group, client id,
 * session timeout (ms, classic only), topic, protocol ("classic" or "consumer"). Prints {@code ASSIGNED <generation> <partitions>} whenever its assignment
 * changes, and polls until killed.
 */
public final class GroupMemberMain {
    public static void main(String[] args) {
        String bootstrap = args[0], group = args[1], clientId = args[2];
        int sessionTimeout = Integer.parseInt(args[3]);
        String topic = args[4], protocol = args[5];
        Map<String, Object> props = new java.util.HashMap<>(GroupTests.consumerProps(group, protocol, "range"));
        if (protocol.equals("classic")) props.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, sessionTimeout);
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
        try (KafkaConsumer<byte[], byte[]> consumer = Clients.consumer(bootstrap, props)) {
            consumer.subscribe(List.of(topic));
            String last = null;
            while (true) {
                try {
                    consumer.poll(Duration.ofMillis(100));
                } catch (IllegalStateException e) {
                    // kafka-clients 4.1's consumer-protocol consumer can throw "No current assignment for partition"
                    // when a partition is revoked while its fetch is being collected (a client race, seen here once);
                    // the consumer stays usable, so a real application's poll loop would go on
                    System.err.println("poll: " + e);
                    continue;
                }
                Set<String> names = new TreeSet<>();
                for (TopicPartition tp : consumer.assignment()) names.add(tp.toString());
                String now = consumer.groupMetadata().generationId() + " " + String.join(",", names);
                if (!now.equals(last)) {
                    System.out.println("ASSIGNED " + now);
                    System.out.flush();
                    last = now;
                }
            }
        }
    }
}
