package io.runnel.broker.handler.group;

import io.runnel.broker.handler.RequestContext;
import io.runnel.common.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/** What the group handlers share: client identity as Kafka records it, and error translation. */
public final class GroupHandlerSupport {
    private static final Logger log = LoggerFactory.getLogger(GroupHandlerSupport.class);

    private GroupHandlerSupport() {
    }

    /** The client host as Kafka stores it in group metadata: the address with a leading '/'. */
    static String clientHost(RequestContext ctx) {
        SocketAddress a = ctx.clientAddress();
        if (a instanceof InetSocketAddress i && i.getAddress() != null) return i.getAddress().toString();
        return a == null ? "" : a.toString();
    }

    static String clientId(RequestContext ctx) {
        String id = ctx.clientId();
        return id == null ? "" : id;
    }

    /** The error code for a coordinator future that failed unexpectedly (logged unless it carries a code). */
    public static Errors errorOf(Throwable t) {
        Throwable c = t;
        while ((c instanceof CompletionException || c instanceof ExecutionException) && c.getCause() != null) c = c.getCause();
        Errors e = Errors.forException(c);
        if (e == Errors.UNKNOWN_SERVER_ERROR) log.error("group coordinator request failed", c);
        return e;
    }

    public static String nullToEmpty(String s) {
        return s == null ? "" : s;
    }
}
