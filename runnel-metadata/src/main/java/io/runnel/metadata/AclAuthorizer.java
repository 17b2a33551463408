package io.runnel.metadata;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The decisions of Kafka's StandardAuthorizer over one set of ACLs (pure logic; the broker builds one per metadata
 * image and caches it). For a principal, a client host, an operation and a resource:
 * <ol>
 *   <li>a super user ({@code super.users}) is allowed everything;</li>
 *   <li>the ACLs that apply to the resource are its type's LITERAL ACL of that name, the LITERAL wildcard
 *       {@code *}, and every PREFIXED ACL whose prefix the name starts with; of those, an ACL applies to the
 *       request when its principal is the request's or {@code User:*}, and its host the client's address or
 *       {@code *};</li>
 *   <li>a DENY for the operation or ALL denies (DENY wins over any ALLOW);</li>
 *   <li>an ALLOW for the operation or ALL allows, and so does an ALLOW of an operation that implies it: READ,
 *       WRITE, DELETE and ALTER imply DESCRIBE; ALTER_CONFIGS implies DESCRIBE_CONFIGS;</li>
 *   <li>otherwise denied, unless no ACL at all applies to the resource (of any principal, host or operation) and
 *       {@code allow.everyone.if.no.acl.found} is true.</li>
 * </ol>
 */
public final class AclAuthorizer {
    private final Set<String> superUsers;
    private final boolean allowEveryoneIfNoAcl;
    /** resource type to LITERAL name (the wildcard included) to ACLs. */
    private final Map<Byte, Map<String, List<AclBinding>>> literal = new HashMap<>();
    /** resource type to prefix to ACLs. */
    private final Map<Byte, Map<String, List<AclBinding>>> prefixed = new HashMap<>();
    /** resource type to the lengths of its prefixes, so a lookup tries only those. */
    private final Map<Byte, java.util.TreeSet<Integer>> prefixLengths = new HashMap<>();

    public AclAuthorizer(Collection<AclBinding> acls, Set<String> superUsers, boolean allowEveryoneIfNoAcl) {
        this.superUsers = Set.copyOf(superUsers);
        this.allowEveryoneIfNoAcl = allowEveryoneIfNoAcl;
        for (AclBinding a : acls) {
            if (a.patternType() == AclBinding.PATTERN_LITERAL) {
                literal.computeIfAbsent(a.resourceType(), t -> new HashMap<>()).computeIfAbsent(a.resourceName(), n -> new ArrayList<>()).add(a);
            } else if (a.patternType() == AclBinding.PATTERN_PREFIXED) {
                prefixed.computeIfAbsent(a.resourceType(), t -> new HashMap<>()).computeIfAbsent(a.resourceName(), n -> new ArrayList<>()).add(a);
                prefixLengths.computeIfAbsent(a.resourceType(), t -> new java.util.TreeSet<>()).add(a.resourceName().length());
            }
        }
    }

    /** Parses {@code super.users}: principals separated by semicolons ({@code User:admin;User:ops}); null = none. */
    public static Set<String> parseSuperUsers(String value) {
        if (value == null || value.isBlank()) return Set.of();
        Set<String> out = new java.util.LinkedHashSet<>();
        for (String s : value.split(";")) if (!s.isBlank()) out.add(s.trim());
        return Set.copyOf(out);
    }

    public boolean isSuperUser(String principal) {
        return superUsers.contains(principal);
    }

    /**
     * @param principal    {@code User:<name>}
     * @param host         the client's IP address as text
     * @param operation    Kafka's AclOperation code (not ANY, not ALL)
     * @param resourceType Kafka's ResourceType code
     * @param name         the resource's name ({@code kafka-cluster} for the cluster)
     */
    public boolean authorize(String principal, String host, byte operation, byte resourceType, String name) {
        if (superUsers.contains(principal)) return true;
        boolean anyAcl = false;
        boolean allowed = false;
        List<List<AclBinding>> candidates = applicable(resourceType, name);
        for (List<AclBinding> list : candidates) {
            for (AclBinding a : list) {
                anyAcl = true;
                if (!principalMatches(a.principal(), principal) || !hostMatches(a.host(), host)) continue;
                if (a.permissionType() == AclBinding.DENY) {
                    if (a.operation() == operation || a.operation() == AclBinding.OP_ALL) return false;
                } else if (a.permissionType() == AclBinding.ALLOW && !allowed) {
                    allowed = allowOperationMatches(a.operation(), operation);
                }
            }
        }
        if (allowed) return true;
        return !anyAcl && allowEveryoneIfNoAcl;
    }

