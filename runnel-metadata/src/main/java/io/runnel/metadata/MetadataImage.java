package io.runnel.metadata;

import io.runnel.common.Uuid;
import io.runnel.config.BrokerConfigLayers;
import io.runnel.protocol.Message;
import io.runnel.protocol.message.ClusterRecord;
import io.runnel.protocol.message.ConfigRecord;
import io.runnel.protocol.message.PartitionRecord;
import io.runnel.protocol.message.FeatureLevelRecord;
import io.runnel.protocol.message.ProducerIdsRecord;
import io.runnel.protocol.message.RegisterBrokerRecord;
import io.runnel.protocol.message.TopicRecord;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * An immutable view of all cluster metadata at one point of the metadata log: the cluster id, the
 * registered brokers, the topics (by name and by id) with their partitions, the dynamic configs of
 * each resource, and the start of the next block of producer ids.
 *
 * <p>{@code offset} is the number of metadata records applied so far, i.e. the log offset of the next
 * record. An image is only ever produced by replaying records ({@link MetadataDelta}); the same records
 * always give an equal image. Images are shared freely between threads.
 */
public final class MetadataImage {
    /** The image of an empty metadata log. */
    public static final MetadataImage EMPTY = new MetadataImage(0, null, new TreeMap<>(), new TreeMap<>(),
            new TreeMap<>(), new java.util.HashMap<>(), 0L);

    private final long offset;
    private final Uuid clusterId;
    private final SortedMap<Integer, BrokerRegistration> brokers;
    private final SortedMap<String, TopicImage> topicsByName;
    private final Map<Uuid, TopicImage> topicsById;
    private final Map<ConfigResource, Map<String, String>> configs;
    private final long nextProducerId;
    private final SortedMap<String, Short> featureLevels;
    /** User name to Kafka mechanism id to credential. */
    private final SortedMap<String, SortedMap<Byte, ScramCredential>> scramCredentials;
    /** Client quota entity to quota key to value (ClientQuotaRecord). */
    private final Map<ClientQuotaEntity, SortedMap<String, Double>> clientQuotas;
    /** ACL id (AccessControlEntryRecord) to ACL. */
    private final SortedMap<Uuid, AclBinding> acls;

    MetadataImage(long offset, Uuid clusterId, SortedMap<Integer, BrokerRegistration> brokers,
                  SortedMap<String, TopicImage> topicsByName, SortedMap<Uuid, TopicImage> topicsById,
                  Map<ConfigResource, Map<String, String>> configs, long nextProducerId) {
        this(offset, clusterId, brokers, topicsByName, topicsById, configs, nextProducerId, new TreeMap<>());
    }

    MetadataImage(long offset, Uuid clusterId, SortedMap<Integer, BrokerRegistration> brokers,
                  SortedMap<String, TopicImage> topicsByName, SortedMap<Uuid, TopicImage> topicsById,
                  Map<ConfigResource, Map<String, String>> configs, long nextProducerId, SortedMap<String, Short> featureLevels) {
        this(offset, clusterId, brokers, topicsByName, topicsById, configs, nextProducerId, featureLevels, new TreeMap<>());
    }

    MetadataImage(long offset, Uuid clusterId, SortedMap<Integer, BrokerRegistration> brokers,
                  SortedMap<String, TopicImage> topicsByName, SortedMap<Uuid, TopicImage> topicsById,
                  Map<ConfigResource, Map<String, String>> configs, long nextProducerId, SortedMap<String, Short> featureLevels,
                  SortedMap<String, SortedMap<Byte, ScramCredential>> scramCredentials) {
        this(offset, clusterId, brokers, topicsByName, topicsById, configs, nextProducerId, featureLevels, scramCredentials, Map.of(),
                new TreeMap<>());
    }

    MetadataImage(long offset, Uuid clusterId, SortedMap<Integer, BrokerRegistration> brokers,
                  SortedMap<String, TopicImage> topicsByName, SortedMap<Uuid, TopicImage> topicsById,
                  Map<ConfigResource, Map<String, String>> configs, long nextProducerId, SortedMap<String, Short> featureLevels,
                  SortedMap<String, SortedMap<Byte, ScramCredential>> scramCredentials,
                  Map<ClientQuotaEntity, ? extends SortedMap<String, Double>> clientQuotas, SortedMap<Uuid, AclBinding> acls) {
        Map<ClientQuotaEntity, SortedMap<String, Double>> quotas = new java.util.HashMap<>();
        clientQuotas.forEach((entity, values) -> {
            if (!values.isEmpty()) quotas.put(entity, Collections.unmodifiableSortedMap(new TreeMap<>(values)));
        });
        this.clientQuotas = Collections.unmodifiableMap(quotas);
        this.acls = Collections.unmodifiableSortedMap(acls);
        SortedMap<String, SortedMap<Byte, ScramCredential>> scram = new TreeMap<>();
        scramCredentials.forEach((user, byMechanism) -> {
            if (!byMechanism.isEmpty()) scram.put(user, Collections.unmodifiableSortedMap(new TreeMap<>(byMechanism)));
        });
        this.scramCredentials = Collections.unmodifiableSortedMap(scram);
        this.featureLevels = Collections.unmodifiableSortedMap(featureLevels);
        this.offset = offset;
        this.clusterId = clusterId;
        this.brokers = Collections.unmodifiableSortedMap(brokers);
        this.topicsByName = Collections.unmodifiableSortedMap(topicsByName);
        this.topicsById = Collections.unmodifiableMap(topicsById);
        this.configs = Collections.unmodifiableMap(configs);
        this.nextProducerId = nextProducerId;
    }

