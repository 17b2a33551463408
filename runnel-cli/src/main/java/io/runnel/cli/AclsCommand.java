package io.runnel.cli;

import io.runnel.common.Errors;
import io.runnel.protocol.ApiKeys;
import io.runnel.protocol.message.CreateAclsRequest;
import io.runnel.protocol.message.CreateAclsResponse;
import io.runnel.protocol.message.DeleteAclsRequest;
import io.runnel.protocol.message.DeleteAclsResponse;
import io.runnel.protocol.message.DescribeAclsRequest;
import io.runnel.protocol.message.DescribeAclsResponse;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;

/**
 * {@code runnel acls}: ACLs like {@code kafka-acls.sh} — list (DescribeAcls), add (CreateAcls) and remove
 * (DeleteAcls), with its options, defaults, {@code --producer}/{@code --consumer} conveniences and output.
 * Codes of resource types, pattern types, operations and permission types are Kafka's (see {@link Acl}).
 */
@Command(name = "acls", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Lists, adds and removes ACLs. Like kafka-acls.sh.",
                "Exit codes: 0 success, 1 Kafka or connection error (e.g. SECURITY_DISABLED without an authorizer), 2 usage error."})
final class AclsCommand implements Callable<Integer> {
    static final String CLUSTER_NAME = "kafka-cluster";

    @Spec
    CommandSpec spec;

    @Mixin
    ConnectionOptions connection;

    @ArgGroup(exclusive = true, multiplicity = "1", heading = "Action (one of):%n")
    Action action;

    static final class Action {
        @Option(names = "--list", required = true, description = "List ACLs (of the resources given, else all).")
        boolean list;
        @Option(names = "--add", required = true, description = "Add ACLs.")
        boolean add;
        @Option(names = "--remove", required = true, description = "Remove ACLs.")
        boolean remove;
    }

    @Option(names = "--topic", paramLabel = "TOPIC", description = "A topic ('*' for all); repeatable.")
    List<String> topics = new ArrayList<>();
    @Option(names = "--group", paramLabel = "GROUP", description = "A consumer group ('*' for all); repeatable.")
    List<String> groups = new ArrayList<>();
    @Option(names = "--transactional-id", paramLabel = "ID", description = "A transactional id ('*' for all); repeatable.")
    List<String> transactionalIds = new ArrayList<>();
    @Option(names = "--cluster", description = "The cluster resource.")
    boolean cluster;
    @Option(names = "--resource-pattern-type", paramLabel = "TYPE", defaultValue = "LITERAL",
            description = "LITERAL (default) or PREFIXED; for --list and --remove also ANY (any pattern type, the exact name) "
                    + "or MATCH (every ACL that applies to the resource).")
    String patternType;
    @Option(names = "--allow-principal", paramLabel = "TYPE:NAME", description = "A principal to allow, e.g. User:alice; repeatable.")
    List<String> allowPrincipals = new ArrayList<>();
    @Option(names = "--deny-principal", paramLabel = "TYPE:NAME", description = "A principal to deny; repeatable.")
    List<String> denyPrincipals = new ArrayList<>();
    @Option(names = "--allow-host", paramLabel = "HOST", description = "A host allowed (default * with --allow-principal); repeatable.")
    List<String> allowHosts = new ArrayList<>();
    @Option(names = "--deny-host", paramLabel = "HOST", description = "A host denied (default * with --deny-principal); repeatable.")
    List<String> denyHosts = new ArrayList<>();
    @Option(names = "--operation", paramLabel = "OP",
            description = "Read, Write, Create, Delete, Alter, Describe, ClusterAction, DescribeConfigs, AlterConfigs, "
                    + "IdempotentWrite or All (default All); repeatable.")
    List<String> operations = new ArrayList<>();
    @Option(names = "--principal", paramLabel = "TYPE:NAME", description = "With --list: only the ACLs of this principal; repeatable.")
    List<String> principals = new ArrayList<>();
    @Option(names = "--producer", description = "Producer ACLs: Write, Describe, Create on the topics; Write, Describe on the transactional ids.")
    boolean producer;
    @Option(names = "--idempotent", description = "With --producer: IdempotentWrite on the cluster too.")
    boolean idempotent;
    @Option(names = "--consumer", description = "Consumer ACLs: Read, Describe on the topics; Read on the group.")
    boolean consumer;
    @Option(names = "--force", description = "Accepted for kafka-acls.sh compatibility: runnel acls never asks for confirmation.")
    boolean force;

