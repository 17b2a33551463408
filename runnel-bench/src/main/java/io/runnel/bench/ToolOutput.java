package io.runnel.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parsers for what Apache Kafka's perf tools (kafka-tools) print on standard output. The child JVMs run
 * with an English locale, so numbers use '.' as the decimal separator.
 */
final class ToolOutput {
    private ToolOutput() {
    }

    /** The summary line ProducerPerformance prints when it is done. Latencies are whole milliseconds. */
    record ProducerSummary(long records, double recordsPerSec, double mbPerSec, double avgLatencyMs, double maxLatencyMs,
                           long p50Ms, long p95Ms, long p99Ms, long p999Ms) {
    }

    /** ConsumerPerformance's result row. {@code fetch*} figures exclude the time spent joining the group. */
    record ConsumerSummary(double mb, double mbPerSec, long records, double recordsPerSec, long rebalanceMs,
                           long fetchMs, double fetchMbPerSec, double fetchRecordsPerSec) {
    }

    /** EndToEndLatency's summary: average with sub-millisecond precision, percentiles truncated to whole ms. */
    record EndToEndSummary(double avgMs, long p50Ms, long p99Ms, long p999Ms) {
    }

    private static final String NUM = "([0-9]+(?:\\.[0-9]+)?|NaN|Infinity)";

    private static final Pattern PRODUCER_FINAL = Pattern.compile(
            "^([0-9]+) records sent, " + NUM + " records/sec \\(" + NUM + " MB/sec\\), " + NUM + " ms avg latency, "
                    + NUM + " ms max latency, ([0-9]+) ms 50th, ([0-9]+) ms 95th, ([0-9]+) ms 99th, ([0-9]+) ms 99\\.9th\\.?\\s*$");

    private static final Pattern E2E_AVG = Pattern.compile("^Avg latency: " + NUM + " ms\\s*$");
    private static final Pattern E2E_PCT = Pattern.compile(
            "^Percentiles: 50th = ([0-9]+), 99th = ([0-9]+), 99\\.9th = ([0-9]+)\\s*$");

    /** Parses ProducerPerformance output: the last summary line (the one with percentiles). */
    static ProducerSummary parseProducer(String stdout) {
        ProducerSummary found = null;
        for (String line : stdout.split("\\R")) {
            Matcher m = PRODUCER_FINAL.matcher(line.strip());
            if (m.matches()) {
                found = new ProducerSummary(Long.parseLong(m.group(1)), num(m.group(2)), num(m.group(3)), num(m.group(4)),
                        num(m.group(5)), Long.parseLong(m.group(6)), Long.parseLong(m.group(7)), Long.parseLong(m.group(8)),
                        Long.parseLong(m.group(9)));
            }
        }
        if (found == null) {
            throw new IllegalArgumentException("no ProducerPerformance summary line in the output" + tail(stdout));
        }
        return found;
    }

    /** Parses ConsumerPerformance output: the header row (start.time, ...) and the value row after it. */
    static ConsumerSummary parseConsumer(String stdout) {
        List<String> lines = new ArrayList<>();
        for (String l : stdout.split("\\R")) {
            if (!l.isBlank()) lines.add(l.strip());
        }
        for (int i = 0; i < lines.size() - 1; i++) {
            if (!lines.get(i).startsWith("start.time,")) continue;
            String[] names = lines.get(i).split(",\\s*");
            String[] values = lines.get(i + 1).split(",\\s*");
            if (values.length != names.length) continue;
            Map<String, String> row = new LinkedHashMap<>();
            for (int k = 0; k < names.length; k++) row.put(names[k].strip(), values[k].strip());
            try {
                return new ConsumerSummary(
                        num(req(row, "data.consumed.in.MB")), num(req(row, "MB.sec")),
                        Long.parseLong(req(row, "data.consumed.in.nMsg")), num(req(row, "nMsg.sec")),
                        Long.parseLong(row.getOrDefault("rebalance.time.ms", "-1")),
                        Long.parseLong(row.getOrDefault("fetch.time.ms", "-1")),
                        num(row.getOrDefault("fetch.MB.sec", "NaN")), num(row.getOrDefault("fetch.nMsg.sec", "NaN")));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("unreadable ConsumerPerformance row '" + lines.get(i + 1) + "'", e);
            }
        }
        throw new IllegalArgumentException("no ConsumerPerformance result row in the output" + tail(stdout));
    }

    /** Parses EndToEndLatency output: "Avg latency: X ms" and "Percentiles: 50th = a, 99th = b, 99.9th = c". */
    static EndToEndSummary parseEndToEnd(String stdout) {
        Double avg = null;
        long[] pct = null;
        for (String line : stdout.split("\\R")) {
            String l = line.strip();
            Matcher a = E2E_AVG.matcher(l);
            if (a.matches()) avg = num(a.group(1));
            Matcher p = E2E_PCT.matcher(l);
            if (p.matches()) {
                pct = new long[]{Long.parseLong(p.group(1)), Long.parseLong(p.group(2)), Long.parseLong(p.group(3))};
            }
        }
        if (avg == null || pct == null) {
            throw new IllegalArgumentException("no EndToEndLatency summary in the output" + tail(stdout));
        }
        return new EndToEndSummary(avg, pct[0], pct[1], pct[2]);
    }

    /** Reads the VmRSS line of a /proc/PID/status file; returns kibibytes. */
    static long parseVmRssKib(String procStatus) {
        for (String line : procStatus.split("\\R")) {
            if (line.startsWith("VmRSS:")) {
                String v = line.substring("VmRSS:".length()).strip();
                if (v.endsWith("kB")) v = v.substring(0, v.length() - 2).strip();
                return Long.parseLong(v);
            }
        }
        throw new IllegalArgumentException("no VmRSS line");
    }

    private static String req(Map<String, String> row, String key) {
        String v = row.get(key);
        if (v == null) throw new IllegalArgumentException("ConsumerPerformance output has no column " + key);
        return v;
    }

    private static double num(String s) {
        return Double.parseDouble(s);
    }

    private static String tail(String out) {
        String t = out.strip();
        if (t.isEmpty()) return " (it printed nothing)";
        if (t.length() > 400) t = "..." + t.substring(t.length() - 400);
        return ": " + t.replace('\n', ' ');
    }
}
