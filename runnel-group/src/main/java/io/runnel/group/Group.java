package io.runnel.group;

/**
 * A group held by one coordinator shard: a classic group (JoinGroup/SyncGroup) or a consumer-protocol group
 * (KIP-848). A group id names at most one of them. Touched only on the coordinator thread.
 */
sealed interface Group permits ClassicGroup, ConsumerGroup {
    String groupId();

    /** "classic" or "consumer", as ListGroups reports it. */
    String type();

    /** The state name as ListGroups/DescribeGroups report it. */
    String stateName();

    /** The protocol type ListGroups reports ("consumer" for consumer groups, "" for offsets-only groups). */
    String protocolType();

    /** True when the group has no members, so that it may be deleted and its offsets may expire. */
    boolean isEmpty();
}
