package io.runnel.checker;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Finds the anomalies Jepsen names in a Kafka history (sends, polls, transaction commits and aborts):
 *
 * <dl>
 *   <dt>{@code lost-write}</dt><dd>an acknowledged write that committed (or was not transactional) was never read,
 *       although reads of its partition reached past its offset;</dd>
 *   <dt>{@code unseen}</dt><dd>the same, but no read reached its offset (the run ended before consumers caught up,
 *       or the write is invisible);</dd>
 *   <dt>{@code duplicate}</dt><dd>one value at more than one offset (acknowledged or read);</dd>
 *   <dt>{@code inconsistent-offsets}</dt><dd>one offset of a partition holding different values;</dd>
 *   <dt>{@code G1a}</dt><dd>aborted read: a read_committed consumer read a write of an aborted transaction;</dd>
 *   <dt>{@code G1c}</dt><dd>cyclic information flow: committed transactions that each read what the next wrote,
 *       in a cycle (write-read dependencies of read-process-write chains);</dd>
 *   <dt>{@code nonmonotonic-poll}</dt><dd>a consumer read an offset at or below one it had read before in the same
 *       partition, without a reset in between;</dd>
 *   <dt>{@code poll-skip}</dt><dd>between two consecutive reads of a partition, a consumer jumped over offsets that
 *       hold records it should have seen (for read_committed: committed or non-transactional ones).</dd>
 * </dl>
 *
 * Values identify writes (each logical write has its own value); a transaction's outcome is known from its COMMIT or
 * ABORT event, and a transaction with neither is treated as undecided: its writes are neither required nor
 * forbidden. Stateless.
 */
public final class HistoryChecker {
    private HistoryChecker() {
    }

    private enum Outcome { COMMITTED, ABORTED, UNKNOWN }

    private record Pos(String tp, long offset) implements Comparable<Pos> {
        @Override
        public int compareTo(Pos o) {
            int c = tp.compareTo(o.tp);
            return c != 0 ? c : Long.compare(offset, o.offset);
        }

        @Override
        public String toString() {
            return tp + "@" + offset;
        }
    }

    public static CheckResult check(History history) {
        List<Event> events = history.events();
        Map<String, Outcome> txns = new HashMap<>();
        Map<String, Event> commitEvents = new HashMap<>();
        Map<String, Event> sends = new LinkedHashMap<>();            // value -> its (last) send
        Map<String, List<Event>> readsOf = new HashMap<>();          // value -> polls of it
        Map<Pos, List<Event>> at = new TreeMap<>();                  // position -> acks and polls seen there
        Map<String, Long> maxRead = new HashMap<>();                 // partition -> highest offset polled
        long polls = 0;
        for (Event e : events) {
            switch (e.type()) {
                case COMMIT -> {
                    txns.put(e.txn(), Outcome.COMMITTED);
                    commitEvents.put(e.txn(), e);
                }
                case ABORT -> {
                    txns.putIfAbsent(e.txn(), Outcome.ABORTED);
                    commitEvents.putIfAbsent(e.txn(), e);
                }
                case SEND_OK, SEND_FAILED, SEND_UNKNOWN -> {
                    Event prev = sends.get(e.value());
                    if (prev == null || prev.type() != Event.Type.SEND_OK) sends.put(e.value(), e);
                    if (e.type() == Event.Type.SEND_OK) at.computeIfAbsent(new Pos(e.topicPartition(), e.offset()), k -> new ArrayList<>()).add(e);
                }
                case POLL -> {
                    polls++;
                    readsOf.computeIfAbsent(e.value(), k -> new ArrayList<>()).add(e);
                    at.computeIfAbsent(new Pos(e.topicPartition(), e.offset()), k -> new ArrayList<>()).add(e);
                    maxRead.merge(e.topicPartition(), e.offset(), Math::max);
                }
                case RESET -> { }
            }
        }

        List<Anomaly> out = new ArrayList<>();
        inconsistentOffsets(at, out);
        duplicates(at, out);
        lostAndUnseen(sends, txns, readsOf, maxRead, commitEvents, out);
        abortedReads(events, sends, txns, commitEvents, out);
        pollOrder(events, at, sends, txns, out);
        G1cFinder.find(events, sends, v -> outcome(sends.get(v), txns) == Outcome.COMMITTED, t -> txns.get(t) == Outcome.COMMITTED, out);

        Map<String, Long> stats = new TreeMap<>();
        stats.put("sends-acknowledged", events.stream().filter(e -> e.type() == Event.Type.SEND_OK).count());
        stats.put("polls", polls);
        stats.put("commits", txns.values().stream().filter(o -> o == Outcome.COMMITTED).count());
        stats.put("aborts", txns.values().stream().filter(o -> o == Outcome.ABORTED).count());
        return new CheckResult(out, stats);
    }

    /** The outcome of a write: committed when non-transactional, else its transaction's. */
    private static Outcome outcome(Event send, Map<String, Outcome> txns) {
        if (send == null) return Outcome.UNKNOWN;
        if (send.type() == Event.Type.SEND_FAILED) return Outcome.ABORTED;
        if (send.txn() == null) return send.type() == Event.Type.SEND_OK ? Outcome.COMMITTED : Outcome.UNKNOWN;
        return txns.getOrDefault(send.txn(), Outcome.UNKNOWN);
    }

