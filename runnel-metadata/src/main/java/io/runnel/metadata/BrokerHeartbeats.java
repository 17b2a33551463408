package io.runnel.metadata;

import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;

/**
 * What the active controller knows about brokers' sessions and is not in the metadata log: when each
 * broker was last heard from, and which brokers are in a controlled shutdown. Heartbeats only touch this
 * state; the log changes only when a broker is fenced or unfenced. A new active controller starts with
 * a full session for every registered broker (it cannot know when they were last heard).
 *
 * <p>Not thread-safe: owned by the controller thread. Time is injected (nanoseconds).
 */
final class BrokerHeartbeats {
    private final long sessionTimeoutNanos;
    private final LongSupplier nanoTime;
    private final Map<Integer, Long> lastContact = new HashMap<>();
    private final Set<Integer> shuttingDown = new HashSet<>();
    /** Brokers that contacted this controller since it took over (not just given a session by the takeover). */
    private final Set<Integer> heard = new HashSet<>();

    BrokerHeartbeats(long sessionTimeoutMs, LongSupplier nanoTime) {
        this.sessionTimeoutNanos = sessionTimeoutMs * 1_000_000L;
        this.nanoTime = nanoTime;
    }

    /** This node became the active controller: every known broker gets a full session from now. */
    void takeOver(Collection<Integer> brokers) {
        clear();
        long now = nanoTime.getAsLong();
        for (int b : brokers) lastContact.put(b, now);
    }

    void clear() {
        lastContact.clear();
        shuttingDown.clear();
        heard.clear();
    }

    void touch(int broker) {
        lastContact.put(broker, nanoTime.getAsLong());
        heard.add(broker);
    }

    /**
     * Whether the broker itself contacted this controller within the session timeout. A registration of
     * another incarnation of the id is refused only then: a session granted by a takeover alone does not
     * block a broker that restarted meanwhile (say, a whole cluster restarted).
     */
    boolean heardFromWithinSession(int broker) {
        return heard.contains(broker) && alive(broker);
    }

    /** A new incarnation registered: its session starts now and any earlier shutdown is over. */
    void registered(int broker) {
        shuttingDown.remove(broker);
        touch(broker);
    }

    /** Whether the broker was heard from within the session timeout (unknown brokers get a session now). */
    boolean alive(int broker) {
        long now = nanoTime.getAsLong();
        Long last = lastContact.putIfAbsent(broker, now);
        return last == null || now - last <= sessionTimeoutNanos;
    }

    /** Marks a controlled shutdown; false if it was already marked. */
    boolean startShutdown(int broker) {
        return shuttingDown.add(broker);
    }

    boolean shuttingDown(int broker) {
        return shuttingDown.contains(broker);
    }
}
