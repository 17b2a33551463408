package io.runnel.protocol;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class ApiKeysTest {
    @Test
    void keysAreUniqueAndVersionRangesSane() {
        Set<Short> ids = new HashSet<>();
        for (ApiKeys k : ApiKeys.values()) {
            assertThat(ids.add(k.id)).as("duplicate key %d", k.id).isTrue();
            assertThat(k.lowestVersion).isLessThanOrEqualTo(k.highestVersion);
            assertThat(ApiKeys.forId(k.id)).isSameAs(k);
            assertThat(k.newRequest().apiKey()).isEqualTo(k.id);
            assertThat(k.newResponse().apiKey()).isEqualTo(k.id);
        }
        assertThat(ApiKeys.forId(-1)).isNull();
        assertThat(ApiKeys.forId(10_000)).isNull();
    }
}
