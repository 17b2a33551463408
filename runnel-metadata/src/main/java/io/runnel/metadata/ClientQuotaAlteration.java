package io.runnel.metadata;

import java.util.List;

/**
 * One entry of AlterClientQuotas: the entity and its operations, each a key with a new value, or a removal
 * ({@code value} null).
 */
public record ClientQuotaAlteration(ClientQuotaEntity entity, List<Op> ops) {
    public ClientQuotaAlteration {
        ops = List.copyOf(ops);
    }

    /** Sets {@code key} to {@code value}, or removes it when {@code value} is null. */
    public record Op(String key, Double value) {
    }
}
