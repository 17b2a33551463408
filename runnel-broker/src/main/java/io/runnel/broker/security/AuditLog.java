package io.runnel.broker.security;

import io.runnel.metadata.AclBinding;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The audit log of authorization decisions ({@code audit.log.enable}): one JSON line per denied decision, and per
 * allowed one with {@code audit.log.allowed.enable}, in {@code <dir>/audit.log}, rotated at {@code max.bytes} to
 * {@code audit.log.1} (the older ones shifted up to {@code audit.log.<maxFiles-1>}, the oldest deleted).
 *
 * <p>Lines are queued by the network threads that decide and written by one thread ({@code runnel-audit-log}), so a
 * slow disk never stalls a request; when the queue (10,000 lines) is full a line is dropped and counted, and the
 * count is written into the log as a line of its own once there is room. Each line: {@code time} (ISO-8601 UTC),
 * {@code principal}, {@code clientAddress}, {@code listener}, {@code api}, {@code operation}, {@code resourceType},
 * {@code resourceName}, {@code result} (ALLOWED or DENIED).
 */
public final class AuditLog implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AuditLog.class);
    static final String FILE = "audit.log";
    private static final String STOP = new String("stop");

    private final Path dir;
    private final boolean logAllowed;
    private final long maxBytes;
    private final int maxFiles;
    private final BlockingQueue<String> queue = new ArrayBlockingQueue<>(10_000);
    private final AtomicLong dropped = new AtomicLong();
    private final Thread writer;
    private OutputStream out;
    private long size;

    public AuditLog(Path dir, boolean logAllowed, long maxBytes, int maxFiles) throws IOException {
        this.dir = dir;
        this.logAllowed = logAllowed;
        this.maxBytes = maxBytes;
        this.maxFiles = maxFiles;
        Files.createDirectories(dir);
        open();
        writer = new Thread(this::run, "runnel-audit-log");
        writer.setDaemon(true);
        writer.start();
    }

    private volatile AuditTopic topic;

    /**
     * Also writes each line to {@code t} ({@code audit.log.topic}). A decision about the audit topic itself goes to
     * the file only: a write to the topic that is denied (a remote leader's check) must not audit itself again.
     */
    public void topic(AuditTopic t) {
        this.topic = t;
    }

    public Path file() {
        return dir.resolve(FILE);
    }

    /** Whether a decision with this result is logged. */
    public boolean wants(boolean allowed) {
        return !allowed || logAllowed;
    }

    public void record(String principal, String clientAddress, String listener, String api, byte operation,
                       byte resourceType, String resourceName, boolean allowed) {
        if (!wants(allowed)) return;
        StringBuilder b = new StringBuilder(200).append('{');
        field(b, "time", Instant.now().toString()).append(',');
        field(b, "principal", principal).append(',');
        field(b, "clientAddress", clientAddress).append(',');
        field(b, "listener", listener).append(',');
        field(b, "api", api).append(',');
        field(b, "operation", AclBinding.operationName(operation)).append(',');
        field(b, "resourceType", AclBinding.resourceTypeName(resourceType)).append(',');
        field(b, "resourceName", resourceName).append(',');
        field(b, "result", allowed ? "ALLOWED" : "DENIED").append('}');
        AuditTopic t = topic;
        if (t != null && !(resourceType == AclBinding.RESOURCE_TOPIC && t.topic().equals(resourceName))) t.offer(principal, b.toString());
        if (!queue.offer(b.append('\n').toString())) dropped.incrementAndGet();
    }

    private static StringBuilder field(StringBuilder b, String name, String value) {
        b.append('"').append(name).append("\":");
        if (value == null) return b.append("null");
        b.append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
                    else b.append(c);
                }
            }
        }
        return b.append('"');
    }

    private void open() throws IOException {
        Path f = file();
        out = Files.newOutputStream(f, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        size = Files.size(f);
    }

    private void rotate() throws IOException {
        out.close();
        Files.deleteIfExists(dir.resolve(FILE + "." + (maxFiles - 1)));
        for (int i = maxFiles - 2; i >= 1; i--) {
            Path from = dir.resolve(FILE + "." + i);
            if (Files.exists(from)) Files.move(from, dir.resolve(FILE + "." + (i + 1)), StandardCopyOption.REPLACE_EXISTING);
        }
        if (maxFiles > 1) Files.move(file(), dir.resolve(FILE + ".1"), StandardCopyOption.REPLACE_EXISTING);
        else Files.delete(file());
        open();
    }

    private void run() {
        try {
            while (true) {
                String line = queue.poll(1, TimeUnit.SECONDS);
                if (line == STOP) break;
                if (line != null) write(line);
                long lost = dropped.getAndSet(0);
                if (lost > 0) write("{\"time\":\"" + Instant.now() + "\",\"dropped\":" + lost + "}\n");
                if (queue.isEmpty()) out.flush();
            }
            String rest;
            while ((rest = queue.poll()) != null) if (rest != STOP) write(rest);
            out.flush();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            log.error("The audit log {} cannot be written; authorization decisions are no longer audited", file(), e);
        } finally {
            try {
                out.close();
            } catch (IOException ignored) {
                // closing after a failure
            }
        }
    }

    private void write(String line) throws IOException {
        byte[] bytes = line.getBytes(StandardCharsets.UTF_8);
        if (size > 0 && size + bytes.length > maxBytes) rotate();
        out.write(bytes);
        size += bytes.length;
    }

    /** Writes what is queued and stops the writer. */
    @Override
    public void close() {
        try {
            queue.put(STOP);
            writer.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
