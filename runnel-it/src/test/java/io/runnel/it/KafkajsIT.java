package io.runnel.it;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * kafkajs (a pure JavaScript client) against an in-process broker: admin, producer, group consumer and
 * committed offsets. kafkajs is installed with npm, at a pinned version, into target/ on first use; the
 * script is src/test/resources/kafkajs_client.js.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
// a third-party client: its behaviour does not depend on the kafka-clients generation, so it runs in runnel-it only
@EnabledIfSystemProperty(named = "it.kafka.clients.version", matches = "4\\.1\\..*")
class KafkajsIT {
    private static final String KAFKAJS = "kafkajs@2.2.4";

    @TempDir
    static Path dir;
    static TestBroker broker;

    @BeforeAll
    static void start() {
        broker = TestBroker.start(dir.resolve("broker"));
    }

    @AfterAll
    static void stop() {
        if (broker != null) broker.close();
    }

    @Test
    void adminProducerAndGroupConsumerWork() throws Exception {
        Path modules = installKafkajs();
        Path script = dir.resolve("kafkajs_client.js");
        try (InputStream in = KafkajsIT.class.getResourceAsStream("/kafkajs_client.js")) {
            assertThat(in).as("script on the test classpath").isNotNull();
            Files.copy(in, script, StandardCopyOption.REPLACE_EXISTING);
        }
        ProcessBuilder pb = new ProcessBuilder("node", script.toString(), broker.bootstrap(), "kafkajs", "kafkajs-group", "200")
                .redirectErrorStream(true);
        pb.environment().put("NODE_PATH", modules.toString());
        Process p = pb.start();
        boolean done = p.waitFor(120, TimeUnit.SECONDS);
        if (!done) p.destroyForcibly();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(done).as("kafkajs finished; output:\n%s", out).isTrue();
        assertThat(p.exitValue()).as("exit code; output:\n%s", out).isZero();
        assertThat(out).contains("consumed 200", "committed 200");
    }

    /** kafkajs transactions: commit and abort; its read_committed consumer skips the aborted record. */
    @Test
    void transactionsCommitAndAbort() throws Exception {
        Path modules = installKafkajs();
        broker.createTopic("kafkajs-txn", 1);
        Path script = dir.resolve("kafkajs_txn.js");
        try (InputStream in = KafkajsIT.class.getResourceAsStream("/kafkajs_txn.js")) {
            assertThat(in).as("script on the test classpath").isNotNull();
            Files.copy(in, script, StandardCopyOption.REPLACE_EXISTING);
        }
        ProcessBuilder pb = new ProcessBuilder("node", script.toString(), broker.bootstrap(), "kafkajs-txn").redirectErrorStream(true);
        pb.environment().put("NODE_PATH", modules.toString());
        Process p = pb.start();
        boolean done = p.waitFor(120, TimeUnit.SECONDS);
        if (!done) p.destroyForcibly();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(done).as("kafkajs finished; output:\n%s", out).isTrue();
        assertThat(p.exitValue()).as("exit code; output:\n%s", out).isZero();
        assertThat(out).contains("committed c1,c2,c3", "uncommitted c1,c2,a1,c3");
    }

    /** npm-installs kafkajs under target/ once; returns its node_modules directory. */
    static Path installKafkajs() throws Exception {
        Path prefix = Path.of("target", "kafkajs").toAbsolutePath();
        Path modules = prefix.resolve("node_modules");
        if (Files.isRegularFile(modules.resolve("kafkajs/package.json"))) return modules;
        Files.createDirectories(prefix);
        Process p = new ProcessBuilder("npm", "install", "--no-save", "--no-audit", "--no-fund", "--prefix", prefix.toString(), KAFKAJS)
                .redirectErrorStream(true).start();
        boolean done = p.waitFor(180, TimeUnit.SECONDS);
        if (!done) p.destroyForcibly();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(done && p.exitValue() == 0).as("npm install %s (needs node and npm on PATH); output:\n%s", KAFKAJS, out).isTrue();
        return modules;
    }
}
