package io.runnel.cli;

import io.runnel.cli.EmbeddedBroker.Result;
import io.runnel.common.Errors;
import io.runnel.protocol.ApiKeys;
import io.runnel.protocol.ApiMessage;
import io.runnel.protocol.ByteBufferReadable;
import io.runnel.protocol.GrowableWritable;
import io.runnel.protocol.RequestHeader;
import io.runnel.protocol.message.ApiVersionsResponse;
import io.runnel.protocol.message.ListGroupsResponse;
import io.runnel.protocol.message.MetadataResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Connection handling, version negotiation and bounded failures, against fake servers. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class KafkaProtocolClientTest {

    /**
     * A server that reads Kafka frames and answers each with what {@code handler} returns for the request
     * header and body (the response header and body, without the size), or nothing when it returns null.
     */
    static final class FakeBroker implements AutoCloseable {
        final ServerSocket server;
        final List<RequestHeader> received = new CopyOnWriteArrayList<>();
        private final Thread thread;

        FakeBroker(BiFunction<RequestHeader, ByteBuffer, byte[]> handler) throws IOException {
            server = new ServerSocket(0);
            thread = new Thread(() -> {
                while (!server.isClosed()) {
                    try (Socket s = server.accept()) {
                        DataInputStream in = new DataInputStream(s.getInputStream());
                        DataOutputStream out = new DataOutputStream(s.getOutputStream());
                        while (true) {
                            byte[] frame = new byte[in.readInt()];
                            in.readFully(frame);
                            ByteBuffer buf = ByteBuffer.wrap(frame);
                            RequestHeader h = RequestHeader.read(new ByteBufferReadable(buf));
                            received.add(h);
                            byte[] resp = handler.apply(h, buf);
                            if (resp == null) continue;
                            out.writeInt(resp.length);
                            out.write(resp);
                            out.flush();
                        }
                    } catch (IOException e) {
                        // connection closed: take the next
                    }
                }
            }, "fake-broker");
            thread.setDaemon(true);
            thread.start();
        }

        int port() {
            return server.getLocalPort();
        }

        String bootstrap() {
            return "127.0.0.1:" + port();
        }

        static byte[] response(RequestHeader h, ApiMessage body, short bodyVersion) {
            ApiKeys api = ApiKeys.forId(h.apiKey());
            GrowableWritable w = new GrowableWritable();
            RequestHeader.writeResponseHeader(w, h.correlationId(), api.responseHeaderVersion(h.apiVersion()));
            body.write(w, bodyVersion);
            return w.toArray();
        }

        @Override
        public void close() throws IOException {
            server.close();
        }
    }

    private static ApiVersionsResponse.ApiVersion range(ApiKeys api, int min, int max) {
        ApiVersionsResponse.ApiVersion v = new ApiVersionsResponse.ApiVersion();
        v.apiKey = api.id;
        v.minVersion = (short) min;
        v.maxVersion = (short) max;
        return v;
    }

    /** An old broker: ApiVersions 0-2, Metadata 1-5, ListGroups 0-3 (no state or type). */
    private static byte[] oldBroker(RequestHeader h, int port, Map<ApiKeys, int[]> ranges) {
        ApiKeys api = ApiKeys.forId(h.apiKey());
        switch (api) {
            case API_VERSIONS -> {
                ApiVersionsResponse r = new ApiVersionsResponse();
                ranges.forEach((k, v) -> r.apiKeys.add(range(k, v[0], v[1])));
                if (h.apiVersion() > ranges.get(ApiKeys.API_VERSIONS)[1]) {
                    r.errorCode = Errors.UNSUPPORTED_VERSION.code();
                    return FakeBroker.response(h, r, (short) 0);
                }
                return FakeBroker.response(h, r, h.apiVersion());
            }
            case METADATA -> {
                MetadataResponse r = new MetadataResponse();
                MetadataResponse.Broker b = new MetadataResponse.Broker();
                b.nodeId = 7;
                b.host = "127.0.0.1";
                b.port = port;
                r.brokers.add(b);
                return FakeBroker.response(h, r, h.apiVersion());
            }
            case LIST_GROUPS -> {
                ListGroupsResponse r = new ListGroupsResponse();
                ListGroupsResponse.Group g = new ListGroupsResponse.Group();
                g.groupId = "old-group";
                g.protocolType = "consumer";
                r.groups.add(g);
                return FakeBroker.response(h, r, h.apiVersion());
            }
            default -> throw new AssertionError("unexpected " + api);
        }
    }

    @Test
    void negotiatesTheHighestCommonVersions() throws Exception {
        Map<ApiKeys, int[]> ranges = Map.of(ApiKeys.API_VERSIONS, new int[]{0, 2}, ApiKeys.METADATA, new int[]{1, 5},
                ApiKeys.LIST_GROUPS, new int[]{0, 3});
        int[] port = new int[1];
        try (FakeBroker fake = new FakeBroker((h, body) -> oldBroker(h, port[0], ranges))) {
            port[0] = fake.port();
            int closed = EmbeddedBroker.freePort();
            // the first bootstrap address refuses connections: the second is used
            Result r = EmbeddedBroker.run("groups", "--list", "--bootstrap-server", "127.0.0.1:" + closed + "," + fake.bootstrap());
            assertThat(r.exitCode()).as(r.toString()).isZero();
            assertThat(r.table("GROUP")).containsExactly(List.of("old-group", "classic", "-"));
            // ApiVersions at our highest version refused, v2 accepted; then Metadata v5 and ListGroups v3 (flexible: header v2)
            assertThat(fake.received).extracting(h -> ApiKeys.forId(h.apiKey()) + " v" + h.apiVersion())
                    .containsExactly("API_VERSIONS v" + ApiKeys.API_VERSIONS.highestVersion, "API_VERSIONS v2", "METADATA v5", "LIST_GROUPS v3");
            assertThat(fake.received.get(3).clientId()).isEqualTo("runnel-cli");
        }
    }

    @Test
    void noCommonVersionIsUnsupportedVersion() throws Exception {
        Map<ApiKeys, int[]> ranges = Map.of(ApiKeys.API_VERSIONS, new int[]{0, 4}, ApiKeys.METADATA, new int[]{1, 13},
                ApiKeys.LIST_GROUPS, new int[]{9, 12});
        int[] port = new int[1];
        try (FakeBroker fake = new FakeBroker((h, body) -> oldBroker(h, port[0], ranges))) {
            port[0] = fake.port();
            Result r = EmbeddedBroker.run("groups", "--list", "--bootstrap-server", fake.bootstrap());
            assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
            assertThat(r.err()).contains("UNSUPPORTED_VERSION").contains("ListGroups");
        }
    }

    @Test
    void refusedConnectionFailsFastWithExit1() throws Exception {
        int closed = EmbeddedBroker.freePort();
        Result r = EmbeddedBroker.run("groups", "--list", "--bootstrap-server", "127.0.0.1:" + closed);
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
        assertThat(r.err()).startsWith("Error: cannot connect to 127.0.0.1:" + closed);
        assertThat(r.millis()).isLessThan(10_000);
        r = EmbeddedBroker.run("topics", "--list", "--bootstrap-server", "127.0.0.1:" + closed);
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
    }

    @Test
    void silentServerTimesOutWithinTheTimeout() throws Exception {
        try (FakeBroker silent = new FakeBroker((h, body) -> null)) {
            Result r = EmbeddedBroker.run("groups", "--list", "--bootstrap-server", silent.bootstrap(), "--timeout", "1500");
            assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
            assertThat(r.err()).contains("timed out after 1500 ms").contains("ApiVersions");
            assertThat(r.millis()).isBetween(1_000L, 10_000L);
        }
    }

    @Test
    void serverThatHangsUpIsAClearError() throws Exception {
        try (ServerSocket hangsUp = new ServerSocket(0)) {
            Thread t = new Thread(() -> {
                while (!hangsUp.isClosed()) {
                    try {
                        hangsUp.accept().close();
                    } catch (IOException e) {
                        return;
                    }
                }
            });
            t.setDaemon(true);
            t.start();
            Result r = EmbeddedBroker.run("topics", "--list", "--bootstrap-server", "127.0.0.1:" + hangsUp.getLocalPort(), "--timeout", "5000");
            assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
            assertThat(r.err()).startsWith("Error: ").containsAnyOf("connection closed", "failed");
        }
    }

    @Test
    void parsesBootstrapLists() {
        assertThat(KafkaProtocolClient.parseBootstrap("a:1, b:2,[::1]:9092")).containsExactly(
                new KafkaProtocolClient.Node(-1, "a", 1), new KafkaProtocolClient.Node(-1, "b", 2), new KafkaProtocolClient.Node(-1, "::1", 9092));
        assertThatThrownBy(() -> KafkaProtocolClient.parseBootstrap("host")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> KafkaProtocolClient.parseBootstrap("host:0")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> KafkaProtocolClient.parseBootstrap(" , ")).isInstanceOf(IllegalArgumentException.class);
        assertThat(new KafkaProtocolClient.Node(1, "::1", 9).address()).isEqualTo("[::1]:9");
    }
}
