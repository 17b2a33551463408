package io.runnel.broker.handler;

/**
 * The {@code authorizedOperations} bit sets that Metadata, DescribeCluster, DescribeGroups and
 * ConsumerGroupDescribe report while authorization is off: every operation Kafka defines for the resource,
 * one bit per AclOperation code (READ 3, WRITE 4, CREATE 5, DELETE 6, ALTER 7, DESCRIBE 8, CLUSTER_ACTION 9,
 * DESCRIBE_CONFIGS 10, ALTER_CONFIGS 11, IDEMPOTENT_WRITE 12). The one place these sets are stated; an
 * authorizer will compute them per principal instead.
 */
public final class AuthorizedOperations {
    /** A topic: READ, WRITE, CREATE, DELETE, ALTER, DESCRIBE, DESCRIBE_CONFIGS, ALTER_CONFIGS. */
    public static final int ALL_TOPIC = bits(3, 4, 5, 6, 7, 8, 10, 11);
    /** The cluster: CREATE, ALTER, DESCRIBE, CLUSTER_ACTION, DESCRIBE_CONFIGS, ALTER_CONFIGS, IDEMPOTENT_WRITE. */
    public static final int ALL_CLUSTER = bits(5, 7, 8, 9, 10, 11, 12);
    /** A group: READ, DELETE, DESCRIBE. */
    public static final int ALL_GROUP = bits(3, 6, 8);
    /** The value when the client did not ask for authorized operations. */
    public static final int NOT_REQUESTED = Integer.MIN_VALUE;

    private AuthorizedOperations() {
    }

    static int bits(int... ops) {
        int b = 0;
        for (int op : ops) b |= 1 << op;
        return b;
    }
}
