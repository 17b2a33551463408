package io.runnel.broker.partition;

import io.runnel.config.TopicConfigs;
import io.runnel.storage.LogConfig;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Storage keeps its own copy of the topic-config defaults ({@link LogConfig#DEFAULT}, for logs opened
 * without a resolved config); the definitions live in {@link TopicConfigs}. The two must not drift.
 */
class LogConfigDefaultsTest {
    @Test
    void storageDefaultsMatchTheTopicConfigDefinitions() {
        LogConfig resolved = LogConfig.fromMap(TopicConfigs.resolve(Map.of(), Map.of()));
        assertThat(resolved).isEqualTo(LogConfig.DEFAULT);
    }
}
