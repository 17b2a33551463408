package io.runnel.broker.security;

import io.runnel.metadata.AclAuthorizer;
import io.runnel.metadata.AclBinding;
import io.runnel.metadata.MetadataImage;
import io.runnel.common.Uuid;

import java.util.Set;
import java.util.SortedMap;
import java.util.function.Supplier;

/**
 * The broker's one authorization point ({@code authorizer.class.name} =
 * {@code org.apache.kafka.metadata.authorizer.StandardAuthorizer}): every check of every handler goes through
 * {@link #authorize}, through {@code RequestContext.authorize}. Decisions are {@link AclAuthorizer}'s (Kafka's
 * StandardAuthorizer semantics) over the ACLs of the broker's current metadata image; the index is rebuilt when the
 * image's ACLs change (the image keeps the same ACL map object until then). {@link #DISABLED} (no authorizer
 * configured) allows everything, and the ACL APIs answer SECURITY_DISABLED.
 */
public final class Authorization {
    /** The class name Apache Kafka's KRaft brokers configure; it switches on Runnel's authorizer. */
    public static final String STANDARD_AUTHORIZER = "org.apache.kafka.metadata.authorizer.StandardAuthorizer";
    public static final Authorization DISABLED = new Authorization(null, Set.of(), false);

    private final Supplier<MetadataImage> image;
    private final Set<String> superUsers;
    private final boolean allowEveryoneIfNoAcl;
    private volatile Cached cached;
    private final AuditLog audit;

    private record Cached(SortedMap<Uuid, AclBinding> acls, AclAuthorizer authorizer) {
    }

    public Authorization(Supplier<MetadataImage> image, Set<String> superUsers, boolean allowEveryoneIfNoAcl) {
        this(image, superUsers, allowEveryoneIfNoAcl, null);
    }

    /** @param audit where decisions are audited ({@code audit.log.enable}), or null */
    public Authorization(Supplier<MetadataImage> image, Set<String> superUsers, boolean allowEveryoneIfNoAcl, AuditLog audit) {
        this.audit = audit;
        this.image = image;
        this.superUsers = Set.copyOf(superUsers);
        this.allowEveryoneIfNoAcl = allowEveryoneIfNoAcl;
    }

    public boolean enabled() {
        return image != null;
    }

    /** The authorizer over the current image's ACLs. */
    public AclAuthorizer authorizer() {
        SortedMap<Uuid, AclBinding> acls = image.get().acls();
        Cached c = cached;
        if (c == null || c.acls() != acls) {
            c = new Cached(acls, new AclAuthorizer(acls.values(), superUsers, allowEveryoneIfNoAcl));
            cached = c;
        }
        return c.authorizer();
    }

    /** Whether {@code principal} connecting from {@code host} may do {@code operation} on the resource; always when disabled. */
    public boolean authorize(String principal, String host, byte operation, byte resourceType, String name) {
        if (!enabled()) return true;
        return authorizer().authorize(principal, host, operation, resourceType, name);
    }

    /** Audits a decision (a no-op without an audit log, or for an allowed one unless those are audited too). */
    public void audit(String principal, String host, String listener, String api, byte operation, byte resourceType,
                      String name, boolean allowed) {
        if (audit != null) audit.record(principal, host, listener, api, operation, resourceType, name, allowed);
    }

    /** Kafka's authorizeByResourceType: may the principal do {@code operation} on some resource of the type. */
    public boolean authorizeAny(String principal, String host, byte operation, byte resourceType) {
        if (!enabled()) return true;
        return authorizer().authorizeAny(principal, host, operation, resourceType);
    }
}
