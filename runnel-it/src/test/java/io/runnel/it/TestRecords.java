package io.runnel.it;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.record.TimestampType;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Deterministic test records with the awkward cases mixed in: null and empty keys, null values
 * (tombstones), several headers with a repeated key and a null header value, values from a few
 * bytes to tens of kilobytes, and explicit create timestamps one second apart.
 */
public final class TestRecords {
    private TestRecords() {
    }

    /** What was sent for record {@code i}, for comparison with what is read. */
    public record Expected(int partition, byte[] key, byte[] value, List<Header> headers, long timestamp) {
    }

    public static byte[] key(int i) {
        if (i % 17 == 3) return null;
        if (i % 17 == 5) return new byte[0];
        return ("key-" + i).getBytes(StandardCharsets.UTF_8);
    }

    public static byte[] value(String tag, int i) {
        if (i % 23 == 7) return null;
        int size = switch (i % 5) {
            case 0 -> 0;
            case 1 -> 10;
            case 2 -> 300;
            case 3 -> 2_000;
            default -> (i % 50 == 4) ? 40_000 : 100;
        };
        byte[] prefix = (tag + "-value-" + i + "|").getBytes(StandardCharsets.UTF_8);
        byte[] v = Arrays.copyOf(prefix, prefix.length + size);
        Random r = new Random(i);
        // half compressible text, half noise
        for (int j = prefix.length; j < v.length; j++) v[j] = (j % 2 == 0) ? (byte) ('a' + (j % 26)) : (byte) r.nextInt();
        return v;
    }

    public static List<Header> headers(int i) {
        List<Header> h = new ArrayList<>();
        if (i % 4 == 0) return h;
        h.add(new RecordHeader("seq", Integer.toString(i).getBytes(StandardCharsets.UTF_8)));
        if (i % 4 >= 2) {
            h.add(new RecordHeader("dup", "first".getBytes(StandardCharsets.UTF_8)));
            h.add(new RecordHeader("dup", "second".getBytes(StandardCharsets.UTF_8)));
        }
        if (i % 4 == 3) {
            h.add(new RecordHeader("nullvalue", null));
            h.add(new RecordHeader("ünïcødé-ключ", new byte[]{0, 1, 2, (byte) 0xff}));
        }
        return h;
    }

    /** Record {@code i} for {@code partition}, with create time {@code baseTs + i * 1000}. */
    public static Expected expected(String tag, int partition, int i, long baseTs) {
        return new Expected(partition, key(i), value(tag, i), headers(i), baseTs + i * 1000L);
    }

    public static ProducerRecord<byte[], byte[]> toProducerRecord(String topic, Expected e) {
        return new ProducerRecord<>(topic, e.partition(), e.timestamp(), e.key(), e.value(), e.headers());
    }

    public static void assertSame(Expected e, ConsumerRecord<byte[], byte[]> r, String context) {
        String where = context + " at " + r.topic() + "-" + r.partition() + "@" + r.offset();
        assertThat(r.partition()).as(where + " partition").isEqualTo(e.partition());
        assertThat(r.key()).as(where + " key").isEqualTo(e.key());
        assertThat(r.value()).as(where + " value").isEqualTo(e.value());
        assertThat(r.timestamp()).as(where + " timestamp").isEqualTo(e.timestamp());
        assertThat(r.timestampType()).as(where + " timestamp type").isEqualTo(TimestampType.CREATE_TIME);
        Header[] got = r.headers().toArray();
        assertThat(got).as(where + " header count").hasSize(e.headers().size());
        for (int j = 0; j < got.length; j++) {
            assertThat(got[j].key()).as(where + " header " + j + " key").isEqualTo(e.headers().get(j).key());
            assertThat(got[j].value()).as(where + " header " + j + " value").isEqualTo(e.headers().get(j).value());
        }
    }
}
