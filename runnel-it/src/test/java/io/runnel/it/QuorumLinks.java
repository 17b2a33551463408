package io.runnel.it;

import io.runnel.quorum.RaftLinkFaults;

/**
 * The Raft links between the metadata quorum's nodes running in this JVM: cut or delayed per pair of nodes through
 * the production code's test-only seam {@link RaftLinkFaults} (Ratis' own injection points, which know both ends).
 * Global to the JVM; {@link ClusterHarness#close()} heals every link. Broker-to-controller messages and follower
 * fetches are not affected; {@link NodeLinks} cuts those too. Nodes running as processes are reached through
 * {@link ClusterHarness}'s link faults file instead ({@link io.runnel.quorum.LinkFaultsFile}).
 */
public final class QuorumLinks {
    private QuorumLinks() {
    }

    /** Cuts the link between nodes {@code a} and {@code b}, both ways. */
    public static void cut(int a, int b) {
        RaftLinkFaults.cut(a, b);
    }

    /** Delays every Raft request between {@code a} and {@code b}, both ways, by {@code ms}. */
    public static void delay(int a, int b, long ms) {
        RaftLinkFaults.delay(a, b, ms);
    }

    /** Restores every link. */
    public static void healAll() {
        RaftLinkFaults.healAll();
    }
}
