package io.runnel.cli;

import io.runnel.cli.KafkaProtocolClient.BrokerConnection;
import io.runnel.common.Errors;
import io.runnel.protocol.ApiKeys;
import io.runnel.protocol.message.ApiVersionsResponse;
import io.runnel.protocol.message.UpdateFeaturesRequest;
import io.runnel.protocol.message.UpdateFeaturesResponse;
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
 * {@code runnel features}: like kafka-features.sh — describe the supported and finalized feature levels (ApiVersions)
 * and finalize others (UpdateFeatures): upgrade, downgrade, disable.
 */
@Command(name = "features", mixinStandardHelpOptions = true,
        description = {"Describes the cluster's feature levels and upgrades, downgrades or disables them.",
                "Like kafka-features.sh. Exit codes: 0 success, 1 Kafka or connection error, 2 usage error."},
        subcommands = {FeaturesCommand.Describe.class, FeaturesCommand.Upgrade.class, FeaturesCommand.Downgrade.class,
                FeaturesCommand.Disable.class})
final class FeaturesCommand implements Callable<Integer> {
    /** UpdateFeatures v1+ upgrade types. */
    static final byte UPGRADE = 1, SAFE_DOWNGRADE = 2, UNSAFE_DOWNGRADE = 3;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return CliMain.USAGE;
    }

    @Command(name = "describe", mixinStandardHelpOptions = true,
            description = "Every feature the broker knows: its supported levels, the finalized level (0: off) and the epoch.")
    static final class Describe implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        ConnectionOptions connection;

        @Override
        public Integer call() {
            try (ClusterAdmin admin = connection.open(spec, spec.commandLine().getErr())) {
                ApiVersionsResponse r = admin.client().bootstrap().apiVersions();
                Map<String, Short> finalized = new LinkedHashMap<>();
                for (ApiVersionsResponse.FinalizedFeatureKey f : r.finalizedFeatures) finalized.put(f.name, f.maxVersionLevel);
                PrintWriter out = spec.commandLine().getOut();
                for (ApiVersionsResponse.SupportedFeatureKey f : r.supportedFeatures) {
                    out.printf("Feature: %s\tSupportedMinVersion: %d\tSupportedMaxVersion: %d\tFinalizedVersionLevel: %d\tEpoch: %s%n",
                            f.name, f.minVersion, f.maxVersion, finalized.getOrDefault(f.name, (short) 0),
                            r.finalizedFeaturesEpoch < 0 ? "-" : Long.toString(r.finalizedFeaturesEpoch));
                }
                return CliMain.OK;
            }
        }
    }

    /** What upgrade, downgrade and disable share: the connection, the features named, the dry run. */
    abstract static class Update implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        ConnectionOptions connection;
        @Option(names = "--dry-run", description = "Only validate the change.")
        boolean dryRun;

        /** feature -> level, in the order named. */
        abstract Map<String, Short> levels();

        abstract byte type();

        ParameterException usage(String message) {
            return new ParameterException(spec.commandLine(), message);
        }

        /** Parses "name=level" arguments. */
        Map<String, Short> parse(List<String> features) {
            Map<String, Short> out = new LinkedHashMap<>();
            for (String f : features) {
                int eq = f.indexOf('=');
                if (eq <= 0) throw usage("--feature takes NAME=LEVEL, got '" + f + "'");
                short level;
                try {
                    level = Short.parseShort(f.substring(eq + 1).trim());
                } catch (NumberFormatException e) {
                    throw usage("--feature " + f + ": the level must be a number");
                }
                if (level < 0) throw usage("--feature " + f + ": the level must not be negative");
                out.put(f.substring(0, eq).trim(), level);
            }
            return out;
        }

        @Override
        public Integer call() {
            Map<String, Short> levels = levels();
            if (levels.isEmpty()) throw usage("Name at least one --feature");
            try (ClusterAdmin admin = connection.open(spec, spec.commandLine().getErr())) {
                BrokerConnection c = admin.client().bootstrap();
                short v = c.version(ApiKeys.UPDATE_FEATURES);
                if (dryRun && v < 1) throw new CliException("the broker cannot validate only (UpdateFeatures v" + v + ")");
                UpdateFeaturesRequest req = new UpdateFeaturesRequest();
                req.timeoutMs = (int) Math.min(Integer.MAX_VALUE, Math.max(1, admin.client().remainingMs()));
                for (Map.Entry<String, Short> e : levels.entrySet()) {
                    UpdateFeaturesRequest.FeatureUpdate u = new UpdateFeaturesRequest.FeatureUpdate();
                    u.feature = e.getKey();
                    u.maxVersionLevel = e.getValue();
                    u.allowDowngrade = type() != UPGRADE;
                    u.upgradeType = type();
                    req.featureUpdates.add(u);
                }
                req.validateOnly = dryRun;
                UpdateFeaturesResponse resp = c.send(ApiKeys.UPDATE_FEATURES, v, req);
                Errors top = Errors.forCode(resp.errorCode);
                if (top != Errors.NONE) throw CliException.of(top, resp.errorMessage);
                List<String> failed = new ArrayList<>();
                for (UpdateFeaturesResponse.Result r : resp.results) {
                    if (r.errorCode != 0) failed.add(r.feature + ": " + Errors.forCode(r.errorCode).name() + " " + (r.errorMessage == null ? "" : r.errorMessage));
                }
                if (!failed.isEmpty()) throw new CliException(Errors.INVALID_UPDATE_VERSION, String.join("; ", failed));
                PrintWriter out = spec.commandLine().getOut();
                for (Map.Entry<String, Short> e : levels.entrySet()) {
                    out.printf("%s was %s to level %d.%n", e.getKey(), dryRun ? "validated for an update" : "updated", e.getValue());
                }
                return CliMain.OK;
            }
        }
    }

    @Command(name = "upgrade", mixinStandardHelpOptions = true, description = "Finalizes features at higher levels.")
    static final class Upgrade extends Update {
        @Option(names = "--feature", required = true, paramLabel = "NAME=LEVEL", description = "A feature and its new level (repeatable).")
        List<String> features = new ArrayList<>();

        @Override
        Map<String, Short> levels() {
            return parse(features);
        }

        @Override
        byte type() {
            return UPGRADE;
        }
    }

    @Command(name = "downgrade", mixinStandardHelpOptions = true, description = "Finalizes features at lower levels.")
    static final class Downgrade extends Update {
        @Option(names = "--feature", required = true, paramLabel = "NAME=LEVEL", description = "A feature and its new level (repeatable).")
        List<String> features = new ArrayList<>();
        @Option(names = "--unsafe", description = "Allow a downgrade that may lose metadata.")
        boolean unsafe;

        @Override
        Map<String, Short> levels() {
            return parse(features);
        }

        @Override
        byte type() {
            return unsafe ? UNSAFE_DOWNGRADE : SAFE_DOWNGRADE;
        }
    }

    @Command(name = "disable", mixinStandardHelpOptions = true, description = "Finalizes features at level 0 (off).")
    static final class Disable extends Update {
        @Option(names = "--feature", required = true, paramLabel = "NAME", description = "A feature to turn off (repeatable).")
        List<String> features = new ArrayList<>();
        @Option(names = "--unsafe", description = "Allow a downgrade that may lose metadata.")
        boolean unsafe;

        @Override
        Map<String, Short> levels() {
            Map<String, Short> out = new LinkedHashMap<>();
            for (String f : features) out.put(f, (short) 0);
            return out;
        }

        @Override
        byte type() {
            return unsafe ? UNSAFE_DOWNGRADE : SAFE_DOWNGRADE;
        }
    }
}
