package io.runnel.storage;

import io.runnel.record.CompressionType;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.constraints.IntRange;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

import static io.runnel.storage.TestLogs.idempotent;
import static io.runnel.storage.TestLogs.txn;
import static io.runnel.storage.TestLogs.values;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A random leader log (idempotent and transactional producers, commits and aborts, coordinator batches, codecs,
 * leader epoch bumps) replicated batch by batch into a follower in random chunks, with the follower restarted
 * (cleanly or killed) at random points and its segment size unrelated to the leader's: the follower ends with
 * the leader's bytes, offsets, epochs, producer state, aborted transactions and last stable offset. The failing
 * seed is in jqwik's report and replays.
 */
class PartitionLogFollowerProperties {
    private static final CompressionType[] CODECS = {CompressionType.NONE, CompressionType.GZIP, CompressionType.LZ4,
            CompressionType.ZSTD, CompressionType.SNAPPY};

    /** What the leader's producers are at, so their appends are valid. */
    private static final class Producer {
        short epoch;
        int nextSeq;
        boolean inTxn;
    }

    @Property(tries = 40, shrinking = ShrinkingMode.OFF)
    void followerEndsWithTheLeadersLog(@ForAll long seed, @ForAll @IntRange(min = 150, max = 3000) int followerSegmentBytes)
            throws IOException {
        Path root = Files.createTempDirectory("runnel-follower-prop");
        MockTime time = new MockTime();
        List<PartitionLog> open = new ArrayList<>();
        try {
            Random random = new Random(seed);
            PartitionLog leader = TestLogs.open(root.resolve("leader"), TestLogs.smallConfig(1000), time);
            open.add(leader);
            writeRandomly(leader, time, random, 20 + random.nextInt(60));

            Path followerDir = root.resolve("follower");
            LogConfig followerConfig = TestLogs.smallConfig(followerSegmentBytes);
            PartitionLog follower = TestLogs.open(followerDir, followerConfig, time);
            open.add(follower);
            List<ByteBuffer> batches = FollowerLogs.batches(leader, 0);
            for (int i = 0; i < batches.size(); ) {
                int n = Math.min(batches.size() - i, 1 + random.nextInt(8));
                FollowerLogs.appendInChunks(follower, batches.subList(i, i + n), random, n);
                i += n;
                int restart = random.nextInt(10);
                if (restart < 2) {
                    boolean clean = restart == 0;
                    if (clean) follower.close();
                    follower = TestLogs.reopen(followerDir, followerConfig, time, clean);
                    open.add(follower);
                }
            }
            FollowerLogs.assertSameLog(leader, follower);
        } finally {
            for (PartitionLog l : open) l.close();
            try (Stream<Path> walk = Files.walk(root)) {
                for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
            }
        }
    }

    /** {@code ops} random leader appends; leaves the HW at the end and at least one batch of the latest epoch. */
    private static void writeRandomly(PartitionLog leader, MockTime time, Random random, int ops) {
        Map<Long, Producer> producers = new HashMap<>();
        int leaderEpoch = 0;
        int coordinatorEpoch = 0;
        for (int i = 0; i < ops; i++) {
            long t = time.milliseconds() + i;
            int op = random.nextInt(12);
            if (op < 2) {
                leader.appendAsLeader(TestLogs.compressed(CODECS[random.nextInt(CODECS.length)], t, 1 + random.nextInt(5),
                        "c" + i), leaderEpoch);
            } else if (op < 4) {
                long pid = 1 + random.nextInt(2);
                Producer p = producers.computeIfAbsent(pid, k -> new Producer());
                if (random.nextInt(6) == 0) {
                    p.epoch++;
                    p.nextSeq = 0;
                }
                int count = 1 + random.nextInt(3);
                leader.appendAsLeader(idempotent(pid, p.epoch, p.nextSeq, t, count), leaderEpoch);
                p.nextSeq += count;
            } else if (op < 7) {
                long pid = 10 + random.nextInt(3);
                Producer p = producers.computeIfAbsent(pid, k -> new Producer());
                int count = 1 + random.nextInt(3);
                leader.appendAsLeader(txn(pid, p.epoch, p.nextSeq, t, count), leaderEpoch);
                p.nextSeq += count;
                p.inTxn = true;
            } else if (op < 9) {
                long pid = 10 + random.nextInt(3);
                Producer p = producers.computeIfAbsent(pid, k -> new Producer());
                if (random.nextInt(4) == 0) coordinatorEpoch++;
                leader.appendControlBatch(pid, p.epoch, coordinatorEpoch, random.nextBoolean(), leaderEpoch);
                p.inTxn = false;
            } else if (op == 9) {
                leader.appendAsCoordinator(TestLogs.kv(t, "group-" + i, "value-" + i), leaderEpoch);
            } else if (op == 10) {
                leader.appendAsLeader(values(t, "r" + i, "s" + i), leaderEpoch, CODECS[random.nextInt(CODECS.length)]);
            } else {
                leaderEpoch += 1 + random.nextInt(2);
                leader.assignEpochStartOffset(leaderEpoch, leader.logEndOffset());
            }
        }
        // a follower learns epochs from batches only: the latest epoch must have one
        leader.appendAsLeader(values(time.milliseconds(), "last"), leaderEpoch);
        leader.updateHighWatermark(leader.logEndOffset());
    }
}
