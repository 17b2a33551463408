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

    public RaftMetadataQuorum(QuorumNode node) {
        this.node = node;
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

    @Override
    public CompletableFuture<byte[]> sendToController(byte[] request) {
        return node.sendToController(request);
    }
}
