package io.runnel.record;

import io.runnel.common.ApiException;
import io.runnel.common.Errors;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.utils.BufferSupplier;
import org.apache.kafka.common.utils.ByteBufferOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CompressionTypeTest {

    private static byte[] sample(int n) {
        byte[] data = new byte[n];
        Random r = new Random(n);
        for (int i = 0; i < n; i++) data[i] = (byte) (i % 97 < 60 ? 'a' + i % 7 : r.nextInt());
        return data;
    }

    private static Compression kafka(CompressionType c) {
        return Compression.of(org.apache.kafka.common.record.CompressionType.forId(c.id())).build();
    }

    @Test
    void idsAndNamesMatchKafka() {
        for (CompressionType c : CompressionType.values()) {
            org.apache.kafka.common.record.CompressionType k = org.apache.kafka.common.record.CompressionType.forId(c.id());
            assertThat(c.configName()).isEqualTo(k.name);
            assertThat(CompressionType.forName(c.configName())).isSameAs(c);
            assertThat(CompressionType.forId(c.id())).isSameAs(c);
        }
        assertThatThrownBy(() -> CompressionType.forId(5)).isInstanceOf(ApiException.class)
                .extracting(e -> ((ApiException) e).error()).isEqualTo(Errors.UNSUPPORTED_COMPRESSION_TYPE);
        assertThatThrownBy(() -> CompressionType.forName("brotli")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> CompressionType.forName("producer")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void timestampTypeNames() {
        assertThat(TimestampType.forName("CreateTime")).isEqualTo(TimestampType.CREATE_TIME);
        assertThat(TimestampType.forName("LogAppendTime")).isEqualTo(TimestampType.LOG_APPEND_TIME);
        assertThat(TimestampType.CREATE_TIME.id()).isZero();
        assertThat(TimestampType.LOG_APPEND_TIME.id()).isEqualTo(1);
        assertThat(TimestampType.NO_TIMESTAMP_TYPE.id()).isEqualTo(-1);
        assertThatThrownBy(() -> TimestampType.forName("createtime")).isInstanceOf(IllegalArgumentException.class);
    }

    @ParameterizedTest
    @EnumSource(CompressionType.class)
    void ourStreamsRoundTrip(CompressionType c) throws IOException {
        byte[] data = sample(200_000);
        byte[] compressed = RawBatches.compress(c, data);
        try (InputStream in = c.wrapForInput(new ByteArrayInputStream(compressed))) {
            assertThat(in.readAllBytes()).isEqualTo(data);
        }
    }

    @ParameterizedTest
    @EnumSource(CompressionType.class)
    void kafkaReadsWhatWeCompress(CompressionType c) throws IOException {
        byte[] data = sample(150_000);
        byte[] compressed = RawBatches.compress(c, data);
        try (InputStream in = kafka(c).wrapForInput(ByteBuffer.wrap(compressed), (byte) 2, BufferSupplier.create())) {
            assertThat(in.readAllBytes()).isEqualTo(data);
        }
    }

    @ParameterizedTest
    @EnumSource(CompressionType.class)
    void weReadWhatKafkaCompresses(CompressionType c) throws IOException {
        byte[] data = sample(150_000);
        ByteBufferOutputStream bbos = new ByteBufferOutputStream(1024);
        try (OutputStream out = kafka(c).wrapForOutput(bbos, (byte) 2)) {
            out.write(data);
        }
        ByteBuffer compressed = bbos.buffer().flip();
        byte[] bytes = new byte[compressed.remaining()];
        compressed.get(bytes);
        try (InputStream in = c.wrapForInput(new ByteArrayInputStream(bytes))) {
            assertThat(in.readAllBytes()).isEqualTo(data);
        }
    }

    @Test
    void lz4FrameDescriptorMatchesKafkasFraming() throws IOException {
        byte[] ours = RawBatches.compress(CompressionType.LZ4, sample(1000));
        ByteBufferOutputStream bbos = new ByteBufferOutputStream(1024);
        try (OutputStream out = kafka(CompressionType.LZ4).wrapForOutput(bbos, (byte) 2)) {
            out.write(sample(1000));
        }
        ByteBuffer theirs = bbos.buffer().flip();
        // magic 0x184D2204 (little-endian), FLG, BD and header checksum: 7 bytes identical
        for (int i = 0; i < 7; i++) {
            assertThat(ours[i]).as("frame header byte %d", i).isEqualTo(theirs.get(i));
        }
        assertThat(ours[4]).as("FLG: version 01, independent blocks, no checksums").isEqualTo((byte) 0x60);
        assertThat(ours[5]).as("BD: 64 KiB blocks").isEqualTo((byte) 0x40);
    }
}