    @Override
    public Integer call() {
        byte pattern = Acl.patternType(patternType);
        if (pattern < 0) throw usage("--resource-pattern-type must be LITERAL, PREFIXED, ANY or MATCH, not " + patternType);
        if (action.add && (pattern == Acl.PATTERN_ANY || pattern == Acl.PATTERN_MATCH)) {
            throw usage("A '--resource-pattern-type' value of '" + patternType + "' is not valid when adding acls.");
        }
        if (!action.list && !principals.isEmpty()) throw usage("--principal is only valid with --list");
        if (action.list && (producer || consumer || !allowPrincipals.isEmpty() || !denyPrincipals.isEmpty())) {
            throw usage("--list takes resources and --principal, not --allow-principal, --deny-principal, --producer or --consumer");
        }
        if (idempotent && !producer) throw usage("--idempotent is only valid with --producer");
        if (producer && topics.isEmpty() && transactionalIds.isEmpty()) throw usage("With --producer you must specify a --topic");
        if (consumer && (topics.isEmpty() || groups.isEmpty() || (!producer && (cluster || !transactionalIds.isEmpty())))) {
            throw usage("With --consumer you must specify a --topic and a --group and no --cluster or --transactional-id option should be specified.");
        }
        if ((producer || consumer) && !operations.isEmpty()) throw usage("--operation cannot be used with --producer or --consumer");
        for (String p : allowPrincipals) checkPrincipal(p);
        for (String p : denyPrincipals) checkPrincipal(p);
        for (String p : principals) checkPrincipal(p);

        try (ClusterAdmin admin = connection.open(spec, spec.commandLine().getErr())) {
            PrintWriter out = spec.commandLine().getOut();
            if (action.list) return list(admin, out, pattern);
            Map<Acl.Resource, List<Acl.Entry>> wanted = entriesByResource(pattern);
            if (action.add) return add(admin, out, wanted);
            return remove(admin, out, wanted);
        }
    }

    private ParameterException usage(String message) {
        return new ParameterException(spec.commandLine(), message);
    }

    private void checkPrincipal(String p) {
        int colon = p.indexOf(':');
        if (colon <= 0 || colon == p.length() - 1) {
            throw usage("Invalid principal '" + p + "': expected a string in format principalType:principalName, e.g. User:alice");
        }
    }

    /** The resources named on the command line, with {@code pattern}. */
    private List<Acl.Resource> resources(byte pattern) {
        List<Acl.Resource> out = new ArrayList<>();
        for (String t : topics) out.add(new Acl.Resource(Acl.TOPIC, t, pattern));
        for (String g : groups) out.add(new Acl.Resource(Acl.GROUP, g, pattern));
        for (String t : transactionalIds) out.add(new Acl.Resource(Acl.TRANSACTIONAL_ID, t, pattern));
        if (cluster) out.add(new Acl.Resource(Acl.CLUSTER, CLUSTER_NAME, pattern));
        for (Acl.Resource r : out) {
            if (r.name().isEmpty()) throw usage("A resource name cannot be empty");
        }
        return out;
    }

    /** The entries of --allow-principal x --allow-host and --deny-principal x --deny-host for {@code ops}. */
    private List<Acl.Entry> entries(Set<Byte> ops) {
        List<Acl.Entry> out = new ArrayList<>();
        List<String> allowH = allowHosts.isEmpty() ? List.of("*") : allowHosts;
        List<String> denyH = denyHosts.isEmpty() ? List.of("*") : denyHosts;
        for (String p : allowPrincipals) for (String h : allowH) for (byte op : ops) out.add(new Acl.Entry(p, h, op, Acl.ALLOW));
        for (String p : denyPrincipals) for (String h : denyH) for (byte op : ops) out.add(new Acl.Entry(p, h, op, Acl.DENY));
        return out;
    }

