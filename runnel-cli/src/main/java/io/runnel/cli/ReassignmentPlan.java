package io.runnel.cli;

import io.runnel.common.TopicPartition;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The reassignment JSON of {@code kafka-reassign-partitions.sh}:
 * {@code {"version":1,"partitions":[{"topic":"t","partition":0,"replicas":[1,2],"log_dirs":["any","any"]}]}}.
 * {@code log_dirs} is accepted and ignored (Runnel has one log directory per broker; only "any" is allowed).
 * Parsing is strict: anything else is a {@link IllegalArgumentException} saying what and where.
 */
final class ReassignmentPlan {
    private ReassignmentPlan() {
    }

    /** The target replicas of each partition, in file order. */
    static Map<TopicPartition, List<Integer>> parse(String json) {
        Object root = new Reader(json).document();
        if (!(root instanceof Map<?, ?> top)) throw new IllegalArgumentException("the reassignment JSON must be an object");
        Object version = top.get("version");
        if (version != null && !(version instanceof Long v && v == 1)) {
            throw new IllegalArgumentException("unsupported reassignment JSON version " + version + " (only 1)");
        }
        if (!(top.get("partitions") instanceof List<?> parts)) throw new IllegalArgumentException("missing \"partitions\" array");
        if (parts.isEmpty()) throw new IllegalArgumentException("the partition reassignment list is empty");
        Map<TopicPartition, List<Integer>> out = new LinkedHashMap<>();
        for (Object o : parts) {
            if (!(o instanceof Map<?, ?> p)) throw new IllegalArgumentException("each partition must be an object, got " + o);
            if (!(p.get("topic") instanceof String topic)) throw new IllegalArgumentException("a partition without \"topic\": " + p);
            if (!(p.get("partition") instanceof Long partition)) throw new IllegalArgumentException("a partition without \"partition\": " + p);
            if (!(p.get("replicas") instanceof List<?> rs)) throw new IllegalArgumentException("a partition without \"replicas\": " + p);
            List<Integer> replicas = new ArrayList<>();
            for (Object r : rs) {
                if (!(r instanceof Long id)) throw new IllegalArgumentException("a replica must be a broker id, got " + r);
                replicas.add(id.intValue());
            }
            if (p.get("log_dirs") instanceof List<?> dirs) {
                if (dirs.size() != replicas.size()) throw new IllegalArgumentException("log_dirs and replicas differ in length for " + topic + "-" + partition);
                for (Object d : dirs) {
                    if (!"any".equals(d)) throw new IllegalArgumentException("log_dirs other than \"any\" are not supported: " + d);
                }
            }
            TopicPartition tp = new TopicPartition(topic, partition.intValue());
            if (out.put(tp, replicas) != null) throw new IllegalArgumentException("partition " + tp + " appears more than once");
        }
        return out;
    }

    /** The JSON of {@code assignment}, as kafka-reassign-partitions.sh prints it for a rollback. */
    static String format(Map<TopicPartition, List<Integer>> assignment) {
        return assignment.entrySet().stream().map(e -> "{\"topic\":\"" + escape(e.getKey().topic()) + "\",\"partition\":" + e.getKey().partition()
                        + ",\"replicas\":[" + e.getValue().stream().map(String::valueOf).collect(Collectors.joining(","))
                        + "],\"log_dirs\":[" + e.getValue().stream().map(r -> "\"any\"").collect(Collectors.joining(",")) + "]}")
                .collect(Collectors.joining(",", "{\"version\":1,\"partitions\":[", "]}"));
    }

    private static String escape(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"");
    }

    /** A small JSON reader: objects (LinkedHashMap), arrays (List), strings, integers (Long), true/false/null. */
    private static final class Reader {
        private final String s;
        private int i;

        Reader(String s) {
            this.s = s;
        }

        Object document() {
            Object v = value();
            skip();
            if (i != s.length()) throw error("unexpected text after the JSON value");
            return v;
        }

        private Object value() {
            skip();
            if (i >= s.length()) throw error("unexpected end of input");
            char c = s.charAt(i);
            if (c == '{') return object();
            if (c == '[') return array();
            if (c == '"') return string();
            if (c == '-' || Character.isDigit(c)) return number();
            for (String word : new String[]{"true", "false", "null"}) {
                if (s.startsWith(word, i)) {
                    i += word.length();
                    return word.equals("null") ? null : Boolean.valueOf(word);
                }
            }
            throw error("unexpected character '" + c + "'");
        }

        private Map<String, Object> object() {
            Map<String, Object> m = new LinkedHashMap<>();
            i++;
            skip();
            if (peek() == '}') {
                i++;
                return m;
            }
            while (true) {
                skip();
                if (peek() != '"') throw error("expected a field name");
                String k = string();
                skip();
                expect(':');
                m.put(k, value());
                skip();
                if (peek() == ',') {
                    i++;
                    continue;
                }
                expect('}');
                return m;
            }
        }

        private List<Object> array() {
            List<Object> l = new ArrayList<>();
            i++;
            skip();
            if (peek() == ']') {
                i++;
                return l;
            }
            while (true) {
                l.add(value());
                skip();
                if (peek() == ',') {
                    i++;
                    continue;
                }
                expect(']');
                return l;
            }
        }

        private String string() {
            StringBuilder b = new StringBuilder();
            i++;
            while (i < s.length()) {
                char c = s.charAt(i++);
                if (c == '"') return b.toString();
                if (c == '\\') {
                    if (i >= s.length()) break;
                    char e = s.charAt(i++);
                    switch (e) {
                        case 'n' -> b.append('\n');
                        case 't' -> b.append('\t');
                        case 'r' -> b.append('\r');
                        case 'b' -> b.append('\b');
                        case 'f' -> b.append('\f');
                        case 'u' -> {
                            if (i + 4 > s.length()) throw error("bad \\u escape");
                            b.append((char) Integer.parseInt(s.substring(i, i + 4), 16));
                            i += 4;
                        }
                        default -> b.append(e);
                    }
                } else {
                    b.append(c);
                }
            }
            throw error("unterminated string");
        }

        private Long number() {
            int start = i;
            if (peek() == '-') i++;
            while (i < s.length() && Character.isDigit(s.charAt(i))) i++;
            if (i < s.length() && (s.charAt(i) == '.' || s.charAt(i) == 'e' || s.charAt(i) == 'E')) throw error("only integers are expected");
            try {
                return Long.parseLong(s.substring(start, i));
            } catch (NumberFormatException e) {
                throw error("bad number " + s.substring(start, i));
            }
        }

        private char peek() {
            return i < s.length() ? s.charAt(i) : '\0';
        }

        private void expect(char c) {
            if (peek() != c) throw error("expected '" + c + "'");
            i++;
        }

        private void skip() {
            while (i < s.length() && Character.isWhitespace(s.charAt(i))) i++;
        }

        private IllegalArgumentException error(String what) {
            return new IllegalArgumentException("invalid JSON at character " + i + ": " + what);
        }
    }
}
