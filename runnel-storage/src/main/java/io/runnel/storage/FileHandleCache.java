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
 * <p>Evicted descriptors are retired rather than closed at once: up to a quarter of the bound (at least
 * one) stay open, oldest closed first, so a read result handed to the network layer (which sends the
 * descriptor itself with sendfile) stays valid while that many further files are evicted. The bound
 * counts retired descriptors too.
 *
 * <p>Threads: opening and evicting hold this cache's monitor; uses of an open handle take no lock. A
 * handle closed by eviction while another thread uses it makes that use fail with a
 * {@code ClosedChannelException}, which {@link CachedFileChannel} answers by reopening and retrying
 * (positional reads and writes are idempotent).
 */
public final class FileHandleCache {
    /** For tests and tools that do not bound descriptors. */
    static final FileHandleCache UNBOUNDED = new FileHandleCache(Integer.MAX_VALUE);

    private final int maxOpen;
    private final int maxRetired;
    private final LinkedHashSet<CachedFileChannel> open = new LinkedHashSet<>();
    private final java.util.ArrayDeque<FileChannel> retired = new java.util.ArrayDeque<>();
    private long opens;
    private long evictions;

    public FileHandleCache(int maxOpen) {
        if (maxOpen < 1) throw new IllegalArgumentException("maxOpen must be at least 1, not " + maxOpen);
        this.maxOpen = maxOpen;
        this.maxRetired = maxOpen == Integer.MAX_VALUE ? 0 : Math.max(1, maxOpen / 4);
    }

    public int maxOpen() {
        return maxOpen;
    }

    /** Files open right now (never above {@link #maxOpen()} except while every open one is pinned). */
    public synchronized int openFiles() {
        return open.size() + retired.size();
    }

    /** Files opened since creation (first opens and reopens). */
    public synchronized long opens() {
        return opens;
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
        while (open.size() + retired.size() >= maxOpen) {
            if (retired.size() >= maxRetired || !evictOne()) {
                if (retired.isEmpty()) break; // every open file is pinned: go over the bound rather than fail
                closeQuietly(retired.pollFirst());
            }
        }
        c = h.openUnderlying();
        h.current = c;
        h.referenced = true;
        open.add(h);
        opens++;
        return c;
    }

    /** CLOCK sweep: closes the first unreferenced, unpinned handle; false when every one is pinned. */
    private boolean evictOne() {
        int budget = open.size() * 2 + 1;
        Iterator<CachedFileChannel> it = open.iterator();
        while (budget-- > 0) {
            if (!it.hasNext()) it = open.iterator();
            if (!it.hasNext()) return false;
            CachedFileChannel h = it.next();
            if (h.pins > 0) continue;
            if (h.referenced) {
                h.referenced = false;
                continue;
            }
            it.remove();
            FileChannel c = h.current;
            h.current = null;
            if (c != null) retired.addLast(c);
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
        if (c != null) c.close();
    }

    synchronized void pin(CachedFileChannel h) {
        h.pins++;
    }

    synchronized void unpin(CachedFileChannel h) {
        h.pins--;
    }

    /** Closes the retired descriptors (the log manager is closing). */
    synchronized void closeRetired() {
        while (!retired.isEmpty()) closeQuietly(retired.pollFirst());
    }

    private static void closeQuietly(FileChannel c) {
        try {
            c.close();
        } catch (IOException ignored) {
            // a close failure leaves nothing to undo: the handle reopens on its next use
        }
    }
}
