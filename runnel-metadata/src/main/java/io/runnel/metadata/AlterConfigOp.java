package io.runnel.metadata;

import java.util.Objects;

/**
 * One IncrementalAlterConfigs operation on a config key. {@code value} is ignored for DELETE. APPEND
 * and SUBTRACT apply to LIST configs only and add or remove comma-separated items.
 */
public record AlterConfigOp(String name, OpType op, String value) {
    /** Kafka's operation types and their wire ids. */
    public enum OpType {
        SET(0), DELETE(1), APPEND(2), SUBTRACT(3);

        private final byte id;

        OpType(int id) {
            this.id = (byte) id;
        }

        public byte id() {
            return id;
        }

        /** The op for a wire id, or null when unknown. */
        public static OpType forId(byte id) {
            for (OpType t : values()) if (t.id == id) return t;
            return null;
        }
    }

    public AlterConfigOp {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(op, "op");
    }

    public static AlterConfigOp set(String name, String value) {
        return new AlterConfigOp(name, OpType.SET, value);
    }

    public static AlterConfigOp delete(String name) {
        return new AlterConfigOp(name, OpType.DELETE, null);
    }

    public static AlterConfigOp append(String name, String value) {
        return new AlterConfigOp(name, OpType.APPEND, value);
    }

    public static AlterConfigOp subtract(String name, String value) {
        return new AlterConfigOp(name, OpType.SUBTRACT, value);
    }
}
