package io.runnel.broker.cluster;

import io.runnel.common.Errors;
import io.runnel.common.Uuid;
import io.runnel.metadata.BrokerLifecycleMessages.AlterPartitionReply;
import io.runnel.metadata.BrokerLifecycleMessages.IsrChange;
import io.runnel.metadata.BrokerLifecycleMessages.IsrChangeResult;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AlterPartitionBatcherTest {
    private static final Uuid TOPIC = Uuid.random();

    private record Sent(List<IsrChange> changes, CompletableFuture<AlterPartitionReply> reply) {
    }

    private final List<Sent> sent = new ArrayList<>();
    private final AlterPartitionBatcher batcher = new AlterPartitionBatcher(changes -> {
        CompletableFuture<AlterPartitionReply> f = new CompletableFuture<>();
        sent.add(new Sent(changes, f));
        return f;
    });

    private static IsrChange change(int partition) {
        return new IsrChange(TOPIC, partition, 1, 1, List.of(1, 2));
    }

    /** The controller's answer to {@code s}: every change made, in order, except {@code refused}. */
    private static AlterPartitionReply answer(Sent s, int refused) {
        return new AlterPartitionReply(Errors.NONE, null, s.changes().stream()
                .map(c -> new IsrChangeResult(c.topicId(), c.partition(), c.partition() == refused ? Errors.INVALID_UPDATE_VERSION : Errors.NONE, null))
                .toList());
    }

    @Test
    void changesArrivingWhileOneIsInFlightGoTogetherInTheNext() {
        CompletableFuture<IsrChangeResult> first = batcher.submit(change(0));
        assertThat(sent).hasSize(1);
        List<CompletableFuture<IsrChangeResult>> waiting = List.of(batcher.submit(change(1)), batcher.submit(change(2)),
                batcher.submit(change(3)));
        assertThat(sent).as("one AlterPartition in flight at a time").hasSize(1);

        sent.get(0).reply().complete(answer(sent.get(0), -1));
        assertThat(first).isCompletedWithValueMatching(r -> r.error() == Errors.NONE && r.partition() == 0);
        assertThat(sent).hasSize(2);
        assertThat(sent.get(1).changes()).extracting(IsrChange::partition).containsExactly(1, 2, 3);
        assertThat(waiting).noneMatch(CompletableFuture::isDone);

        sent.get(1).reply().complete(answer(sent.get(1), 2));
        assertThat(waiting.get(0).join().error()).isEqualTo(Errors.NONE);
        assertThat(waiting.get(1).join().error()).as("each change gets its own result").isEqualTo(Errors.INVALID_UPDATE_VERSION);
        assertThat(waiting.get(2).join().partition()).isEqualTo(3);
        assertThat(sent).as("nothing left to send").hasSize(2);

        batcher.submit(change(4));
        assertThat(sent).as("idle again: the next change goes at once").hasSize(3);
    }

    @Test
    void aWholeRequestErrorOrFailureReachesEveryChangeAndTheNextBatchStillGoes() {
        batcher.submit(change(0));
        CompletableFuture<IsrChangeResult> a = batcher.submit(change(1));
        CompletableFuture<IsrChangeResult> b = batcher.submit(change(2));
        sent.get(0).reply().complete(new AlterPartitionReply(Errors.STALE_BROKER_EPOCH, "stale", List.of()));
        CompletableFuture<IsrChangeResult> c = batcher.submit(change(3));
        sent.get(1).reply().completeExceptionally(new java.io.IOException("no controller"));
        assertThat(a.isCompletedExceptionally()).isTrue();
        assertThatThrownBy(b::join).isInstanceOf(CompletionException.class).hasRootCauseMessage("no controller");
        assertThat(sent).hasSize(3);
        sent.get(2).reply().complete(new AlterPartitionReply(Errors.STALE_BROKER_EPOCH, "stale", List.of()));
        assertThat(c.join().error()).isEqualTo(Errors.STALE_BROKER_EPOCH);
    }

    @Test
    void aBatchIsCappedAndAnImmediateAnswerDoesNotRecurse() {
        List<Integer> sizes = new ArrayList<>();
        AlterPartitionBatcher immediate = new AlterPartitionBatcher(changes -> {
            sizes.add(changes.size());
            return CompletableFuture.completedFuture(new AlterPartitionReply(Errors.NONE, null, changes.stream()
                    .map(x -> new IsrChangeResult(x.topicId(), x.partition(), Errors.NONE, null)).toList()));
        });
        for (int i = 0; i < 5; i++) assertThat(immediate.submit(change(i)).join().partition()).isEqualTo(i);
        assertThat(sizes).containsExactly(1, 1, 1, 1, 1);

        batcher.submit(change(0));
        for (int i = 1; i <= AlterPartitionBatcher.MAX_CHANGES + 5; i++) batcher.submit(change(i));
        sent.get(0).reply().complete(answer(sent.get(0), -1));
        assertThat(sent.get(1).changes()).hasSize(AlterPartitionBatcher.MAX_CHANGES);
        sent.get(1).reply().complete(answer(sent.get(1), -1));
        assertThat(sent.get(2).changes()).hasSize(5);
    }
}
