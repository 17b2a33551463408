package io.runnel.broker.network;

import io.runnel.protocol.ApiMessage;
import io.runnel.protocol.message.CreatePartitionsResponse;
import io.runnel.protocol.message.CreateTopicsResponse;
import io.runnel.protocol.message.DeleteTopicsResponse;
import io.runnel.protocol.message.FetchResponse;
import io.runnel.protocol.message.ProduceResponse;

/** The throttle time a quota put in a response (the APIs whose handlers enforce quotas), else 0. */
final class Throttle {
    private Throttle() {
    }

    static int timeMs(ApiMessage response) {
        return switch (response) {
            case null -> 0;
            case ProduceResponse r -> r.throttleTimeMs;
            case FetchResponse r -> r.throttleTimeMs;
            case CreateTopicsResponse r -> r.throttleTimeMs;
            case CreatePartitionsResponse r -> r.throttleTimeMs;
            case DeleteTopicsResponse r -> r.throttleTimeMs;
            default -> 0;
        };
    }
}
