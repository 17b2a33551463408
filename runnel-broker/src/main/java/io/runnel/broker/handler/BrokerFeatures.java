package io.runnel.broker.handler;

import io.runnel.protocol.message.ApiVersionsResponse;

import java.util.List;

/**
 * The feature flags (KIP-584) this broker reports in ApiVersions, and so in {@code Admin.describeFeatures()}
 * and {@code kafka-features.sh describe}: for each feature an Apache Kafka 4.4 broker knows, the levels
 * Runnel supports and the level in force. The levels state what Runnel serves, not what Kafka could:
 * a feature Runnel does not serve (share groups, streams groups, a dynamic KRaft quorum, eligible leader
 * replicas) supports only level 0. When one lands, its levels change here and nowhere else.
 *
 * <p>Immutable; thread-safe.
 */
public final class BrokerFeatures {
    /** A feature: the levels this broker supports and the finalized (cluster-wide) level; 0 means off. */
    public record Feature(String name, short minSupported, short maxSupported, short finalizedLevel) {
        public Feature {
            if (minSupported < 0 || minSupported > maxSupported || finalizedLevel < minSupported || finalizedLevel > maxSupported) {
                throw new IllegalArgumentException(name + ": finalized " + finalizedLevel + " outside " + minSupported + "-" + maxSupported);
            }
        }
    }

    /** metadata.version of Kafka 3.3-IV3, the oldest a KRaft cluster may run. */
    static final short METADATA_VERSION_MIN = 7;
    /** metadata.version of Kafka 4.4-IV2: the release whose client protocol Runnel serves (ListOffsets v11, Fetch v18). */
    static final short METADATA_VERSION_4_4 = 33;

    /**
     * The transaction.version served and finalized: 2, KIP-890 part 2 (Produce v12 and TxnOffsetCommit v5 add
     * partitions implicitly, every EndTxn v5 bumps the epoch). Clients that see a lower finalized level take the
     * AddPartitionsToTxn / AddOffsetsToTxn / EndTxn v4 path, which is served as well.
     */
    public static final short TRANSACTION_VERSION = 2;

    private final List<Feature> features;

    private BrokerFeatures(List<Feature> features) {
        this.features = List.copyOf(features);
    }

    /**
     * @param consumerProtocol whether KIP-848 consumer groups are served ({@code group.version} 1) or
     *                         only classic groups (0)
     */
    public static BrokerFeatures of(boolean consumerProtocol) {
        return new BrokerFeatures(List.of(
                new Feature("metadata.version", METADATA_VERSION_MIN, METADATA_VERSION_4_4, METADATA_VERSION_4_4),
                new Feature("kraft.version", (short) 0, (short) 0, (short) 0),
                new Feature("group.version", (short) 0, (short) 1, (short) (consumerProtocol ? 1 : 0)),
                new Feature("transaction.version", (short) 0, TRANSACTION_VERSION, TRANSACTION_VERSION),
                new Feature("eligible.leader.replicas.version", (short) 0, (short) 0, (short) 0),
                new Feature("share.version", (short) 0, (short) 0, (short) 0),
                new Feature("streams.version", (short) 0, (short) 0, (short) 0)));
    }

    public List<Feature> features() {
        return features;
    }

    /** The features that an operator may finalize at another level with UpdateFeatures. */
    public static final java.util.Set<String> UPDATABLE = java.util.Set.of("transaction.version");

    /**
     * These features with the levels finalized by UpdateFeatures (the metadata image's FeatureLevelRecords) in place
     * of the defaults; levels outside a feature's supported range are ignored.
     */
    public BrokerFeatures withFinalizedLevels(java.util.Map<String, Short> levels) {
        if (levels.isEmpty()) return this;
        List<Feature> out = new java.util.ArrayList<>();
        for (Feature f : features) {
            Short level = levels.get(f.name());
            out.add(level == null || level < f.minSupported() || level > f.maxSupported() ? f
                    : new Feature(f.name(), f.minSupported(), f.maxSupported(), level));
        }
        return new BrokerFeatures(out);
    }

    /** The feature of that name, or null. */
    public Feature feature(String name) {
        for (Feature f : features) if (f.name().equals(name)) return f;
        return null;
    }

    /**
     * Fills the supported and finalized features of an ApiVersions response of the given version (they
     * exist from v3). Level 0 is "off", so a finalized level 0 is left out, as Kafka does. Before v4
     * (KIP-1022) clients reject a supported range starting at 0: for them a feature supported only at
     * level 0 is left out and a range starting at 0 starts at 1.
     *
     * @param epoch the finalized features epoch, a metadata log offset (clients keep the newest they saw)
     */
    public void addTo(ApiVersionsResponse resp, short version, long epoch) {
        if (version < 3) return;
        for (Feature f : features) {
            short min = f.minSupported();
            if (version < 4) {
                if (f.maxSupported() == 0) continue;
                min = (short) Math.max(1, min);
            }
            ApiVersionsResponse.SupportedFeatureKey s = new ApiVersionsResponse.SupportedFeatureKey();
            s.name = f.name();
            s.minVersion = min;
            s.maxVersion = f.maxSupported();
            resp.supportedFeatures.add(s);
            if (f.finalizedLevel() > 0) {
                ApiVersionsResponse.FinalizedFeatureKey k = new ApiVersionsResponse.FinalizedFeatureKey();
                k.name = f.name();
                k.minVersionLevel = f.finalizedLevel();
                k.maxVersionLevel = f.finalizedLevel();
                resp.finalizedFeatures.add(k);
            }
        }
        resp.finalizedFeaturesEpoch = Math.max(0, epoch);
    }
}
