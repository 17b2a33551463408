package io.runnel.checker;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Cyclic information flow (G1c) among committed transactions: an edge T1 → T2 when T2 read (a poll recorded with
 * T2 as its transaction) a value T1 wrote. A cycle means each transaction observed another's effects and vice versa,
 * which serializable transactions exclude. Only write-read edges are used: Kafka transactions interleave their
 * writes within a partition by design, so write-write order would report normal runs. One anomaly per cycle found
 * (each transaction is in at most one reported cycle).
 */
final class G1cFinder {
    private G1cFinder() {
    }

    private record Edge(String to, Event write, Event read) {
    }

    static void find(List<Event> events, Map<String, Event> sends, Predicate<String> committedValue, Predicate<String> committedTxn,
                     List<Anomaly> out) {
        Map<String, List<Edge>> graph = new LinkedHashMap<>();
        for (Event e : events) {
            if (e.type() != Event.Type.POLL || e.txn() == null || !committedTxn.test(e.txn())) continue;
            Event w = sends.get(e.value());
            if (w == null || w.txn() == null || w.txn().equals(e.txn()) || !committedValue.test(e.value())) continue;
            graph.computeIfAbsent(w.txn(), k -> new ArrayList<>()).add(new Edge(e.txn(), w, e));
        }
        Map<String, Integer> color = new HashMap<>();   // absent white, 1 on the stack, 2 done
        for (String start : graph.keySet()) {
            if (!color.containsKey(start)) dfs(start, graph, color, new ArrayList<>(), out);
        }
    }

    private static void dfs(String node, Map<String, List<Edge>> graph, Map<String, Integer> color, List<Edge> path, List<Anomaly> out) {
        color.put(node, 1);
        for (Edge edge : graph.getOrDefault(node, List.of())) {
            Integer c = color.get(edge.to);
            if (c == null) {
                path.add(edge);
                dfs(edge.to, graph, color, path, out);
                path.removeLast();
            } else if (c == 1) {
                // the cycle: from where edge.to entered the path, to this edge
                List<Edge> cycle = new ArrayList<>();
                int i = path.size() - 1;
                cycle.addFirst(edge);
                while (i >= 0 && !path.get(i).write.txn().equals(edge.to)) cycle.addFirst(path.get(i--));
                if (i >= 0) cycle.addFirst(path.get(i));
                report(cycle, out);
            }
        }
        color.put(node, 2);
    }

    private static void report(List<Edge> cycle, List<Anomaly> out) {
        StringBuilder b = new StringBuilder("committed transactions read each other's writes in a cycle: ");
        List<Event> involved = new ArrayList<>();
        for (Edge e : cycle) {
            b.append(e.write.txn()).append(" -(").append(e.write.value()).append(")-> ");
            involved.add(e.write);
            involved.add(e.read);
        }
        b.append(cycle.getFirst().write.txn());
        out.add(new Anomaly(Anomaly.G1C, b.toString(), involved));
    }
}
