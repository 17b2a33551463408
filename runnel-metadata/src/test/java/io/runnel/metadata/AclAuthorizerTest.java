package io.runnel.metadata;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static io.runnel.metadata.AclBinding.*;
import static org.assertj.core.api.Assertions.assertThat;

/** Kafka's StandardAuthorizer semantics (AclAuthorizer): examples for each rule, and properties against a plain reference. */
class AclAuthorizerTest {
    private static final String ALICE = "User:alice", BOB = "User:bob", HOST = "10.0.0.5";

    private static AclBinding acl(byte type, String name, byte pattern, String principal, String host, byte op, byte perm) {
        return new AclBinding(type, name, pattern, principal, host, op, perm);
    }

    private static AclAuthorizer authz(boolean allowEveryone, AclBinding... acls) {
        return new AclAuthorizer(List.of(acls), Set.of("User:admin"), allowEveryone);
    }

    @Test
    void literalPrefixedAndWildcardPatterns() {
        AclAuthorizer a = authz(false,
                acl(RESOURCE_TOPIC, "orders-", PATTERN_PREFIXED, ALICE, "*", OP_WRITE, ALLOW),
                acl(RESOURCE_TOPIC, "exact", PATTERN_LITERAL, ALICE, "*", OP_READ, ALLOW),
                acl(RESOURCE_TOPIC, "*", PATTERN_LITERAL, BOB, "*", OP_READ, ALLOW));
        assertThat(a.authorize(ALICE, HOST, OP_WRITE, RESOURCE_TOPIC, "orders-eu")).isTrue();
        assertThat(a.authorize(ALICE, HOST, OP_WRITE, RESOURCE_TOPIC, "orders-")).isTrue();
        assertThat(a.authorize(ALICE, HOST, OP_WRITE, RESOURCE_TOPIC, "order")).isFalse();
        assertThat(a.authorize(ALICE, HOST, OP_WRITE, RESOURCE_TOPIC, "payments")).isFalse();
        assertThat(a.authorize(ALICE, HOST, OP_READ, RESOURCE_TOPIC, "exact")).isTrue();
        assertThat(a.authorize(ALICE, HOST, OP_READ, RESOURCE_TOPIC, "exactly")).as("literal is not a prefix").isFalse();
        assertThat(a.authorize(BOB, HOST, OP_READ, RESOURCE_TOPIC, "anything")).isTrue();
        assertThat(a.authorize(BOB, HOST, OP_READ, RESOURCE_GROUP, "anything")).as("other resource type").isFalse();
        assertThat(a.authorize(ALICE, HOST, OP_WRITE, RESOURCE_GROUP, "orders-eu")).isFalse();
    }

    @Test
    void denyWinsOverAllowAndAllCoversEveryOperation() {
        AclAuthorizer a = authz(false,
                acl(RESOURCE_TOPIC, "*", PATTERN_LITERAL, ALICE, "*", OP_ALL, ALLOW),
                acl(RESOURCE_TOPIC, "secret-", PATTERN_PREFIXED, ALICE, "*", OP_READ, DENY),
                acl(RESOURCE_TOPIC, "locked", PATTERN_LITERAL, "User:*", "*", OP_ALL, DENY));
        assertThat(a.authorize(ALICE, HOST, OP_READ, RESOURCE_TOPIC, "public")).isTrue();
        assertThat(a.authorize(ALICE, HOST, OP_ALTER_CONFIGS, RESOURCE_TOPIC, "public")).isTrue();
        assertThat(a.authorize(ALICE, HOST, OP_READ, RESOURCE_TOPIC, "secret-x")).isFalse();
        assertThat(a.authorize(ALICE, HOST, OP_WRITE, RESOURCE_TOPIC, "secret-x")).as("DENY READ does not deny WRITE").isTrue();
        assertThat(a.authorize(ALICE, HOST, OP_DESCRIBE, RESOURCE_TOPIC, "locked")).isFalse();
        assertThat(a.authorize("User:admin", HOST, OP_DESCRIBE, RESOURCE_TOPIC, "locked")).as("super user").isTrue();
    }

