package io.runnel.common;

/** A topic name and a partition index. */
public record TopicPartition(String topic, int partition) implements Comparable<TopicPartition> {
    @Override
    public String toString() {
        return topic + "-" + partition;
    }

    @Override
    public int compareTo(TopicPartition o) {
        int c = topic.compareTo(o.topic);
        return c != 0 ? c : Integer.compare(partition, o.partition);
    }
}
