package io.runnel.broker.handler.admin;

import io.runnel.common.Errors;
import io.runnel.protocol.ApiKeys;
import io.runnel.protocol.message.DescribeClusterRequest;
import io.runnel.protocol.message.DescribeClusterResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static io.runnel.broker.handler.admin.AdminFixture.ctx;
import static io.runnel.broker.handler.admin.AdminFixture.get;
import static io.runnel.broker.handler.admin.AdminFixture.roundTrip;
import static org.assertj.core.api.Assertions.assertThat;

class DescribeClusterHandlerTest {
    @TempDir
    Path dir;
    private AdminFixture f;
    private DescribeClusterHandler handler;

    @BeforeEach
    void start() throws Exception {
        f = AdminFixture.start(dir, "broker.rack", "r1");
        handler = new DescribeClusterHandler(f.controller, f.broker);
        f.registerBroker(2, "r2", "PLAINTEXT", 9093, "INTERNAL", 19093);
        f.registerBroker(3, null, "INTERNAL", 19094);
    }

    @AfterEach
    void stop() throws Exception {
        f.close();
    }

    private DescribeClusterResponse call(int version, DescribeClusterRequest req, String listener) throws Exception {
        return get(handler.handle(ctx(ApiKeys.DESCRIBE_CLUSTER, version, listener), req));
    }

    @Test
    void brokersOnTheRequestListener() throws Exception {
        DescribeClusterRequest req = new DescribeClusterRequest();
        DescribeClusterResponse resp = call(2, req, "PLAINTEXT");
        assertThat(resp.errorCode).isZero();
        assertThat(resp.errorMessage).isNull();
        assertThat(resp.endpointType).isEqualTo((byte) 1);
        assertThat(resp.clusterId).isEqualTo(f.controller.image().clusterId().toString());
        assertThat(resp.controllerId).isEqualTo(1);
        assertThat(resp.clusterAuthorizedOperations).isEqualTo(Integer.MIN_VALUE);
        assertThat(resp.brokers).extracting(b -> b.brokerId).containsExactly(1, 2);
        DescribeClusterResponse.Broker self = resp.brokers.get(0);
        assertThat(self.host).isEqualTo("localhost");
        assertThat(self.port).isEqualTo(9092);
        assertThat(self.rack).isEqualTo("r1");
        assertThat(self.isFenced).isFalse();
        DescribeClusterResponse.Broker two = resp.brokers.get(1);
        assertThat(two.host).isEqualTo("h2");
        assertThat(two.port).isEqualTo(9093);
        assertThat(two.rack).isEqualTo("r2");

        // another listener: other ports, and this node has no endpoint there, so no controller id either
        DescribeClusterResponse internal = call(2, req, "internal");
        assertThat(internal.brokers).extracting(b -> b.brokerId).containsExactly(2, 3);
        assertThat(internal.brokers).extracting(b -> b.port).containsExactly(19093, 19094);
        assertThat(internal.controllerId).isEqualTo(-1);
    }

    @Test
    void authorizedOperationsWhenAsked() throws Exception {
        DescribeClusterRequest req = new DescribeClusterRequest();
        req.includeClusterAuthorizedOperations = true;
        DescribeClusterResponse resp = call(0, req, "PLAINTEXT");
        // CREATE, ALTER, DESCRIBE, CLUSTER_ACTION, DESCRIBE_CONFIGS, ALTER_CONFIGS, IDEMPOTENT_WRITE
        assertThat(resp.clusterAuthorizedOperations).isEqualTo(8096);
    }

    @Test
    void onlyBrokerEndpointsAreDescribed() throws Exception {
        DescribeClusterRequest controllers = new DescribeClusterRequest();
        controllers.endpointType = 2;
        DescribeClusterResponse resp = call(1, controllers, "PLAINTEXT");
        assertThat(resp.errorCode).isEqualTo(Errors.MISMATCHED_ENDPOINT_TYPE.code());
        assertThat(resp.errorMessage).isEqualTo("The request was sent to an endpoint of type BROKER, but we wanted an endpoint of type CONTROLLER");
        assertThat(resp.brokers).isEmpty();
        assertThat(resp.clusterId).isEmpty();

        DescribeClusterRequest unknown = new DescribeClusterRequest();
        unknown.endpointType = 3;
        DescribeClusterResponse u = call(2, unknown, "PLAINTEXT");
        assertThat(u.errorCode).isEqualTo(Errors.UNSUPPORTED_ENDPOINT_TYPE.code());
        assertThat(u.errorMessage).isEqualTo("Unsupported endpoint type 3");
    }

    @Test
    void roundTripAtLowestAndHighestVersion() throws Exception {
        for (int version : new int[]{0, 2}) {
            DescribeClusterRequest req = new DescribeClusterRequest();
            req.includeClusterAuthorizedOperations = true;
            req.includeFencedBrokers = version == 2;
            DescribeClusterRequest decoded = roundTrip(req, version, new DescribeClusterRequest());
            assertThat(decoded).isEqualTo(req);
            DescribeClusterResponse resp = call(version, decoded, "PLAINTEXT");
            DescribeClusterResponse back = roundTrip(resp, version, new DescribeClusterResponse());
            assertThat(back).isEqualTo(resp);
            assertThat(back.brokers).hasSize(2);
        }
    }
}
