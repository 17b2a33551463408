package io.runnel.metadata;

import io.runnel.protocol.Message;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * The replicated metadata log as {@link MetadataController} uses it in a cluster (implemented in
 * runnel-quorum on Apache Ratis). Every node applies committed batches into its image; only the active
 * controller may propose.
 *
 * <p>Threads: all methods may be called from any thread. Image and activation listeners and
 * {@link #execute} tasks run on the quorum's one event thread, in order; they must not block on a
 * proposal.
 */
public interface MetadataQuorum {
    /** This node's id. */
    int nodeId();

    /** True on the leader once it has applied the start-up entry of its term (its image holds everything committed). */
    boolean isActive();

    /** The leader this node knows of, or -1. */
    int leaderId();

    /** The image of everything applied on this node. */
    MetadataImage image();

    /**
     * Appends {@code records} as one batch. Completes with the image offset after the batch once it is
     * committed and applied on this node; fails with an {@link io.runnel.common.ApiException}:
     * NOT_CONTROLLER when this node is not (or stopped being) the active controller, UNKNOWN_SERVER_ERROR
     * when the committed batch did not replay.
     */
    CompletableFuture<Long> propose(List<Message> records);

    /** Adds an image listener, first called with (EMPTY, current), then for every applied batch. */
    void addImageListener(MetadataListener listener);

    /** Called with the term when this node becomes the active controller, and when it stops being it. */
    void addActivationListener(Runnable onActivate, Runnable onDeactivate);

    /** Runs {@code task} on the event thread, after the listener calls queued before it. */
    void execute(Runnable task);

    /**
     * Sets the handler of requests brokers send to the active controller ({@link #sendToController}); it
     * runs on a Ratis thread of the leader and must not block.
     */
    void setControllerRequestHandler(Function<byte[], CompletableFuture<byte[]>> handler);

    /** The quorum as this node sees it if it is the leader, else null. */
    QuorumDescription describeLocal();

    /** Sends a request to the current leader's handler, retrying while there is none (bounded). */
    CompletableFuture<byte[]> sendToController(byte[] request);
}
