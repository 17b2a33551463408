package io.runnel.quorum;

import org.apache.ratis.util.CodeInjectionForTesting;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Test-only traffic seam for the Raft links between the metadata quorum's nodes: a link (a pair of nodes) can be
 * cut (every Raft request one sends the other, append entries, votes and snapshot installs, fails as if the network
 * had dropped it) or delayed. It hooks Ratis' own fault-injection points ({@link CodeInjectionForTesting}), which
 * the receiving server calls with its own id and the sender's, so one link can be cut while the others work — a
 * TCP proxy in front of a node could not do that, since it does not know which node a connection comes from.
 *
 * <p>Static, global to the JVM (Ratis' injection points are): in one JVM it is shared by every node there, in a node
 * process ({@link LinkFaultsFile}) it is that node's. The hooks are installed on the first {@link #cut}, {@link #delay}
 * or {@link #set}; production code never calls them, so nothing is installed there. Broker-to-controller messages and
 * follower fetches do not pass here: {@code NodeLinkFaults} (runnel-common) is their seam.
 */
public final class RaftLinkFaults {
    private static final String[] POINTS = {"RaftServerImpl.appendEntries", "RaftServerImpl.requestVote",
            "RaftServerImpl.installSnapshot"};

    /** The links in force, replaced as a whole (copy on write), so a reader sees one consistent set. */
    private record State(Set<Long> cut, Map<Long, Long> delayMs) {
        static final State NONE = new State(Set.of(), Map.of());
    }

    private static volatile State state = State.NONE;
    private static boolean installed;

    private RaftLinkFaults() {
    }

    private static synchronized void install() {
        if (installed) return;
        for (String p : POINTS) CodeInjectionForTesting.put(p, RaftLinkFaults::onRequest);
        installed = true;
    }

    private static boolean onRequest(Object local, Object remote, Object... args) {
        State s = state;
        if (s == State.NONE) return false;
        int a = nodeId(local);
        int b = nodeId(remote);
        if (a < 0 || b < 0) return false;
        long key = key(a, b);
        if (s.cut.contains(key)) throw new IllegalStateException("the link between nodes " + a + " and " + b + " is cut by the test");
        Long d = s.delayMs.get(key);
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
    static int nodeId(Object id) {
        String s = String.valueOf(id);
        int end = 0;
        while (end < s.length() && Character.isDigit(s.charAt(end))) end++;
        return end == 0 || end > 9 ? -1 : Integer.parseInt(s.substring(0, end));
    }

    /** The key of the link between {@code a} and {@code b}, the same both ways. */
    static long key(int a, int b) {
        return ((long) Math.min(a, b) << 32) | Math.max(a, b);
    }

    /** Cuts the link between nodes {@code a} and {@code b}, both ways. */
    public static synchronized void cut(int a, int b) {
        install();
        Set<Long> cut = new HashSet<>(state.cut);
        cut.add(key(a, b));
        state = new State(Set.copyOf(cut), state.delayMs);
    }

    /** Delays every Raft request between {@code a} and {@code b}, both ways, by {@code ms} (0: no delay). */
    public static synchronized void delay(int a, int b, long ms) {
        if (ms < 0) throw new IllegalArgumentException("a delay must not be negative: " + ms);
        install();
        Map<Long, Long> delays = new HashMap<>(state.delayMs);
        if (ms == 0) delays.remove(key(a, b));
        else delays.put(key(a, b), ms);
        state = new State(state.cut, Map.copyOf(delays));
    }

    /** A link between two nodes, the same both ways (the lower id first). */
    public record Link(int a, int b) {
        public Link {
            if (a == b) throw new IllegalArgumentException("a link joins two different nodes, got " + a + " and " + b);
            if (a > b) {
                int t = a;
                a = b;
                b = t;
            }
        }

        public boolean touches(int node) {
            return a == node || b == node;
        }
    }

    /** Replaces every link's state at once: the links in {@code cut} are cut, those in {@code delayMs} delayed, the rest heal. */
    public static synchronized void set(Set<Link> cut, Map<Link, Long> delayMs) {
        Set<Long> c = new HashSet<>();
        for (Link l : cut) c.add(key(l.a(), l.b()));
        Map<Long, Long> d = new HashMap<>();
        delayMs.forEach((l, ms) -> {
            if (ms != null && ms > 0) d.put(key(l.a(), l.b()), ms);
        });
        if (c.isEmpty() && d.isEmpty()) {
            state = State.NONE;
            return;
        }
        install();
        state = new State(Set.copyOf(c), Map.copyOf(d));
    }

    /** Whether the link between {@code a} and {@code b} is cut. */
    public static boolean isCut(int a, int b) {
        return state.cut.contains(key(a, b));
    }

    /** The delay of the link between {@code a} and {@code b} in ms, 0 if none. */
    public static long delayMs(int a, int b) {
        return state.delayMs.getOrDefault(key(a, b), 0L);
    }

    /** Restores every link. */
    public static synchronized void healAll() {
        state = State.NONE;
    }
}
