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
    void alterPartitionAndItsReplyRoundTrip() {
        Uuid topic = Uuid.random();
        var req = new BrokerLifecycleMessages.AlterPartition(2, 41, List.of(
                new BrokerLifecycleMessages.IsrChange(topic, 0, 3, 7, List.of(2, 1)),
                new BrokerLifecycleMessages.IsrChange(topic, 5, 0, 0, List.of())));
        assertThat(BrokerLifecycleMessages.decodeRequest(BrokerLifecycleMessages.encode(req))).isEqualTo(req);
        var reply = new BrokerLifecycleMessages.AlterPartitionReply(Errors.NONE, null, List.of(
                new BrokerLifecycleMessages.IsrChangeResult(topic, 0, Errors.NONE,
                        new PartitionState(List.of(1, 2, 3), List.of(2, 1), List.of(), List.of(3), 2, 3, 8)),
                new BrokerLifecycleMessages.IsrChangeResult(topic, 5, Errors.INVALID_REQUEST, null)));
        var wire = new BrokerLifecycleMessages.AlterPartitionWire(reply, 99);
        assertThat(BrokerLifecycleMessages.decodeAlterPartitionReply(BrokerLifecycleMessages.encode(wire))).isEqualTo(wire);
        var stale = new BrokerLifecycleMessages.AlterPartitionWire(
                new BrokerLifecycleMessages.AlterPartitionReply(Errors.STALE_BROKER_EPOCH, "epoch 40", List.of()), -1);
        assertThat(BrokerLifecycleMessages.decodeAlterPartitionReply(BrokerLifecycleMessages.encode(stale))).isEqualTo(stale);
    }

    @Test
    void garbageIsRefusedClearly() {
        assertThatThrownBy(() -> BrokerLifecycleMessages.decodeRequest(new byte[]{9}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unknown broker request kind 9");
        assertThatThrownBy(() -> BrokerLifecycleMessages.decodeRequest(new byte[]{2, 0}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("truncated");
        assertThatThrownBy(() -> BrokerLifecycleMessages.decodeRequest(new byte[]{3, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, -1, -1, -1, -1}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("bad count -1");
    }
}
