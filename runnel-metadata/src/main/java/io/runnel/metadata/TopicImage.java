package io.runnel.metadata;

import io.runnel.common.Uuid;

import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;

/** One topic in the metadata image: name, id and its partitions by index. Immutable. */
public record TopicImage(String name, Uuid id, SortedMap<Integer, PartitionState> partitions) {
    public TopicImage {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(id, "id");
        partitions = Collections.unmodifiableSortedMap(new TreeMap<>(partitions));
    }

    public TopicImage(String name, Uuid id, Map<Integer, PartitionState> partitions) {
        this(name, id, new TreeMap<>(partitions));
    }

    public int partitionCount() {
        return partitions.size();
    }

    /** The partition, or null. */
    public PartitionState partition(int index) {
        return partitions.get(index);
    }
}
