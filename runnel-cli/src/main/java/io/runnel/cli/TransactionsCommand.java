package io.runnel.cli;

import io.runnel.cli.TransactionAdmin.ListedTransaction;
import io.runnel.cli.TransactionAdmin.ProducerState;
import io.runnel.cli.TransactionAdmin.TransactionDescription;
import io.runnel.common.Errors;
import io.runnel.common.TopicPartition;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * {@code runnel transactions}: like kafka-transactions.sh — list, describe, describe-producers, find-hanging and
 * abort. Each subcommand takes the connection options.
 */
@Command(name = "transactions", mixinStandardHelpOptions = true,
        description = {"Lists and describes transactions and the producers of partitions, finds hanging transactions and aborts them.",
                "Like kafka-transactions.sh. Exit codes: 0 success, 1 Kafka or connection error, 2 usage error."},
        subcommands = {TransactionsCommand.ListTxns.class, TransactionsCommand.Describe.class, TransactionsCommand.DescribeProducers.class,
                TransactionsCommand.FindHanging.class, TransactionsCommand.Abort.class})
final class TransactionsCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return CliMain.USAGE;
    }

    /** What every subcommand shares: the connection and the output. */
    abstract static class Sub implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        ConnectionOptions connection;

        PrintWriter out() {
            return spec.commandLine().getOut();
        }

        ParameterException usage(String message) {
            return new ParameterException(spec.commandLine(), message);
        }

        @Override
        public Integer call() {
            validate();
            try (ClusterAdmin admin = connection.open(spec, spec.commandLine().getErr())) {
                return run(new TransactionAdmin(admin));
            }
        }

        void validate() {
        }

        abstract int run(TransactionAdmin admin);
    }

    private static Set<String> csv(String s) {
        if (s == null || s.isBlank()) return Set.of();
        return Arrays.stream(s.split(",")).map(String::trim).filter(x -> !x.isEmpty()).collect(Collectors.toCollection(LinkedHashSet::new));
    }

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = "Lists the transactions of every broker: TransactionalId, Coordinator, ProducerId, TransactionState.")
    static final class ListTxns extends Sub {
        @Option(names = "--states", paramLabel = "STATES", description = "Only transactions in these states (comma-separated, e.g. Ongoing,PrepareCommit).")
        String states;
        @Option(names = "--producer-ids", paramLabel = "IDS", description = "Only these producer ids (comma-separated).")
        String producerIds;
        @Option(names = "--duration-filter", paramLabel = "MS", defaultValue = "-1",
                description = "Only transactions running longer than MS milliseconds.")
        long durationMs;
        @Option(names = "--transactional-id-pattern", paramLabel = "REGEX", description = "Only transactional ids matching this regular expression.")
        String pattern;

        @Override
        int run(TransactionAdmin admin) {
            Set<Long> ids = new LinkedHashSet<>();
            for (String s : csv(producerIds)) {
                try {
                    ids.add(Long.parseLong(s));
                } catch (NumberFormatException e) {
                    throw usage("--producer-ids: not a number: " + s);
                }
            }
            Table t = new Table("TransactionalId", "Coordinator", "ProducerId", "TransactionState");
            for (ListedTransaction x : admin.list(csv(states), ids, durationMs, pattern)) {
                t.row(x.transactionalId(), x.coordinator(), x.producerId(), x.state());
            }
            t.print(out());
            return CliMain.OK;
        }
    }

    @Command(name = "describe", mixinStandardHelpOptions = true, description = "Describes a transaction at its coordinator.")
    static final class Describe extends Sub {
        @Option(names = "--transactional-id", required = true, paramLabel = "ID", description = "The transactional id.")
        String transactionalId;

        @Override
        int run(TransactionAdmin admin) {
            TransactionDescription d = admin.describe(transactionalId);
            long now = System.currentTimeMillis();
            boolean open = d.startTimeMs() >= 0;
            Table t = new Table("CoordinatorId", "TransactionalId", "ProducerId", "ProducerEpoch", "TransactionState",
                    "TransactionTimeoutMs", "CurrentTransactionStartTimeMs", "TransactionDurationMs", "TopicPartitions");
            t.row(d.coordinator(), d.transactionalId(), d.producerId(), d.producerEpoch(), d.state(), d.timeoutMs(),
                    open ? d.startTimeMs() : "None", open ? Math.max(0, now - d.startTimeMs()) : "None",
                    d.partitions().stream().map(TopicPartition::toString).collect(Collectors.joining(",")));
            t.print(out());
            return CliMain.OK;
        }
    }

    @Command(name = "describe-producers", mixinStandardHelpOptions = true,
            description = "Describes the producers of a partition at its leader.")
    static final class DescribeProducers extends Sub {
        @Option(names = "--topic", required = true, paramLabel = "TOPIC", description = "The topic.")
        String topic;
        @Option(names = "--partition", required = true, paramLabel = "N", description = "The partition.")
        int partition;

        @Override
        int run(TransactionAdmin admin) {
            Table t = new Table("ProducerId", "ProducerEpoch", "LatestCoordinatorEpoch", "LastSequence", "LastTimestamp",
                    "CurrentTransactionStartOffset");
            for (ProducerState p : admin.producers(new TopicPartition(topic, partition))) {
                t.row(p.producerId(), p.producerEpoch(), p.coordinatorEpoch(), p.lastSequence(), p.lastTimestamp(),
                        p.currentTxnStartOffset() < 0 ? "None" : p.currentTxnStartOffset());
            }
            t.print(out());
            return CliMain.OK;
        }
    }

    /**
     * Open transactions on a broker's partitions that have run longer than the longest transaction timeout and
     * that no coordinator will end: the producer id is unknown to every coordinator, or its transaction there is
     * at another epoch, no longer open, or does not include the partition.
     */
    @Command(name = "find-hanging", mixinStandardHelpOptions = true,
            description = "Finds hanging transactions on the partitions of a broker (or of one topic on it).")
    static final class FindHanging extends Sub {
        @Option(names = "--broker-id", required = true, paramLabel = "ID", description = "The broker whose partitions are searched.")
        int brokerId;
        @Option(names = "--topic", paramLabel = "TOPIC", description = "Only this topic.")
        String topic;
        @Option(names = "--max-transaction-timeout", paramLabel = "MINUTES", defaultValue = "15",
                description = "Transactions open longer than this are candidates (default: ${DEFAULT-VALUE}, Kafka's transaction.max.timeout.ms).")
        long maxTimeoutMinutes;

        @Override
        void validate() {
            if (maxTimeoutMinutes < 0) throw usage("--max-transaction-timeout must not be negative");
        }

        @Override
        int run(TransactionAdmin admin) {
            long now = System.currentTimeMillis();
            long maxMs = TimeUnit.MINUTES.toMillis(maxTimeoutMinutes);
            Map<TopicPartition, List<ProducerState>> candidates = new TreeMap<>();
            Set<Long> producerIds = new LinkedHashSet<>();
            for (TopicPartition tp : admin.partitionsOf(brokerId, topic)) {
                for (ProducerState p : admin.producers(tp)) {
                    if (p.currentTxnStartOffset() < 0 || now - p.lastTimestamp() < maxMs) continue;
                    candidates.computeIfAbsent(tp, k -> new ArrayList<>()).add(p);
                    producerIds.add(p.producerId());
                }
            }
            Map<Long, TransactionDescription> byProducer = new TreeMap<>();
            if (!producerIds.isEmpty()) {
                for (ListedTransaction l : admin.list(Set.of(), producerIds, -1, null)) {
                    try {
                        byProducer.put(l.producerId(), admin.describe(l.transactionalId()));
                    } catch (CliException e) {
                        if (e.error() != Errors.TRANSACTIONAL_ID_NOT_FOUND) throw e;
                    }
                }
            }
            Table t = new Table("Topic", "Partition", "ProducerId", "ProducerEpoch", "CoordinatorEpoch", "StartOffset",
                    "LastTimestamp", "Duration(min)");
            candidates.forEach((tp, producers) -> {
                for (ProducerState p : producers) {
                    TransactionDescription d = byProducer.get(p.producerId());
                    boolean live = d != null && d.producerEpoch() == p.producerEpoch() && d.partitions().contains(tp)
                            && (d.state().equals("Ongoing") || d.state().startsWith("Prepare"));
                    if (live) continue;
                    t.row(tp.topic(), tp.partition(), p.producerId(), p.producerEpoch(), p.coordinatorEpoch(),
                            p.currentTxnStartOffset(), p.lastTimestamp(), TimeUnit.MILLISECONDS.toMinutes(now - p.lastTimestamp()));
                }
            });
            t.print(out());
            return CliMain.OK;
        }
    }

    @Command(name = "abort", mixinStandardHelpOptions = true,
            description = {"Aborts an open transaction on one partition by writing an abort marker at its leader.",
                    "Name it by --start-offset (its producer is looked up), or by --producer-id, --producer-epoch and --coordinator-epoch."})
    static final class Abort extends Sub {
        @Option(names = "--topic", required = true, paramLabel = "TOPIC", description = "The topic.")
        String topic;
        @Option(names = "--partition", required = true, paramLabel = "N", description = "The partition.")
        int partition;
        @Option(names = "--start-offset", paramLabel = "OFFSET", description = "The first offset of the transaction to abort.")
        Long startOffset;
        @Option(names = "--producer-id", paramLabel = "ID", description = "The producer id (without --start-offset).")
        Long producerId;
        @Option(names = "--producer-epoch", paramLabel = "EPOCH", description = "The producer epoch (without --start-offset).")
        Short producerEpoch;
        @Option(names = "--coordinator-epoch", paramLabel = "EPOCH", description = "The coordinator epoch (without --start-offset).")
        Integer coordinatorEpoch;

        @Override
        void validate() {
            boolean byProducer = producerId != null || producerEpoch != null || coordinatorEpoch != null;
            if (startOffset != null && byProducer) {
                throw usage("--start-offset and --producer-id/--producer-epoch/--coordinator-epoch are mutually exclusive");
            }
            if (startOffset == null && (producerId == null || producerEpoch == null || coordinatorEpoch == null)) {
                throw usage("abort needs --start-offset, or all of --producer-id, --producer-epoch and --coordinator-epoch");
            }
        }

        @Override
        int run(TransactionAdmin admin) {
            TopicPartition tp = new TopicPartition(topic, partition);
            long pid;
            short epoch;
            int coordEpoch;
            if (startOffset != null) {
                ProducerState p = admin.producers(tp).stream().filter(x -> x.currentTxnStartOffset() == startOffset).findFirst()
                        .orElseThrow(() -> new CliException("No open transaction starts at offset " + startOffset + " of " + tp));
                pid = p.producerId();
                epoch = (short) p.producerEpoch();
                coordEpoch = p.coordinatorEpoch();
            } else {
                pid = producerId;
                epoch = producerEpoch;
                coordEpoch = coordinatorEpoch;
            }
            admin.abort(tp, pid, epoch, coordEpoch);
            out().printf("Aborted the transaction of producer %d (epoch %d) on %s%n", pid, epoch, tp);
            return CliMain.OK;
        }
    }
}
