package io.runnel.broker.handler;

import io.runnel.protocol.ApiMessage;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The throttle_time_ms of a response, read and raised generically (the network layer mutes by it, quota wrappers
 * raise it): every generated response with a
 * {@code throttleTimeMs} field (found once per class, then accessed through a {@link VarHandle}). A version of the
 * API without the field does not send it, but the connection is muted all the same.
 */
public final class ThrottleTime {
    private static final ClassValue<VarHandle> FIELD = new ClassValue<>() {
        @Override
        protected VarHandle computeValue(Class<?> type) {
            try {
                return MethodHandles.publicLookup().findVarHandle(type, "throttleTimeMs", int.class);
            } catch (NoSuchFieldException | IllegalAccessException e) {
                return null;
            }
        }
    };

    private ThrottleTime() {
    }

    /** Whether responses of this class carry a throttle time. */
    public static boolean hasThrottleTime(ApiMessage response) {
        return response != null && FIELD.get(response.getClass()) != null;
    }

    /** The throttle time a quota put in a response, else 0. */
    public static int timeMs(ApiMessage response) {
        if (response == null) return 0;
        VarHandle f = FIELD.get(response.getClass());
        return f == null ? 0 : (int) f.get(response);
    }

    /** Raises the response's throttle time to {@code ms} (the larger of two quotas' wins, as Kafka's). */
    public static void raise(ApiMessage response, long ms) {
        if (response == null || ms <= 0) return;
        VarHandle f = FIELD.get(response.getClass());
        if (f == null) return;
        int v = (int) Math.min(Integer.MAX_VALUE, ms);
        if ((int) f.get(response) < v) f.set(response, v);
    }
}
