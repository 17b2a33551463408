package io.runnel.cli;

import io.runnel.common.Errors;
import io.runnel.protocol.ApiKeys;
import io.runnel.protocol.ApiMessage;
import io.runnel.protocol.ByteBufferReadable;
import io.runnel.protocol.GrowableWritable;
import io.runnel.protocol.MalformedMessageException;
import io.runnel.protocol.RequestHeader;
import io.runnel.protocol.message.ApiVersionsRequest;
import io.runnel.protocol.message.ApiVersionsResponse;
import io.runnel.protocol.message.FindCoordinatorRequest;
import io.runnel.protocol.message.FindCoordinatorResponse;
import io.runnel.protocol.message.SaslAuthenticateRequest;
import io.runnel.protocol.message.SaslAuthenticateResponse;
import io.runnel.protocol.message.SaslHandshakeRequest;
import io.runnel.protocol.message.SaslHandshakeResponse;
import io.runnel.common.security.SaslClientMechanism;

import javax.net.ssl.SSLException;
import javax.security.sasl.SaslException;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * A small blocking Kafka protocol client: one socket to a bootstrap broker, plus one per other broker it is
 * sent to (a group coordinator, a partition leader). Each connection negotiates its versions with
 * ApiVersions (per API the highest version both sides implement) and then sends one request at a time:
 * request header + a generated request class, and decodes the generated response class after the response
 * header (v0 or v1, {@link ApiKeys#responseHeaderVersion}).
 *
 * <p>Every operation of one client shares a single deadline (the command's {@code --timeout}): connects and
 * reads wait at most for what is left of it, so a command never hangs longer than its timeout.
 *
 * <p>With a {@link CommandConfig} ({@code --command-config}) each connection is a TLS socket (SSL, SASL_SSL) and/or
 * authenticates with SASL right after ApiVersions: SaslHandshake v1 names the mechanism, then SaslAuthenticate
 * carries the tokens of runnel-common's {@link SaslClientMechanism} until the exchange is over (as Kafka's
 * clients do); a refused login is {@code SASL_AUTHENTICATION_FAILED}.
 *
 * <p>Failures are {@link CliException}s: unreachable brokers, timeouts and malformed answers without an
 * error code, broker errors with their {@link Errors} code. Not thread-safe.
 */
public final class KafkaProtocolClient implements AutoCloseable {
    public static final String CLIENT_SOFTWARE_NAME = "runnel-cli";
    public static final String CLIENT_SOFTWARE_VERSION = "0.1.0";
    /** Answers larger than this are treated as a broken stream, not allocated. */
    private static final int MAX_RESPONSE_BYTES = 256 * 1024 * 1024;
    /** Retriable errors of coordinator and leader lookups, retried until the deadline. */
    private static final Set<Errors> RETRIABLE = Set.of(Errors.COORDINATOR_LOAD_IN_PROGRESS, Errors.COORDINATOR_NOT_AVAILABLE,
            Errors.NOT_COORDINATOR, Errors.LEADER_NOT_AVAILABLE, Errors.NOT_LEADER_OR_FOLLOWER, Errors.REQUEST_TIMED_OUT);

    /** A broker address. {@code id} is -1 for a bootstrap address. */
    public record Node(int id, String host, int port) {
        public String address() {
            return host.indexOf(':') >= 0 ? "[" + host + "]:" + port : host + ":" + port;
        }
    }

    private final List<Node> bootstrapServers;
    private final String clientId;
    private final CommandConfig security;
    private final long timeoutMs;
    private final long deadlineNanos;
    private final Map<String, BrokerConnection> connections = new LinkedHashMap<>();
    private BrokerConnection bootstrap;

    /**
     * @param bootstrapServers "host:port[,host:port...]"
     * @param timeout          the time every operation of this client together may take
     * @throws IllegalArgumentException when {@code bootstrapServers} does not parse (a usage error)
     */
    public KafkaProtocolClient(String bootstrapServers, String clientId, Duration timeout) {
        this(bootstrapServers, clientId, timeout, CommandConfig.PLAINTEXT);
    }

    /** As above, with the security settings of {@code --command-config}. */
    KafkaProtocolClient(String bootstrapServers, String clientId, Duration timeout, CommandConfig security) {
        this.bootstrapServers = parseBootstrap(bootstrapServers);
        this.clientId = clientId;
        this.security = security;
        this.timeoutMs = timeout.toMillis();
        this.deadlineNanos = System.nanoTime() + timeout.toNanos();
    }

    /** Parses "host:port,host:port" ("[v6addr]:port" for IPv6 literals). */
    public static List<Node> parseBootstrap(String s) {
        if (s == null || s.isBlank()) throw new IllegalArgumentException("no bootstrap server given");
        List<Node> out = new ArrayList<>();
        for (String part : s.split(",")) {
            String p = part.trim();
            if (p.isEmpty()) continue;
            int colon = p.lastIndexOf(':');
            if (colon <= 0 || colon == p.length() - 1) {
                throw new IllegalArgumentException("bootstrap server '" + p + "' is not host:port");
            }
            String host = p.substring(0, colon);
            if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
            int port;
            try {
                port = Integer.parseInt(p.substring(colon + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bootstrap server '" + p + "' has no valid port");
            }
            if (port < 1 || port > 65535) throw new IllegalArgumentException("bootstrap server '" + p + "' has no valid port");
            out.add(new Node(-1, host, port));
        }
        if (out.isEmpty()) throw new IllegalArgumentException("no bootstrap server given");
        return out;
    }

    /** Milliseconds left before the deadline (0 when it has passed). */
    public long remainingMs() {
        return Math.max(0, (deadlineNanos - System.nanoTime()) / 1_000_000);
    }

    public long timeoutMs() {
        return timeoutMs;
    }

    private void checkDeadline(String what) {
        if (System.nanoTime() - deadlineNanos >= 0) {
            throw new CliException("timed out after " + timeoutMs + " ms " + what);
        }
    }

    /** The connection to the first bootstrap server that accepts one and answers ApiVersions. */
    public BrokerConnection bootstrap() {
        if (bootstrap != null && bootstrap.isOpen()) return bootstrap;
        CliException last = null;
        for (Node n : bootstrapServers) {
            try {
                bootstrap = connection(n);
                return bootstrap;
            } catch (CliException e) {
                last = e;
                if (remainingMs() == 0) break;
            }
        }
        if (bootstrapServers.size() == 1) throw last;
        throw new CliException("no bootstrap server could be reached; last: " + last.getMessage(), last);
    }

    /** A (cached) connection to {@code node}, opened and version-negotiated on first use. */
    public BrokerConnection connection(Node node) {
        String key = node.host() + ":" + node.port();
        BrokerConnection c = connections.get(key);
        if (c != null && c.isOpen()) {
            if (c.node.id() < 0 && node.id() >= 0) c.node = node; // a bootstrap address turned out to be this broker
            return c;
        }
        c = new BrokerConnection(node);
        c.open();
        connections.put(key, c);
        return c;
    }

    /** Sends {@code request} to the bootstrap broker at the negotiated version of {@code api}. */
    public <R extends ApiMessage> R send(ApiKeys api, ApiMessage request) {
        BrokerConnection c = bootstrap();
        return c.send(api, c.version(api), request);
    }

    /**
     * Runs {@code action}, and runs it again after a short pause while it fails with a retriable error
     * (coordinator loading or moving, leader election), until the deadline; then throws the last failure.
     */
    public <T> T retrying(Supplier<T> action) {
        long backoffMs = 50;
        while (true) {
            try {
                return action.get();
            } catch (CliException e) {
                if (e.error() == null || !RETRIABLE.contains(e.error()) || remainingMs() <= backoffMs) throw e;
                try {
                    Thread.sleep(backoffMs);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
                backoffMs = Math.min(1000, backoffMs * 2);
            }
        }
    }

    /** FindCoordinator key types. */
    public static final byte GROUP_KEY = 0, TRANSACTION_KEY = 1;

    /** The coordinator of {@code groupId} (FindCoordinator, key type 0), asked from the bootstrap broker. */
    public Node findCoordinator(String groupId) {
        return findCoordinator(GROUP_KEY, groupId);
    }

    /** The coordinator of {@code key} of {@code keyType} (0 a group, 1 a transactional id), asked from the bootstrap broker. */
    public Node findCoordinator(byte keyType, String key) {
        BrokerConnection c = bootstrap();
        short v = c.version(ApiKeys.FIND_COORDINATOR);
        FindCoordinatorRequest req = new FindCoordinatorRequest();
        req.keyType = keyType;
        if (v >= 4) req.coordinatorKeys = new ArrayList<>(List.of(key));
        else req.key = key;
        FindCoordinatorResponse resp = c.send(ApiKeys.FIND_COORDINATOR, v, req);
        String what = keyType == TRANSACTION_KEY ? "transactional id" : "group";
        if (v >= 4) {
            for (FindCoordinatorResponse.Coordinator co : resp.coordinators) {
                if (!key.equals(co.key)) continue;
                Errors e = Errors.forCode(co.errorCode);
                if (e != Errors.NONE) throw CliException.of(e, co.errorMessage);
                return new Node(co.nodeId, co.host, co.port);
            }
            throw new CliException("FindCoordinator answered without the " + what + " '" + key + "'");
        }
        Errors e = Errors.forCode(resp.errorCode);
        if (e != Errors.NONE) throw CliException.of(e, resp.errorMessage);
        return new Node(resp.nodeId, resp.host, resp.port);
    }

    /** The connection to the coordinator of {@code groupId}, retrying while it is not available. */
    public BrokerConnection coordinator(String groupId) {
        return connection(retrying(() -> findCoordinator(GROUP_KEY, groupId)));
    }

    /** The connection to the transaction coordinator of {@code transactionalId}, retrying while it is not available. */
    public BrokerConnection transactionCoordinator(String transactionalId) {
        return connection(retrying(() -> findCoordinator(TRANSACTION_KEY, transactionalId)));
    }

    @Override
    public void close() {
        for (BrokerConnection c : connections.values()) c.close();
        connections.clear();
        bootstrap = null;
    }

    /** One socket to one broker and the API versions negotiated on it. */
    public final class BrokerConnection {
        private Node node;
        private Socket socket;
        private DataInputStream in;
        private OutputStream out;
        private final Map<ApiKeys, Short> versions = new EnumMap<>(ApiKeys.class);
        private ApiVersionsResponse apiVersions;
        private int nextCorrelationId;

        private BrokerConnection(Node node) {
            this.node = node;
        }

        public Node node() {
            return node;
        }

        boolean isOpen() {
            return socket != null && !socket.isClosed();
        }

        private void open() {
            checkDeadline("before connecting to " + node.address());
            Socket s = new Socket();
            try {
                s.setTcpNoDelay(true);
                s.connect(new InetSocketAddress(node.host(), node.port()), (int) Math.max(1, remainingMs()));
            } catch (UnknownHostException e) {
                closeQuietly(s);
                throw new CliException("cannot connect to " + node.address() + ": unknown host " + node.host(), e);
            } catch (SocketTimeoutException e) {
                closeQuietly(s);
                throw new CliException("cannot connect to " + node.address() + ": timed out after " + timeoutMs + " ms", e);
            } catch (ConnectException e) {
                closeQuietly(s);
                throw new CliException("cannot connect to " + node.address() + ": " + e.getMessage()
                        + " (is a broker running there?)", e);
            } catch (IOException | IllegalArgumentException e) {
                closeQuietly(s);
                throw new CliException("cannot connect to " + node.address() + ": " + e.getMessage(), e);
            }
            if (security.ssl() != null) {
                try {
                    s.setSoTimeout((int) Math.max(1, Math.min(Integer.MAX_VALUE, remainingMs())));
                    s = security.ssl().clientSocket(s, node.host(), node.port());
                } catch (SocketTimeoutException e) {
                    closeQuietly(s);
                    throw new CliException("TLS handshake with " + node.address() + " timed out after " + timeoutMs + " ms", e);
                } catch (SSLException e) {
                    closeQuietly(s);
                    throw new CliException("TLS handshake with " + node.address() + " failed: " + e.getMessage()
                            + " (check ssl.truststore.* and ssl.endpoint.identification.algorithm in --command-config)", e);
                } catch (IOException e) {
                    closeQuietly(s);
                    throw new CliException("TLS handshake with " + node.address() + " failed: " + e
                            + " (is it an SSL listener?)", e);
                }
            }
            try {
                socket = s;
                in = new DataInputStream(new BufferedInputStream(s.getInputStream(), 64 * 1024));
                out = new BufferedOutputStream(s.getOutputStream(), 64 * 1024);
            } catch (IOException e) {
                close();
                throw new CliException("cannot connect to " + node.address() + ": " + e.getMessage(), e);
            }
            negotiateVersions();
            if (security.usesSasl()) authenticate();
        }

        /** SaslHandshake v1 and SaslAuthenticate rounds until the mechanism is done; closes the socket on failure. */
        private void authenticate() {
            SaslClientMechanism mechanism = security.newSaslClient();
            if (!supports(ApiKeys.SASL_HANDSHAKE) || version(ApiKeys.SASL_HANDSHAKE) < 1 || !supports(ApiKeys.SASL_AUTHENTICATE)) {
                close();
                throw new CliException(Errors.UNSUPPORTED_VERSION, node.address() + " does not offer SaslHandshake v1 and SaslAuthenticate");
            }
            SaslHandshakeRequest hs = new SaslHandshakeRequest();
            hs.mechanism = mechanism.mechanism();
            SaslHandshakeResponse hsr = send(ApiKeys.SASL_HANDSHAKE, (short) 1, hs);
            Errors e = Errors.forCode(hsr.errorCode);
            if (e == Errors.UNSUPPORTED_SASL_MECHANISM) {
                close();
                throw new CliException(e, node.address() + " does not enable SASL mechanism " + mechanism.mechanism()
                        + "; it enables " + hsr.mechanisms);
            }
            if (e == Errors.ILLEGAL_SASL_STATE) {
                close();
                throw new CliException(e, node.address() + " does not expect SASL here (is it a PLAINTEXT or SSL listener? "
                        + "security.protocol is " + security.securityProtocol() + ")");
            }
            if (e != Errors.NONE) {
                close();
                throw CliException.of(e, "SaslHandshake failed on " + node.address());
            }
            byte[] token = mechanism.initialResponse();
            try {
                while (token != null) {
                    SaslAuthenticateRequest req = new SaslAuthenticateRequest();
                    req.authBytes = token;
                    SaslAuthenticateResponse resp = send(ApiKeys.SASL_AUTHENTICATE, req);
                    Errors err = Errors.forCode(resp.errorCode);
                    if (err != Errors.NONE) {
                        close();
                        throw CliException.of(err, resp.errorMessage);
                    }
                    token = mechanism.evaluate(resp.authBytes);
                }
            } catch (SaslException ex) {
                close();
                throw new CliException(Errors.SASL_AUTHENTICATION_FAILED, ex.getMessage() + " (" + node.address() + ")", ex);
            }
        }

        /**
         * ApiVersions at our highest version; a broker that does not know it answers v0 with
         * UNSUPPORTED_VERSION and its own range, and we ask again with the highest version both know.
         */
        private void negotiateVersions() {
            ApiKeys api = ApiKeys.API_VERSIONS;
            short version = api.highestVersion;
            for (int attempt = 0; ; attempt++) {
                ApiVersionsRequest req = new ApiVersionsRequest();
                req.clientSoftwareName = CLIENT_SOFTWARE_NAME;
                req.clientSoftwareVersion = CLIENT_SOFTWARE_VERSION;
                ByteBuffer body = roundTrip(api, version, req);
                short errorCode = body.remaining() >= 2 ? body.getShort(body.position()) : 0;
                ApiVersionsResponse resp = new ApiVersionsResponse();
                // an UNSUPPORTED_VERSION answer is always encoded as v0
                decode(resp, body, api, errorCode == Errors.UNSUPPORTED_VERSION.code() ? 0 : version);
                Errors error = Errors.forCode(resp.errorCode);
                if (error == Errors.UNSUPPORTED_VERSION && attempt == 0) {
                    Short common = null;
                    for (ApiVersionsResponse.ApiVersion av : resp.apiKeys) {
                        if (av.apiKey == api.id) common = common(api, av.minVersion, av.maxVersion);
                    }
                    if (common == null) {
                        close();
                        throw new CliException(Errors.UNSUPPORTED_VERSION, node.address() + " supports no ApiVersions version this client knows");
                    }
                    version = common;
                    continue;
                }
                if (error != Errors.NONE) {
                    close();
                    throw CliException.of(error, "ApiVersions failed on " + node.address() + ": " + error.message());
                }
                for (ApiVersionsResponse.ApiVersion av : resp.apiKeys) {
                    ApiKeys k = ApiKeys.forId(av.apiKey);
                    if (k == null) continue;
                    Short v = common(k, av.minVersion, av.maxVersion);
                    if (v != null) versions.put(k, v);
                }
                apiVersions = resp;
                return;
            }
        }

        /** The highest version in both [api.lowestVersion, api.highestVersion] and [min, max], or null. */
        private static Short common(ApiKeys api, short min, short max) {
            short hi = (short) Math.min(api.highestVersion, max);
            short lo = (short) Math.max(api.lowestVersion, min);
            return hi >= lo ? hi : null;
        }

        /** The broker's ApiVersions answer on this connection (its features, from v3). */
        public ApiVersionsResponse apiVersions() {
            return apiVersions;
        }

        public boolean supports(ApiKeys api) {
            return versions.containsKey(api);
        }

        /** The negotiated version of {@code api}; UNSUPPORTED_VERSION when the broker and we share none. */
        public short version(ApiKeys api) {
            Short v = versions.get(api);
            if (v == null) {
                throw new CliException(Errors.UNSUPPORTED_VERSION, "the broker at " + node.address() + " does not support "
                        + api.displayName + " in any version this client implements (" + api.lowestVersion + "-" + api.highestVersion + ")");
            }
            return v;
        }

        /** Sends {@code request} as {@code version} of {@code api} and returns the decoded response. */
        @SuppressWarnings("unchecked")
        public <R extends ApiMessage> R send(ApiKeys api, short version, ApiMessage request) {
            ByteBuffer body = roundTrip(api, version, request);
            ApiMessage resp = api.newResponse();
            decode(resp, body, api, version);
            return (R) resp;
        }

        public <R extends ApiMessage> R send(ApiKeys api, ApiMessage request) {
            return send(api, version(api), request);
        }

        private void decode(ApiMessage resp, ByteBuffer body, ApiKeys api, int version) {
            try {
                resp.read(new ByteBufferReadable(body), (short) version);
            } catch (MalformedMessageException | IllegalStateException e) {
                close();
                throw new CliException("malformed " + api.displayName + " v" + version + " response from " + node.address() + ": " + e.getMessage(), e);
            }
        }

        /** Writes one request frame and reads its response frame; returns the body after the response header. */
        private ByteBuffer roundTrip(ApiKeys api, short version, ApiMessage request) {
            if (!isOpen()) throw new CliException("connection to " + node.address() + " is closed");
            String what = "waiting for the " + api.displayName + " response from " + node.address();
            checkDeadline(what);
            int correlationId = nextCorrelationId++;
            GrowableWritable w = new GrowableWritable(256);
            w.writeInt(0); // size, patched below
            new RequestHeader(api.id, version, correlationId, clientId).write(w, api.requestHeaderVersion(version));
            try {
                request.write(w, version);
            } catch (IllegalStateException e) {
                throw new CliException("cannot encode " + api.displayName + " v" + version + ": " + e.getMessage(), e);
            }
            ByteBuffer frame = w.toByteBuffer();
            frame.putInt(0, frame.remaining() - 4);
            try {
                socket.setSoTimeout((int) Math.max(1, Math.min(Integer.MAX_VALUE, remainingMs())));
                out.write(frame.array(), frame.arrayOffset(), frame.remaining());
                out.flush();
                int size = in.readInt();
                if (size < 4 || size > MAX_RESPONSE_BYTES) {
                    close();
                    throw new CliException("invalid response size " + size + " " + what);
                }
                byte[] bytes = new byte[size];
                in.readFully(bytes);
                ByteBuffer buf = ByteBuffer.wrap(bytes);
                int gotCorrelation = buf.getInt();
                if (gotCorrelation != correlationId) {
                    close();
                    throw new CliException("response correlation id " + gotCorrelation + " does not match request " + correlationId + " " + what);
                }
                if (api.responseHeaderVersion(version) >= 1) {
                    ByteBufferReadable r = new ByteBufferReadable(buf);
                    int tagged = r.readUnsignedVarint();
                    for (int i = 0; i < tagged; i++) {
                        r.readUnsignedVarint();
                        r.skip(r.readUnsignedVarint());
                    }
                }
                return buf;
            } catch (SocketTimeoutException e) {
                close();
                throw new CliException("timed out after " + timeoutMs + " ms " + what, e);
            } catch (EOFException e) {
                close();
                String hint = security.usesSasl() ? "" : " Or does this listener need authentication (--command-config with SASL)?";
                throw new CliException("connection closed by the broker " + what
                        + " (does it speak the Kafka protocol, and does it support " + api.displayName + " v" + version + "?" + hint + ")", e);
            } catch (IOException e) {
                close();
                throw new CliException("connection to " + node.address() + " failed " + what + ": " + e.getMessage(), e);
            } catch (MalformedMessageException e) {
                close();
                throw new CliException("malformed response header " + what + ": " + e.getMessage(), e);
            }
        }

        void close() {
            if (socket != null) closeQuietly(socket);
        }
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }
}
