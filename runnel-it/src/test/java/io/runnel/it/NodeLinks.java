package io.runnel.it;

import io.runnel.common.NodeLinkFaults;

import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Cuts the node-to-node paths between two nodes running in this JVM, both ways: the Raft traffic
 * ({@link QuorumLinks}) and, through the production code's test-only seam {@link NodeLinkFaults}, the broker &rarr;
 * active controller messages (registration, heartbeats, AlterPartition, forwarded requests) and the follower
 * fetches. Clients still reach both nodes. Global to the JVM; {@link ClusterHarness#close()} heals every link.
 */
public final class NodeLinks {
    /** Link (both ends) → the seam's paths cut on it. */
    private static final Map<Long, Set<NodeLinkFaults.Path>> CUT = new ConcurrentHashMap<>();

    private NodeLinks() {
    }

    private static long key(int a, int b) {
        return ((long) Math.min(a, b) << 32) | Math.max(a, b);
    }

    /** Cuts every path between nodes {@code a} and {@code b}, both ways. */
    public static void cut(int a, int b) {
        cut(a, b, EnumSet.allOf(NodeLinkFaults.Path.class));
    }

    /** Cuts the Raft traffic and the seam's {@code paths} between {@code a} and {@code b}, both ways. */
    public static void cut(int a, int b, Set<NodeLinkFaults.Path> paths) {
        QuorumLinks.cut(a, b);
        CUT.computeIfAbsent(key(a, b), k -> ConcurrentHashMap.newKeySet()).addAll(paths);
        NodeLinkFaults.set((path, from, to) -> {
            Set<NodeLinkFaults.Path> cut = CUT.get(key(from, to));
            return cut != null && cut.contains(path);
        });
    }

    /** Restores every link (also the Raft links {@link QuorumLinks} cut or delayed). */
    public static void healAll() {
        NodeLinkFaults.set(null);
        CUT.clear();
        QuorumLinks.healAll();
    }
}
