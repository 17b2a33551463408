package io.runnel.broker;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Enforces the layering of the code base (docs/broker.md, "Layering"): which module may use which
 * module's packages, and inside runnel-broker which package may use which. Reads the main sources of
 * every module and checks each reference to an {@code io.runnel} type, imported or fully qualified.
 * A violation fails the build with the file, line and rule.
 */
class LayeringTest {
    /** The packages each module owns (the longest matching prefix decides). */
    static final Map<String, List<String>> OWNED = Map.ofEntries(
            Map.entry("runnel-common", List.of("io.runnel.common", "io.runnel.config", "io.runnel.record")),
            Map.entry("runnel-protocol-generator", List.of("io.runnel.protocol.generator")),
            Map.entry("runnel-protocol", List.of("io.runnel.protocol")),
            Map.entry("runnel-storage", List.of("io.runnel.storage")),
            Map.entry("runnel-metadata", List.of("io.runnel.metadata")),
            Map.entry("runnel-group", List.of("io.runnel.group")),
            Map.entry("runnel-txn", List.of("io.runnel.txn")),
            Map.entry("runnel-broker", List.of("io.runnel.broker")),
            Map.entry("runnel-cli", List.of("io.runnel.cli")),
            Map.entry("runnel-bench", List.of("io.runnel.bench")),
            Map.entry("runnel-jmh", List.of("io.runnel.jmh")));

    /** The modules whose packages each module's main code may use, besides its own. */
    static final Map<String, Set<String>> MAY_USE = Map.ofEntries(
            Map.entry("runnel-common", Set.of()),
            Map.entry("runnel-protocol-generator", Set.of()),
            Map.entry("runnel-protocol", Set.of("runnel-common")),
            Map.entry("runnel-storage", Set.of("runnel-common")),
            Map.entry("runnel-metadata", Set.of("runnel-common", "runnel-protocol")),
            Map.entry("runnel-group", Set.of("runnel-common", "runnel-protocol")),
            Map.entry("runnel-txn", Set.of("runnel-common", "runnel-protocol")),
            Map.entry("runnel-broker", Set.of("runnel-common", "runnel-protocol", "runnel-storage", "runnel-metadata", "runnel-group",
                    "runnel-txn")),
            Map.entry("runnel-cli", Set.of("runnel-common", "runnel-protocol")), // an ordinary client: never the broker
            Map.entry("runnel-bench", Set.of()),
            Map.entry("runnel-jmh", Set.of("runnel-common", "runnel-protocol", "runnel-storage")));

    /** Inside runnel-broker: package prefix → package prefixes its code must not use. */
    static final Map<String, List<String>> BROKER_FORBIDDEN = Map.of(
            // the network layer calls the handler API; handlers never see the network layer
            "io.runnel.broker.handler", List.of("io.runnel.broker.network"),
            // the network layer knows only the handler API, not the state behind it
            "io.runnel.broker.network", List.of("io.runnel.broker.partition", "io.runnel.broker.group"),
            // hosted partitions are used by handlers and the broker, never the other way round
            "io.runnel.broker.partition", List.of("io.runnel.broker.handler", "io.runnel.broker.network",
                    "io.runnel.broker.group", "io.runnel.broker.BrokerServer", "io.runnel.broker.BrokerContext",
                    "io.runnel.broker.Main"),
            "io.runnel.broker.group", List.of("io.runnel.broker.network"),
            "io.runnel.broker.txn", List.of("io.runnel.broker.network"),
            // the inter-broker client speaks the protocol, nothing else of the broker
            "io.runnel.broker.interbroker", List.of("io.runnel.broker.network", "io.runnel.broker.partition",
                    "io.runnel.broker.handler", "io.runnel.broker.group", "io.runnel.broker.txn"));

