package io.runnel.bench;

import java.util.List;

/**
 * One figure the benchmark reports, with the target the issue sets for it (if any).
 *
 * @param scenario the scenario it belongs to
 * @param key      stable id used in result maps
 * @param label    what the table shows
 * @param target   the goal, or {@link Target#NONE}
 */
record Metric(Scenario scenario, String key, String label, Target target) {

    /** A goal for a figure: on the ratio Runnel/Kafka, or on Runnel's absolute value. */
    record Target(Kind kind, double bound, String text) {
        enum Kind { NONE, RATIO_AT_LEAST, RATIO_AT_MOST, ABSOLUTE_BELOW }

        static final Target NONE = new Target(Kind.NONE, 0, "");

        static Target ratioAtLeast(double x) {
            return new Target(Kind.RATIO_AT_LEAST, x, ">= " + fmt(x) + "x");
        }

        static Target ratioAtMost(double x) {
            return new Target(Kind.RATIO_AT_MOST, x, "<= " + fmt(x) + "x");
        }

        static Target below(double x, String unit) {
            return new Target(Kind.ABSOLUTE_BELOW, x, "< " + fmt(x) + " " + unit);
        }

        private static String fmt(double x) {
            return x == Math.rint(x) ? Long.toString((long) x) : Double.toString(x);
        }

        /** Whether the target is met; null when it cannot be judged from the values at hand. */
        Boolean met(Double subject, Double kafka) {
            switch (kind) {
                case NONE:
                    return null;
                case ABSOLUTE_BELOW:
                    return subject == null ? null : subject < bound;
                default:
                    Double r = ratio(subject, kafka);
                    if (r == null) return null;
                    return kind == Kind.RATIO_AT_LEAST ? r >= bound : r <= bound;
            }
        }
    }

    /** subject / kafka, or null when either is missing or kafka is 0. */
    static Double ratio(Double subject, Double kafka) {
        if (subject == null || kafka == null || kafka == 0 || subject.isNaN() || kafka.isNaN()) return null;
        return subject / kafka;
    }

    static final String RECORDS_PER_SEC = "records_per_sec";
    static final String MB_PER_SEC = "mb_per_sec";
    static final String AVG_MS = "avg_ms";
    static final String P50_MS = "p50_ms";
    static final String P99_MS = "p99_ms";
    static final String P999_MS = "p999_ms";
    static final String COLD_P99_MS = "cold_p99_ms";
    static final String COLD_P999_MS = "cold_p999_ms";
    static final String WARM_RECORDS_PER_SEC = "warm_records_per_sec";
    static final String WARM_P99_MS = "warm_p99_ms";
    static final String FETCH_RECORDS_PER_SEC = "fetch_records_per_sec";
    static final String START_MS = "start_to_ready_ms";
    static final String RSS_MIB = "rss_mib";
    static final String BROKER_CPU_US_PER_RECORD = "broker_cpu_us_per_record";
    static final String PARTITIONS = "partitions";
    static final String CREATE_S = "create_s";
    static final String RESTART_S = "restart_to_served_s";
    static final String FDS = "open_fds";
    static final String RSS_RESTART_MIB = "rss_after_restart_mib";
    static final String RC_RECORDS_PER_SEC = "read_committed_records_per_sec";
    static final String FIXED_RATE_P99_MS = "fixed_rate_p99_ms";
    static final String FIXED_RATE_P999_MS = "fixed_rate_p999_ms";
    static final String CONSUME_RECORDS_PER_SEC = "consume_records_per_sec";
    static final String FAILOVER_MS = "failover_ms";
    static final String FAILOVER_MAX_MS = "failover_max_ms";
    static final String B_RECORDS_PER_SEC = "lz4_1k_records_per_sec";
    static final String B_P99_MS = "lz4_1k_p99_ms";
    static final String CLUSTER_START_MS = "cluster_start_to_ready_ms";
    static final String CONTROLLER_FAILOVER_MS = "controller_failover_ms";
    static final String CONTROLLER_FAILOVER_MAX_MS = "controller_failover_max_ms";
    static final String NEW_LEADER_MS = "new_quorum_leader_ms";
    static final String TOPICS_PER_SEC = "topics_per_sec";

