package io.runnel.cli;

import io.runnel.common.TopicPartition;
import io.runnel.protocol.MalformedMessageException;
import org.apache.kafka.clients.consumer.ConsumerPartitionAssignor;
import org.apache.kafka.clients.consumer.internals.ConsumerProtocol;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The consumer-protocol assignment layout, checked against the reference Java client's encoder. */
class ConsumerAssignmentTest {
    private static byte[] bytes(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }

    @Test
    void decodesEveryVersionTheJavaClientWrites() {
        List<org.apache.kafka.common.TopicPartition> tps = List.of(
                new org.apache.kafka.common.TopicPartition("orders", 0), new org.apache.kafka.common.TopicPartition("orders", 2),
                new org.apache.kafka.common.TopicPartition("payments", 5));
        for (short v = 0; v <= 3; v++) {
            for (ByteBuffer userData : new ByteBuffer[]{null, ByteBuffer.wrap(new byte[]{1, 2, 3})}) {
                byte[] encoded = bytes(ConsumerProtocol.serializeAssignment(new ConsumerPartitionAssignor.Assignment(tps, userData), v));
                assertThat(ConsumerAssignment.decode(encoded)).as("version %d", v).containsExactlyInAnyOrder(
                        new TopicPartition("orders", 0), new TopicPartition("orders", 2), new TopicPartition("payments", 5));
            }
        }
    }

    @Test
    void ourEncodingIsTheJavaClients() {
        Map<String, List<Integer>> m = new LinkedHashMap<>();
        m.put("a", List.of(1, 3));
        m.put("b", List.of(0));
        byte[] ours = ConsumerAssignment.encode(m, null);
        ConsumerPartitionAssignor.Assignment theirs = ConsumerProtocol.deserializeAssignment(ByteBuffer.wrap(ours));
        assertThat(theirs.partitions()).containsExactly(new org.apache.kafka.common.TopicPartition("a", 1),
                new org.apache.kafka.common.TopicPartition("a", 3), new org.apache.kafka.common.TopicPartition("b", 0));
        assertThat(ConsumerAssignment.decode(ours)).containsExactly(new TopicPartition("a", 1), new TopicPartition("a", 3), new TopicPartition("b", 0));
    }

    @Test
    void emptyMeansUnassignedAndGarbageIsRejected() {
        assertThat(ConsumerAssignment.decode(null)).isEmpty();
        assertThat(ConsumerAssignment.decode(new byte[0])).isEmpty();
        assertThatThrownBy(() -> ConsumerAssignment.decode(new byte[]{0, 0, 0, 0, 0, 9})).isInstanceOf(MalformedMessageException.class);
        assertThatThrownBy(() -> ConsumerAssignment.decode(new byte[]{(byte) 0xff, (byte) 0xff})).isInstanceOf(MalformedMessageException.class);
    }
}
