package io.runnel.quorum;

import io.runnel.common.NodeLinkFaults;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The traffic seam of a node running as its own process, for tests only: with the system property
 * {@value #PROPERTY} set to a file, the node watches that file (every {@value #POLL_MS} ms) and applies the links it
 * lists to {@link RaftLinkFaults} and {@link NodeLinkFaults}; links that disappear from it heal. Production never sets
 * the property, and then nothing runs. One line per link, {@code #} starts a comment:
 *
 * <pre>
 * cut A B [PATHS]     the link between nodes A and B, both ways; PATHS is a comma-separated subset of
 *                     raft, controller, replica_fetch (default: all three)
 * delay A B MS        every Raft request between A and B waits MS ms (the Raft link only)
 * </pre>
 *
 * A bad line is logged and ignored. The writer replaces the file atomically (a temporary file renamed over it); a
 * missing file is no faults, and a file whose last line has no line end yet is read again at the next poll.
 */
public final class LinkFaultsFile {
    /** The system property naming the file; set only by tests (runnel-it's {@code ClusterHarness} in process mode). */
    public static final String PROPERTY = "runnel.test.link.faults.file";
    static final long POLL_MS = 50;

    private static final Logger log = LoggerFactory.getLogger(LinkFaultsFile.class);

    /** What a file asks for. */
    public record Faults(Set<RaftLinkFaults.Link> raftCut, Map<RaftLinkFaults.Link, Set<NodeLinkFaults.Path>> pathsCut,
                         Map<RaftLinkFaults.Link, Long> raftDelayMs) {
        public static final Faults NONE = new Faults(Set.of(), Map.of(), Map.of());

        /** The links that touch {@code node}: all a node needs of a shared file. */
        public Faults of(int node) {
            Set<RaftLinkFaults.Link> cut = new LinkedHashSet<>();
            for (RaftLinkFaults.Link l : raftCut) if (l.touches(node)) cut.add(l);
            Map<RaftLinkFaults.Link, Set<NodeLinkFaults.Path>> paths = new LinkedHashMap<>();
            pathsCut.forEach((l, p) -> {
                if (l.touches(node)) paths.put(l, p);
            });
            Map<RaftLinkFaults.Link, Long> delays = new LinkedHashMap<>();
            raftDelayMs.forEach((l, ms) -> {
                if (l.touches(node)) delays.put(l, ms);
            });
            return new Faults(Set.copyOf(cut), Map.copyOf(paths), Map.copyOf(delays));
        }

        public boolean isEmpty() {
            return raftCut.isEmpty() && pathsCut.isEmpty() && raftDelayMs.isEmpty();
        }
    }

    private LinkFaultsFile() {
    }

    /** Parses a file's text; each bad line goes to {@code bad} (with its number and why) and is otherwise ignored. */
    public static Faults parse(String text, Consumer<String> bad) {
        Set<RaftLinkFaults.Link> raftCut = new LinkedHashSet<>();
        Map<RaftLinkFaults.Link, Set<NodeLinkFaults.Path>> pathsCut = new LinkedHashMap<>();
        Map<RaftLinkFaults.Link, Long> delays = new LinkedHashMap<>();
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            int hash = line.indexOf('#');
            if (hash >= 0) line = line.substring(0, hash);
            line = line.strip();
            if (line.isEmpty()) continue;
            String[] w = line.split("\\s+");
            try {
                switch (w[0].toLowerCase(Locale.ROOT)) {
                    case "cut" -> {
                        if (w.length != 3 && w.length != 4) throw new IllegalArgumentException("expected 'cut A B [PATHS]'");
                        RaftLinkFaults.Link link = link(w[1], w[2]);
                        boolean raft = w.length == 3;
                        Set<NodeLinkFaults.Path> paths = EnumSet.noneOf(NodeLinkFaults.Path.class);
                        if (w.length == 3) {
                            paths.addAll(EnumSet.allOf(NodeLinkFaults.Path.class));
                        } else {
                            for (String p : w[3].split(",")) {
                                String name = p.strip().toUpperCase(Locale.ROOT);
                                if (name.equals("RAFT")) raft = true;
                                else paths.add(path(name));
                            }
                        }
                        if (raft) raftCut.add(link);
                        if (!paths.isEmpty()) pathsCut.computeIfAbsent(link, l -> EnumSet.noneOf(NodeLinkFaults.Path.class)).addAll(paths);
                    }
                    case "delay" -> {
                        if (w.length != 4) throw new IllegalArgumentException("expected 'delay A B MS'");
                        RaftLinkFaults.Link link = link(w[1], w[2]);
                        long ms = Long.parseLong(w[3]);
                        if (ms < 0 || ms > 600_000) throw new IllegalArgumentException("the delay must be 0..600000 ms, got " + ms);
                        delays.put(link, ms);
                    }
                    default -> throw new IllegalArgumentException("unknown action '" + w[0] + "' (cut or delay)");
                }
            } catch (IllegalArgumentException e) { // NumberFormatException too
                bad.accept("line " + (i + 1) + " '" + lines[i].strip() + "': " + e.getMessage());
            }
        }
        Map<RaftLinkFaults.Link, Set<NodeLinkFaults.Path>> paths = new LinkedHashMap<>();
        pathsCut.forEach((l, p) -> paths.put(l, Set.copyOf(p)));
        return new Faults(Set.copyOf(raftCut), Map.copyOf(paths), Map.copyOf(delays));
    }

    private static RaftLinkFaults.Link link(String a, String b) {
        int x = Integer.parseInt(a);
        int y = Integer.parseInt(b);
        if (x < 0 || y < 0) throw new IllegalArgumentException("node ids are not negative");
        return new RaftLinkFaults.Link(x, y);
    }

    private static NodeLinkFaults.Path path(String name) {
        try {
            return NodeLinkFaults.Path.valueOf(name);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown path '" + name.toLowerCase(Locale.ROOT)
                    + "' (raft, controller, replica_fetch)");
        }
    }

    /** Applies {@code faults} to this JVM's seams, replacing whatever was there. */
    public static void apply(Faults faults) {
        RaftLinkFaults.set(faults.raftCut(), faults.raftDelayMs());
        if (faults.pathsCut().isEmpty()) {
            NodeLinkFaults.set(null);
        } else {
            Map<RaftLinkFaults.Link, Set<NodeLinkFaults.Path>> cut = faults.pathsCut();
            NodeLinkFaults.set((path, from, to) -> {
                Set<NodeLinkFaults.Path> p = cut.get(new RaftLinkFaults.Link(from, to));
                return p != null && p.contains(path);
            });
        }
    }

    /** Starts the watcher if {@value #PROPERTY} is set (tests only); null otherwise. */
    public static Watcher startIfConfigured(int self) {
        String file = System.getProperty(PROPERTY);
        if (file == null || file.isBlank()) return null;
        log.warn("Test-only traffic seam on: node {} applies the links listed in {} ({})", self, file, PROPERTY);
        Watcher w = new Watcher(Path.of(file), self);
        w.start();
        return w;
    }

    /** The daemon thread that polls the file and applies what it lists for one node. */
    public static final class Watcher extends Thread {
        private final Path file;
        private final int self;
        private String applied;
        private volatile boolean running = true;

        Watcher(Path file, int self) {
            super("runnel-link-faults-" + self);
            this.file = file;
            this.self = self;
            setDaemon(true);
        }

        @Override
        public void run() {
            while (running) {
                try {
                    pollOnce();
                } catch (RuntimeException e) {
                    log.warn("Link faults file {}: {}", file, e.toString());
                }
                try {
                    Thread.sleep(POLL_MS);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }

        /** Reads the file and applies it if it changed; false if it is not complete yet. */
        boolean pollOnce() {
            String text;
            try {
                text = Files.readString(file, StandardCharsets.UTF_8);
            } catch (NoSuchFileException e) {
                text = "";
            } catch (IOException e) {
                log.warn("Cannot read the link faults file {}: {}", file, e.toString());
                return false;
            }
            if (!text.isEmpty() && !text.endsWith("\n")) return false; // being written: read it again
            if (text.equals(applied)) return true;
            List<String> bad = new ArrayList<>();
            Faults all = parse(text, bad::add);
            for (String b : bad) log.warn("Link faults file {}: ignoring {}", file, b);
            Faults mine = all.of(self);
            apply(mine);
            applied = text;
            // the file's first line, when a comment, is echoed: a test can wait for its own version to be applied
            String first = text.lines().findFirst().orElse("").strip();
            String header = first.startsWith("#") ? " [" + first.substring(1).strip() + "]" : "";
            log.info("Link faults of node {} now: {}{}", self, mine.isEmpty() ? "none" : describe(mine), header);
            return true;
        }

        /** Stops polling; the faults in force stay (a test heals by rewriting the file). */
        public void shutdown() {
            running = false;
            interrupt();
        }
    }

    private static String describe(Faults f) {
        List<String> parts = new ArrayList<>();
        for (RaftLinkFaults.Link l : f.raftCut()) parts.add("raft " + l.a() + "-" + l.b() + " cut");
        f.pathsCut().forEach((l, p) -> parts.add(p.toString().toLowerCase(Locale.ROOT) + " " + l.a() + "-" + l.b() + " cut"));
        f.raftDelayMs().forEach((l, ms) -> parts.add("raft " + l.a() + "-" + l.b() + " delayed " + ms + " ms"));
        return String.join(", ", parts);
    }
}
