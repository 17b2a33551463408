package io.runnel.metadata;

import io.runnel.common.Uuid;
import io.runnel.protocol.GrowableWritable;
import io.runnel.protocol.Message;
import io.runnel.protocol.message.ClusterRecord;
import io.runnel.protocol.message.ConfigRecord;
import io.runnel.protocol.message.PartitionChangeRecord;
import io.runnel.protocol.message.PartitionRecord;
import io.runnel.protocol.message.ProducerIdsRecord;
import io.runnel.protocol.message.RegisterBrokerRecord;
import io.runnel.protocol.message.RemoveTopicRecord;
import io.runnel.protocol.message.TopicRecord;
import io.runnel.protocol.message.UnregisterBrokerRecord;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.constraints.StringLength;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MetadataRecordSerdeTest {

    static List<Message> oneOfEach() {
        ClusterRecord c = new ClusterRecord();
        c.clusterId = Uuid.random();
        RegisterBrokerRecord rb = new RegisterBrokerRecord();
        rb.brokerId = 3;
        rb.brokerEpoch = 77;
        rb.incarnationId = Uuid.random();
        RegisterBrokerRecord.BrokerEndpoint ep = new RegisterBrokerRecord.BrokerEndpoint();
        ep.name = "PLAINTEXT";
        ep.host = "h";
        ep.port = 9092;
        rb.endpoints.add(ep);
        rb.rack = "r1";
        UnregisterBrokerRecord ub = new UnregisterBrokerRecord();
        ub.brokerId = 3;
        ub.brokerEpoch = 77;
        TopicRecord t = new TopicRecord();
        t.name = "t";
        t.topicId = Uuid.random();
        PartitionRecord p = new PartitionRecord();
        p.partitionId = 0;
        p.topicId = t.topicId;
        p.replicas = new ArrayList<>(List.of(1, 2));
        p.isr = new ArrayList<>(List.of(1));
        p.leader = 1;
        p.leaderEpoch = 4;
        p.partitionEpoch = 5;
        PartitionChangeRecord pc = new PartitionChangeRecord();
        pc.topicId = t.topicId;
        pc.partitionId = 0;
        pc.isr = new ArrayList<>(List.of(1, 2));
        RemoveTopicRecord rt = new RemoveTopicRecord();
        rt.topicId = t.topicId;
        ConfigRecord cr = new ConfigRecord();
        cr.resourceType = 2;
        cr.resourceName = "t";
        cr.name = "retention.ms";
        cr.value = null;
        ProducerIdsRecord pid = new ProducerIdsRecord();
        pid.brokerId = 3;
        pid.brokerEpoch = 77;
        pid.nextProducerId = 5000;
        return List.of(c, rb, ub, t, p, pc, rt, cr, pid);
    }

    @Test
    void everyRecordTypeRoundTrips() {
        GrowableWritable out = new GrowableWritable();
        List<Message> records = oneOfEach();
        for (Message m : records) MetadataRecordSerde.write(m, out);
        ByteBuffer in = out.toByteBuffer();
        List<Message> back = new ArrayList<>();
        while (in.hasRemaining()) back.add(MetadataRecordSerde.read(in));
        assertThat(back).isEqualTo(records);
        assertThat(records).extracting(MetadataRecordSerde::typeId).containsExactly(
                (short) 1, (short) 2, (short) 3, (short) 4, (short) 5, (short) 6, (short) 7, (short) 8, (short) 9);
    }

    @Test
    void unknownTypeOrNewerVersionIsRejected() {
        ByteBuffer unknown = ByteBuffer.allocate(8).putShort((short) 999).putShort((short) 0).putInt(0).flip();
        assertThatThrownBy(() -> MetadataRecordSerde.read(unknown)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("unknown metadata record type 999");
        ByteBuffer newer = ByteBuffer.allocate(8).putShort(TopicRecord.TYPE_ID).putShort((short) 9).putInt(0).flip();
        assertThatThrownBy(() -> MetadataRecordSerde.read(newer)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("version 9");
        ByteBuffer truncated = ByteBuffer.allocate(8).putShort(TopicRecord.TYPE_ID).putShort((short) 0).putInt(50).flip();
        assertThatThrownBy(() -> MetadataRecordSerde.read(truncated)).isInstanceOf(IllegalStateException.class);
    }

    @Property
    void partitionRecordsRoundTrip(@ForAll @Size(max = 8) List<@IntRange(min = 0, max = 1000) Integer> replicas,
                                   @ForAll int leader, @ForAll int epoch) {
        PartitionRecord p = new PartitionRecord();
        p.topicId = Uuid.random();
        p.replicas = new ArrayList<>(replicas);
        p.isr = new ArrayList<>(replicas);
        p.leader = leader;
        p.leaderEpoch = epoch;
        GrowableWritable out = new GrowableWritable();
        MetadataRecordSerde.write(p, out);
        assertThat(MetadataRecordSerde.read(out.toByteBuffer())).isEqualTo(p);
    }

    @Property
    void configRecordsRoundTrip(@ForAll @StringLength(max = 300) String name, @ForAll @StringLength(max = 300) String value) {
        ConfigRecord c = new ConfigRecord();
        c.resourceType = 4;
        c.resourceName = "";
        c.name = name;
        c.value = value;
        GrowableWritable out = new GrowableWritable();
        MetadataRecordSerde.write(c, out);
        assertThat(MetadataRecordSerde.read(out.toByteBuffer())).isEqualTo(c);
    }
}
