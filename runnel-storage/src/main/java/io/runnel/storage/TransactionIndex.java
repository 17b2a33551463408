package io.runnel.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * The aborted-transaction index of one segment, {@code <base>.txnindex}: one entry per transaction whose
 * abort marker is in the segment, in marker order. Read by read_committed fetches (which aborted
 * transactions overlap the returned records) and by the cleaner.
 *
 * <p>On disk (Kafka's layout), 34-byte entries, big-endian: version int16 (0), producerId int64,
 * firstOffset int64, lastOffset int64 (the marker's offset), lastStableOffset int64 (the LSO right after the
 * abort). The file exists only once an entry was appended (most segments never have one) and no
 * descriptor is kept open: appends open, write and close it (aborts are rare).
 *
 * <p>Threads: mutations run under the owning log's lock; {@link #entries()} is lock-free (an immutable
 * list published through a volatile, loaded from the file on first use).
 */
final class TransactionIndex {
    static final String SUFFIX = ".txnindex";
    static final int ENTRY_SIZE = 34;
    private static final short VERSION = 0;

    private final Supplier<Path> path;
    private volatile List<AbortedTxn> entries; // null until loaded
    private boolean dirty;

    /** @param path the file's current name (it changes with the segment's suffix) */
    TransactionIndex(Supplier<Path> path) {
        this.path = path;
    }

    /** The entries, oldest first (loaded from the file on first use; a partial trailing entry is ignored). */
    List<AbortedTxn> entries() throws IOException {
        List<AbortedTxn> e = entries;
        return e != null ? e : load();
    }

    private synchronized List<AbortedTxn> load() throws IOException {
        if (entries != null) return entries;
        List<AbortedTxn> out = new ArrayList<>();
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(path.get());
        } catch (NoSuchFileException e) {
            bytes = new byte[0];
        }
        ByteBuffer buf = ByteBuffer.wrap(bytes);
        while (buf.remaining() >= ENTRY_SIZE) {
            short version = buf.getShort();
            if (version != VERSION) throw new IOException("unknown transaction index entry version " + version + " in " + path.get());
            out.add(new AbortedTxn(buf.getLong(), buf.getLong(), buf.getLong(), buf.getLong()));
        }
        entries = List.copyOf(out);
        return entries;
    }

    /** The marker offset of the last entry, or -1. */
    long lastMarkerOffset() throws IOException {
        List<AbortedTxn> e = entries();
        return e.isEmpty() ? -1 : e.get(e.size() - 1).lastOffset();
    }

    /** Appends an entry; its marker must be after every indexed one. */
    void append(AbortedTxn txn) throws IOException {
        List<AbortedTxn> cur = entries();
        if (!cur.isEmpty() && txn.lastOffset() <= cur.get(cur.size() - 1).lastOffset()) {
            throw new IllegalArgumentException("aborted transaction " + txn + " is not after the last indexed one in " + path.get());
        }
        ByteBuffer buf = ByteBuffer.allocate(ENTRY_SIZE).putShort(VERSION).putLong(txn.producerId())
                .putLong(txn.firstOffset()).putLong(txn.lastOffset()).putLong(txn.lastStableOffset()).flip();
        try (FileChannel ch = FileChannel.open(path.get(), StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            ch.write(buf, (long) cur.size() * ENTRY_SIZE);
        }
        List<AbortedTxn> next = new ArrayList<>(cur);
        next.add(txn);
        entries = List.copyOf(next);
        dirty = true;
    }

    /** Removes the entries whose marker is at or above {@code offset}. */
    void truncateTo(long offset) throws IOException {
        List<AbortedTxn> cur = entries();
        int keep = 0;
        while (keep < cur.size() && cur.get(keep).lastOffset() < offset) keep++;
        if (keep == cur.size()) return;
        rewrite(cur.subList(0, keep));
    }

    /** Removes every entry and the file. */
    void reset() throws IOException {
        Files.deleteIfExists(path.get());
        entries = List.of();
        dirty = false;
    }

    /** Replaces the file's content with {@code keep}. */
    private void rewrite(List<AbortedTxn> keep) throws IOException {
        List<AbortedTxn> copy = List.copyOf(keep);
        if (copy.isEmpty()) {
            reset();
            return;
        }
        try (FileChannel ch = FileChannel.open(path.get(), StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            ch.truncate((long) copy.size() * ENTRY_SIZE);
        }
        entries = copy;
        dirty = true;
    }

    /** Forces appended entries to disk. */
    void flush() throws IOException {
        if (!dirty) return;
        try (FileChannel ch = FileChannel.open(path.get(), StandardOpenOption.WRITE)) {
            ch.force(true);
        } catch (NoSuchFileException e) {
            // reset meanwhile
        }
        dirty = false;
    }

    /** Renames the file (if it exists) from {@code from} to {@code to}; the caller then switches the supplier's name. */
    static void rename(Path from, Path to) throws IOException {
        if (Files.exists(from)) Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        else Files.deleteIfExists(to);
    }

    void deleteIfExists() throws IOException {
        Files.deleteIfExists(path.get());
    }

    /**
     * Adds to {@code out} the entries overlapping [{@code fetchOffset}, {@code upperBound}): marker at or after
     * the fetch offset and first offset before the upper bound.
     *
     * @return true when no later segment can hold more overlapping entries (an entry's LSO reached the bound)
     */
    boolean collect(long fetchOffset, long upperBound, List<AbortedTxn> out) throws IOException {
        for (AbortedTxn t : entries()) {
            if (t.lastOffset() >= fetchOffset && t.firstOffset() < upperBound) out.add(t);
            if (t.lastStableOffset() >= upperBound) return true;
        }
        return false;
    }
}
