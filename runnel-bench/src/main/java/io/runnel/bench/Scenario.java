package io.runnel.bench;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** The benchmark scenarios, (a) to (h), (q) and (r). Record counts are at scale 1. */
enum Scenario {
    A("produce 2,000,000 x 100 B, acks=all, linger.ms=5, batch.size=64 KiB, unthrottled"),
    B("produce 300,000 x 1 KiB, lz4, acks=all, linger.ms=5, batch.size=128 KiB, unthrottled; run twice: a cold client JVM, then a warm one"),
    C("produce 1 KiB at a fixed 20,000 records/s for 300,000 records, acks=all, linger.ms=0"),
    D("consume everything (a) wrote, from the beginning, one consumer"),
    E("end-to-end latency: 10,000 x 1 KiB, one at a time, acks=all"),
    F("broker start-to-ready time; resident memory after (a)"),
    G("partition scale: create N partitions (topics of 5,000, one per request), kill -9, restart to all served; "
            + "RSS and open descriptors; its own broker"),
    H("transactions: produce 1,000,000 x 100 B in transactions of 100 ms (acks=all, idempotent, linger.ms=5, "
            + "batch.size=64 KiB), then read them all with a read_committed consumer"),
    Q("metadata quorum: three combined nodes; start-to-ready (launch to three brokers and an RF 3 CreateTopics), "
            + "controller failover (SIGKILL of the active controller to the next successful CreateTopics) and 200 topics of "
            + "10 partitions, RF 3, created by 4 concurrent Admin clients; its own brokers"),
    R("replicated: three combined nodes, topic RF 3, min.insync.replicas 2, acks=all: produce 300,000 x 100 B and, as (b), 300,000 x 1 KiB lz4, "
            + "1 KiB at 5,000/s for 40,000 records (warm client), consume, and failover after SIGKILL of the leader; "
            + "its own brokers");

    static final long A_RECORDS = 2_000_000;
    static final int A_SIZE = 100;
    static final long B_RECORDS = 300_000;
    static final int B_SIZE = 1024;
    static final long C_RECORDS = 300_000;
    static final int C_SIZE = 1024;
    static final int C_RATE = 20_000;
    static final long E_RECORDS = 10_000;
    static final int E_SIZE = 1024;
    static final long H_RECORDS = 1_000_000;
    static final int H_SIZE = 100;
    static final int H_TXN_MS = 100;
    static final long R_RECORDS = 300_000;
    static final int R_SIZE = 100;
    static final long R_RATE_RECORDS = 40_000;
    static final int R_RATE_SIZE = 1024;
    static final int R_RATE = 5_000;
    static final int R_NODES = 3;
    static final short R_REPLICATION_FACTOR = 3;
    static final int R_MIN_INSYNC = 2;
    static final long Q_TOPICS = 200;

    /** Scenarios that start brokers of their own and take minutes: run only when named, never by "all". */
    static final Set<Scenario> NAMED_ONLY = EnumSet.of(G, Q, R);

    final String description;

    Scenario(String description) {
        this.description = description;
    }

    String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses "a,b,c" (case-insensitive, also "all" for every scenario but the {@link #NAMED_ONLY} ones). */
    static Set<Scenario> parseList(String list) {
        // (g), (q) and (r) take minutes and start their own brokers: "all" means the others; they are asked for by name
        if (list == null || list.isBlank() || list.strip().equalsIgnoreCase("all")) return EnumSet.complementOf(EnumSet.copyOf(NAMED_ONLY));
        EnumSet<Scenario> out = EnumSet.noneOf(Scenario.class);
        for (String part : list.split(",")) {
            String p = part.strip();
            if (p.isEmpty()) continue;
            try {
                out.add(Scenario.valueOf(p.toUpperCase(Locale.ROOT)));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("unknown scenario '" + p + "' (known: a,b,c,d,e,f,g,h,q,r)");
            }
        }
        if (out.isEmpty()) throw new IllegalArgumentException("no scenario selected");
        return out;
    }

    /** Scales a record count, never below 1,000 records. */
    static long scaled(long records, double scale) {
        return Math.max(1_000, Math.round(records * scale));
    }

    static List<String> ids(Set<Scenario> set) {
        List<String> ids = new ArrayList<>();
        for (Scenario s : set) ids.add(s.id());
        return ids;
    }
}