    /** The log offset of the next record: how many records this image reflects. */
    public long offset() {
        return offset;
    }

    /** The cluster id, or null before the first ClusterRecord. */
    public Uuid clusterId() {
        return clusterId;
    }

    /** Registered brokers by id, ascending. */
    public SortedMap<Integer, BrokerRegistration> brokers() {
        return brokers;
    }

    public BrokerRegistration broker(int id) {
        return brokers.get(id);
    }

    /** Topics by name, ascending. */
    public SortedMap<String, TopicImage> topics() {
        return topicsByName;
    }

    /** The topic called {@code name}, or null. */
    public TopicImage topic(String name) {
        return topicsByName.get(name);
    }

    /** The topic with id {@code id}, or null. */
    public TopicImage topic(Uuid id) {
        return topicsById.get(id);
    }

    public Map<Uuid, TopicImage> topicsById() {
        return topicsById;
    }

    /** Every resource that has dynamic configs, with its configs. */
    public Map<ConfigResource, Map<String, String>> configs() {
        return configs;
    }

    /** The dynamic configs of {@code resource}; empty when it has none. */
    public Map<String, String> configs(ConfigResource resource) {
        Map<String, String> c = configs.get(resource);
        return c == null ? Map.of() : c;
    }

    /** The overrides set on topic {@code name}. */
    public Map<String, String> topicConfigs(String name) {
        return configs(ConfigResource.topic(name));
    }

    /**
     * The first producer id of the next block to hand out: every id below it has been given to some
     * broker (ProducerIdsRecord) and is never handed out again. 0 in a new cluster.
     */
    public long nextProducerId() {
        return nextProducerId;
    }

    /**
     * The feature levels finalized with UpdateFeatures (FeatureLevelRecord), by feature name; a feature without
     * one has the broker's default finalized level.
     */
    public SortedMap<String, Short> featureLevels() {
        return featureLevels;
    }

    /**
     * The SCRAM credentials (UserScramCredentialRecord): user name to Kafka mechanism id (1 SCRAM-SHA-256,
     * 2 SCRAM-SHA-512) to credential; users without a credential are absent.
     */
    public SortedMap<String, SortedMap<Byte, ScramCredential>> scramCredentials() {
        return scramCredentials;
    }

    /** The client quotas (ClientQuotaRecord): entity to quota key to value; entities without a quota are absent. */
    public Map<ClientQuotaEntity, SortedMap<String, Double>> clientQuotas() {
        return clientQuotas;
    }

    /** The ACLs (AccessControlEntryRecord) by id; the same map object until an ACL changes. */
    public SortedMap<Uuid, AclBinding> acls() {
        return acls;
    }

    /** {@code user}'s SCRAM credential for the mechanism id, or null. */
    public ScramCredential scramCredential(String user, byte mechanism) {
        SortedMap<Byte, ScramCredential> m = scramCredentials.get(user);
        return m == null ? null : m.get(mechanism);
    }

    /**
     * The broker-level configuration of broker {@code nodeId} in layers: its own dynamic configs, the
     * cluster-wide dynamic default, and {@code staticConfig} (its server.properties).
     */
    public BrokerConfigLayers brokerLayers(int nodeId, Map<String, String> staticConfig) {
        return new BrokerConfigLayers(configs(ConfigResource.broker(nodeId)),
                configs(ConfigResource.brokerDefault()), staticConfig);
    }

