package io.runnel.metadata;

import io.runnel.common.Errors;
import io.runnel.common.Uuid;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The requests a broker sends to the active controller and their answers: registration (incarnation
 * id to broker epoch), heartbeats (liveness, catch-up and controlled shutdown) and AlterPartition (a
 * leader changing the ISR of its partitions, Kafka's AlterPartition semantics). They travel as Ratis
 * read-only messages to the quorum's leader (docs/cluster.md says why), so heartbeats never write to the
 * metadata log.
 *
 * <p>Layout (big-endian, {@link DataOutputStream}): an int8 kind, then the fields in declaration order;
 * a Uuid is two int64, a string modified UTF-8, a nullable string a boolean and the string. Replies
 * start with an int16 Kafka error code and a nullable message. An AlterPartition reply then carries the
 * int64 image offset after the change on the active controller (the sender waits until it has applied
 * that far), and per change the topic id, partition, error and a presence flag before the
 * {@link PartitionState} (int32 lists of replicas, ISR, removing and adding replicas, then leader,
 * leader epoch and partition epoch).
 */
public final class BrokerLifecycleMessages {
    private static final byte REGISTER = 1;
    private static final byte HEARTBEAT = 2;
    private static final byte ALTER_PARTITION = 3;

    private BrokerLifecycleMessages() {
    }

    /** A request from a broker. */
    public sealed interface Request permits Register, Heartbeat, AlterPartition {
    }

    /** Registers broker {@code brokerId}; a new incarnation id gets a new broker epoch. */
    public record Register(int brokerId, Uuid incarnationId, List<BrokerRegistration.Endpoint> endpoints, String rack)
            implements Request {
    }

    /**
     * A heartbeat: {@code appliedOffset} is how far the broker has applied the metadata log;
     * {@code wantShutdown} asks for a controlled shutdown.
     */
    public record Heartbeat(int brokerId, long brokerEpoch, long appliedOffset, boolean wantShutdown) implements Request {
    }

    /**
     * A partition leader's ISR changes: {@code brokerEpoch} must be the sender's registered epoch, and
     * each change names the leader and partition epochs it was computed against.
     */
    public record AlterPartition(int brokerId, long brokerEpoch, List<IsrChange> changes) implements Request {
        public AlterPartition {
            changes = List.copyOf(changes);
        }
    }

    /** The ISR one partition should have, computed by its leader at {@code leaderEpoch} and {@code partitionEpoch}. */
    public record IsrChange(Uuid topicId, int partition, int leaderEpoch, int partitionEpoch, List<Integer> newIsr) {
        public IsrChange {
            newIsr = List.copyOf(newIsr);
        }
    }

    /**
     * The answer to an AlterPartition: a whole-request error (STALE_BROKER_EPOCH, NOT_CONTROLLER, ...)
     * with no results, or one result per change.
     */
    public record AlterPartitionReply(Errors error, String message, List<IsrChangeResult> results) {
        public AlterPartitionReply {
            results = List.copyOf(results);
        }
    }

    /** One change's outcome: the partition's state after it, or an error and a null state. */
    public record IsrChangeResult(Uuid topicId, int partition, Errors error, PartitionState state) {
    }

    /** An AlterPartition reply as it travels: with the image offset the sender waits for (-1 on error). */
    record AlterPartitionWire(AlterPartitionReply reply, long offset) {
    }

    /** The answer to a registration: the broker epoch, or an error. */
    public record RegisterReply(Errors error, String message, long brokerEpoch) {
    }

    /** The answer to a heartbeat: whether the broker is fenced and whether it may shut down now. */
    public record HeartbeatReply(Errors error, String message, boolean fenced, boolean shouldShutdown) {
    }

    public static byte[] encode(Request r) {
        return write(out -> {
            switch (r) {
                case Register g -> {
                    out.writeByte(REGISTER);
                    out.writeInt(g.brokerId());
                    uuid(out, g.incarnationId());
                    out.writeInt(g.endpoints().size());
                    for (BrokerRegistration.Endpoint e : g.endpoints()) {
                        out.writeUTF(e.listener());
                        out.writeUTF(e.host());
                        out.writeInt(e.port());
                        out.writeShort(e.securityProtocol());
                    }
                    nullable(out, g.rack());
                }
                case Heartbeat h -> {
                    out.writeByte(HEARTBEAT);
                    out.writeInt(h.brokerId());
                    out.writeLong(h.brokerEpoch());
                    out.writeLong(h.appliedOffset());
                    out.writeBoolean(h.wantShutdown());
                }
                case AlterPartition a -> {
                    out.writeByte(ALTER_PARTITION);
                    out.writeInt(a.brokerId());
                    out.writeLong(a.brokerEpoch());
                    out.writeInt(a.changes().size());
                    for (IsrChange c : a.changes()) {
                        uuid(out, c.topicId());
                        out.writeInt(c.partition());
                        out.writeInt(c.leaderEpoch());
                        out.writeInt(c.partitionEpoch());
                        ints(out, c.newIsr());
                    }
                }
            }
        });
    }

    /** @throws IllegalArgumentException for bytes that are no request */
    public static Request decodeRequest(byte[] bytes) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
            byte kind = in.readByte();
            if (kind == REGISTER) {
                int id = in.readInt();
                Uuid inc = new Uuid(in.readLong(), in.readLong());
                int n = in.readInt();
                if (n < 0 || n > 1000) throw new IllegalArgumentException("bad endpoint count " + n);
                List<BrokerRegistration.Endpoint> eps = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    eps.add(new BrokerRegistration.Endpoint(in.readUTF(), in.readUTF(), in.readInt(), in.readShort()));
                }
                return new Register(id, inc, eps, readNullable(in));
            }
            if (kind == HEARTBEAT) return new Heartbeat(in.readInt(), in.readLong(), in.readLong(), in.readBoolean());
            if (kind == ALTER_PARTITION) {
                int id = in.readInt();
                long epoch = in.readLong();
                int n = count(in);
                List<IsrChange> changes = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    changes.add(new IsrChange(new Uuid(in.readLong(), in.readLong()), in.readInt(), in.readInt(), in.readInt(),
                            readInts(in)));
                }
                return new AlterPartition(id, epoch, changes);
            }
            throw new IllegalArgumentException("unknown broker request kind " + kind);
        } catch (IOException e) {
            throw new IllegalArgumentException("truncated broker request", e);
        }
    }

    public static byte[] encode(RegisterReply r) {
        return write(out -> {
            out.writeShort(r.error().code());
            nullable(out, r.message());
            out.writeLong(r.brokerEpoch());
        });
    }

    public static byte[] encode(HeartbeatReply r) {
        return write(out -> {
            out.writeShort(r.error().code());
            nullable(out, r.message());
            out.writeBoolean(r.fenced());
            out.writeBoolean(r.shouldShutdown());
        });
    }

    static byte[] encode(AlterPartitionWire w) {
        AlterPartitionReply r = w.reply();
        return write(out -> {
            out.writeShort(r.error().code());
            nullable(out, r.message());
            out.writeLong(w.offset());
            out.writeInt(r.results().size());
            for (IsrChangeResult c : r.results()) {
                uuid(out, c.topicId());
                out.writeInt(c.partition());
                out.writeShort(c.error().code());
                PartitionState s = c.state();
                out.writeBoolean(s != null);
                if (s == null) continue;
                ints(out, s.replicas());
                ints(out, s.isr());
                ints(out, s.removingReplicas());
                ints(out, s.addingReplicas());
                out.writeInt(s.leader());
                out.writeInt(s.leaderEpoch());
                out.writeInt(s.partitionEpoch());
            }
        });
    }

    static AlterPartitionWire decodeAlterPartitionReply(byte[] bytes) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
            Errors error = Errors.forCode(in.readShort());
            String message = readNullable(in);
            long offset = in.readLong();
            int n = count(in);
            List<IsrChangeResult> results = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                Uuid topicId = new Uuid(in.readLong(), in.readLong());
                int partition = in.readInt();
                Errors e = Errors.forCode(in.readShort());
                PartitionState s = !in.readBoolean() ? null : new PartitionState(readInts(in), readInts(in), readInts(in),
                        readInts(in), in.readInt(), in.readInt(), in.readInt());
                results.add(new IsrChangeResult(topicId, partition, e, s));
            }
            return new AlterPartitionWire(new AlterPartitionReply(error, message, results), offset);
        } catch (IOException e) {
            throw new IllegalArgumentException("truncated AlterPartition reply", e);
        }
    }

    public static RegisterReply decodeRegisterReply(byte[] bytes) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
            return new RegisterReply(Errors.forCode(in.readShort()), readNullable(in), in.readLong());
        } catch (IOException e) {
            throw new IllegalArgumentException("truncated registration reply", e);
        }
    }

    public static HeartbeatReply decodeHeartbeatReply(byte[] bytes) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
            return new HeartbeatReply(Errors.forCode(in.readShort()), readNullable(in), in.readBoolean(), in.readBoolean());
        } catch (IOException e) {
            throw new IllegalArgumentException("truncated heartbeat reply", e);
        }
    }

    private interface Writer {
        void write(DataOutputStream out) throws IOException;
    }

    private static byte[] write(Writer w) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            w.write(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    private static void uuid(DataOutputStream out, Uuid u) throws IOException {
        out.writeLong(u.mostSignificantBits());
        out.writeLong(u.leastSignificantBits());
    }

    private static void ints(DataOutputStream out, List<Integer> list) throws IOException {
        out.writeInt(list.size());
        for (int i : list) out.writeInt(i);
    }

    private static List<Integer> readInts(DataInputStream in) throws IOException {
        int n = count(in);
        List<Integer> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) out.add(in.readInt());
        return out;
    }

    /** A list length; a negative or absurd one is a corrupt message, not an allocation. */
    private static int count(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > 1_000_000) throw new IllegalArgumentException("bad count " + n);
        return n;
    }

    private static void nullable(DataOutputStream out, String s) throws IOException {
        out.writeBoolean(s != null);
        if (s != null) out.writeUTF(s);
    }

    private static String readNullable(DataInputStream in) throws IOException {
        return in.readBoolean() ? in.readUTF() : null;
    }
}
