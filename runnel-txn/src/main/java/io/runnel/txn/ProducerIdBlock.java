package io.runnel.txn;

/**
 * A range of producer ids the controller handed to this broker: {@code [firstProducerId, firstProducerId + size)}.
 * Blocks never overlap across brokers or restarts (the controller records them in the metadata log).
 */
public record ProducerIdBlock(long firstProducerId, int size) {
    public ProducerIdBlock {
        if (firstProducerId < 0 || size < 1) throw new IllegalArgumentException("bad producer id block " + firstProducerId + "+" + size);
    }

    public long lastProducerId() {
        return firstProducerId + size - 1;
    }
}
