package io.runnel.it;

import io.runnel.cli.CliMain;
import io.runnel.config.BrokerConfigs;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

/**
 * docs/security.md "A secured broker, end to end", run as written: the {@code sh} blocks of that section are read from
 * the page and executed line by line with the files of config/secured/, only paths (certificates, data, the
 * properties files) and the port moved into a temporary directory. keytool makes the certificates, the broker starts
 * in-process from server.properties (as {@code ./runnel start --config} parses it), the {@code ./runnel} admin commands
 * run in-process (runnel-cli's {@link CliMain}) with admin.properties, kcat runs as a process, and Apache Kafka's
 * console tools are played by kafka-clients loading the same properties files. Then alice's producer and consumer
 * work on {@code orders} and fail on {@code payments}, and that denial is in the audit log file and topic.
 */
// kcat and the CLI are the same for every client generation: runnel-it's only
@org.junit.jupiter.api.condition.EnabledIfSystemProperty(named = "it.kafka.clients.version", matches = "4\\.1\\..*")
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class SecuredExampleIT {
    static final String SECTION = "## A secured broker, end to end";
    static final Path ROOT = Path.of("").toAbsolutePath().getParent();
    static final String DENIAL = "\"principal\":\"User:alice\",\"clientAddress\":\"127.0.0.1\",\"listener\":\"SASL_SSL\","
            + "\"api\":\"METADATA\",\"operation\":\"DESCRIBE\",\"resourceType\":\"TOPIC\",\"resourceName\":\"payments\",\"result\":\"DENIED\"";

    @TempDir
    Path dir;
    int port;
    TestBroker broker;
    final Map<String, String> vars = new HashMap<>();
    /** What each command of the section printed, in order. */
    final List<Ran> ran = new ArrayList<>();

    record Ran(String line, int exit, String out, String err) {
    }

    @AfterEach
    void stop() {
        if (broker != null) broker.close();
    }

    /** The section's text, up to the next section. */
    static String section() throws Exception {
        String page = Files.readString(ROOT.resolve("docs/security.md"));
        int start = page.indexOf(SECTION);
        assertThat(start).as("docs/security.md has the section %s", SECTION).isNotNegative();
        int end = page.indexOf("\n## ", start + SECTION.length());
        return page.substring(start, end < 0 ? page.length() : end);
    }

    /** The fenced blocks of {@code lang} in the section, as written. */
    static List<String> blocks(String section, String lang) {
        List<String> out = new ArrayList<>();
        Matcher m = Pattern.compile("```" + lang + "\n(.*?)```", Pattern.DOTALL).matcher(section);
        while (m.find()) out.add(m.group(1));
        return out;
    }

    /** The path and port substitutions: the repository's example locations to the test's. */
    String moved(String text) throws Exception {
        String t = text.replace("config/secured/certs", dir.resolve("certs").toString())
                .replace("127.0.0.1:9093", "127.0.0.1:" + port);
        t = t.replaceAll("(\\./)?data/secured", Matcher.quoteReplacement(dir.resolve("data").toString()));
        for (String f : List.of("server", "admin", "client")) {
            Path copy = dir.resolve(f + ".properties");
            if (!Files.exists(copy)) {
                String content = Files.readString(ROOT.resolve("config/secured/" + f + ".properties"));
                Files.writeString(copy, content.replace("config/secured/certs", dir.resolve("certs").toString())
                        .replace("127.0.0.1:9093", "127.0.0.1:" + port)
                        .replaceAll("(\\./)?data/secured", Matcher.quoteReplacement(dir.resolve("data").toString())));
            }
            t = t.replace("config/secured/" + f + ".properties", copy.toString());
        }
        return t;
    }

    /** Splits a command line into words as sh does for these lines: double and single quotes, no escapes. */
    static List<String> words(String line) {
        List<String> out = new ArrayList<>();
        StringBuilder w = new StringBuilder();
        boolean inWord = false;
        char quote = 0;
        for (char c : line.toCharArray()) {
            if (quote != 0) {
                if (c == quote) quote = 0;
                else w.append(c);
            } else if (c == '"' || c == '\'') {
                quote = c;
                inWord = true;
            } else if (Character.isWhitespace(c)) {
                if (inWord) out.add(w.toString());
                w.setLength(0);
                inWord = false;
            } else {
                w.append(c);
                inWord = true;
            }
        }
        if (quote != 0) throw new IllegalArgumentException("unbalanced quote in: " + line);
        if (inWord) out.add(w.toString());
        return out;
    }

    static Properties properties(Path file) throws Exception {
        Properties p = new Properties();
        try (var r = Files.newBufferedReader(file)) {
            p.load(r);
        }
        return p;
    }

    static Map<String, Object> clientConfig(Path file) throws Exception {
        Map<String, Object> c = new HashMap<>();
        properties(file).forEach((k, v) -> c.put((String) k, v));
        return c;
    }

    static String option(List<String> w, String name) {
        int i = w.indexOf(name);
        return i < 0 || i + 1 >= w.size() ? null : w.get(i + 1);
    }

    /** Runs one line of the section (already moved) and records it. */
    void run(String original) throws Exception {
        String line = original;
        for (var v : vars.entrySet()) line = line.replace("$" + v.getKey(), v.getValue());
        line = moved(line);
        Matcher assign = Pattern.compile("^([a-z_]+)=\"([^\"]*)\"$").matcher(line);
        if (assign.matches()) {
            vars.put(assign.group(1), assign.group(2));
            return;
        }
        String stdin = null;
        int pipe = line.indexOf(" | ");
        if (pipe > 0) {
            List<String> left = words(line.substring(0, pipe));
            assertThat(left.get(0)).as("only echo is piped: %s", original).isEqualTo("echo");
            stdin = String.join(" ", left.subList(1, left.size())) + "\n";
            line = line.substring(pipe + 3);
        }
        List<String> w = words(line);
        switch (w.get(0)) {
            case "mkdir" -> Files.createDirectories(Path.of(w.get(w.size() - 1)));
            case "keytool" -> {
                List<String> cmd = new ArrayList<>(w);
                cmd.set(0, Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
                Ran r = process(original, stdin, cmd);
                assertThat(r.exit()).as("%s%n%s%s", original, r.out(), r.err()).isZero();
            }
            case "./runnel" -> {
                if (w.get(1).equals("start")) {
                    // what ./runnel start --config does: read the file, parse it (every start-up check), start
                    Path config = Path.of(option(w, "--config"));
                    Map<String, String> props;
                    try (var r = Files.newBufferedReader(config)) {
                        props = BrokerConfigs.read(r);
                    }
                    broker = TestBroker.start(dir.resolve("data"), props);
                    ran.add(new Ran(original, 0, "", ""));
                } else {
                    ByteArrayOutputStream out = new ByteArrayOutputStream();
                    ByteArrayOutputStream err = new ByteArrayOutputStream();
                    int rc = CliMain.run(new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8),
                            w.subList(1, w.size()).toArray(String[]::new));
                    Ran r = new Ran(original, rc, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
                    ran.add(r);
                    assertThat(rc).as("%s%n--- stdout%n%s--- stderr%n%s", original, r.out(), r.err()).isZero();
                    assertThat(r.err()).as("%s: no warning about the command config", original).doesNotContain("Warning");
                }
            }
            case "kcat" -> {
                if ("_runnel_audit".equals(option(w, "-t"))) awaitAuditRecord();
                List<String> cmd = new ArrayList<>(w);
                cmd.set(0, KcatIT.findKcatPath());
                cmd.addAll(1, List.of("-m", "15"));
                ran.add(process(original, stdin, cmd));
            }
            case "tail" -> {
                Path file = Path.of(w.get(w.size() - 1));
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                while (!(Files.exists(file) && Files.readString(file).contains(DENIAL)) && System.nanoTime() < deadline) Thread.sleep(100);
                ran.add(new Ran(original, Files.exists(file) ? 0 : 1, Files.exists(file) ? Files.readString(file) : "", ""));
            }
            case "kafka-console-producer.sh" -> {
                // Kafka's console producer: one record per input line, with the --producer.config settings
                Map<String, Object> c = clientConfig(Path.of(option(w, "--producer.config")));
                try (KafkaProducer<byte[], byte[]> p = Clients.producer(option(w, "--bootstrap-server"), c)) {
                    for (String v : List.of("order-a", "order-b")) {
                        p.send(new ProducerRecord<>(option(w, "--topic"), v.getBytes(StandardCharsets.UTF_8))).get(30, TimeUnit.SECONDS);
                    }
                }
                ran.add(new Ran(original, 0, "", ""));
            }
            case "kafka-console-consumer.sh" -> {
                Map<String, Object> c = clientConfig(Path.of(option(w, "--consumer.config")));
                c.put(ConsumerConfig.GROUP_ID_CONFIG, option(w, "--group"));
                c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, w.contains("--from-beginning") ? "earliest" : "latest");
                c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, true);
                StringBuilder out = new StringBuilder();
                try (KafkaConsumer<byte[], byte[]> consumer = Clients.consumer(option(w, "--bootstrap-server"), c)) {
                    consumer.subscribe(List.of(option(w, "--topic")));
                    for (ConsumerRecord<byte[], byte[]> r : Clients.pollUntil(consumer, 2, Duration.ofSeconds(30), false)) {
                        out.append(new String(r.value(), StandardCharsets.UTF_8)).append('\n');
                    }
                    consumer.commitSync(Duration.ofSeconds(30));
                }
                ran.add(new Ran(original, 0, out.toString(), ""));
            }
            default -> fail("the test does not know how to run: " + original);
        }
    }

    static Ran process(String original, String stdin, List<String> cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(false).start();
        try (var in = p.getOutputStream()) {
            if (stdin != null) in.write(stdin.getBytes(StandardCharsets.UTF_8));
        }
        var out = new java.util.concurrent.CompletableFuture<String>();
        var err = new java.util.concurrent.CompletableFuture<String>();
        Thread.ofVirtual().start(() -> {
            try {
                out.complete(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
            } catch (Exception e) {
                out.completeExceptionally(e);
            }
        });
        Thread.ofVirtual().start(() -> {
            try {
                err.complete(new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
            } catch (Exception e) {
                err.completeExceptionally(e);
            }
        });
        try {
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("%s finished", original).isTrue();
        } finally {
            // only a process still running is killed: destroying one that exited closes its pipes, and a reader
            // thread not yet through them then fails with "Bad file descriptor" (seen once in a full suite)
            if (p.isAlive()) {
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
            }
        }
        return new Ran(original, p.exitValue(), out.get(10, TimeUnit.SECONDS), err.get(10, TimeUnit.SECONDS));
    }

    /** Waits (bounded) until the super user, with admin.properties, reads alice's denial from the audit topic. */
    void awaitAuditRecord() throws Exception {
        Map<String, Object> c = clientConfig(dir.resolve("admin.properties"));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(40);
        TopicPartition tp = new TopicPartition("_runnel_audit", 0);
        while (System.nanoTime() < deadline) {
            try (KafkaConsumer<byte[], byte[]> consumer = Clients.consumer(broker.bootstrap(), c)) {
                if (consumer.partitionsFor("_runnel_audit", Duration.ofSeconds(10)).isEmpty()) {
                    Thread.sleep(200);
                    continue;
                }
                consumer.assign(List.of(tp));
                consumer.seekToBeginning(List.of(tp));
                long end = consumer.endOffsets(List.of(tp)).get(tp);
                List<ConsumerRecord<byte[], byte[]>> records = Clients.pollUntil(consumer, (int) end, Duration.ofSeconds(10), false);
                for (ConsumerRecord<byte[], byte[]> r : records) {
                    if (new String(r.value(), StandardCharsets.UTF_8).contains(DENIAL)) {
                        assertThat(new String(r.key(), StandardCharsets.UTF_8)).isEqualTo("User:alice");
                        return;
                    }
                }
            }
            Thread.sleep(200);
        }
        fail("alice's denial did not reach _runnel_audit within 40 s");
    }

    Ran ran(String containing) {
        return ran.stream().filter(r -> r.line().contains(containing)).findFirst()
                .orElseThrow(() -> new AssertionError("no command containing '" + containing + "' ran; ran: " + ran));
    }

    @Test
    void theSectionRunsAsWritten() throws Exception {
        String section = section();
        // the settings the section quotes are those of config/secured/server.properties
        Properties file = properties(ROOT.resolve("config/secured/server.properties"));
        for (String block : blocks(section, "properties")) {
            Properties quoted = new Properties();
            quoted.load(new StringReader(block));
            assertThat(quoted).as("a properties block of the section").isNotEmpty();
            quoted.forEach((k, v) -> assertThat(file.getProperty((String) k)).as("server.properties %s", k).isEqualTo(v));
        }
        port = BrokerProcess.freePort();
        for (String block : blocks(section, "sh")) {
            // sh: a backslash at the end of a line continues it
            for (String line : block.replace("\\\n", " ").lines().map(String::strip).toList()) {
                if (!line.isEmpty() && !line.startsWith("#")) run(line);
            }
        }
        assertThat(broker).as("the section started a broker").isNotNull();
        assertThat(Files.exists(dir.resolve("certs").resolve("broker.p12"))).isTrue();

        // step 3: the user, the ACLs and the quota exist
        assertThat(ran("users --describe").out()).contains("SCRAM credential configs for user-principal 'alice' are SCRAM-SHA-512=iterations=4096");
        assertThat(ran("acls --list").out()).contains("principal=User:alice, host=*, operation=WRITE, permissionType=ALLOW")
                .contains("principal=User:alice, host=*, operation=READ, permissionType=ALLOW");
        assertThat(ran("quotas describe").out()).contains("user 'alice'").contains("producer_byte_rate=1048576").contains("consumer_byte_rate=2097152");

        // step 4: alice's console producer and consumer (kafka-clients with client.properties), and kcat
        assertThat(ran("kafka-console-consumer.sh").out().lines()).containsExactlyInAnyOrder("order-a", "order-b");
        Ran kcatProduced = ran("-P -t orders");
        assertThat(kcatProduced.exit()).as("kcat produce: %s", kcatProduced.err()).isZero();
        Ran kcatConsumed = ran("-C -t orders");
        assertThat(kcatConsumed.exit()).as("kcat consume: %s", kcatConsumed.err()).isZero();
        assertThat(kcatConsumed.out().lines()).contains("order-1");

        // step 5: the denied produce, the audit file and the audit topic
        Ran denied = ran("-P -t payments");
        assertThat(denied.exit()).as("kcat to payments fails").isNotZero();
        assertThat(denied.err()).containsIgnoringCase("authorization failed");
        // only the denial: alice's idempotent producers, let through by WRITE on orders, left no IDEMPOTENT_WRITE line
        assertThat(ran("tail ").out()).contains(DENIAL).doesNotContain("\"result\":\"ALLOWED\"").doesNotContain("IDEMPOTENT_WRITE");
        Ran audit = ran("-t _runnel_audit");
        assertThat(audit.exit()).as("kcat reads the audit topic: %s", audit.err()).isZero();
        assertThat(audit.out()).contains(DENIAL);

        // and with kafka-clients as alice (client.properties): orders works, payments is refused
        Map<String, Object> alice = clientConfig(dir.resolve("client.properties"));
        try (KafkaProducer<byte[], byte[]> p = Clients.producer(broker.bootstrap(), alice)) {
            p.send(new ProducerRecord<>("orders", 0, null, "order-java".getBytes(StandardCharsets.UTF_8))).get(30, TimeUnit.SECONDS);
        }
        Map<String, Object> aliceShort = new HashMap<>(alice);
        aliceShort.put("max.block.ms", 10_000);
        try (KafkaProducer<byte[], byte[]> p = Clients.producer(broker.bootstrap(), aliceShort)) {
            assertThatThrownBy(() -> p.send(new ProducerRecord<>("payments", "refund".getBytes(StandardCharsets.UTF_8))).get(30, TimeUnit.SECONDS))
                    .satisfiesAnyOf(e -> assertThat(e).isInstanceOf(TopicAuthorizationException.class),
                            e -> assertThat(e).isInstanceOf(ExecutionException.class).cause().isInstanceOf(TopicAuthorizationException.class));
        }
        try (KafkaConsumer<byte[], byte[]> c = Clients.consumer(broker.bootstrap(), alice)) {
            TopicPartition tp = new TopicPartition("orders", 0);
            c.assign(List.of(tp));
            long end = c.endOffsets(List.of(tp)).get(tp);
            assertThat(Clients.pollUntil(c, (int) end, Duration.ofSeconds(30), false)).extracting(r -> new String(r.value(), StandardCharsets.UTF_8))
                    .contains("order-1", "order-java");
        }
        // alice is no super user: the Admin ACL call is refused with her client.properties
        Map<String, Object> adminAsAlice = new LinkedHashMap<>(alice);
        adminAsAlice.put("bootstrap.servers", broker.bootstrap());
        try (var a = org.apache.kafka.clients.admin.Admin.create(adminAsAlice)) {
            assertThatThrownBy(() -> a.describeAcls(org.apache.kafka.common.acl.AclBindingFilter.ANY).values().get(30, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class).cause()
                    .isInstanceOf(org.apache.kafka.common.errors.ClusterAuthorizationException.class);
        }
    }
}
