package io.runnel.quorum;

import io.runnel.common.ApiException;
import io.runnel.common.Errors;
import io.runnel.metadata.MetadataImage;
import io.runnel.metadata.MetadataListener;
import io.runnel.metadata.MetadataQuorum;
import io.runnel.protocol.Message;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Function;

/**
 * {@link MetadataQuorum} on a {@link QuorumNode}: what the metadata controller sees of the Ratis
 * quorum. Quorum exceptions become Kafka errors: not the active controller is NOT_CONTROLLER, a batch
 * that did not replay UNKNOWN_SERVER_ERROR. Thread-safe.
 */
public final class RaftMetadataQuorum implements MetadataQuorum {
    private final QuorumNode node;
    private final String controllerListener;

    public RaftMetadataQuorum(QuorumNode node) {
        this(node, "CONTROLLER");
    }

    /** {@code controllerListener}: the listener name DescribeQuorum gives the voters' endpoints. */
    public RaftMetadataQuorum(QuorumNode node, String controllerListener) {
        this.node = node;
        this.controllerListener = controllerListener;
    }

    public QuorumNode node() {
        return node;
    }

    @Override
    public int nodeId() {
        return node.nodeId();
    }

    @Override
    public boolean isActive() {
        return node.isActive();
    }

    @Override
    public int leaderId() {
        return node.leaderId();
    }

    @Override
    public MetadataImage image() {
        return node.image();
    }

    @Override
    public CompletableFuture<Long> propose(List<Message> records) {
        int count = records.size();
        return node.propose(records).handle((batch, err) -> {
            if (err == null) return batch.baseOffset() + count;
            Throwable t = err;
            while (t instanceof CompletionException && t.getCause() != null) t = t.getCause();
            if (t instanceof NotLeaderException nle) {
                throw new ApiException(Errors.NOT_CONTROLLER, nle.getMessage());
            }
            if (t instanceof RejectedBatchException) {
                throw new ApiException(Errors.UNKNOWN_SERVER_ERROR, "The metadata change conflicted with another one: " + t.getMessage());
            }
            throw new ApiException(Errors.NOT_CONTROLLER, "The metadata change was not committed: " + t.getMessage()
                    + " (it may still be; the next active controller's image tells)");
        });
    }

    @Override
    public void addImageListener(MetadataListener listener) {
        node.addImageListener(listener);
    }

    @Override
    public void addActivationListener(Runnable onActivate, Runnable onDeactivate) {
        node.addActivationListener(new ActivationListener() {
            @Override
            public void onActivate(long term) {
                onActivate.run();
            }

            @Override
            public void onDeactivate(long term) {
                onDeactivate.run();
            }
        });
    }

    @Override
    public void execute(Runnable task) {
        node.execute(task);
    }

    @Override
    public void setControllerRequestHandler(Function<byte[], CompletableFuture<byte[]>> handler) {
        node.setControllerRequestHandler(handler);
    }

    /**
     * From {@link QuorumNode#status()} on the leader: the epoch is the Raft term, the high watermark the
     * commit index, a peer's log end offset its match index (the leader's own: its commit index), its last
     * fetch the leader's last contact with it, and it counts as caught up then if it matched the commit
     * index.
     */
    @Override
    public io.runnel.metadata.QuorumDescription describeLocal() {
        QuorumStatus s = node.status();
        if (!"LEADER".equals(s.role())) return null;
        long now = System.currentTimeMillis();
        List<io.runnel.metadata.QuorumDescription.Replica> voters = new java.util.ArrayList<>();
        List<io.runnel.metadata.QuorumDescription.Replica> observers = new java.util.ArrayList<>();
        voters.add(new io.runnel.metadata.QuorumDescription.Replica(s.nodeId(), s.commitIndex(), now, now));
        for (QuorumStatus.Peer p : s.peers()) {
            long fetched = now - p.lastContactMs();
            var r = new io.runnel.metadata.QuorumDescription.Replica(p.nodeId(), p.matchIndex(), fetched,
                    p.matchIndex() >= s.commitIndex() ? fetched : -1);
            (p.voter() ? voters : observers).add(r);
        }
        voters.sort(java.util.Comparator.comparingInt(io.runnel.metadata.QuorumDescription.Replica::id));
        List<io.runnel.metadata.QuorumDescription.Node> nodes = new java.util.ArrayList<>();
        for (QuorumConfig.Voter v : node.config().voters()) {
            nodes.add(new io.runnel.metadata.QuorumDescription.Node(v.id(), controllerListener, v.host(), v.port()));
        }
        return new io.runnel.metadata.QuorumDescription(s.leaderId(), (int) s.term(), s.commitIndex(), voters, observers, nodes);
    }

    @Override
    public CompletableFuture<byte[]> sendToController(byte[] request) {
        return node.sendToController(request);
    }
}
