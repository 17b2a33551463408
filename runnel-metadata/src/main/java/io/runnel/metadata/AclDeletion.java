package io.runnel.metadata;

import java.util.List;

/** The answer to one DeleteAcls filter: an error for the whole filter, or the ACLs it matched and removed. */
public record AclDeletion(ApiError error, List<AclBinding> deleted) {
    public AclDeletion {
        deleted = List.copyOf(deleted);
    }
}
