package io.runnel.common;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

import static org.assertj.core.api.Assertions.assertThat;

class ResidentMemoryTest {
    @Test
    @EnabledOnOs(OS.LINUX)
    void readsThisProcessResidentSetSize() {
        long heapUsed = Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory();
        long rss = ResidentMemory.bytes();
        assertThat(rss).as("a JVM is resident for at least the heap it uses").isGreaterThan(heapUsed / 2)
                .isLessThan(64L << 30);
        assertThat(ResidentMemory.describe()).matches("\\d+ MiB");
    }
}
