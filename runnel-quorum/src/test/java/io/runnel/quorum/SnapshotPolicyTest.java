package io.runnel.quorum;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

class SnapshotPolicyTest {

    @Test
    void dueAfterMaxBytes() {
        AtomicLong now = new AtomicLong(1000);
        SnapshotPolicy p = new SnapshotPolicy(100, 0, now::get);
        p.applied(99);
        assertThat(p.due()).isFalse();
        p.applied(1);
        assertThat(p.due()).isTrue();
        p.snapshotTaken();
        assertThat(p.due()).isFalse();
        assertThat(p.bytesSinceSnapshot()).isZero();
    }

    @Test
    void dueAfterIntervalOnlyWhenSomethingWasApplied() {
        AtomicLong now = new AtomicLong(1000);
        SnapshotPolicy p = new SnapshotPolicy(1 << 20, 5000, now::get);
        now.addAndGet(10_000);
        assertThat(p.due()).as("nothing applied").isFalse();
        p.applied(1);
        assertThat(p.due()).isTrue();
        p.snapshotTaken();
        p.applied(1);
        now.addAndGet(4999);
        assertThat(p.due()).isFalse();
        now.addAndGet(1);
        assertThat(p.due()).isTrue();
    }

    @Test
    void zeroIntervalDisablesTheTimeTrigger() {
        AtomicLong now = new AtomicLong(0);
        SnapshotPolicy p = new SnapshotPolicy(1 << 20, 0, now::get);
        p.applied(10);
        now.addAndGet(Long.MAX_VALUE / 2);
        assertThat(p.due()).isFalse();
    }
}
