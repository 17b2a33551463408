package io.runnel.it;

import io.runnel.common.Errors;
import io.runnel.protocol.ApiKeys;
import io.runnel.protocol.ApiMessage;
import io.runnel.protocol.ByteBufferReadable;
import io.runnel.protocol.GrowableWritable;
import io.runnel.protocol.message.ApiVersionsRequest;
import io.runnel.protocol.message.ApiVersionsResponse;
import org.apache.kafka.common.message.ApiMessageType;
import org.apache.kafka.common.message.RequestHeaderData;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.ObjectSerializationCache;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.RequestHeader;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.EOFException;
import java.io.IOException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every API that ApiVersions advertises is really served: each advertised API, at every advertised
 * version, gets a default-constructed request (encoded by kafka-clients where it knows that version,
 * otherwise by Runnel's own codec), and must answer with a response that both Runnel's decoder and
 * kafka-clients' parser read, without closing the connection. (Produce is sent with acks=1 instead of
 * its default 0, which would be answered with silence.)
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ApiCoverageIT {
    @TempDir
    static Path dir;
    static TestBroker broker;

    @BeforeAll
    static void start() {
        broker = TestBroker.start(dir.resolve("broker"));
        broker.createTopic("coverage", 1);
    }

    @AfterAll
    static void stop() {
        if (broker != null) broker.close();
    }

    private static List<ApiVersionsResponse.ApiVersion> advertised() throws IOException {
        try (RawClient c = new RawClient(broker.port())) {
            ApiVersionsResponse r = c.apiVersions(ApiKeys.API_VERSIONS.highestVersion, 1);
            assertThat(r.errorCode).isZero();
            return r.apiKeys;
        }
    }

    @Test
    void runsWithTheIntendedKafkaClients() {
        String expected = System.getProperty("it.kafka.clients.version");
        org.junit.jupiter.api.Assumptions.assumeTrue(expected != null, "not run by Maven (no it.kafka.clients.version)");
        assertThat(Clients.kafkaVersion()).isEqualTo(expected);
    }

    @Test
    void advertisedApisAreKnownAndUsableByTheJavaClient() throws IOException {
        List<ApiVersionsResponse.ApiVersion> apis = advertised();
        assertThat(apis).extracting(a -> a.apiKey).contains(ApiKeys.API_VERSIONS.id, ApiKeys.METADATA.id, ApiKeys.PRODUCE.id,
                ApiKeys.FETCH.id, ApiKeys.LIST_OFFSETS.id);
        assertThat(apis).extracting(a -> a.apiKey).doesNotHaveDuplicates();
        for (ApiVersionsResponse.ApiVersion a : apis) {
            ApiKeys ours = ApiKeys.forId(a.apiKey);
            assertThat(ours).as("advertised api %d is one Runnel implements", a.apiKey).isNotNull();
            assertThat(a.minVersion).as("%s min", ours.displayName).isEqualTo(ours.advertisedLowestVersion);
            assertThat(a.maxVersion).as("%s max", ours.displayName).isEqualTo(ours.highestVersion);
            assertThat(a.minVersion).isLessThanOrEqualTo(a.maxVersion);
            // the Java client must share at least one version with the broker, or it cannot use the API
            org.apache.kafka.common.protocol.ApiKeys theirs = org.apache.kafka.common.protocol.ApiKeys.forId(a.apiKey);
            assertThat(Math.max(a.minVersion, theirs.oldestVersion()))
                    .as("%s: broker %d-%d, kafka-clients %s %d-%d", ours.displayName, a.minVersion, a.maxVersion,
                            Clients.kafkaVersion(), theirs.oldestVersion(), theirs.latestVersion(true))
                    .isLessThanOrEqualTo(Math.min(a.maxVersion, theirs.latestVersion(true)));
        }
    }

    /**
     * The Java client picks the highest version both sides support; for every API Runnel advertises that must
     * be the newest stable version this kafka-clients generation knows, so that what it sends (3.9, 4.1 and
     * 4.4 alike) is served as is rather than negotiated down. An API behind this check must be brought up
     * to date, or listed here with the reason it is negotiated down.
     */
    @Test
    void theNewestVersionsTheJavaClientSendsAreServed() throws IOException {
        List<String> behind = new ArrayList<>();
        for (ApiVersionsResponse.ApiVersion a : advertised()) {
            org.apache.kafka.common.protocol.ApiKeys theirs = org.apache.kafka.common.protocol.ApiKeys.forId(a.apiKey);
            short newest = theirs.latestVersion(false);
            if (a.maxVersion < newest) behind.add(theirs.name + ": broker max " + a.maxVersion + ", client sends " + newest);
        }
        assertThat(behind).as("APIs negotiated below what kafka-clients %s sends", Clients.kafkaVersion()).isEmpty();
    }

    @Test
    void everyAdvertisedVersionAnswersADefaultRequest() throws IOException {
        List<String> failures = new ArrayList<>();
        int checked = 0;
        for (ApiVersionsResponse.ApiVersion a : advertised()) {
            ApiKeys api = ApiKeys.forId(a.apiKey);
            for (short v = a.minVersion; v <= a.maxVersion; v++) {
                String problem = v < api.lowestVersion ? refusedAsUnsupported(api, v) : probe(api, v);
                if (problem != null) failures.add(api.displayName + " v" + v + ": " + problem);
                checked++;
            }
        }
        System.out.printf("probed %d versions of %s%n", checked, advertised().stream()
                .map(a -> ApiKeys.forId(a.apiKey).displayName + " " + a.minVersion + "-" + a.maxVersion).toList());
        assertThat(checked).as("api versions probed").isGreaterThan(20);
        assertThat(failures).as("APIs advertised but not served (%d api versions probed)", checked).isEmpty();
    }

    /**
     * Produce is listed from v0 as Kafka 4.4 lists it (older librdkafka compresses only when it sees v0 listed),
     * though v0-v2 are not served, here as there; every other API lists exactly the versions it serves.
     */
    @Test
    void produceIsListedFromVersionZeroAsKafkaListsIt() throws IOException {
        ApiVersionsResponse.ApiVersion produce = advertised().stream().filter(a -> a.apiKey == ApiKeys.PRODUCE.id).findFirst().orElseThrow();
        assertThat(produce.minVersion).isZero();
        assertThat(ApiKeys.PRODUCE.lowestVersion).isEqualTo((short) 3);
        assertThat(refusedAsUnsupported(ApiKeys.PRODUCE, (short) 0)).isNull();
        assertThat(refusedAsUnsupported(ApiKeys.PRODUCE, (short) 2)).isNull();
        assertThat(probe(ApiKeys.PRODUCE, (short) 3)).isNull();
        for (ApiKeys api : ApiKeys.values()) {
            if (api != ApiKeys.PRODUCE) assertThat(api.advertisedLowestVersion).as(api.displayName).isEqualTo(api.lowestVersion);
        }
    }

    /** Null when a listed but unserved version is answered UNSUPPORTED_VERSION and the connection stays usable. */
    private static String refusedAsUnsupported(ApiKeys api, short version) {
        int corr = 200 + version;
        int followUp = 9_200 + version;
        try (RawClient c = new RawClient(broker.port())) {
            // the body does not matter (the version is refused before it is read): the lowest served version's
            GrowableWritable w = new GrowableWritable();
            w.writeInt(0);
            new io.runnel.protocol.RequestHeader(api.id, version, corr, "raw-it").write(w, api.requestHeaderVersion(version));
            ApiMessage body = api.newRequest();
            body.write(w, api.lowestVersion);
            ByteBuffer frame = w.toByteBuffer();
            frame.putInt(0, frame.remaining() - 4);
            byte[] bytes = new byte[frame.remaining()];
            frame.get(bytes);
            c.write(bytes);
            c.write(RawClient.frame(ApiKeys.API_VERSIONS, (short) 0, followUp, new ApiVersionsRequest()));
            ByteBuffer first = c.readFrame();
            if (first.getInt(0) != corr) return "response with correlation id " + first.getInt(0) + ", expected " + corr;
            short error = first.getShort(4);
            if (error != Errors.UNSUPPORTED_VERSION.code()) return "error " + error + ", expected UNSUPPORTED_VERSION";
            if (c.readFrame().getInt(0) != followUp) return "the follow-up was not answered";
            return null;
        } catch (IOException | RuntimeException e) {
            return "failed: " + e;
        }
    }

    /** Null when the api version is served properly, otherwise what went wrong. */
    private static String probe(ApiKeys api, short version) {
        int corr = 100 + version;
        int followUp = 9_000 + version;
        org.apache.kafka.common.protocol.ApiKeys theirs = org.apache.kafka.common.protocol.ApiKeys.forId(api.id);
        boolean clientKnows = version >= theirs.oldestVersion() && version <= theirs.latestVersion(true);
        try (RawClient c = new RawClient(broker.port())) {
            byte[] frame;
            if (clientKnows) {
                frame = kafkaFrame(theirs, version, corr);
            } else {
                ApiMessage body = api.newRequest();
                // Produce defaults to acks=0, which is answered with silence; ask for an answer
                if (body instanceof io.runnel.protocol.message.ProduceRequest pr) pr.acks = 1;
                frame = RawClient.frame(api, version, corr, body);
            }
            c.write(frame);
            // a second request on the same connection proves it is still open and in order
            c.write(RawClient.frame(ApiKeys.API_VERSIONS, (short) 0, followUp, new ApiVersionsRequest()));
            ByteBuffer first = c.readFrame();
            int firstCorr = first.getInt(0);
            if (firstCorr == followUp) return "no response (only the follow-up was answered)";
            if (firstCorr != corr) return "response with correlation id " + firstCorr + ", expected " + corr;
            String bad = decodeBoth(api, theirs, version, corr, first, clientKnows);
            if (bad != null) return bad;
            ByteBuffer second = c.readFrame();
            if (second.getInt(0) != followUp) return "follow-up answered with correlation id " + second.getInt(0);
            return null;
        } catch (EOFException | SocketException e) {
            return "connection closed by the broker (" + e + ")";
        } catch (SocketTimeoutException e) {
            return "no answer within the socket timeout";
        } catch (IOException | RuntimeException e) {
            return "failed: " + e;
        }
    }

    private static String decodeBoth(ApiKeys api, org.apache.kafka.common.protocol.ApiKeys theirs, short version, int corr,
                                     ByteBuffer frame, boolean clientKnows) {
        // Runnel's decoder: every byte accounted for
        ByteBufferReadable r = new ByteBufferReadable(frame.duplicate());
        r.readInt();
        if (api.responseHeaderVersion(version) >= 1) {
            int tagged = r.readUnsignedVarint();
            for (int i = 0; i < tagged; i++) {
                r.readUnsignedVarint();
                r.skip(r.readUnsignedVarint());
            }
        }
        ApiMessage resp = api.newResponse();
        try {
            resp.read(r, version);
        } catch (RuntimeException e) {
            return "response does not decode: " + e;
        }
        if (r.remaining() != 0) return "response has " + r.remaining() + " bytes left over";
        // the reference client's parser (response header included)
        if (clientKnows) {
            try {
                AbstractResponse parsed = AbstractResponse.parseResponse(frame.duplicate(), new RequestHeader(theirs, version, "it", corr));
                if (parsed == null) return "kafka-clients parsed nothing";
            } catch (RuntimeException e) {
                return "kafka-clients " + Clients.kafkaVersion() + " cannot parse the response: " + e;
            }
        }
        return null;
    }

    /** A request frame with a default-constructed body, encoded by kafka-clients. */
    private static byte[] kafkaFrame(org.apache.kafka.common.protocol.ApiKeys api, short version, int corr) {
        ApiMessageType type = ApiMessageType.fromApiKey(api.id);
        org.apache.kafka.common.protocol.ApiMessage body = type.newRequest();
        // Produce defaults to acks=0, which is answered with silence; ask for an answer
        if (body instanceof org.apache.kafka.common.message.ProduceRequestData pr) pr.setAcks((short) 1);
        RequestHeaderData header = new RequestHeader(api, version, "it", corr).data();
        short headerVersion = type.requestHeaderVersion(version);
        ObjectSerializationCache cache = new ObjectSerializationCache();
        int headerSize = header.size(cache, headerVersion);
        int bodySize = body.size(cache, version);
        ByteBuffer buf = ByteBuffer.allocate(4 + headerSize + bodySize);
        buf.putInt(headerSize + bodySize);
        ByteBufferAccessor acc = new ByteBufferAccessor(buf);
        header.write(acc, cache, headerVersion);
        body.write(acc, cache, version);
        return buf.array();
    }

    @Test
    void responsesComeBackInRequestOrder() throws IOException {
        // a Fetch that waits (nothing to read, min.bytes 1, max.wait 400 ms), then three quick requests on the
        // same connection: the quick answers must wait for the Fetch answer, as Kafka clients expect
        io.runnel.protocol.message.FetchRequest fetch = new io.runnel.protocol.message.FetchRequest();
        fetch.replicaId = -1;
        fetch.maxWaitMs = 400;
        fetch.minBytes = 1;
        fetch.maxBytes = 1 << 20;
        io.runnel.protocol.message.FetchRequest.FetchTopic ft = new io.runnel.protocol.message.FetchRequest.FetchTopic();
        ft.topic = "coverage";
        io.runnel.protocol.message.FetchRequest.FetchPartition fp = new io.runnel.protocol.message.FetchRequest.FetchPartition();
        fp.partition = 0;
        fp.fetchOffset = 0;
        fp.partitionMaxBytes = 1 << 20;
        ft.partitions.add(fp);
        fetch.topics.add(ft);
        try (RawClient c = new RawClient(broker.port())) {
            long t0 = System.nanoTime();
            c.send(ApiKeys.FETCH, (short) 12, 1, fetch);
            for (int i = 2; i <= 4; i++) c.write(RawClient.frame(ApiKeys.API_VERSIONS, (short) 0, i, new ApiVersionsRequest()));
            RawClient.Response<io.runnel.protocol.message.FetchResponse> f = c.receive(ApiKeys.FETCH, (short) 12);
            long waitedMs = (System.nanoTime() - t0) / 1_000_000;
            assertThat(f.correlationId()).as("the Fetch is answered first").isEqualTo(1);
            assertThat(waitedMs).as("the Fetch waited for data up to max.wait.ms").isGreaterThanOrEqualTo(300);
            for (int i = 2; i <= 4; i++) {
                assertThat(c.receive(ApiKeys.API_VERSIONS, (short) 0).correlationId()).isEqualTo(i);
            }
        }
    }

    @Test
    void unadvertisedApisAreRefusedCleanly() throws IOException {
        List<Short> advertisedKeys = advertised().stream().map(a -> a.apiKey).toList();
        try (RawClient c = new RawClient(broker.port())) {
            int corr = 1;
            for (ApiKeys api : ApiKeys.values()) {
                if (advertisedKeys.contains(api.id)) continue;
                // an API Runnel has a schema for but no handler: must be UNSUPPORTED_VERSION, not served
                c.write(RawClient.frame(api, api.lowestVersion, corr, api.newRequest()));
                ByteBuffer f = c.readFrame();
                assertThat(f.getInt()).as("%s correlation id", api.displayName).isEqualTo(corr);
                assertThat(f.getShort()).as("%s error", api.displayName).isEqualTo((short) 35);
                corr++;
            }
            assertThat(c.apiVersions((short) 3, 999).errorCode).isZero();
        }
    }
}
