package io.runnel.broker.partition;

import io.runnel.common.Errors;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The controller of the replication simulation, for one partition: Kafka's rules as the real {@code PartitionControl}
 * applies them. AlterPartition is checked against the leader and the leader and partition epochs it was based on, and
 * may only add unfenced replicas; a broker without a heartbeat for the session timeout is fenced: it leaves the ISR
 * (unless it is the last member) and, if it led, a new leader is chosen from the rest of the ISR (none: no leader, no
 * unclean election). An unfenced ISR member is elected when the partition has no leader. A broker that registers
 * again (a restart) is fenced first, then unfenced at its next heartbeat. Every change bumps the partition epoch, a
 * leader change also the leader epoch; {@link #version()} counts changes so brokers apply the newest state.
 */
final class SimController {
    private final List<Integer> replicas;
    private final long sessionTimeoutMs;
    private int leader;
    private int leaderEpoch;
    private int partitionEpoch;
    private List<Integer> isr;
    private long version = 1;
    private final Map<Integer, Long> lastHeartbeat = new HashMap<>();
    private final Map<Integer, Boolean> fenced = new HashMap<>();
    private final Map<Integer, Long> incarnation = new HashMap<>();

    SimController(List<Integer> replicas, long sessionTimeoutMs, long nowMs) {
        this.replicas = List.copyOf(replicas);
        this.sessionTimeoutMs = sessionTimeoutMs;
        this.leader = replicas.get(0);
        this.isr = new ArrayList<>(replicas);
        for (int r : replicas) {
            lastHeartbeat.put(r, nowMs);
            fenced.put(r, false);
            incarnation.put(r, 1L); // every broker is in its first life
        }
    }

    Partition.ReplicaState state() {
        return new Partition.ReplicaState(leader, leaderEpoch, partitionEpoch, replicas, List.copyOf(isr));
    }

    long version() {
        return version;
    }

    boolean isFenced(int broker) {
        return fenced.get(broker);
    }

    /** A heartbeat from {@code broker} in its {@code inc}-th life. */
    void heartbeat(int broker, long inc, long nowMs) {
        if (inc < incarnation.get(broker)) return; // from a life that has ended
        lastHeartbeat.put(broker, nowMs);
        if (inc != incarnation.get(broker)) {
            // a restarted broker registers again: its old registration is fenced; it is unfenced once it heartbeats
            if (!fenced.get(broker)) fence(broker);
            incarnation.put(broker, inc);
        } else if (fenced.get(broker)) {
            unfence(broker);
        }
    }

    /** Fences every broker whose session expired. */
    void checkSessions(long nowMs) {
        for (int r : replicas) {
            if (!fenced.get(r) && nowMs - lastHeartbeat.get(r) > sessionTimeoutMs) fence(r);
        }
    }

    private void fence(int broker) {
        fenced.put(broker, true);
        boolean changed = false;
        if (isr.contains(broker) && isr.size() > 1) {
            isr.remove(Integer.valueOf(broker));
            changed = true;
        }
        if (leader == broker) {
            leader = isr.stream().filter(r -> r != broker && !fenced.get(r)).findFirst().orElse(-1);
            leaderEpoch++;
            changed = true;
        }
        if (changed) bump();
    }

    private void unfence(int broker) {
        fenced.put(broker, false);
        if (leader < 0 && isr.contains(broker)) {
            leader = broker;
            leaderEpoch++;
            bump();
        }
    }

    private void bump() {
        partitionEpoch++;
        version++;
    }

    /** AlterPartition from {@code broker}: the error, and the new state when it is NONE. */
    ReplicaManager.IsrResult alterPartition(int broker, int reqLeaderEpoch, int reqPartitionEpoch, List<Integer> newIsr) {
        if (fenced.get(broker)) return new ReplicaManager.IsrResult(Errors.STALE_BROKER_EPOCH, null);
        if (reqLeaderEpoch != leaderEpoch) return new ReplicaManager.IsrResult(Errors.FENCED_LEADER_EPOCH, null);
        if (broker != leader) return new ReplicaManager.IsrResult(Errors.INVALID_REQUEST, null);
        if (reqPartitionEpoch != partitionEpoch) return new ReplicaManager.IsrResult(Errors.INVALID_UPDATE_VERSION, null);
        if (!newIsr.contains(leader) || !replicas.containsAll(newIsr)) return new ReplicaManager.IsrResult(Errors.INVALID_REQUEST, null);
        for (int r : newIsr) {
            if (!isr.contains(r) && fenced.get(r)) return new ReplicaManager.IsrResult(Errors.INELIGIBLE_REPLICA, null);
        }
        isr = new ArrayList<>(newIsr);
        bump();
        return new ReplicaManager.IsrResult(Errors.NONE, state());
    }
}
