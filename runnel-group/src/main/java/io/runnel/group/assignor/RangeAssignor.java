package io.runnel.group.assignor;

import io.runnel.common.Uuid;
import io.runnel.group.records.PartitionSet;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The "range" assignor: topic by topic, the members that subscribe to the topic, ordered by instance id
 * (static members) or member id, each take a contiguous range of partitions; the first
 * {@code partitions % members} take one extra. Members subscribing to the same topics thus get the same
 * partition numbers of each (co-partitioning, for joins). Not sticky: a membership change may move ranges.
 */
public final class RangeAssignor implements PartitionAssignor {
    public static final String NAME = "range";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Map<String, PartitionSet> assign(Spec spec) {
        Map<String, PartitionSet.Builder> builders = new TreeMap<>();
        spec.members().keySet().forEach(m -> builders.put(m, PartitionSet.builder()));
        for (Map.Entry<Uuid, Integer> e : spec.partitionCounts().entrySet()) {
            Uuid topic = e.getKey();
            int n = e.getValue();
            List<MemberSpec> subs = new ArrayList<>();
            for (MemberSpec m : spec.members().values()) if (m.subscribedTopics().contains(topic)) subs.add(m);
            if (subs.isEmpty()) continue;
            subs.sort(Comparator.comparing((MemberSpec m) -> m.instanceId() == null ? 1 : 0)
                    .thenComparing(m -> m.instanceId() == null ? m.memberId() : m.instanceId()));
            int per = n / subs.size(), extra = n % subs.size(), next = 0;
            for (int i = 0; i < subs.size(); i++) {
                int take = per + (i < extra ? 1 : 0);
                PartitionSet.Builder b = builders.get(subs.get(i).memberId());
                for (int k = 0; k < take; k++) b.add(topic, next++);
            }
        }
        Map<String, PartitionSet> result = new TreeMap<>();
        builders.forEach((m, b) -> result.put(m, b.build()));
        return result;
    }
}
