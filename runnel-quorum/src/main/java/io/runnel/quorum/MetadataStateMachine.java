package io.runnel.quorum;

import io.runnel.metadata.MetadataDelta;
import io.runnel.metadata.MetadataImage;
import io.runnel.protocol.Message;
import org.apache.ratis.io.MD5Hash;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftGroupMemberId;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.raftlog.RaftLog;
import org.apache.ratis.server.storage.FileInfo;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.StateMachineStorage;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.statemachine.impl.SimpleStateMachineStorage;
import org.apache.ratis.statemachine.impl.SingleFileSnapshotInfo;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.util.LifeCycle;
import org.apache.ratis.util.MD5FileUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;

/**
 * The Ratis state machine of the metadata quorum: each committed entry is a batch of metadata records
 * ({@link MetadataEntryCodec}) replayed into the {@link MetadataImage} with {@link MetadataDelta} — the
 * same replay path as the single-node log, so every node's image is equal at an equal log index.
 *
 * <p><b>Deterministic and idempotent per index.</b> An entry at an index at or below the last applied
 * one is ignored. A batch that does not replay (a record contradicting the image) is skipped whole on
 * every node alike: the image does not change and the proposer gets a {@link RejectedBatchException}.
 *
 * <p><b>Snapshots</b> ({@link SnapshotFile}) hold the image's records, its record offset and the term
 * and index of the last applied entry, written atomically; they are taken on Ratis' state machine
 * thread between two applies, so they only ever contain applied state. At start, and after a snapshot
 * was installed from the leader, the newest one is loaded and Ratis replays the entries after it.
 *
 * <p>Threads: Ratis calls apply, snapshot and notifications on its state machine updater thread, one
 * at a time. {@link #applied()} is a volatile read of an immutable record, safe from any thread.
 * Events go to {@link Events}, which must not block.
 */
final class MetadataStateMachine extends BaseStateMachine {
    private static final Logger log = LoggerFactory.getLogger(MetadataStateMachine.class);
    static final byte RESULT_APPLIED = 0;
    static final byte RESULT_REJECTED = 1;

    /** What the state machine tells its node. Called on the Ratis updater thread; must not block. */
    interface Events {
        void imageChanged(MetadataImage previous, MetadataImage current);

        void leaderReady();

        void leadershipLost();
    }

    /** The image and the Raft position it reflects, read together. */
    record Applied(long term, long index, MetadataImage image) {
    }

    private final SimpleStateMachineStorage storage = new SimpleStateMachineStorage();
    private final SnapshotPolicy policy;
    private final Events events;
    private volatile Applied applied = new Applied(0, RaftLog.INVALID_LOG_INDEX, MetadataImage.EMPTY);

    MetadataStateMachine(SnapshotPolicy policy, Events events) {
        this.policy = policy;
        this.events = events;
    }

    Applied applied() {
        return applied;
    }

    /** Answers read-only client messages on the leader (broker requests to the active controller). */
    private volatile java.util.function.Function<byte[], CompletableFuture<byte[]>> queryHandler;

    void setQueryHandler(java.util.function.Function<byte[], CompletableFuture<byte[]>> handler) {
        this.queryHandler = handler;
    }

    /**
     * A read-only message sent to the leader: handed to the query handler; it never touches the log.
     * Without a handler (a node that is not a controller) the message fails.
     */
    @Override
    public CompletableFuture<org.apache.ratis.protocol.Message> query(org.apache.ratis.protocol.Message request) {
        java.util.function.Function<byte[], CompletableFuture<byte[]>> h = queryHandler;
        if (h == null) return CompletableFuture.failedFuture(new QuorumException("this node answers no controller requests"));
        return h.apply(request.getContent().toByteArray()).thenApply(bytes -> org.apache.ratis.protocol.Message.valueOf(
                org.apache.ratis.thirdparty.com.google.protobuf.ByteString.copyFrom(bytes)));
    }

    SnapshotPolicy policy() {
        return policy;
    }

    // ---------------------------------------------------------------- lifecycle

    @Override
    public void initialize(RaftServer server, RaftGroupId groupId, RaftStorage raftStorage) throws IOException {
        getLifeCycle().startAndTransition(() -> {
            super.initialize(server, groupId, raftStorage);
            storage.init(raftStorage);
            deleteLeftoverTempFiles();
            load(storage.getLatestSnapshot());
        });
    }

    /** Ratis pauses the state machine before it installs a snapshot from the leader. */
    @Override
    public void pause() {
        getLifeCycle().transition(LifeCycle.State.PAUSING);
        getLifeCycle().transition(LifeCycle.State.PAUSED);
    }

    /** After the leader installed a snapshot on this node: the newest snapshot replaces the state. */
    @Override
    public void reinitialize() throws IOException {
        load(storage.loadLatestSnapshot());
        if (getLifeCycleState() == LifeCycle.State.PAUSED) {
            getLifeCycle().transition(LifeCycle.State.STARTING);
            getLifeCycle().transition(LifeCycle.State.RUNNING);
        }
    }

    @Override
    public StateMachineStorage getStateMachineStorage() {
        return storage;
    }

    private void deleteLeftoverTempFiles() throws IOException {
        File dir = storage.getSnapshotFile(0, 0).getParentFile();
        if (dir == null || !dir.isDirectory()) return;
        try (Stream<Path> s = Files.list(dir.toPath())) {
            for (Path p : s.toList()) {
                if (p.getFileName().toString().endsWith(SnapshotFile.TMP_SUFFIX)) Files.deleteIfExists(p);
            }
        }
    }

