package io.runnel.cli;

import io.runnel.common.Errors;
import io.runnel.protocol.ApiKeys;
import io.runnel.protocol.message.AlterClientQuotasRequest;
import io.runnel.protocol.message.AlterClientQuotasResponse;
import io.runnel.protocol.message.DescribeClientQuotasRequest;
import io.runnel.protocol.message.DescribeClientQuotasResponse;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code runnel quotas}: client quotas, like {@code kafka-configs.sh --entity-type users|clients|ips} —
 * describe them (DescribeClientQuotas) and set or delete them (AlterClientQuotas).
 */
@Command(name = "quotas", mixinStandardHelpOptions = true,
        description = {"Describes and alters client quotas of users, client ids and IPs.",
                "Like kafka-configs.sh --entity-type users|clients|ips. Exit codes: 0 success, 1 Kafka or connection error, 2 usage error."},
        subcommands = {QuotasCommand.Describe.class, QuotasCommand.Alter.class})
final class QuotasCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return CliMain.USAGE;
    }

    /** The entity options: a name or the default of user, client id and ip. */
    static final class EntityOptions {
        @Option(names = "--user", paramLabel = "NAME", description = "A user (principal name).")
        String user;
        @Option(names = "--user-defaults", description = "The default user.")
        boolean userDefault;
        @Option(names = "--client-id", paramLabel = "ID", description = "A client id.")
        String clientId;
        @Option(names = "--client-defaults", description = "The default client id.")
        boolean clientDefault;
        @Option(names = "--ip", paramLabel = "ADDRESS", description = "A client IP address.")
        String ip;
        @Option(names = "--ip-defaults", description = "The default IP.")
        boolean ipDefault;

        /** Entity type to name (null: the default), in the order user, client-id, ip. */
        Map<String, String> entity(CommandSpec spec) {
            Map<String, String> out = new LinkedHashMap<>();
            put(spec, out, "user", user, userDefault);
            put(spec, out, "client-id", clientId, clientDefault);
            put(spec, out, "ip", ip, ipDefault);
            return out;
        }

        private static void put(CommandSpec spec, Map<String, String> out, String type, String name, boolean isDefault) {
            if (name != null && isDefault) {
                throw new ParameterException(spec.commandLine(), "Give a " + type + " name or its defaults, not both");
            }
            if (name != null || isDefault) out.put(type, name);
        }
    }

    static String describe(Map<String, String> entity) {
        List<String> parts = new ArrayList<>();
        entity.forEach((type, name) -> parts.add(type + " " + (name == null ? "<default>" : "'" + name + "'")));
        return String.join(", ", parts);
    }

    @Command(name = "describe", mixinStandardHelpOptions = true,
            description = "The quotas of the entity given (exactly it), or of every entity when none is given.")
    static final class Describe implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        ConnectionOptions connection;
        @picocli.CommandLine.ArgGroup(exclusive = false)
        EntityOptions entity = new EntityOptions();

        @Override
        public Integer call() {
            Map<String, String> wanted = entity.entity(spec);
            DescribeClientQuotasRequest req = new DescribeClientQuotasRequest();
            wanted.forEach((type, name) -> {
                DescribeClientQuotasRequest.ComponentData c = new DescribeClientQuotasRequest.ComponentData();
                c.entityType = type;
                c.matchType = name == null ? (byte) 1 : (byte) 0;
                c.match = name;
                req.components.add(c);
            });
            req.strict = !wanted.isEmpty();
            try (ClusterAdmin admin = connection.open(spec, spec.commandLine().getErr())) {
                DescribeClientQuotasResponse resp = admin.client().send(ApiKeys.DESCRIBE_CLIENT_QUOTAS, req);
                Errors top = Errors.forCode(resp.errorCode);
                if (top != Errors.NONE) throw CliException.of(top, resp.errorMessage);
                PrintWriter out = spec.commandLine().getOut();
                List<String> lines = new ArrayList<>();
                for (DescribeClientQuotasResponse.EntryData e : resp.entries) {
                    Map<String, String> names = new LinkedHashMap<>();
                    for (String type : List.of("user", "client-id", "ip")) {
                        for (DescribeClientQuotasResponse.EntityData d : e.entity) if (d.entityType.equals(type)) names.put(type, d.entityName);
                    }
                    List<String> values = new ArrayList<>();
                    for (DescribeClientQuotasResponse.ValueData v : e.values) values.add(v.key + "=" + v.value);
                    lines.add("Quota configs for " + describe(names) + " are " + String.join(", ", values));
                }
                lines.sort(null);
                lines.forEach(out::println);
                return CliMain.OK;
            }
        }
    }

    @Command(name = "alter", mixinStandardHelpOptions = true, description = "Sets and deletes quotas of one entity.")
    static final class Alter implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        ConnectionOptions connection;
        @picocli.CommandLine.ArgGroup(exclusive = false)
        EntityOptions entity = new EntityOptions();
        @Option(names = "--add-config", split = ",", paramLabel = "KEY=VALUE",
                description = "Quotas to set, e.g. producer_byte_rate=1048576,consumer_byte_rate=2097152.")
        List<String> add = new ArrayList<>();
        @Option(names = "--delete-config", split = ",", paramLabel = "KEY", description = "Quotas to delete.")
        List<String> delete = new ArrayList<>();
        @Option(names = "--dry-run", description = "Only validate the change.")
        boolean dryRun;

        @Override
        public Integer call() {
            Map<String, String> target = entity.entity(spec);
            if (target.isEmpty()) throw new ParameterException(spec.commandLine(), "Name an entity: --user/--client-id/--ip or their --*-defaults");
            if (add.isEmpty() && delete.isEmpty()) throw new ParameterException(spec.commandLine(), "Give --add-config and/or --delete-config");
            AlterClientQuotasRequest.EntryData entry = new AlterClientQuotasRequest.EntryData();
            target.forEach((type, name) -> {
                AlterClientQuotasRequest.EntityData d = new AlterClientQuotasRequest.EntityData();
                d.entityType = type;
                d.entityName = name;
                entry.entity.add(d);
            });
            for (String kv : add) {
                int eq = kv.indexOf('=');
                if (eq <= 0) throw new ParameterException(spec.commandLine(), "--add-config takes KEY=VALUE, got '" + kv + "'");
                AlterClientQuotasRequest.OpData op = new AlterClientQuotasRequest.OpData();
                op.key = kv.substring(0, eq).trim();
                try {
                    op.value = Double.parseDouble(kv.substring(eq + 1).trim());
                } catch (NumberFormatException e) {
                    throw new ParameterException(spec.commandLine(), "--add-config " + kv + ": the value must be a number");
                }
                entry.ops.add(op);
            }
            for (String k : delete) {
                AlterClientQuotasRequest.OpData op = new AlterClientQuotasRequest.OpData();
                op.key = k.trim();
                op.remove = true;
                entry.ops.add(op);
            }
            AlterClientQuotasRequest req = new AlterClientQuotasRequest();
            req.entries.add(entry);
            req.validateOnly = dryRun;
            try (ClusterAdmin admin = connection.open(spec, spec.commandLine().getErr())) {
                AlterClientQuotasResponse resp = admin.client().send(ApiKeys.ALTER_CLIENT_QUOTAS, req);
                for (AlterClientQuotasResponse.EntryData e : resp.entries) {
                    Errors err = Errors.forCode(e.errorCode);
                    if (err != Errors.NONE) throw CliException.of(err, e.errorMessage);
                }
                spec.commandLine().getOut().println((dryRun ? "Validated" : "Completed") + " updating quotas of " + describe(target) + ".");
                return CliMain.OK;
            }
        }
    }
}
