package io.runnel.checker;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The events of a run, in recording order per process. A history file holds one event per line, tab-separated:
 * {@code type process txn topic partition offset readCommitted value}; in each text field a backslash escapes tab
 * ({@code \t}), newline ({@code \n}), carriage return ({@code \r}) and backslash ({@code \\}), and {@code \N} stands
 * for null. Immutable.
 */
public final class History {
    private final List<Event> events;

    public History(List<Event> events) {
        this.events = List.copyOf(events);
    }

    public List<Event> events() {
        return events;
    }

    public void write(Path file) {
        List<String> lines = new ArrayList<>(events.size());
        for (Event e : events) lines.add(format(e));
        try {
            Files.write(file, lines, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The events of one or more history files (for example one per process), concatenated in the order given. A torn
     * last line (a process killed while writing) is skipped; any other malformed line fails with its file and line.
     */
    public static History read(Path... files) {
        List<Event> events = new ArrayList<>();
        for (Path f : files) {
            List<String> lines;
            try {
                lines = Files.readAllLines(f, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            for (int i = 0; i < lines.size(); i++) {
                if (lines.get(i).isEmpty()) continue;
                try {
                    events.add(parse(lines.get(i)));
                } catch (IllegalArgumentException e) {
                    if (i == lines.size() - 1) continue;
                    throw new IllegalArgumentException(f + ":" + (i + 1) + ": " + e.getMessage(), e);
                }
            }
        }
        return new History(events);
    }

    static String format(Event e) {
        return String.join("\t", e.type().name(), escape(e.process()), escape(e.txn()), escape(e.topic()),
                Integer.toString(e.partition()), Long.toString(e.offset()), e.readCommitted() ? "1" : "0", escape(e.value()));
    }

    static Event parse(String line) {
        String[] f = line.split("\t", -1);
        if (f.length != 8) throw new IllegalArgumentException("expected 8 tab-separated fields, got " + f.length);
        try {
            return new Event(Event.Type.valueOf(f[0]), unescape(f[1]), unescape(f[2]), unescape(f[3]), Integer.parseInt(f[4]),
                    Long.parseLong(f[5]), unescape(f[7]), f[6].equals("1"));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("bad number in: " + line, e);
        }
    }

    static String escape(String s) {
        if (s == null) return "\\N";
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '\\' -> b.append("\\\\");
                case '\t' -> b.append("\\t");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                default -> b.append(c);
            }
        }
        return b.toString();
    }

    static String unescape(String s) {
        if (s.equals("\\N")) return null;
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != '\\') {
                b.append(c);
                continue;
            }
            if (++i == s.length()) throw new IllegalArgumentException("dangling escape in " + s);
            char n = s.charAt(i);
            b.append(switch (n) {
                case '\\' -> '\\';
                case 't' -> '\t';
                case 'n' -> '\n';
                case 'r' -> '\r';
                default -> throw new IllegalArgumentException("unknown escape \\" + n);
            });
        }
        return b.toString();
    }
}
