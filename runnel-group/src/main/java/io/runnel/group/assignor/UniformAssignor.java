package io.runnel.group.assignor;

import io.runnel.common.Uuid;
import io.runnel.group.records.PartitionSet;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The "uniform" assignor: spreads the partitions of all subscribed topics evenly over the members, keeping
 * each partition where it is whenever balance allows (sticky).
 *
 * <ol>
 *   <li>Every member keeps the partitions of its current target that still exist, that it still subscribes
 *       to and that no member before it (by member id) already kept.</li>
 *   <li>Each remaining partition goes to the subscribed member that has the fewest partitions (ties: member
 *       id); partitions of topics with fewer subscribers are placed first.</li>
 *   <li>While some member holds a partition of a topic that another subscriber of that topic could take
 *       with at least two partitions fewer, one such partition moves. Each move lowers the sum of squared
 *       counts, so this ends; when all members subscribe to the same topics, counts then differ by at most one.</li>
 * </ol>
 */
public final class UniformAssignor implements PartitionAssignor {
    public static final String NAME = "uniform";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Map<String, PartitionSet> assign(Spec spec) {
        Map<String, TreeMap<Uuid, TreeSet<Integer>>> owned = new TreeMap<>();
        Map<String, Integer> counts = new HashMap<>();
        Map<Uuid, List<String>> subscribers = new TreeMap<>();
        for (MemberSpec m : spec.members().values()) {
            owned.put(m.memberId(), new TreeMap<>());
            counts.put(m.memberId(), 0);
            for (Uuid t : m.subscribedTopics()) {
                if (spec.partitionCounts().containsKey(t)) subscribers.computeIfAbsent(t, k -> new ArrayList<>()).add(m.memberId());
            }
        }
        Map<Uuid, boolean[]> taken = new HashMap<>();
        subscribers.keySet().forEach(t -> taken.put(t, new boolean[spec.partitionCounts().get(t)]));

        // 1. stickiness
        for (MemberSpec m : spec.members().values()) {
            m.currentTarget().forEach((t, p) -> {
                boolean[] tk = taken.get(t);
                if (tk != null && p < tk.length && !tk[p] && m.subscribedTopics().contains(t)) {
                    tk[p] = true;
                    give(owned, counts, m.memberId(), t, p);
                }
            });
        }

        // 2. place the rest, most constrained topics first
        List<Uuid> topics = new ArrayList<>(subscribers.keySet());
        topics.sort(Comparator.comparingInt((Uuid t) -> subscribers.get(t).size()).thenComparing(t -> t));
        for (Uuid t : topics) {
            boolean[] tk = taken.get(t);
            List<String> subs = subscribers.get(t);
            for (int p = 0; p < tk.length; p++) {
                if (tk[p]) continue;
                String best = null;
                for (String m : subs) {
                    if (best == null || counts.get(m) < counts.get(best)) best = m;
                }
                tk[p] = true;
                give(owned, counts, best, t, p);
            }
        }

        // 3. balance
        boolean moved = true;
        while (moved) {
            moved = false;
            for (Uuid t : topics) {
                List<String> subs = subscribers.get(t);
                while (true) {
                    String max = null, min = null;
                    for (String m : subs) {
                        TreeSet<Integer> ps = owned.get(m).get(t);
                        if (ps != null && !ps.isEmpty() && (max == null || counts.get(m) > counts.get(max))) max = m;
                        if (min == null || counts.get(m) < counts.get(min)) min = m;
                    }
                    if (max == null || counts.get(max) - counts.get(min) < 2) break;
                    TreeSet<Integer> from = owned.get(max).get(t);
                    int p = from.pollLast();
                    if (from.isEmpty()) owned.get(max).remove(t);
                    counts.merge(max, -1, Integer::sum);
                    give(owned, counts, min, t, p);
                    moved = true;
                }
            }
        }

        Map<String, PartitionSet> result = new TreeMap<>();
        owned.forEach((m, ps) -> result.put(m, PartitionSet.of(ps)));
        return result;
    }

    private static void give(Map<String, TreeMap<Uuid, TreeSet<Integer>>> owned, Map<String, Integer> counts,
                             String member, Uuid topic, int partition) {
        owned.get(member).computeIfAbsent(topic, k -> new TreeSet<>()).add(partition);
        counts.merge(member, 1, Integer::sum);
    }
}
