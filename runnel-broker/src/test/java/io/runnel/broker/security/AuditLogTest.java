package io.runnel.broker.security;

import io.runnel.metadata.AclBinding;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

class AuditLogTest {
    @TempDir
    Path dir;

    private static List<String> lines(Path dir) throws Exception {
        List<String> all = new ArrayList<>();
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.sorted().toList()) all.addAll(Files.readAllLines(p));
        }
        return all;
    }

    @Test
    void deniedDecisionsAreJsonLinesAndAllowedOnesOnlyWhenAsked() throws Exception {
        try (AuditLog a = new AuditLog(dir, false, 1 << 20, 3)) {
            a.record("User:alice", "10.0.0.5", "SASL_PLAINTEXT", "PRODUCE", AclBinding.OP_WRITE, AclBinding.RESOURCE_TOPIC,
                    "pay\"ments\n", false);
            a.record("User:alice", "10.0.0.5", "SASL_PLAINTEXT", "PRODUCE", AclBinding.OP_WRITE, AclBinding.RESOURCE_TOPIC, "orders", true);
        }
        List<String> lines = Files.readAllLines(dir.resolve("audit.log"));
        assertThat(lines).hasSize(1);
        assertThat(lines.get(0)).matches("\\{\"time\":\"[0-9T:.Z-]+\",\"principal\":\"User:alice\",\"clientAddress\":\"10.0.0.5\","
                + "\"listener\":\"SASL_PLAINTEXT\",\"api\":\"PRODUCE\",\"operation\":\"WRITE\",\"resourceType\":\"TOPIC\","
                + "\"resourceName\":\"pay\\\\\"ments\\\\n\",\"result\":\"DENIED\"}");
        try (AuditLog a = new AuditLog(dir, true, 1 << 20, 3)) {
            a.record("User:bob", "h", "L", "FETCH", AclBinding.OP_READ, AclBinding.RESOURCE_TOPIC, "t", true);
        }
        assertThat(Files.readAllLines(dir.resolve("audit.log"))).hasSize(2).last().asString().contains("\"result\":\"ALLOWED\"");
    }

    @Test
    void filesRotateAtMaxBytesKeepingMaxFiles() throws Exception {
        try (AuditLog a = new AuditLog(dir, false, 1024, 3)) {
            for (int i = 0; i < 100; i++) {
                a.record("User:u" + i, "h", "L", "FETCH", AclBinding.OP_READ, AclBinding.RESOURCE_TOPIC, "t", false);
            }
        }
        try (Stream<Path> s = Files.list(dir)) {
            assertThat(s.map(p -> p.getFileName().toString()).toList()).containsExactlyInAnyOrder("audit.log", "audit.log.1", "audit.log.2");
        }
        for (String f : List.of("audit.log", "audit.log.1", "audit.log.2")) assertThat(Files.size(dir.resolve(f))).isLessThanOrEqualTo(1024);
        List<String> kept = lines(dir);
        assertThat(kept).allMatch(l -> l.startsWith("{") && l.endsWith("}"));
        assertThat(kept.getLast()).as("the newest line is in audit.log, written last").isNotNull();
        assertThat(Files.readAllLines(dir.resolve("audit.log")).getLast()).contains("\"principal\":\"User:u99\"");
    }
}
