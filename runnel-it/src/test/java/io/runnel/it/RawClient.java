package io.runnel.it;

import io.runnel.protocol.ApiKeys;
import io.runnel.protocol.ApiMessage;
import io.runnel.protocol.ByteBufferReadable;
import io.runnel.protocol.GrowableWritable;
import io.runnel.protocol.RequestHeader;
import io.runnel.protocol.message.ApiVersionsRequest;
import io.runnel.protocol.message.ApiVersionsResponse;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;

/**
 * A bare Kafka-protocol connection for sending hand-made (and broken) requests: frames are written
 * byte for byte, responses read as frames. Requests and responses are encoded with Runnel's generated
 * message classes, which the protocol module checks against kafka-clients' own encoding.
 */
public final class RawClient implements AutoCloseable {
    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;

    public RawClient(int port) {
        try {
            socket = new Socket();
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
            socket.setSoTimeout(10_000);
            socket.setTcpNoDelay(true);
            in = new DataInputStream(socket.getInputStream());
            out = socket.getOutputStream();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A request frame (size prefix included) for {@code api} at {@code version}. */
    public static byte[] frame(ApiKeys api, short version, int correlationId, ApiMessage body) {
        GrowableWritable w = new GrowableWritable();
        w.writeInt(0); // size, patched below
        new RequestHeader(api.id, version, correlationId, "raw-it").write(w, api.requestHeaderVersion(version));
        body.write(w, version);
        ByteBuffer b = w.toByteBuffer();
        b.putInt(0, b.remaining() - 4);
        byte[] bytes = new byte[b.remaining()];
        b.get(bytes);
        return bytes;
    }

    public void send(ApiKeys api, short version, int correlationId, ApiMessage body) {
        write(frame(api, version, correlationId, body));
    }

    public void write(byte[] bytes) {
        try {
            out.write(bytes);
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Reads one response frame (without its size prefix); throws EOFException when the broker closed. */
    public ByteBuffer readFrame() throws IOException {
        int size = in.readInt();
        if (size < 4 || size > 64 << 20) throw new IOException("implausible response size " + size);
        byte[] b = new byte[size];
        in.readFully(b);
        return ByteBuffer.wrap(b);
    }

    /** Reads one bare size-prefixed frame (a SASL token after SaslHandshake v0), which may be empty. */
    public byte[] readBareFrame() throws IOException {
        int size = in.readInt();
        if (size < 0 || size > 64 << 20) throw new IOException("implausible frame size " + size);
        byte[] b = new byte[size];
        in.readFully(b);
        return b;
    }

    /** A decoded response: its correlation id and body. */
    public record Response<T extends ApiMessage>(int correlationId, T body) {
    }

    /** Reads one response and decodes it as {@code api} at {@code version}, checking it uses all bytes. */
    @SuppressWarnings("unchecked")
    public <T extends ApiMessage> Response<T> receive(ApiKeys api, short version) throws IOException {
        ByteBuffer frame = readFrame();
        ByteBufferReadable r = new ByteBufferReadable(frame);
        int correlationId = r.readInt();
        if (api.responseHeaderVersion(version) >= 1) {
            int tagged = r.readUnsignedVarint();
            for (int i = 0; i < tagged; i++) {
                r.readUnsignedVarint();
                r.skip(r.readUnsignedVarint());
            }
        }
        ApiMessage body = api.newResponse();
        body.read(r, version);
        if (r.remaining() != 0) {
            throw new IOException(api.displayName + " v" + version + " response has " + r.remaining() + " bytes left over");
        }
        return new Response<>(correlationId, (T) body);
    }

    /** ApiVersions v{@code version} round trip on this connection. */
    public ApiVersionsResponse apiVersions(short version, int correlationId) throws IOException {
        ApiVersionsRequest req = new ApiVersionsRequest();
        req.clientSoftwareName = "runnel-it";
        req.clientSoftwareVersion = "1.0";
        send(ApiKeys.API_VERSIONS, version, correlationId, req);
        Response<ApiVersionsResponse> resp = receive(ApiKeys.API_VERSIONS, version);
        if (resp.correlationId() != correlationId) {
            throw new IOException("correlation id " + resp.correlationId() + " where " + correlationId + " was expected");
        }
        return resp.body();
    }

    /**
     * Whether the broker closes this connection within {@code timeoutMs}: true on end of stream or
     * reset, false if the connection stays open that long. Bytes that arrive meanwhile are an error.
     */
    public boolean closedByPeerWithin(int timeoutMs) throws IOException {
        int old = socket.getSoTimeout();
        socket.setSoTimeout(timeoutMs);
        try {
            int b = in.read();
            if (b < 0) return true;
            throw new IOException("expected the broker to close the connection, but it sent data (first byte " + b + ")");
        } catch (SocketTimeoutException e) {
            return false;
        } catch (SocketException e) {
            return true; // connection reset
        } finally {
            if (!socket.isClosed()) socket.setSoTimeout(old);
        }
    }

    public boolean isEof() {
        try {
            return closedByPeerWithin(5_000);
        } catch (EOFException e) {
            return true;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }
}
