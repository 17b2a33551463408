package io.runnel.metadata;

import io.runnel.common.Errors;
import io.runnel.config.BrokerConfigs;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static io.runnel.metadata.AclBinding.*;
import static org.assertj.core.api.Assertions.assertThat;

/** ACLs in the metadata log: MetadataController.createAcls/deleteAcls, replay, snapshots, restart. */
class AclControlTest {
    @TempDir
    Path dir;
    private final List<MetadataController> open = new ArrayList<>();

    @AfterEach
    void closeAll() throws IOException {
        for (MetadataController c : open) c.close();
    }

    private MetadataController start() throws IOException {
        MetadataController c = MetadataController.start(BrokerConfigs.parse(Map.of("log.dir", dir.toString(),
                "metadata.log.max.record.bytes.between.snapshots", "400")));
        open.add(c);
        return c;
    }

    private static <T> T get(CompletableFuture<T> f) throws Exception {
        return f.get(30, TimeUnit.SECONDS);
    }

    static AclBinding allow(byte type, String name, byte pattern, String principal, byte op) {
        return new AclBinding(type, name, pattern, principal, "*", op, ALLOW);
    }

    @Test
    void createdAclsAreInTheImageOnceAndInvalidOnesAreRefusedWithKafkasMessages() throws Exception {
        MetadataController c = start();
        AclBinding a = allow(RESOURCE_TOPIC, "orders-", PATTERN_PREFIXED, "User:alice", OP_WRITE);
        List<ApiError> r = get(c.createAcls(List.of(a, a,
                allow(RESOURCE_CLUSTER, "other", PATTERN_LITERAL, "User:alice", OP_ALTER),
                allow(RESOURCE_TOPIC, "", PATTERN_LITERAL, "User:alice", OP_READ),
                allow(RESOURCE_TOPIC, "t", PATTERN_LITERAL, "alice", OP_READ),
                allow(RESOURCE_ANY, "t", PATTERN_LITERAL, "User:alice", OP_READ),
                allow(RESOURCE_TOPIC, "t", PATTERN_MATCH, "User:alice", OP_READ),
                allow(RESOURCE_TOPIC, "t", PATTERN_LITERAL, "User:alice", OP_ANY),
                new AclBinding(RESOURCE_TOPIC, "t", PATTERN_LITERAL, "User:alice", "*", OP_READ, PERMISSION_ANY))));
        assertThat(r.subList(0, 2)).allMatch(ApiError::isSuccess);
        assertThat(r.subList(2, r.size())).allMatch(e -> e.error() == Errors.INVALID_REQUEST);
        assertThat(r.get(2).message()).isEqualTo("The only valid name for the CLUSTER resource is kafka-cluster");
        assertThat(r.get(3).message()).isEqualTo("Invalid empty resource name specified");
        assertThat(r.get(4).message()).startsWith("Could not parse principal from `alice`");
        assertThat(r.get(5).message()).isEqualTo("Invalid resourceType ANY");
        assertThat(r.get(6).message()).isEqualTo("Invalid patternType MATCH");
        assertThat(r.get(7).message()).isEqualTo("Invalid operation ANY");
        assertThat(r.get(8).message()).isEqualTo("Invalid permissionType ANY");
        assertThat(c.image().acls().values()).containsExactly(a);
        long offset = c.image().offset();
        assertThat(get(c.createAcls(List.of(a)))).containsExactly(ApiError.NONE);
        assertThat(c.image().offset()).as("an existing ACL is not written again").isEqualTo(offset);
    }

    @Test
    void deleteRemovesWhatEachFilterMatchesAndAnInvalidFilterIsRefused() throws Exception {
        MetadataController c = start();
        AclBinding literal = allow(RESOURCE_TOPIC, "orders-1", PATTERN_LITERAL, "User:alice", OP_READ);
        AclBinding prefixed = allow(RESOURCE_TOPIC, "orders-", PATTERN_PREFIXED, "User:alice", OP_WRITE);
        AclBinding wildcard = allow(RESOURCE_TOPIC, "*", PATTERN_LITERAL, "User:bob", OP_DESCRIBE);
        AclBinding group = allow(RESOURCE_GROUP, "g", PATTERN_LITERAL, "User:bob", OP_READ);
        get(c.createAcls(List.of(literal, prefixed, wildcard, group)));
        List<AclDeletion> d = get(c.deleteAcls(List.of(
                new AclFilter(RESOURCE_TOPIC, "orders-1", PATTERN_MATCH, "User:alice", null, OP_ANY, PERMISSION_ANY),
                new AclFilter(RESOURCE_ANY, null, PATTERN_ANY, null, null, OP_WRITE, PERMISSION_ANY),
                new AclFilter(RESOURCE_UNKNOWN, null, PATTERN_ANY, null, null, OP_ANY, PERMISSION_ANY))));
        assertThat(d.get(0).error()).isEqualTo(ApiError.NONE);
        assertThat(d.get(0).deleted()).containsExactlyInAnyOrder(literal, prefixed);
        assertThat(d.get(1).deleted()).containsExactly(prefixed); // listed by both filters, removed once
        assertThat(d.get(2).error().error()).isEqualTo(Errors.INVALID_REQUEST);
        assertThat(c.image().acls().values()).containsExactlyInAnyOrder(wildcard, group);
    }

    @Test
    void aclsSurviveRestartThroughSnapshotAndLog() throws Exception {
        MetadataController c = start();
        List<AclBinding> acls = new ArrayList<>();
        for (int i = 0; i < 20; i++) acls.add(allow(RESOURCE_TOPIC, "t" + i, PATTERN_LITERAL, "User:u" + i, OP_READ));
        for (AclBinding a : acls) get(c.createAcls(List.of(a))); // enough bytes for a snapshot
        get(c.deleteAcls(List.of(new AclFilter(RESOURCE_TOPIC, "t3", PATTERN_LITERAL, null, null, OP_ANY, PERMISSION_ANY))));
        AclBinding last = new AclBinding(RESOURCE_GROUP, "g", PATTERN_PREFIXED, "User:*", "10.0.0.1", OP_ALL, DENY);
        get(c.createAcls(List.of(last)));
        MetadataImage before = c.image();
        c.close();
        open.remove(c);
        try (Stream<Path> s = Files.list(dir.resolve("__cluster_metadata-0"))) {
            assertThat(s.filter(p -> p.toString().endsWith(".checkpoint")).count()).isGreaterThanOrEqualTo(1);
        }
        MetadataController restarted = start();
        assertThat(restarted.image()).isEqualTo(before);
        assertThat(restarted.image().acls().values()).hasSize(20).contains(last).doesNotContain(acls.get(3));
        // replaying the snapshot records alone gives the same ACLs
        MetadataImage replayed = new MetadataDelta(MetadataImage.EMPTY).replayAll(before.toRecords()).apply();
        assertThat(replayed.acls()).isEqualTo(before.acls());
    }
}
