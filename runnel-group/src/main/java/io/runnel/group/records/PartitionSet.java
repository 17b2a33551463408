package io.runnel.group.records;

import io.runnel.common.Uuid;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.BiConsumer;

/**
 * An immutable set of partitions keyed by topic id, as the consumer protocol (KIP-848) names them. Iteration
 * is ordered (topic id, then partition) so that records and assignments are deterministic.
 */
public final class PartitionSet {
    public static final PartitionSet EMPTY = new PartitionSet(new TreeMap<>());

    private final SortedMap<Uuid, SortedSet<Integer>> map;
    private final int size;

    private PartitionSet(SortedMap<Uuid, SortedSet<Integer>> map) {
        this.map = map;
        int n = 0;
        for (SortedSet<Integer> s : map.values()) n += s.size();
        this.size = n;
    }

    /** A set from topic id to partitions; empty partition lists are dropped. */
    public static PartitionSet of(Map<Uuid, ? extends java.util.Collection<Integer>> partitions) {
        TreeMap<Uuid, SortedSet<Integer>> m = new TreeMap<>();
        partitions.forEach((t, ps) -> {
            if (!ps.isEmpty()) m.put(t, Collections.unmodifiableSortedSet(new TreeSet<>(ps)));
        });
        return m.isEmpty() ? EMPTY : new PartitionSet(m);
    }

    public static Builder builder() {
        return new Builder();
    }

    public boolean isEmpty() {
        return size == 0;
    }

    public int size() {
        return size;
    }

    public boolean contains(Uuid topic, int partition) {
        SortedSet<Integer> s = map.get(topic);
        return s != null && s.contains(partition);
    }

    public Set<Uuid> topics() {
        return Collections.unmodifiableSet(map.keySet());
    }

    public SortedSet<Integer> partitions(Uuid topic) {
        SortedSet<Integer> s = map.get(topic);
        return s == null ? Collections.emptySortedSet() : s;
    }

    public Map<Uuid, SortedSet<Integer>> asMap() {
        return Collections.unmodifiableSortedMap(map);
    }

    public void forEach(BiConsumer<Uuid, Integer> action) {
        map.forEach((t, ps) -> ps.forEach(p -> action.accept(t, p)));
    }

    public PartitionSet union(PartitionSet other) {
        if (other.isEmpty()) return this;
        if (isEmpty()) return other;
        Builder b = toBuilder();
        other.forEach(b::add);
        return b.build();
    }

    public PartitionSet minus(PartitionSet other) {
        if (other.isEmpty() || isEmpty()) return this;
        Builder b = builder();
        forEach((t, p) -> {
            if (!other.contains(t, p)) b.add(t, p);
        });
        return b.build();
    }

    public PartitionSet intersect(PartitionSet other) {
        Builder b = builder();
        forEach((t, p) -> {
            if (other.contains(t, p)) b.add(t, p);
        });
        return b.build();
    }

    /** True when every partition of this set is in {@code other}. */
    public boolean subsetOf(PartitionSet other) {
        for (Map.Entry<Uuid, SortedSet<Integer>> e : map.entrySet()) {
            if (!other.partitions(e.getKey()).containsAll(e.getValue())) return false;
        }
        return true;
    }

    public Builder toBuilder() {
        Builder b = builder();
        forEach(b::add);
        return b;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PartitionSet p && map.equals(p.map);
    }

    @Override
    public int hashCode() {
        return map.hashCode();
    }

    @Override
    public String toString() {
        return map.toString();
    }

    /** Collects partitions into a {@link PartitionSet}. */
    public static final class Builder {
        private final TreeMap<Uuid, TreeSet<Integer>> m = new TreeMap<>();

        public Builder add(Uuid topic, int partition) {
            m.computeIfAbsent(topic, t -> new TreeSet<>()).add(partition);
            return this;
        }

        public Builder addAll(Uuid topic, List<Integer> partitions) {
            if (!partitions.isEmpty()) m.computeIfAbsent(topic, t -> new TreeSet<>()).addAll(partitions);
            return this;
        }

        public Builder remove(Uuid topic, int partition) {
            TreeSet<Integer> s = m.get(topic);
            if (s != null) {
                s.remove(partition);
                if (s.isEmpty()) m.remove(topic);
            }
            return this;
        }

        public PartitionSet build() {
            return of(m);
        }
    }
}