    /** For --add and --remove: the entries per resource (--producer / --consumer expand into theirs). */
    private Map<Acl.Resource, List<Acl.Entry>> entriesByResource(byte pattern) {
        List<Acl.Resource> resources = resources(pattern);
        if (resources.isEmpty()) {
            throw usage("You must specify one of: --cluster, --topic, --group, --transactional-id when using --" + (action.add ? "add" : "remove"));
        }
        Map<Acl.Resource, List<Acl.Entry>> out = new LinkedHashMap<>();
        if (producer || consumer) {
            if (allowPrincipals.isEmpty() && denyPrincipals.isEmpty()) throw usage("--producer and --consumer need --allow-principal or --deny-principal");
            Map<Acl.Resource, Set<Byte>> ops = new LinkedHashMap<>();
            for (Acl.Resource r : resources) {
                Set<Byte> s = ops.computeIfAbsent(r, k -> new LinkedHashSet<>());
                if (producer && r.type() == Acl.TOPIC) s.addAll(List.of(Acl.WRITE, Acl.DESCRIBE, Acl.CREATE));
                if (producer && r.type() == Acl.TRANSACTIONAL_ID) s.addAll(List.of(Acl.WRITE, Acl.DESCRIBE));
                if (consumer && r.type() == Acl.TOPIC) s.addAll(List.of(Acl.READ, Acl.DESCRIBE));
                if (consumer && r.type() == Acl.GROUP) s.add(Acl.READ);
            }
            if (producer && idempotent) {
                ops.computeIfAbsent(new Acl.Resource(Acl.CLUSTER, CLUSTER_NAME, Acl.LITERAL), k -> new LinkedHashSet<>()).add(Acl.IDEMPOTENT_WRITE);
            }
            ops.forEach((r, s) -> {
                if (!s.isEmpty()) out.put(r, entries(s));
            });
            return out;
        }
        Set<Byte> ops = new LinkedHashSet<>();
        for (String o : operations.isEmpty() ? List.of("All") : operations) {
            byte op = Acl.operation(o);
            if (op < 0) throw usage("Unknown --operation " + o + "; use one of " + String.join(", ", Acl.OPERATION_NAMES));
            ops.add(op);
        }
        if (action.add && allowPrincipals.isEmpty() && denyPrincipals.isEmpty()) {
            throw usage("--add needs --allow-principal or --deny-principal");
        }
        for (Acl.Resource r : resources) {
            for (byte op : ops) {
                if (!Acl.supports(r.type(), op)) {
                    throw usage("ResourceType " + Acl.typeName(r.type()) + " only supports operations " + Acl.supportedNames(r.type()));
                }
            }
            out.put(r, entries(ops));
        }
        return out;
    }

    private int add(ClusterAdmin admin, PrintWriter out, Map<Acl.Resource, List<Acl.Entry>> wanted) {
        CreateAclsRequest req = new CreateAclsRequest();
        List<String> what = new ArrayList<>();
        wanted.forEach((r, entries) -> {
            List<String> lines = new ArrayList<>();
            for (Acl.Entry e : entries) {
                lines.add("\t" + e);
                CreateAclsRequest.Creation c = new CreateAclsRequest.Creation();
                c.resourceType = r.type();
                c.resourceName = r.name();
                c.resourcePatternType = r.pattern();
                c.principal = e.principal();
                c.host = e.host();
                c.operation = e.operation();
                c.permissionType = e.permission();
                req.creations.add(c);
                what.add(e + " on " + r);
            }
            // kafka-acls.sh 4.4's layout
            out.println("Adding ACLs for resource `" + r + "`: \n " + String.join("\n", lines) + "\n");
        });
        CreateAclsResponse resp = admin.client().send(ApiKeys.CREATE_ACLS, req);
        for (int i = 0; i < resp.results.size(); i++) {
            CreateAclsResponse.Result res = resp.results.get(i);
            Errors e = Errors.forCode(res.errorCode);
            if (e != Errors.NONE) {
                throw CliException.of(e, (res.errorMessage == null || res.errorMessage.isBlank() ? e.message() : res.errorMessage)
                        + (i < what.size() ? " (" + what.get(i) + ")" : ""));
            }
        }
        return CliMain.OK;
    }

