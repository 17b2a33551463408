package io.runnel.cli;

import io.runnel.cli.ClusterAdmin.ClusterInfo;
import io.runnel.cli.ClusterAdmin.GroupDescription;
import io.runnel.cli.ClusterAdmin.ListedGroup;
import io.runnel.cli.ClusterAdmin.ListedOffsets;
import io.runnel.cli.ClusterAdmin.Member;
import io.runnel.cli.ClusterAdmin.PartitionInfo;
import io.runnel.cli.ClusterAdmin.TopicInfo;
import io.runnel.common.Errors;
import io.runnel.common.TopicPartition;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

/** {@code runnel groups}: consumer groups, like kafka-consumer-groups.sh. */
@Command(name = "groups", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Lists and describes consumer groups (offsets, lag, members), deletes them and resets their offsets.",
                "Like kafka-consumer-groups.sh. Exit codes: 0 success, 1 Kafka or connection error, 2 usage error."})
final class GroupsCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ConnectionOptions connection;

    @ArgGroup(exclusive = true, multiplicity = "1", heading = "Action (one of):%n")
    Action action;

    static final class Action {
        @Option(names = "--list", required = true, description = "List all groups: GROUP, TYPE, STATE.")
        boolean list;
        @Option(names = "--describe", required = true,
                description = "Describe groups: per partition the committed and log end offsets, lag and owning member (default view).")
        boolean describe;
        @Option(names = "--delete", required = true, description = "Delete groups (only groups without active members).")
        boolean delete;
        @Option(names = "--reset-offsets", required = true,
                description = "Reset the committed offsets of an inactive group (dry run unless --execute).")
        boolean resetOffsets;
    }

    @Option(names = "--group", paramLabel = "GROUP", description = "The group (repeatable).")
    List<String> groups = new ArrayList<>();

    @Option(names = "--all-groups", description = "With --describe, --delete or --reset-offsets: every group.")
    boolean allGroups;

    @Option(names = "--state", arity = "0..1", paramLabel = "STATES",
            description = {"With --list: only groups in these states (comma-separated, e.g. Stable,Empty).",
                    "With --describe: show the group's state view (coordinator, assignor, state, #members)."})
    String state;

    @Option(names = "--type", arity = "0..1", paramLabel = "TYPES",
            description = "With --list: only groups of these types (comma-separated: classic, consumer).")
    String type;

    @Option(names = "--members", description = "With --describe: show the members view.")
    boolean members;

    @Option(names = "--offsets", description = "With --describe: show the offsets view (the default).")
    boolean offsets;

    @Option(names = "--verbose", description = "With --describe --members: also show each member's assignment.")
    boolean verbose;

    @Option(names = "--topic", paramLabel = "TOPIC[:P,P...]",
            description = "With --reset-offsets: the topic, or some of its partitions (repeatable).")
    List<String> topics = new ArrayList<>();

    @Option(names = "--all-topics", description = "With --reset-offsets: every topic the group has offsets for.")
    boolean allTopics;

    @ArgGroup(exclusive = true, multiplicity = "0..1", heading = "Reset to (one of, with --reset-offsets):%n")
    ResetTo resetTo;

    static final class ResetTo {
        @Option(names = "--to-earliest", required = true, description = "The log start offset.")
        boolean earliest;
        @Option(names = "--to-latest", required = true, description = "The log end offset.")
        boolean latest;
        @Option(names = "--to-offset", required = true, paramLabel = "N", description = "Offset N (kept within the log).")
        Long offset;
        @Option(names = "--shift-by", required = true, paramLabel = "N", description = "The committed offset plus N (may be negative).")
        Long shiftBy;
    }

    @Option(names = "--execute", description = "With --reset-offsets: commit the new offsets.")
    boolean execute;

    @Option(names = "--dry-run", description = "With --reset-offsets: only show the new offsets (the default).")
    boolean dryRun;

    private PrintWriter out() {
        return spec.commandLine().getOut();
    }

    private PrintWriter err() {
        return spec.commandLine().getErr();
    }

    private ParameterException usage(String message) {
        return new ParameterException(spec.commandLine(), message);
    }

    @Override
    public Integer call() {
        validate();
        try (ClusterAdmin admin = connection.open(spec, err())) {
            if (action.list) return list(admin);
            List<String> ids = allGroups ? admin.listGroups(Set.of(), Set.of()).stream().map(ListedGroup::groupId).toList() : groups;
            if (action.describe) return describe(admin, ids);
            if (action.delete) return delete(admin, ids);
            return reset(admin, ids);
        }
    }

    private void validate() {
        if (action.list) {
            if (!groups.isEmpty() || allGroups) throw usage("--list takes no --group / --all-groups");
        } else {
            if (groups.isEmpty() && !allGroups) throw usage("Missing --group (or --all-groups)");
            if (!groups.isEmpty() && allGroups) throw usage("--group and --all-groups are mutually exclusive");
            if (type != null) throw usage("--type only goes with --list");
        }
        if (!action.describe && (members || offsets || verbose)) throw usage("--members, --offsets and --verbose only go with --describe");
        if (action.describe && ((members ? 1 : 0) + (offsets ? 1 : 0) + (state != null ? 1 : 0)) > 1) {
            throw usage("--members, --offsets and --state are mutually exclusive");
        }
        if ((action.delete || action.resetOffsets) && state != null) throw usage("--state only goes with --list and --describe");
        if (action.resetOffsets) {
            if (resetTo == null) throw usage("--reset-offsets needs one of --to-earliest, --to-latest, --to-offset, --shift-by");
            if (topics.isEmpty() && !allTopics) throw usage("--reset-offsets needs --topic or --all-topics");
            if (!topics.isEmpty() && allTopics) throw usage("--topic and --all-topics are mutually exclusive");
            if (execute && dryRun) throw usage("--execute and --dry-run are mutually exclusive");
            if (resetTo.offset != null && resetTo.offset < 0) throw usage("--to-offset must not be negative");
        } else {
            if (resetTo != null || !topics.isEmpty() || allTopics || execute || dryRun) {
                throw usage("--topic, --all-topics, --to-*, --shift-by, --execute and --dry-run only go with --reset-offsets");
            }
        }
    }

    private static Set<String> csv(String s) {
        if (s == null || s.isBlank()) return Set.of();
        return Arrays.stream(s.split(",")).map(String::trim).filter(x -> !x.isEmpty()).collect(Collectors.toCollection(LinkedHashSet::new));
    }

    // ------------------------------------------------------------------ --list

    private int list(ClusterAdmin admin) {
        Table t = new Table("GROUP", "TYPE", "STATE");
        for (ListedGroup g : admin.listGroups(csv(state), csv(type))) {
            t.row(g.groupId(), g.type(), g.state() == null || g.state().isEmpty() ? "-" : g.state());
        }
        t.print(out());
        return CliMain.OK;
    }

    // ------------------------------------------------------------------ --describe

    private int describe(ClusterAdmin admin, List<String> ids) {
        int rc = CliMain.OK;
        for (String id : ids) {
            GroupDescription d = admin.describeGroup(id);
            if (!d.exists()) {
                err().println(CliException.of(Errors.GROUP_ID_NOT_FOUND, "Consumer group '" + id + "' does not exist.").describe());
                rc = CliMain.ERROR;
                continue;
            }
            if (state != null) describeState(d);
            else if (members) describeMembers(d);
            else describeOffsets(admin, d);
        }
        return rc;
    }

    private void groupNotes(GroupDescription d) {
        PrintWriter out = out();
        out.println();
        String s = d.state();
        if (s != null && (s.equalsIgnoreCase("PreparingRebalance") || s.equalsIgnoreCase("CompletingRebalance")
                || s.equalsIgnoreCase("Assigning") || s.equalsIgnoreCase("Reconciling"))) {
            out.println("Warning: Consumer group '" + d.groupId() + "' is rebalancing (state " + s + ").");
            out.println();
        } else if (d.members().isEmpty()) {
            out.println("Consumer group '" + d.groupId() + "' has no active members.");
            out.println();
        }
    }

    private void describeOffsets(ClusterAdmin admin, GroupDescription d) {
        Map<TopicPartition, Long> committed = admin.committedOffsets(d.groupId());
        Map<TopicPartition, Member> owners = new TreeMap<>();
        for (Member m : d.members()) for (TopicPartition tp : m.assignment()) owners.put(tp, m);
        Set<TopicPartition> partitions = new TreeSet<>(committed.keySet());
        partitions.addAll(owners.keySet());
        ListedOffsets end = admin.listOffsets(partitions, ClusterAdmin.LATEST);
        groupNotes(d);
        Table t = new Table("GROUP", "TOPIC", "PARTITION", "CURRENT-OFFSET", "LOG-END-OFFSET", "LAG", "CONSUMER-ID", "HOST", "CLIENT-ID");
        for (TopicPartition tp : partitions) {
            Long current = committed.get(tp);
            Long logEnd = end.offsets().get(tp);
            Long lag = current != null && logEnd != null ? logEnd - current : null;
            Member m = owners.get(tp);
            t.row(d.groupId(), tp.topic(), tp.partition(), current, logEnd, lag,
                    m == null ? null : m.memberId(), m == null ? null : m.host(), m == null ? null : m.clientId());
        }
        for (Member m : d.members()) {
            if (m.assignment().isEmpty()) t.row(d.groupId(), null, null, null, null, null, m.memberId(), m.host(), m.clientId());
        }
        t.print(out());
    }

    private void describeMembers(GroupDescription d) {
        groupNotes(d);
        Table t = verbose
                ? new Table("GROUP", "CONSUMER-ID", "GROUP-INSTANCE-ID", "HOST", "CLIENT-ID", "#PARTITIONS", "ASSIGNMENT")
                : new Table("GROUP", "CONSUMER-ID", "GROUP-INSTANCE-ID", "HOST", "CLIENT-ID", "#PARTITIONS");
        for (Member m : d.members()) {
            if (verbose) {
                t.row(d.groupId(), m.memberId(), m.instanceId(), m.host(), m.clientId(), m.assignment().size(), assignment(m.assignment()));
            } else {
                t.row(d.groupId(), m.memberId(), m.instanceId(), m.host(), m.clientId(), m.assignment().size());
            }
        }
        t.print(out());
    }

    /** "topic(0,1),other(2)" or "-". */
    private static String assignment(List<TopicPartition> tps) {
        if (tps.isEmpty()) return "-";
        Map<String, List<Integer>> byTopic = new TreeMap<>();
        for (TopicPartition tp : tps) byTopic.computeIfAbsent(tp.topic(), k -> new ArrayList<>()).add(tp.partition());
        return byTopic.entrySet().stream()
                .map(e -> e.getKey() + "(" + e.getValue().stream().sorted().map(String::valueOf).collect(Collectors.joining(",")) + ")")
                .collect(Collectors.joining(","));
    }

    private void describeState(GroupDescription d) {
        out().println();
        Table t = new Table("GROUP", "COORDINATOR (ID)", "TYPE", "ASSIGNMENT-STRATEGY", "STATE", "#MEMBERS");
        String assignor = d.assignor() == null || d.assignor().isEmpty() ? null : d.assignor();
        t.row(d.groupId(), d.coordinator().address() + " (" + d.coordinator().id() + ")", d.type(), assignor, d.state(), d.members().size());
        t.print(out());
    }

    // ------------------------------------------------------------------ --delete

    private int delete(ClusterAdmin admin, List<String> ids) {
        Map<String, Errors> failed = new LinkedHashMap<>();
        List<String> deleted = new ArrayList<>();
        for (String id : ids) {
            Errors e = admin.deleteGroup(id);
            if (e == Errors.NONE) deleted.add(id);
            else failed.put(id, e);
        }
        if (!deleted.isEmpty()) {
            out().println("Deletion of requested consumer groups (" + quoted(deleted) + ") was successful.");
        }
        if (failed.isEmpty()) return CliMain.OK;
        err().println("Error: Deletion of some consumer groups failed:");
        for (Map.Entry<String, Errors> f : failed.entrySet()) {
            String msg = f.getValue() == Errors.NON_EMPTY_GROUP ? "the group has active members." : f.getValue().message();
            err().println("* Group '" + f.getKey() + "' could not be deleted due to: " + f.getValue().name() + ": " + msg);
        }
        return CliMain.ERROR;
    }

    private static String quoted(List<String> ids) {
        return ids.stream().map(s -> "'" + s + "'").collect(Collectors.joining(", "));
    }

    // ------------------------------------------------------------------ --reset-offsets

    private int reset(ClusterAdmin admin, List<String> ids) {
        for (String id : ids) {
            GroupDescription d = admin.describeGroup(id);
            if (!d.isInactive()) {
                throw new CliException("Assignments can only be reset if the group '" + id + "' is inactive, but the current state is "
                        + d.state() + ".");
            }
            Map<TopicPartition, Long> committed = admin.committedOffsets(id);
            Set<TopicPartition> partitions = partitionsToReset(admin, committed);
            if (partitions.isEmpty()) throw new CliException("No partitions to reset for group '" + id + "'.");
            Map<TopicPartition, Long> earliest = admin.listOffsets(partitions, ClusterAdmin.EARLIEST).require();
            Map<TopicPartition, Long> latest = admin.listOffsets(partitions, ClusterAdmin.LATEST).require();
            Map<TopicPartition, Long> target = new TreeMap<>();
            for (TopicPartition tp : partitions) {
                long lo = earliest.get(tp), hi = latest.get(tp);
                long wanted;
                if (resetTo.earliest) wanted = lo;
                else if (resetTo.latest) wanted = hi;
                else if (resetTo.offset != null) wanted = resetTo.offset;
                else {
                    Long cur = committed.get(tp);
                    if (cur == null) throw new CliException("Cannot shift the offset of " + tp + ": the group has no committed offset for it.");
                    wanted = cur + resetTo.shiftBy;
                }
                if (wanted < lo) {
                    if (!resetTo.earliest) err().println("Warning: new offset " + wanted + " of " + tp + " is below its log start offset; using " + lo + ".");
                    wanted = lo;
                } else if (wanted > hi) {
                    err().println("Warning: new offset " + wanted + " of " + tp + " is above its log end offset; using " + hi + ".");
                    wanted = hi;
                }
                target.put(tp, wanted);
            }
            if (execute) admin.commitOffsets(id, target);
            out().println();
            Table t = new Table("GROUP", "TOPIC", "PARTITION", "NEW-OFFSET");
            for (Map.Entry<TopicPartition, Long> e : target.entrySet()) t.row(id, e.getKey().topic(), e.getKey().partition(), e.getValue());
            t.print(out());
        }
        if (!execute && !dryRun) {
            err().println("Warning: nothing was changed: add --execute to commit the new offsets (or --dry-run to silence this).");
        }
        return CliMain.OK;
    }

    private Set<TopicPartition> partitionsToReset(ClusterAdmin admin, Map<TopicPartition, Long> committed) {
        if (allTopics) return new TreeSet<>(committed.keySet());
        Map<String, List<Integer>> wanted = new LinkedHashMap<>();
        for (String spec : topics) {
            int colon = spec.indexOf(':');
            String name = colon < 0 ? spec : spec.substring(0, colon);
            if (name.isEmpty()) throw usage("--topic '" + spec + "' has no topic name");
            List<Integer> parts = wanted.computeIfAbsent(name, k -> new ArrayList<>());
            if (colon >= 0) {
                for (String p : spec.substring(colon + 1).split(",")) {
                    try {
                        parts.add(Integer.parseInt(p.trim()));
                    } catch (NumberFormatException e) {
                        throw usage("--topic '" + spec + "': '" + p + "' is not a partition number");
                    }
                }
            }
        }
        ClusterInfo md = admin.metadata(wanted.keySet());
        Set<TopicPartition> out = new TreeSet<>();
        for (Map.Entry<String, List<Integer>> e : wanted.entrySet()) {
            TopicInfo t = md.require(e.getKey());
            if (e.getValue().isEmpty()) {
                out.addAll(t.topicPartitions());
                continue;
            }
            Set<Integer> existing = t.partitions().stream().map(PartitionInfo::partition).collect(Collectors.toSet());
            for (int p : e.getValue()) {
                if (!existing.contains(p)) {
                    throw CliException.of(Errors.UNKNOWN_TOPIC_OR_PARTITION, "Partition " + p + " of topic '" + e.getKey() + "' does not exist.");
                }
                out.add(new TopicPartition(e.getKey(), p));
            }
        }
        return out;
    }
}
