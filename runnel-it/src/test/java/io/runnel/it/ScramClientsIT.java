package io.runnel.it;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Third-party clients as SCRAM users over SASL_PLAINTEXT against an in-process broker: kafkajs with SCRAM-SHA-256
 * produces and consumes; kafka-python 2.0 (SaslHandshake v0, bare tokens) with SCRAM-SHA-512 too. The users are
 * created with Admin (as a PLAIN user).
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
// third-party clients: their behaviour does not depend on the kafka-clients generation, so it runs in runnel-it only
@EnabledIfSystemProperty(named = "it.kafka.clients.version", matches = "4\\.1\\..*")
class ScramClientsIT {
    @TempDir
    static Path dir;
    static TestBroker broker;
    static String bootstrap;

    @BeforeAll
    static void start() throws Exception {
        int sasl = BrokerProcess.freePort();
        Map<String, String> props = new LinkedHashMap<>();
        props.put("listeners", "SASL_PLAINTEXT://127.0.0.1:" + sasl);
        props.put("sasl.enabled.mechanisms", "PLAIN,SCRAM-SHA-256,SCRAM-SHA-512");
        props.put("listener.name.sasl_plaintext.plain.sasl.jaas.config",
                "org.apache.kafka.common.security.plain.PlainLoginModule required user_admin=\"admin-secret\";");
        broker = TestBroker.start(dir.resolve("broker"), props);
        bootstrap = "127.0.0.1:" + sasl;
        Map<String, Object> admin = new HashMap<>();
        admin.put("bootstrap.servers", bootstrap);
        admin.put("security.protocol", "SASL_PLAINTEXT");
        admin.put("sasl.mechanism", "PLAIN");
        admin.put("sasl.jaas.config", "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"admin\" password=\"admin-secret\";");
        try (Admin a = Admin.create(admin)) {
            a.alterUserScramCredentials(List.of(
                    new UserScramCredentialUpsertion("js", new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_256, 4096), "js-secret"),
                    new UserScramCredentialUpsertion("py", new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 4096), "py-secret")))
                    .all().get(30, TimeUnit.SECONDS);
        }
    }

    @AfterAll
    static void stop() {
        if (broker != null) broker.close();
    }

    private static Path script(String name) throws Exception {
        Path script = dir.resolve(name);
        try (InputStream in = ScramClientsIT.class.getResourceAsStream("/" + name)) {
            assertThat(in).as("script on the test classpath").isNotNull();
            Files.copy(in, script, StandardCopyOption.REPLACE_EXISTING);
        }
        return script;
    }

    private static String run(ProcessBuilder pb) throws Exception {
        return run(pb, true);
    }

    private static String run(ProcessBuilder pb, boolean mustSucceed) throws Exception {
        Path out = Files.createTempFile(dir, "client", ".out");
        Process p = pb.redirectErrorStream(true).redirectOutput(out.toFile()).start();
        boolean done = p.waitFor(120, TimeUnit.SECONDS);
        if (!done) p.destroyForcibly();
        String text = Files.readString(out);
        assertThat(done).as("client finished; output:\n%s", text).isTrue();
        if (mustSucceed) assertThat(p.exitValue()).as("exit code; output:\n%s", text).isZero();
        else assertThat(p.exitValue()).as("exit code; output:\n%s", text).isNotZero();
        return text;
    }

    @Test
    void kafkajsProducesAndConsumesAsAScramSha256User() throws Exception {
        Path modules = KafkajsIT.installKafkajs();
        broker.createTopic("scram-kafkajs", 1);
        ProcessBuilder pb = new ProcessBuilder("node", script("kafkajs_scram.js").toString(), bootstrap, "scram-kafkajs",
                "scram-sha-256", "js", "js-secret", "20");
        pb.environment().put("NODE_PATH", modules.toString());
        assertThat(run(pb)).contains("consumed 20");
    }

    /**
     * kafka-python 2.0 (Debian's python3-kafka) authenticates with SaslHandshake v0 and bare SASL tokens, which Kafka
     * 4.4 still serves: as a SCRAM-SHA-512 user it produces and consumes; with a wrong password the broker closes the
     * connection and the client finds no broker, while the right password keeps working.
     */
    @Test
    void kafkaPython20ProducesAndConsumesAsAScramSha512User() throws Exception {
        broker.createTopic("scram-kafka-python", 1);
        // Debian installs the module for the system interpreter
        String out = run(new ProcessBuilder("/usr/bin/python3", script("kafka_python_scram.py").toString(), bootstrap,
                "scram-kafka-python", "SCRAM-SHA-512", "py", "py-secret", "5"));
        assertThat(out).contains("consumed=p0,p1,p2,p3,p4");
        String refused = run(new ProcessBuilder("/usr/bin/python3", script("kafka_python_scram.py").toString(), bootstrap,
                "scram-kafka-python", "SCRAM-SHA-512", "py", "not-the-secret", "1"), false);
        assertThat(refused).contains("NoBrokersAvailable").doesNotContain("consumed=");
    }
}