    private int remove(ClusterAdmin admin, PrintWriter out, Map<Acl.Resource, List<Acl.Entry>> wanted) {
        DeleteAclsRequest req = new DeleteAclsRequest();
        boolean all = allowPrincipals.isEmpty() && denyPrincipals.isEmpty();
        for (Map.Entry<Acl.Resource, List<Acl.Entry>> w : wanted.entrySet()) {
            Acl.Resource r = w.getKey();
            if (all) {
                req.filters.add(filter(r, null, null, Acl.OP_ANY, Acl.PERMISSION_ANY));
            } else {
                for (Acl.Entry e : w.getValue()) req.filters.add(filter(r, e.principal(), e.host(), e.operation(), e.permission()));
            }
        }
        DeleteAclsResponse resp = admin.client().send(ApiKeys.DELETE_ACLS, req);
        int removed = 0;
        for (DeleteAclsResponse.FilterResult fr : resp.filterResults) {
            Errors e = Errors.forCode(fr.errorCode);
            if (e != Errors.NONE) throw CliException.of(e, fr.errorMessage);
            for (DeleteAclsResponse.MatchingAcl m : fr.matchingAcls) {
                Errors me = Errors.forCode(m.errorCode);
                if (me != Errors.NONE) throw CliException.of(me, m.errorMessage);
                removed++;
            }
        }
        // kafka-acls.sh asks for confirmation and then prints nothing; this says what it did
        out.println("Removed " + removed + " ACL" + (removed == 1 ? "" : "s") + ".");
        return CliMain.OK;
    }

    private static DeleteAclsRequest.Filter filter(Acl.Resource r, String principal, String host, byte op, byte permission) {
        DeleteAclsRequest.Filter f = new DeleteAclsRequest.Filter();
        f.resourceTypeFilter = r.type();
        f.resourceNameFilter = r.name();
        f.patternTypeFilter = r.pattern();
        f.principalFilter = principal;
        f.hostFilter = host;
        f.operation = op;
        f.permissionType = permission;
        return f;
    }

    private int list(ClusterAdmin admin, PrintWriter out, byte pattern) {
        List<Acl.Resource> resources = resources(pattern);
        List<String> who = principals.isEmpty() ? java.util.Collections.singletonList(null) : principals;
        for (String principal : who) {
            if (principal != null) out.println("ACLs for principal `" + principal + "`");
            if (resources.isEmpty()) {
                printCurrent(admin, out, Acl.TYPE_ANY, null, Acl.PATTERN_ANY, principal);
            } else {
                for (Acl.Resource r : resources) printCurrent(admin, out, r.type(), r.name(), r.pattern(), principal);
            }
        }
        return CliMain.OK;
    }

    /** DescribeAcls with the filter given; prints kafka-acls.sh's "Current ACLs for resource" blocks. */
    private static void printCurrent(ClusterAdmin admin, PrintWriter out, byte type, String name, byte pattern, String principal) {
        DescribeAclsRequest req = new DescribeAclsRequest();
        req.resourceTypeFilter = type;
        req.resourceNameFilter = name;
        req.patternTypeFilter = pattern;
        req.principalFilter = principal;
        req.hostFilter = null;
        req.operation = Acl.OP_ANY;
        req.permissionType = Acl.PERMISSION_ANY;
        DescribeAclsResponse resp = admin.client().send(ApiKeys.DESCRIBE_ACLS, req);
        Errors e = Errors.forCode(resp.errorCode);
        if (e != Errors.NONE) throw CliException.of(e, resp.errorMessage);
        for (DescribeAclsResponse.Resource r : resp.resources) {
            Acl.Resource res = new Acl.Resource(r.resourceType, r.resourceName, r.patternType);
            List<String> lines = new ArrayList<>();
            for (DescribeAclsResponse.Acl a : r.acls) lines.add("\t" + new Acl.Entry(a.principal, a.host, a.operation, a.permissionType));
            out.println("Current ACLs for resource `" + res + "`:\n" + String.join("\n", lines) + "\n");
        }
    }

