package io.runnel.it;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * kafka-python 2.0 (Debian package python3-kafka, a pure-Python client with its own version probing)
 * against an in-process broker: it must detect the broker, create a topic, produce gzip batches, consume
 * them in a group and commit. The script is src/test/resources/kafka_python_client.py.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
// a third-party client: its behaviour does not depend on the kafka-clients generation, so it runs in runnel-it only
@EnabledIfSystemProperty(named = "it.kafka.clients.version", matches = "4\\.1\\..*")
class KafkaPythonIT {
    /** Debian installs the module for the system interpreter, not for other python3 builds on PATH. */
    private static final String PYTHON = "/usr/bin/python3";

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
        Path script = dir.resolve("kafka_python_client.py");
        try (InputStream in = KafkaPythonIT.class.getResourceAsStream("/kafka_python_client.py")) {
            assertThat(in).as("script on the test classpath").isNotNull();
            Files.copy(in, script, StandardCopyOption.REPLACE_EXISTING);
        }
        checkInstalled();
        Process p = new ProcessBuilder(PYTHON, script.toString(), broker.bootstrap(), "kafka-python", "kp-group", "200")
                .redirectErrorStream(true).start();
        boolean done = p.waitFor(90, TimeUnit.SECONDS);
        if (!done) p.destroyForcibly();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(done).as("kafka-python finished; output:\n%s", out).isTrue();
        assertThat(p.exitValue()).as("exit code; output:\n%s", out).isZero();
        assertThat(out).contains("listed True", "consumed 200", "committed 200").containsPattern("groups .*kp-group");
    }

    private static void checkInstalled() throws IOException, InterruptedException {
        Process p = new ProcessBuilder(PYTHON, "-c", "import kafka").redirectErrorStream(true).start();
        assertThat(p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0)
                .as("kafka-python importable by %s (Debian package python3-kafka; .ci/run installs it)", PYTHON).isTrue();
    }
}
