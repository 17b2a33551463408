package io.runnel.metadata;

import io.runnel.common.ApiException;
import io.runnel.common.Errors;
import io.runnel.common.Uuid;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Metadata changes a node that is not the active controller forwards to it, over the same channel as
 * broker registrations and heartbeats ({@link MetadataQuorum#sendToController}), so any broker accepts
 * CreateTopics, DeleteTopics, CreatePartitions, AlterConfigs, IncrementalAlterConfigs, ElectLeaders,
 * AlterPartitionReassignments, AlterUserScramCredentials, AlterClientQuotas, CreateAcls, DeleteAcls, UpdateFeatures and
 * producer id allocations, as Kafka's brokers forward them to the KRaft controller.
 *
 * <p>Layout ({@link DataOutputStream}, big-endian): an int8 kind (10 and up; below are
 * {@link BrokerLifecycleMessages}), then the operation's arguments. A reply is an int16 error code for
 * the whole operation, a nullable message, the int64 image offset after the operation on the active
 * controller (the forwarding node waits until it has applied that far, so its caller sees the change),
 * then the per-item results. Strings are modified UTF-8 preceded by a presence flag when nullable.
 */
final class ForwardedOperations {
    static final byte CREATE_TOPICS = 10;
    static final byte DELETE_TOPICS = 11;
    static final byte CREATE_PARTITIONS = 12;
    static final byte ALTER_CONFIGS = 13;
    static final byte INCREMENTAL_ALTER_CONFIGS = 14;
    static final byte ALLOCATE_PRODUCER_IDS = 15;
    static final byte DESCRIBE_QUORUM = 16;
    static final byte UNREGISTER_BROKER = 17;
    static final byte ELECT_LEADERS = 18;
    static final byte ALTER_REASSIGNMENTS = 19;
    static final byte ALTER_SCRAM_CREDENTIALS = 20;
    static final byte ALTER_CLIENT_QUOTAS = 23;
    static final byte CREATE_ACLS = 21;
    static final byte DELETE_ACLS = 22;
    static final byte UPDATE_FEATURES = 24;

    private ForwardedOperations() {
    }

    static boolean isForwarded(byte[] request) {
        return request.length > 0 && request[0] >= CREATE_TOPICS;
    }

    // ---------------------------------------------------------------- requests (forwarding node)

    static byte[] createTopics(List<NewTopic> topics, boolean validateOnly) {
        return write(o -> {
            o.writeByte(CREATE_TOPICS);
            o.writeBoolean(validateOnly);
            o.writeInt(topics.size());
            for (NewTopic t : topics) {
                o.writeUTF(t.name());
                o.writeInt(t.numPartitions());
                o.writeShort(t.replicationFactor());
                o.writeInt(t.assignments().size());
                for (Map.Entry<Integer, List<Integer>> a : t.assignments().entrySet()) {
                    o.writeInt(a.getKey());
                    ints(o, a.getValue());
                }
                stringMap(o, t.configs());
            }
        });
    }

    static byte[] deleteTopics(List<String> names, List<Uuid> ids) {
        return write(o -> {
            o.writeByte(DELETE_TOPICS);
            o.writeInt(names.size());
            for (String n : names) o.writeUTF(n);
            o.writeInt(ids.size());
            for (Uuid u : ids) uuid(o, u);
        });
    }

    static byte[] createPartitions(List<NewPartitions> requests, boolean validateOnly) {
        return write(o -> {
            o.writeByte(CREATE_PARTITIONS);
            o.writeBoolean(validateOnly);
            o.writeInt(requests.size());
            for (NewPartitions r : requests) {
                o.writeUTF(r.topic());
                o.writeInt(r.totalCount());
                o.writeInt(r.assignments().size());
                for (List<Integer> a : r.assignments()) ints(o, a);
            }
        });
    }

    static byte[] alterConfigs(Map<ConfigResource, Map<String, String>> configs, boolean validateOnly) {
        return write(o -> {
            o.writeByte(ALTER_CONFIGS);
            o.writeBoolean(validateOnly);
            o.writeInt(configs.size());
            for (Map.Entry<ConfigResource, Map<String, String>> e : configs.entrySet()) {
                resource(o, e.getKey());
                stringMap(o, e.getValue());
            }
        });
    }

    static byte[] incrementalAlterConfigs(Map<ConfigResource, List<AlterConfigOp>> ops, boolean validateOnly) {
        return write(o -> {
            o.writeByte(INCREMENTAL_ALTER_CONFIGS);
            o.writeBoolean(validateOnly);
            o.writeInt(ops.size());
            for (Map.Entry<ConfigResource, List<AlterConfigOp>> e : ops.entrySet()) {
                resource(o, e.getKey());
                o.writeInt(e.getValue().size());
                for (AlterConfigOp op : e.getValue()) {
                    o.writeUTF(op.name());
                    o.writeByte(op.op().id());
                    nullable(o, op.value());
                }
            }
        });
    }

    static byte[] allocateProducerIds(int blockSize) {
        return write(o -> {
            o.writeByte(ALLOCATE_PRODUCER_IDS);
            o.writeInt(blockSize);
        });
    }

    static byte[] updateFeatureLevels(Map<String, Short> levels) {
        return write(o -> {
            o.writeByte(UPDATE_FEATURES);
            o.writeInt(levels.size());
            for (Map.Entry<String, Short> e : levels.entrySet()) {
                o.writeUTF(e.getKey());
                o.writeShort(e.getValue());
            }
        });
    }

    static byte[] unregisterBroker(int brokerId) {
        return write(o -> {
            o.writeByte(UNREGISTER_BROKER);
            o.writeInt(brokerId);
        });
    }

    /** {@code partitions} null: every partition. */
    static byte[] electLeaders(byte type, java.util.Set<io.runnel.common.TopicPartition> partitions) {
        return write(o -> {
            o.writeByte(ELECT_LEADERS);
            o.writeByte(type);
            o.writeBoolean(partitions == null);
            if (partitions == null) return;
            o.writeInt(partitions.size());
            for (io.runnel.common.TopicPartition tp : partitions) {
                o.writeUTF(tp.topic());
                o.writeInt(tp.partition());
            }
        });
    }

    /** A null target cancels that partition's reassignment. */
    static byte[] alterReassignments(Map<io.runnel.common.TopicPartition, List<Integer>> targets, boolean allowReplicationFactorChange) {
        return write(o -> {
            o.writeByte(ALTER_REASSIGNMENTS);
            o.writeBoolean(allowReplicationFactorChange);
            o.writeInt(targets.size());
            for (Map.Entry<io.runnel.common.TopicPartition, List<Integer>> e : targets.entrySet()) {
                o.writeUTF(e.getKey().topic());
                o.writeInt(e.getKey().partition());
                o.writeBoolean(e.getValue() != null);
                if (e.getValue() != null) ints(o, e.getValue());
            }
        });
    }

    static byte[] alterScramCredentials(List<ScramAlteration> alterations) {
        return write(o -> {
            o.writeByte(ALTER_SCRAM_CREDENTIALS);
            o.writeInt(alterations.size());
            for (ScramAlteration a : alterations) {
                o.writeUTF(a.user());
                o.writeByte(a.mechanism());
                o.writeBoolean(a.isDeletion());
                if (a.isDeletion()) continue;
                ScramCredential c = a.credential();
                for (byte[] b : List.of(c.salt(), c.storedKey(), c.serverKey())) {
                    o.writeInt(b.length);
                    o.write(b);
                }
                o.writeInt(c.iterations());
            }
        });
    }

    static byte[] alterClientQuotas(List<ClientQuotaAlteration> alterations, boolean validateOnly) {
        return write(o -> {
            o.writeByte(ALTER_CLIENT_QUOTAS);
            o.writeBoolean(validateOnly);
            o.writeInt(alterations.size());
            for (ClientQuotaAlteration a : alterations) {
                o.writeInt(a.entity().entries().size());
                for (Map.Entry<String, String> e : a.entity().entries().entrySet()) {
                    o.writeUTF(e.getKey());
                    nullable(o, e.getValue());
                }
                o.writeInt(a.ops().size());
                for (ClientQuotaAlteration.Op op : a.ops()) {
                    o.writeUTF(op.key());
                    o.writeBoolean(op.value() == null);
                    if (op.value() != null) o.writeDouble(op.value());
                }
            }
        });
    }

    private static List<ClientQuotaAlteration> readClientQuotaAlterations(DataInputStream in) throws IOException {
        int n = count(in);
        List<ClientQuotaAlteration> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int m = count(in);
            Map<String, String> entries = new java.util.TreeMap<>();
            for (int j = 0; j < m; j++) entries.put(in.readUTF(), readNullable(in));
            int k = count(in);
            List<ClientQuotaAlteration.Op> ops = new ArrayList<>();
            for (int j = 0; j < k; j++) {
                String key = in.readUTF();
                ops.add(new ClientQuotaAlteration.Op(key, in.readBoolean() ? null : in.readDouble()));
            }
            out.add(new ClientQuotaAlteration(new ClientQuotaEntity(entries), ops));
        }
        return out;
    }

    /** One answer per item, in order (AlterClientQuotas). */
    static List<ApiError> errorList(DataInputStream in) throws IOException {
        int n = count(in);
        List<ApiError> out = new ArrayList<>();
        for (int i = 0; i < n; i++) out.add(readError(in));
        return out;
    }

    private static byte[] readBytes(DataInputStream in) throws IOException {
        int n = count(in);
        byte[] b = new byte[n];
        in.readFully(b);
        return b;
    }

    /** One answer per user (AlterUserScramCredentials). */
    static Map<String, ApiError> userResults(DataInputStream in) throws IOException {
        int n = count(in);
        Map<String, ApiError> out = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) out.put(in.readUTF(), readError(in));
        return out;
    }

    static byte[] createAcls(List<AclBinding> acls) {
        return write(o -> {
            o.writeByte(CREATE_ACLS);
            o.writeInt(acls.size());
            for (AclBinding a : acls) writeAcl(o, a);
        });
    }

    static byte[] deleteAcls(List<AclFilter> filters) {
        return write(o -> {
            o.writeByte(DELETE_ACLS);
            o.writeInt(filters.size());
            for (AclFilter f : filters) {
                o.writeByte(f.resourceType());
                nullable(o, f.resourceName());
                o.writeByte(f.patternType());
                nullable(o, f.principal());
                nullable(o, f.host());
                o.writeByte(f.operation());
                o.writeByte(f.permissionType());
            }
        });
    }

    private static void writeAcl(DataOutputStream o, AclBinding a) throws IOException {
        o.writeByte(a.resourceType());
        o.writeUTF(a.resourceName());
        o.writeByte(a.patternType());
        o.writeUTF(a.principal());
        o.writeUTF(a.host());
        o.writeByte(a.operation());
        o.writeByte(a.permissionType());
    }

    private static AclBinding readAcl(DataInputStream in) throws IOException {
        return new AclBinding(in.readByte(), in.readUTF(), in.readByte(), in.readUTF(), in.readUTF(), in.readByte(), in.readByte());
    }

    /** One answer per ACL (CreateAcls). */
    static List<ApiError> aclErrors(DataInputStream in) throws IOException {
        int n = count(in);
        List<ApiError> out = new ArrayList<>();
        for (int i = 0; i < n; i++) out.add(readError(in));
        return out;
    }

    /** One answer per filter (DeleteAcls). */
    static List<AclDeletion> aclDeletions(DataInputStream in) throws IOException {
        int n = count(in);
        List<AclDeletion> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ApiError e = readError(in);
            int m = count(in);
            List<AclBinding> deleted = new ArrayList<>();
            for (int j = 0; j < m; j++) deleted.add(readAcl(in));
            out.add(new AclDeletion(e, deleted));
        }
        return out;
    }

    static byte[] describeQuorum() {
        return new byte[]{DESCRIBE_QUORUM};
    }

    // ---------------------------------------------------------------- execution (active controller)

    /** Decodes a forwarded operation, runs it on {@code c} and encodes its reply. */
    static CompletableFuture<byte[]> execute(MetadataController c, byte[] request) {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(request));
        try {
            byte kind = in.readByte();
            return switch (kind) {
                case CREATE_TOPICS -> {
                    boolean validateOnly = in.readBoolean();
                    int n = count(in);
                    List<NewTopic> topics = new ArrayList<>();
                    for (int i = 0; i < n; i++) {
                        String name = in.readUTF();
                        int partitions = in.readInt();
                        short rf = in.readShort();
                        int an = count(in);
                        Map<Integer, List<Integer>> assignments = new LinkedHashMap<>();
                        for (int j = 0; j < an; j++) assignments.put(in.readInt(), readInts(in));
                        topics.add(new NewTopic(name, partitions, rf, assignments, readStringMap(in)));
                    }
                    yield reply(c, c.createTopics(topics, validateOnly), (o, results) -> {
                        o.writeInt(results.size());
                        for (CreateTopicResult r : results) {
                            o.writeUTF(r.name());
                            error(o, r.error());
                            uuid(o, r.topicId());
                            o.writeInt(r.numPartitions());
                            o.writeShort(r.replicationFactor());
                        }
                    });
                }
                case DELETE_TOPICS -> {
                    int n = count(in);
                    List<String> names = new ArrayList<>();
                    for (int i = 0; i < n; i++) names.add(in.readUTF());
                    int m = count(in);
                    List<Uuid> ids = new ArrayList<>();
                    for (int i = 0; i < m; i++) ids.add(readUuid(in));
                    yield reply(c, c.deleteTopics(names, ids), (o, results) -> {
                        o.writeInt(results.size());
                        for (DeleteTopicResult r : results) {
                            nullable(o, r.name());
                            uuid(o, r.topicId() == null ? Uuid.ZERO : r.topicId());
                            error(o, r.error());
                        }
                    });
                }
                case CREATE_PARTITIONS -> {
                    boolean validateOnly = in.readBoolean();
                    int n = count(in);
                    List<NewPartitions> reqs = new ArrayList<>();
                    for (int i = 0; i < n; i++) {
                        String topic = in.readUTF();
                        int total = in.readInt();
                        int an = count(in);
                        List<List<Integer>> assignments = new ArrayList<>();
                        for (int j = 0; j < an; j++) assignments.add(readInts(in));
                        reqs.add(new NewPartitions(topic, total, assignments));
                    }
                    yield reply(c, c.createPartitions(reqs, validateOnly), (o, results) -> {
                        o.writeInt(results.size());
                        for (CreatePartitionsResult r : results) {
                            o.writeUTF(r.topic());
                            error(o, r.error());
                        }
                    });
                }
                case ALTER_CONFIGS, INCREMENTAL_ALTER_CONFIGS -> {
                    boolean validateOnly = in.readBoolean();
                    int n = count(in);
                    CompletableFuture<Map<ConfigResource, ApiError>> f;
                    if (kind == ALTER_CONFIGS) {
                        Map<ConfigResource, Map<String, String>> configs = new LinkedHashMap<>();
                        for (int i = 0; i < n; i++) configs.put(readResource(in), readStringMap(in));
                        f = c.alterConfigs(configs, validateOnly);
                    } else {
                        Map<ConfigResource, List<AlterConfigOp>> ops = new LinkedHashMap<>();
                        for (int i = 0; i < n; i++) {
                            ConfigResource r = readResource(in);
                            int m = count(in);
                            List<AlterConfigOp> list = new ArrayList<>();
                            for (int j = 0; j < m; j++) {
                                list.add(new AlterConfigOp(in.readUTF(), AlterConfigOp.OpType.forId(in.readByte()), readNullable(in)));
                            }
                            ops.put(r, list);
                        }
                        f = c.incrementalAlterConfigs(ops, validateOnly);
                    }
                    yield reply(c, f, (o, results) -> {
                        o.writeInt(results.size());
                        for (Map.Entry<ConfigResource, ApiError> e : results.entrySet()) {
                            resource(o, e.getKey());
                            error(o, e.getValue());
                        }
                    });
                }
                case ALLOCATE_PRODUCER_IDS -> reply(c, c.allocateProducerIds(in.readInt()), (o, block) -> {
                    o.writeLong(block.firstProducerId());
                    o.writeInt(block.size());
                });
                case UNREGISTER_BROKER -> reply(c, c.unregisterBroker(in.readInt()), (o, v) -> { });
                case UPDATE_FEATURES -> {
                    int n = count(in);
                    Map<String, Short> levels = new LinkedHashMap<>();
                    for (int i = 0; i < n; i++) levels.put(in.readUTF(), in.readShort());
                    yield reply(c, c.updateFeatureLevels(levels), (o, v) -> { });
                }
                case ALTER_SCRAM_CREDENTIALS -> {
                    int n = count(in);
                    List<ScramAlteration> alterations = new ArrayList<>();
                    for (int i = 0; i < n; i++) {
                        String user = in.readUTF();
                        byte mechanism = in.readByte();
                        ScramCredential cred = in.readBoolean() ? null
                                : new ScramCredential(readBytes(in), readBytes(in), readBytes(in), in.readInt());
                        alterations.add(new ScramAlteration(user, mechanism, cred));
                    }
                    yield reply(c, c.alterScramCredentials(alterations), (o, results) -> {
                        o.writeInt(results.size());
                        for (Map.Entry<String, ApiError> e : results.entrySet()) {
                            o.writeUTF(e.getKey());
                            error(o, e.getValue());
                        }
                    });
                }
                case ALTER_CLIENT_QUOTAS -> {
                    boolean validateOnly = in.readBoolean();
                    yield reply(c, c.alterClientQuotas(readClientQuotaAlterations(in), validateOnly), (o, results) -> {
                        o.writeInt(results.size());
                        for (ApiError e : results) error(o, e);
                    });
                }
                case CREATE_ACLS -> {
                    int n = count(in);
                    List<AclBinding> acls = new ArrayList<>();
                    for (int i = 0; i < n; i++) acls.add(readAcl(in));
                    yield reply(c, c.createAcls(acls), (o, results) -> {
                        o.writeInt(results.size());
                        for (ApiError e : results) error(o, e);
                    });
                }
                case DELETE_ACLS -> {
                    int n = count(in);
                    List<AclFilter> filters = new ArrayList<>();
                    for (int i = 0; i < n; i++) {
                        filters.add(new AclFilter(in.readByte(), readNullable(in), in.readByte(), readNullable(in),
                                readNullable(in), in.readByte(), in.readByte()));
                    }
                    yield reply(c, c.deleteAcls(filters), (o, results) -> {
                        o.writeInt(results.size());
                        for (AclDeletion d : results) {
                            error(o, d.error());
                            o.writeInt(d.deleted().size());
                            for (AclBinding a : d.deleted()) writeAcl(o, a);
                        }
                    });
                }
                case ELECT_LEADERS -> {
                    byte type = in.readByte();
                    java.util.Set<io.runnel.common.TopicPartition> partitions = null;
                    if (!in.readBoolean()) {
                        int n = count(in);
                        partitions = new java.util.LinkedHashSet<>();
                        for (int i = 0; i < n; i++) partitions.add(new io.runnel.common.TopicPartition(in.readUTF(), in.readInt()));
                    }
                    yield reply(c, c.electLeaders(type, partitions), ForwardedOperations::writePartitionResults);
                }
                case ALTER_REASSIGNMENTS -> {
                    boolean allowRfChange = in.readBoolean();
                    int n = count(in);
                    Map<io.runnel.common.TopicPartition, List<Integer>> targets = new LinkedHashMap<>();
                    for (int i = 0; i < n; i++) {
                        io.runnel.common.TopicPartition tp = new io.runnel.common.TopicPartition(in.readUTF(), in.readInt());
                        targets.put(tp, in.readBoolean() ? readInts(in) : null);
                    }
                    yield reply(c, c.alterPartitionReassignments(targets, allowRfChange), ForwardedOperations::writePartitionResults);
                }
                case DESCRIBE_QUORUM -> reply(c, c.describeQuorum(), (o, d) -> {
                    o.writeInt(d.leaderId());
                    o.writeInt(d.leaderEpoch());
                    o.writeLong(d.highWatermark());
                    for (List<QuorumDescription.Replica> list : List.of(d.voters(), d.observers())) {
                        o.writeInt(list.size());
                        for (QuorumDescription.Replica r : list) {
                            o.writeInt(r.id());
                            o.writeLong(r.logEndOffset());
                            o.writeLong(r.lastFetchTimestamp());
                            o.writeLong(r.lastCaughtUpTimestamp());
                        }
                    }
                    o.writeInt(d.nodes().size());
                    for (QuorumDescription.Node n : d.nodes()) {
                        o.writeInt(n.id());
                        o.writeUTF(n.listener());
                        o.writeUTF(n.host());
                        o.writeInt(n.port());
                    }
                });
                default -> throw new IllegalArgumentException("unknown forwarded operation " + kind);
            };
        } catch (IOException e) {
            return CompletableFuture.failedFuture(new IllegalArgumentException("truncated forwarded operation", e));
        }
    }

    private interface ResultWriter<T> {
        void write(DataOutputStream out, T result) throws IOException;
    }

    private static <T> CompletableFuture<byte[]> reply(MetadataController c, CompletableFuture<T> op, ResultWriter<T> w) {
        return op.handle((result, err) -> write(o -> {
            if (err != null) {
                Throwable t = err;
                while (t instanceof java.util.concurrent.CompletionException && t.getCause() != null) t = t.getCause();
                ApiError e = ApiError.fromThrowable(t);
                error(o, e);
                o.writeLong(-1);
                return;
            }
            error(o, ApiError.NONE);
            o.writeLong(c.image().offset());
            w.write(o, result);
        }));
    }

    // ---------------------------------------------------------------- replies (forwarding node)

    /** A decoded reply: the image offset to wait for, and a reader positioned at the results. */
    record Reply(long offset, DataInputStream results) {
    }

    /** @throws ApiException the whole operation's error */
    static Reply reply(byte[] bytes) {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes));
        try {
            ApiError e = readError(in);
            long offset = in.readLong();
            if (!e.isSuccess()) throw new ApiException(e.error(), e.message());
            return new Reply(offset, in);
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    static List<CreateTopicResult> createTopicsResults(DataInputStream in, Map<String, NewTopic> requested,
                                                       java.util.function.Function<Map<String, String>, List<io.runnel.config.ConfigEntry>> describe)
            throws IOException {
        int n = count(in);
        List<CreateTopicResult> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String name = in.readUTF();
            ApiError e = readError(in);
            Uuid id = readUuid(in);
            int partitions = in.readInt();
            short rf = in.readShort();
            if (!e.isSuccess()) {
                out.add(CreateTopicResult.failed(name, e));
            } else {
                NewTopic t = requested.get(name);
                out.add(new CreateTopicResult(name, e, id, partitions, rf, describe.apply(t == null ? Map.of() : t.configs())));
            }
        }
        return out;
    }

    static List<DeleteTopicResult> deleteTopicsResults(DataInputStream in) throws IOException {
        int n = count(in);
        List<DeleteTopicResult> out = new ArrayList<>();
        for (int i = 0; i < n; i++) out.add(new DeleteTopicResult(readNullable(in), readUuid(in), readError(in)));
        return out;
    }

    static List<CreatePartitionsResult> createPartitionsResults(DataInputStream in) throws IOException {
        int n = count(in);
        List<CreatePartitionsResult> out = new ArrayList<>();
        for (int i = 0; i < n; i++) out.add(new CreatePartitionsResult(in.readUTF(), readError(in)));
        return out;
    }

    static Map<ConfigResource, ApiError> configResults(DataInputStream in) throws IOException {
        int n = count(in);
        Map<ConfigResource, ApiError> out = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) out.put(readResource(in), readError(in));
        return out;
    }

    private static void writePartitionResults(DataOutputStream o, Map<io.runnel.common.TopicPartition, ApiError> results) throws IOException {
        o.writeInt(results.size());
        for (Map.Entry<io.runnel.common.TopicPartition, ApiError> e : results.entrySet()) {
            o.writeUTF(e.getKey().topic());
            o.writeInt(e.getKey().partition());
            error(o, e.getValue());
        }
    }

    /** One answer per partition (ElectLeaders, AlterPartitionReassignments). */
    static Map<io.runnel.common.TopicPartition, ApiError> partitionResults(DataInputStream in) throws IOException {
        int n = count(in);
        Map<io.runnel.common.TopicPartition, ApiError> out = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) out.put(new io.runnel.common.TopicPartition(in.readUTF(), in.readInt()), readError(in));
        return out;
    }

    static QuorumDescription quorumDescription(DataInputStream in) throws IOException {
        int leader = in.readInt();
        int epoch = in.readInt();
        long hw = in.readLong();
        List<List<QuorumDescription.Replica>> lists = new ArrayList<>();
        for (int l = 0; l < 2; l++) {
            int n = count(in);
            List<QuorumDescription.Replica> list = new ArrayList<>();
            for (int i = 0; i < n; i++) list.add(new QuorumDescription.Replica(in.readInt(), in.readLong(), in.readLong(), in.readLong()));
            lists.add(list);
        }
        int n = count(in);
        List<QuorumDescription.Node> nodes = new ArrayList<>();
        for (int i = 0; i < n; i++) nodes.add(new QuorumDescription.Node(in.readInt(), in.readUTF(), in.readUTF(), in.readInt()));
        return new QuorumDescription(leader, epoch, hw, lists.get(0), lists.get(1), nodes);
    }

    static MetadataController.ProducerIdBlock producerIdBlock(DataInputStream in) throws IOException {
        return new MetadataController.ProducerIdBlock(in.readLong(), in.readInt());
    }

    // ---------------------------------------------------------------- primitives

    private interface Writer {
        void write(DataOutputStream out) throws IOException;
    }

    private static byte[] write(Writer w) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(128);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            w.write(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    private static int count(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > 1_000_000) throw new IOException("bad count " + n);
        return n;
    }

    private static void ints(DataOutputStream o, List<Integer> list) throws IOException {
        o.writeInt(list.size());
        for (int v : list) o.writeInt(v);
    }

    private static List<Integer> readInts(DataInputStream in) throws IOException {
        int n = count(in);
        List<Integer> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) out.add(in.readInt());
        return out;
    }

    private static void stringMap(DataOutputStream o, Map<String, String> m) throws IOException {
        o.writeInt(m.size());
        for (Map.Entry<String, String> e : m.entrySet()) {
            o.writeUTF(e.getKey());
            nullable(o, e.getValue());
        }
    }

    private static Map<String, String> readStringMap(DataInputStream in) throws IOException {
        int n = count(in);
        Map<String, String> out = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) out.put(in.readUTF(), readNullable(in));
        return out;
    }

    private static void resource(DataOutputStream o, ConfigResource r) throws IOException {
        o.writeByte(r.type().id());
        o.writeUTF(r.name());
    }

    private static ConfigResource readResource(DataInputStream in) throws IOException {
        return new ConfigResource(ConfigResource.Type.forId(in.readByte()), in.readUTF());
    }

    private static void error(DataOutputStream o, ApiError e) throws IOException {
        o.writeShort(e.error().code());
        nullable(o, e.message());
    }

    private static ApiError readError(DataInputStream in) throws IOException {
        return new ApiError(Errors.forCode(in.readShort()), readNullable(in));
    }

    private static void uuid(DataOutputStream o, Uuid u) throws IOException {
        o.writeLong(u.mostSignificantBits());
        o.writeLong(u.leastSignificantBits());
    }

    private static Uuid readUuid(DataInputStream in) throws IOException {
        return new Uuid(in.readLong(), in.readLong());
    }

    private static void nullable(DataOutputStream o, String s) throws IOException {
        o.writeBoolean(s != null);
        if (s != null) o.writeUTF(s);
    }

    private static String readNullable(DataInputStream in) throws IOException {
        return in.readBoolean() ? in.readUTF() : null;
    }
}
