package io.runnel.quorum;

import io.runnel.common.Uuid;
import io.runnel.metadata.MetadataImage;
import io.runnel.protocol.Message;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.proto.RaftProtos.StateMachineLogEntryProto;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The state machine's apply path on its own, fed log entries directly (no Ratis server). */
class MetadataStateMachineTest {

    private static final class RecordingEvents implements MetadataStateMachine.Events {
        final List<MetadataImage> images = new ArrayList<>();

        @Override
        public void imageChanged(MetadataImage previous, MetadataImage current) {
            images.add(current);
        }

        @Override
        public void leaderReady() {
        }

        @Override
        public void leadershipLost() {
        }
    }

    private static MetadataStateMachine newMachine(RecordingEvents events) {
        return new MetadataStateMachine(new SnapshotPolicy(1 << 20, 0, System::currentTimeMillis), events);
    }

    private static CommittedBatch apply(MetadataStateMachine sm, long term, long index, List<Message> records) throws Exception {
        LogEntryProto entry = LogEntryProto.newBuilder().setTerm(term).setIndex(index)
                .setStateMachineLogEntry(StateMachineLogEntryProto.newBuilder()
                        .setLogData(ByteString.copyFrom(MetadataEntryCodec.encode(records))))
                .build();
        TransactionContext trx = TransactionContext.newBuilder().setStateMachine(sm)
                .setServerRole(RaftPeerRole.FOLLOWER).setLogEntry(entry).build();
        org.apache.ratis.protocol.Message reply = sm.applyTransaction(trx).get();
        return MetadataStateMachine.decodeResult(index, reply.getContent());
    }

    @Test
    void anEntryAtOrBelowTheLastAppliedIndexIsIgnored() throws Exception {
        RecordingEvents events = new RecordingEvents();
        MetadataStateMachine sm = newMachine(events);
        apply(sm, 1, 0, QuorumHarness.cluster(Uuid.random()));
        List<Message> second = QuorumHarness.topic("a");
        CommittedBatch b = apply(sm, 1, 1, second);
        assertThat(b.baseOffset()).isEqualTo(1);
        MetadataImage after = sm.applied().image();
        assertThat(after.offset()).isEqualTo(2);

        // the same entry again (and an older one): nothing changes, no record counted twice
        apply(sm, 1, 1, second);
        apply(sm, 1, 0, QuorumHarness.topic("b"));
        assertThat(sm.applied().image()).isSameAs(after);
        assertThat(sm.applied().index()).isEqualTo(1);
        assertThat(events.images).hasSize(2);
    }

    @Test
    void aBatchThatDoesNotReplayIsSkippedTheSameWayEverywhere() throws Exception {
        Uuid cluster = Uuid.random();
        List<Message> topic = QuorumHarness.topic("t");
        List<Message> again = QuorumHarness.topic("t");
        List<Message> other = QuorumHarness.topic("u");
        MetadataImage[] results = new MetadataImage[2];
        for (int run = 0; run < 2; run++) {
            MetadataStateMachine sm = newMachine(new RecordingEvents());
            apply(sm, 1, 0, QuorumHarness.cluster(cluster));
            apply(sm, 1, 1, topic);
            assertThatThrownBy(() -> apply(sm, 1, 2, again))
                    .isInstanceOf(RejectedBatchException.class).hasMessageContaining("topic t already exists");
            assertThat(sm.applied().index()).as("a rejected entry is still applied (skipped)").isEqualTo(2);
            CommittedBatch last = apply(sm, 2, 3, other);
            assertThat(last.baseOffset()).isEqualTo(2);
            assertThat(last.term()).isEqualTo(2);
            results[run] = sm.applied().image();
        }
        assertThat(results[0]).isEqualTo(results[1]);
        assertThat(results[0].topics().keySet()).containsExactly("t", "u");
    }

    @Test
    void anEntryThatDoesNotDecodeIsRejectedNotFatal() throws Exception {
        MetadataStateMachine sm = newMachine(new RecordingEvents());
        LogEntryProto entry = LogEntryProto.newBuilder().setTerm(1).setIndex(0)
                .setStateMachineLogEntry(StateMachineLogEntryProto.newBuilder()
                        .setLogData(ByteString.copyFrom(new byte[]{7, 0, 0, 0, 0})))
                .build();
        TransactionContext trx = TransactionContext.newBuilder().setStateMachine(sm)
                .setServerRole(RaftPeerRole.FOLLOWER).setLogEntry(entry).build();
        org.apache.ratis.protocol.Message reply = sm.applyTransaction(trx).get();
        assertThatThrownBy(() -> MetadataStateMachine.decodeResult(0, reply.getContent()))
                .isInstanceOf(RejectedBatchException.class).hasMessageContaining("unknown metadata entry format 7");
        assertThat(sm.applied().image()).isEqualTo(MetadataImage.EMPTY);
        assertThat(sm.applied().index()).isZero();
    }
}
