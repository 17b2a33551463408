package io.runnel.broker.cluster;

import io.runnel.common.Errors;
import io.runnel.common.Uuid;
import io.runnel.metadata.BrokerLifecycleMessages;
import io.runnel.metadata.BrokerLifecycleMessages.HeartbeatReply;
import io.runnel.metadata.BrokerLifecycleMessages.RegisterReply;
import io.runnel.metadata.BrokerRegistration;
import io.runnel.metadata.MetadataQuorum;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * A broker's side of the cluster lifecycle: registers with the active controller (a new incarnation id
 * each start, answered with the broker epoch), then heartbeats every {@code broker.heartbeat.interval.ms}
 * with how far it has applied the metadata log (the controller unfences it once it has caught up), and
 * at shutdown asks to leave ({@link #controlledShutdown}). A refused heartbeat (stale epoch, unknown
 * broker) makes it register again.
 *
 * <p>Threads: one daemon thread, {@code runnel-broker-lifecycle-<id>}; the public methods may be called
 * from any thread.
 */
public final class BrokerLifecycleManager implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(BrokerLifecycleManager.class);
    private static final long REQUEST_TIMEOUT_MS = 30_000;

    private final int brokerId;
    private final Uuid incarnationId = Uuid.random();
    private final List<BrokerRegistration.Endpoint> endpoints;
    private final String rack;
    private final MetadataQuorum quorum;
    private final LongSupplier appliedOffset;
    private final long intervalMs;
    private final Thread thread;
    private volatile boolean stopping;
    private volatile boolean fenced = true;
    private volatile long epoch = -1;
    private volatile java.util.function.LongConsumer onRegistered = e -> { };

    public BrokerLifecycleManager(int brokerId, List<BrokerRegistration.Endpoint> endpoints, String rack,
                                  MetadataQuorum quorum, LongSupplier appliedOffset, long intervalMs) {
        this.brokerId = brokerId;
        this.endpoints = List.copyOf(endpoints);
        this.rack = rack;
        this.quorum = quorum;
        this.appliedOffset = appliedOffset;
        this.intervalMs = intervalMs;
        this.thread = new Thread(this::run, "runnel-broker-lifecycle-" + brokerId);
        thread.setDaemon(true);
    }

    /** Told each registration's broker epoch (on the lifecycle thread), before the first heartbeat with it. */
    public void onRegistered(java.util.function.LongConsumer listener) {
        this.onRegistered = listener;
    }

    public void start() {
        thread.start();
    }

    /** The broker epoch of the current registration, or -1 before the first one. */
    public long epoch() {
        return epoch;
    }

    /** Whether the controller last said this broker is fenced (true until it says otherwise). */
    public boolean fenced() {
        return fenced;
    }

    private void run() {
        while (!stopping) {
            try {
                if (epoch < 0) {
                    register();
                } else {
                    HeartbeatReply r = heartbeat(false);
                    if (r.error() == Errors.STALE_BROKER_EPOCH || r.error() == Errors.BROKER_ID_NOT_REGISTERED) {
                        log.warn("Broker {}: heartbeat refused ({}); registering again", brokerId, r.message());
                        epoch = -1;
                        continue;
                    }
                    if (r.error() == Errors.NONE && r.fenced() != fenced) {
                        fenced = r.fenced();
                        log.info("Broker {} is {} (epoch {})", brokerId, fenced ? "fenced" : "unfenced", epoch);
                    }
                }
            } catch (Exception e) {
                if (stopping) break;
                log.debug("Broker {}: controller request failed: {}", brokerId, e.toString());
            }
            // while registering or fenced (catching up) it asks more often, so a starting broker is unfenced soon
            sleep(epoch < 0 || fenced ? Math.min(200, intervalMs) : intervalMs);
        }
    }

    private void register() throws Exception {
        byte[] reply = send(new BrokerLifecycleMessages.Register(brokerId, incarnationId, endpoints, rack));
        RegisterReply r = BrokerLifecycleMessages.decodeRegisterReply(reply);
        if (r.error() != Errors.NONE) {
            log.info("Broker {}: registration not accepted yet: {} {}", brokerId, r.error(), r.message());
            return;
        }
        epoch = r.brokerEpoch();
        log.info("Broker {} registered with epoch {}", brokerId, epoch);
        onRegistered.accept(epoch);
    }

    private HeartbeatReply heartbeat(boolean wantShutdown) throws Exception {
        byte[] reply = send(new BrokerLifecycleMessages.Heartbeat(brokerId, epoch, appliedOffset.getAsLong(), wantShutdown));
        return BrokerLifecycleMessages.decodeHeartbeatReply(reply);
    }

    private byte[] send(BrokerLifecycleMessages.Request req) throws Exception {
        CompletableFuture<byte[]> f = quorum.sendToController(BrokerLifecycleMessages.encode(req));
        return f.get(REQUEST_TIMEOUT_MS, TimeUnit.MILLISECONDS);
    }

    /**
     * Asks the active controller to let this broker leave: it fences the broker and moves leadership of
     * its partitions to other in-sync replicas. Retries until the controller allows it or
     * {@code timeoutMs} passes; true when allowed.
     */
    public boolean controlledShutdown(long timeoutMs) {
        stopping = true;
        thread.interrupt();
        if (epoch < 0) return false;
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (System.nanoTime() < deadline) {
            try {
                HeartbeatReply r = heartbeat(true);
                if (r.error() == Errors.NONE && r.shouldShutdown()) {
                    log.info("Broker {}: controlled shutdown accepted by the controller", brokerId);
                    return true;
                }
                log.info("Broker {}: controlled shutdown not accepted yet: {} {}", brokerId, r.error(), r.message());
            } catch (Exception e) {
                log.info("Broker {}: controlled shutdown request failed: {}", brokerId, e.toString());
            }
            sleep(Math.min(500, intervalMs));
        }
        log.warn("Broker {}: no controlled shutdown within {} ms; stopping anyway", brokerId, timeoutMs);
        return false;
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            // woken by stop or shutdown
        }
    }

    @Override
    public void close() {
        stopping = true;
        thread.interrupt();
    }
}
