package io.runnel.cli;

import io.runnel.cli.EmbeddedBroker.Result;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code --command-config} (SASL PLAIN and SCRAM, TLS with trust store and client certificate, bad files),
 * {@code runnel acls} and {@code runnel users} against an in-process broker with a SASL_PLAINTEXT and a mutual-TLS
 * SSL listener and the authorizer (super users admin over SASL and "client" over TLS).
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class SecurityCommandsTest {
    @TempDir
    static Path dir;
    static EmbeddedBroker broker;
    static Path brokerP12;
    static Path clientP12;
    static Path clientTrust;
    static Path adminConfig;

    static final String PLAIN_MODULE = "org.apache.kafka.common.security.plain.PlainLoginModule";
    static final String SCRAM_MODULE = "org.apache.kafka.common.security.scram.ScramLoginModule";

    @BeforeAll
    static void startBroker() throws Exception {
        Path certs = dir.resolve("certs");
        brokerP12 = TestCerts.identity(certs, "broker");
        clientP12 = TestCerts.identity(certs, "client");
        Path brokerTrust = TestCerts.trustStore(certs.resolve("broker-trust.p12"), clientP12, "client");
        clientTrust = TestCerts.trustStore(certs.resolve("client-trust.p12"), brokerP12, "broker");
        broker = EmbeddedBroker.start(dir.resolve("data"), 2, ports -> {
            Map<String, String> p = new LinkedHashMap<>();
            p.put("listeners", "SASL_PLAINTEXT://127.0.0.1:" + ports[0] + ",SSL://127.0.0.1:" + ports[1]);
            p.put("sasl.enabled.mechanisms", "PLAIN,SCRAM-SHA-256,SCRAM-SHA-512");
            p.put("listener.name.sasl_plaintext.plain.sasl.jaas.config",
                    PLAIN_MODULE + " required user_admin=\"admin-secret\" user_alice=\"alice-secret\";");
            p.put("authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer");
            p.put("super.users", "User:admin;User:client");
            p.put("listener.name.ssl.ssl.keystore.type", "PKCS12");
            p.put("listener.name.ssl.ssl.keystore.location", brokerP12.toString());
            p.put("listener.name.ssl.ssl.keystore.password", TestCerts.PASSWORD);
            p.put("listener.name.ssl.ssl.truststore.type", "PKCS12");
            p.put("listener.name.ssl.ssl.truststore.location", brokerTrust.toString());
            p.put("listener.name.ssl.ssl.truststore.password", TestCerts.PASSWORD);
            p.put("listener.name.ssl.ssl.client.auth", "required");
            p.put("listener.name.ssl.ssl.principal.mapping.rules", "RULE:^CN=([^,]*),.*$/$1/");
            return p;
        });
        adminConfig = config("admin", "security.protocol", "SASL_PLAINTEXT", "sasl.mechanism", "PLAIN",
                "sasl.jaas.config", PLAIN_MODULE + " required username=\"admin\" password=\"admin-secret\";");
    }

    @AfterAll
    static void stopBroker() {
        if (broker != null) broker.close();
    }

    /** A properties file {@code <dir>/<name>.properties} of the key-value pairs given. */
    static Path config(String name, String... kv) throws Exception {
        Properties p = new Properties();
        for (int i = 0; i < kv.length; i += 2) p.setProperty(kv[i], kv[i + 1]);
        Path f = dir.resolve(name + ".properties");
        try (OutputStream out = Files.newOutputStream(f)) {
            p.store(out, null);
        }
        return f;
    }

    static Path scramConfig(String name, String mechanism, String user, String password) throws Exception {
        return config(name, "security.protocol", "SASL_PLAINTEXT", "sasl.mechanism", mechanism,
                "sasl.jaas.config", SCRAM_MODULE + " required username=\"" + user + "\" password=\"" + password + "\";");
    }

    /** {@code runnel <args> --command-config <cfg>} against the SASL_PLAINTEXT listener. */
    static Result as(Path cfg, String... args) {
        List<String> all = new ArrayList<>(Arrays.asList(args));
        all.add("--command-config");
        all.add(cfg.toString());
        return broker.cli(all.toArray(String[]::new));
    }

    static Result ok(Result r) {
        assertThat(r.exitCode()).as(r.toString()).isZero();
        return r;
    }

    static Result fails(Result r, int exitCode, String errContains) {
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(exitCode);
        assertThat(r.err()).as(r.toString()).contains(errContains);
        return r;
    }

    @Test
    void commandConfigOverSaslPlaintext() throws Exception {
        ok(as(adminConfig, "topics", "--create", "--topic", "sasl-topic", "--partitions", "1"));
        assertThat(ok(as(adminConfig, "topics", "--list")).out()).contains("sasl-topic");
        // a key runnel-cli does not use: a warning, as Kafka's tools print, and the command still works
        Path withExtra = config("extra", "security.protocol", "SASL_PLAINTEXT", "sasl.mechanism", "PLAIN", "request.timeout.ms", "5000",
                "sasl.jaas.config", PLAIN_MODULE + " required username=\"admin\" password=\"admin-secret\";");
        Result r = ok(as(withExtra, "topics", "--list"));
        assertThat(r.err()).contains("Warning: The configuration 'request.timeout.ms' was supplied but isn't a known config");

        Path wrong = config("wrong", "security.protocol", "SASL_PLAINTEXT", "sasl.mechanism", "PLAIN",
                "sasl.jaas.config", PLAIN_MODULE + " required username=\"admin\" password=\"nope\";");
        fails(as(wrong, "topics", "--list"), CliMain.ERROR, "Error: SASL_AUTHENTICATION_FAILED: ");
        // no --command-config: the SASL listener closes the connection at the first request that is not ApiVersions
        fails(broker.cli("topics", "--list", "--timeout", "10000"), CliMain.ERROR, "need authentication");
        // SASL against the TLS listener: the handshake is TLS's, so the plain socket fails
        fails(EmbeddedBroker.run("topics", "--list", "--timeout", "5000", "--bootstrap-server", broker.address(1),
                "--command-config", adminConfig.toString()), CliMain.ERROR, "Error: ");
    }

    @Test
    void commandConfigOverSslWithTrustStoreAndClientCertificate() throws Exception {
        Path ssl = config("ssl", "security.protocol", "SSL",
                "ssl.truststore.type", "PKCS12", "ssl.truststore.location", clientTrust.toString(), "ssl.truststore.password", TestCerts.PASSWORD,
                "ssl.keystore.type", "PKCS12", "ssl.keystore.location", clientP12.toString(), "ssl.keystore.password", TestCerts.PASSWORD,
                "ssl.key.password", TestCerts.PASSWORD);
        Result r = ok(EmbeddedBroker.run("topics", "--create", "--topic", "tls-topic", "--bootstrap-server", broker.address(1),
                "--command-config", ssl.toString()));
        assertThat(r.err()).isEmpty();
        // the same with the broker's certificate as inline PEM (ssl.truststore.type=PEM)
        Path pem = config("ssl-pem", "security.protocol", "SSL", "ssl.truststore.type", "PEM",
                "ssl.truststore.certificates", TestCerts.pem(brokerP12, "broker"),
                "ssl.keystore.type", "PKCS12", "ssl.keystore.location", clientP12.toString(), "ssl.keystore.password", TestCerts.PASSWORD);
        assertThat(ok(EmbeddedBroker.run("topics", "--list", "--bootstrap-server", broker.address(1), "--command-config", pem.toString())).out())
                .contains("tls-topic");
        // the JDK's default CAs do not trust the broker's self-signed certificate
        Path untrusted = config("ssl-untrusted", "security.protocol", "SSL",
                "ssl.keystore.type", "PKCS12", "ssl.keystore.location", clientP12.toString(), "ssl.keystore.password", TestCerts.PASSWORD);
        fails(EmbeddedBroker.run("topics", "--list", "--timeout", "10000", "--bootstrap-server", broker.address(1),
                "--command-config", untrusted.toString()), CliMain.ERROR, "TLS handshake with " + broker.address(1) + " failed");
    }

    @Test
    void badCommandConfigFilesAreUsageErrorsNamingTheKey() throws Exception {
        fails(as(dir.resolve("missing.properties"), "topics", "--list"), CliMain.USAGE, "no such file");
        fails(as(config("b1", "security.protocol", "TLS"), "topics", "--list"), CliMain.USAGE, "security.protocol");
        fails(as(config("b2", "security.protocol", "SASL_PLAINTEXT"), "topics", "--list"), CliMain.USAGE, "GSSAPI");
        fails(as(config("b3", "security.protocol", "SASL_SSL", "sasl.mechanism", "OAUTHBEARER"), "topics", "--list"),
                CliMain.USAGE, "sasl.mechanism");
        fails(as(config("b4", "security.protocol", "SASL_PLAINTEXT", "sasl.mechanism", "PLAIN"), "topics", "--list"),
                CliMain.USAGE, "needs sasl.jaas.config");
        fails(as(config("b5", "security.protocol", "SASL_PLAINTEXT", "sasl.mechanism", "PLAIN",
                "sasl.jaas.config", PLAIN_MODULE + " required username=\"admin\" password=\"x\""), "topics", "--list"), CliMain.USAGE, "sasl.jaas.config");
        fails(as(config("b6", "security.protocol", "SASL_PLAINTEXT", "sasl.mechanism", "SCRAM-SHA-256",
                "sasl.jaas.config", PLAIN_MODULE + " required username=\"admin\" password=\"x\";"), "topics", "--list"), CliMain.USAGE, SCRAM_MODULE);
        fails(as(config("b7", "security.protocol", "SASL_PLAINTEXT", "sasl.mechanism", "PLAIN",
                "sasl.jaas.config", PLAIN_MODULE + " required username=\"admin\";"), "topics", "--list"), CliMain.USAGE, "password");
        fails(as(config("b8", "security.protocol", "SSL", "ssl.truststore.location", dir.resolve("nothing.jks").toString()),
                "topics", "--list"), CliMain.USAGE, "ssl.truststore.location");
        fails(as(config("b9", "security.protocol", "SSL", "ssl.truststore.type", "PKCS12", "ssl.truststore.location", clientTrust.toString(),
                "ssl.truststore.password", "wrong"), "topics", "--list"), CliMain.USAGE, "ssl.truststore.password");
        fails(as(config("b10", "security.protocol", "SSL", "ssl.truststore.type", "XYZ"), "topics", "--list"), CliMain.USAGE, "ssl.truststore.type");
        // every command takes it
        for (String[] cmd : new String[][]{{"groups", "--list"}, {"transactions", "list"}, {"features", "describe"},
                {"metadata-quorum", "describe", "--status"}, {"reassign-partitions", "--list"}, {"quotas", "describe"},
                {"leader-election", "--election-type", "PREFERRED", "--all-topic-partitions"}, {"acls", "--list"}, {"users", "--describe"}}) {
            fails(as(config("b1", "security.protocol", "TLS"), cmd), CliMain.USAGE, "security.protocol");
        }
    }

    @Test
    void aclsAddListRemove() throws Exception {
        String lit = "ResourcePattern(resourceType=TOPIC, name=orders, patternType=LITERAL)";
        String pre = "ResourcePattern(resourceType=TOPIC, name=ord, patternType=PREFIXED)";
        String aliceRead = "(principal=User:alice, host=*, operation=READ, permissionType=ALLOW)";
        String bobDeny = "(principal=User:bob, host=10.0.0.1, operation=WRITE, permissionType=DENY)";
        Result add = ok(as(adminConfig, "acls", "--add", "--allow-principal", "User:alice", "--operation", "Read", "--topic", "orders"));
        assertThat(add.out()).isEqualTo("Adding ACLs for resource `" + lit + "`: \n \t" + aliceRead + "\n\n");
        ok(as(adminConfig, "acls", "--add", "--deny-principal", "User:bob", "--deny-host", "10.0.0.1", "--operation", "Write",
                "--topic", "ord", "--resource-pattern-type", "prefixed"));

        assertThat(ok(as(adminConfig, "acls", "--list")).out()).contains(lit, pre, aliceRead, bobDeny);
        String literalOnly = ok(as(adminConfig, "acls", "--list", "--topic", "orders")).out();
        assertThat(literalOnly).isEqualTo("Current ACLs for resource `" + lit + "`:\n\t" + aliceRead + "\n\n");
        assertThat(ok(as(adminConfig, "acls", "--list", "--topic", "orders", "--resource-pattern-type", "match")).out())
                .contains(aliceRead, bobDeny);
        String bobs = ok(as(adminConfig, "acls", "--list", "--principal", "User:bob")).out();
        assertThat(bobs).contains("ACLs for principal `User:bob`", bobDeny).doesNotContain(aliceRead);

        // --producer --idempotent with a transactional id, --consumer with a group
        ok(as(adminConfig, "acls", "--add", "--producer", "--idempotent", "--topic", "orders", "--transactional-id", "tx-1",
                "--allow-principal", "User:carol"));
        assertThat(ok(as(adminConfig, "acls", "--list", "--topic", "orders")).out())
                .contains("(principal=User:carol, host=*, operation=WRITE, permissionType=ALLOW)",
                        "(principal=User:carol, host=*, operation=DESCRIBE, permissionType=ALLOW)",
                        "(principal=User:carol, host=*, operation=CREATE, permissionType=ALLOW)");
        assertThat(ok(as(adminConfig, "acls", "--list", "--cluster")).out())
                .contains("ResourcePattern(resourceType=CLUSTER, name=kafka-cluster, patternType=LITERAL)",
                        "(principal=User:carol, host=*, operation=IDEMPOTENT_WRITE, permissionType=ALLOW)");
        String tx = ok(as(adminConfig, "acls", "--list", "--transactional-id", "tx-1")).out();
        assertThat(tx).contains("(principal=User:carol, host=*, operation=WRITE, permissionType=ALLOW)",
                "(principal=User:carol, host=*, operation=DESCRIBE, permissionType=ALLOW)");
        ok(as(adminConfig, "acls", "--add", "--consumer", "--topic", "orders", "--group", "g1", "--allow-principal", "User:dave"));
        assertThat(ok(as(adminConfig, "acls", "--list", "--group", "g1")).out())
                .contains("(principal=User:dave, host=*, operation=READ, permissionType=ALLOW)");

        // remove one entry, then everything on the prefixed pattern
        Result rm = ok(as(adminConfig, "acls", "--remove", "--allow-principal", "User:alice", "--operation", "Read", "--topic", "orders"));
        assertThat(rm.out()).contains("Removed 1 ACL.");
        assertThat(ok(as(adminConfig, "acls", "--list", "--topic", "orders")).out()).doesNotContain(aliceRead).contains("User:carol");
        ok(as(adminConfig, "acls", "--remove", "--topic", "ord", "--resource-pattern-type", "prefixed"));
        assertThat(ok(as(adminConfig, "acls", "--list")).out()).doesNotContain(bobDeny).contains("User:dave");

        // usage errors (exit 2) and the broker's refusal of a non-super user (exit 1)
        fails(as(adminConfig, "acls", "--add", "--allow-principal", "User:x", "--operation", "Read", "--cluster"), CliMain.USAGE,
                "ResourceType CLUSTER only supports operations");
        fails(as(adminConfig, "acls", "--add", "--allow-principal", "User:x", "--topic", "t", "--resource-pattern-type", "any"),
                CliMain.USAGE, "not valid when adding acls");
        fails(as(adminConfig, "acls", "--add", "--allow-principal", "alice", "--topic", "t"), CliMain.USAGE, "principalType:principalName");
        fails(as(adminConfig, "acls", "--add", "--consumer", "--topic", "t", "--allow-principal", "User:x"), CliMain.USAGE, "--group");
        fails(as(adminConfig, "acls", "--add", "--allow-principal", "User:x", "--operation", "Fly", "--topic", "t"), CliMain.USAGE, "Unknown --operation");
        Path alice = config("alice", "security.protocol", "SASL_PLAINTEXT", "sasl.mechanism", "PLAIN",
                "sasl.jaas.config", PLAIN_MODULE + " required username=\"alice\" password=\"alice-secret\";");
        fails(as(alice, "acls", "--add", "--allow-principal", "User:alice", "--topic", "t"), CliMain.ERROR, "CLUSTER_AUTHORIZATION_FAILED");
    }

    @Test
    void aclsWithoutAnAuthorizerAreSecurityDisabled(@TempDir Path plainDir) throws Exception {
        try (EmbeddedBroker plain = EmbeddedBroker.start(plainDir)) {
            Result r = plain.cli("acls", "--list");
            assertThat(r.exitCode()).as(r.toString()).isEqualTo(CliMain.ERROR);
            assertThat(r.err()).contains("SECURITY_DISABLED");
        }
    }

    @Test
    void usersAddDescribeDeleteAndScramLogins() throws Exception {
        ok(as(adminConfig, "users", "--add", "carol", "--mechanism", "SCRAM-SHA-256", "--password", "carol-secret", "--iterations", "8192"));
        assertThat(ok(as(adminConfig, "users", "--add", "carol", "--mechanism", "SCRAM-SHA-512", "--password", "carol-512")).out())
                .contains("Completed updating the SCRAM-SHA-512 credential of user 'carol' (4096 iterations).");
        assertThat(ok(as(adminConfig, "users", "--describe")).out())
                .contains("SCRAM credential configs for user-principal 'carol' are SCRAM-SHA-256=iterations=8192, SCRAM-SHA-512=iterations=4096")
                .doesNotContain("secret");

        // runnel-cli's own SCRAM client, both mechanisms, against the broker
        Path carol256 = scramConfig("carol256", "SCRAM-SHA-256", "carol", "carol-secret");
        Path carol512 = scramConfig("carol512", "SCRAM-SHA-512", "carol", "carol-512");
        ok(as(carol256, "topics", "--list"));
        ok(as(carol512, "topics", "--list"));
        fails(as(scramConfig("carolbad", "SCRAM-SHA-256", "carol", "carol-512"), "topics", "--list"), CliMain.ERROR,
                "Error: SASL_AUTHENTICATION_FAILED: ");

        // a kafka-clients producer logs in as that SCRAM user (with the ACLs runnel acls --producer gives)
        ok(as(adminConfig, "topics", "--create", "--topic", "scram-topic", "--partitions", "1"));
        ok(as(adminConfig, "acls", "--add", "--producer", "--topic", "scram-topic", "--allow-principal", "User:carol"));
        Properties p = new Properties();
        p.put("bootstrap.servers", broker.bootstrap());
        p.put("security.protocol", "SASL_PLAINTEXT");
        p.put("sasl.mechanism", "SCRAM-SHA-256");
        p.put("sasl.jaas.config", SCRAM_MODULE + " required username=\"carol\" password=\"carol-secret\";");
        p.put("max.block.ms", "20000");
        p.put("enable.idempotence", "false");
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer())) {
            RecordMetadata md = producer.send(new ProducerRecord<>("scram-topic", "k", "v")).get(30, TimeUnit.SECONDS);
            assertThat(md.offset()).isZero();
        }

        ok(as(adminConfig, "users", "--delete", "carol", "--mechanism", "SCRAM-SHA-256"));
        assertThat(ok(as(adminConfig, "users", "--describe", "--user", "carol")).out())
                .contains("SCRAM credential configs for user-principal 'carol' are SCRAM-SHA-512=iterations=4096")
                .doesNotContain("SCRAM-SHA-256");
        fails(as(carol256, "topics", "--list"), CliMain.ERROR, "SASL_AUTHENTICATION_FAILED");
        ok(as(carol512, "topics", "--list"));

        fails(as(adminConfig, "users", "--describe", "--user", "nobody"), CliMain.ERROR, "RESOURCE_NOT_FOUND");
        fails(as(adminConfig, "users", "--delete", "nobody", "--mechanism", "SCRAM-SHA-256"), CliMain.ERROR, "RESOURCE_NOT_FOUND");
        fails(as(adminConfig, "users", "--add", "x", "--mechanism", "SCRAM-SHA-256", "--password", "p", "--iterations", "100"),
                CliMain.ERROR, "UNACCEPTABLE_CREDENTIAL");
        fails(as(adminConfig, "users", "--add", "x", "--mechanism", "SCRAM-SHA-1", "--password", "p"), CliMain.USAGE, "--mechanism");
        fails(as(adminConfig, "users", "--add", "x", "--mechanism", "SCRAM-SHA-256"), CliMain.USAGE, "--password");
    }
}
