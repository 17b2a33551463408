package io.runnel.metadata;

import io.runnel.common.ApiException;
import io.runnel.common.Errors;
import io.runnel.protocol.Message;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * A test double of the replicated metadata log: one node that is always the active controller. A
 * proposal is "committed" at once by replaying it on the image (a batch that does not replay is refused
 * whole, as the Ratis state machine does); listeners and activation run on one event thread, as on the
 * real quorum. Requests to the controller go straight to its handler. The controller under test is real.
 */
final class InMemoryMetadataQuorum implements MetadataQuorum, AutoCloseable {
    private final int nodeId;
    private final ExecutorService events = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "test-quorum-events");
        t.setDaemon(true);
        return t;
    });
    private final List<MetadataListener> listeners = new CopyOnWriteArrayList<>();
    private volatile MetadataImage image = MetadataImage.EMPTY;
    private volatile Function<byte[], CompletableFuture<byte[]>> handler;
    /** Batches refused because they did not replay. */
    volatile int rejectedBatches;

    InMemoryMetadataQuorum(int nodeId) {
        this.nodeId = nodeId;
    }

    @Override
    public int nodeId() {
        return nodeId;
    }

    @Override
    public boolean isActive() {
        return true;
    }

    @Override
    public int leaderId() {
        return nodeId;
    }

    @Override
    public MetadataImage image() {
        return image;
    }

    /** Proposals still to fail without a commit (NOT_CONTROLLER, leadership kept), as the Ratis quorum reports other failures. */
    volatile int failNextProposals;

    @Override
    public synchronized CompletableFuture<Long> propose(List<Message> records) {
        if (failNextProposals > 0) {
            failNextProposals--;
            return CompletableFuture.failedFuture(new ApiException(Errors.NOT_CONTROLLER, "The metadata change was not committed"));
        }
        MetadataImage before = image;
        MetadataImage after;
        try {
            after = new MetadataDelta(before).replayAll(records).apply();
        } catch (IllegalStateException e) {
            rejectedBatches++;
            return CompletableFuture.failedFuture(new ApiException(Errors.UNKNOWN_SERVER_ERROR, "batch rejected: " + e.getMessage()));
        }
        image = after;
        events.execute(() -> {
            for (MetadataListener l : listeners) l.onImage(before, after);
        });
        return CompletableFuture.completedFuture(after.offset());
    }

    @Override
    public void addImageListener(MetadataListener listener) {
        events.execute(() -> {
            listeners.add(listener);
            listener.onImage(MetadataImage.EMPTY, image);
        });
    }

    private final List<Runnable[]> activation = new CopyOnWriteArrayList<>();

    @Override
    public void addActivationListener(Runnable onActivate, Runnable onDeactivate) {
        activation.add(new Runnable[]{onActivate, onDeactivate});
        events.execute(onActivate);
    }

    /**
     * As if leadership moved away and came back: deactivation, then activation, on the event thread;
     * returns once the listeners have been called (the controller queues its takeover on its own thread).
     */
    void failover() throws Exception {
        events.submit(() -> {
            for (Runnable[] a : activation) a[1].run();
            for (Runnable[] a : activation) a[0].run();
        }).get(10, TimeUnit.SECONDS);
    }

    @Override
    public void execute(Runnable task) {
        events.execute(task);
    }

    @Override
    public void setControllerRequestHandler(Function<byte[], CompletableFuture<byte[]>> handler) {
        this.handler = handler;
    }

    @Override
    public QuorumDescription describeLocal() {
        return null;
    }

    @Override
    public CompletableFuture<byte[]> sendToController(byte[] request) {
        return handler.apply(request);
    }

    @Override
    public void close() throws InterruptedException {
        events.shutdown();
        events.awaitTermination(10, TimeUnit.SECONDS);
    }
}
