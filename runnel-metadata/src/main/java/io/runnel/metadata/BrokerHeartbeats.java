package io.runnel.metadata;

import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.OptionalLong;
import java.util.function.LongSupplier;

/**
 * What the active controller knows about brokers' sessions and is not in the metadata log: when each
 * broker was last heard from, and which brokers are in a controlled shutdown. Heartbeats only touch this
 * state; the log changes only when a broker is fenced or unfenced. A new active controller starts with
 * a full session for every registered broker (it cannot know when they were last heard).
 *
 * <p>It also keeps the <b>liveness probe</b> rule ({@link BrokerProber}): a broker not heard from for longer than
 * the heartbeat interval plus {@value #PROBE_MARGIN_MS} ms is due a probe (one at a time per broker, and not again
 * until {@value #PROBE_REPEAT_MS} ms after the last one ended). After a takeover every broker is due a probe at
 * once: probing a live broker costs one connection, and a dead ex-controller's broker (a new controller often
 * follows one whose node died) is found without waiting a whole heartbeat interval. A broker this node failed to
 * reach otherwise (a follower fetch from it) may be probed at once ({@link #startSuspicionProbe}).
 *
 * <p>A heartbeat counts from when it <b>arrived</b> ({@link #received}, on the thread that took it off the wire), not
 * from when the controller thread got to it: a controller thread held up (say, by a proposal that creates thousands
 * of partition logs on this node) must not fence every broker whose heartbeats queued behind it meanwhile.
 *
 * <p>Not thread-safe except {@link #received}: owned by the controller thread. Time is injected (nanoseconds).
 */
final class BrokerHeartbeats {
    static final long PROBE_MARGIN_MS = 500;
    static final long PROBE_REPEAT_MS = 1000;

    private final long sessionTimeoutNanos;
    private final long probeAfterNanos;
    private final LongSupplier nanoTime;
    private final Map<Integer, Long> lastContact = new HashMap<>();
    /** From when a broker's silence counts for the probe rule: its last contact, or before a takeover (see class doc). */
    private final Map<Integer, Long> silentFrom = new HashMap<>();
    /** Start time of the probe in flight per broker. */
    private final Map<Integer, Long> probing = new HashMap<>();
    /** When each broker's last probe ended. */
    private final Map<Integer, Long> probed = new HashMap<>();
    private final Set<Integer> shuttingDown = new HashSet<>();
    /** Brokers that contacted this controller since it took over (not just given a session by the takeover). */
    private final Set<Integer> heard = new HashSet<>();
    /** Heartbeats that arrived and were not yet counted, by broker: {broker epoch, arrival time}. Any thread writes. */
    private final java.util.concurrent.ConcurrentHashMap<Integer, long[]> arrivals = new java.util.concurrent.ConcurrentHashMap<>();

    BrokerHeartbeats(long sessionTimeoutMs, LongSupplier nanoTime) {
        this(sessionTimeoutMs, 2000, nanoTime);
    }

    BrokerHeartbeats(long sessionTimeoutMs, long heartbeatIntervalMs, LongSupplier nanoTime) {
        this.sessionTimeoutNanos = sessionTimeoutMs * 1_000_000L;
        this.probeAfterNanos = (heartbeatIntervalMs + PROBE_MARGIN_MS) * 1_000_000L;
        this.nanoTime = nanoTime;
    }

    /**
     * This node became the active controller: every known broker gets a full session from now, and is due a
     * liveness probe at once (until it is heard from).
     */
    void takeOver(Collection<Integer> brokers) {
        clear();
        long now = nanoTime.getAsLong();
        for (int b : brokers) {
            lastContact.put(b, now);
            silentFrom.put(b, now - probeAfterNanos - 1);
        }
    }

    void clear() {
        arrivals.clear();
        lastContact.clear();
        silentFrom.clear();
        shuttingDown.clear();
        heard.clear();
        probing.clear();
        probed.clear();
    }

    void touch(int broker) {
        long now = nanoTime.getAsLong();
        lastContact.put(broker, now);
        silentFrom.put(broker, now);
        heard.add(broker);
    }

    /** A heartbeat of {@code broker} at {@code brokerEpoch} arrived now. Thread-safe; counted by {@link #countArrival}. */
    void received(int broker, long brokerEpoch) {
        arrivals.put(broker, new long[]{brokerEpoch, nanoTime.getAsLong()});
    }

    /**
     * Counts the last heartbeat that arrived from {@code broker} (see {@link #received}) as contact at its arrival time,
     * if it carried {@code brokerEpoch} (the registered one: a stale incarnation's heartbeat keeps no session alive).
     */
    void countArrival(int broker, long brokerEpoch) {
        long[] a = arrivals.remove(broker);
        if (a == null || a[0] != brokerEpoch) return;
        Long last = lastContact.get(broker);
        if (last != null && a[1] - last <= 0) return;
        lastContact.put(broker, a[1]);
        silentFrom.put(broker, a[1]);
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
        silentFrom.putIfAbsent(broker, now);
        return last == null || now - last <= sessionTimeoutNanos;
    }

    /** Marks a controlled shutdown; false if it was already marked. */
    boolean startShutdown(int broker) {
        return shuttingDown.add(broker);
    }

    boolean shuttingDown(int broker) {
        return shuttingDown.contains(broker);
    }

    /**
     * Whether a liveness probe of the broker is due now: not heard from for longer than the heartbeat interval
     * plus {@value #PROBE_MARGIN_MS} ms (at once after a takeover, see the class doc), no probe in flight, and
     * none ended within the last {@value #PROBE_REPEAT_MS} ms.
     */
    boolean probeDue(int broker) {
        long now = nanoTime.getAsLong();
        Long from = silentFrom.get(broker);
        if (from == null || now - from <= probeAfterNanos || probing.containsKey(broker)) return false;
        Long ended = probed.get(broker);
        return ended == null || now - ended >= PROBE_REPEAT_MS * 1_000_000L;
    }

    /** Starts a probe if {@link #probeDue}; returns its start time, the token for {@link #probeDone}, or empty. */
    OptionalLong startProbe(int broker) {
        if (!probeDue(broker)) return OptionalLong.empty();
        return begin(broker);
    }

    /**
     * Starts a probe on suspicion (another component of this node failed to reach the broker), however recently
     * it was heard from; still one at a time and not within {@value #PROBE_REPEAT_MS} ms of the last one.
     */
    OptionalLong startSuspicionProbe(int broker) {
        long now = nanoTime.getAsLong();
        if (!silentFrom.containsKey(broker) || probing.containsKey(broker)) return OptionalLong.empty();
        Long ended = probed.get(broker);
        if (ended != null && now - ended < PROBE_REPEAT_MS * 1_000_000L) return OptionalLong.empty();
        return begin(broker);
    }

    private OptionalLong begin(int broker) {
        long now = nanoTime.getAsLong();
        probing.put(broker, now);
        return OptionalLong.of(now);
    }

    /**
     * The probe started at {@code token} ended (a probe of an earlier term, forgotten by {@link #clear}, is
     * ignored). Returns whether the broker has been silent throughout it: no contact since it started, so a
     * refusal it saw may fence the broker.
     */
    boolean probeDone(int broker, long token) {
        Long started = probing.get(broker);
        if (started == null || started != token) return false;
        probing.remove(broker);
        probed.put(broker, nanoTime.getAsLong());
        Long last = silentFrom.get(broker); // a contact, not the session a takeover grants
        return last == null || last - token < 0;
    }
}
