package io.runnel.group.assignor;

import io.runnel.common.Uuid;
import io.runnel.group.assignor.PartitionAssignor.MemberSpec;
import io.runnel.group.assignor.PartitionAssignor.Spec;
import io.runnel.group.records.PartitionSet;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

class AssignorTest {
    private static final Uuid A = new Uuid(0, 1), B = new Uuid(0, 2), C = new Uuid(0, 3);

    private static Spec spec(Map<String, Set<Uuid>> subs, Map<Uuid, Integer> counts, Map<String, PartitionSet> current) {
        TreeMap<String, MemberSpec> members = new TreeMap<>();
        subs.forEach((m, s) -> members.put(m, new MemberSpec(m, null, null, s, current.getOrDefault(m, PartitionSet.EMPTY))));
        return new Spec(members, new TreeMap<>(counts));
    }

    /** Every partition of every subscribed topic goes to exactly one member that subscribes to it. */
    private static void assertComplete(Spec spec, Map<String, PartitionSet> result) {
        Map<String, String> owner = new HashMap<>();
        result.forEach((m, ps) -> ps.forEach((t, p) -> {
            assertThat(spec.members().get(m).subscribedTopics()).contains(t);
            assertThat(p).isBetween(0, spec.partitionCounts().get(t) - 1);
            assertThat(owner.put(t + "/" + p, m)).isNull();
        }));
        Set<Uuid> subscribed = new HashSet<>();
        spec.members().values().forEach(m -> subscribed.addAll(m.subscribedTopics()));
        int expected = subscribed.stream().filter(spec.partitionCounts()::containsKey).mapToInt(spec.partitionCounts()::get).sum();
        assertThat(owner).hasSize(expected);
    }

    @Test
    void uniformSpreadsEvenlyAndSticks() {
        UniformAssignor u = new UniformAssignor();
        Spec one = spec(Map.of("m1", Set.of(A)), Map.of(A, 6), Map.of());
        Map<String, PartitionSet> r1 = u.assign(one);
        assertThat(r1.get("m1").size()).isEqualTo(6);

        Spec two = spec(Map.of("m1", Set.of(A), "m2", Set.of(A)), Map.of(A, 6), r1);
        Map<String, PartitionSet> r2 = u.assign(two);
        assertComplete(two, r2);
        assertThat(r2.get("m1").size()).isEqualTo(3);
        assertThat(r2.get("m1").subsetOf(r1.get("m1"))).as("m1 only gives up partitions").isTrue();

        Spec three = spec(Map.of("m1", Set.of(A), "m2", Set.of(A), "m3", Set.of(A)), Map.of(A, 6), r2);
        Map<String, PartitionSet> r3 = u.assign(three);
        assertThat(r3.values()).allSatisfy(ps -> assertThat(ps.size()).isEqualTo(2));
        assertThat(r3.get("m1").subsetOf(r2.get("m1"))).isTrue();
        assertThat(r3.get("m2").subsetOf(r2.get("m2"))).isTrue();
    }

    @Test
    void uniformHandlesDifferentSubscriptions() {
        Spec s = spec(Map.of("m1", Set.of(A), "m2", Set.of(A, B), "m3", Set.of(B, C)), Map.of(A, 3, B, 3, C, 3), Map.of());
        Map<String, PartitionSet> r = new UniformAssignor().assign(s);
        assertComplete(s, r);
        assertThat(r.values()).allSatisfy(ps -> assertThat(ps.size()).isEqualTo(3));
    }

    @Test
    void rangeGivesContiguousRangesAndCoPartitions() {
        Spec s = spec(Map.of("m1", Set.of(A, B), "m2", Set.of(A, B), "m3", Set.of(A)), Map.of(A, 7, B, 4), Map.of());
        Map<String, PartitionSet> r = new RangeAssignor().assign(s);
        assertComplete(s, r);
        assertThat(r.get("m1").partitions(A)).containsExactly(0, 1, 2);
        assertThat(r.get("m2").partitions(A)).containsExactly(3, 4);
        assertThat(r.get("m3").partitions(A)).containsExactly(5, 6);
        assertThat(r.get("m1").partitions(B)).containsExactly(0, 1);
        assertThat(r.get("m2").partitions(B)).containsExactly(2, 3);
        assertThat(r.get("m3").partitions(B)).isEmpty();
    }

    @Test
    void rangeOrdersStaticMembersByInstanceId() {
        TreeMap<String, MemberSpec> members = new TreeMap<>();
        members.put("aaa", new MemberSpec("aaa", "z", null, Set.of(A), PartitionSet.EMPTY));
        members.put("bbb", new MemberSpec("bbb", "y", null, Set.of(A), PartitionSet.EMPTY));
        Map<String, PartitionSet> r = new RangeAssignor().assign(new Spec(members, new TreeMap<>(Map.of(A, 2))));
        assertThat(r.get("bbb").partitions(A)).containsExactly(0);
    }

    @Property(tries = 300)
    void uniformIsCompleteBalancedAndDeterministic(@ForAll @IntRange(min = 1, max = 8) int members,
                                                   @ForAll @IntRange(min = 1, max = 4) int topics,
                                                   @ForAll @IntRange(min = 0, max = 30) int partitions,
                                                   @ForAll boolean sameSubscriptions, @ForAll long seed) {
        Random rnd = new Random(seed);
        List<Uuid> ids = List.of(A, B, C, new Uuid(0, 4)).subList(0, topics);
        Map<Uuid, Integer> counts = new HashMap<>();
        for (Uuid t : ids) counts.put(t, sameSubscriptions ? partitions : rnd.nextInt(partitions + 1));
        Map<String, Set<Uuid>> subs = new HashMap<>();
        for (int i = 0; i < members; i++) {
            Set<Uuid> s = new HashSet<>();
            for (Uuid t : ids) if (sameSubscriptions || rnd.nextBoolean()) s.add(t);
            subs.put("m" + i, s);
        }
        // a random previous assignment (possibly stale) to stick to
        Map<String, PartitionSet> current = new HashMap<>();
        for (String m : subs.keySet()) {
            PartitionSet.Builder b = PartitionSet.builder();
            for (Uuid t : ids) for (int p = 0; p < partitions + 2; p++) if (rnd.nextInt(4) == 0) b.add(t, p);
            current.put(m, b.build());
        }
        Spec s = spec(subs, counts, current);
        Map<String, PartitionSet> r = new UniformAssignor().assign(s);
        assertComplete(s, r);
        assertThat(new UniformAssignor().assign(s)).isEqualTo(r);
        if (sameSubscriptions) {
            int max = r.values().stream().mapToInt(PartitionSet::size).max().orElse(0);
            int min = r.values().stream().mapToInt(PartitionSet::size).min().orElse(0);
            assertThat(max - min).isLessThanOrEqualTo(1);
        }
        Map<String, PartitionSet> ranged = new RangeAssignor().assign(s);
        assertComplete(s, ranged);
    }
}
