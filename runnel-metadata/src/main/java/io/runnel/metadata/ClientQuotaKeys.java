package io.runnel.metadata;

import io.runnel.common.Errors;

/**
 * Kafka's client quota keys (QuotaConfig): which entity types each applies to and its value type, with Kafka's
 * checks of a new value.
 */
public final class ClientQuotaKeys {
    public static final String PRODUCER_BYTE_RATE = "producer_byte_rate";
    public static final String CONSUMER_BYTE_RATE = "consumer_byte_rate";
    public static final String REQUEST_PERCENTAGE = "request_percentage";
    public static final String CONTROLLER_MUTATION_RATE = "controller_mutation_rate";
    public static final String CONNECTION_CREATION_RATE = "connection_creation_rate";

    private ClientQuotaKeys() {
    }

    /** Why {@code key} cannot be set on or removed from {@code entity} (INVALID_REQUEST), or null. */
    public static ApiError checkKey(ClientQuotaEntity entity, String key) {
        boolean ip = entity.entries().containsKey(ClientQuotaEntity.IP);
        switch (key) {
            case PRODUCER_BYTE_RATE, CONSUMER_BYTE_RATE, REQUEST_PERCENTAGE, CONTROLLER_MUTATION_RATE, CONNECTION_CREATION_RATE -> {
            }
            default -> {
                return ApiError.of(Errors.INVALID_REQUEST, "Invalid configuration key " + key);
            }
        }
        if (ip != key.equals(CONNECTION_CREATION_RATE)) {
            return ApiError.of(Errors.INVALID_REQUEST, "Invalid configuration key " + key + " for "
                    + (ip ? "an ip" : "a user/client-id") + " quota entity");
        }
        return null;
    }

    /** Why {@code value} for {@code key} on {@code entity} is refused (INVALID_REQUEST), or null. */
    public static ApiError check(ClientQuotaEntity entity, String key, double value) {
        ApiError e = checkKey(entity, key);
        if (e != null) return e;
        if (Double.isNaN(value) || Double.isInfinite(value) || value <= 0) {
            return ApiError.of(Errors.INVALID_REQUEST, "Quota " + key + " must be a positive number, not " + value);
        }
        boolean integral = !key.equals(REQUEST_PERCENTAGE) && !key.equals(CONTROLLER_MUTATION_RATE);
        boolean isInt = key.equals(CONNECTION_CREATION_RATE);
        if (integral && (value != Math.rint(value) || value > (isInt ? Integer.MAX_VALUE : Long.MAX_VALUE))) {
            return ApiError.of(Errors.INVALID_REQUEST, "Configuration " + key + " must be a " + (isInt ? "Int" : "Long") + " value");
        }
        return null;
    }
}
