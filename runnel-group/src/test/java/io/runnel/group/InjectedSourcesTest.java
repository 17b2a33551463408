package io.runnel.group;

import io.runnel.common.Errors;
import io.runnel.config.GroupConfigs;
import io.runnel.group.api.ConsumerGroupApi.HeartbeatParams;
import io.runnel.group.api.ConsumerGroupApi.HeartbeatResult;
import io.runnel.group.runtime.ManualEventExecutor;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static io.runnel.group.Harness.done;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the coordinator takes from outside besides time: the random source of member ids (a seeded source
 * replays the same ids, so simulation tests can replay a run) and the per-group config overrides (a
 * consumer group's heartbeat interval and session timeout).
 */
class InjectedSourcesTest {
    private static final String G = "g";

    private static GroupCoordinator coordinator(ManualEventExecutor clock, GroupConfigView configs, long seed) {
        StaticTopicView topics = new StaticTopicView();
        topics.put("t", 2);
        GroupCoordinator c = new GroupCoordinator(Harness.defaults().withOffsetsTopicPartitions(1), new InMemoryCoordinatorLog(),
                topics, configs, clock, new SplittableRandom(seed), clock, Runnable::run);
        done(c.onElection(0));
        return c;
    }

    private static HeartbeatResult join(GroupCoordinator c) {
        return done(c.consumerGroupHeartbeat(new HeartbeatParams(G, "", 0, null, null, 60_000, List.of("t"), null, null,
                List.of(), "client", "/127.0.0.1")));
    }

    private static List<String> memberIds(long seed) {
        GroupCoordinator c = coordinator(new ManualEventExecutor(), GroupConfigView.NONE, seed);
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 3; i++) ids.add(join(c).memberId());
        return ids;
    }

    @Test
    void aSeededRandomSourceReplaysTheSameMemberIds() {
        assertThat(memberIds(42)).isEqualTo(memberIds(42)).doesNotHaveDuplicates();
        assertThat(memberIds(43)).isNotEqualTo(memberIds(42));
    }

    @Test
    void aGroupConfigOverrideSetsTheHeartbeatIntervalAndSessionTimeout() {
        ManualEventExecutor clock = new ManualEventExecutor();
        GroupConfigView configs = groupId -> groupId.equals(G)
                ? Map.of(GroupConfigs.CONSUMER_HEARTBEAT_INTERVAL_MS, "700", GroupConfigs.CONSUMER_SESSION_TIMEOUT_MS, "2000")
                : Map.of();
        GroupCoordinator c = coordinator(clock, configs, 1);
        HeartbeatResult r = join(c);
        assertThat(r.error()).isEqualTo(Errors.NONE);
        assertThat(r.heartbeatIntervalMs()).isEqualTo(700);
        assertThat(done(c.consumerGroupDescribe(List.of(G))).getFirst().members()).hasSize(1);
        clock.advance(2_001); // the group's 2 s, not the broker's 45 s
        assertThat(done(c.consumerGroupDescribe(List.of(G))).getFirst().members()).isEmpty();
    }
}