    /**
     * Whether some resource of this type may be acted on with {@code operation} by the principal (Kafka's
     * authorizeByResourceType, used for idempotent producers without IDEMPOTENT_WRITE): true for a super user; else
     * true when an ALLOW ACL of the operation (or one implying it) exists for the principal and host on some
     * pattern of the type that no DENY of the same principal/host covers (a DENY on the LITERAL wildcard or on a
     * prefix of the allowed name), or, with {@code allow.everyone.if.no.acl.found}, when the type has no ACL at all.
     */
    public boolean authorizeAny(String principal, String host, byte operation, byte resourceType) {
        if (superUsers.contains(principal)) return true;
        List<AclBinding> all = new ArrayList<>();
        Map<String, List<AclBinding>> l = literal.get(resourceType);
        if (l != null) l.values().forEach(all::addAll);
        Map<String, List<AclBinding>> p = prefixed.get(resourceType);
        if (p != null) p.values().forEach(all::addAll);
        if (all.isEmpty()) return allowEveryoneIfNoAcl;
        for (AclBinding allow : all) {
            if (allow.permissionType() != AclBinding.ALLOW || !principalMatches(allow.principal(), principal)
                    || !hostMatches(allow.host(), host) || !allowOperationMatches(allow.operation(), operation)) continue;
            boolean denied = false;
            for (AclBinding deny : all) {
                if (deny.permissionType() != AclBinding.DENY || !principalMatches(deny.principal(), principal)
                        || !hostMatches(deny.host(), host)) continue;
                if (deny.operation() != operation && deny.operation() != AclBinding.OP_ALL) continue;
                if (covers(deny, allow)) {
                    denied = true;
                    break;
                }
            }
            if (!denied) return true;
        }
        return false;
    }

    /** Whether every resource {@code allow}'s pattern names is also named by {@code deny}'s pattern. */
    private static boolean covers(AclBinding deny, AclBinding allow) {
        if (deny.patternType() == AclBinding.PATTERN_LITERAL) {
            return deny.resourceName().equals(AclBinding.WILDCARD) || (allow.patternType() == AclBinding.PATTERN_LITERAL
                    && deny.resourceName().equals(allow.resourceName()));
        }
        return allow.resourceName().startsWith(deny.resourceName()) && !allow.resourceName().equals(AclBinding.WILDCARD);
    }

    private List<List<AclBinding>> applicable(byte resourceType, String name) {
        List<List<AclBinding>> out = new ArrayList<>(4);
        Map<String, List<AclBinding>> l = literal.get(resourceType);
        if (l != null) {
            List<AclBinding> exact = l.get(name);
            if (exact != null) out.add(exact);
            if (!name.equals(AclBinding.WILDCARD)) {
                List<AclBinding> wild = l.get(AclBinding.WILDCARD);
                if (wild != null) out.add(wild);
            }
        }
        Map<String, List<AclBinding>> p = prefixed.get(resourceType);
        if (p != null) {
            for (int len : prefixLengths.get(resourceType)) {
                if (len > name.length()) break;
                List<AclBinding> match = p.get(name.substring(0, len));
                if (match != null) out.add(match);
            }
        }
        return out;
    }

    private static boolean principalMatches(String aclPrincipal, String principal) {
        return aclPrincipal.equals(principal) || aclPrincipal.equals(AclBinding.WILDCARD_PRINCIPAL);
    }

    private static boolean hostMatches(String aclHost, String host) {
        return aclHost.equals(AclBinding.WILDCARD) || aclHost.equals(host);
    }

    /** Whether an ALLOW ACL of {@code aclOp} allows {@code requested} (ALL, the same, or an implying operation). */
    static boolean allowOperationMatches(byte aclOp, byte requested) {
        if (aclOp == AclBinding.OP_ALL || aclOp == requested) return true;
        if (requested == AclBinding.OP_DESCRIBE) {
            return aclOp == AclBinding.OP_READ || aclOp == AclBinding.OP_WRITE || aclOp == AclBinding.OP_DELETE || aclOp == AclBinding.OP_ALTER;
        }
        return requested == AclBinding.OP_DESCRIBE_CONFIGS && aclOp == AclBinding.OP_ALTER_CONFIGS;
    }
}
