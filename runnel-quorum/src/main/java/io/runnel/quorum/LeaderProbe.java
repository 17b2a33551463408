package io.runnel.quorum;

import org.apache.ratis.proto.RaftProtos.RaftGroupIdProto;
import org.apache.ratis.proto.RaftProtos.RaftRpcRequestProto;
import org.apache.ratis.proto.RaftProtos.RoleInfoProto;
import org.apache.ratis.proto.RaftProtos.StartLeaderElectionReplyProto;
import org.apache.ratis.proto.RaftProtos.StartLeaderElectionRequestProto;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.DivisionInfo;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * A voter's watch on its leader ({@code controller.quorum.leader.probe.enable}, Runnel only, default true). Ratis'
 * follower notices a dead leader only when its random election timeout runs out, checked once per whole timeout:
 * [e/2, 2e] after the leader's last message. When the leader's process is gone its port refuses connections at
 * once, which is evidence enough. A follower that has not heard from its leader for {@link #silentAfterMs} (the
 * leader's heartbeat period, e/4, and half of it again: one heartbeat missed) connects to the leader's quorum port
 * every {@value #PERIOD_MS} ms and, when refused:
 * <ol>
 *   <li>asks the other voters for their last log entry (Ratis' group info, {@value #PEER_TIMEOUT_MS} ms at most
 *       each; one that does not answer is left out);</li>
 *   <li>starts an election at once only if no voter that answered has a longer log, or an equal one and a lower
 *       node id: that voter starts instead. Only an election by the voter with the most complete log wins at once;
 *       one by a voter with a shorter log is refused, moves the term and restarts the others' timers, which
 *       delays the election that can win (measured: a probe without this step often made the failover slower);</li>
 *   <li>the election is Ratis' own start-leader-election request, the one a leader sends when it hands over
 *       leadership, made locally in the silent leader's name; Ratis accepts it only from a follower whose log
 *       is as up to date as the entry it names, so it is given this node's last entry. It skips the pre-vote and
 *       asks for votes at a new term, which the others grant since no leader holds it.</li>
 * </ol>
 * Starting an election is always safe in Raft; only a needless one costs anything, and a leader whose port accepts
 * (alive, or unreachable without a refusal) is left to the timeouts. Once per term.
 *
 * <p>One daemon thread per voter ({@code runnel-quorum-leader-probe-N}).
 */
final class LeaderProbe implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LeaderProbe.class);
    static final long PERIOD_MS = 50;
    static final int CONNECT_TIMEOUT_MS = 200;
    static final int PEER_TIMEOUT_MS = 300;

    /** Another voter's last log entry, or null when it does not answer. */
    interface PeerLogs {
        TermIndex lastEntry(RaftPeer peer);
    }

    private final RaftServer server;
    private final RaftGroupId groupId;
    private final Supplier<RaftServer.Division> division;
    private final long silentAfterMs;
    private final Predicate<InetSocketAddress> refuses;
    private final PeerLogs peerLogs;
    private final ScheduledExecutorService thread;
    private final AtomicLong callIds = new AtomicLong();
    private volatile long triggeredTerm = -1;
    private volatile long deferredTerm = -1;
    /** The voter this probe last left the election to (tests), or null. */
    volatile RaftPeerId deferredTo;

    /**
     * How long a leader must be silent before it is probed, for {@code controller.quorum.election.timeout.ms} = e: its
     * heartbeat period (Ratis' shortest timeout halved, e/4) and half of it again.
     */
    static long silentAfterMs(int electionTimeoutMs) {
        return electionTimeoutMs / 4 + electionTimeoutMs / 8;
    }

    LeaderProbe(int nodeId, RaftServer server, RaftGroupId groupId, Supplier<RaftServer.Division> division, long silentAfterMs,
                Predicate<InetSocketAddress> refuses, PeerLogs peerLogs) {
        this.peerLogs = peerLogs;
        this.server = server;
        this.groupId = groupId;
        this.division = division;
        this.silentAfterMs = silentAfterMs;
        this.refuses = refuses;
        this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "runnel-quorum-leader-probe-" + nodeId);
            t.setDaemon(true);
            return t;
        });
    }

    void start() {
        thread.scheduleWithFixedDelay(this::checkQuietly, PERIOD_MS, PERIOD_MS, TimeUnit.MILLISECONDS);
    }

    private void checkQuietly() {
        try {
            check();
        } catch (RuntimeException | IOException e) {
            log.debug("Leader probe failed", e);
        }
    }

    /** One look: true when it started an election. */
    boolean check() throws IOException {
        RaftServer.Division d = division.get();
        if (d == null) return false;
        DivisionInfo info = d.getInfo();
        if (!info.isFollower()) return false;
        RaftPeerId leader = info.getLeaderId();
        long term = info.getCurrentTerm();
        if (leader == null || leader.equals(server.getId()) || triggeredTerm == term) return false;
        RoleInfoProto role = info.getRoleInfoProto();
        if (!role.hasFollowerInfo() || !role.getFollowerInfo().hasLeaderInfo()) return false;
        long silentMs = role.getFollowerInfo().getLeaderInfo().getLastRpcElapsedTimeMs();
        if (silentMs < silentAfterMs) return false;
        RaftPeer peer = d.getRaftConf().getPeer(leader);
        InetSocketAddress address = peer == null ? null : address(peer.getAddress());
        if (address == null || !refuses.test(address)) return false;
        TermIndex last = d.getRaftLog().getLastEntryTermIndex();
        if (last == null || last.getTerm() != term) return false; // Ratis would refuse: our log names an older term
        for (RaftPeer other : d.getRaftConf().getCurrentPeers()) {
            if (other.getId().equals(leader) || other.getId().equals(server.getId())) continue;
            TermIndex theirs = peerLogs.lastEntry(other);
            if (theirs == null) continue;
            int cmp = theirs.compareTo(last);
            if (cmp > 0 || (cmp == 0 && other.getId().toString().compareTo(server.getId().toString()) < 0)) {
                deferredTo = other.getId();
                if (deferredTerm != term) {
                    deferredTerm = term;
                    log.info("Quorum leader {} silent for {} ms and {} refuses connections; {} (last entry {}) stands rather than this node ({})",
                            leader, silentMs, address, other.getId(), theirs, last);
                }
                return false;
            }
        }
        triggeredTerm = term;
        StartLeaderElectionRequestProto req = StartLeaderElectionRequestProto.newBuilder()
                .setServerRequest(RaftRpcRequestProto.newBuilder()
                        .setRequestorId(leader.toByteString())
                        .setReplyId(server.getId().toByteString())
                        .setRaftGroupId(RaftGroupIdProto.newBuilder().setId(groupId.toByteString()))
                        .setCallId(callIds.incrementAndGet()))
                .setLeaderLastEntry(last.toProto())
                .build();
        StartLeaderElectionReplyProto reply = server.startLeaderElection(req);
        boolean started = reply.getServerReply().getSuccess();
        log.info("Quorum leader {} silent for {} ms and {} refuses connections (its process is gone): {}", leader, silentMs,
                address, started ? "starting an election now" : "Ratis did not start an election; waiting for the timeout");
        return started;
    }

    /** host:port (IPv6 in brackets) to an address, or null. */
    static InetSocketAddress address(String hostPort) {
        if (hostPort == null) return null;
        int colon = hostPort.lastIndexOf(':');
        if (colon <= 0) return null;
        String host = hostPort.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
        try {
            return new InetSocketAddress(host, Integer.parseInt(hostPort.substring(colon + 1)));
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** The real test: a TCP connection refused (RST) within {@value #CONNECT_TIMEOUT_MS} ms. */
    static boolean tcpRefuses(InetSocketAddress address) {
        try (Socket s = new Socket()) {
            s.connect(address, CONNECT_TIMEOUT_MS);
            return false;
        } catch (ConnectException e) {
            return true;
        } catch (IOException e) {
            return false; // a timeout or anything else is no evidence
        }
    }

    @Override
    public void close() {
        thread.shutdownNow();
    }
}
