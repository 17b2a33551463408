package io.runnel.it;

import io.runnel.common.Uuid;
import io.runnel.protocol.ApiKeys;
import io.runnel.protocol.message.FetchRequest;
import io.runnel.protocol.message.FetchResponse;
import io.runnel.protocol.message.ListOffsetsRequest;
import io.runnel.protocol.message.ListOffsetsResponse;
import io.runnel.protocol.message.MetadataRequest;
import io.runnel.protocol.message.MetadataResponse;
import io.runnel.protocol.message.ProduceRequest;
import io.runnel.protocol.message.ProduceResponse;
import io.runnel.record.CompressionType;
import io.runnel.record.Header;
import io.runnel.record.MemoryRecords;
import io.runnel.record.Record;
import io.runnel.record.RecordBatch;
import io.runnel.record.RecordBatchBuilder;
import io.runnel.record.TimestampType;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The data-path APIs at every version the broker advertises, not just the newest one the Java client
 * uses: other clients (librdkafka, kafka-python, older Java clients) speak older versions. Produce
 * v3-v13 (topic by name, by id from v13), Fetch v4-v18, ListOffsets v1-v10 and Metadata v0-v13, with
 * real records, over raw connections; the Java consumer then reads what the old versions wrote.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class VersionMatrixIT {
    private static final String TOPIC = "versions";
    private static final long BASE_TS = System.currentTimeMillis() - 3_600_000L;

    @TempDir
    static Path dir;
    static TestBroker broker;
    static Uuid topicId;
    static int produced;

    @BeforeAll
    static void start() throws Exception {
        broker = TestBroker.start(dir.resolve("broker"));
        broker.createTopic(TOPIC, 2);
        topicId = broker.server().controller().image().topic(TOPIC).id();
        produceAtEveryVersion();
    }

    @AfterAll
    static void stop() {
        if (broker != null) broker.close();
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** One batch of two records per Produce version, into partition 1, codec varying with the version. */
    private static void produceAtEveryVersion() throws Exception {
        CompressionType[] codecs = CompressionType.values();
        try (RawClient c = new RawClient(broker.port())) {
            for (short v = ApiKeys.PRODUCE.lowestVersion; v <= ApiKeys.PRODUCE.highestVersion; v++) {
                ByteBuffer batch = new RecordBatchBuilder(codecs[v % codecs.length], TimestampType.CREATE_TIME, 0)
                        .append(BASE_TS + v, utf8("k" + v), utf8("produce-v" + v), List.of(new Header("v", utf8(Short.toString(v)))))
                        .append(BASE_TS + v, null, utf8("produce-v" + v + "-second"), List.of())
                        .build();
                ProduceRequest req = new ProduceRequest();
                req.acks = -1;
                req.timeoutMs = 10_000;
                ProduceRequest.TopicData td = new ProduceRequest.TopicData();
                if (v >= 13) td.topicId = topicId;
                else td.name = TOPIC;
                ProduceRequest.PartitionData pd = new ProduceRequest.PartitionData();
                pd.index = 1;
                pd.records = new MemoryRecords(batch);
                td.partitionData.add(pd);
                req.topicData.add(td);
                c.send(ApiKeys.PRODUCE, v, 100 + v, req);
                RawClient.Response<ProduceResponse> r = c.receive(ApiKeys.PRODUCE, v);
                assertThat(r.correlationId()).isEqualTo(100 + v);
                ProduceResponse.PartitionResponse pr = r.body().responses.get(0).partitionResponses.get(0);
                assertThat(pr.errorCode).as("Produce v%d error", v).isZero();
                assertThat(pr.index).isEqualTo(1);
                assertThat(pr.baseOffset).as("Produce v%d base offset", v).isEqualTo(produced);
                if (v >= 13) assertThat(r.body().responses.get(0).topicId).isEqualTo(topicId);
                else assertThat(r.body().responses.get(0).name).isEqualTo(TOPIC);
                produced += 2;
            }
        }
    }

    private static List<Record> recordsOf(MemoryRecords records) {
        List<Record> out = new ArrayList<>();
        ByteBuffer b = records.buffer();
        int p = b.position();
        while (b.limit() - p >= RecordBatch.LOG_OVERHEAD) {
            int size = RecordBatch.LOG_OVERHEAD + b.getInt(p + 8);
            if (size > b.limit() - p) break; // a partial batch at the end is allowed in Fetch responses
            RecordBatch batch = RecordBatch.at(b, p);
            assertThat(batch.isValid()).as("CRC of the batch at %d", batch.baseOffset()).isTrue();
            out.addAll(batch.records());
            p += size;
        }
        return out;
    }

    private static void assertProducedRecords(List<Record> records, String context) {
        assertThat(records).as(context).hasSize(produced);
        int i = 0;
        for (short v = ApiKeys.PRODUCE.lowestVersion; v <= ApiKeys.PRODUCE.highestVersion; v++) {
            Record first = records.get(i++);
            Record second = records.get(i++);
            assertThat(first.offset()).as(context).isEqualTo(i - 2);
            assertThat(first.key()).as(context).isEqualTo(utf8("k" + v));
            assertThat(first.value()).as(context).isEqualTo(utf8("produce-v" + v));
            assertThat(first.timestamp()).as(context).isEqualTo(BASE_TS + v);
            assertThat(first.headers()).as(context).hasSize(1);
            assertThat(first.headers().get(0).value()).as(context).isEqualTo(utf8(Short.toString(v)));
            assertThat(second.key()).as(context).isNull();
            assertThat(second.value()).as(context).isEqualTo(utf8("produce-v" + v + "-second"));
        }
    }

    @Test
    void fetchAtEveryVersion() throws Exception {
        try (RawClient c = new RawClient(broker.port())) {
            for (short v = ApiKeys.FETCH.lowestVersion; v <= ApiKeys.FETCH.highestVersion; v++) {
                FetchRequest req = new FetchRequest();
                req.replicaId = -1;
                req.maxWaitMs = 0;
                req.minBytes = 1;
                req.maxBytes = 10 << 20;
                FetchRequest.FetchTopic ft = new FetchRequest.FetchTopic();
                if (v >= 13) ft.topicId = topicId;
                else ft.topic = TOPIC;
                for (int p = 0; p < 2; p++) {
                    FetchRequest.FetchPartition fp = new FetchRequest.FetchPartition();
                    fp.partition = p;
                    fp.fetchOffset = 0;
                    fp.partitionMaxBytes = 1 << 20;
                    ft.partitions.add(fp);
                }
                req.topics.add(ft);
                c.send(ApiKeys.FETCH, v, 200 + v, req);
                RawClient.Response<FetchResponse> r = c.receive(ApiKeys.FETCH, v);
                assertThat(r.correlationId()).isEqualTo(200 + v);
                assertThat(r.body().errorCode).isZero();
                FetchResponse.TopicResponse tr = r.body().responses.get(0);
                if (v >= 13) assertThat(tr.topicId).isEqualTo(topicId);
                else assertThat(tr.topic).isEqualTo(TOPIC);
                assertThat(tr.partitions).extracting(pd -> pd.partitionIndex).containsExactly(0, 1);
                FetchResponse.PartitionData empty = tr.partitions.get(0);
                FetchResponse.PartitionData full = tr.partitions.get(1);
                assertThat(empty.errorCode).isZero();
                assertThat(empty.highWatermark).isZero();
                assertThat(full.errorCode).as("Fetch v%d error", v).isZero();
                assertThat(full.highWatermark).as("Fetch v%d high watermark", v).isEqualTo(produced);
                assertThat(full.lastStableOffset).isEqualTo(produced);
                if (v >= 5) assertThat(full.logStartOffset).isZero();
                assertProducedRecords(recordsOf((MemoryRecords) full.records), "Fetch v" + v);
            }
        }
    }

    @Test
    void listOffsetsAtEveryVersion() throws Exception {
        try (RawClient c = new RawClient(broker.port())) {
            for (short v = ApiKeys.LIST_OFFSETS.lowestVersion; v <= ApiKeys.LIST_OFFSETS.highestVersion; v++) {
                long[] targets = {-1, -2, BASE_TS + 5};
                long[] expected = {produced, 0, 2 * (5 - ApiKeys.PRODUCE.lowestVersion)};
                for (int k = 0; k < targets.length; k++) {
                    ListOffsetsRequest req = new ListOffsetsRequest();
                    req.replicaId = -1;
                    ListOffsetsRequest.Topic t = new ListOffsetsRequest.Topic();
                    t.name = TOPIC;
                    ListOffsetsRequest.Partition p = new ListOffsetsRequest.Partition();
                    p.partitionIndex = 1;
                    p.timestamp = targets[k];
                    t.partitions.add(p);
                    req.topics.add(t);
                    int corr = 300 + v * 10 + k;
                    c.send(ApiKeys.LIST_OFFSETS, v, corr, req);
                    RawClient.Response<ListOffsetsResponse> r = c.receive(ApiKeys.LIST_OFFSETS, v);
                    assertThat(r.correlationId()).isEqualTo(corr);
                    ListOffsetsResponse.PartitionResponse pr = r.body().topics.get(0).partitions.get(0);
                    assertThat(pr.errorCode).as("ListOffsets v%d target %d", v, targets[k]).isZero();
                    assertThat(pr.offset).as("ListOffsets v%d target %d", v, targets[k]).isEqualTo(expected[k]);
                }
            }
        }
    }

    @Test
    void metadataAtEveryVersion() throws Exception {
        try (RawClient c = new RawClient(broker.port())) {
            for (short v = ApiKeys.METADATA.lowestVersion; v <= ApiKeys.METADATA.highestVersion; v++) {
                MetadataRequest req = new MetadataRequest();
                MetadataRequest.Topic t = new MetadataRequest.Topic();
                t.name = TOPIC;
                req.topics = new ArrayList<>(List.of(t));
                req.allowAutoTopicCreation = false;
                c.send(ApiKeys.METADATA, v, 400 + v, req);
                RawClient.Response<MetadataResponse> r = c.receive(ApiKeys.METADATA, v);
                assertThat(r.correlationId()).isEqualTo(400 + v);
                MetadataResponse m = r.body();
                assertThat(m.brokers).as("Metadata v%d brokers", v).hasSize(1);
                assertThat(m.brokers.get(0).nodeId).isEqualTo(1);
                assertThat(m.brokers.get(0).port).isEqualTo(broker.port());
                assertThat(m.topics).hasSize(1);
                MetadataResponse.Topic mt = m.topics.get(0);
                assertThat(mt.errorCode).as("Metadata v%d topic error", v).isZero();
                assertThat(mt.name).isEqualTo(TOPIC);
                if (v >= 10) assertThat(mt.topicId).isEqualTo(topicId);
                assertThat(mt.partitions).extracting(p -> p.partitionIndex).containsExactlyInAnyOrder(0, 1);
                assertThat(mt.partitions).allMatch(p -> p.leaderId == 1 && p.errorCode == 0);
                if (v >= 2) assertThat(m.clusterId).isNotNull();
                if (v >= 1) assertThat(m.controllerId).isEqualTo(1);
            }
        }
    }

    @Test
    void javaConsumerReadsWhatOldVersionsWrote() {
        List<ConsumerRecord<byte[], byte[]>> got = Clients.readAll(broker.bootstrap(), List.of(new TopicPartition(TOPIC, 1)), Duration.ofSeconds(30));
        List<Record> asRecords = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : got) {
            List<Header> hs = new ArrayList<>();
            for (org.apache.kafka.common.header.Header h : r.headers()) hs.add(new Header(h.key(), h.value()));
            asRecords.add(new Record(r.offset(), r.timestamp(), r.key(), r.value(), hs));
        }
        assertProducedRecords(asRecords, "Java consumer");
    }
}
