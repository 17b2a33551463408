package io.runnel.it;

import io.runnel.broker.BrokerServer;
import io.runnel.config.BrokerConfigs;
import io.runnel.protocol.ApiKeys;
import io.runnel.protocol.ApiMessage;
import io.runnel.protocol.ByteBufferReadable;
import io.runnel.protocol.GrowableWritable;
import io.runnel.protocol.RequestHeader;
import io.runnel.protocol.message.ApiVersionsRequest;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Golden bytes from the reference Java client: every request frame that kafka-clients (each generation the
 * shared IT sources run with: 3.9, 4.1, 4.4) sends while an Admin, a producer (idempotent, lz4) and a group
 * consumer work against a real broker is captured by a recording proxy; each must decode with Runnel's
 * generated classes and re-encode to exactly the same bytes (header and body). With 4.4 the versions new
 * in it must be among them: ApiVersions v5 carrying the cluster and node the client expects (KIP-1242),
 * ListOffsets v11, DescribeLogDirs v5, DeleteGroups v3.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class GoldenBytesIT {

    @Test
    void everyRequestTheJavaClientSendsRoundTripsByteForByte(@TempDir Path dir) throws Exception {
        int brokerPort = freePort();
        List<byte[]> frames = Collections.synchronizedList(new ArrayList<>());
        RecordingProxy proxy = new RecordingProxy(brokerPort, frames);
        // the broker advertises the proxy, so every connection of every client passes through it
        BrokerServer broker = new BrokerServer(BrokerConfigs.parse(Map.of(
                "listeners", "PLAINTEXT://127.0.0.1:" + brokerPort,
                "advertised.listeners", "PLAINTEXT://127.0.0.1:" + proxy.port(),
                "log.dirs", dir.toString(),
                "offsets.topic.num.partitions", "2",
                "group.initial.rebalance.delay.ms", "0")));
        broker.startup();
        String clusterId = broker.controller().image().clusterId().toString();
        try (proxy) {
            String bootstrap = "127.0.0.1:" + proxy.port();
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
                admin.createTopics(List.of(new NewTopic("golden", 2, (short) 1).configs(Map.of("retention.ms", "3600000")))).all().get();
                admin.describeTopics(List.of("golden")).allTopicNames().get();
                admin.describeConfigs(List.of(new ConfigResource(ConfigResource.Type.TOPIC, "golden"))).all().get();
                admin.describeCluster().nodes().get();
                admin.listTopics().names().get();
            }
            Properties pp = new Properties();
            pp.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
            pp.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
            try (KafkaProducer<String, String> p = new KafkaProducer<>(pp, new StringSerializer(), new StringSerializer())) {
                for (int i = 0; i < 20; i++) p.send(new ProducerRecord<>("golden", "k" + i, "v" + i)).get();
            }
            Properties cp = new Properties();
            cp.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
            cp.put(ConsumerConfig.GROUP_ID_CONFIG, "golden-group");
            cp.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
            try (KafkaConsumer<String, String> c = new KafkaConsumer<>(cp, new StringDeserializer(), new StringDeserializer())) {
                c.subscribe(List.of("golden"));
                int seen = 0;
                long deadline = System.currentTimeMillis() + 30_000;
                while (seen < 20 && System.currentTimeMillis() < deadline) {
                    ConsumerRecords<String, String> recs = c.poll(Duration.ofMillis(200));
                    seen += recs.count();
                }
                assertThat(seen).isEqualTo(20);
                c.commitSync();
            }
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
                admin.listOffsets(Map.of(new TopicPartition("golden", 0), OffsetSpec.latest())).all().get();
                admin.describeLogDirs(List.of(1)).allDescriptions().get();
                admin.describeFeatures().featureMetadata().get();
                admin.deleteConsumerGroups(List.of("golden-group")).all().get();
            }
        } finally {
            broker.close();
        }

        Set<String> apisSeen = new TreeSet<>();
        Set<String> clusterChecks = new TreeSet<>();
        synchronized (frames) {
            assertThat(frames).isNotEmpty();
            for (byte[] frame : frames) {
                ByteBufferReadable in = new ByteBufferReadable(ByteBuffer.wrap(frame));
                RequestHeader header = RequestHeader.read(in);
                ApiKeys api = ApiKeys.forId(header.apiKey());
                assertThat(api).as("api key %d", header.apiKey()).isNotNull();
                ApiMessage body = api.newRequest();
                body.read(in, header.apiVersion());
                assertThat(in.remaining()).as("%s v%d left bytes unread", api, header.apiVersion()).isZero();
                GrowableWritable out = new GrowableWritable();
                header.write(out, api.requestHeaderVersion(header.apiVersion()));
                body.write(out, header.apiVersion());
                assertThat(HexFormat.of().formatHex(out.toArray()))
                        .as("%s v%d re-encoded", api, header.apiVersion())
                        .isEqualTo(HexFormat.of().formatHex(frame));
                apisSeen.add(api.displayName + " v" + header.apiVersion());
                if (body instanceof ApiVersionsRequest av && av.clusterId != null) {
                    clusterChecks.add("node " + av.nodeId + " of cluster " + av.clusterId);
                }
            }
        }
        assertThat(apisSeen.toString()).contains("ApiVersions", "Metadata", "CreateTopics", "DescribeConfigs",
                "InitProducerId", "Produce", "FindCoordinator", "JoinGroup", "SyncGroup", "Fetch", "OffsetCommit");
        System.out.printf("kafka-clients %s sent %s%n", Clients.kafkaVersion(), apisSeen);
        if (ApiVersionsIT.kafka44OrNewer()) {
            assertThat(apisSeen).contains("ApiVersions v5", "ListOffsets v11", "DescribeLogDirs v5", "DeleteGroups v3");
            // connections to a known node (not a bootstrap address) name the node and cluster they expect
            assertThat(clusterChecks).containsExactly("node 1 of cluster " + clusterId);
        } else {
            assertThat(clusterChecks).isEmpty();
        }
    }

    private static int freePort() throws IOException {
        return io.runnel.common.LoopbackPorts.free();
    }

    /** Forwards connections to the broker and records each request frame. */
    static final class RecordingProxy implements AutoCloseable {
        private final ServerSocket server;
        private final List<Socket> sockets = Collections.synchronizedList(new ArrayList<>());

        RecordingProxy(int targetPort, List<byte[]> frames) throws IOException {
            server = new ServerSocket();
            server.bind(new InetSocketAddress("127.0.0.1", 0));
            Thread acceptor = new Thread(() -> {
                while (!server.isClosed()) {
                    try {
                        Socket client = server.accept();
                        Socket upstream = new Socket("127.0.0.1", targetPort);
                        sockets.add(client);
                        sockets.add(upstream);
                        start(() -> recordRequests(client, upstream, frames));
                        start(() -> pipe(upstream, client));
                    } catch (IOException e) {
                        return;
                    }
                }
            }, "golden-proxy");
            acceptor.setDaemon(true);
            acceptor.start();
        }

        int port() {
            return server.getLocalPort();
        }

        private static void start(Runnable r) {
            Thread t = new Thread(r, "golden-pipe");
            t.setDaemon(true);
            t.start();
        }

        private static void recordRequests(Socket from, Socket to, List<byte[]> frames) {
            try (DataInputStream in = new DataInputStream(from.getInputStream()); OutputStream out = to.getOutputStream()) {
                while (true) {
                    int size = in.readInt();
                    byte[] frame = new byte[size];
                    in.readFully(frame);
                    frames.add(frame);
                    out.write(ByteBuffer.allocate(4).putInt(size).array());
                    out.write(frame);
                    out.flush();
                }
            } catch (IOException e) {
                closeQuietly(to);
            }
        }

        private static void pipe(Socket from, Socket to) {
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                in.transferTo(out);
            } catch (IOException e) {
                closeQuietly(to);
            }
        }

        private static void closeQuietly(Socket s) {
            try {
                s.close();
            } catch (IOException ignored) {
                // already closed
            }
        }

        @Override
        public void close() throws IOException {
            server.close();
            synchronized (sockets) {
                for (Socket s : sockets) closeQuietly(s);
            }
        }
    }
}
