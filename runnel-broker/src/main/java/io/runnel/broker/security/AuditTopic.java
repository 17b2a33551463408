package io.runnel.broker.security;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The audit log's topic ({@code audit.log.topic}): each audit line as one record, key the principal, value the JSON
 * line, appended to partition 0 by one thread ({@code runnel-audit-topic}) through a {@link Writer} (the broker's
 * own append when it leads the partition, else a Produce to the leader: {@link AuditTopicAppender}).
 *
 * <p>{@link #offer} never blocks (it is called on network threads): a full queue (10,000 lines) drops the line. A
 * batch that cannot be written (no topic yet, no leader, a failed send) is retried for {@code retryMs}, then
 * dropped. Dropped lines are counted ({@link #failedWrites()}) and logged at most once per minute. Once
 * {@link #close()} is called (the broker is stopping) nothing more is written; what is queued is dropped.
 */
public final class AuditTopic implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AuditTopic.class);
    static final int QUEUE = 10_000;
    private static final int BATCH = 500;
    private static final long LOG_EVERY_MS = 60_000;

    /** One audit line: the record's key and value. */
    public record Line(String principal, String json) {
    }

    /** Writes lines to the topic, or throws why it cannot now. */
    public interface Writer {
        void write(List<Line> lines) throws Exception;
    }

    private final String topic;
    private final Writer writer;
    private final long retryMs;
    private final BlockingQueue<Line> queue = new ArrayBlockingQueue<>(QUEUE);
    private final AtomicLong overflow = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final Thread thread;
    private volatile boolean stopping;
    private long lastLogNanos;
    private long unlogged;
    private boolean loggedOnce;

    public AuditTopic(String topic, Writer writer, long retryMs) {
        this.topic = topic;
        this.writer = writer;
        this.retryMs = retryMs;
        thread = new Thread(this::run, "runnel-audit-topic");
        thread.setDaemon(true);
        thread.start();
    }

    public String topic() {
        return topic;
    }

    /** Queues a line for the topic; never blocks. Ignored once stopping. */
    public void offer(String principal, String json) {
        if (stopping) return;
        if (!queue.offer(new Line(principal, json))) overflow.incrementAndGet();
    }

    /** Lines that were not written to the topic (queue full, or a write that failed past its retries). */
    public long failedWrites() {
        return failed.get() + overflow.get();
    }

    private void run() {
        List<Line> batch = new ArrayList<>();
        while (!stopping) {
            try {
                Line first = queue.poll(200, TimeUnit.MILLISECONDS);
                long lost = overflow.getAndSet(0);
                if (lost > 0) dropped(lost, "the queue of " + QUEUE + " lines was full");
                if (first == null) continue;
                batch.clear();
                batch.add(first);
                queue.drainTo(batch, BATCH - 1);
                writeWithRetries(batch);
            } catch (InterruptedException e) {
                if (!stopping) Thread.currentThread().interrupt();
                break;
            } catch (RuntimeException e) {
                dropped(batch.size(), e.toString());
            }
        }
    }

    private void writeWithRetries(List<Line> batch) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(retryMs);
        long backoffMs = 100;
        while (true) {
            if (stopping) return; // never written while the broker stops
            try {
                writer.write(batch);
                return;
            } catch (InterruptedException e) {
                throw e;
            } catch (Exception e) {
                if (System.nanoTime() - deadline >= 0) {
                    dropped(batch.size(), e.toString());
                    return;
                }
                Thread.sleep(backoffMs);
                backoffMs = Math.min(1000, backoffMs * 2);
            }
        }
    }

    private void dropped(long lines, String why) {
        failed.addAndGet(lines);
        unlogged += lines;
        long now = System.nanoTime();
        if (loggedOnce && now - lastLogNanos < TimeUnit.MILLISECONDS.toNanos(LOG_EVERY_MS)) return;
        loggedOnce = true;
        lastLogNanos = now;
        log.warn("{} audit line(s) not written to the topic {} ({} in all): {}", unlogged, topic, failedWrites(), why);
        unlogged = 0;
    }

    /** Stops writing: lines still queued are dropped, none is written from now on. */
    @Override
    public void close() {
        stopping = true;
        // no interrupt: it would close a log's FileChannel in the middle of a local append; the thread sees the flag
        // within its poll (200 ms), its backoff (at most 1 s) or its write (a Produce times out in 5 s)
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        queue.clear();
        if (writer instanceof AutoCloseable c) {
            try {
                c.close();
            } catch (Exception e) {
                log.debug("Closing the audit topic's writer: {}", e.toString());
            }
        }
    }
}
