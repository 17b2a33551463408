package io.runnel.metadata;

/**
 * A filter of DescribeAcls and DeleteAcls (Kafka's AclBindingFilter): resource type ANY, pattern type ANY or MATCH,
 * a null name, principal or host, operation ANY and permission ANY match everything in that field. Pattern type
 * MATCH selects the ACLs that would apply to the named resource: the LITERAL ACL of that name, the LITERAL
 * wildcard {@code *}, and every PREFIXED ACL whose prefix the name starts with.
 */
public record AclFilter(byte resourceType, String resourceName, byte patternType, String principal, String host,
                        byte operation, byte permissionType) {

    /** Why the filter cannot be used (an UNKNOWN or out-of-range code: INVALID_REQUEST), or null. */
    public String invalidReason() {
        if (resourceType <= AclBinding.RESOURCE_UNKNOWN || resourceType > AclBinding.RESOURCE_USER) return "Unknown resourceTypeFilter " + resourceType;
        if (patternType <= AclBinding.PATTERN_UNKNOWN || patternType > AclBinding.PATTERN_PREFIXED) return "Unknown patternTypeFilter " + patternType;
        if (operation <= AclBinding.OP_UNKNOWN || operation > AclBinding.OP_MAX) return "Unknown operation " + operation;
        if (permissionType <= AclBinding.PERMISSION_UNKNOWN || permissionType > AclBinding.ALLOW) return "Unknown permissionType " + permissionType;
        return null;
    }

    public boolean matches(AclBinding acl) {
        return matchesPattern(acl) && (principal == null || principal.equals(acl.principal()))
                && (host == null || host.equals(acl.host()))
                && (operation == AclBinding.OP_ANY || operation == acl.operation())
                && (permissionType == AclBinding.PERMISSION_ANY || permissionType == acl.permissionType());
    }

    private boolean matchesPattern(AclBinding acl) {
        if (resourceType != AclBinding.RESOURCE_ANY && resourceType != acl.resourceType()) return false;
        boolean any = patternType == AclBinding.PATTERN_ANY;
        boolean match = patternType == AclBinding.PATTERN_MATCH;
        if (!any && !match && patternType != acl.patternType()) return false;
        if (resourceName == null) return true;
        if (!match) return resourceName.equals(acl.resourceName());
        return switch (acl.patternType()) {
            case AclBinding.PATTERN_LITERAL -> resourceName.equals(acl.resourceName()) || acl.resourceName().equals(AclBinding.WILDCARD);
            case AclBinding.PATTERN_PREFIXED -> resourceName.startsWith(acl.resourceName());
            default -> false;
        };
    }
}
