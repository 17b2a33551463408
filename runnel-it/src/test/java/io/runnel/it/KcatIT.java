package io.runnel.it;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * kcat (librdkafka, a non-Java client) against an in-process broker: metadata listing, producing with
 * keys, headers and compression, and consuming from the beginning and from a timestamp.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class KcatIT {
    private static final long BASE_TS = System.currentTimeMillis() - Duration.ofHours(1).toMillis();

    @TempDir
    static Path dir;
    static TestBroker broker;

    @BeforeAll
    static void start() {
        broker = TestBroker.start(dir.resolve("broker"));
    }

    @AfterAll
    static void stop() {
        if (broker != null) broker.close();
    }

    /** What a kcat run printed and how it ended. */
    record Result(int exit, String out, String err) {
    }

    static Result kcat(String stdin, String... args) throws IOException, InterruptedException {
        String exe = findKcat();
        List<String> cmd = new ArrayList<>();
        cmd.add(exe);
        cmd.add("-b");
        cmd.add(broker.bootstrap());
        cmd.add("-m");
        cmd.add("15");
        cmd.addAll(List.of(args));
        Path out = Files.createTempFile(dir, "kcat", ".out");
        Path err = Files.createTempFile(dir, "kcat", ".err");
        Path in = Files.createTempFile(dir, "kcat", ".in");
        Files.writeString(in, stdin == null ? "" : stdin);
        Process p = new ProcessBuilder(cmd).redirectInput(in.toFile()).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        try {
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                throw new AssertionError("kcat " + String.join(" ", args) + " did not finish in 60 s; stderr:\n" + Files.readString(err));
            }
        } finally {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
        return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    /** The kcat executable (also for SaslIT). */
    static String findKcatPath() {
        return findKcat();
    }

    private static String findKcat() {
        for (String name : List.of("kcat", "kafkacat")) {
            for (String d : System.getenv().getOrDefault("PATH", "/usr/bin:/usr/local/bin").split(File.pathSeparator)) {
                File f = new File(d, name);
                if (f.canExecute()) return f.getPath();
            }
        }
        throw new AssertionError("kcat is not installed (apt-get install kcat; .ci/run installs it)");
    }

    @Test
    void metadataListing() throws Exception {
        broker.createTopic("kcat-meta", 3);
        Result r = kcat(null, "-L", "-t", "kcat-meta");
        assertThat(r.exit()).as("kcat -L exit status; stderr: %s", r.err()).isZero();
        assertThat(r.out()).contains("1 brokers:");
        assertThat(r.out()).containsPattern("broker 1 at 127\\.0\\.0\\.1:" + broker.port());
        assertThat(r.out()).contains("topic \"kcat-meta\" with 3 partitions:");
        for (int p = 0; p < 3; p++) {
            assertThat(r.out()).containsPattern("partition " + p + ", leader 1, replicas: 1, isrs: 1");
        }
        // the whole cluster, without naming a topic
        Result all = kcat(null, "-L");
        assertThat(all.exit()).as("stderr: %s", all.err()).isZero();
        assertThat(all.out()).contains("topic \"kcat-meta\" with 3 partitions:");
    }

    @Test
    void kcatProducesJavaConsumes() throws Exception {
        String topic = "kcat-produce";
        broker.createTopic(topic, 2);
        for (String codec : List.of("none", "gzip", "snappy", "lz4", "zstd")) {
            StringBuilder input = new StringBuilder();
            for (int i = 0; i < 50; i++) input.append(codec).append("-key-").append(i).append(':').append(codec).append("-value-").append(i).append('\n');
            List<String> args = new ArrayList<>(List.of("-P", "-t", topic, "-p", "1", "-K", ":", "-H", "origin=kcat", "-H", "codec=" + codec,
                    "-X", "linger.ms=5"));
            if (!codec.equals("none")) args.addAll(List.of("-z", codec));
            Result r = kcat(input.toString(), args.toArray(String[]::new));
            assertThat(r.exit()).as("kcat -P with %s; stderr: %s", codec, r.err()).isZero();
        }
        // stored as kcat sent them, compressed as asked: librdkafka 2.0 sends uncompressed batches (saying so only
        // in a debug log) when ApiVersions does not list Produce v0, as Kafka 4.x lists it
        assertThat(storedCodecs(topic, 1)).as("codecs of the stored batches, in order (0 none, 1 gzip, 2 snappy, 3 lz4, 4 zstd)")
                .containsExactly(0, 1, 2, 3, 4);

        List<ConsumerRecord<byte[], byte[]>> got = Clients.readAll(broker.bootstrap(), List.of(new TopicPartition(topic, 1)), Duration.ofSeconds(30));
        assertThat(got).hasSize(250);
        int k = 0;
        for (String codec : List.of("none", "gzip", "snappy", "lz4", "zstd")) {
            for (int i = 0; i < 50; i++, k++) {
                ConsumerRecord<byte[], byte[]> r = got.get(k);
                assertThat(r.offset()).isEqualTo(k);
                assertThat(new String(r.key(), StandardCharsets.UTF_8)).isEqualTo(codec + "-key-" + i);
                assertThat(new String(r.value(), StandardCharsets.UTF_8)).isEqualTo(codec + "-value-" + i);
                Header[] h = r.headers().toArray();
                assertThat(h).hasSize(2);
                assertThat(h[0].key()).isEqualTo("origin");
                assertThat(new String(h[0].value(), StandardCharsets.UTF_8)).isEqualTo("kcat");
                assertThat(h[1].key()).isEqualTo("codec");
                assertThat(new String(h[1].value(), StandardCharsets.UTF_8)).isEqualTo(codec);
            }
        }
    }

    /** The compression codecs of a partition's stored batches, in log order, each run of equal codecs listed once. */
    private static List<Integer> storedCodecs(String topic, int partition) throws IOException {
        List<Integer> codecs = new ArrayList<>();
        List<Path> segments;
        try (var files = Files.walk(broker.dataDir())) {
            segments = files.filter(f -> f.getParent().getFileName().toString().equals(topic + "-" + partition)
                    && f.getFileName().toString().endsWith(".log")).sorted().toList();
        }
        assertThat(segments).as("segments of %s-%d", topic, partition).isNotEmpty();
        for (Path segment : segments) {
            java.nio.ByteBuffer log = java.nio.ByteBuffer.wrap(Files.readAllBytes(segment));
            // a batch: base offset (8), length (4), then at byte 21 its attributes, the codec in the low 3 bits
            while (log.remaining() >= 23) {
                int start = log.position();
                int length = log.getInt(start + 8);
                if (length <= 0 || start + 12 + length > log.limit()) break; // the preallocated tail
                int codec = log.getShort(start + 21) & 7;
                if (codecs.isEmpty() || codecs.get(codecs.size() - 1) != codec) codecs.add(codec);
                log.position(start + 12 + length);
            }
        }
        return codecs;
    }

    @Test
    void javaProducesKcatConsumes() throws Exception {
        String topic = "kcat-consume";
        broker.createTopic(topic, 1);
        try (KafkaProducer<byte[], byte[]> producer = Clients.producer(broker.bootstrap(),
                java.util.Map.of("compression.type", "zstd"))) {
            for (int i = 0; i < 100; i++) {
                ProducerRecord<byte[], byte[]> rec = new ProducerRecord<>(topic, 0, BASE_TS + i * 1000L,
                        ("k" + i).getBytes(StandardCharsets.UTF_8), ("v" + i).getBytes(StandardCharsets.UTF_8));
                rec.headers().add("n", Integer.toString(i).getBytes(StandardCharsets.UTF_8));
                producer.send(rec);
            }
            producer.flush();
        }

        Result r = kcat(null, "-C", "-t", "kcat-consume", "-p", "0", "-o", "beginning", "-e", "-f", "%o|%k|%s|%T|%h\\n");
        assertThat(r.exit()).as("kcat -C exit status; stderr: %s", r.err()).isZero();
        List<String> lines = r.out().lines().toList();
        assertThat(lines).hasSize(100);
        for (int i = 0; i < 100; i++) {
            assertThat(lines.get(i)).isEqualTo(i + "|k" + i + "|v" + i + "|" + (BASE_TS + i * 1000L) + "|n=" + i);
        }

        // from a timestamp (librdkafka looks the offset up with ListOffsets)
        Result fromTs = kcat(null, "-C", "-t", "kcat-consume", "-p", "0", "-o", "s@" + (BASE_TS + 89_500), "-e", "-f", "%o\\n");
        assertThat(fromTs.exit()).as("stderr: %s", fromTs.err()).isZero();
        assertThat(fromTs.out().lines().toList()).containsExactly("90", "91", "92", "93", "94", "95", "96", "97", "98", "99");

        // relative to the end
        Result tail = kcat(null, "-C", "-t", "kcat-consume", "-p", "0", "-o", "-3", "-e", "-f", "%s\\n");
        assertThat(tail.exit()).as("stderr: %s", tail.err()).isZero();
        assertThat(tail.out().lines().toList()).containsExactly("v97", "v98", "v99");
    }

    @Test
    void queryOffsetsForTimestamp() throws Exception {
        String topic = "kcat-query";
        broker.createTopic(topic, 1);
        try (KafkaProducer<byte[], byte[]> producer = Clients.producer(broker.bootstrap())) {
            for (int i = 0; i < 10; i++) producer.send(new ProducerRecord<>(topic, 0, BASE_TS + i * 1000L, null, new byte[]{(byte) i}));
            producer.flush();
        }
        Result r = kcat(null, "-Q", "-t", topic + ":0:" + (BASE_TS + 4_000));
        assertThat(r.exit()).as("stderr: %s", r.err()).isZero();
        Matcher m = Pattern.compile(Pattern.quote(topic) + " \\[0\\] offset (-?\\d+)").matcher(r.out());
        assertThat(m.find()).as("kcat -Q output: %s", r.out()).isTrue();
        assertThat(m.group(1)).isEqualTo("4");
    }
}
