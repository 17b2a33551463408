package io.runnel.quorum;

import io.runnel.common.NodeLinkFaults;
import io.runnel.metadata.MetadataImage;
import io.runnel.metadata.MetadataListener;
import io.runnel.protocol.Message;
import org.apache.ratis.RaftConfigKeys;
import org.apache.ratis.client.ClientFactory;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.RaftClientRpc;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.proto.RaftProtos;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.proto.RaftProtos.RoleInfoProto;
import org.apache.ratis.proto.RaftProtos.ServerRpcProto;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.GroupInfoReply;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.SetConfigurationRequest;
import org.apache.ratis.protocol.SnapshotManagementRequest;
import org.apache.ratis.protocol.TransferLeadershipRequest;
import org.apache.ratis.protocol.exceptions.LeaderNotReadyException;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.server.DivisionInfo;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.util.ProtoUtils;
import org.apache.ratis.util.TimeDuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One member of the metadata quorum: an embedded Apache Ratis server (gRPC transport) whose state
 * machine is the metadata image. A voter ({@code process.roles} includes controller) takes part in
 * elections; an observer (a broker only) is a Ratis LISTENER: it receives and applies the log but never
 * votes and never counts towards the majority. An observer adds itself to the quorum's configuration
 * when it starts ({@link #joined()}).
 *
 * <p>The API is what the active controller needs: {@link #propose} appends a batch of records and
 * completes once it is committed and applied here; {@link #isActive()} is true on the leader once it
 * has applied the start-up entry of its own term, so its image holds everything committed by earlier
 * leaders; {@link ActivationListener}s hear when that starts and stops; {@link #status()} is a
 * read-only view of the quorum for DescribeQuorum.
 *
 * <p>Threads: Ratis' own (gRPC, log worker, state machine updater); one event thread per node
 * ({@code runnel-quorum-<id>}) runs listeners in order and the periodic snapshot check. Public methods
 * are thread-safe.
 */
public final class QuorumNode implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(QuorumNode.class);
    /** Every Runnel cluster's metadata quorum is the same Ratis group. */
    static final RaftGroupId GROUP_ID = RaftGroupId.valueOf(
            UUID.nameUUIDFromBytes("runnel-cluster-metadata".getBytes(StandardCharsets.UTF_8)));
    private static final long SNAPSHOT_CHECK_MS = 1000;

    private final QuorumConfig config;
    private final RaftPeerId selfId;
    private final ClientId clientId = ClientId.randomId();
    private final AtomicLong callIds = new AtomicLong();
    private final ScheduledExecutorService eventThread;
    private final MetadataStateMachine stateMachine;
    private final RaftServer server;
    private final RaftProperties properties;
    /** Ratis parameters: the TLS configuration of the server and every client of this node (empty without TLS). */
    private final Parameters parameters;
    private final List<RaftPeer> voterPeers;
    private final List<ActivationListener> activationListeners = new CopyOnWriteArrayList<>();
    private final List<MetadataListener> imageListeners = new CopyOnWriteArrayList<>();
    private final CompletableFuture<Void> joined = new CompletableFuture<>();
    private final AtomicBoolean snapshotInFlight = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();
    /** A voter's watch on a silent leader (controller.quorum.leader.probe.enable); null when off or alone. */
    private volatile LeaderProbe leaderProbe;
    /** The term this node is active in, or -1. Written on the event thread only. */
    private volatile long activeTerm = -1;

    private QuorumNode(QuorumConfig config, QuorumTuning tuning, QuorumTls tls) throws IOException {
        this.config = config;
        this.parameters = QuorumTls.parameters(tls);
        this.selfId = peerId(config.nodeId());
        ScheduledThreadPoolExecutor ex = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "runnel-quorum-" + config.nodeId());
            t.setDaemon(true);
            return t;
        });
        ex.setRemoveOnCancelPolicy(true);
        this.eventThread = ex;
        this.stateMachine = new MetadataStateMachine(
                new SnapshotPolicy(config.snapshotMaxBytes(), config.snapshotIntervalMs(), System::currentTimeMillis),
                new Events());
        this.voterPeers = new ArrayList<>();
        for (QuorumConfig.Voter v : config.voters()) {
            voterPeers.add(RaftPeer.newBuilder().setId(peerId(v.id())).setAddress(v.address())
                    .setStartupRole(RaftPeerRole.FOLLOWER).build());
        }
        List<RaftPeer> peers = new ArrayList<>(voterPeers);
        String host;
        int port;
        if (config.isVoter()) {
            host = config.self().host();
            port = config.self().port();
        } else {
            host = config.observerHost();
            port = config.observerPort() != 0 ? config.observerPort() : previousObserverPort(config);
            peers.add(RaftPeer.newBuilder().setId(selfId).setAddress(host + ":" + port)
                    .setStartupRole(RaftPeerRole.LISTENER).build());
        }
        Files.createDirectories(config.quorumDir());
        this.properties = RatisProperties.build(config, tuning, host, port);
        this.server = RaftServer.newBuilder()
                .setServerId(selfId)
                .setGroup(RaftGroup.valueOf(GROUP_ID, peers))
                .setProperties(properties)
                .setParameters(parameters)
                .setStateMachine(stateMachine)
                .setOption(RaftStorage.StartupOption.RECOVER)
                .build();
    }

    /**
     * Starts this node's member of the quorum: opens (or creates) the replicated log in
     * {@link QuorumConfig#quorumDir()}, loads the newest snapshot and starts serving. It returns
     * before a leader is elected; see {@link #isActive()} and {@link #joined()}.
     */
    public static QuorumNode start(QuorumConfig config) throws IOException {
        return start(config, QuorumTuning.DEFAULT);
    }

    /** {@link #start(QuorumConfig)} with Ratis tuning (tests use smaller log segments). */
    public static QuorumNode start(QuorumConfig config, QuorumTuning tuning) throws IOException {
        return start(config, tuning, null);
    }

    /**
     * {@link #start(QuorumConfig, QuorumTuning)} with TLS on every connection of the quorum ({@link QuorumTls}; null:
     * plaintext): this node's server, its connections to the other members and its clients.
     */
    public static QuorumNode start(QuorumConfig config, QuorumTuning tuning, QuorumTls tls) throws IOException {
        QuorumNode node = new QuorumNode(config, tuning, tls);
        try {
            node.server.start();
        } catch (IOException | RuntimeException e) {
            node.closeQuietly();
            throw e;
        }
        node.afterStart();
        return node;
    }

    private void afterStart() {
        long every = config.snapshotIntervalMs() > 0 ? Math.min(SNAPSHOT_CHECK_MS, config.snapshotIntervalMs()) : SNAPSHOT_CHECK_MS;
        eventThread.scheduleWithFixedDelay(this::maybeSnapshot, every, every, TimeUnit.MILLISECONDS);
        if (config.isVoter() && config.voters().size() > 1 && config.leaderProbe()) {
            LeaderProbe probe = new LeaderProbe(config.nodeId(), server, GROUP_ID, this::division,
                    LeaderProbe.silentAfterMs(config.electionTimeoutMs()), LeaderProbe::tcpRefuses, this::peerLastEntry);
            leaderProbe = probe;
            probe.start();
        }
        if (config.isVoter()) {
            joined.complete(null);
        } else {
            Thread t = new Thread(this::joinAsObserver, "runnel-quorum-join-" + config.nodeId());
            t.setDaemon(true);
            t.start();
        }
    }

    static RaftPeerId peerId(int nodeId) {
        return RaftPeerId.valueOf(Integer.toString(nodeId));
    }

    static int nodeId(RaftPeerId id) {
        return id == null ? -1 : Integer.parseInt(id.toString());
    }

    // ---------------------------------------------------------------- observers

    /**
     * Where an observer with a random port keeps the port it got, to listen there again after a restart: a file beside
     * the quorum's directory (Ratis owns what is inside it).
     */
    private static Path observerPortFile(QuorumConfig config) {
        return config.quorumDir().resolveSibling(config.quorumDir().getFileName() + ".observer-port");
    }

    /**
     * The port an observer configured with port 0 had before, if it is free: the quorum's configuration still
     * names the observer at its old address (Ratis adds a listener by id and keeps the address it first had), so a
     * restarted observer on a new port would never receive the log again. 0 when there is none or it is taken.
     */
    private static int previousObserverPort(QuorumConfig config) {
        Path f = observerPortFile(config);
        try {
            if (!Files.exists(f)) return 0;
            int port = Integer.parseInt(Files.readString(f).trim());
            try (java.net.ServerSocket probe = new java.net.ServerSocket()) {
                probe.setReuseAddress(true);
                probe.bind(new InetSocketAddress(config.observerHost(), port));
            }
            return port;
        } catch (IOException | NumberFormatException e) {
            log.warn("Observer {}: cannot listen on its previous port again ({}); the quorum may not reach it until its "
                    + "configuration is updated", config.nodeId(), e.toString());
            return 0;
        }
    }

    /** Adds this observer to the quorum's configuration as a listener, retrying until a leader takes it. */
    private void joinAsObserver() {
        InetSocketAddress bound = server.getServerRpc().getInetSocketAddress();
        try {
            Files.writeString(observerPortFile(config), Integer.toString(bound.getPort()));
        } catch (IOException e) {
            log.warn("Observer {}: cannot record its port: {}", config.nodeId(), e.toString());
        }
        String address = (config.observerHost().indexOf(':') >= 0 ? "[" + config.observerHost() + "]" : config.observerHost())
                + ":" + bound.getPort();
        RaftPeer me = RaftPeer.newBuilder().setId(selfId).setAddress(address).setStartupRole(RaftPeerRole.LISTENER).build();
        while (!closed.get()) {
            try (RaftClient client = RaftClient.newBuilder().setRaftGroup(RaftGroup.valueOf(GROUP_ID, voterPeers))
                    .setProperties(properties).setParameters(parameters)
                    .setRetryPolicy(RetryPolicies.retryUpToMaximumCountWithFixedSleep(10, TimeDuration.valueOf(200, TimeUnit.MILLISECONDS)))
                    .build()) {
                // Ratis 3.3.0's ADD mode gives the new configuration the request's listeners only, so a second observer
                // joining that way dropped the first one (it no longer received the log). Instead: read the leader's
                // configuration and compare-and-set it with this observer added; a concurrent change fails the compare,
                // and the next round reads again.
                RaftProtos.RaftConfigurationProto current = leaderConfiguration(client);
                if (current == null || current.getOldPeersCount() > 0) {
                    log.info("Observer {} not added yet: {}", config.nodeId(), current == null ? "no leader" : "a reconfiguration is in progress");
                    sleepQuietly(200);
                    continue;
                }
                List<RaftPeer> servers = ProtoUtils.toRaftPeers(current.getPeersList());
                List<RaftPeer> listeners = ProtoUtils.toRaftPeers(current.getListenersList());
                if (listeners.stream().anyMatch(l -> l.getId().equals(selfId) && l.getAddress().equals(address))) {
                    log.info("Observer {} is in the metadata quorum at {}", config.nodeId(), address);
                    joined.complete(null);
                    return;
                }
                List<RaftPeer> withMe = new ArrayList<>();
                for (RaftPeer l : listeners) if (!l.getId().equals(selfId)) withMe.add(l);
                withMe.add(me);
                SetConfigurationRequest.Arguments args = SetConfigurationRequest.Arguments.newBuilder()
                        .setServersInNewConf(servers).setListenersInNewConf(withMe)
                        .setServersInCurrentConf(servers).setListenersInCurrentConf(listeners)
                        .setMode(SetConfigurationRequest.Mode.COMPARE_AND_SET).build();
                RaftClientReply reply = client.admin().setConfiguration(args);
                if (reply.isSuccess()) {
                    log.info("Observer {} joined the metadata quorum at {}", config.nodeId(), address);
                    joined.complete(null);
                    return;
                }
                log.info("Observer {} not added yet: {}", config.nodeId(), reply.getException() == null ? "no reason" : reply.getException().getMessage());
            } catch (IOException | RuntimeException e) {
                if (closed.get()) break;
                log.info("Observer {} not added yet: {}", config.nodeId(), e.toString());
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        joined.completeExceptionally(new QuorumException("observer " + config.nodeId() + " closed before it joined the quorum"));
    }

    /** The configuration of the current leader (asking each voter), or null when no voter says it leads. */
    private RaftProtos.RaftConfigurationProto leaderConfiguration(RaftClient client) {
        for (RaftPeer v : voterPeers) {
            try {
                GroupInfoReply info = client.getGroupManagementApi(v.getId()).info(GROUP_ID);
                if (info.isSuccess() && info.getRoleInfoProto().getRole() == RaftPeerRole.LEADER && info.getConf().isPresent()) {
                    return info.getConf().get();
                }
            } catch (IOException | RuntimeException e) {
                if (closed.get()) return null;
            }
        }
        return null;
    }

    private static void sleepQuietly(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Completes when this node is part of the quorum's configuration (at once for a voter). */
    public CompletableFuture<Void> joined() {
        return joined;
    }

    // ---------------------------------------------------------------- proposals

    /**
     * Appends {@code records} as one entry. The future completes when the entry is committed by a
     * majority of voters and applied here. It fails with {@link NotLeaderException} when this node is
     * not the active controller (checked first, and by Ratis again), with
     * {@link RejectedBatchException} when the committed batch did not replay, and with
     * {@link QuorumException} otherwise. A proposal that fails because leadership was lost while it
     * was in flight may still have been committed; the new active controller sees it in its image.
     */
    public CompletableFuture<CommittedBatch> propose(List<? extends Message> records) {
        if (records.isEmpty()) return CompletableFuture.failedFuture(new IllegalArgumentException("empty batch"));
        if (!isActive()) {
            return CompletableFuture.failedFuture(new NotLeaderException(config.nodeId(), leaderId(), null));
        }
        byte[] payload;
        try {
            payload = MetadataEntryCodec.encode(records);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        RaftClientRequest request = RaftClientRequest.newBuilder()
                .setClientId(clientId).setServerId(selfId).setGroupId(GROUP_ID)
                .setCallId(callIds.incrementAndGet())
                .setMessage(org.apache.ratis.protocol.Message.valueOf(ByteString.copyFrom(payload)))
                .setType(RaftClientRequest.writeRequestType())
                .build();
        CompletableFuture<RaftClientReply> sent;
        try {
            sent = server.submitClientRequestAsync(request);
        } catch (IOException e) {
            return CompletableFuture.failedFuture(new QuorumException("proposal failed: " + e.getMessage(), e));
        }
        return sent.handle((reply, err) -> {
            if (err != null) throw translate(unwrap(err));
            if (!reply.isSuccess()) throw translate(reply.getException());
            return MetadataStateMachine.decodeResult(reply.getLogIndex(), reply.getMessage().getContent());
        });
    }

    private static Throwable unwrap(Throwable t) {
        while (t instanceof CompletionException && t.getCause() != null) t = t.getCause();
        return t;
    }

    private RuntimeException translate(Throwable t) {
        if (t instanceof org.apache.ratis.protocol.exceptions.NotLeaderException nle) {
            RaftPeer suggested = nle.getSuggestedLeader();
            return new NotLeaderException(config.nodeId(), suggested == null ? -1 : nodeId(suggested.getId()), "Ratis: not leader");
        }
        if (t instanceof LeaderNotReadyException) {
            return new NotLeaderException(config.nodeId(), -1, "the leader has not applied its start-up entry yet");
        }
        if (t instanceof QuorumException qe) return qe;
        return new QuorumException("proposal failed: " + (t == null ? "unknown error" : t.getMessage()), t);
    }

    // ---------------------------------------------------------------- requests to the active controller

    private volatile RaftClient controllerClient;

    /** Sets the handler that answers {@link #sendToController} messages while this node leads. */
    public void setControllerRequestHandler(java.util.function.Function<byte[], CompletableFuture<byte[]>> handler) {
        stateMachine.setQueryHandler(handler);
    }

    /**
     * Sends {@code request} to the leader's controller request handler as a Ratis read-only message (it
     * is not written to the log); Ratis finds the leader and retries while there is none, every
     * {@link #controllerRetrySleepMs} for about five election timeouts.
     */
    public CompletableFuture<byte[]> sendToController(byte[] request) {
        RaftClient c = controllerClient();
        return c.async().sendReadOnly(org.apache.ratis.protocol.Message.valueOf(ByteString.copyFrom(request)))
                .whenComplete((reply, error) -> {
                    // a request that failed after the client's retries (the leader died, an election took longer) leaves
                    // Ratis' ordered async client unusable: later requests never complete. The next one gets a new client.
                    if (error != null) dropControllerClient(c);
                })
                .thenApply(reply -> {
                    if (!reply.isSuccess()) throw new QuorumException("controller request failed: " + reply.getException(), reply.getException());
                    return reply.getMessage().getContent().toByteArray();
                });
    }

    private void dropControllerClient(RaftClient failed) {
        if (closed.get()) return; // close() closes the client
        synchronized (this) {
            if (controllerClient != failed) return;
            controllerClient = null;
        }
        // not on the client's own callback thread
        CompletableFuture.runAsync(() -> closeClient(failed, "the failed controller client"));
    }

    /** Closes a Ratis client of this node, if any; a failure is only logged (the node is closing or dropping it). */
    private static void closeClient(RaftClient client, String what) {
        if (client == null) return;
        try {
            client.close();
        } catch (IOException | RuntimeException e) {
            log.debug("Closing {} failed: {}", what, e.toString());
        }
    }

    private synchronized RaftClient controllerClient() {
        if (closed.get()) throw new QuorumException("node " + config.nodeId() + " is closed");
        if (controllerClient == null) {
            ClientId id = ClientId.randomId();
            RaftClientRpc rpc = ClientFactory.cast(RaftConfigKeys.Rpc.type(properties, log::debug).newFactory(parameters))
                    .newRaftClientRpc(id, properties);
            controllerClient = RaftClient.newBuilder().setRaftGroup(RaftGroup.valueOf(GROUP_ID, voterPeers))
                    .setProperties(properties).setParameters(parameters).setClientId(id).setClientRpc(new SeamedClientRpc(config.nodeId(), rpc))
                    .setRetryPolicy(RetryPolicies.retryUpToMaximumCountWithFixedSleep(controllerRetryAttempts(config.electionTimeoutMs()),
                            TimeDuration.valueOf(controllerRetrySleepMs(config.electionTimeoutMs()), TimeUnit.MILLISECONDS)))
                    .build();
        }
        return controllerClient;
    }

    /**
     * The controller client's pause between attempts: e/20 (50 ms by default), within [20, 100] ms. Every failed attempt
     * costs one pause, and after a failover a client still aimed at the dead leader fails on it, then on a follower that
     * is not the leader, before it reaches the new one: with e/2 (500 ms, the first choice) that was a second of the
     * measured controller failover after the new controller was already active (docs/benchmarks.md).
     */
    static long controllerRetrySleepMs(int electionTimeoutMs) {
        return Math.max(20, Math.min(100, electionTimeoutMs / 20));
    }

    /** Attempts so that the client keeps trying as long as it did with ten pauses of max(100 ms, e/2): about 5e. */
    static int controllerRetryAttempts(int electionTimeoutMs) {
        long window = 10L * Math.max(100, electionTimeoutMs / 2);
        return (int) Math.max(10, window / controllerRetrySleepMs(electionTimeoutMs));
    }

    /**
     * The controller client's transport with the test-only traffic seam ({@link NodeLinkFaults}) in front: a request
     * to a Raft server the seam drops fails with an IOException, as a broken connection would, and the Ratis client
     * retries as it does then. Unset, each request costs one volatile read.
     */
    private static final class SeamedClientRpc implements RaftClientRpc {
        private final int self;
        private final RaftClientRpc rpc;

        SeamedClientRpc(int self, RaftClientRpc rpc) {
            this.self = self;
            this.rpc = rpc;
        }

        private IOException dropped(RaftClientRequest request) {
            int to = nodeId(request.getServerId());
            return NodeLinkFaults.dropped(NodeLinkFaults.Path.CONTROLLER, self, to)
                    ? new IOException("the link from node " + self + " to node " + to + " is cut by the test") : null;
        }

        @Override
        public CompletableFuture<RaftClientReply> sendRequestAsync(RaftClientRequest request) {
            IOException e = dropped(request);
            return e != null ? CompletableFuture.failedFuture(e) : rpc.sendRequestAsync(request);
        }

        @Override
        public CompletableFuture<RaftClientReply> sendRequestAsyncUnordered(RaftClientRequest request) {
            IOException e = dropped(request);
            return e != null ? CompletableFuture.failedFuture(e) : rpc.sendRequestAsyncUnordered(request);
        }

        @Override
        public RaftClientReply sendRequest(RaftClientRequest request) throws IOException {
            IOException e = dropped(request);
            if (e != null) throw e;
            return rpc.sendRequest(request);
        }

        @Override
        public boolean handleException(RaftPeerId serverId, Throwable t, boolean reconnect) {
            return rpc.handleException(serverId, t, reconnect);
        }

        @Override
        public boolean shouldReconnect(Throwable t) {
            return rpc.shouldReconnect(t);
        }

        @Override
        public void addRaftPeers(java.util.Collection<RaftPeer> peers) {
            rpc.addRaftPeers(peers);
        }

        @Override
        public void close() throws IOException {
            rpc.close();
        }
    }

    /** Runs {@code task} on this node's event thread, after the listener calls queued before it. */
    public void execute(Runnable task) {
        eventThread.execute(task);
    }

    // ---------------------------------------------------------------- leadership

    /**
     * True when this node is the Raft leader and has applied the start-up entry of its current term,
     * so its image reflects every entry committed before it took over.
     */
    public boolean isActive() {
        long t = activeTerm;
        if (t < 0) return false;
        DivisionInfo info = info();
        return info != null && info.isLeader() && info.getCurrentTerm() == t;
    }

    /** Adds a listener; if this node is active now, it is told at once (on the event thread). */
    public void addActivationListener(ActivationListener l) {
        activationListeners.add(l);
        eventThread.execute(() -> {
            if (activeTerm >= 0) l.onActivate(activeTerm);
        });
    }

    /** Adds an image listener; it is first called with {@code (EMPTY, current)}, on the event thread. */
    public void addImageListener(MetadataListener l) {
        eventThread.execute(() -> {
            imageListeners.add(l);
            l.onImage(MetadataImage.EMPTY, image());
        });
    }

    private final class Events implements MetadataStateMachine.Events {
        @Override
        public void imageChanged(MetadataImage previous, MetadataImage current) {
            if (imageListeners.isEmpty()) return;
            eventThread.execute(() -> {
                for (MetadataListener l : imageListeners) l.onImage(previous, current);
            });
        }

        @Override
        public void leaderReady() {
            eventThread.execute(QuorumNode.this::activate);
        }

        @Override
        public void leadershipLost() {
            eventThread.execute(QuorumNode.this::deactivate);
        }
    }

    private void activate() {
        DivisionInfo info = info();
        if (info == null || !info.isLeader()) return;
        long term = info.getCurrentTerm();
        if (activeTerm == term) return;
        if (activeTerm >= 0) deactivate();
        activeTerm = term;
        log.info("Node {} is the active controller in term {}", config.nodeId(), term);
        for (ActivationListener l : activationListeners) l.onActivate(term);
    }

    private void deactivate() {
        long t = activeTerm;
        if (t < 0) return;
        activeTerm = -1;
        log.info("Node {} is no longer the active controller (term {})", config.nodeId(), t);
        for (ActivationListener l : activationListeners) l.onDeactivate(t);
    }

    /**
     * Hands leadership to voter {@code nodeId} (for a controlled shutdown of the active controller).
     * Completes when the other voter has taken over; fails with {@link NotLeaderException} when this
     * node is not the leader.
     */
    public CompletableFuture<Void> transferLeadership(int nodeId) {
        TransferLeadershipRequest req = new TransferLeadershipRequest(clientId, selfId, GROUP_ID,
                callIds.incrementAndGet(), peerId(nodeId), 10_000);
        CompletableFuture<RaftClientReply> sent;
        try {
            sent = server.transferLeadershipAsync(req);
        } catch (IOException e) {
            return CompletableFuture.failedFuture(new QuorumException("leadership transfer failed: " + e.getMessage(), e));
        }
        return sent.handle((reply, err) -> {
            if (err != null) throw translate(unwrap(err));
            if (!reply.isSuccess()) throw translate(reply.getException());
            return null;
        });
    }

    // ---------------------------------------------------------------- snapshots

    private void maybeSnapshot() {
        if (closed.get() || !stateMachine.policy().due()) return;
        snapshotNow();
    }

    /**
     * Asks Ratis to take a snapshot of the applied state now (on its state machine thread) and to
     * purge the log before it. Completes with the snapshot's index.
     */
    public CompletableFuture<Long> snapshotNow() {
        if (!snapshotInFlight.compareAndSet(false, true)) {
            return CompletableFuture.failedFuture(new QuorumException("a snapshot is being taken"));
        }
        SnapshotManagementRequest req = SnapshotManagementRequest.newCreate(clientId, selfId, GROUP_ID,
                callIds.incrementAndGet(), 60_000, 1);
        return server.snapshotManagementAsync(req).handle((reply, err) -> {
            snapshotInFlight.set(false);
            if (err != null) throw new QuorumException("snapshot failed: " + unwrap(err).getMessage(), unwrap(err));
            if (!reply.isSuccess()) throw new QuorumException("snapshot failed: " + reply.getException(), reply.getException());
            return reply.getLogIndex();
        });
    }

    // ---------------------------------------------------------------- views

    /** The current metadata image of this node. */
    public MetadataImage image() {
        return stateMachine.applied().image();
    }

    /** The highest log index applied to {@link #image()}; read together with it by {@link #appliedState()}. */
    public long lastAppliedIndex() {
        return stateMachine.applied().index();
    }

    /** The image and the log index it reflects, read atomically. */
    public AppliedState appliedState() {
        MetadataStateMachine.Applied a = stateMachine.applied();
        return new AppliedState(a.index(), a.image());
    }

    /** An image together with the last log index it reflects. */
    public record AppliedState(long index, MetadataImage image) {
    }

    public int nodeId() {
        return config.nodeId();
    }

    /** The configuration this node runs with. */
    public QuorumConfig config() {
        return config;
    }

    /** The leader this node knows of, or -1. */
    public int leaderId() {
        DivisionInfo info = info();
        return info == null ? -1 : nodeId(info.getLeaderId());
    }

    /** A read-only view of the quorum from this node (peer details on the leader only). */
    public QuorumStatus status() {
        RaftServer.Division d = division();
        if (d == null) {
            return new QuorumStatus(config.nodeId(), "SHUTDOWN", false, -1, -1, -1, lastAppliedIndex(), image().offset(), List.of());
        }
        DivisionInfo info = d.getInfo();
        List<QuorumStatus.Peer> peers = new ArrayList<>();
        RoleInfoProto role = info.getRoleInfoProto();
        long[] match = info.getFollowerMatchIndices();
        if (role.hasLeaderInfo() && match != null && match.length == role.getLeaderInfo().getFollowerInfoCount()) {
            for (int i = 0; i < match.length; i++) {
                ServerRpcProto f = role.getLeaderInfo().getFollowerInfo(i);
                RaftPeerId id = RaftPeerId.valueOf(f.getId().getId());
                boolean voter = d.getRaftConf().getPeer(id, RaftPeerRole.FOLLOWER) != null;
                peers.add(new QuorumStatus.Peer(nodeId(id), voter, match[i], f.getLastRpcElapsedTimeMs()));
            }
        }
        return new QuorumStatus(config.nodeId(), info.getCurrentRole().name(), isActive(), nodeId(info.getLeaderId()),
                info.getCurrentTerm(), d.getRaftLog().getLastCommittedIndex(), lastAppliedIndex(), image().offset(),
                List.copyOf(peers));
    }

    /** A leader probe for this node with its own rule ({@link LeaderProbe}; tests). */
    LeaderProbe newLeaderProbe(long silentAfterMs, java.util.function.Predicate<InetSocketAddress> refuses) {
        return newLeaderProbe(silentAfterMs, refuses, this::peerLastEntry);
    }

    /** The same with the other voters' log positions given (tests). */
    LeaderProbe newLeaderProbe(long silentAfterMs, java.util.function.Predicate<InetSocketAddress> refuses, LeaderProbe.PeerLogs peerLogs) {
        return new LeaderProbe(config.nodeId(), server, GROUP_ID, this::division, silentAfterMs, refuses, peerLogs);
    }

    /** Another voter's last log entry as this node's probe sees it (tests). */
    TermIndex peerLastEntryForTest(int nodeId) {
        return voterPeers.stream().filter(v -> v.getId().toString().equals(Integer.toString(nodeId))).findFirst()
                .map(this::peerLastEntry).orElse(null);
    }

    /** The leader probe's client: group info only, one short attempt per call. */
    private volatile RaftClient probeClient;

    /** Another voter's last log entry (Ratis group info), or null when it does not answer within the probe's bound. */
    private TermIndex peerLastEntry(RaftPeer peer) {
        try {
            RaftClient c = probeClient;
            if (c == null) {
                synchronized (this) {
                    if (closed.get()) return null;
                    c = probeClient;
                    if (c == null) {
                        RaftProperties p = new RaftProperties(properties);
                        org.apache.ratis.client.RaftClientConfigKeys.Rpc.setRequestTimeout(p,
                                TimeDuration.valueOf(LeaderProbe.PEER_TIMEOUT_MS, TimeUnit.MILLISECONDS));
                        c = RaftClient.newBuilder().setRaftGroup(RaftGroup.valueOf(GROUP_ID, voterPeers)).setProperties(p)
                                .setParameters(parameters).setRetryPolicy(RetryPolicies.noRetry()).build();
                        probeClient = c;
                    }
                }
            }
            GroupInfoReply info = c.getGroupManagementApi(peer.getId()).info(GROUP_ID);
            if (!info.isSuccess() || info.getLogInfoProto() == null || !info.getLogInfoProto().hasLastEntry()) return null;
            return TermIndex.valueOf(info.getLogInfoProto().getLastEntry());
        } catch (IOException | RuntimeException e) {
            log.debug("Leader probe: no log position from {}: {}", peer.getId(), e.toString());
            return null;
        }
    }

    private RaftServer.Division division() {
        try {
            return server.getDivision(GROUP_ID);
        } catch (IOException e) {
            return null;
        }
    }

    private DivisionInfo info() {
        RaftServer.Division d = division();
        return d == null ? null : d.getInfo();
    }

    // ---------------------------------------------------------------- close

    /** Stops this node's Ratis server and its event thread. The log and snapshots stay on disk. */
    @Override
    public void close() throws IOException {
        if (!closed.compareAndSet(false, true)) return;
        LeaderProbe probe = leaderProbe;
        if (probe != null) probe.close();
        closeClient(probeClient, "the leader probe's client");
        // closed outside this node's monitor: closing the client fails its pending requests, whose callbacks
        // (dropControllerClient) take the monitor on the client's close thread, which close() waits for
        RaftClient c;
        synchronized (this) {
            c = controllerClient;
            controllerClient = null;
        }
        closeClient(c, "the controller client");
        try {
            server.close();
        } finally {
            eventThread.execute(this::deactivate);
            eventThread.shutdown();
            try {
                eventThread.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (!joined.isDone()) joined.completeExceptionally(new QuorumException("node " + config.nodeId() + " closed"));
        }
    }

    private void closeQuietly() {
        try {
            close();
        } catch (IOException | RuntimeException e) {
            log.debug("close after failed start", e);
        }
    }
}