    @Test
    void impliedOperations() {
        for (byte op : new byte[]{OP_READ, OP_WRITE, OP_DELETE, OP_ALTER}) {
            AclAuthorizer a = authz(false, acl(RESOURCE_TOPIC, "t", PATTERN_LITERAL, ALICE, "*", op, ALLOW));
            assertThat(a.authorize(ALICE, HOST, OP_DESCRIBE, RESOURCE_TOPIC, "t")).as(operationName(op)).isTrue();
            assertThat(a.authorize(ALICE, HOST, OP_DESCRIBE_CONFIGS, RESOURCE_TOPIC, "t")).isFalse();
        }
        AclAuthorizer a = authz(false, acl(RESOURCE_TOPIC, "t", PATTERN_LITERAL, ALICE, "*", OP_ALTER_CONFIGS, ALLOW));
        assertThat(a.authorize(ALICE, HOST, OP_DESCRIBE_CONFIGS, RESOURCE_TOPIC, "t")).isTrue();
        assertThat(a.authorize(ALICE, HOST, OP_DESCRIBE, RESOURCE_TOPIC, "t")).isFalse();
        AclAuthorizer d = authz(false, acl(RESOURCE_TOPIC, "t", PATTERN_LITERAL, ALICE, "*", OP_DESCRIBE, ALLOW));
        assertThat(d.authorize(ALICE, HOST, OP_READ, RESOURCE_TOPIC, "t")).as("DESCRIBE implies nothing").isFalse();
        // a DENY of READ does not deny DESCRIBE (implication applies to ALLOW only)
        AclAuthorizer dr = authz(false, acl(RESOURCE_TOPIC, "t", PATTERN_LITERAL, ALICE, "*", OP_WRITE, ALLOW),
                acl(RESOURCE_TOPIC, "t", PATTERN_LITERAL, ALICE, "*", OP_READ, DENY));
        assertThat(dr.authorize(ALICE, HOST, OP_DESCRIBE, RESOURCE_TOPIC, "t")).isTrue();
    }

    @Test
    void hostsAndPrincipalsMustMatch() {
        AclAuthorizer a = authz(false, acl(RESOURCE_TOPIC, "t", PATTERN_LITERAL, ALICE, "10.0.0.5", OP_READ, ALLOW),
                acl(RESOURCE_TOPIC, "u", PATTERN_LITERAL, "User:*", "*", OP_READ, ALLOW));
        assertThat(a.authorize(ALICE, "10.0.0.5", OP_READ, RESOURCE_TOPIC, "t")).isTrue();
        assertThat(a.authorize(ALICE, "10.0.0.6", OP_READ, RESOURCE_TOPIC, "t")).isFalse();
        assertThat(a.authorize(BOB, "10.0.0.5", OP_READ, RESOURCE_TOPIC, "t")).isFalse();
        assertThat(a.authorize("User:ANONYMOUS", HOST, OP_READ, RESOURCE_TOPIC, "u")).isTrue();
    }

    @Test
    void allowEveryoneIfNoAclFoundOnlyWhereTheResourceHasNoAclAtAll() {
        AclAuthorizer open = authz(true, acl(RESOURCE_TOPIC, "guarded", PATTERN_LITERAL, BOB, "*", OP_READ, ALLOW));
        assertThat(open.authorize(ALICE, HOST, OP_WRITE, RESOURCE_TOPIC, "free")).isTrue();
        assertThat(open.authorize(ALICE, HOST, OP_WRITE, RESOURCE_TOPIC, "guarded")).as("an ACL of another principal exists").isFalse();
        AclAuthorizer closed = authz(false);
        assertThat(closed.authorize(ALICE, HOST, OP_WRITE, RESOURCE_TOPIC, "free")).isFalse();
        assertThat(closed.authorize("User:admin", HOST, OP_WRITE, RESOURCE_TOPIC, "free")).isTrue();
    }

    @Test
    void superUsersAreParsedFromSemicolonSeparatedPrincipals() {
        assertThat(AclAuthorizer.parseSuperUsers("User:admin; User:ops;")).containsExactlyInAnyOrder("User:admin", "User:ops");
        assertThat(AclAuthorizer.parseSuperUsers(null)).isEmpty();
    }

    @Test
    void authorizeAnyByResourceType() {
        AclAuthorizer a = authz(false, acl(RESOURCE_TOPIC, "orders-", PATTERN_PREFIXED, ALICE, "*", OP_WRITE, ALLOW));
        assertThat(a.authorizeAny(ALICE, HOST, OP_WRITE, RESOURCE_TOPIC)).isTrue();
        assertThat(a.authorizeAny(BOB, HOST, OP_WRITE, RESOURCE_TOPIC)).isFalse();
        AclAuthorizer denied = authz(false, acl(RESOURCE_TOPIC, "orders-", PATTERN_PREFIXED, ALICE, "*", OP_WRITE, ALLOW),
                acl(RESOURCE_TOPIC, "*", PATTERN_LITERAL, ALICE, "*", OP_WRITE, DENY));
        assertThat(denied.authorizeAny(ALICE, HOST, OP_WRITE, RESOURCE_TOPIC)).isFalse();
    }

    // ---------------------------------------------------------------- properties against a naive reference

