package io.runnel.common;

/** A topic name and a partition index. */
public record TopicPartition(String topic, int partition) implements Comparable<TopicPartition> {
    @Override
    public String toString() {
        return topic + "-" + partition;
    }

    /**
     * Not the record's default ({@code 31 * topic.hashCode() + partition}): topics named alike
     * ({@code t-0}, {@code t-1}, ...) have hash codes a few apart, so their partitions collided by the
     * thousand and hash maps of 100,000 partitions degraded to tree bins. Multiplying by an odd constant
     * (the golden ratio's) spreads topics far apart while partitions of one topic stay distinct.
     */
    @Override
    public int hashCode() {
        return topic.hashCode() * 0x9E3779B1 + partition;
    }

    @Override
    public int compareTo(TopicPartition o) {
        int c = topic.compareTo(o.topic);
        return c != 0 ? c : Integer.compare(partition, o.partition);
    }
}
