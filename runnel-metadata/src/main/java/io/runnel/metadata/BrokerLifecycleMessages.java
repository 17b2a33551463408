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
 * id to broker epoch) and heartbeats (liveness, catch-up and controlled shutdown). They travel as Ratis
 * read-only messages to the quorum's leader (docs/cluster.md says why), so heartbeats never write to the
 * metadata log.
 *
 * <p>Layout (big-endian, {@link DataOutputStream}): an int8 kind, then the fields in declaration order;
 * a Uuid is two int64, a string modified UTF-8, a nullable string a boolean and the string. Replies
 * start with an int16 Kafka error code and a nullable message.
 */
public final class BrokerLifecycleMessages {
    private static final byte REGISTER = 1;
    private static final byte HEARTBEAT = 2;

    private BrokerLifecycleMessages() {
    }

    /** A request from a broker. */
    public sealed interface Request permits Register, Heartbeat {
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

    private static void nullable(DataOutputStream out, String s) throws IOException {
        out.writeBoolean(s != null);
        if (s != null) out.writeUTF(s);
    }

    private static String readNullable(DataInputStream in) throws IOException {
        return in.readBoolean() ? in.readUTF() : null;
    }
}
