package io.runnel.checker;

import java.util.List;

/**
 * One anomaly found in a history: its Jepsen name, a sentence explaining it, and the events involved.
 */
public record Anomaly(String name, String explanation, List<Event> events) {
    public static final String LOST_WRITE = "lost-write";
    public static final String DUPLICATE = "duplicate";
    public static final String INCONSISTENT_OFFSETS = "inconsistent-offsets";
    public static final String G1A = "G1a";
    public static final String G1C = "G1c";
    public static final String POLL_SKIP = "poll-skip";
    public static final String NONMONOTONIC_POLL = "nonmonotonic-poll";
    public static final String UNSEEN = "unseen";

    /** Every name, in report order. */
    public static final List<String> NAMES = List.of(LOST_WRITE, DUPLICATE, INCONSISTENT_OFFSETS, G1A, G1C, POLL_SKIP,
            NONMONOTONIC_POLL, UNSEEN);

    public Anomaly {
        events = List.copyOf(events);
    }
}