    /** Every metric of a scenario, in table order. */
    static List<Metric> of(Scenario s) {
        return switch (s) {
            case A -> List.of(
                    new Metric(s, RECORDS_PER_SEC, "throughput (records/s)", Target.ratioAtLeast(1.3)),
                    new Metric(s, MB_PER_SEC, "throughput (MB/s)", Target.NONE),
                    new Metric(s, AVG_MS, "avg latency (ms)", Target.NONE),
                    new Metric(s, P99_MS, "p99 latency (ms)", Target.NONE),
                    new Metric(s, BROKER_CPU_US_PER_RECORD, "broker CPU per record (us)", Target.NONE));
            case B -> List.of(
                    new Metric(s, RECORDS_PER_SEC, "throughput (records/s)", Target.ratioAtLeast(1.3)),
                    new Metric(s, MB_PER_SEC, "throughput (MB/s)", Target.NONE),
                    new Metric(s, P99_MS, "p99 latency (ms)", Target.NONE),
                    new Metric(s, WARM_RECORDS_PER_SEC, "throughput, warm client JVM (records/s)", Target.ratioAtLeast(1.3)),
                    new Metric(s, WARM_P99_MS, "p99 latency, warm client JVM (ms)", Target.NONE),
                    new Metric(s, BROKER_CPU_US_PER_RECORD, "broker CPU per record (us)", Target.NONE));
            case C -> List.of(
                    new Metric(s, P50_MS, "p50 latency (ms)", Target.NONE),
                    new Metric(s, P99_MS, "p99 latency (ms)", Target.ratioAtMost(0.5)),
                    new Metric(s, P999_MS, "p99.9 latency (ms)", Target.NONE),
                    new Metric(s, COLD_P99_MS, "p99, cold client JVM (ms)", Target.NONE),
                    new Metric(s, COLD_P999_MS, "p99.9, cold client JVM (ms)", Target.NONE),
                    new Metric(s, AVG_MS, "avg latency (ms)", Target.NONE),
                    new Metric(s, RECORDS_PER_SEC, "achieved rate (records/s)", Target.NONE),
                    new Metric(s, BROKER_CPU_US_PER_RECORD, "broker CPU per record (us)", Target.NONE));
            case D -> List.of(
                    new Metric(s, RECORDS_PER_SEC, "throughput (records/s)", Target.ratioAtLeast(1.3)),
                    new Metric(s, MB_PER_SEC, "throughput (MB/s)", Target.NONE),
                    new Metric(s, FETCH_RECORDS_PER_SEC, "fetch-only throughput (records/s)", Target.NONE),
                    new Metric(s, BROKER_CPU_US_PER_RECORD, "broker CPU per record (us)", Target.NONE));
            case E -> List.of(
                    new Metric(s, AVG_MS, "avg latency (ms)", Target.NONE),
                    new Metric(s, P50_MS, "p50 latency (ms)", Target.NONE),
                    new Metric(s, P99_MS, "p99 latency (ms)", Target.NONE),
                    new Metric(s, P999_MS, "p99.9 latency (ms)", Target.NONE));
            case F -> List.of(
                    new Metric(s, START_MS, "start-to-ready (ms)", Target.below(1000, "ms")),
                    new Metric(s, RSS_MIB, "RSS after (a) (MiB)", Target.ratioAtMost(0.5)));
            case G -> List.of(
                    new Metric(s, PARTITIONS, "partitions created", Target.NONE),
                    new Metric(s, CREATE_S, "time to create them (s)", Target.NONE),
                    new Metric(s, RSS_MIB, "RSS after creating (MiB)", Target.NONE),
                    new Metric(s, FDS, "open descriptors after creating", Target.NONE),
                    new Metric(s, RESTART_S, "restart after kill -9 until all served (s)", Target.NONE),
                    new Metric(s, RSS_RESTART_MIB, "RSS after the restart (MiB)", Target.NONE));
            case H -> List.of(
                    new Metric(s, RECORDS_PER_SEC, "transactional throughput (records/s)", Target.ratioAtLeast(1.3)),
                    new Metric(s, MB_PER_SEC, "transactional throughput (MB/s)", Target.NONE),
                    new Metric(s, P99_MS, "p99 latency (ms)", Target.NONE),
                    new Metric(s, BROKER_CPU_US_PER_RECORD, "broker CPU per record (us)", Target.NONE),
                    new Metric(s, RC_RECORDS_PER_SEC, "read_committed consume (records/s)", Target.NONE));
            case Q -> List.of(
                    new Metric(s, CLUSTER_START_MS, "3 nodes: launch to 3 brokers + RF 3 CreateTopics (ms)", Target.NONE),
                    new Metric(s, CONTROLLER_FAILOVER_MS, "controller SIGKILL to next CreateTopics (ms, median)", Target.ratioAtMost(0.5)),
                    new Metric(s, CONTROLLER_FAILOVER_MAX_MS, "controller failover, slowest kill (ms)", Target.NONE),
                    new Metric(s, NEW_LEADER_MS, "controller SIGKILL to DescribeQuorum naming a new leader (ms, median)", Target.NONE),
                    new Metric(s, TOPICS_PER_SEC, "topics of 10 partitions, RF 3, created per second", Target.NONE));
            case R -> List.of(
                    new Metric(s, RECORDS_PER_SEC, "RF 3 produce throughput, 100 B (records/s)", Target.ratioAtLeast(1.3)),
                    new Metric(s, MB_PER_SEC, "RF 3 produce throughput, 100 B (MB/s)", Target.NONE),
                    new Metric(s, P99_MS, "RF 3 produce p99 latency, 100 B (ms)", Target.NONE),
                    new Metric(s, B_RECORDS_PER_SEC, "RF 3 produce throughput, 1 KiB lz4 (records/s)", Target.ratioAtLeast(1.3)),
                    new Metric(s, B_P99_MS, "RF 3 produce p99 latency, 1 KiB lz4 (ms)", Target.NONE),
                    new Metric(s, FIXED_RATE_P99_MS, "RF 3 p99 at 5,000/s (ms)", Target.ratioAtMost(0.5)),
                    new Metric(s, FIXED_RATE_P999_MS, "RF 3 p99.9 at 5,000/s (ms)", Target.NONE),
                    new Metric(s, CONSUME_RECORDS_PER_SEC, "RF 3 consume throughput (records/s)", Target.ratioAtLeast(1.3)),
                    new Metric(s, FAILOVER_MS, "failover: leader SIGKILL to next ack (ms, median)", Target.ratioAtMost(0.5)),
                    new Metric(s, FAILOVER_MAX_MS, "failover, slowest kill (ms)", Target.NONE));
        };
    }
}
