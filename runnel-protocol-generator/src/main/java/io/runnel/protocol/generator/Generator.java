package io.runnel.protocol.generator;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Entry point: {@code Generator <schema dir> <output dir>}. Reads every {@code *.api} file below the
 * schema dir (other files, e.g. drafts named {@code *.api.wip}, are ignored) and writes the message
 * classes and ApiKeys. Fails with file:line on any schema error.
 */
public final class Generator {
    private Generator() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            System.err.println("usage: Generator <schema dir> <output dir>");
            System.exit(2);
        }
        try {
            int n = generate(Path.of(args[0]), Path.of(args[1]));
            System.out.println("runnel-protocol-generator: " + n + " classes from " + args[0]);
        } catch (IllegalArgumentException e) {
            System.err.println("schema error: " + e.getMessage());
            throw e;
        }
    }

    /** Generates all classes; returns how many were written. */
    public static int generate(Path schemaDir, Path outDir) throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.walk(schemaDir)) {
            files = s.filter(p -> p.getFileName().toString().endsWith(".api")).sorted().toList();
        }
        List<Schema.Api> apis = new ArrayList<>();
        Map<String, String> classes = new HashMap<>();   // class name -> source
        Map<Integer, String> keys = new HashMap<>();
        Map<String, String> sources = new java.util.TreeMap<>();
        for (Path p : files) {
            String name = schemaDir.relativize(p).toString();
            Schema.File f = SchemaParser.parse(name, Files.readAllLines(p, StandardCharsets.UTF_8));
            List<Schema.TopLevel> tops = new ArrayList<>(f.messages);
            for (Schema.Api a : f.apis) {
                String prev = keys.put(a.key, a.name + " (" + name + ")");
                if (prev != null) throw new IllegalArgumentException(name + ": api key " + a.key + " already used by " + prev);
                apis.add(a);
                tops.add(a.request);
                tops.add(a.response);
            }
            for (Schema.TopLevel t : tops) {
                String prev = classes.put(t.className, name);
                if (prev != null) throw new IllegalArgumentException(name + ": class " + t.className + " also generated from " + prev);
                sources.put(t.className, new MessageEmitter(t).emit(name));
            }
        }
        apis.sort(Comparator.comparingInt(a -> a.key));
        Path msgDir = outDir.resolve(MessageEmitter.PACKAGE.replace('.', '/'));
        Path keysFile = outDir.resolve("io/runnel/protocol/ApiKeys.java");
        Files.createDirectories(msgDir);
        Files.createDirectories(keysFile.getParent());
        // remove classes whose schema is gone
        try (Stream<Path> s = Files.list(msgDir)) {
            for (Path old : s.toList()) {
                String cls = old.getFileName().toString().replace(".java", "");
                if (!sources.containsKey(cls)) Files.delete(old);
            }
        }
        for (Map.Entry<String, String> e : sources.entrySet()) {
            writeIfChanged(msgDir.resolve(e.getKey() + ".java"), e.getValue());
        }
        writeIfChanged(keysFile, ApiKeysEmitter.emit(apis));
        return sources.size() + 1;
    }

    private static void writeIfChanged(Path p, String content) throws IOException {
        if (Files.exists(p) && Files.readString(p).equals(content)) return;
        Files.writeString(p, content);
    }
}
