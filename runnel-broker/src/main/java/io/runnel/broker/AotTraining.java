package io.runnel.broker;

import io.runnel.broker.interbroker.InterBrokerChannel;
import io.runnel.broker.interbroker.InterBrokerSecurity;
import io.runnel.common.Errors;
import io.runnel.common.security.SslFactory;
import io.runnel.config.BrokerConfigs;
import io.runnel.config.SaslListenerConfig;
import io.runnel.protocol.ApiKeys;
import io.runnel.protocol.message.CreateTopicsRequest;
import io.runnel.protocol.message.CreateTopicsResponse;
import io.runnel.protocol.message.FetchRequest;
import io.runnel.protocol.message.FetchResponse;
import io.runnel.protocol.message.FindCoordinatorRequest;
import io.runnel.protocol.message.ListOffsetsRequest;
import io.runnel.protocol.message.MetadataRequest;
import io.runnel.protocol.message.OffsetCommitRequest;
import io.runnel.protocol.message.OffsetCommitResponse;
import io.runnel.protocol.message.OffsetFetchRequest;
import io.runnel.protocol.message.ProduceRequest;
import io.runnel.protocol.message.ProduceResponse;
import io.runnel.record.CompressionType;
import io.runnel.record.MemoryRecords;
import io.runnel.record.RecordBatch;
import io.runnel.record.RecordBatchBuilder;
import io.runnel.record.TimestampType;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * The workload that trains the JVM's ahead-of-time cache (JDK 25+: JEP 483 classes, JEP 515 method profiles). The
 * launcher runs {@code Main aot-training} once per build under {@code -XX:AOTCacheOutput}; every later start loads the
 * cache, so its classes are loaded and linked already and the JIT starts from recorded profiles instead of
 * collecting them again (docs/benchmarks.md, "JIT").
 *
 * <p>It starts a broker on a free loopback port over a scratch directory and drives it through real sockets with
 * what any client does: create topics, produce batches of small and 1 KiB records with every codec and both acks,
 * fetch them back, list offsets, read metadata, commit and fetch a group's offsets. Then a shorter round of the same
 * over a SASL_SSL listener (TLS with a throwaway self-signed key made by the JDK's keytool, SASL PLAIN), so that a
 * secured listener's path (the TLS engine, SASL, fetches copied through the engine instead of sent from the file)
 * starts warm too; without keytool that part is skipped. It is generic on purpose (no benchmark's record counts or
 * settings), bounded by {@link #MAX_MS} whatever the machine's speed, and stops the broker cleanly. One thread drives
 * it; the broker's own threads serve it.
 */
final class AotTraining {
    /** The workload stops after this long even if unfinished (a slow machine still gets a usable cache). */
    static final long MAX_MS = 30_000;
    private static final int TIMEOUT_MS = 30_000;
    private static final int PARTITIONS = 2;
    private static final int ROUNDS = 120;
    /** Rounds over the SASL_SSL listener: the network path differs, the rest was trained over plaintext. */
    private static final int TLS_ROUNDS = 30;
    private static final String TLS_PASSWORD = "aot-training";
    private static final short PRODUCE_VERSION = 12;
    private static final short FETCH_VERSION = 12;
    private static final String[] WORDS = {"order", "user", "event", "click", "payment", "session", "page", "item",
            "region", "status", "created", "updated", "amount", "currency", "device", "country"};

    private final InterBrokerChannel channel;
    private final SplittableRandom random = new SplittableRandom(42);
    private final long deadlineNanos;

    private AotTraining(InterBrokerChannel channel, long deadlineNanos) {
        this.channel = channel;
        this.deadlineNanos = deadlineNanos;
    }

    /**
     * What one training did: records produced, records fetched back (all of them unless time ran out), whether the
     * group's offsets were committed (the coordinator loads {@code __consumer_offsets} first), and the records
     * produced and fetched back over SASL_SSL (0 when that part was skipped).
     */
    record Result(long produced, long fetched, boolean offsetsCommitted, long producedOverTls, long fetchedOverTls) {
    }

    /** Runs the whole training against a broker of its own under {@code dir}, for {@code maxMs} at most. */
    static Result run(Path dir, long maxMs) throws Exception {
        long deadline = System.nanoTime() + maxMs * 1_000_000;
        Map<String, String> props = new HashMap<>(Map.of(
                "listeners", "PLAINTEXT://127.0.0.1:0",
                "log.dirs", dir.resolve("data").toString(),
                "group.initial.rebalance.delay.ms", "0"));
        Path keyStore = selfSignedKeyStore(dir.resolve("tls"));
        if (keyStore != null) props.putAll(saslSsl(keyStore));
        BrokerConfigs cfg = BrokerConfigs.parse(props);
        RunnelNode node = RunnelNode.of(cfg);
        node.startup();
        try {
            InetSocketAddress at = node.boundListeners().get(0);
            Result plain;
            try (InterBrokerChannel ch = new InterBrokerChannel("runnel-aot-training", at.getHostString(), at.getPort(), TIMEOUT_MS)) {
                plain = new AotTraining(ch, deadline).workload();
            }
            if (keyStore == null || System.nanoTime() >= deadline) return plain;
            InetSocketAddress secured = node.boundListeners().get(1);
            InterBrokerSecurity security = InterBrokerSecurity.of(SslFactory.forClient(cfg.sslSettings("SASL_SSL")),
                    new SaslListenerConfig.InterBrokerSasl("SASL_SSL", "PLAIN", "training", TLS_PASSWORD));
            try (InterBrokerChannel ch = new InterBrokerChannel("runnel-aot-training-tls", secured.getHostString(), secured.getPort(),
                    TIMEOUT_MS, security)) {
                Secured overTls = new AotTraining(ch, deadline).securedWorkload();
                return new Result(plain.produced(), plain.fetched(), plain.offsetsCommitted(), overTls.produced(), overTls.fetched());
            }
        } finally {
            node.close();
        }
    }

    /**
     * A PKCS12 key store with a fresh EC key and a self-signed certificate for 127.0.0.1, made by the JDK's keytool;
     * null (the secured part is skipped) when keytool is missing or fails.
     */
    private static Path selfSignedKeyStore(Path dir) {
        Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
        Path store = dir.resolve("training.p12");
        try {
            Files.createDirectories(dir);
            Files.deleteIfExists(store);
            Process p = new ProcessBuilder(keytool.toString(), "-genkeypair", "-alias", "training", "-keyalg", "EC", "-groupname",
                    "secp256r1", "-dname", "CN=127.0.0.1", "-ext", "SAN=ip:127.0.0.1", "-validity", "2", "-storetype", "PKCS12",
                    "-keystore", store.toString(), "-storepass", TLS_PASSWORD, "-keypass", TLS_PASSWORD)
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            // nothing to read, so the time limit holds even if keytool hangs
            if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                System.err.println("runnel aot-training: keytool failed; training without a TLS listener");
                return null;
            }
            return store;
        } catch (IOException e) {
            System.err.println("runnel aot-training: no keytool (" + e.getMessage() + "); training without a TLS listener");
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /** A SASL_SSL listener beside the plaintext one: TLS with {@code keyStore} (trusted by the client too), SASL PLAIN. */
    private static Map<String, String> saslSsl(Path keyStore) {
        String jaas = "org.apache.kafka.common.security.plain.PlainLoginModule required user_training=\"" + TLS_PASSWORD + "\";";
        return Map.of(
                "listeners", "PLAINTEXT://127.0.0.1:0,SASL_SSL://127.0.0.1:0",
                "sasl.enabled.mechanisms", "PLAIN",
                "listener.name.sasl_ssl.plain.sasl.jaas.config", jaas,
                "ssl.keystore.location", keyStore.toString(),
                "ssl.keystore.type", "PKCS12",
                "ssl.keystore.password", TLS_PASSWORD,
                "ssl.truststore.location", keyStore.toString(),
                "ssl.truststore.password", TLS_PASSWORD);
    }

    /** Records produced over the secured listener, and records fetched back from its topics. */
    private record Secured(long produced, long fetched) {
    }

    /** Over the secured listener: produce (both record sizes, lz4 and none) and fetch everything back. */
    private Secured securedWorkload() throws IOException {
        List<String> topics = List.of(topic(CompressionType.NONE), topic(CompressionType.LZ4));
        long produced = 0, fetched = 0;
        for (int round = 0; round < TLS_ROUNDS && timeLeft(); round++) {
            CompressionType c = round % 2 == 0 ? CompressionType.NONE : CompressionType.LZ4;
            produced += produce(topic(c), c, round % 4 < 2 ? 100 : 1024, round % 3 == 0 ? (short) 1 : (short) -1);
        }
        for (String t : topics) {
            for (int p = 0; p < PARTITIONS && timeLeft(); p++) fetched += fetchAll(t, p);
        }
        return new Secured(produced, fetched);
    }

    private boolean timeLeft() {
        return System.nanoTime() < deadlineNanos;
    }

    private Result workload() throws IOException {
        List<String> topics = new ArrayList<>();
        for (CompressionType c : CompressionType.values()) topics.add(topic(c));
        createTopics(topics);
        metadata(topics);
        long produced = 0;
        for (int round = 0; round < ROUNDS && timeLeft(); round++) {
            for (CompressionType c : CompressionType.values()) {
                // gzip is slow and rare: a tenth of the rounds
                if (c == CompressionType.GZIP && round % 10 != 0) continue;
                int recordSize = round % 2 == 0 ? 100 : 1024;
                produced += produce(topic(c), c, recordSize, round % 3 == 0 ? (short) 1 : (short) -1);
            }
        }
        long fetched = 0;
        for (String t : topics) {
            for (int p = 0; p < PARTITIONS && timeLeft(); p++) fetched += fetchAll(t, p);
        }
        listOffsets(topics);
        boolean committed = offsets(topics);
        return new Result(produced, fetched, committed, 0, 0);
    }

    private static String topic(CompressionType codec) {
        return "aot-training-" + codec.name().toLowerCase();
    }

    private void createTopics(List<String> names) throws IOException {
        CreateTopicsRequest req = new CreateTopicsRequest();
        for (String name : names) {
            CreateTopicsRequest.Topic t = new CreateTopicsRequest.Topic();
            t.name = name;
            t.numPartitions = PARTITIONS;
            t.replicationFactor = 1;
            req.topics.add(t);
        }
        req.timeoutMs = TIMEOUT_MS;
        CreateTopicsResponse resp = channel.send(ApiKeys.CREATE_TOPICS, (short) 7, req, TIMEOUT_MS);
        for (CreateTopicsResponse.TopicResult r : resp.topics) {
            if (r.errorCode != 0 && r.errorCode != Errors.TOPIC_ALREADY_EXISTS.code()) {
                throw new IOException("creating " + r.name + ": " + Errors.forCode(r.errorCode));
            }
        }
    }

    private void metadata(List<String> names) throws IOException {
        MetadataRequest req = new MetadataRequest();
        for (String name : names) {
            MetadataRequest.Topic t = new MetadataRequest.Topic();
            t.name = name;
            req.topics.add(t);
        }
        channel.send(ApiKeys.METADATA, (short) 12, req, TIMEOUT_MS);
    }

    /** One request: a batch of about 64 KiB of records to each partition of {@code topic}; the records sent. */
    private int produce(String topic, CompressionType compression, int recordSize, short acks) throws IOException {
        ProduceRequest req = new ProduceRequest();
        req.acks = acks;
        req.timeoutMs = TIMEOUT_MS;
        ProduceRequest.TopicData td = new ProduceRequest.TopicData();
        td.name = topic;
        int count = 65536 / recordSize, sent = 0;
        for (int p = 0; p < PARTITIONS; p++) {
            RecordBatchBuilder b = new RecordBatchBuilder(compression, TimestampType.CREATE_TIME, 0);
            long now = System.currentTimeMillis();
            for (int i = 0; i < count; i++) {
                byte[] key = random.nextInt(4) == 0 ? null : ("key-" + random.nextInt(10_000)).getBytes(StandardCharsets.UTF_8);
                b.append(now, key, value(recordSize), List.of());
            }
            ProduceRequest.PartitionData pd = new ProduceRequest.PartitionData();
            pd.index = p;
            pd.records = new MemoryRecords(b.build());
            td.partitionData.add(pd);
            sent += count;
        }
        req.topicData.add(td);
        ProduceResponse resp = channel.send(ApiKeys.PRODUCE, PRODUCE_VERSION, req, TIMEOUT_MS);
        for (ProduceResponse.TopicResponse r : resp.responses) {
            for (ProduceResponse.PartitionResponse p : r.partitionResponses) {
                if (p.errorCode != 0) throw new IOException("producing to " + topic + ": " + Errors.forCode(p.errorCode));
            }
        }
        return sent;
    }

    /** Text-like bytes (words and numbers), so that the codecs have something to compress. */
    private byte[] value(int size) {
        StringBuilder sb = new StringBuilder(size + 16);
        while (sb.length() < size) sb.append(WORDS[random.nextInt(WORDS.length)]).append('=').append(random.nextInt(100_000)).append(';');
        sb.setLength(size);
        return sb.toString().getBytes(StandardCharsets.US_ASCII);
    }

    /** Reads one partition from offset 0 to its end, as a consumer does; the records read. */
    private long fetchAll(String topic, int partition) throws IOException {
        long offset = 0;
        while (timeLeft()) {
            FetchRequest req = new FetchRequest();
            req.replicaId = -1;
            req.maxWaitMs = 0;
            req.minBytes = 1;
            req.maxBytes = 1 << 20;
            req.isolationLevel = 0;
            req.sessionId = 0;
            req.sessionEpoch = -1;
            FetchRequest.FetchTopic t = new FetchRequest.FetchTopic();
            t.topic = topic;
            FetchRequest.FetchPartition fp = new FetchRequest.FetchPartition();
            fp.partition = partition;
            fp.fetchOffset = offset;
            fp.partitionMaxBytes = 1 << 20;
            t.partitions.add(fp);
            req.topics.add(t);
            FetchResponse resp = channel.send(ApiKeys.FETCH, FETCH_VERSION, req, TIMEOUT_MS);
            long next = offset;
            for (FetchResponse.TopicResponse tr : resp.responses) {
                for (FetchResponse.PartitionData pd : tr.partitions) {
                    if (pd.errorCode != 0) throw new IOException("fetching " + topic + "-" + partition + ": " + Errors.forCode(pd.errorCode));
                    if (pd.records instanceof MemoryRecords m) {
                        for (RecordBatch batch : m.batches()) next = Math.max(next, batch.nextOffset());
                    }
                }
            }
            if (next == offset) break; // the end of the log
            offset = next;
        }
        return offset;
    }

    private void listOffsets(List<String> names) throws IOException {
        for (long timestamp : new long[] {-1L, -2L}) {
            ListOffsetsRequest req = new ListOffsetsRequest();
            req.replicaId = -1;
            for (String name : names) {
                ListOffsetsRequest.Topic t = new ListOffsetsRequest.Topic();
                t.name = name;
                for (int p = 0; p < PARTITIONS; p++) {
                    ListOffsetsRequest.Partition lp = new ListOffsetsRequest.Partition();
                    lp.partitionIndex = p;
                    lp.timestamp = timestamp;
                    t.partitions.add(lp);
                }
                req.topics.add(t);
            }
            channel.send(ApiKeys.LIST_OFFSETS, (short) 8, req, TIMEOUT_MS);
        }
    }

    /**
     * A group's offsets committed and read back, through its coordinator (this broker). A fresh broker's coordinator
     * is still loading {@code __consumer_offsets} at first: the commit is retried, as a client does, while time is left.
     * True once committed.
     */
    private boolean offsets(List<String> names) throws IOException {
        FindCoordinatorRequest find = new FindCoordinatorRequest();
        find.keyType = 0;
        find.coordinatorKeys.add("aot-training-group");
        channel.send(ApiKeys.FIND_COORDINATOR, (short) 4, find, TIMEOUT_MS);
        OffsetCommitRequest commit = new OffsetCommitRequest();
        commit.groupId = "aot-training-group";
        commit.memberId = "";
        for (String name : names) {
            OffsetCommitRequest.Topic t = new OffsetCommitRequest.Topic();
            t.name = name;
            for (int p = 0; p < PARTITIONS; p++) {
                OffsetCommitRequest.Partition cp = new OffsetCommitRequest.Partition();
                cp.partitionIndex = p;
                cp.committedOffset = 1;
                t.partitions.add(cp);
            }
            commit.topics.add(t);
        }
        if (!commitRetrying(commit)) return false;
        OffsetFetchRequest fetch = new OffsetFetchRequest();
        OffsetFetchRequest.Group g = new OffsetFetchRequest.Group();
        g.groupId = "aot-training-group";
        g.topics = null; // every committed partition
        fetch.groups.add(g);
        channel.send(ApiKeys.OFFSET_FETCH, (short) 8, fetch, TIMEOUT_MS);
        return true;
    }

    private boolean commitRetrying(OffsetCommitRequest commit) throws IOException {
        while (timeLeft()) {
            OffsetCommitResponse resp = channel.send(ApiKeys.OFFSET_COMMIT, (short) 8, commit, TIMEOUT_MS);
            Errors error = Errors.NONE;
            for (OffsetCommitResponse.Topic t : resp.topics) {
                for (OffsetCommitResponse.Partition p : t.partitions) {
                    if (p.errorCode != 0) error = Errors.forCode(p.errorCode);
                }
            }
            if (error == Errors.NONE) return true;
            if (!error.retriable()) throw new IOException("committing offsets: " + error);
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return false;
    }
}
