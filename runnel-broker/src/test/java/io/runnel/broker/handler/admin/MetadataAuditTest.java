package io.runnel.broker.handler.admin;

import io.runnel.broker.handler.MetadataHandler;
import io.runnel.broker.handler.RequestContext;
import io.runnel.broker.security.AuditLog;
import io.runnel.broker.security.Authorization;
import io.runnel.common.Errors;
import io.runnel.metadata.AclBinding;
import io.runnel.protocol.ApiKeys;
import io.runnel.protocol.RequestHeader;
import io.runnel.protocol.message.MetadataRequest;
import io.runnel.protocol.message.MetadataResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A Metadata request that may auto-create a topic asks the authorizer the same questions twice (whether to create,
 * then what to answer): each decision is taken, and audited, once.
 */
class MetadataAuditTest {
    @TempDir
    Path dir;

    private static MetadataRequest ask(String topic) {
        MetadataRequest req = new MetadataRequest();
        MetadataRequest.Topic t = new MetadataRequest.Topic();
        t.name = topic;
        req.topics.add(t);
        req.allowAutoTopicCreation = true;
        return req;
    }

    private List<String> auditAfter(AdminFixture f, AclBinding... acls) throws Exception {
        if (acls.length > 0) AdminFixture.get(f.controller.createAcls(List.of(acls)));
        Path auditDir = dir.resolve("audit-" + acls.length);
        MetadataResponse resp;
        try (AuditLog audit = new AuditLog(auditDir, false, 1 << 20, 2)) {
            Authorization authz = new Authorization(f.controller::image, Set.of(), false, audit);
            RequestContext ctx = new RequestContext(new RequestHeader(ApiKeys.METADATA.id, (short) 12, 1, "c"), ApiKeys.METADATA,
                    new InetSocketAddress("127.0.0.1", 50000), "PLAINTEXT", System.nanoTime(), "User:alice", null, authz);
            resp = AdminFixture.get(new MetadataHandler(f.broker).handle(ctx, ask("ghost")));
        }
        assertThat(resp.topics).singleElement().satisfies(t ->
                assertThat(t.errorCode).isEqualTo(Errors.TOPIC_AUTHORIZATION_FAILED.code()));
        return Files.readAllLines(auditDir.resolve("audit.log"));
    }

    @Test
    void aDeniedAutoCreationIsAuditedOncePerDecision() throws Exception {
        try (AdminFixture f = AdminFixture.start(dir.resolve("data"))) {
            // no ACL: DESCRIBE of the topic is denied, once
            assertThat(auditAfter(f)).singleElement().asString()
                    .contains("\"operation\":\"DESCRIBE\"", "\"resourceName\":\"ghost\"", "\"result\":\"DENIED\"");
            // DESCRIBE allowed, CREATE denied on the cluster and on the topic: those two, once each
            List<String> lines = auditAfter(f, new AclBinding(AclBinding.RESOURCE_TOPIC, "ghost", AclBinding.PATTERN_LITERAL,
                    "User:alice", "*", AclBinding.OP_DESCRIBE, AclBinding.ALLOW));
            assertThat(lines).hasSize(2);
            assertThat(lines).anySatisfy(l -> assertThat(l).contains("\"operation\":\"CREATE\"", "\"resourceType\":\"CLUSTER\""));
            assertThat(lines).anySatisfy(l -> assertThat(l).contains("\"operation\":\"CREATE\"", "\"resourceType\":\"TOPIC\""));
        }
    }
}
