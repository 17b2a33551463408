package io.runnel.quorum;

import io.runnel.common.NodeLinkFaults;
import io.runnel.quorum.RaftLinkFaults.Link;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class LinkFaultsFileTest {
    @TempDir
    Path dir;

    @AfterEach
    void heal() {
        RaftLinkFaults.healAll();
        NodeLinkFaults.set(null);
    }

    @Test
    void parsesCutsWithTheirPathsAndDelays() {
        List<String> bad = new ArrayList<>();
        LinkFaultsFile.Faults f = LinkFaultsFile.parse("""
                # generation 3
                cut 1 3
                cut 2 1 raft
                CUT 4 2 controller,replica_fetch   # trailing comment
                delay 2 3 300

                """, bad::add);
        assertThat(bad).isEmpty();
        assertThat(f.raftCut()).containsExactlyInAnyOrder(new Link(1, 3), new Link(1, 2));
        assertThat(f.pathsCut()).isEqualTo(Map.of(
                new Link(1, 3), EnumSet.allOf(NodeLinkFaults.Path.class),
                new Link(2, 4), EnumSet.of(NodeLinkFaults.Path.CONTROLLER, NodeLinkFaults.Path.REPLICA_FETCH)));
        assertThat(f.raftDelayMs()).isEqualTo(Map.of(new Link(2, 3), 300L));
        // a node keeps the links it is an end of
        LinkFaultsFile.Faults of4 = f.of(4);
        assertThat(of4.raftCut()).isEmpty();
        assertThat(of4.pathsCut()).containsOnlyKeys(new Link(2, 4));
        assertThat(of4.raftDelayMs()).isEmpty();
        assertThat(f.of(5).isEmpty()).isTrue();
    }

    @Test
    void badLinesAreReportedAndIgnoredAndTheGoodOnesStillApply() {
        List<String> bad = new ArrayList<>();
        LinkFaultsFile.Faults f = LinkFaultsFile.parse("""
                cut 1
                cut 1 x
                cut 2 2
                cut 1 2 raft,smoke
                delay 1 2
                delay 1 2 -5
                delay 1 2 soon
                drop 1 2
                cut 1 3 raft
                """, bad::add);
        assertThat(bad).hasSize(8);
        assertThat(bad.get(0)).startsWith("line 1 'cut 1'");
        assertThat(bad.get(3)).contains("unknown path 'smoke'");
        assertThat(bad.get(7)).contains("unknown action 'drop'");
        assertThat(f.raftCut()).containsExactly(new Link(1, 3));
        assertThat(f.pathsCut()).isEmpty();
        assertThat(f.raftDelayMs()).isEmpty();
    }

    @Test
    void theWatcherAppliesItsNodesLinksHealsWhatDisappearsAndWaitsForAHalfWrittenFile() throws Exception {
        Path file = dir.resolve("link-faults");
        LinkFaultsFile.Watcher w = new LinkFaultsFile.Watcher(file, 1);
        // missing: no faults, no error
        assertThat(w.pollOnce()).isTrue();
        assertThat(RaftLinkFaults.isCut(1, 2)).isFalse();
        assertThat(NodeLinkFaults.dropped(NodeLinkFaults.Path.CONTROLLER, 1, 2)).isFalse();

        write(file, "cut 1 2\ndelay 1 3 250\ncut 2 3\nnonsense\n");
        assertThat(w.pollOnce()).isTrue();
        assertThat(RaftLinkFaults.isCut(1, 2)).isTrue();
        assertThat(RaftLinkFaults.delayMs(3, 1)).isEqualTo(250);
        assertThat(RaftLinkFaults.isCut(2, 3)).as("not node 1's link").isFalse();
        assertThat(NodeLinkFaults.dropped(NodeLinkFaults.Path.CONTROLLER, 1, 2)).isTrue();
        assertThat(NodeLinkFaults.dropped(NodeLinkFaults.Path.REPLICA_FETCH, 2, 1)).isTrue();
        assertThat(NodeLinkFaults.dropped(NodeLinkFaults.Path.CONTROLLER, 1, 3)).isFalse();

        // a file still being written (no line end at its end) is read again later, not applied
        Files.writeString(file, "cut 1 3 controller\ncut 1");
        assertThat(w.pollOnce()).isFalse();
        assertThat(RaftLinkFaults.isCut(1, 2)).isTrue();

        write(file, "cut 1 3 controller\n");
        assertThat(w.pollOnce()).isTrue();
        assertThat(RaftLinkFaults.isCut(1, 2)).as("healed").isFalse();
        assertThat(RaftLinkFaults.delayMs(1, 3)).isZero();
        assertThat(NodeLinkFaults.dropped(NodeLinkFaults.Path.CONTROLLER, 1, 2)).isFalse();
        assertThat(NodeLinkFaults.dropped(NodeLinkFaults.Path.CONTROLLER, 3, 1)).isTrue();
        assertThat(NodeLinkFaults.dropped(NodeLinkFaults.Path.REPLICA_FETCH, 3, 1)).isFalse();

        Files.delete(file);
        assertThat(w.pollOnce()).isTrue();
        assertThat(NodeLinkFaults.dropped(NodeLinkFaults.Path.CONTROLLER, 3, 1)).isFalse();
    }

    @Test
    void theWatcherThreadPicksUpAChangeAndSurvivesGarbage() throws Exception {
        Path file = dir.resolve("link-faults");
        System.setProperty(LinkFaultsFile.PROPERTY, file.toString());
        LinkFaultsFile.Watcher w;
        try {
            w = LinkFaultsFile.startIfConfigured(7);
        } finally {
            System.clearProperty(LinkFaultsFile.PROPERTY);
        }
        assertThat(w).isNotNull();
        assertThat(w.isDaemon()).isTrue();
        try {
            write(file, "\u0000\u00ff garbage 1 2 3\n");
            write(file, "cut 7 8 raft\n");
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (!RaftLinkFaults.isCut(7, 8) && System.nanoTime() < deadline) Thread.sleep(20);
            assertThat(RaftLinkFaults.isCut(7, 8)).isTrue();
            assertThat(w.isAlive()).isTrue();
        } finally {
            w.shutdown();
            w.join(5000);
        }
    }

    @Test
    void withoutThePropertyNothingStarts() {
        System.clearProperty(LinkFaultsFile.PROPERTY);
        assertThat(LinkFaultsFile.startIfConfigured(1)).isNull();
    }

    @Test
    void raftLinksAreTheSameBothWaysAndSetReplacesThemAll() {
        RaftLinkFaults.cut(3, 1);
        RaftLinkFaults.delay(1, 2, 100);
        assertThat(RaftLinkFaults.isCut(1, 3)).isTrue();
        assertThat(RaftLinkFaults.delayMs(2, 1)).isEqualTo(100);
        RaftLinkFaults.set(Set.of(new Link(2, 3)), Map.of());
        assertThat(RaftLinkFaults.isCut(1, 3)).isFalse();
        assertThat(RaftLinkFaults.delayMs(1, 2)).isZero();
        assertThat(RaftLinkFaults.isCut(3, 2)).isTrue();
        assertThat(RaftLinkFaults.nodeId("3@group-ABC")).isEqualTo(3);
        assertThat(RaftLinkFaults.nodeId("client-1")).isEqualTo(-1);
    }

    private static void write(Path file, String text) throws Exception {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, text);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
