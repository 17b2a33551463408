package io.runnel.broker.network;

import io.netty.buffer.ByteBuf;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The request frames handed to handlers and not answered yet. A request's frame lives until its handler's future
 * completes (decoded requests may point into it, e.g. Produce records). A future that never completes — an operation
 * dropped by a component closing at shutdown — would otherwise leave its pooled frame unreleased; once every
 * component is closed, {@link #releaseAbandoned} releases those.
 *
 * <p>Thread-safe: frames are added on the network threads and released on whatever thread completes the request.
 * Each frame is released exactly once.
 */
public final class InFlightFrames {
    /** A frame in flight; identity, not the buffer's content, tells entries apart. */
    public static final class Entry {
        private final ByteBuf frame;
        private final String request;

        private Entry(ByteBuf frame, String request) {
            this.frame = frame;
            this.request = request;
        }
    }

    private final Set<Entry> entries = ConcurrentHashMap.newKeySet();

    /** Registers a frame whose request ({@code request}: its name and version) was handed to a handler. */
    Entry add(ByteBuf frame, String request) {
        Entry e = new Entry(frame, request);
        entries.add(e);
        return e;
    }

    /** The request is answered (or failed): releases its frame unless shutdown already did. */
    void release(Entry e) {
        if (entries.remove(e)) e.frame.release();
    }

    /** Frames in flight now. */
    public int size() {
        return entries.size();
    }

    /**
     * Releases every frame still in flight. Call only when nothing can complete or read those requests any more
     * (every component that handles requests is closed).
     *
     * @return the requests whose frames were released (name and version each)
     */
    public List<String> releaseAbandoned() {
        List<String> released = new ArrayList<>();
        for (Entry e : entries) {
            if (entries.remove(e)) {
                e.frame.release();
                released.add(e.request);
            }
        }
        return released;
    }
}
