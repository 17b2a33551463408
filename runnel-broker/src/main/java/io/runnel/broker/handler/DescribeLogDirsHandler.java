package io.runnel.broker.handler;

import io.runnel.common.TopicPartition;
import io.runnel.protocol.ApiKeys;
import io.runnel.protocol.message.DescribeLogDirsRequest;
import io.runnel.protocol.message.DescribeLogDirsResponse;
import io.runnel.storage.LogDirDescription;
import io.runnel.storage.LogManager;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * DescribeLogDirs: every log directory with its state, capacity (v4+) and the size and offset lag of
 * the requested partitions (all when the topic list is null).
 */
public final class DescribeLogDirsHandler implements ApiHandler<DescribeLogDirsRequest, DescribeLogDirsResponse> {
    private final LogManager logs;

    public DescribeLogDirsHandler(LogManager logs) {
        this.logs = logs;
    }

    @Override
    public ApiKeys api() {
        return ApiKeys.DESCRIBE_LOG_DIRS;
    }

    @Override
    public CompletableFuture<DescribeLogDirsResponse> handle(RequestContext ctx, DescribeLogDirsRequest req) {
        DescribeLogDirsResponse resp = new DescribeLogDirsResponse();
        if (!ctx.authorizeCluster(io.runnel.metadata.AclBinding.OP_DESCRIBE)) { // Kafka: DESCRIBE on the cluster
            resp.errorCode = io.runnel.common.Errors.CLUSTER_AUTHORIZATION_FAILED.code();
            return CompletableFuture.completedFuture(resp);
        }
        for (LogDirDescription dir : logs.describeLogDirs()) {
            DescribeLogDirsResponse.Result r = new DescribeLogDirsResponse.Result();
            r.logDir = dir.path().toAbsolutePath().toString();
            r.errorCode = dir.error().code();
            r.totalBytes = dir.totalBytes();
            r.usableBytes = dir.usableBytes();
            Map<String, DescribeLogDirsResponse.Topic> byTopic = new LinkedHashMap<>();
            for (LogDirDescription.Replica rep : dir.replicas()) {
                TopicPartition tp = rep.topicPartition();
                if (!wanted(req, tp)) continue;
                DescribeLogDirsResponse.Topic t = byTopic.computeIfAbsent(tp.topic(), name -> {
                    DescribeLogDirsResponse.Topic nt = new DescribeLogDirsResponse.Topic();
                    nt.name = name;
                    return nt;
                });
                DescribeLogDirsResponse.Partition p = new DescribeLogDirsResponse.Partition();
                p.partitionIndex = tp.partition();
                p.partitionSize = rep.sizeBytes();
                p.offsetLag = rep.offsetLag();
                p.isFutureKey = rep.isFuture();
                t.partitions.add(p);
            }
            r.topics.addAll(byTopic.values());
            resp.results.add(r);
        }
        return CompletableFuture.completedFuture(resp);
    }

    private static boolean wanted(DescribeLogDirsRequest req, TopicPartition tp) {
        if (req.topics == null) return true;
        for (DescribeLogDirsRequest.Topic t : req.topics) {
            if (t.topic.equals(tp.topic()) && t.partitions.contains(tp.partition())) return true;
        }
        return false;
    }
}
