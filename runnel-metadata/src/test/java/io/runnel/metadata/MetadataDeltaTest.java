package io.runnel.metadata;

import io.runnel.common.Uuid;
import io.runnel.protocol.Message;
import io.runnel.protocol.message.ClusterRecord;
import io.runnel.protocol.message.ConfigRecord;
import io.runnel.protocol.message.PartitionChangeRecord;
import io.runnel.protocol.message.PartitionRecord;
import io.runnel.protocol.message.ProducerIdsRecord;
import io.runnel.protocol.message.RemoveTopicRecord;
import io.runnel.protocol.message.TopicRecord;
import io.runnel.protocol.message.UnregisterBrokerRecord;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MetadataDeltaTest {
    static TopicRecord topic(String name, Uuid id) {
        TopicRecord t = new TopicRecord();
        t.name = name;
        t.topicId = id;
        return t;
    }

    static PartitionRecord partition(Uuid id, int p, List<Integer> replicas) {
        PartitionRecord r = new PartitionRecord();
        r.topicId = id;
        r.partitionId = p;
        r.replicas = new ArrayList<>(replicas);
        r.isr = new ArrayList<>(replicas);
        r.leader = replicas.get(0);
        return r;
    }

    static ConfigRecord config(ConfigResource res, String name, String value) {
        ConfigRecord c = new ConfigRecord();
        c.resourceType = res.type().id();
        c.resourceName = res.name();
        c.name = name;
        c.value = value;
        return c;
    }

    @Test
    void replayBuildsTopicsPartitionsAndConfigs() {
        Uuid id = Uuid.random();
        ClusterRecord c = new ClusterRecord();
        c.clusterId = Uuid.random();
        MetadataImage img = new MetadataDelta(MetadataImage.EMPTY).replayAll(List.of(c, topic("t", id),
                partition(id, 0, List.of(1)), partition(id, 1, List.of(1)),
                config(ConfigResource.topic("t"), "retention.ms", "10"))).apply();
        assertThat(img.offset()).isEqualTo(5);
        assertThat(img.clusterId()).isEqualTo(c.clusterId);
        assertThat(img.topic("t").id()).isEqualTo(id);
        assertThat(img.topic(id).partitionCount()).isEqualTo(2);
        assertThat(img.topic("t").partition(1)).isEqualTo(new PartitionState(List.of(1), List.of(1), List.of(), List.of(), 1, 0, 0));
        assertThat(img.topicConfigs("t")).isEqualTo(Map.of("retention.ms", "10"));
        // the base image is untouched
        assertThat(MetadataImage.EMPTY.topics()).isEmpty();
        assertThat(MetadataImage.EMPTY.offset()).isZero();
    }

    @Test
    void partitionChangeBumpsEpochs() {
        Uuid id = Uuid.random();
        MetadataDelta d = new MetadataDelta(MetadataImage.EMPTY).replayAll(List.of(topic("t", id), partition(id, 0, List.of(1, 2))));
        PartitionChangeRecord isrOnly = new PartitionChangeRecord();
        isrOnly.topicId = id;
        isrOnly.partitionId = 0;
        isrOnly.isr = new ArrayList<>(List.of(1));
        d.replay(isrOnly);
        PartitionState s = d.apply().topic("t").partition(0);
        assertThat(s.isr()).containsExactly(1);
        assertThat(s.leader()).isEqualTo(1);
        assertThat(s.leaderEpoch()).isZero();
        assertThat(s.partitionEpoch()).isEqualTo(1);
        PartitionChangeRecord leader = new PartitionChangeRecord();
        leader.topicId = id;
        leader.partitionId = 0;
        leader.leader = 2;
        leader.isr = new ArrayList<>(List.of(2));
        d.replay(leader);
        s = d.apply().topic("t").partition(0);
        assertThat(s.leader()).isEqualTo(2);
        assertThat(s.isr()).containsExactly(2);
        assertThat(s.leaderEpoch()).isEqualTo(1);
        assertThat(s.partitionEpoch()).isEqualTo(2);
    }

    @Test
    void aPartitionChangeThatBreaksTheLeaderAndIsrRulesDoesNotReplay() {
        Uuid id = Uuid.random();
        MetadataImage img = new MetadataDelta(MetadataImage.EMPTY).replayAll(List.of(topic("t", id), partition(id, 0, List.of(1, 2))))
                .apply();
        PartitionChangeRecord leaderOutsideIsr = new PartitionChangeRecord();
        leaderOutsideIsr.topicId = id;
        leaderOutsideIsr.partitionId = 0;
        leaderOutsideIsr.isr = new ArrayList<>(List.of(2));
        assertThatThrownBy(() -> new MetadataDelta(img).replay(leaderOutsideIsr))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("leader 1 is not in the ISR [2]");
        PartitionChangeRecord emptyIsr = new PartitionChangeRecord();
        emptyIsr.topicId = id;
        emptyIsr.partitionId = 0;
        emptyIsr.isr = new ArrayList<>();
        emptyIsr.leader = -1;
        assertThatThrownBy(() -> new MetadataDelta(img).replay(emptyIsr)).hasMessageContaining("empty ISR");
        PartitionChangeRecord notAReplica = new PartitionChangeRecord();
        notAReplica.topicId = id;
        notAReplica.partitionId = 0;
        notAReplica.isr = new ArrayList<>(List.of(1, 3));
        assertThatThrownBy(() -> new MetadataDelta(img).replay(notAReplica)).hasMessageContaining("not within the replicas");
    }

    @Test
    void removeTopicDropsItsConfigsAndNullConfigDeletes() {
        Uuid id = Uuid.random();
        RemoveTopicRecord rm = new RemoveTopicRecord();
        rm.topicId = id;
        MetadataImage img = new MetadataDelta(MetadataImage.EMPTY).replayAll(List.of(topic("t", id), partition(id, 0, List.of(1)),
                config(ConfigResource.topic("t"), "retention.ms", "10"),
                config(ConfigResource.brokerDefault(), "log.retention.ms", "5"),
                config(ConfigResource.brokerDefault(), "message.max.bytes", "5"),
                config(ConfigResource.brokerDefault(), "log.retention.ms", null),
                rm)).apply();
        assertThat(img.topics()).isEmpty();
        assertThat(img.topicsById()).isEmpty();
        assertThat(img.configs()).containsOnlyKeys(ConfigResource.brokerDefault());
        assertThat(img.configs(ConfigResource.brokerDefault())).isEqualTo(Map.of("message.max.bytes", "5"));
    }

    @Test
    void inconsistentRecordsAreRejected() {
        Uuid id = Uuid.random();
        assertThatThrownBy(() -> new MetadataDelta(MetadataImage.EMPTY).replay(partition(id, 0, List.of(1))))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("unknown topic id");
        assertThatThrownBy(() -> new MetadataDelta(MetadataImage.EMPTY).replayAll(List.of(topic("t", id), topic("t", Uuid.random()))))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("already exists");
        assertThatThrownBy(() -> new MetadataDelta(MetadataImage.EMPTY).replayAll(List.of(topic("a", id), topic("b", id))))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("already used");
        ClusterRecord c1 = new ClusterRecord();
        c1.clusterId = Uuid.random();
        ClusterRecord c2 = new ClusterRecord();
        c2.clusterId = Uuid.random();
        assertThatThrownBy(() -> new MetadataDelta(MetadataImage.EMPTY).replayAll(List.of(c1, c2)))
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void unregisterNeedsTheCurrentEpoch() {
        BrokerRegistration b = new BrokerRegistration(1, 10, Uuid.random(), List.of(
                new BrokerRegistration.Endpoint("PLAINTEXT", "h", 1, (short) 0)), null, false);
        MetadataDelta d = new MetadataDelta(MetadataImage.EMPTY).replay(MetadataDelta.toRecord(b));
        UnregisterBrokerRecord stale = new UnregisterBrokerRecord();
        stale.brokerId = 1;
        stale.brokerEpoch = 9;
        assertThat(d.replay(stale).apply().brokers()).containsKey(1);
        UnregisterBrokerRecord ok = new UnregisterBrokerRecord();
        ok.brokerId = 1;
        ok.brokerEpoch = 10;
        assertThat(d.replay(ok).apply().brokers()).isEmpty();
    }

    @Test
    void imageToRecordsRebuildsTheSameImage() {
        List<Message> records = new ArrayList<>(MetadataRecordSerdeTest.oneOfEach().subList(0, 2));
        Uuid a = Uuid.random();
        Uuid b = Uuid.random();
        records.addAll(List.of(topic("a", a), partition(a, 0, List.of(3)), partition(a, 1, List.of(3)),
                topic("b", b), partition(b, 0, List.of(3)), config(ConfigResource.topic("b"), "cleanup.policy", "compact"),
                config(ConfigResource.broker(3), "log.retention.ms", "100"), producerIds(2000)));
        MetadataImage img = new MetadataDelta(MetadataImage.EMPTY).replayAll(records).apply();
        MetadataImage rebuilt = new MetadataDelta(MetadataImage.EMPTY).replayAll(img.toRecords()).setOffset(img.offset()).apply();
        assertThat(rebuilt).isEqualTo(img);
        assertThat(img.toRecords()).hasSize(records.size());
    }

    static ProducerIdsRecord producerIds(long next) {
        ProducerIdsRecord r = new ProducerIdsRecord();
        r.brokerId = 1;
        r.brokerEpoch = 4;
        r.nextProducerId = next;
        return r;
    }

    @Test
    void producerIdBlocksOnlyMoveForward() {
        assertThat(MetadataImage.EMPTY.nextProducerId()).isZero();
        MetadataDelta d = new MetadataDelta(MetadataImage.EMPTY).replay(producerIds(1000)).replay(producerIds(2000));
        MetadataImage img = d.apply();
        assertThat(img.nextProducerId()).isEqualTo(2000);
        assertThat(img.offset()).isEqualTo(2);
        assertThatThrownBy(() -> new MetadataDelta(img).replay(producerIds(2000)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("does not move past 2000");
        assertThatThrownBy(() -> new MetadataDelta(img).replay(producerIds(10)))
                .isInstanceOf(IllegalStateException.class);
        assertThat(img.toRecords()).containsExactly(producerIdsWithoutBroker(2000));
    }

    private static ProducerIdsRecord producerIdsWithoutBroker(long next) {
        ProducerIdsRecord r = new ProducerIdsRecord();
        r.brokerId = -1;
        r.brokerEpoch = -1;
        r.nextProducerId = next;
        return r;
    }

    @Test
    void anImageAppliedEarlierIsNotChangedByLaterReplayOfTheSameDelta() {
        Uuid id = Uuid.random();
        MetadataDelta d = new MetadataDelta(MetadataImage.EMPTY).replayAll(List.of(topic("t", id), partition(id, 0, List.of(1))));
        MetadataImage first = d.apply();
        assertThat(d.offset()).isEqualTo(first.offset()).isEqualTo(2);
        d.replay(partition(id, 1, List.of(1)));
        PartitionChangeRecord leaderGone = new PartitionChangeRecord();
        leaderGone.topicId = id;
        leaderGone.partitionId = 0;
        leaderGone.leader = -1;
        d.replay(leaderGone);
        MetadataImage second = d.apply();
        assertThat(first.topic("t").partitionCount()).isEqualTo(1);
        assertThat(first.topic("t").partition(0).leader()).isEqualTo(1);
        assertThat(second.topic("t").partitionCount()).isEqualTo(2);
        assertThat(second.topic("t").partition(0).leader()).isEqualTo(-1);
        assertThat(second.topic("t").partition(0).leaderEpoch()).isEqualTo(1);
        RemoveTopicRecord remove = new RemoveTopicRecord();
        remove.topicId = id;
        assertThat(d.replay(remove).apply().topics()).isEmpty();
    }

    /**
     * Creating a topic of N partitions replays N partition records into one delta: linear, not a copy
     * of the topic's partitions per record (quadratic: this took minutes and gigabytes of garbage).
     */
    @Test
    @org.junit.jupiter.api.Timeout(value = 30, unit = java.util.concurrent.TimeUnit.SECONDS,
            threadMode = org.junit.jupiter.api.Timeout.ThreadMode.SEPARATE_THREAD)
    void replayingATopicOfManyPartitionsIsLinear() {
        Uuid id = Uuid.random();
        int n = 50_000;
        MetadataDelta d = new MetadataDelta(MetadataImage.EMPTY).replay(topic("big", id));
        List<Integer> replicas = List.of(1);
        for (int p = 0; p < n; p++) d.replay(partition(id, p, replicas));
        MetadataImage img = d.apply();
        assertThat(img.topic("big").partitionCount()).isEqualTo(n);
        assertThat(img.topic("big").partition(n - 1).leader()).isEqualTo(1);
    }
}
