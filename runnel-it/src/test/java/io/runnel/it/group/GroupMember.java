package io.runnel.it.group;

import io.runnel.it.Clients;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.FutureTask;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * One group member: a {@link KafkaConsumer} subscribed to topics, polled without pause by its own thread
 * (a consumer is single-threaded, so everything else the test wants of it runs on that thread through
 * {@link #call}). Its rebalance callbacks are recorded in an {@link Ownership} log shared by the members of
 * a group, which flags any moment where a partition would have two owners. With {@code commitOnRevoke},
 * the member commits what it processed synchronously in {@code onPartitionsRevoked}, the usual way to hand
 * partitions over without loss or duplicates.
 */
public final class GroupMember implements AutoCloseable {
    public enum Kind { ASSIGNED, REVOKED, LOST }

    /** One rebalance callback: which member, what, which partitions, and the generation (member epoch) then. */
    public record Event(long seq, long nanos, String member, Kind kind, Set<TopicPartition> partitions, int generation) {
    }

    /** What arrives from poll: the member that received it and the record. */
    public interface RecordSink {
        void accept(GroupMember member, ConsumerRecord<byte[], byte[]> record);
    }

    /**
     * The callbacks of all members of a group in one order. A partition is owned from the
     * {@code onPartitionsAssigned} that names it until the {@code onPartitionsRevoked} (or lost) that names it;
     * a partition assigned while another member still owns it is a violation.
     */
    public static final class Ownership {
        private final Map<TopicPartition, String> owner = new HashMap<>();
        private final List<String> violations = new ArrayList<>();
        private final List<Event> events = new ArrayList<>();
        private long seq;

        synchronized void record(String member, Kind kind, Collection<TopicPartition> tps, int generation) {
            Set<TopicPartition> set = sorted(tps);
            events.add(new Event(seq++, System.nanoTime(), member, kind, set, generation));
            for (TopicPartition tp : set) {
                String current = owner.get(tp);
                switch (kind) {
                    case ASSIGNED -> {
                        if (current != null && !current.equals(member)) {
                            violations.add(tp + " assigned to " + member + " (generation " + generation + ") while " + current + " still owns it");
                        }
                        owner.put(tp, member);
                    }
                    case REVOKED -> {
                        // revoking a partition nobody owns is no conflict: the KIP-848 client, closed between
                        // taking an assignment and running onPartitionsAssigned, revokes what it never announced
                        if (current != null && !current.equals(member)) {
                            violations.add(tp + " revoked from " + member + " but owned by " + current);
                        }
                        if (member.equals(current)) owner.remove(tp);
                    }
                    case LOST -> {
                        if (member.equals(current)) owner.remove(tp);
                    }
                }
            }
        }

        public synchronized List<String> violations() {
            return List.copyOf(violations);
        }

        public synchronized List<Event> events() {
            return List.copyOf(events);
        }

        public synchronized List<Event> eventsOf(String member) {
            return events.stream().filter(e -> e.member().equals(member)).toList();
        }

        @Override
        public synchronized String toString() {
            StringBuilder sb = new StringBuilder();
            for (Event e : events) sb.append("\n  ").append(e.member()).append(' ').append(e.kind()).append(" gen ").append(e.generation()).append(' ').append(e.partitions());
            return sb.toString();
        }
    }

    private final String name;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Ownership ownership;
    private final RecordSink sink;
    private final boolean commitOnRevoke;
    private final Thread thread;
    private final LinkedBlockingQueue<FutureTask<?>> commands = new LinkedBlockingQueue<>();
    /** next offset to commit per partition: one past the last record handed to the sink */
    private final Map<TopicPartition, Long> processed = new HashMap<>();
    private final List<Throwable> errors = new CopyOnWriteArrayList<>();
    private final AtomicInteger polls = new AtomicInteger();
    private volatile boolean running = true;
    private volatile Set<TopicPartition> assignment = Set.of();
    private volatile int generation = -1;
    private volatile String memberId = "";

    private GroupMember(String name, String bootstrap, Map<String, Object> props, Collection<String> topics, Ownership ownership,
                        RecordSink sink, boolean commitOnRevoke) {
        this.name = name;
        Map<String, Object> p = new HashMap<>(props);
        p.putIfAbsent("client.id", name);
        this.consumer = Clients.consumer(bootstrap, p);
        this.ownership = ownership;
        this.sink = sink;
        this.commitOnRevoke = commitOnRevoke;
        this.thread = new Thread(() -> run(List.copyOf(topics)), "member-" + name);
        this.thread.setDaemon(true);
    }

    /**
     * Starts a member. {@code props} are consumer properties (group.id and the rest, see
     * {@link GroupTests#consumerProps}); {@code sink} may be null.
     */
    public static GroupMember start(String name, String bootstrap, Map<String, Object> props, Collection<String> topics,
                                    Ownership ownership, RecordSink sink, boolean commitOnRevoke) {
        GroupMember m = new GroupMember(name, bootstrap, props, topics, ownership, sink, commitOnRevoke);
        m.thread.start();
        return m;
    }

    public static GroupMember start(String name, String bootstrap, Map<String, Object> props, Collection<String> topics, Ownership ownership) {
        return start(name, bootstrap, props, topics, ownership, null, false);
    }

    private void run(List<String> topics) {
        try {
            consumer.subscribe(topics, new Listener());
            while (running) {
                runCommands();
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                    processed.put(new TopicPartition(r.topic(), r.partition()), r.offset() + 1);
                    if (sink != null) sink.accept(this, r);
                }
                snapshot();
                polls.incrementAndGet();
            }
        } catch (WakeupException e) {
            // closing
        } catch (Throwable t) {
            errors.add(t);
        } finally {
            runCommands();
            try {
                consumer.close(Duration.ofSeconds(15));
            } catch (Throwable t) {
                errors.add(t);
            }
            assignment = Set.of();
        }
    }

    private void snapshot() {
        assignment = Set.copyOf(consumer.assignment());
        var md = consumer.groupMetadata();
        generation = md.generationId();
        memberId = md.memberId();
    }

    private void runCommands() {
        FutureTask<?> t;
        while ((t = commands.poll()) != null) t.run();
    }

    private final class Listener implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            if (commitOnRevoke) {
                Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
                for (TopicPartition tp : partitions) {
                    Long next = processed.get(tp);
                    if (next != null) offsets.put(tp, new OffsetAndMetadata(next));
                }
                if (!offsets.isEmpty()) {
                    try {
                        consumer.commitSync(offsets, Duration.ofSeconds(15));
                    } catch (Throwable t) {
                        errors.add(new AssertionError(name + ": commitSync in onPartitionsRevoked(" + partitions + ") failed", t));
                    }
                }
            }
            partitions.forEach(processed::remove);
            ownership.record(name, Kind.REVOKED, partitions, consumer.groupMetadata().generationId());
            assignment = Set.copyOf(consumer.assignment());
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            ownership.record(name, Kind.ASSIGNED, partitions, consumer.groupMetadata().generationId());
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            partitions.forEach(processed::remove);
            ownership.record(name, Kind.LOST, partitions, consumer.groupMetadata().generationId());
        }
    }

    /** Runs {@code f} on the member's thread (between two polls) and returns its result. */
    public <T> T call(Function<KafkaConsumer<byte[], byte[]>, T> f) {
        FutureTask<T> task = new FutureTask<>(() -> f.apply(consumer));
        commands.add(task);
        try {
            return task.get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError(name + ": call on the member thread failed", e);
        }
    }

    public String name() {
        return name;
    }

    /** The partitions the consumer held after its last poll. */
    public Set<TopicPartition> assignment() {
        return assignment;
    }

    /** The generation (classic) or member epoch (consumer protocol) after the last poll; -1 before joining. */
    public int generation() {
        return generation;
    }

    public String memberId() {
        return memberId;
    }

    public int polls() {
        return polls.get();
    }

    public boolean isRunning() {
        return thread.isAlive();
    }

    /** Exceptions from poll, close or a commit in onPartitionsRevoked. */
    public List<Throwable> errors() {
        return List.copyOf(errors);
    }

    /** Closes the consumer (on its thread: revocation callbacks, LeaveGroup for dynamic members) and waits. */
    @Override
    public void close() {
        running = false;
        try {
            thread.join(TimeUnit.SECONDS.toMillis(40));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) {
            consumer.wakeup();
            throw new AssertionError(name + " did not close within 40 s");
        }
    }

    private static Set<TopicPartition> sorted(Collection<TopicPartition> tps) {
        Set<TopicPartition> s = new TreeSet<>((a, b) -> a.topic().equals(b.topic()) ? Integer.compare(a.partition(), b.partition()) : a.topic().compareTo(b.topic()));
        s.addAll(tps);
        return s;
    }

    @Override
    public String toString() {
        return name + "{gen " + generation + ", " + sorted(assignment) + "}";
    }
}
