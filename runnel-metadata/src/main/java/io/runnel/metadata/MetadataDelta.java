package io.runnel.metadata;

import io.runnel.common.Uuid;
import io.runnel.protocol.Message;
import io.runnel.protocol.message.ClusterRecord;
import io.runnel.protocol.message.ConfigRecord;
import io.runnel.protocol.message.PartitionChangeRecord;
import io.runnel.protocol.message.PartitionRecord;
import io.runnel.protocol.message.FeatureLevelRecord;
import io.runnel.protocol.message.ProducerIdsRecord;
import io.runnel.protocol.message.RegisterBrokerRecord;
import io.runnel.protocol.message.RemoveTopicRecord;
import io.runnel.protocol.message.TopicRecord;
import io.runnel.protocol.message.UnregisterBrokerRecord;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Changes on top of a {@link MetadataImage}, built by replaying metadata records one at a time with
 * {@link #replay(Message)}; {@link #apply()} produces the new image. This is the only way images are
 * made: at start-up from the log, on the controller after each operation, and (later) on followers of
 * a replicated log. Replay is deterministic: the same records on the same image give an equal image.
 *
 * <p>A record that contradicts the image (a partition of an unknown topic, a duplicate topic id, a
 * partition change whose leader is not in its ISR, an unknown record type) throws {@link IllegalStateException}: the log is corrupt or was written by a
 * buggy controller, and continuing would silently diverge.
 *
 * <p>Not thread-safe; used by one thread at a time. The base image is never modified.
 */
public final class MetadataDelta {
    private final MetadataImage base;
    private long offset;
    private Uuid clusterId;
    private TreeMap<Integer, BrokerRegistration> brokers;
    private TreeMap<String, TopicImage> topicsByName;
    private TreeMap<Uuid, TopicImage> topicsById;
    /**
     * The partitions of each topic this delta changed, mutable until {@link #apply()} builds the topic's
     * image from them. Copying a topic's partitions per record instead made creating a topic of N
     * partitions O(N²) in time and garbage (5,000 partitions: about 1 GB of short-lived TreeMap entries).
     */
    private final Map<Uuid, TreeMap<Integer, PartitionState>> changedPartitions = new HashMap<>();
    private Map<ConfigResource, Map<String, String>> configs;
    private long nextProducerId;
    private Map<String, Short> featureLevels;
    private TreeMap<String, java.util.SortedMap<Byte, ScramCredential>> scramCredentials;
    private Map<ClientQuotaEntity, TreeMap<String, Double>> clientQuotas;
    private TreeMap<Uuid, AclBinding> acls;

    public MetadataDelta(MetadataImage base) {
        this.base = base;
        this.offset = base.offset();
        this.clusterId = base.clusterId();
        this.nextProducerId = base.nextProducerId();
    }

    /** The log offset of the next record to replay (the offset of the image {@link #apply()} would build). */
    public long offset() {
        return offset;
    }

    /** The image this delta starts from. */
    public MetadataImage base() {
        return base;
    }

    /** Replays every record in order. */
    public MetadataDelta replayAll(List<? extends Message> records) {
        for (Message m : records) replay(m);
        return this;
    }

    /** Replays one record; it takes the next log offset. */
    public MetadataDelta replay(Message record) {
        switch (record) {
            case ClusterRecord r -> replayCluster(r);
            case RegisterBrokerRecord r -> replayRegister(r);
            case UnregisterBrokerRecord r -> replayUnregister(r);
            case TopicRecord r -> replayTopic(r);
            case PartitionRecord r -> replayPartition(r);
            case PartitionChangeRecord r -> replayPartitionChange(r);
            case RemoveTopicRecord r -> replayRemoveTopic(r);
            case ConfigRecord r -> replayConfig(r);
            case ProducerIdsRecord r -> replayProducerIds(r);
            case FeatureLevelRecord r -> {
                if (featureLevels == null) featureLevels = new TreeMap<>(base.featureLevels());
                featureLevels.put(r.name, r.featureLevel);
            }
            case io.runnel.protocol.message.UserScramCredentialRecord r -> {
                if (ScramCredential.mechanismName(r.mechanism) == null) {
                    throw new IllegalStateException("unknown SCRAM mechanism " + r.mechanism + " at offset " + offset);
                }
                scram().computeIfAbsent(r.name, u -> new TreeMap<>())
                        .put(r.mechanism, new ScramCredential(r.salt, r.storedKey, r.serverKey, r.iterations));
            }
            case io.runnel.protocol.message.RemoveUserScramCredentialRecord r -> {
                java.util.SortedMap<Byte, ScramCredential> m = scram().get(r.name);
                if (m != null) {
                    m.remove(r.mechanism);
                    if (m.isEmpty()) scramCredentials.remove(r.name);
                }
            }
            case io.runnel.protocol.message.ClientQuotaRecord r -> replayClientQuota(r);
            case io.runnel.protocol.message.AccessControlEntryRecord r -> {
                if (acls == null) acls = new TreeMap<>(base.acls());
                acls.put(r.id, new AclBinding(r.resourceType, r.resourceName, r.patternType, r.principal, r.host, r.operation, r.permissionType));
            }
            case io.runnel.protocol.message.RemoveAccessControlEntryRecord r -> {
                if (acls == null) acls = new TreeMap<>(base.acls());
                if (acls.remove(r.id) == null) throw new IllegalStateException("no ACL with id " + r.id + " to remove at offset " + offset);
            }
            default -> throw new IllegalStateException("unknown metadata record " + record.getClass().getName());
        }
        offset++;
        return this;
    }

    /**
     * Moves the offset without records: used after replaying a snapshot's records, which stand for the
     * first {@code newOffset} records of the log (also by the replicated log in runnel-quorum).
     */
    public MetadataDelta setOffset(long newOffset) {
        this.offset = newOffset;
        return this;
    }

    /** The new image. The delta may be replayed further and applied again. */
    public MetadataImage apply() {
        for (Map.Entry<Uuid, TreeMap<Integer, PartitionState>> e : changedPartitions.entrySet()) {
            TopicImage t = topicsById().get(e.getKey());
            putTopic(new TopicImage(t.name(), t.id(), e.getValue())); // TopicImage copies the map
        }
        return new MetadataImage(offset, clusterId,
                brokers != null ? new TreeMap<>(brokers) : new TreeMap<>(base.brokers()),
                topicsByName != null ? new TreeMap<>(topicsByName) : new TreeMap<>(base.topics()),
                topicsById != null ? new TreeMap<>(topicsById) : new TreeMap<>(base.topicsById()),
                configs != null ? new HashMap<>(configs) : new HashMap<>(base.configs()), nextProducerId,
                featureLevels != null ? new TreeMap<>(featureLevels) : new TreeMap<>(base.featureLevels()),
                scramCredentials != null ? scramCredentials : base.scramCredentials(),
                clientQuotas != null ? clientQuotas : base.clientQuotas(),
                acls != null ? new TreeMap<>(acls) : base.acls());
    }

    private void replayClientQuota(io.runnel.protocol.message.ClientQuotaRecord r) {
        Map<String, String> entries = new TreeMap<>();
        for (io.runnel.protocol.message.ClientQuotaRecord.EntityData d : r.entity) {
            if (entries.containsKey(d.entityType)) {
                throw new IllegalStateException("client quota entity type " + d.entityType + " twice at offset " + offset);
            }
            entries.put(d.entityType, d.entityName);
        }
        ClientQuotaEntity entity = new ClientQuotaEntity(entries);
        if (clientQuotas == null) {
            clientQuotas = new HashMap<>();
            base.clientQuotas().forEach((e, v) -> clientQuotas.put(e, new TreeMap<>(v)));
        }
        if (r.remove) {
            TreeMap<String, Double> values = clientQuotas.get(entity);
            if (values != null) {
                values.remove(r.key);
                if (values.isEmpty()) clientQuotas.remove(entity);
            }
        } else {
            clientQuotas.computeIfAbsent(entity, e -> new TreeMap<>()).put(r.key, r.value);
        }
    }

    /** The AccessControlEntryRecord of an ACL (CreateAcls, snapshots). */
    static io.runnel.protocol.message.AccessControlEntryRecord aclRecord(Uuid id, AclBinding a) {
        io.runnel.protocol.message.AccessControlEntryRecord r = new io.runnel.protocol.message.AccessControlEntryRecord();
        r.id = id;
        r.resourceType = a.resourceType();
        r.resourceName = a.resourceName();
        r.patternType = a.patternType();
        r.principal = a.principal();
        r.host = a.host();
        r.operation = a.operation();
        r.permissionType = a.permissionType();
        return r;
    }

    /** A mutable deep-enough copy of the base's SCRAM credentials, made on the first change. */
    private TreeMap<String, java.util.SortedMap<Byte, ScramCredential>> scram() {
        if (scramCredentials == null) {
            scramCredentials = new TreeMap<>();
            base.scramCredentials().forEach((u, m) -> scramCredentials.put(u, new TreeMap<>(m)));
        }
        return scramCredentials;
    }

    // ---------------------------------------------------------------- replay of each record type

    private void replayCluster(ClusterRecord r) {
        if (clusterId != null && !clusterId.equals(r.clusterId)) {
            throw new IllegalStateException("cluster id changes from " + clusterId + " to " + r.clusterId + " at offset " + offset);
        }
        clusterId = r.clusterId;
    }

    private void replayRegister(RegisterBrokerRecord r) {
        List<BrokerRegistration.Endpoint> eps = new ArrayList<>();
        for (RegisterBrokerRecord.BrokerEndpoint e : r.endpoints) {
            eps.add(new BrokerRegistration.Endpoint(e.name, e.host, e.port, e.securityProtocol));
        }
        brokers().put(r.brokerId, new BrokerRegistration(r.brokerId, r.brokerEpoch, r.incarnationId, eps, r.rack, r.fenced,
                r.cleanShutdown));
    }

    private void replayUnregister(UnregisterBrokerRecord r) {
        BrokerRegistration b = brokers().get(r.brokerId);
        if (b != null && b.epoch() == r.brokerEpoch) brokers().remove(r.brokerId);
    }

    private void replayTopic(TopicRecord r) {
        if (topicsByName().containsKey(r.name)) {
            throw new IllegalStateException("topic " + r.name + " already exists at offset " + offset);
        }
        if (topicsById().containsKey(r.topicId)) {
            throw new IllegalStateException("topic id " + r.topicId + " already used at offset " + offset);
        }
        putTopic(new TopicImage(r.name, r.topicId, new TreeMap<>()));
    }

    private void replayPartition(PartitionRecord r) {
        TopicImage t = requireTopic(r.topicId);
        partitionsOf(t).put(r.partitionId, new PartitionState(r.replicas, r.isr, r.removingReplicas, r.addingReplicas,
                r.leader, r.leaderEpoch, r.partitionEpoch, r.eligibleLeaderReplicas, r.lastKnownElr));
    }

    private void replayPartitionChange(PartitionChangeRecord r) {
        TopicImage t = requireTopic(r.topicId);
        TreeMap<Integer, PartitionState> parts = partitionsOf(t);
        PartitionState p = parts.get(r.partitionId);
        if (p == null) {
            throw new IllegalStateException("change of unknown partition " + r.partitionId + " of " + t.name() + " at offset " + offset);
        }
        boolean leaderChange = r.leader != -2;
        PartitionState changed = new PartitionState(
                r.replicas != null ? r.replicas : p.replicas(),
                r.isr != null ? r.isr : p.isr(),
                r.removingReplicas != null ? r.removingReplicas : p.removingReplicas(),
                r.addingReplicas != null ? r.addingReplicas : p.addingReplicas(),
                leaderChange ? r.leader : p.leader(),
                leaderChange ? p.leaderEpoch() + 1 : p.leaderEpoch(),
                p.partitionEpoch() + 1,
                r.eligibleLeaderReplicas != null ? r.eligibleLeaderReplicas : p.elr(),
                r.lastKnownElr != null ? r.lastKnownElr : p.lastKnownElr());
        String invalid = invalidLeadership(changed);
        if (invalid != null) {
            throw new IllegalStateException("change of " + t.name() + "-" + r.partitionId + " at offset " + offset + ": " + invalid);
        }
        parts.put(r.partitionId, changed);
    }

    /**
     * Why a changed partition is impossible, or null: its ISR must be a non-empty set of its replicas,
     * its leader -1 or an ISR member, and its ELR replicas outside the ISR. A change that breaks this comes from a buggy controller; the
     * whole batch holding it is refused.
     */
    private static String invalidLeadership(PartitionState p) {
        if (p.isr().isEmpty() && !p.replicas().isEmpty()) return "empty ISR";
        if (new java.util.HashSet<>(p.isr()).size() != p.isr().size()) return "duplicate ISR members " + p.isr();
        if (!p.replicas().containsAll(p.isr())) return "ISR " + p.isr() + " is not within the replicas " + p.replicas();
        if (p.leader() != PartitionState.NO_LEADER && !p.isr().contains(p.leader())) {
            return "leader " + p.leader() + " is not in the ISR " + p.isr();
        }
        if (!p.replicas().containsAll(p.elr())) return "ELR " + p.elr() + " is not within the replicas " + p.replicas();
        for (int r : p.elr()) {
            if (p.isr().contains(r)) return "ELR " + p.elr() + " overlaps the ISR " + p.isr();
        }
        return null;
    }

    private void replayRemoveTopic(RemoveTopicRecord r) {
        TopicImage t = requireTopic(r.topicId);
        topicsByName().remove(t.name());
        topicsById().remove(t.id());
        changedPartitions.remove(t.id());
        configs().remove(ConfigResource.topic(t.name()));
    }

    private void replayConfig(ConfigRecord r) {
        ConfigResource res = new ConfigResource(ConfigResource.Type.forId(r.resourceType), r.resourceName);
        Map<String, String> current = configs().get(res);
        Map<String, String> next = current == null ? new HashMap<>() : new HashMap<>(current);
        if (r.value == null) next.remove(r.name);
        else next.put(r.name, r.value);
        if (next.isEmpty()) configs().remove(res);
        else configs().put(res, Map.copyOf(next));
    }

    private TopicImage requireTopic(Uuid id) {
        TopicImage t = topicsById().get(id);
        if (t == null) throw new IllegalStateException("unknown topic id " + id + " at offset " + offset);
        return t;
    }

    /** The topic's partitions as this delta changes them (copied from the topic's image on first change). */
    private TreeMap<Integer, PartitionState> partitionsOf(TopicImage t) {
        return changedPartitions.computeIfAbsent(t.id(), id -> new TreeMap<>(t.partitions()));
    }

    private void putTopic(TopicImage t) {
        topicsByName().put(t.name(), t);
        topicsById().put(t.id(), t);
    }

    private void replayProducerIds(ProducerIdsRecord r) {
        if (r.nextProducerId <= nextProducerId) {
            throw new IllegalStateException("next producer id " + r.nextProducerId + " at offset " + offset
                    + " does not move past " + nextProducerId);
        }
        nextProducerId = r.nextProducerId;
    }

    private TreeMap<Integer, BrokerRegistration> brokers() {
        if (brokers == null) brokers = new TreeMap<>(base.brokers());
        return brokers;
    }

    private TreeMap<String, TopicImage> topicsByName() {
        if (topicsByName == null) topicsByName = new TreeMap<>(base.topics());
        return topicsByName;
    }

    private TreeMap<Uuid, TopicImage> topicsById() {
        if (topicsById == null) topicsById = new TreeMap<>(base.topicsById());
        return topicsById;
    }

    private Map<ConfigResource, Map<String, String>> configs() {
        if (configs == null) configs = new HashMap<>(base.configs());
        return configs;
    }

    /** The record that registers {@code b}. */
    static RegisterBrokerRecord toRecord(BrokerRegistration b) {
        RegisterBrokerRecord r = new RegisterBrokerRecord();
        r.brokerId = b.id();
        r.brokerEpoch = b.epoch();
        r.incarnationId = b.incarnationId();
        for (BrokerRegistration.Endpoint e : b.endpoints()) {
            RegisterBrokerRecord.BrokerEndpoint be = new RegisterBrokerRecord.BrokerEndpoint();
            be.name = e.listener();
            be.host = e.host();
            be.port = e.port();
            be.securityProtocol = e.securityProtocol();
            r.endpoints.add(be);
        }
        r.rack = b.rack();
        r.fenced = b.fenced();
        r.cleanShutdown = b.cleanShutdown();
        return r;
    }
}
