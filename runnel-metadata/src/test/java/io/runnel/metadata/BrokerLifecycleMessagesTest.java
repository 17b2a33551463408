package io.runnel.metadata;

import io.runnel.common.Errors;
import io.runnel.common.Uuid;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BrokerLifecycleMessagesTest {
    @Test
    void requestsAndRepliesRoundTrip() {
        var reg = new BrokerLifecycleMessages.Register(3, Uuid.random(),
                List.of(new BrokerRegistration.Endpoint("PLAINTEXT", "127.0.0.1", 9092, (short) 0)), "rack-a");
        assertThat(BrokerLifecycleMessages.decodeRequest(BrokerLifecycleMessages.encode(reg))).isEqualTo(reg);
        var noRack = new BrokerLifecycleMessages.Register(4, Uuid.random(), List.of(), null);
        assertThat(BrokerLifecycleMessages.decodeRequest(BrokerLifecycleMessages.encode(noRack))).isEqualTo(noRack);
        var hb = new BrokerLifecycleMessages.Heartbeat(3, 17, 42, true);
        assertThat(BrokerLifecycleMessages.decodeRequest(BrokerLifecycleMessages.encode(hb))).isEqualTo(hb);
        var rr = new BrokerLifecycleMessages.RegisterReply(Errors.DUPLICATE_BROKER_REGISTRATION, "in use", -1);
        assertThat(BrokerLifecycleMessages.decodeRegisterReply(BrokerLifecycleMessages.encode(rr))).isEqualTo(rr);
        var hr = new BrokerLifecycleMessages.HeartbeatReply(Errors.NONE, null, false, true);
        assertThat(BrokerLifecycleMessages.decodeHeartbeatReply(BrokerLifecycleMessages.encode(hr))).isEqualTo(hr);
    }

    @Test
    void garbageIsRefusedClearly() {
        assertThatThrownBy(() -> BrokerLifecycleMessages.decodeRequest(new byte[]{9}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unknown broker request kind 9");
        assertThatThrownBy(() -> BrokerLifecycleMessages.decodeRequest(new byte[]{2, 0}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("truncated");
    }
}
