package io.runnel.storage;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.util.Iterator;
import java.util.LinkedHashSet;

/**
 * Bounds the file descriptors the logs hold: every segment file and index is a {@link CachedFileChannel}
 * that opens its file on first use through this cache, and the cache closes the least recently used
 * open ones when more than {@code maxOpen} would be open. A closed handle reopens on its next use, so
 * a partition that is not read or written holds no descriptor, and partition count costs disk entries,
 * not descriptors.
 *
 * <p>Eviction is the CLOCK approximation of LRU: a use only sets the handle's {@code referenced} flag
 * (a volatile write, no lock), and the eviction sweep gives referenced handles a second chance.
 * Handles pinned by {@link CachedFileChannel#runPinned} (a rename in progress) are never evicted.
 *
 * <p>Zero-copy reads: the network layer sends a read result's descriptor itself (sendfile), so it must
 * stay open until sent. {@link #lend} hands out a descriptor, which is then not evicted for
 * {@value #LEND_MS} ms, only while fewer than half of the bound are lent; so eviction always finds a
 * victim in the other half. Beyond that, reads get the {@link CachedFileChannel} itself, which the
 * network layer copies from (it reopens as needed): a fetch touching more files than the bound still
 * works, in part without zero-copy.
 *
 * <p>Threads: opening and evicting hold this cache's monitor; uses of an open handle take no lock. A
 * handle closed by eviction while another thread uses it makes that use fail with a
 * {@code ClosedChannelException}, which {@link CachedFileChannel} answers by reopening and retrying
 * (positional reads and writes are idempotent).
 */
public final class FileHandleCache {
    /** For tests and tools that do not bound descriptors. */
    static final FileHandleCache UNBOUNDED = new FileHandleCache(Integer.MAX_VALUE);

    /** How long a descriptor handed out for a zero-copy send stays open at least. */
    static final long LEND_MS = 10_000;

    private final int maxOpen;
    private final LinkedHashSet<CachedFileChannel> open = new LinkedHashSet<>();
    /** Handles whose descriptor is lent, oldest lending first. */
    private final java.util.LinkedHashMap<CachedFileChannel, Long> lent = new java.util.LinkedHashMap<>();
    private long opens;
    private long evictions;

    public FileHandleCache(int maxOpen) {
        if (maxOpen < 1) throw new IllegalArgumentException("maxOpen must be at least 1, not " + maxOpen);
        this.maxOpen = maxOpen;
    }

    public int maxOpen() {
        return maxOpen;
    }

    /** Files open right now (never above {@link #maxOpen()} except while every open one is pinned). */
    public synchronized int openFiles() {
        return open.size();
    }

    /** Files opened since creation (first opens and reopens). */
    public synchronized long opens() {
        return opens;
    }

    /** Descriptors lent for zero-copy sends right now (expired ones included until the next lending). */
    synchronized int lentFiles() {
        return lent.size();
    }

    /** Files closed to stay under the bound since creation. */
    public synchronized long evictions() {
        return evictions;
    }

    /** Opens {@code h}'s file, closing least recently used files first when the bound is reached. */
    synchronized FileChannel open(CachedFileChannel h) throws IOException {
        FileChannel c = h.current;
        if (c != null && c.isOpen()) return c;
        if (c != null) forget(h, c);
        while (open.size() >= maxOpen && evictOne()) {
            // evictOne closed one; when every open file is pinned, go over the bound rather than fail
        }
        c = h.openUnderlying();
        h.current = c;
        h.referenced = true;
        open.add(h);
        opens++;
        return c;
    }

    /**
     * The open descriptor of {@code h} for a zero-copy send, kept open for at least {@link #LEND_MS};
     * null when half of the bound or more is open (the caller then reads through {@code h}).
     */
    synchronized FileChannel lend(CachedFileChannel h) throws IOException {
        long now = System.nanoTime();
        for (var it = lent.entrySet().iterator(); it.hasNext(); ) {
            var e = it.next();
            if (e.getValue() - now > 0 && e.getKey().isOpen()) break;
            it.remove();
        }
        if (lent.remove(h) == null && lent.size() >= maxOpen / 2) return null;
        FileChannel c = open(h);
        long until = now + java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(LEND_MS);
        h.lentUntilNanos = until;
        lent.put(h, until);
        return c;
    }

    /** CLOCK sweep: closes the first unreferenced, unpinned handle; false when every one is pinned. */
    private boolean evictOne() {
        long now = System.nanoTime();
        int budget = open.size() * 2 + 1;
        Iterator<CachedFileChannel> it = open.iterator();
        while (budget-- > 0) {
            if (!it.hasNext()) it = open.iterator();
            if (!it.hasNext()) return false;
            CachedFileChannel h = it.next();
            if (h.pins > 0 || h.lentUntilNanos - now > 0) continue;
            if (h.referenced) {
                h.referenced = false;
                continue;
            }
            it.remove();
            FileChannel c = h.current;
            h.current = null;
            if (c != null) closeQuietly(c);
            evictions++;
            return true;
        }
        return false;
    }

    /** Drops {@code h}'s channel {@code c} when it is still the current one (it was found closed). */
    synchronized void forget(CachedFileChannel h, FileChannel c) {
        if (h.current == c) {
            h.current = null;
            open.remove(h);
            closeQuietly(c);
        }
    }

    /** Closes {@code h}'s file for good ({@code h} is being closed). */
    synchronized void release(CachedFileChannel h) throws IOException {
        FileChannel c = h.current;
        h.current = null;
        open.remove(h);
        lent.remove(h);
        if (c != null) c.close();
    }

    synchronized void pin(CachedFileChannel h) {
        h.pins++;
    }

    synchronized void unpin(CachedFileChannel h) {
        h.pins--;
    }

    private static void closeQuietly(FileChannel c) {
        try {
            c.close();
        } catch (IOException ignored) {
            // a close failure leaves nothing to undo: the handle reopens on its next use
        }
    }
}