    private static final List<String> NAMES = List.of("*", "a", "ab", "abc", "b", "ba");
    private static final List<String> PRINCIPALS = List.of(ALICE, BOB, "User:*");
    private static final List<String> HOSTS = List.of("*", "10.0.0.5", "10.0.0.6");
    private static final byte[] OPS = {OP_ALL, OP_READ, OP_WRITE, OP_DELETE, OP_ALTER, OP_DESCRIBE, OP_DESCRIBE_CONFIGS, OP_ALTER_CONFIGS};

    @Provide
    Arbitrary<List<AclBinding>> aclLists() {
        Arbitrary<AclBinding> one = Combinators.combine(
                Arbitraries.of(RESOURCE_TOPIC, RESOURCE_GROUP), Arbitraries.of(NAMES), Arbitraries.of(PATTERN_LITERAL, PATTERN_PREFIXED),
                Arbitraries.of(PRINCIPALS), Arbitraries.of(HOSTS), Arbitraries.of(OP_ALL, OP_READ, OP_WRITE, OP_DELETE, OP_ALTER,
                        OP_DESCRIBE, OP_DESCRIBE_CONFIGS, OP_ALTER_CONFIGS), Arbitraries.of(ALLOW, DENY))
                .as(AclBinding::new);
        return one.list().ofMaxSize(8);
    }

    /** The rules written out literally, one ACL at a time. */
    private static boolean reference(List<AclBinding> acls, boolean allowEveryone, String principal, String host, byte op, byte type, String name) {
        boolean anyForResource = false, allowed = false, denied = false;
        for (AclBinding a : acls) {
            boolean resource = a.resourceType() == type && (a.patternType() == PATTERN_LITERAL
                    ? a.resourceName().equals(name) || a.resourceName().equals("*") : name.startsWith(a.resourceName()));
            if (!resource) continue;
            anyForResource = true;
            if (!(a.principal().equals(principal) || a.principal().equals("User:*"))) continue;
            if (!(a.host().equals(host) || a.host().equals("*"))) continue;
            if (a.permissionType() == DENY && (a.operation() == op || a.operation() == OP_ALL)) denied = true;
            if (a.permissionType() == ALLOW) {
                boolean implied = (op == OP_DESCRIBE && Set.of(OP_READ, OP_WRITE, OP_DELETE, OP_ALTER).contains(a.operation()))
                        || (op == OP_DESCRIBE_CONFIGS && a.operation() == OP_ALTER_CONFIGS);
                if (a.operation() == op || a.operation() == OP_ALL || implied) allowed = true;
            }
        }
        if (denied) return false;
        if (allowed) return true;
        return !anyForResource && allowEveryone;
    }

    @Property(tries = 500)
    void agreesWithTheReference(@ForAll("aclLists") List<AclBinding> acls, @ForAll boolean allowEveryone,
                                @ForAll("principals") String principal, @ForAll("hosts") String host,
                                @ForAll("ops") byte op, @ForAll("names") String name) {
        AclAuthorizer a = new AclAuthorizer(acls, Set.of(), allowEveryone);
        for (byte type : new byte[]{RESOURCE_TOPIC, RESOURCE_GROUP}) {
            assertThat(a.authorize(principal, host, op, type, name))
                    .as("%s %s %s %s %s", acls, principal, host, operationName(op), name)
                    .isEqualTo(reference(acls, allowEveryone, principal, host, op, type, name));
        }
    }

    @Property(tries = 200)
    void aDenyForEveryoneOnTheWildcardDeniesWhateverElseAllows(@ForAll("aclLists") List<AclBinding> acls,
                                                              @ForAll("principals") String principal, @ForAll("ops") byte op,
                                                              @ForAll("names") String name) {
        List<AclBinding> withDeny = new java.util.ArrayList<>(acls);
        withDeny.add(acl(RESOURCE_TOPIC, "*", PATTERN_LITERAL, "User:*", "*", OP_ALL, DENY));
        assertThat(new AclAuthorizer(withDeny, Set.of(), true).authorize(principal, HOST, op, RESOURCE_TOPIC, name)).isFalse();
        assertThat(new AclAuthorizer(withDeny, Set.of(principal), false).authorize(principal, HOST, op, RESOURCE_TOPIC, name)).isTrue();
    }

    @Provide
    Arbitrary<String> principals() {
        return Arbitraries.of(ALICE, BOB, "User:carol");
    }

    @Provide
    Arbitrary<String> hosts() {
        return Arbitraries.of("10.0.0.5", "10.0.0.6");
    }

    @Provide
    Arbitrary<Byte> ops() {
        return Arbitraries.of(OP_READ, OP_WRITE, OP_DELETE, OP_ALTER, OP_DESCRIBE, OP_DESCRIBE_CONFIGS, OP_ALTER_CONFIGS, OP_CREATE);
    }

    @Provide
    Arbitrary<String> names() {
        return Arbitraries.of("a", "ab", "abc", "b", "ba", "c", "*");
    }
}
