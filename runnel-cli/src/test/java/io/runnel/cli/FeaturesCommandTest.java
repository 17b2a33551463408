package io.runnel.cli;

import io.runnel.cli.EmbeddedBroker.Result;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code runnel features} against an in-process broker: describe, and transaction.version down and up again. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class FeaturesCommandTest {
    @TempDir
    static Path dataDir;
    static EmbeddedBroker broker;

    @BeforeAll
    static void startBroker() throws Exception {
        broker = EmbeddedBroker.start(dataDir);
    }

    @AfterAll
    static void stopBroker() {
        if (broker != null) broker.close();
    }

    private static Result ok(String... args) {
        Result r = broker.cli(args);
        assertThat(r.exitCode()).as(r.toString()).isZero();
        return r;
    }

    private static String line(Result describe, String feature) {
        return describe.out().lines().filter(l -> l.startsWith("Feature: " + feature + "\t")).findFirst()
                .orElseThrow(() -> new AssertionError("no line for " + feature + " in\n" + describe));
    }

    @Test
    void describeThenDowngradeAndUpgradeTheTransactionVersion() {
        Result d = ok("features", "describe");
        assertThat(line(d, "transaction.version")).contains("SupportedMinVersion: 0\tSupportedMaxVersion: 2\tFinalizedVersionLevel: 2\t");
        assertThat(line(d, "metadata.version")).contains("FinalizedVersionLevel: 33");

        // a lower level without the downgrade subcommand is refused; a dry run changes nothing
        Result refused = broker.cli("features", "upgrade", "--feature", "transaction.version=1");
        assertThat(refused.exitCode()).as(refused.toString()).isEqualTo(CliMain.ERROR);
        assertThat(refused.err()).contains("INVALID_UPDATE_VERSION");
        ok("features", "downgrade", "--feature", "transaction.version=1", "--dry-run");
        assertThat(line(ok("features", "describe"), "transaction.version")).contains("FinalizedVersionLevel: 2\t");

        ok("features", "downgrade", "--feature", "transaction.version=1");
        assertThat(line(ok("features", "describe"), "transaction.version")).contains("FinalizedVersionLevel: 1\t");
        ok("features", "upgrade", "--feature", "transaction.version=2");
        assertThat(line(ok("features", "describe"), "transaction.version")).contains("FinalizedVersionLevel: 2\t");

        Result unknown = broker.cli("features", "upgrade", "--feature", "no.such.version=1");
        assertThat(unknown.exitCode()).isEqualTo(CliMain.ERROR);
        assertThat(broker.cli("features", "upgrade", "--feature", "transaction.version").exitCode()).isEqualTo(CliMain.USAGE);
    }
}
