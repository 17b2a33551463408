package io.runnel.broker.handler;

import io.runnel.protocol.message.ApiVersionsResponse;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BrokerFeaturesTest {

    private static ApiVersionsResponse fill(BrokerFeatures f, int version, long epoch) {
        ApiVersionsResponse r = new ApiVersionsResponse();
        f.addTo(r, (short) version, epoch);
        return r;
    }

    private static Map<String, String> supported(ApiVersionsResponse r) {
        Map<String, String> m = new TreeMap<>();
        r.supportedFeatures.forEach(s -> m.put(s.name, s.minVersion + "-" + s.maxVersion));
        return m;
    }

    private static Map<String, Short> finalized(ApiVersionsResponse r) {
        Map<String, Short> m = new TreeMap<>();
        r.finalizedFeatures.forEach(s -> {
            assertThat(s.minVersionLevel).as(s.name).isEqualTo(s.maxVersionLevel);
            m.put(s.name, s.maxVersionLevel);
        });
        return m;
    }

    @Test
    void v4ListsEveryFeatureAndFinalizesOnlyThoseInForce() {
        ApiVersionsResponse r = fill(BrokerFeatures.of(true), 4, 41);
        assertThat(supported(r)).containsOnlyKeys("metadata.version", "kraft.version", "group.version", "transaction.version",
                "eligible.leader.replicas.version", "share.version", "streams.version");
        assertThat(supported(r)).containsEntry("metadata.version", "7-33").containsEntry("transaction.version", "0-2");
        assertThat(finalized(r)).isEqualTo(Map.of("metadata.version", (short) 33, "group.version", (short) 1,
                "transaction.version", (short) 2));
        assertThat(r.finalizedFeaturesEpoch).isEqualTo(41);
    }

    @Test
    void withoutTheConsumerProtocolGroupVersionIsOff() {
        ApiVersionsResponse r = fill(BrokerFeatures.of(false), 5, 0);
        assertThat(supported(r)).containsEntry("group.version", "0-1");
        assertThat(finalized(r)).isEqualTo(Map.of("metadata.version", (short) 33, "transaction.version", (short) 2));
    }

    @Test
    void beforeV4NoRangeStartsAtZeroAndBeforeV3ThereAreNoFeatures() {
        // KIP-1022: clients before v4 reject a supported range starting at 0
        assertThat(supported(fill(BrokerFeatures.of(true), 3, 5))).isEqualTo(Map.of("metadata.version", "7-33", "group.version", "1-1",
                "transaction.version", "1-2"));
        ApiVersionsResponse v2 = fill(BrokerFeatures.of(true), 2, 5);
        assertThat(v2.supportedFeatures).isEmpty();
        assertThat(v2.finalizedFeatures).isEmpty();
        assertThat(v2.finalizedFeaturesEpoch).isEqualTo(-1);
    }

    @Test
    void anEmptyMetadataLogGivesEpochZeroNotMinusOne() {
        // clients ignore finalized features with a negative epoch
        assertThat(fill(BrokerFeatures.of(true), 4, -1).finalizedFeaturesEpoch).isZero();
    }

    @Test
    void aFinalizedLevelMustBeSupported() {
        assertThatThrownBy(() -> new BrokerFeatures.Feature("x", (short) 0, (short) 1, (short) 2))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("x");
    }

    @Test
    void finalizedLevelsFromTheMetadataLogReplaceTheDefaults() {
        BrokerFeatures f = BrokerFeatures.of(true).withFinalizedLevels(Map.of("transaction.version", (short) 1,
                "share.version", (short) 7));
        ApiVersionsResponse r = fill(f, 4, 3);
        assertThat(finalized(r)).containsEntry("transaction.version", (short) 1);
        assertThat(finalized(r)).as("a level outside the supported range is ignored").doesNotContainKey("share.version");
        assertThat(finalized(fill(BrokerFeatures.of(true).withFinalizedLevels(Map.of("transaction.version", (short) 0)), 4, 3)))
                .as("level 0 is off and not listed").doesNotContainKey("transaction.version");
    }
}
