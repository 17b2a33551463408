package io.runnel.it;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.utils.internals.Exit;
import org.apache.kafka.tools.AclCommand;
import org.apache.kafka.tools.ConfigCommand;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Apache Kafka 4.4's own admin tools against Runnel over SASL_PLAINTEXT with the authorizer: {@code kafka-acls.sh}
 * ({@link AclCommand}) adds and lists an ACL; {@code kafka-configs.sh} ({@link ConfigCommand}) creates a SCRAM
 * credential that a client then logs in with, and sets and describes a client quota. Both tools take the admin's
 * credentials from {@code --command-config}. Run in-process (their {@code main}, with Kafka's exit procedure
 * turned into an exception and stdout captured); runs in runnel-it-kafka44 only, which has kafka-tools.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class KafkaSecurityToolsIT {
    @TempDir
    static Path dir;
    static TestBroker broker;
    static Path adminConfig;

    @BeforeAll
    static void start() throws Exception {
        Map<String, String> p = AclIT.authorizerProps();
        p.put("sasl.enabled.mechanisms", "PLAIN,SCRAM-SHA-256");
        broker = TestBroker.start(dir.resolve("broker"), p);
        broker.createTopic("t", 1);
        adminConfig = dir.resolve("admin.properties");
        Files.writeString(adminConfig, "security.protocol=SASL_PLAINTEXT\nsasl.mechanism=PLAIN\n"
                + "sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username=\"admin\" password=\"admin-secret\";\n");
        Exit.setExitProcedure((code, message) -> {
            throw new IllegalStateException("the tool exited with " + code + (message == null ? "" : ": " + message));
        });
    }

    @AfterAll
    static void stop() {
        Exit.resetExitProcedure();
        if (broker != null) broker.close();
    }

    interface Tool {
        void main(String[] args) throws Exception;
    }

    /** Runs {@code tool} with {@code --bootstrap-server} and {@code --command-config} added; returns its stdout. */
    static synchronized String run(Tool tool, String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of("--bootstrap-server", broker.bootstrap(), "--command-config", adminConfig.toString()));
        all.addAll(Arrays.asList(args));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream saved = System.out;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            tool.main(all.toArray(String[]::new));
        } finally {
            System.setOut(saved);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void kafkaAclsAddsAndListsAnAcl() throws Exception {
        String added = run(AclCommand::main, "--add", "--allow-principal", "User:alice", "--operation", "Read", "--topic", "t");
        String acl = "(principal=User:alice, host=*, operation=READ, permissionType=ALLOW)";
        assertThat(added).contains("ResourcePattern(resourceType=TOPIC, name=t, patternType=LITERAL)").contains(acl);
        String listed = run(AclCommand::main, "--list", "--topic", "t");
        assertThat(listed).contains("Current ACLs for resource `ResourcePattern(resourceType=TOPIC, name=t, patternType=LITERAL)`")
                .contains(acl);
    }

    @Test
    void kafkaConfigsCreatesAScramUserThatCanLogIn() throws Exception {
        run(ConfigCommand::main, "--entity-type", "users", "--entity-name", "alice", "--alter",
                "--add-config", "SCRAM-SHA-256=[iterations=8192,password=alice-secret]");
        assertThat(run(ConfigCommand::main, "--entity-type", "users", "--entity-name", "alice", "--describe"))
                .contains("SCRAM-SHA-256=iterations=8192");
        try (Admin alice = scramAdmin("alice", "alice-secret")) {
            assertThat(alice.describeCluster().clusterId().get(30, TimeUnit.SECONDS)).isNotBlank();
        }
        try (Admin wrong = scramAdmin("alice", "not-it")) {
            assertThatThrownBy(() -> wrong.describeCluster().clusterId().get(30, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(SaslAuthenticationException.class);
        }
    }

    @Test
    void kafkaConfigsSetsAndDescribesAClientQuota() throws Exception {
        run(ConfigCommand::main, "--entity-type", "clients", "--entity-name", "c1", "--alter", "--add-config", "producer_byte_rate=1024");
        assertThat(run(ConfigCommand::main, "--entity-type", "clients", "--entity-name", "c1", "--describe"))
                .contains("Quota configs for client-id 'c1' are producer_byte_rate=1024.0");
    }

    static Admin scramAdmin(String user, String password) {
        Map<String, Object> p = new HashMap<>();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap());
        p.put("security.protocol", "SASL_PLAINTEXT");
        p.put("sasl.mechanism", "SCRAM-SHA-256");
        p.put("sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"" + user
                + "\" password=\"" + password + "\";");
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 20_000);
        return Admin.create(p);
    }
}
