package io.runnel.common;

/**
 * Test-only traffic seam between the nodes of one cluster, in the spirit of Ratis' {@code CodeInjectionForTesting}: a
 * static filter, {@code null} (nothing dropped) unless a test sets one, directly when the nodes run in its JVM, or
 * through {@code LinkFaultsFile} (runnel-quorum) in a node process started with its test-only system property. Two
 * node-to-node paths that Ratis' own injection points do not reach ask it before each message they send:
 *
 * <ul>
 *   <li>broker &rarr; active controller messages (registration, heartbeats, AlterPartition, forwarded admin
 *       requests): {@code QuorumNode.sendToController}'s Ratis client, per Raft server it sends to;</li>
 *   <li>a follower's fetch from a partition leader: {@code ReplicaFetcher}, before each Fetch.</li>
 * </ul>
 *
 * A dropped message fails there with an {@link java.io.IOException}, as a broken connection would, and goes
 * through the sender's usual failure handling (the Ratis client's retries, the fetcher's backoff). Unset, it costs
 * one volatile read per message. Production code never sets it.
 */
public final class NodeLinkFaults {
    /** The paths that ask the seam. */
    public enum Path {
        /** Broker &rarr; active controller messages (Ratis client requests of {@code QuorumNode.sendToController}). */
        CONTROLLER,
        /** A follower's Fetch to a partition leader ({@code ReplicaFetcher}). */
        REPLICA_FETCH
    }

    /** Decides whether a message on {@code path} from node {@code from} to node {@code to} is dropped. */
    @FunctionalInterface
    public interface Filter {
        boolean dropped(Path path, int from, int to);
    }

    private static volatile Filter filter;

    private NodeLinkFaults() {
    }

    /** Sets the filter of every node in this JVM; {@code null} restores every link. Tests only. */
    public static void set(Filter f) {
        filter = f;
    }

    /** Whether the message on {@code path} from {@code from} to {@code to} is to be dropped (never a node's own). */
    public static boolean dropped(Path path, int from, int to) {
        Filter f = filter;
        return f != null && from != to && f.dropped(path, from, to);
    }
}
