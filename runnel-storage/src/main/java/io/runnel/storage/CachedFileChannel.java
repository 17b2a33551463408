package io.runnel.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.function.Supplier;

/**
 * A {@link FileChannel} over a segment or index file that holds an open descriptor only while the
 * {@link FileHandleCache} lets it: the file is opened on first use and may be closed by the cache
 * whenever it is idle; the next use reopens it. Callers (and zero-copy {@code FileRecords} handed to
 * the network layer) keep using this one object across reopenings.
 *
 * <p>Only positional operations are meant to be used ({@code read/write(buf, position)},
 * {@code transferTo}, {@code size}, {@code truncate}, {@code force}); they are idempotent, so an
 * operation that fails because the cache closed the descriptor under it is retried on a reopened one.
 * The relative {@code read/write(buf)} keep their own position and are supported for completeness.
 *
 * <p>{@link #force} only opens the file when something was written since the last force: an fsync on
 * a reopened descriptor flushes the file's dirty pages whichever descriptor wrote them, and a file
 * nobody wrote to costs no descriptor to flush. {@link #size} of a closed handle is read from the file
 * system without opening it.
 *
 * <p>Threads: as {@link FileChannel}; see {@link FileHandleCache} for the lock-free use path.
 */
final class CachedFileChannel extends FileChannel {
    private static final int MAX_ATTEMPTS = 8;

    /** Opens the underlying file, e.g. {@code LogSegment.ChannelFactory::open}. */
    @FunctionalInterface
    interface Opener {
        FileChannel open(Path file) throws IOException;
    }

    @FunctionalInterface
    private interface Op<T> {
        T apply(FileChannel c) throws IOException;
    }

    private final FileHandleCache cache;
    private final Supplier<Path> path;
    private final Opener opener;
    /** The open descriptor, or null; changed only under the cache's monitor. */
    volatile FileChannel current;
    /** Set on use, cleared by the cache's eviction sweep (CLOCK). */
    volatile boolean referenced;
    /** Renames in progress; guarded by the cache's monitor. */
    int pins;
    /** Not evicted before this {@code System.nanoTime()}: its descriptor was lent for a send. */
    volatile long lentUntilNanos = System.nanoTime();
    private volatile boolean dirty;
    private long position;

    /**
     * @param path the file's current path (it changes when the segment's suffix changes)
     */
    CachedFileChannel(FileHandleCache cache, Supplier<Path> path, Opener opener) {
        this.cache = cache;
        this.path = path;
        this.opener = opener;
    }

    FileChannel openUnderlying() throws IOException {
        return opener.open(path.get());
    }

    /** Whether a descriptor is open right now (for tests and reporting). */
    boolean hasOpenDescriptor() {
        FileChannel c = current;
        return c != null && c.isOpen();
    }

    private FileChannel delegate() throws IOException {
        if (!isOpen()) throw new ClosedChannelException();
        FileChannel c = current;
        if (c != null) {
            if (!referenced) referenced = true;
            return c;
        }
        return cache.open(this);
    }

    private <T> T io(Op<T> op) throws IOException {
        for (int attempt = 1; ; attempt++) {
            FileChannel c = delegate();
            try {
                return op.apply(c);
            } catch (ClosedChannelException e) {
                // closed by the cache (or by an interrupt of another thread): reopen, unless it is ours
                if (!isOpen() || e instanceof ClosedByInterruptException || Thread.currentThread().isInterrupted()
                        || attempt >= MAX_ATTEMPTS) {
                    throw e;
                }
                cache.forget(this, c);
            }
        }
    }

    /**
     * For a read result sent zero-copy: the open descriptor itself when the cache can keep it open for
     * the send (see {@link FileHandleCache#lend}), else this channel (the network layer copies from it).
     */
    FileChannel forTransfer() throws IOException {
        if (!isOpen()) throw new ClosedChannelException();
        FileChannel c = cache.lend(this);
        return c != null ? c : this;
    }

    /** Runs {@code r} with the file open and not evictable (used around renames of the file). */
    void runPinned(IoRunnable r) throws IOException {
        cache.pin(this);
        try {
            io(c -> null);
            r.run();
        } finally {
            cache.unpin(this);
        }
    }

    @FunctionalInterface
    interface IoRunnable {
        void run() throws IOException;
    }

    @Override
    public int read(ByteBuffer dst, long pos) throws IOException {
        return io(c -> c.read(dst, pos));
    }

    @Override
    public int write(ByteBuffer src, long pos) throws IOException {
        dirty = true;
        return io(c -> c.write(src, pos));
    }

    @Override
    public synchronized int read(ByteBuffer dst) throws IOException {
        int n = read(dst, position);
        if (n > 0) position += n;
        return n;
    }

    @Override
    public synchronized long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
        long total = 0;
        for (int i = offset; i < offset + length; i++) {
            int n = read(dsts[i]);
            if (n < 0) return total == 0 ? -1 : total;
            total += n;
            if (dsts[i].hasRemaining()) break;
        }
        return total;
    }

    @Override
    public synchronized int write(ByteBuffer src) throws IOException {
        int n = write(src, position);
        position += n;
        return n;
    }

    @Override
    public synchronized long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
        long total = 0;
        for (int i = offset; i < offset + length; i++) total += write(srcs[i]);
        return total;
    }

    @Override
    public synchronized long position() {
        return position;
    }

    @Override
    public synchronized FileChannel position(long newPosition) {
        if (newPosition < 0) throw new IllegalArgumentException("negative position");
        position = newPosition;
        return this;
    }

    @Override
    public long size() throws IOException {
        if (!isOpen()) throw new ClosedChannelException();
        FileChannel c = current;
        if (c != null) {
            try {
                return c.size();
            } catch (ClosedChannelException e) {
                // evicted meanwhile: ask the file system
            }
        }
        try {
            return Files.size(path.get());
        } catch (NoSuchFileException e) {
            return io(FileChannel::size);
        }
    }

    @Override
    public FileChannel truncate(long size) throws IOException {
        dirty = true;
        io(c -> c.truncate(size));
        return this;
    }

    @Override
    public void force(boolean metaData) throws IOException {
        if (!dirty) return;
        dirty = false;
        try {
            io(c -> {
                c.force(metaData);
                return null;
            });
        } catch (IOException | RuntimeException e) {
            dirty = true;
            throw e;
        }
    }

    @Override
    public long transferTo(long pos, long count, WritableByteChannel target) throws IOException {
        return io(c -> c.transferTo(pos, count, target));
    }

    @Override
    public long transferFrom(ReadableByteChannel src, long pos, long count) throws IOException {
        dirty = true;
        return io(c -> c.transferFrom(src, pos, count));
    }

    @Override
    public MappedByteBuffer map(MapMode mode, long pos, long size) throws IOException {
        return io(c -> c.map(mode, pos, size));
    }

    @Override
    public FileLock lock(long pos, long size, boolean shared) {
        throw new UnsupportedOperationException("segment files are not locked");
    }

    @Override
    public FileLock tryLock(long pos, long size, boolean shared) {
        throw new UnsupportedOperationException("segment files are not locked");
    }

    @Override
    protected void implCloseChannel() throws IOException {
        cache.release(this);
    }

    @Override
    public String toString() {
        return "CachedFileChannel(" + path.get() + (hasOpenDescriptor() ? ", open" : "") + ")";
    }
}