    private static final Pattern STRING = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"");
    private static final Pattern PACKAGE = Pattern.compile("^package\\s+([a-z][\\w.]*);");
    /** A reference to an io.runnel type: lower-case package segments, then a capitalised name. */
    private static final Pattern REFERENCE = Pattern.compile("\\b(io\\.runnel(?:\\.[a-z]\\w*)+)\\.([A-Z]\\w*)");

    @Test
    void theCodeBaseFollowsTheLayering() {
        Path root = Path.of("").toAbsolutePath().getParent();
        assertThat(root.resolve("pom.xml")).as("the repository root").exists();
        assertThat(root.resolve("runnel-broker/src/main/java")).isDirectory();
        assertThat(violations(root)).isEmpty();
    }

    @Test
    void aHandlerUsingTheNetworkLayerOrStorageUsingTheBrokerIsAViolation(@TempDir Path root) throws IOException {
        write(root, "runnel-broker", "io/runnel/broker/handler/BadHandler.java", """
                package io.runnel.broker.handler;

                import io.runnel.broker.network.NettyServer;
                """);
        write(root, "runnel-storage", "io/runnel/storage/BadLog.java", """
                package io.runnel.storage;

                class BadLog {
                    io.runnel.broker.partition.Partition partition; // fully qualified counts too
                }
                """);
        write(root, "runnel-storage", "io/runnel/storage/GoodLog.java", """
                package io.runnel.storage;

                import io.runnel.record.MemoryRecords;
                // io.runnel.broker.BrokerServer is named in a comment only
                class GoodLog {
                    String template = "import io.runnel.broker.BrokerServer;"; // and in a string
                }
                """);
        assertThat(violations(root)).hasSize(2)
                .anySatisfy(v -> assertThat(v).contains("BadHandler.java:3").contains("io.runnel.broker.network"))
                .anySatisfy(v -> assertThat(v).contains("BadLog.java:4").contains("runnel-broker"));
    }

    private static void write(Path root, String module, String file, String text) throws IOException {
        Path p = root.resolve(module).resolve("src/main/java").resolve(file);
        Files.createDirectories(p.getParent());
        Files.writeString(p, text);
    }

    /** Every rule broken under {@code root}, as "file:line: rule" lines. */
    static List<String> violations(Path root) {
        List<String> out = new ArrayList<>();
        for (String module : OWNED.keySet()) {
            Path src = root.resolve(module).resolve("src/main/java");
            if (!Files.isDirectory(src)) continue;
            try (Stream<Path> files = Files.walk(src)) {
                files.filter(f -> f.toString().endsWith(".java")).sorted().forEach(f -> check(root, module, f, out));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return out;
    }

    private static void check(Path root, String module, Path file, List<String> out) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String pkg = "";
        boolean inComment = false;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            String code = line;
            // skip comments: block comments and Javadoc, then line comments
            if (inComment) {
                int end = code.indexOf("*/");
                if (end < 0) continue;
                code = code.substring(end + 2);
                inComment = false;
            }
            int start = code.indexOf("/*");
            if (start >= 0) {
                int end = code.indexOf("*/", start + 2);
                if (end < 0) inComment = true;
                code = end < 0 ? code.substring(0, start) : code.substring(0, start) + code.substring(end + 2);
            }
            code = STRING.matcher(code).replaceAll("\"\""); // generated-code templates are text, not references
            int lineComment = code.indexOf("//");
            if (lineComment >= 0) code = code.substring(0, lineComment);
            Matcher pm = PACKAGE.matcher(code.trim());
            if (pm.find()) pkg = pm.group(1);
            if (code.trim().startsWith("package ")) continue;
            Matcher m = REFERENCE.matcher(code);
            while (m.find()) {
                String used = m.group(1);
                String type = used + "." + m.group(2);
                String where = root.relativize(file) + ":" + (i + 1) + ": ";
                String owner = owner(used);
                if (owner != null && !owner.equals(module) && !MAY_USE.get(module).contains(owner)) {
                    out.add(where + module + " must not use " + owner + " (" + type + ")");
                }
                for (Map.Entry<String, List<String>> rule : BROKER_FORBIDDEN.entrySet()) {
                    if (!within(pkg, rule.getKey())) continue;
                    for (String forbidden : rule.getValue()) {
                        if (within(type, forbidden)) out.add(where + rule.getKey() + " must not use " + forbidden + " (" + type + ")");
                    }
                }
            }
        }
    }

    private static boolean within(String name, String prefix) {
        return name.equals(prefix) || name.startsWith(prefix + ".");
    }

    private static String owner(String pkg) {
        String best = null;
        int bestLength = -1;
        for (Map.Entry<String, List<String>> e : OWNED.entrySet()) {
            for (String prefix : e.getValue()) {
                if (within(pkg, prefix) && prefix.length() > bestLength) {
                    best = e.getKey();
                    bestLength = prefix.length();
                }
            }
        }
        return best;
    }
}
