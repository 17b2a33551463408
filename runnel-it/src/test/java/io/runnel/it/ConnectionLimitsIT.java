package io.runnel.it;

import io.runnel.protocol.ApiKeys;
import io.runnel.protocol.message.ApiVersionsRequest;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The connection keys Runnel accepts are enforced, checked with real sockets: connections.max.idle.ms,
 * max.connections, max.connections.per.ip and max.connections.per.ip.overrides. Also: a valid request
 * followed by a malformed frame in the same write is answered before the connection is closed.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ConnectionLimitsIT {
    @TempDir
    Path dir;

    private static void assertServed(RawClient c) throws Exception {
        assertThat(c.apiVersions((short) 3, 7).errorCode).isZero();
    }

    @Test
    void idleConnectionsAreClosed() throws Exception {
        try (TestBroker b = TestBroker.start(dir.resolve("idle"), Map.of("connections.max.idle.ms", "1000"));
             RawClient idle = new RawClient(b.port());
             RawClient busy = new RawClient(b.port())) {
            assertServed(idle);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
            while (System.nanoTime() < deadline) { // a connection in use stays open
                assertServed(busy);
                Thread.sleep(200);
            }
            assertThat(idle.closedByPeerWithin(30_000)).as("idle connection closed by the broker").isTrue();
            assertServed(busy);
        }
    }

    @Test
    void maxConnectionsPerIpRefusesTheExtraConnection() throws Exception {
        try (TestBroker b = TestBroker.start(dir.resolve("per-ip"), Map.of("max.connections.per.ip", "3"))) {
            List<RawClient> open = new ArrayList<>();
            try {
                for (int i = 0; i < 3; i++) {
                    RawClient c = new RawClient(b.port());
                    open.add(c);
                    assertServed(c);
                }
                try (RawClient fourth = new RawClient(b.port())) {
                    assertThat(fourth.closedByPeerWithin(30_000)).as("the fourth connection from 127.0.0.1").isTrue();
                }
                open.remove(0).close();
                // the count drops when a connection closes
                awaitServedConnection(b);
            } finally {
                open.forEach(RawClient::close);
            }
        }
    }

    @Test
    void anOverrideRaisesTheLimitForOneAddress() throws Exception {
        String loopback = InetAddress.getLoopbackAddress().getHostAddress();
        try (TestBroker b = TestBroker.start(dir.resolve("override"), Map.of("max.connections.per.ip", "1",
                "max.connections.per.ip.overrides", "192.0.2.1:0," + loopback + ":3"))) {
            List<RawClient> open = new ArrayList<>();
            try {
                for (int i = 0; i < 3; i++) {
                    RawClient c = new RawClient(b.port());
                    open.add(c);
                    assertServed(c);
                }
                try (RawClient fourth = new RawClient(b.port())) {
                    assertThat(fourth.closedByPeerWithin(30_000)).isTrue();
                }
            } finally {
                open.forEach(RawClient::close);
            }
        }
    }

    @Test
    void maxConnectionsRefusesBeyondTheTotal() throws Exception {
        try (TestBroker b = TestBroker.start(dir.resolve("total"), Map.of("max.connections", "2"))) {
            try (RawClient one = new RawClient(b.port()); RawClient two = new RawClient(b.port())) {
                assertServed(one);
                assertServed(two);
                try (RawClient three = new RawClient(b.port())) {
                    assertThat(three.closedByPeerWithin(30_000)).isTrue();
                }
            }
            awaitServedConnection(b);
        }
    }

    @Test
    void aDynamicLimitAppliesToNewConnections() throws Exception {
        try (TestBroker b = TestBroker.start(dir.resolve("dynamic"))) {
            try (Admin admin = Clients.admin(b.bootstrap())) {
                admin.incrementalAlterConfigs(Map.of(new ConfigResource(ConfigResource.Type.BROKER, "1"),
                        List.of(new AlterConfigOp(new ConfigEntry("max.connections.per.ip", "2"), AlterConfigOp.OpType.SET))))
                        .all().get(30, TimeUnit.SECONDS);
            }
            // the admin's own connections close and the new limit is applied asynchronously: retry
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (true) {
                try (RawClient one = new RawClient(b.port()); RawClient two = new RawClient(b.port());
                     RawClient three = new RawClient(b.port())) {
                    assertServed(one);
                    assertServed(two);
                    if (three.closedByPeerWithin(2_000)) break;
                } catch (IOException stillCounted) {
                    // the admin's connections may still count against the limit for a moment: try again
                }
                assertThat(System.nanoTime()).as("a third connection refused under max.connections.per.ip=2").isLessThan(deadline);
            }
        }
    }

    /** Connections close asynchronously on the broker's side: retry until a new one is served. */
    private static void awaitServedConnection(TestBroker b) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            try (RawClient c = new RawClient(b.port())) {
                assertServed(c);
                return;
            } catch (Exception e) {
                if (System.nanoTime() > deadline) throw e;
                Thread.sleep(100);
            }
        }
    }

    @Test
    void aValidRequestBeforeAMalformedFrameIsAnsweredFirst() throws Exception {
        try (TestBroker b = TestBroker.start(dir.resolve("malformed"), Map.of("socket.request.max.bytes", "100000"))) {
            ApiVersionsRequest req = new ApiVersionsRequest();
            req.clientSoftwareName = "runnel-it";
            req.clientSoftwareVersion = "1.0";
            byte[] valid = RawClient.frame(ApiKeys.API_VERSIONS, (short) 3, 41, req);
            // an oversized frame, and a frame whose body does not decode (a string length past the end)
            byte[] oversized = ByteBuffer.allocate(8).putInt(1_000_000).putInt(0).array();
            byte[] badBody = ByteBuffer.allocate(4 + 10).putInt(10).putShort((short) 18).putShort((short) 3)
                    .putInt(42).putShort((short) 0x7fff).array();
            for (byte[] bad : List.of(oversized, badBody)) {
                try (RawClient c = new RawClient(b.port())) {
                    ByteArrayOutputStream w = new ByteArrayOutputStream();
                    w.writeBytes(valid);
                    w.writeBytes(valid);
                    w.writeBytes(bad);
                    c.write(w.toByteArray());
                    assertThat(c.receive(ApiKeys.API_VERSIONS, (short) 3).correlationId()).isEqualTo(41);
                    assertThat(c.receive(ApiKeys.API_VERSIONS, (short) 3).correlationId()).isEqualTo(41);
                    assertThat(c.closedByPeerWithin(30_000)).as("closed after answering").isTrue();
                }
            }
        }
    }
}