    private static void inconsistentOffsets(Map<Pos, List<Event>> at, List<Anomaly> out) {
        at.forEach((pos, list) -> {
            Set<String> values = new LinkedHashSet<>();
            for (Event e : list) values.add(e.value());
            if (values.size() > 1) {
                out.add(new Anomaly(Anomaly.INCONSISTENT_OFFSETS, pos + " holds " + values.size() + " different values " + values,
                        firstPerValue(list)));
            }
        });
    }

    private static void duplicates(Map<Pos, List<Event>> at, List<Anomaly> out) {
        Map<String, Map<Pos, Event>> positions = new LinkedHashMap<>();
        at.forEach((pos, list) -> {
            for (Event e : list) positions.computeIfAbsent(e.value(), k -> new TreeMap<>()).putIfAbsent(pos, e);
        });
        positions.forEach((value, where) -> {
            if (where.size() > 1) {
                out.add(new Anomaly(Anomaly.DUPLICATE, "value " + value + " is at " + where.size() + " offsets " + where.keySet(),
                        List.copyOf(where.values())));
            }
        });
    }

    private static void lostAndUnseen(Map<String, Event> sends, Map<String, Outcome> txns, Map<String, List<Event>> readsOf,
                                      Map<String, Long> maxRead, Map<String, Event> commitEvents, List<Anomaly> out) {
        for (Event s : sends.values()) {
            if (s.type() != Event.Type.SEND_OK || outcome(s, txns) != Outcome.COMMITTED || readsOf.containsKey(s.value())) continue;
            long reached = maxRead.getOrDefault(s.topicPartition(), -1L);
            List<Event> involved = s.txn() == null ? List.of(s) : List.of(s, commitEvents.get(s.txn()));
            if (reached > s.offset()) {
                out.add(new Anomaly(Anomaly.LOST_WRITE, "value " + s.value() + " acknowledged at " + s.topicPartition() + "@" + s.offset()
                        + (s.txn() == null ? "" : " and committed") + " was never read, though reads reached offset " + reached, involved));
            } else {
                out.add(new Anomaly(Anomaly.UNSEEN, "value " + s.value() + " acknowledged at " + s.topicPartition() + "@" + s.offset()
                        + " was never read (reads reached " + (reached < 0 ? "nothing" : "offset " + reached) + ")", involved));
            }
        }
    }

    private static void abortedReads(List<Event> events, Map<String, Event> sends, Map<String, Outcome> txns,
                                     Map<String, Event> commitEvents, List<Anomaly> out) {
        for (Event e : events) {
            if (e.type() != Event.Type.POLL || !e.readCommitted()) continue;
            Event s = sends.get(e.value());
            if (s != null && outcome(s, txns) == Outcome.ABORTED) {
                List<Event> involved = new ArrayList<>(List.of(s, e));
                if (s.txn() != null && commitEvents.get(s.txn()) != null) involved.add(1, commitEvents.get(s.txn()));
                out.add(new Anomaly(Anomaly.G1A, "a read_committed consumer read " + e.value() + ", written by "
                        + (s.txn() == null ? "a failed send" : "aborted transaction " + s.txn()), involved));
            }
        }
    }

    /** nonmonotonic-poll and poll-skip, per process and partition, between resets. */
    private static void pollOrder(List<Event> events, Map<Pos, List<Event>> at, Map<String, Event> sends, Map<String, Outcome> txns,
                                  List<Anomaly> out) {
        Map<String, Map<String, Event>> last = new HashMap<>();     // process -> partition -> last poll
        for (Event e : events) {
            if (e.type() == Event.Type.RESET) {
                last.remove(e.process());
                continue;
            }
            if (e.type() != Event.Type.POLL) continue;
            Map<String, Event> mine = last.computeIfAbsent(e.process(), k -> new HashMap<>());
            Event prev = mine.put(e.topicPartition(), e);
            if (prev == null) continue;
            if (e.offset() <= prev.offset()) {
                out.add(new Anomaly(Anomaly.NONMONOTONIC_POLL, e.process() + " read " + e.topicPartition() + "@" + e.offset()
                        + " after @" + prev.offset(), List.of(prev, e)));
                continue;
            }
            List<Event> skipped = new ArrayList<>();
            for (Map.Entry<Pos, List<Event>> x : ((TreeMap<Pos, List<Event>>) at)
                    .subMap(new Pos(e.topicPartition(), prev.offset() + 1), new Pos(e.topicPartition(), e.offset())).entrySet()) {
                Event witness = x.getValue().getFirst();
                Outcome o = outcome(sends.get(witness.value()), txns);
                // read_uncommitted sees every record; read_committed only committed ones (aborted records and
                // control markers leave gaps it must skip)
                if (!e.readCommitted() || o == Outcome.COMMITTED) skipped.add(witness);
            }
            if (!skipped.isEmpty()) {
                List<Event> involved = new ArrayList<>();
                involved.add(prev);
                involved.addAll(skipped);
                involved.add(e);
                out.add(new Anomaly(Anomaly.POLL_SKIP, e.process() + " jumped from " + e.topicPartition() + "@" + prev.offset() + " to @"
                        + e.offset() + " over " + skipped.size() + " visible record(s)", involved));
            }
        }
    }

    private static List<Event> firstPerValue(List<Event> list) {
        Map<String, Event> m = new LinkedHashMap<>();
        for (Event e : list) m.putIfAbsent(e.value(), e);
        return List.copyOf(m.values());
    }
}