    /**
     * Records that rebuild this image from an empty one (a snapshot): the cluster, brokers, each topic
     * followed by its partitions, then configs, then the next producer id block (when any was handed out). Replaying them gives an image equal to this one except
     * for {@link #offset()}.
     */
    public List<Message> toRecords() {
        List<Message> out = new ArrayList<>();
        if (clusterId != null) {
            ClusterRecord c = new ClusterRecord();
            c.clusterId = clusterId;
            out.add(c);
        }
        for (BrokerRegistration b : brokers.values()) out.add(MetadataDelta.toRecord(b));
        for (TopicImage t : topicsByName.values()) {
            TopicRecord tr = new TopicRecord();
            tr.name = t.name();
            tr.topicId = t.id();
            out.add(tr);
            for (Map.Entry<Integer, PartitionState> e : t.partitions().entrySet()) {
                PartitionState p = e.getValue();
                PartitionRecord pr = new PartitionRecord();
                pr.partitionId = e.getKey();
                pr.topicId = t.id();
                pr.replicas = new ArrayList<>(p.replicas());
                pr.isr = new ArrayList<>(p.isr());
                pr.removingReplicas = new ArrayList<>(p.removingReplicas());
                pr.addingReplicas = new ArrayList<>(p.addingReplicas());
                pr.leader = p.leader();
                pr.leaderEpoch = p.leaderEpoch();
                pr.partitionEpoch = p.partitionEpoch();
                pr.eligibleLeaderReplicas = new ArrayList<>(p.elr());
                pr.lastKnownElr = new ArrayList<>(p.lastKnownElr());
                out.add(pr);
            }
        }
        List<ConfigResource> resources = new ArrayList<>(configs.keySet());
        resources.sort((a, b) -> a.type() != b.type() ? Integer.compare(a.type().id(), b.type().id()) : a.name().compareTo(b.name()));
        for (ConfigResource r : resources) {
            for (Map.Entry<String, String> e : new TreeMap<>(configs.get(r)).entrySet()) {
                ConfigRecord cr = new ConfigRecord();
                cr.resourceType = r.type().id();
                cr.resourceName = r.name();
                cr.name = e.getKey();
                cr.value = e.getValue();
                out.add(cr);
            }
        }
        if (nextProducerId > 0) {
            ProducerIdsRecord p = new ProducerIdsRecord();
            p.brokerId = -1;
            p.brokerEpoch = -1;
            p.nextProducerId = nextProducerId;
            out.add(p);
        }
        featureLevels.forEach((name, level) -> {
            FeatureLevelRecord f = new FeatureLevelRecord();
            f.name = name;
            f.featureLevel = level;
            out.add(f);
        });
        scramCredentials.forEach((user, byMechanism) -> byMechanism.forEach((mechanism, c) -> {
            io.runnel.protocol.message.UserScramCredentialRecord r = new io.runnel.protocol.message.UserScramCredentialRecord();
            r.name = user;
            r.mechanism = mechanism;
            r.salt = c.salt();
            r.storedKey = c.storedKey();
            r.serverKey = c.serverKey();
            r.iterations = c.iterations();
            out.add(r);
        }));
        // in a stable order, so the same image always gives the same snapshot
        List<ClientQuotaEntity> entities = new ArrayList<>(clientQuotas.keySet());
        entities.sort(java.util.Comparator.comparing(ClientQuotaEntity::toString));
        entities.forEach(entity -> clientQuotas.get(entity).forEach((key, value) -> {
            io.runnel.protocol.message.ClientQuotaRecord r = new io.runnel.protocol.message.ClientQuotaRecord();
            entity.entries().forEach((type, name) -> {
                io.runnel.protocol.message.ClientQuotaRecord.EntityData d = new io.runnel.protocol.message.ClientQuotaRecord.EntityData();
                d.entityType = type;
                d.entityName = name;
                r.entity.add(d);
            });
            r.key = key;
            r.value = value;
            out.add(r);
        }));
        acls.forEach((id, a) -> out.add(MetadataDelta.aclRecord(id, a)));
        return out;
    }

    /** A copy of this image at another offset (used when loading a snapshot). */
    MetadataImage withOffset(long newOffset) {
        return new MetadataImage(newOffset, clusterId, new TreeMap<>(brokers), new TreeMap<>(topicsByName),
                new TreeMap<>(topicsById), configs, nextProducerId, new TreeMap<>(featureLevels), scramCredentials, clientQuotas, acls);
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) return true;
        if (!(o instanceof MetadataImage m)) return false;
        return offset == m.offset && Objects.equals(clusterId, m.clusterId) && brokers.equals(m.brokers)
                && topicsByName.equals(m.topicsByName) && topicsById.equals(m.topicsById) && configs.equals(m.configs)
                && nextProducerId == m.nextProducerId && featureLevels.equals(m.featureLevels)
                && scramCredentials.equals(m.scramCredentials) && clientQuotas.equals(m.clientQuotas) && acls.equals(m.acls);
    }

    @Override
    public int hashCode() {
        return Objects.hash(offset, clusterId, brokers, topicsByName, configs, nextProducerId, featureLevels, scramCredentials, clientQuotas,
                acls);
    }

    @Override
    public String toString() {
        return "MetadataImage(offset=" + offset + ", clusterId=" + clusterId + ", brokers=" + brokers.keySet()
                + ", topics=" + topicsByName.keySet() + ", configs=" + configs + ", nextProducerId=" + nextProducerId
                + ", featureLevels=" + featureLevels + ", scramUsers=" + scramCredentials.keySet() + ", acls=" + acls.size() + ")";
    }
}
