package io.runnel.metadata;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.concurrent.CompletableFuture;

/**
 * How the active controller looks for evidence that a broker whose heartbeat is late has died: a TCP connect to
 * its registered listener. A process that is gone leaves nothing listening on the port, so the connection is
 * refused at once; a paused or slow process still accepts (the kernel completes the handshake into its backlog).
 * Only {@link Outcome#REFUSED} is evidence; every other outcome leaves the broker to its session timeout.
 */
interface BrokerProber {
    enum Outcome {
        /** Connection refused: nothing listens on the broker's port. */
        REFUSED,
        /** The connection was accepted (and closed at once). */
        ACCEPTED,
        /** No answer within the timeout, or another failure (unknown host, no route, ...): not evidence. */
        NO_ANSWER
    }

    /** Connects to {@code host:port} within {@code timeoutMs}, off the caller's thread; the future never fails. */
    CompletableFuture<Outcome> probe(String host, int port, int timeoutMs);

    /** The real prober: one virtual thread per probe, a blocking connect with a timeout. */
    BrokerProber TCP = (host, port, timeoutMs) -> {
        CompletableFuture<Outcome> f = new CompletableFuture<>();
        Thread.ofVirtual().name("runnel-broker-probe-" + host + ":" + port).start(() -> f.complete(connect(host, port, timeoutMs)));
        return f;
    };

    /** One blocking connect attempt; see {@link Outcome}. */
    static Outcome connect(String host, int port, int timeoutMs) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, port), Math.max(1, timeoutMs));
            return Outcome.ACCEPTED;
        } catch (InterruptedIOException e) {
            return Outcome.NO_ANSWER; // our timeout (SocketTimeoutException)
        } catch (ConnectException e) {
            // ECONNREFUSED; the kernel's own ETIMEDOUT also maps to ConnectException but cannot come before our
            // (much shorter) timeout, and is told apart by its message anyway
            String m = e.getMessage();
            return m != null && m.toLowerCase(java.util.Locale.ROOT).contains("timed out") ? Outcome.NO_ANSWER : Outcome.REFUSED;
        } catch (IOException | RuntimeException e) {
            return Outcome.NO_ANSWER; // unresolved host, no route, ...: not evidence that the process is gone
        }
    }
}
