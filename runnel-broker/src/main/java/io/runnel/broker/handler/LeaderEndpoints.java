package io.runnel.broker.handler;

import io.runnel.broker.BrokerContext;
import io.runnel.metadata.BrokerRegistration;

import java.util.Collection;

/**
 * KIP-951: a Produce or Fetch answer with NOT_LEADER_OR_FOLLOWER names the new leader, and the response lists
 * that broker's endpoint on the listener the request came in on, so the client moves without a metadata round trip.
 */
final class LeaderEndpoints {
    private LeaderEndpoints() {
    }

    /** An endpoint to add to the response: node id, host, port, rack. */
    interface Sink {
        void add(int nodeId, String host, int port, String rack);
    }

    /** Adds the endpoint of every broker in {@code leaderIds} that is registered and has the request's listener. */
    static void add(BrokerContext broker, String listener, Collection<Integer> leaderIds, Sink sink) {
        for (int id : leaderIds) {
            if (id < 0) continue;
            BrokerRegistration b = broker.image().broker(id);
            if (b == null || b.fenced()) continue;
            BrokerRegistration.Endpoint e = listener == null ? null : BrokerContext.endpoint(b, listener);
            if (e == null && !b.endpoints().isEmpty()) e = b.endpoints().get(0);
            if (e != null) sink.add(id, e.host(), e.port(), b.rack());
        }
    }
}
