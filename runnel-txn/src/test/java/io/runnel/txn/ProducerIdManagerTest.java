package io.runnel.txn;

import io.runnel.common.ApiException;
import io.runnel.common.Errors;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ProducerIdManagerTest {
    final List<CompletableFuture<ProducerIdBlock>> requests = new ArrayList<>();
    final ProducerIdManager ids = new ProducerIdManager(() -> {
        CompletableFuture<ProducerIdBlock> f = new CompletableFuture<>();
        requests.add(f);
        return f;
    });

    @Test
    void handsOutIdsFromBlocksAndPrefetchesTheNextOne() {
        assertThatThrownBy(ids::generateProducerId).isInstanceOf(ApiException.class)
                .satisfies(e -> assertThat(((ApiException) e).error()).isEqualTo(Errors.COORDINATOR_LOAD_IN_PROGRESS));
        requests.getFirst().complete(new ProducerIdBlock(0, 10));
        for (int i = 0; i < 9; i++) assertThat(ids.generateProducerId()).isEqualTo(i);
        assertThat(requests).as("the next block is asked for at 90%").hasSize(2);
        requests.get(1).complete(new ProducerIdBlock(5000, 10));
        assertThat(ids.generateProducerId()).isEqualTo(9);
        assertThat(ids.generateProducerId()).isEqualTo(5000);
    }

    @Test
    void aFailedBlockRequestIsRetried() {
        assertThatThrownBy(ids::generateProducerId).isInstanceOf(ApiException.class);
        requests.getFirst().completeExceptionally(Errors.REQUEST_TIMED_OUT.exception(null));
        assertThatThrownBy(ids::generateProducerId).isInstanceOf(ApiException.class);
        assertThat(requests).hasSize(2);
        requests.get(1).complete(new ProducerIdBlock(100, 1));
        assertThat(ids.generateProducerId()).isEqualTo(100);
    }
}
