package io.runnel.common;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class TopicPartitionTest {
    /** 20 topics named alike with 5,000 partitions each: every partition gets its own hash code. */
    @Test
    void partitionsOfTopicsNamedAlikeDoNotCollide() {
        Set<Integer> hashes = new HashSet<>();
        for (int t = 0; t < 20; t++) {
            for (int p = 0; p < 5_000; p++) hashes.add(new TopicPartition("scale-" + t, p).hashCode());
        }
        assertThat(hashes).hasSize(100_000);
    }

    @Test
    void equalPartitionsHaveEqualHashCodes() {
        TopicPartition a = new TopicPartition("orders", 3);
        TopicPartition b = new TopicPartition(new String("orders"), 3);
        assertThat(a).isEqualTo(b).hasSameHashCodeAs(b);
        assertThat(a).isNotEqualTo(new TopicPartition("orders", 4));
    }
}
