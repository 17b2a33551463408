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

/** {@code runnel quotas} against an in-process broker: alter, describe (one entity, all), delete, errors. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class QuotasCommandTest {
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

    @Test
    void alterDescribeAndDeleteQuotas() {
        assertThat(ok("quotas", "alter", "--user", "alice", "--client-id", "app",
                "--add-config", "producer_byte_rate=1048576,consumer_byte_rate=2097152").out())
                .contains("Completed updating quotas of user 'alice', client-id 'app'.");
        ok("quotas", "alter", "--user-defaults", "--add-config", "request_percentage=50.5");
        ok("quotas", "alter", "--ip", "10.1.2.3", "--add-config", "connection_creation_rate=5");
        ok("quotas", "alter", "--client-id", "dry", "--add-config", "producer_byte_rate=10", "--dry-run");

        String all = ok("quotas", "describe").out();
        assertThat(all).contains("Quota configs for user 'alice', client-id 'app' are consumer_byte_rate=2097152.0, producer_byte_rate=1048576.0")
                .contains("Quota configs for user <default> are request_percentage=50.5")
                .contains("Quota configs for ip '10.1.2.3' are connection_creation_rate=5.0")
                .doesNotContain("'dry'");
        // one entity exactly: the user alone has no quotas of its own
        assertThat(ok("quotas", "describe", "--user", "alice").out()).isBlank();
        assertThat(ok("quotas", "describe", "--user", "alice", "--client-id", "app").out().lines().count()).isEqualTo(1);

        ok("quotas", "alter", "--user", "alice", "--client-id", "app", "--delete-config", "consumer_byte_rate");
        assertThat(ok("quotas", "describe", "--user", "alice", "--client-id", "app").out())
                .contains("are producer_byte_rate=1048576.0").doesNotContain("consumer_byte_rate");

        // Kafka's errors: exit 1 with the error's name; usage errors exit 2
        Result bad = broker.cli("quotas", "alter", "--user", "bob", "--add-config", "no_such_quota=1");
        assertThat(bad.exitCode()).as(bad.toString()).isEqualTo(CliMain.ERROR);
        assertThat(bad.err()).contains("INVALID_REQUEST");
        assertThat(broker.cli("quotas", "alter", "--add-config", "producer_byte_rate=1").exitCode()).isEqualTo(CliMain.USAGE);
        assertThat(broker.cli("quotas", "alter", "--user", "bob", "--add-config", "producer_byte_rate=fast").exitCode()).isEqualTo(CliMain.USAGE);
        assertThat(broker.cli("quotas", "describe", "--user", "x", "--user-defaults").exitCode()).isEqualTo(CliMain.USAGE);
    }
}
