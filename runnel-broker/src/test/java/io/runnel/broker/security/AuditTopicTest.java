package io.runnel.broker.security;

import io.runnel.metadata.AclBinding;
import io.runnel.metadata.MetadataImage;
import io.runnel.metadata.NewTopic;
import io.runnel.record.Record;
import io.runnel.record.RecordBatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** The audit topic's writer thread: retries, drops counted, never blocking the caller, nothing written once closed. */
class AuditTopicTest {
    @TempDir
    Path dir;

    private static void waitFor(java.util.function.BooleanSupplier done) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!done.getAsBoolean() && System.nanoTime() < deadline) Thread.sleep(10);
        assertThat(done.getAsBoolean()).as("done within 10 s").isTrue();
    }

    @Test
    void linesGoToTheTopicKeyedByPrincipalAfterFailedAttemptsAndTheAuditTopicItselfIsFileOnly() throws Exception {
        List<AuditTopic.Line> written = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger attempts = new AtomicInteger();
        try (AuditTopic topic = new AuditTopic("_audit", lines -> {
            if (attempts.incrementAndGet() <= 2) throw new IllegalStateException("no leader yet");
            written.addAll(lines);
        }, 10_000); AuditLog log = new AuditLog(dir, false, 1 << 20, 3)) {
            log.topic(topic);
            log.record("User:alice", "10.0.0.5", "L", "PRODUCE", AclBinding.OP_WRITE, AclBinding.RESOURCE_TOPIC, "payments", false);
            // a decision about the audit topic itself: the file only, never the topic (no recursion)
            log.record("User:ANONYMOUS", "10.0.0.6", "L", "PRODUCE", AclBinding.OP_WRITE, AclBinding.RESOURCE_TOPIC, "_audit", false);
            log.record("User:bob", "10.0.0.7", "L", "FETCH", AclBinding.OP_READ, AclBinding.RESOURCE_TOPIC, "t", true); // allowed: not logged
            waitFor(() -> !written.isEmpty());
            Thread.sleep(300);
            assertThat(written).hasSize(1);
            assertThat(written.get(0).principal()).isEqualTo("User:alice");
            assertThat(written.get(0).json()).startsWith("{\"time\":").endsWith("\"result\":\"DENIED\"}")
                    .contains("\"resourceName\":\"payments\"").doesNotContain("\n");
            assertThat(topic.failedWrites()).isZero();
        }
        assertThat(Files.readAllLines(dir.resolve("audit.log"))).hasSize(2);
    }

    @Test
    void aFailingTopicDropsAndCountsLinesAndNeverBlocksTheCaller() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger writes = new AtomicInteger();
        AuditTopic topic = new AuditTopic("_audit", lines -> {
            writes.incrementAndGet();
            release.await(); // a stuck write: the queue fills up behind it
            throw new IllegalStateException("broker gone");
        }, 0);
        long start = System.nanoTime();
        for (int i = 0; i < AuditTopic.QUEUE + 1_000; i++) topic.offer("User:x", "{}");
        assertThat(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start)).as("offering never waits").isLessThan(5);
        waitFor(() -> writes.get() == 1 && topic.failedWrites() >= 500); // at most one batch (500) left the queue
        release.countDown();
        // the failed batch and then everything queued fail past their (zero) retry time: all counted
        waitFor(() -> topic.failedWrites() == AuditTopic.QUEUE + 1_000);
        topic.close();
    }

    @Test
    void nothingIsWrittenOnceClosed() throws Exception {
        AtomicInteger written = new AtomicInteger();
        AuditTopic topic = new AuditTopic("_audit", lines -> written.addAndGet(lines.size()), 1_000);
        topic.offer("User:a", "{}");
        waitFor(() -> written.get() == 1);
        topic.close();
        topic.offer("User:a", "{}");
        Thread.sleep(400);
        assertThat(written.get()).isEqualTo(1);
    }

    @Test
    void theTopicIsCreatedWithOnePartitionUpToThreeReplicasAndSevenDaysOfDeleteRetention() {
        NewTopic alone = AuditTopicAppender.newTopic("_audit", MetadataImage.EMPTY);
        assertThat(alone.numPartitions()).isEqualTo(1);
        assertThat(alone.replicationFactor()).isEqualTo((short) 1);
        assertThat(alone.configs()).containsEntry("cleanup.policy", "delete").containsEntry("retention.ms", "604800000");
        // records: key the principal, value the JSON line
        var records = AuditTopicAppender.records(List.of(new AuditTopic.Line("User:alice", "{\"a\":1}"),
                new AuditTopic.Line("User:bob", "{\"b\":2}")));
        List<String> seen = new ArrayList<>();
        for (RecordBatch batch : records.batches()) {
            for (Record r : batch.records()) {
                seen.add(new String(r.key(), StandardCharsets.UTF_8) + "=" + new String(r.value(), StandardCharsets.UTF_8));
            }
        }
        assertThat(seen).containsExactly("User:alice={\"a\":1}", "User:bob={\"b\":2}");
    }
}
