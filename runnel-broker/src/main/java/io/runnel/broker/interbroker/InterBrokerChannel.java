package io.runnel.broker.interbroker;

import io.runnel.common.Errors;
import io.runnel.common.security.SaslClientMechanism;
import io.runnel.common.security.SslFactory;
import io.runnel.config.SaslListenerConfig;
import io.runnel.protocol.ApiKeys;
import io.runnel.protocol.ApiMessage;
import io.runnel.protocol.ByteBufferReadable;
import io.runnel.protocol.GrowableWritable;
import io.runnel.protocol.MalformedMessageException;
import io.runnel.protocol.RequestHeader;
import io.runnel.protocol.message.SaslAuthenticateRequest;
import io.runnel.protocol.message.SaslAuthenticateResponse;
import io.runnel.protocol.message.SaslHandshakeRequest;
import io.runnel.protocol.message.SaslHandshakeResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.security.sasl.SaslException;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A blocking connection from this broker to another one, for requests brokers send each other (a follower's
 * Fetch, transaction markers): one request at a time, header + generated request class out, generated
 * response class back. Both ends are Runnel brokers of one version, so versions are fixed by the caller, not
 * negotiated. Opens lazily and reconnects on the next send after a failure; every failure is an
 * {@link IOException} and closes the socket.
 *
 * <p>Security ({@link InterBrokerSecurity}): on an SSL or SASL_SSL inter-broker listener the socket is wrapped in a
 * client-mode TLS socket; on a SASL_PLAINTEXT or SASL_SSL one the connection then authenticates with SaslHandshake
 * v1 and SaslAuthenticate v1 (PLAIN or SCRAM, {@link SaslClientMechanism}) before the first request. When the
 * other broker bounds the session ({@code connections.max.reauth.ms}, KIP-368: {@code session_lifetime_ms}), the
 * channel re-authenticates on the same connection before a request once 85-95 % of the lifetime has passed (a
 * random point, as Kafka's clients). A refused authentication is an {@link IOException} naming the broker and error.
 *
 * <p>Used by one thread at a time (a replica fetcher owns its channels); {@code send} is synchronized so a
 * misuse is slow, not corrupt.
 */
public final class InterBrokerChannel implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(InterBrokerChannel.class);
    private static final int MAX_RESPONSE_BYTES = 256 * 1024 * 1024;

    private final String clientId;
    private final int connectTimeoutMs;
    private volatile String host;
    private volatile int port;
    private Socket socket;
    private DataInputStream in;
    private OutputStream out;
    private int nextCorrelationId;

    /** The client side of TLS when the peer's inter-broker listener is SSL or SASL_SSL; null otherwise. */
    private final SslFactory tls;
    /** The broker's SASL mechanism and credentials when the listener is SASL_PLAINTEXT or SASL_SSL; null otherwise. */
    private final SaslListenerConfig.InterBrokerSasl sasl;
    /** System.nanoTime() after which the SASL session must be renewed before the next request; 0: never. */
    private long reauthenticateAtNanos;

    public InterBrokerChannel(String clientId, String host, int port, int connectTimeoutMs) {
        this(clientId, host, port, connectTimeoutMs, null);
    }

    /** A channel with {@code security}'s TLS and SASL (null: PLAINTEXT). */
    public InterBrokerChannel(String clientId, String host, int port, int connectTimeoutMs, InterBrokerSecurity security) {
        this.tls = security == null ? null : security.tls();
        this.sasl = security == null ? null : security.sasl();
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
            if (socket == null) {
                open();
            } else if (reauthenticateAtNanos != 0 && System.nanoTime() - reauthenticateAtNanos > 0) {
                authenticate(true);
            }
            return exchange(api, version, request, timeoutMs);
        } catch (IOException e) {
            close();
            throw e;
        } catch (MalformedMessageException | IllegalStateException | IllegalArgumentException e) {
            close();
            throw new IOException("malformed " + api.displayName + " v" + version + " response from " + address() + ": " + e.getMessage(), e);
        }
    }

    /** One request and its response on the open socket. */
    @SuppressWarnings("unchecked")
    private <R extends ApiMessage> R exchange(ApiKeys api, short version, ApiMessage request, int timeoutMs) throws IOException {
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
    }

    /**
     * SaslHandshake v1 and SaslAuthenticate v1 until the mechanism is done; remembers when to re-authenticate.
     *
     * @throws IOException the other broker refused the mechanism or the credentials, or answered a bad token
     */
    private void authenticate(boolean again) throws IOException {
        SaslClientMechanism m = SaslClientMechanism.create(sasl.mechanism(), sasl.username(), sasl.password());
        SaslHandshakeRequest hs = new SaslHandshakeRequest();
        hs.mechanism = m.mechanism();
        SaslHandshakeResponse hr = exchange(ApiKeys.SASL_HANDSHAKE, (short) 1, hs, connectTimeoutMs);
        if (hr.errorCode != Errors.NONE.code()) {
            throw new IOException("SASL handshake with broker " + address() + " failed: " + Errors.forCode(hr.errorCode)
                    + " (mechanism " + m.mechanism() + ", the broker enables " + hr.mechanisms + ")");
        }
        byte[] token = m.initialResponse();
        long lifetimeMs = 0;
        while (token != null) {
            SaslAuthenticateRequest ar = new SaslAuthenticateRequest();
            ar.authBytes = token;
            SaslAuthenticateResponse resp = exchange(ApiKeys.SASL_AUTHENTICATE, (short) 1, ar, connectTimeoutMs);
            if (resp.errorCode != Errors.NONE.code()) {
                throw new IOException("SASL authentication of " + sasl.username() + " (" + m.mechanism() + ") with broker " + address()
                        + " failed: " + Errors.forCode(resp.errorCode) + (resp.errorMessage == null ? "" : ": " + resp.errorMessage));
            }
            lifetimeMs = resp.sessionLifetimeMs;
            try {
                token = m.evaluate(resp.authBytes == null ? new byte[0] : resp.authBytes);
            } catch (SaslException e) {
                throw new IOException("SASL authentication with broker " + address() + " failed: " + e.getMessage(), e);
            }
        }
        if (!m.isComplete()) throw new IOException("SASL authentication with broker " + address() + " did not complete");
        if (lifetimeMs > 0) {
            // as Kafka's clients: at a random point between 85 % and 95 % of the session's lifetime
            long afterNanos = (long) (lifetimeMs * 1_000_000L * (0.85 + 0.10 * ThreadLocalRandom.current().nextDouble()));
            reauthenticateAtNanos = System.nanoTime() + Math.max(1, afterNanos);
            if (reauthenticateAtNanos == 0) reauthenticateAtNanos = 1;
        } else {
            reauthenticateAtNanos = 0;
        }
        log.debug("{} {}authenticated as {} ({}) with broker {}; session lifetime {} ms", clientId, again ? "re-" : "",
                sasl.username(), m.mechanism(), address(), lifetimeMs);
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
        reauthenticateAtNanos = 0;
        if (sasl != null) authenticate(false); // on failure the caller closes the socket
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
