package io.runnel.broker.handler.admin;

import io.runnel.common.Errors;
import io.runnel.protocol.ApiKeys;
import io.runnel.protocol.message.InitProducerIdRequest;
import io.runnel.protocol.message.InitProducerIdResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static io.runnel.broker.handler.admin.AdminFixture.ctx;
import static io.runnel.broker.handler.admin.AdminFixture.get;
import static io.runnel.broker.handler.admin.AdminFixture.roundTrip;
import static org.assertj.core.api.Assertions.assertThat;

class InitProducerIdHandlerTest {
    @TempDir
    Path dir;
    private AdminFixture f;

    @BeforeEach
    void start() throws Exception {
        f = AdminFixture.start(dir);
    }

    @AfterEach
    void stop() throws Exception {
        f.close();
    }

    static InitProducerIdRequest idempotent() {
        InitProducerIdRequest r = new InitProducerIdRequest();
        r.transactionalId = null;
        r.transactionTimeoutMs = Integer.MAX_VALUE;
        return r;
    }

    private static InitProducerIdResponse call(InitProducerIdHandler h, int version, InitProducerIdRequest req) throws Exception {
        return get(h.handle(ctx(ApiKeys.INIT_PRODUCER_ID, version), req));
    }

    @Test
    void idempotentProducersGetFreshIdsWithEpochZero() throws Exception {
        InitProducerIdHandler h = new InitProducerIdHandler(f.controller, f.broker);
        InitProducerIdResponse first = call(h, 5, idempotent());
        InitProducerIdResponse second = call(h, 0, idempotent());
        assertThat(first.errorCode).isZero();
        assertThat(first.producerId).isEqualTo(0);
        assertThat(first.producerEpoch).isZero();
        assertThat(second.producerId).isEqualTo(1);
        // one block of 1000 was taken from the controller
        assertThat(f.controller.image().nextProducerId()).isEqualTo(InitProducerIdHandler.DEFAULT_BLOCK_SIZE);
    }

    @Test
    void blocksAreRefilledAndNeverRepeatAcrossRestarts() throws Exception {
        Set<Long> seen = new HashSet<>();
        InitProducerIdHandler h = new InitProducerIdHandler(f.controller, 3);
        for (int i = 0; i < 7; i++) assertThat(seen.add(call(h, 4, idempotent()).producerId)).isTrue();
        assertThat(seen).containsExactlyInAnyOrder(0L, 1L, 2L, 3L, 4L, 5L, 6L);
        assertThat(f.controller.image().nextProducerId()).isEqualTo(9);

        // restart: the rest of the last block (7, 8) is skipped, nothing repeats
        f.close();
        f = AdminFixture.start(dir);
        InitProducerIdHandler after = new InitProducerIdHandler(f.controller, 3);
        assertThat(call(after, 4, idempotent()).producerId).isEqualTo(9);
    }

    @Test
    void concurrentRequestsGetDistinctIds() throws Exception {
        InitProducerIdHandler h = new InitProducerIdHandler(f.controller, 5);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<CompletableFuture<InitProducerIdResponse>>> calls = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                calls.add(pool.submit(() -> h.handle(ctx(ApiKeys.INIT_PRODUCER_ID, 4), idempotent())));
            }
            Set<Long> ids = new HashSet<>();
            for (Future<CompletableFuture<InitProducerIdResponse>> c : calls) {
                InitProducerIdResponse r = get(c.get());
                assertThat(r.errorCode).isZero();
                assertThat(ids.add(r.producerId)).as("id %d handed out twice", r.producerId).isTrue();
            }
            assertThat(ids).hasSize(200);
            assertThat(f.controller.image().nextProducerId()).isGreaterThanOrEqualTo(200);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void epochBumpRequestsOfIdempotentProducersGetANewId() throws Exception {
        InitProducerIdHandler h = new InitProducerIdHandler(f.controller, f.broker);
        InitProducerIdResponse first = call(h, 4, idempotent());
        InitProducerIdRequest bump = idempotent();
        bump.producerId = first.producerId;
        bump.producerEpoch = 0;
        InitProducerIdResponse bumped = call(h, 4, bump);
        assertThat(bumped.errorCode).isZero();
        assertThat(bumped.producerId).isNotEqualTo(first.producerId);
        assertThat(bumped.producerEpoch).isZero();

        InitProducerIdRequest half = idempotent();
        half.producerId = 5;
        InitProducerIdResponse invalid = call(h, 4, half);
        assertThat(invalid.errorCode).isEqualTo(Errors.INVALID_REQUEST.code());
        assertThat(invalid.producerId).isEqualTo(-1);
        assertThat(invalid.producerEpoch).isEqualTo((short) -1);
    }

    @Test
    void transactionalIdsWithoutACoordinatorAreNotServedHere() throws Exception {
        InitProducerIdHandler h = new InitProducerIdHandler(f.controller, f.broker);
        InitProducerIdRequest txn = idempotent();
        txn.transactionalId = "tx-1";
        txn.transactionTimeoutMs = 60000;
        InitProducerIdResponse resp = call(h, 5, txn);
        assertThat(resp.errorCode).isEqualTo(Errors.COORDINATOR_NOT_AVAILABLE.code());
        assertThat(resp.producerId).isEqualTo(-1);
        InitProducerIdRequest empty = idempotent();
        empty.transactionalId = "";
        assertThat(call(h, 5, empty).errorCode).isEqualTo(Errors.INVALID_REQUEST.code());
        assertThat(f.controller.image().nextProducerId()).isZero();
    }

    @Test
    void controllerShutdownIsRetriable() throws Exception {
        InitProducerIdHandler h = new InitProducerIdHandler(f.controller, f.broker);
        f.controller.close();
        InitProducerIdResponse resp = call(h, 4, idempotent());
        assertThat(resp.errorCode).isEqualTo(Errors.COORDINATOR_LOAD_IN_PROGRESS.code());
        assertThat(resp.producerId).isEqualTo(-1);
    }

    @Test
    void roundTripAtLowestAndHighestVersion() throws Exception {
        InitProducerIdHandler h = new InitProducerIdHandler(f.controller, f.broker);
        for (int version : new int[]{0, 5}) {
            InitProducerIdRequest req = idempotent();
            InitProducerIdRequest decoded = roundTrip(req, version, new InitProducerIdRequest());
            assertThat(decoded).isEqualTo(req);
            InitProducerIdResponse resp = call(h, version, decoded);
            assertThat(roundTrip(resp, version, new InitProducerIdResponse())).isEqualTo(resp);
        }
    }
}
