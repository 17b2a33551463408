package io.runnel.metadata;

import java.util.Objects;

/**
 * One ACL as CreateAcls, DescribeAcls and DeleteAcls carry it and the metadata image keeps it
 * (AccessControlEntryRecord): a resource pattern (type, name, pattern type) and an entry (principal, host, operation,
 * permission). Every byte is Kafka's code ({@link #RESOURCE_TOPIC}, {@link #PATTERN_LITERAL}, {@link #OP_READ},
 * {@link #ALLOW}...).
 */
public record AclBinding(byte resourceType, String resourceName, byte patternType, String principal, String host,
                         byte operation, byte permissionType) {
    // Kafka's ResourceType codes
    public static final byte RESOURCE_UNKNOWN = 0, RESOURCE_ANY = 1, RESOURCE_TOPIC = 2, RESOURCE_GROUP = 3,
            RESOURCE_CLUSTER = 4, RESOURCE_TRANSACTIONAL_ID = 5, RESOURCE_DELEGATION_TOKEN = 6, RESOURCE_USER = 7;
    // Kafka's PatternType codes
    public static final byte PATTERN_UNKNOWN = 0, PATTERN_ANY = 1, PATTERN_MATCH = 2, PATTERN_LITERAL = 3, PATTERN_PREFIXED = 4;
    // Kafka's AclOperation codes
    public static final byte OP_UNKNOWN = 0, OP_ANY = 1, OP_ALL = 2, OP_READ = 3, OP_WRITE = 4, OP_CREATE = 5,
            OP_DELETE = 6, OP_ALTER = 7, OP_DESCRIBE = 8, OP_CLUSTER_ACTION = 9, OP_DESCRIBE_CONFIGS = 10,
            OP_ALTER_CONFIGS = 11, OP_IDEMPOTENT_WRITE = 12, OP_CREATE_TOKENS = 13, OP_DESCRIBE_TOKENS = 14,
            OP_TWO_PHASE_COMMIT = 15;
    /** The highest AclOperation code Runnel knows. */
    public static final byte OP_MAX = OP_TWO_PHASE_COMMIT;
    // Kafka's AclPermissionType codes
    public static final byte PERMISSION_UNKNOWN = 0, PERMISSION_ANY = 1, DENY = 2, ALLOW = 3;
    /** The name of a LITERAL pattern that matches every resource of its type, and of the wildcard host. */
    public static final String WILDCARD = "*";
    /** The principal that matches every user. */
    public static final String WILDCARD_PRINCIPAL = "User:*";
    /** The name of the one CLUSTER resource. */
    public static final String CLUSTER_NAME = "kafka-cluster";

    public AclBinding {
        Objects.requireNonNull(resourceName, "resourceName");
        Objects.requireNonNull(principal, "principal");
        Objects.requireNonNull(host, "host");
    }

    /**
     * Why CreateAcls refuses this ACL (Kafka's checks, answered INVALID_REQUEST with this message), or null when it
     * may be created.
     */
    public String invalidReason() {
        if (resourceType <= RESOURCE_ANY || resourceType > RESOURCE_USER) return "Invalid resourceType " + resourceTypeName(resourceType);
        if (patternType != PATTERN_LITERAL && patternType != PATTERN_PREFIXED) return "Invalid patternType " + patternTypeName(patternType);
        if (operation <= OP_ANY || operation > OP_MAX) return "Invalid operation " + operationName(operation);
        if (permissionType != DENY && permissionType != ALLOW) return "Invalid permissionType " + permissionName(permissionType);
        if (resourceType == RESOURCE_CLUSTER && !resourceName.equals(CLUSTER_NAME)) {
            return "The only valid name for the CLUSTER resource is " + CLUSTER_NAME;
        }
        if (resourceName.isEmpty()) return "Invalid empty resource name specified";
        if (principal.indexOf(':') < 0) {
            return "Could not parse principal from `" + principal + "` (no colon is present separating the principal type from the principal name)";
        }
        return null;
    }

    @Override
    public String toString() {
        return "(pattern=" + resourceTypeName(resourceType) + ":" + patternTypeName(patternType) + ":" + resourceName
                + ", entry=" + principal + " from " + host + " " + permissionName(permissionType) + " " + operationName(operation) + ")";
    }

    public static String resourceTypeName(byte code) {
        return switch (code) {
            case RESOURCE_ANY -> "ANY";
            case RESOURCE_TOPIC -> "TOPIC";
            case RESOURCE_GROUP -> "GROUP";
            case RESOURCE_CLUSTER -> "CLUSTER";
            case RESOURCE_TRANSACTIONAL_ID -> "TRANSACTIONAL_ID";
            case RESOURCE_DELEGATION_TOKEN -> "DELEGATION_TOKEN";
            case RESOURCE_USER -> "USER";
            default -> "UNKNOWN";
        };
    }

    public static String patternTypeName(byte code) {
        return switch (code) {
            case PATTERN_ANY -> "ANY";
            case PATTERN_MATCH -> "MATCH";
            case PATTERN_LITERAL -> "LITERAL";
            case PATTERN_PREFIXED -> "PREFIXED";
            default -> "UNKNOWN";
        };
    }

    public static String operationName(byte code) {
        return switch (code) {
            case OP_ANY -> "ANY";
            case OP_ALL -> "ALL";
            case OP_READ -> "READ";
            case OP_WRITE -> "WRITE";
            case OP_CREATE -> "CREATE";
            case OP_DELETE -> "DELETE";
            case OP_ALTER -> "ALTER";
            case OP_DESCRIBE -> "DESCRIBE";
            case OP_CLUSTER_ACTION -> "CLUSTER_ACTION";
            case OP_DESCRIBE_CONFIGS -> "DESCRIBE_CONFIGS";
            case OP_ALTER_CONFIGS -> "ALTER_CONFIGS";
            case OP_IDEMPOTENT_WRITE -> "IDEMPOTENT_WRITE";
            case OP_CREATE_TOKENS -> "CREATE_TOKENS";
            case OP_DESCRIBE_TOKENS -> "DESCRIBE_TOKENS";
            case OP_TWO_PHASE_COMMIT -> "TWO_PHASE_COMMIT";
            default -> "UNKNOWN";
        };
    }

    public static String permissionName(byte code) {
        return switch (code) {
            case PERMISSION_ANY -> "ANY";
            case DENY -> "DENY";
            case ALLOW -> "ALLOW";
            default -> "UNKNOWN";
        };
    }
}
