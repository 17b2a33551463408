package io.runnel.it;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A Kafka-aware TCP proxy between clients and a broker. It forwards every request frame as is and
 * remembers each request's api key by correlation id; for the first {@code produceResponsesToDrop}
 * Produce responses it instead cuts both connections without forwarding the response. The broker has
 * then appended the batch, but the client never hears so and must send the batch again.
 */
public final class TcpProxy implements AutoCloseable {
    private static final short PRODUCE = 0;

    private final ServerSocket server;
    private final int brokerPort;
    private final AtomicInteger dropsLeft;
    private final AtomicInteger dropped = new AtomicInteger();
    private final AtomicInteger produceRequests = new AtomicInteger();
    /** api key → the request versions forwarded. */
    private final Map<Short, java.util.Set<Short>> versions = new ConcurrentHashMap<>();
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final Thread acceptor;
    private volatile boolean closed;

    /** Listens on {@code listenPort} (0 = any free port) and forwards to 127.0.0.1:{@code brokerPort}. */
    public TcpProxy(int listenPort, int brokerPort, int produceResponsesToDrop) {
        try {
            server = new ServerSocket();
            server.setReuseAddress(true);
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), listenPort));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        this.brokerPort = brokerPort;
        this.dropsLeft = new AtomicInteger(produceResponsesToDrop);
        acceptor = new Thread(this::acceptLoop, "it-proxy-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    public int port() {
        return server.getLocalPort();
    }

    private volatile Runnable onDrop = () -> { };

    /** A request held back: its upstream connection (kept open), its frame, and its response once released. */
    private record Held(Socket upstream, byte[] frame, int correlationId, java.util.concurrent.CompletableFuture<byte[]> response) {
    }

    private volatile short holdApi = -1;
    private volatile Held held;

    /**
     * Holds back the next request of {@code apiKey}: it is not forwarded, and the client's connection is cut (the
     * client retries on a new connection) while its upstream connection stays open. {@link #releaseHeld} later sends
     * it there: a late duplicate of a request, as a slow network delivers one.
     */
    public void holdNext(int apiKey) {
        held = null;
        holdApi = (short) apiKey;
    }

    /** Whether a request is being held back. */
    public boolean holding() {
        return held != null;
    }

    /** The version of the held request. */
    public short heldVersion() {
        byte[] f = held.frame;
        return (short) (((f[2] & 0xff) << 8) | (f[3] & 0xff));
    }

    /** Sends the held request upstream and returns its response frame (correlation id first). */
    public byte[] releaseHeld(long timeoutMs) throws Exception {
        Held h = held;
        if (h == null) throw new IllegalStateException("no request held");
        writeFrame(h.upstream.getOutputStream(), h.frame.length, h.frame);
        return h.response.get(timeoutMs, java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    /** Swallows the next {@code n} Produce responses (cutting the connection each time). */
    public void dropNextProduceResponses(int n) {
        dropsLeft.set(n);
    }

    /**
     * Runs {@code action} each time a Produce response is swallowed, after the connections are cut and
     * before any further response is forwarded on that connection (there is none: it is closed).
     */
    public void onDrop(Runnable action) {
        this.onDrop = action;
    }

    /** Produce responses swallowed so far (each with its connections cut). */
    public int dropped() {
        return dropped.get();
    }

    /** The versions of the requests of {@code apiKey} forwarded so far (empty: none was sent). */
    public java.util.Set<Short> versionsSent(int apiKey) {
        return java.util.Set.copyOf(versions.getOrDefault((short) apiKey, java.util.Set.of()));
    }

    /** Produce requests forwarded so far. */
    public int produceRequests() {
        return produceRequests.get();
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                Socket client = server.accept();
                Socket upstream = new Socket();
                try {
                    upstream.connect(new InetSocketAddress("127.0.0.1", brokerPort), 5_000);
                } catch (IOException e) {
                    // broker down: refuse the client at once, as the broker itself would
                    closeBoth(client, upstream);
                    continue;
                }
                client.setTcpNoDelay(true);
                upstream.setTcpNoDelay(true);
                sockets.add(client);
                sockets.add(upstream);
                Map<Integer, Short> apiByCorrelation = new ConcurrentHashMap<>();
                start("it-proxy-up", () -> pumpRequests(client, upstream, apiByCorrelation));
                start("it-proxy-down", () -> pumpResponses(upstream, client, apiByCorrelation));
            } catch (IOException e) {
                if (!closed) sleep(10);
            }
        }
    }

    private static void start(String name, Runnable r) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        t.start();
    }

    private void pumpRequests(Socket from, Socket to, Map<Integer, Short> apiByCorrelation) {
        try {
            DataInputStream in = new DataInputStream(from.getInputStream());
            OutputStream out = to.getOutputStream();
            while (true) {
                int size = in.readInt();
                byte[] frame = new byte[size];
                in.readFully(frame);
                short apiKey = (short) (((frame[0] & 0xff) << 8) | (frame[1] & 0xff));
                int correlationId = ((frame[4] & 0xff) << 24) | ((frame[5] & 0xff) << 16) | ((frame[6] & 0xff) << 8) | (frame[7] & 0xff);
                apiByCorrelation.put(correlationId, apiKey);
                short apiVersion = (short) (((frame[2] & 0xff) << 8) | (frame[3] & 0xff));
                versions.computeIfAbsent(apiKey, k -> ConcurrentHashMap.newKeySet()).add(apiVersion);
                if (apiKey == PRODUCE) produceRequests.incrementAndGet();
                if (apiKey == holdApi && held == null) {
                    holdApi = -1;
                    held = new Held(to, frame, correlationId, new java.util.concurrent.CompletableFuture<>());
                    from.close(); // the client sees a broken connection and retries; upstream stays open
                    return;
                }
                writeFrame(out, size, frame);
            }
        } catch (IOException | RuntimeException e) {
            closeBoth(from, to);
        }
    }

    private void pumpResponses(Socket from, Socket to, Map<Integer, Short> apiByCorrelation) {
        try {
            DataInputStream in = new DataInputStream(from.getInputStream());
            OutputStream out = to.getOutputStream();
            while (true) {
                int size = in.readInt();
                byte[] frame = new byte[size];
                in.readFully(frame);
                int correlationId = ((frame[0] & 0xff) << 24) | ((frame[1] & 0xff) << 16) | ((frame[2] & 0xff) << 8) | (frame[3] & 0xff);
                Short api = apiByCorrelation.remove(correlationId);
                Held h = held;
                if (h != null && h.upstream == from) {
                    if (h.correlationId != correlationId) continue; // this connection's client is gone
                    h.response.complete(frame);
                    closeBoth(from, to);
                    return;
                }
                if (api != null && api == PRODUCE && dropsLeft.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                    closeBoth(from, to);
                    onDrop.run();
                    dropped.incrementAndGet();
                    return;
                }
                writeFrame(out, size, frame);
            }
        } catch (EOFException e) {
            closeBoth(from, to);
        } catch (IOException | RuntimeException e) {
            closeBoth(from, to);
        }
    }

    private static void writeFrame(OutputStream out, int size, byte[] frame) throws IOException {
        byte[] b = new byte[4 + frame.length];
        b[0] = (byte) (size >>> 24);
        b[1] = (byte) (size >>> 16);
        b[2] = (byte) (size >>> 8);
        b[3] = (byte) size;
        System.arraycopy(frame, 0, b, 4, frame.length);
        out.write(b);
        out.flush();
    }

    private static void closeBoth(Socket a, Socket b) {
        try {
            a.close();
        } catch (IOException ignored) {
            // closing
        }
        try {
            b.close();
        } catch (IOException ignored) {
            // closing
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException ignored) {
            // closing
        }
        for (Socket s : sockets) {
            try {
                s.close();
            } catch (IOException ignored) {
                // closing
            }
        }
        try {
            acceptor.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
