package io.runnel.it;

import io.runnel.protocol.ApiKeys;
import io.runnel.protocol.message.FindCoordinatorRequest;
import io.runnel.protocol.message.FindCoordinatorResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The first FindCoordinator of a fresh broker, for a group and for a transactional id: the lookup starts the
 * creation of {@code __consumer_offsets} / {@code __transaction_state} and waits for it, so the very first answer
 * names the coordinator (a client would otherwise get COORDINATOR_NOT_AVAILABLE and back off before asking again).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FirstCoordinatorLookupIT {
    @TempDir
    Path dir;

    @Test
    void theFirstLookupOfAFreshBrokerNamesTheCoordinator() throws Exception {
        try (TestBroker broker = TestBroker.start(dir.resolve("broker"));
             RawClient c = new RawClient(broker.port())) {
            FindCoordinatorRequest group = new FindCoordinatorRequest();
            group.key = "first-group";
            group.keyType = 0;
            c.send(ApiKeys.FIND_COORDINATOR, (short) 3, 1, group);
            FindCoordinatorResponse g = c.<FindCoordinatorResponse>receive(ApiKeys.FIND_COORDINATOR, (short) 3).body();
            assertThat(g.errorCode).as("first group lookup: %s", g.errorMessage).isZero();
            assertThat(g.port).isEqualTo(broker.port());

            FindCoordinatorRequest txn = new FindCoordinatorRequest();
            txn.keyType = 1;
            txn.coordinatorKeys = List.of("first-txn", "second-txn");
            c.send(ApiKeys.FIND_COORDINATOR, (short) 4, 2, txn);
            FindCoordinatorResponse t = c.<FindCoordinatorResponse>receive(ApiKeys.FIND_COORDINATOR, (short) 4).body();
            assertThat(t.coordinators).hasSize(2).allSatisfy(k -> {
                assertThat(k.errorCode).as("first transactional lookup of %s: %s", k.key, k.errorMessage).isZero();
                assertThat(k.port).isEqualTo(broker.port());
            });
        }
    }
}