    private void load(SingleFileSnapshotInfo info) throws IOException {
        if (info == null) return;
        Path file = info.getFile().getPath();
        MD5Hash md5 = info.getFile().getFileDigest();
        if (md5 != null) MD5FileUtil.verifySavedMD5(file.toFile(), md5);
        SnapshotFile snap = SnapshotFile.read(file);
        if (snap.term() != info.getTerm() || snap.index() != info.getIndex()) {
            throw new IOException("snapshot " + file + " holds term/index " + snap.term() + "/" + snap.index()
                    + " but is named for " + info.getTerm() + "/" + info.getIndex());
        }
        MetadataImage image = new MetadataDelta(MetadataImage.EMPTY).replayAll(snap.records())
                .setOffset(snap.recordOffset()).apply();
        MetadataImage previous = applied.image();
        setLastAppliedTermIndex(TermIndex.valueOf(snap.term(), snap.index()));
        applied = new Applied(snap.term(), snap.index(), image);
        policy.snapshotTaken();
        log.info("Loaded metadata snapshot {} (index {}, record offset {})", file.getFileName(), snap.index(), snap.recordOffset());
        events.imageChanged(previous, image);
    }

    // ---------------------------------------------------------------- apply

    @Override
    public CompletableFuture<org.apache.ratis.protocol.Message> applyTransaction(TransactionContext trx) {
        LogEntryProto entry = trx.getLogEntry();
        long index = entry.getIndex();
        long term = entry.getTerm();
        Applied before = applied;
        if (index <= before.index()) {
            // already in the state (a snapshot covers it): applying again would count it twice
            return CompletableFuture.completedFuture(result(RESULT_APPLIED, term, before.image().offset(), ""));
        }
        ByteString data = entry.getStateMachineLogEntry().getLogData();
        MetadataImage next = before.image();
        String rejection = null;
        try {
            List<Message> records = MetadataEntryCodec.decode(data.asReadOnlyByteBuffer());
            next = new MetadataDelta(before.image()).replayAll(records).apply();
        } catch (IllegalStateException | IllegalArgumentException e) {
            rejection = e.getMessage();
            log.error("Metadata entry at index {} (term {}) does not replay and is skipped on every node: {}", index, term, rejection);
        }
        policy.applied(data.size());
        updateLastAppliedTermIndex(term, index);
        applied = new Applied(term, index, next);
        if (next != before.image()) events.imageChanged(before.image(), next);
        return CompletableFuture.completedFuture(rejection == null
                ? result(RESULT_APPLIED, term, before.image().offset(), "")
                : result(RESULT_REJECTED, term, before.image().offset(), rejection));
    }

    @Override
    public void notifyTermIndexUpdated(long term, long index) {
        // a Raft configuration or leader start-up entry: no metadata, but the applied position moves
        super.notifyTermIndexUpdated(term, index);
        Applied a = applied;
        if (index > a.index()) applied = new Applied(term, index, a.image());
    }

    /** The reply to the proposer: {@code int8 status, int64 term, int64 baseOffset, utf8 reason}. */
    private static org.apache.ratis.protocol.Message result(byte status, long term, long baseOffset, String reason) {
        byte[] r = reason.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(17 + r.length);
        b.put(status).putLong(term).putLong(baseOffset).put(r).flip();
        return org.apache.ratis.protocol.Message.valueOf(ByteString.copyFrom(b));
    }

    /** Decodes a reply of {@link #applyTransaction} into the committed batch, or throws the rejection. */
    static CommittedBatch decodeResult(long index, ByteString reply) {
        ByteBuffer b = reply.asReadOnlyByteBuffer();
        byte status = b.get();
        long term = b.getLong();
        long baseOffset = b.getLong();
        if (status == RESULT_REJECTED) {
            byte[] r = new byte[b.remaining()];
            b.get(r);
            throw new RejectedBatchException(index, new String(r, java.nio.charset.StandardCharsets.UTF_8));
        }
        return new CommittedBatch(index, term, baseOffset);
    }

    // ---------------------------------------------------------------- snapshots

    @Override
    public long takeSnapshot() throws IOException {
        Applied a = applied;
        if (a.index() < 0) return RaftLog.INVALID_LOG_INDEX;
        File target = storage.getSnapshotFile(a.term(), a.index());
        if (!target.exists()) {
            new SnapshotFile(a.term(), a.index(), a.image().offset(), a.image().toRecords()).write(target.toPath());
        }
        MD5Hash md5 = MD5FileUtil.computeAndSaveMd5ForFile(target);
        storage.updateLatestSnapshot(new SingleFileSnapshotInfo(new FileInfo(target.toPath(), md5), a.term(), a.index()));
        policy.snapshotTaken();
        log.info("Took metadata snapshot {} (record offset {})", target.getName(), a.image().offset());
        return a.index();
    }

    // ---------------------------------------------------------------- leadership

    @Override
    public void notifyLeaderReady() {
        // called once the leader has applied the start-up entry of its own term
        events.leaderReady();
    }

    @Override
    public void notifyNotLeader(Collection<TransactionContext> pendingEntries) {
        events.leadershipLost();
    }

    @Override
    public void notifyLeaderChanged(RaftGroupMemberId groupMemberId, RaftPeerId newLeaderId) {
        if (!groupMemberId.getPeerId().equals(newLeaderId)) events.leadershipLost();
    }
}
