package io.runnel.bench;

import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Runs Apache Kafka's ProducerPerformance twice in one JVM: first a warm-up pass of
 * {@code WARMUP_RECORDS} records to {@code WARMUP_TOPIC} (its output discarded), then the measured pass
 * with the given arguments. The measured pass then reports the broker's steady-state latency instead of
 * the first seconds of a cold client JVM, whose JIT warm-up costs the same against any broker.
 *
 * <p>Usage: {@code WarmProducerPerformance WARMUP_TOPIC WARMUP_RECORDS <ProducerPerformance arguments>}.
 * The tool's entry point for one run is package-private, so it is called by reflection.
 */
public final class WarmProducerPerformance {
    private WarmProducerPerformance() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 3) {
            System.err.println("usage: WarmProducerPerformance WARMUP_TOPIC WARMUP_RECORDS <ProducerPerformance args>");
            System.exit(2);
        }
        String warmTopic = args[0];
        String warmRecords = args[1];
        List<String> measured = Arrays.asList(args).subList(2, args.length);
        List<String> warm = new ArrayList<>(measured);
        replace(warm, "--topic", warmTopic);
        replace(warm, "--num-records", warmRecords);

        Class<?> tool = Class.forName("org.apache.kafka.tools.ProducerPerformance");
        Method start = tool.getDeclaredMethod("start", String[].class);
        start.setAccessible(true);

        PrintStream out = System.out;
        System.setOut(new PrintStream(OutputStream.nullOutputStream()));
        try {
            start.invoke(tool.getDeclaredConstructor().newInstance(), (Object) warm.toArray(String[]::new));
        } finally {
            System.setOut(out);
        }
        start.invoke(tool.getDeclaredConstructor().newInstance(), (Object) measured.toArray(String[]::new));
        System.exit(0);
    }

    private static void replace(List<String> args, String option, String value) {
        int i = args.indexOf(option);
        if (i < 0 || i + 1 >= args.size()) throw new IllegalArgumentException("missing " + option);
        args.set(i + 1, value);
    }
}
