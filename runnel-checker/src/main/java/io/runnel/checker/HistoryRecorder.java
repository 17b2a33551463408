package io.runnel.checker;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Records the events of a run, from any number of threads. Events of one process must be recorded by that process in
 * the order they happened (a poll after the poll before it); the order between processes does not matter.
 *
 * <p>{@link #toFile} also appends every event to a history file as it is recorded (flushed per event), so that a
 * process that is killed leaves what it recorded, and several processes can each write one file for
 * {@link History#read}. Thread-safe.
 */
public final class HistoryRecorder implements AutoCloseable {
    private final List<Event> events = new ArrayList<>();
    private final BufferedWriter out;

    public HistoryRecorder() {
        this.out = null;
    }

    private HistoryRecorder(BufferedWriter out) {
        this.out = out;
    }

    /** A recorder that also appends each event to {@code file} (created if missing). */
    public static HistoryRecorder toFile(Path file) {
        try {
            return new HistoryRecorder(Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND, StandardOpenOption.WRITE));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public void sendOk(String process, String txn, String topic, int partition, long offset, String value) {
        record(new Event(Event.Type.SEND_OK, process, txn, topic, partition, offset, value, false));
    }

    public void sendFailed(String process, String txn, String topic, String value) {
        record(new Event(Event.Type.SEND_FAILED, process, txn, topic, -1, -1, value, false));
    }

    public void sendUnknown(String process, String txn, String topic, String value) {
        record(new Event(Event.Type.SEND_UNKNOWN, process, txn, topic, -1, -1, value, false));
    }

    public void poll(String process, String txn, boolean readCommitted, String topic, int partition, long offset, String value) {
        record(new Event(Event.Type.POLL, process, txn, topic, partition, offset, value, readCommitted));
    }

    public void reset(String process) {
        record(new Event(Event.Type.RESET, process, null, null, -1, -1, null, false));
    }

    public void commit(String process, String txn) {
        record(new Event(Event.Type.COMMIT, process, txn, null, -1, -1, null, false));
    }

    public void abort(String process, String txn) {
        record(new Event(Event.Type.ABORT, process, txn, null, -1, -1, null, false));
    }

    public synchronized void record(Event e) {
        events.add(e);
        if (out != null) {
            try {
                out.write(History.format(e));
                out.newLine();
                out.flush();
            } catch (IOException x) {
                throw new UncheckedIOException(x);
            }
        }
    }

    /** What was recorded so far. */
    public synchronized History history() {
        return new History(events);
    }

    @Override
    public synchronized void close() {
        if (out != null) {
            try {
                out.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
