package io.runnel.broker.interbroker;

import io.runnel.common.security.SslFactory;
import io.runnel.protocol.ApiKeys;
import io.runnel.protocol.ApiMessage;
import io.runnel.protocol.ByteBufferReadable;
import io.runnel.protocol.GrowableWritable;
import io.runnel.protocol.MalformedMessageException;
import io.runnel.protocol.RequestHeader;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;

/**
 * A blocking connection from this broker to another one, for requests brokers send each other (a follower's
 * Fetch, transaction markers): one request at a time, header + generated request class out, generated
 * response class back. Both ends are Runnel brokers of one version, so versions are fixed by the caller, not
 * negotiated. Opens lazily and reconnects on the next send after a failure; every failure is an
 * {@link IOException} and closes the socket.
 *
 * <p>Used by one thread at a time (a replica fetcher owns its channels); {@code send} is synchronized so a
 * misuse is slow, not corrupt.
 */
public final class InterBrokerChannel implements AutoCloseable {
    private static final int MAX_RESPONSE_BYTES = 256 * 1024 * 1024;

    private final String clientId;
    private final int connectTimeoutMs;
    private volatile String host;
    private volatile int port;
    private Socket socket;
    private DataInputStream in;
    private OutputStream out;
    private int nextCorrelationId;

    /** The client side of TLS when the peer's inter-broker listener is SSL; null for PLAINTEXT. */
    private final SslFactory tls;

    public InterBrokerChannel(String clientId, String host, int port, int connectTimeoutMs) {
        this(clientId, host, port, connectTimeoutMs, null);
    }

    /** A channel that speaks TLS (client mode, {@code tls}'s keys) when {@code tls} is not null. */
    public InterBrokerChannel(String clientId, String host, int port, int connectTimeoutMs, SslFactory tls) {
        this.tls = tls;
        this.clientId = clientId;
        this.host = host;
        this.port = port;
        this.connectTimeoutMs = connectTimeoutMs;
    }

    public String address() {
        return host + ":" + port;
    }

    /** Points the channel at a new address (a broker re-registered elsewhere); reconnects on the next send. */
    public synchronized void retarget(String host, int port) {
        if (host.equals(this.host) && port == this.port) return;
        close();
        this.host = host;
        this.port = port;
    }

    /**
     * Sends {@code request} as {@code api} v{@code version} and waits up to {@code timeoutMs} for the answer.
     *
     * @throws IOException the connection failed, timed out or the answer does not parse; the socket is closed
     */
    @SuppressWarnings("unchecked")
    public synchronized <R extends ApiMessage> R send(ApiKeys api, short version, ApiMessage request, int timeoutMs) throws IOException {
        try {
            if (socket == null) open();
            int correlationId = nextCorrelationId++;
            GrowableWritable w = new GrowableWritable(256);
            w.writeInt(0);
            new RequestHeader(api.id, version, correlationId, clientId).write(w, api.requestHeaderVersion(version));
            request.write(w, version);
            ByteBuffer frame = w.toByteBuffer();
            frame.putInt(0, frame.remaining() - 4);
            socket.setSoTimeout(Math.max(1, timeoutMs));
            out.write(frame.array(), frame.arrayOffset(), frame.remaining());
            out.flush();
            int size = in.readInt();
            if (size < 4 || size > MAX_RESPONSE_BYTES) throw new IOException("invalid response size " + size + " from " + address());
            byte[] bytes = new byte[size];
            in.readFully(bytes);
            ByteBuffer buf = ByteBuffer.wrap(bytes);
            int got = buf.getInt();
            if (got != correlationId) {
                throw new IOException("response correlation id " + got + " from " + address() + " does not match " + correlationId);
            }
            ByteBufferReadable r = new ByteBufferReadable(buf);
            if (api.responseHeaderVersion(version) >= 1) {
                int tagged = r.readUnsignedVarint();
                for (int i = 0; i < tagged; i++) {
                    r.readUnsignedVarint();
                    r.skip(r.readUnsignedVarint());
                }
            }
            ApiMessage resp = api.newResponse();
            resp.read(r, version);
            return (R) resp;
        } catch (IOException e) {
            close();
            throw e;
        } catch (MalformedMessageException | IllegalStateException | IllegalArgumentException e) {
            close();
            throw new IOException("malformed " + api.displayName + " v" + version + " response from " + address() + ": " + e.getMessage(), e);
        }
    }

    private void open() throws IOException {
        Socket s = new Socket();
        try {
            s.setTcpNoDelay(true);
            s.setReceiveBufferSize(1 << 20);
            s.connect(new InetSocketAddress(host, port), connectTimeoutMs);
            if (tls != null) {
                s.setSoTimeout(Math.max(1, connectTimeoutMs)); // bounds the handshake
                s = tls.clientSocket(s, host, port);
            }
            in = new DataInputStream(new BufferedInputStream(s.getInputStream(), 64 * 1024));
            out = new BufferedOutputStream(s.getOutputStream(), 64 * 1024);
            socket = s;
        } catch (IOException e) {
            s.close();
            throw e;
        }
    }

    public boolean isConnected() {
        return socket != null;
    }

    @Override
    public synchronized void close() {
        Socket s = socket;
        socket = null;
        in = null;
        out = null;
        if (s != null) {
            try {
                s.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }
}