    /** Kafka's ACL codes and names (org.apache.kafka.common.acl / resource), as the protocol carries them. */
    static final class Acl {
        static final byte TYPE_ANY = 1, TOPIC = 2, GROUP = 3, CLUSTER = 4, TRANSACTIONAL_ID = 5, DELEGATION_TOKEN = 6, USER = 7;
        static final byte PATTERN_ANY = 1, PATTERN_MATCH = 2, LITERAL = 3, PREFIXED = 4;
        static final byte OP_ANY = 1, ALL = 2, READ = 3, WRITE = 4, CREATE = 5, DELETE = 6, ALTER = 7, DESCRIBE = 8,
                CLUSTER_ACTION = 9, DESCRIBE_CONFIGS = 10, ALTER_CONFIGS = 11, IDEMPOTENT_WRITE = 12, CREATE_TOKENS = 13, DESCRIBE_TOKENS = 14;
        static final byte PERMISSION_ANY = 1, DENY = 2, ALLOW = 3;
        /** Operation names as kafka-acls.sh takes them, by code. */
        static final List<String> OPERATION_NAMES = List.of("All", "Read", "Write", "Create", "Delete", "Alter", "Describe",
                "ClusterAction", "DescribeConfigs", "AlterConfigs", "IdempotentWrite");
        private static final String[] OP_ENUM = {"UNKNOWN", "ANY", "ALL", "READ", "WRITE", "CREATE", "DELETE", "ALTER", "DESCRIBE",
                "CLUSTER_ACTION", "DESCRIBE_CONFIGS", "ALTER_CONFIGS", "IDEMPOTENT_WRITE", "CREATE_TOKENS", "DESCRIBE_TOKENS"};
        private static final String[] TYPE_ENUM = {"UNKNOWN", "ANY", "TOPIC", "GROUP", "CLUSTER", "TRANSACTIONAL_ID", "DELEGATION_TOKEN", "USER"};
        private static final String[] PATTERN_ENUM = {"UNKNOWN", "ANY", "MATCH", "LITERAL", "PREFIXED"};
        private static final String[] PERMISSION_ENUM = {"UNKNOWN", "ANY", "DENY", "ALLOW"};
        /** The operations each resource type supports (Kafka's AclEntry), ALL aside. */
        private static final Map<Byte, List<Byte>> SUPPORTED = Map.of(
                TOPIC, List.of(READ, WRITE, CREATE, DESCRIBE, DELETE, ALTER, DESCRIBE_CONFIGS, ALTER_CONFIGS),
                GROUP, List.of(READ, DESCRIBE, DELETE),
                CLUSTER, List.of(CREATE, CLUSTER_ACTION, DESCRIBE_CONFIGS, ALTER_CONFIGS, IDEMPOTENT_WRITE, ALTER, DESCRIBE),
                TRANSACTIONAL_ID, List.of(DESCRIBE, WRITE),
                DELEGATION_TOKEN, List.of(DESCRIBE),
                USER, List.of(CREATE_TOKENS, DESCRIBE_TOKENS));

        private Acl() {
        }

        private static String label(String[] names, byte code) {
            return code >= 0 && code < names.length ? names[code] : "UNKNOWN(" + code + ")";
        }

        static String typeName(byte code) {
            return label(TYPE_ENUM, code);
        }

        /** The code of an operation name (Read, IdempotentWrite, or READ, IDEMPOTENT_WRITE), or -1. */
        static byte operation(String name) {
            String n = name.trim().replace("_", "").toLowerCase(Locale.ROOT);
            for (int i = 2; i < OP_ENUM.length; i++) {
                if (OP_ENUM[i].replace("_", "").toLowerCase(Locale.ROOT).equals(n) && i <= IDEMPOTENT_WRITE) return (byte) i;
            }
            return -1;
        }

        /** The code of --resource-pattern-type's value, or -1. */
        static byte patternType(String name) {
            for (int i = 1; i < PATTERN_ENUM.length; i++) {
                if (PATTERN_ENUM[i].equalsIgnoreCase(name.trim())) return (byte) i;
            }
            return -1;
        }

        static boolean supports(byte type, byte op) {
            return op == ALL || SUPPORTED.getOrDefault(type, List.of()).contains(op);
        }

        static String supportedNames(byte type) {
            List<String> names = new ArrayList<>();
            for (byte op : SUPPORTED.getOrDefault(type, List.of())) names.add(OP_ENUM[op]);
            names.add("ALL");
            return String.join(", ", names);
        }

        /** A resource pattern, printed as Kafka's ResourcePattern. */
        record Resource(byte type, String name, byte pattern) {
            @Override
            public String toString() {
                return "ResourcePattern(resourceType=" + typeName(type) + ", name=" + name + ", patternType=" + label(PATTERN_ENUM, pattern) + ")";
            }
        }

        /** An access control entry, printed as Kafka's AccessControlEntry. */
        record Entry(String principal, String host, byte operation, byte permission) {
            @Override
            public String toString() {
                return "(principal=" + principal + ", host=" + host + ", operation=" + label(OP_ENUM, operation)
                        + ", permissionType=" + label(PERMISSION_ENUM, permission) + ")";
            }
        }
    }
}
