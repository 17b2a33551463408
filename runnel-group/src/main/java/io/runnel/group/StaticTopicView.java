package io.runnel.group;

import io.runnel.common.Uuid;

import java.util.ArrayList;
import java.util.Collection;
import java.util.concurrent.ConcurrentHashMap;

/** A {@link TopicView} that holds a mutable set of topics; for tests and tools. Thread-safe. */
public final class StaticTopicView implements TopicView {
    private final ConcurrentHashMap<String, TopicInfo> byName = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Uuid, TopicInfo> byId = new ConcurrentHashMap<>();

    /** Adds a topic with a random id, or changes the partition count of an existing one; returns it. */
    public synchronized TopicInfo put(String name, int partitions) {
        TopicInfo old = byName.get(name);
        TopicInfo t = new TopicInfo(old == null ? Uuid.random() : old.id(), name, partitions);
        byName.put(name, t);
        byId.put(t.id(), t);
        return t;
    }

    public synchronized void remove(String name) {
        TopicInfo t = byName.remove(name);
        if (t != null) byId.remove(t.id());
    }

    @Override public TopicInfo byName(String name) { return byName.get(name); }
    @Override public TopicInfo byId(Uuid id) { return byId.get(id); }
    @Override public Collection<TopicInfo> all() { return new ArrayList<>(byName.values()); }
}
