package io.runnel.it;

import org.apache.ratis.util.CodeInjectionForTesting;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The traffic seam between the metadata quorum's nodes when they run in this JVM: a link between two
 * nodes can be cut (every Raft request either sends the other, append entries, votes and snapshot
 * installs, fails as if the network had dropped it) or delayed. It hooks Ratis' own fault-injection
 * points ({@link CodeInjectionForTesting}), which the receiving server calls with its own id and the
 * sender's, so one link (one pair of nodes) can be cut while the others keep working — which a TCP
 * proxy in front of each node could not do, since it does not know which node a connection comes from.
 *
 * <p>Global to the JVM (Ratis' injection points are static); {@link ClusterHarness#close()} heals every link.
 * Broker-to-controller messages (registration, heartbeats, forwarding) are Ratis client requests and are
 * not affected; {@link NodeLinks} cuts those and the follower fetches too.
 */
public final class QuorumLinks {
    private static final String[] POINTS = {"RaftServerImpl.appendEntries", "RaftServerImpl.requestVote",
            "RaftServerImpl.installSnapshot"};
    private static final Set<Long> CUT = ConcurrentHashMap.newKeySet();
    private static final Map<Long, Long> DELAY_MS = new ConcurrentHashMap<>();
    private static volatile boolean installed;

    private QuorumLinks() {
    }

    private static synchronized void install() {
        if (installed) return;
        for (String p : POINTS) CodeInjectionForTesting.put(p, QuorumLinks::onRequest);
        installed = true;
    }

    private static boolean onRequest(Object local, Object remote, Object... args) {
        int a = nodeId(local);
        int b = nodeId(remote);
        if (a < 0 || b < 0) return false;
        long key = key(a, b);
        if (CUT.contains(key)) throw new IllegalStateException("the link between nodes " + a + " and " + b + " is cut by the test");
        Long d = DELAY_MS.get(key);
        if (d != null && d > 0) {
            try {
                Thread.sleep(d);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return false;
    }

    /** The node id in a Ratis peer or member id ("3", "3@group-..."), or -1. */
    private static int nodeId(Object id) {
        String s = String.valueOf(id);
        int end = 0;
        while (end < s.length() && Character.isDigit(s.charAt(end))) end++;
        return end == 0 ? -1 : Integer.parseInt(s.substring(0, end));
    }

    private static long key(int a, int b) {
        return ((long) Math.min(a, b) << 32) | Math.max(a, b);
    }

    /** Cuts the link between nodes {@code a} and {@code b}, both ways. */
    public static void cut(int a, int b) {
        install();
        CUT.add(key(a, b));
    }

    /** Delays every Raft request between {@code a} and {@code b}, both ways, by {@code ms}. */
    public static void delay(int a, int b, long ms) {
        install();
        DELAY_MS.put(key(a, b), ms);
    }

    /** Restores every link. */
    public static void healAll() {
        CUT.clear();
        DELAY_MS.clear();
    }
}
