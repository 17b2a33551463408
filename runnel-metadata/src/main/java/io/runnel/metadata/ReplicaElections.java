package io.runnel.metadata;

import io.runnel.common.ApiException;
import io.runnel.common.Errors;
import io.runnel.common.TopicPartition;
import io.runnel.config.TopicConfigs;
import io.runnel.protocol.Message;
import io.runnel.protocol.message.ConfigRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.IntPredicate;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.function.ToIntFunction;

/**
 * The controller's partition operations: AlterPartition, ElectLeaders, auto leader rebalance and the
 * unclean elections a config change triggers. Each validates with {@link PartitionControl} against the
 * current image, commits the records through the controller and builds the answer from the image
 * after the commit. Runs on the controller thread only; one instance per operation.
 */
final class ReplicaElections {
    private static final Logger log = LoggerFactory.getLogger(ReplicaElections.class);

    private final Supplier<MetadataImage> image;
    private final IntPredicate live;
    private final Predicate<String> uncleanEnabled;
    private final ToIntFunction<String> minIsr;
    /** Commits a batch; null on success, else the error every item of it gets. */
    private final Function<List<Message>, ApiError> commit;

    ReplicaElections(Supplier<MetadataImage> image, IntPredicate live, Predicate<String> uncleanEnabled,
                     ToIntFunction<String> minIsr, Function<List<Message>, ApiError> commit) {
        this.image = image;
        this.live = live;
        this.uncleanEnabled = uncleanEnabled;
        this.minIsr = minIsr;
        this.commit = commit;
    }

    private PartitionControl rules() {
        return new PartitionControl(image.get(), live, uncleanEnabled, minIsr);
    }

    static BrokerLifecycleMessages.AlterPartitionReply alterPartitionError(ApiError e) {
        return new BrokerLifecycleMessages.AlterPartitionReply(e.error(), e.message(), List.of());
    }

    /**
     * AlterPartition: STALE_BROKER_EPOCH for the whole request unless the broker epoch is the registered
     * one; else one result per change ({@link PartitionControl#alterPartition}) with the state after the
     * commit, and the image offset the sender waits for.
     */
    BrokerLifecycleMessages.AlterPartitionWire alterPartition(BrokerLifecycleMessages.AlterPartition req) {
        BrokerRegistration b = image.get().broker(req.brokerId());
        if (b == null || b.epoch() != req.brokerEpoch()) {
            return new BrokerLifecycleMessages.AlterPartitionWire(alterPartitionError(ApiError.of(Errors.STALE_BROKER_EPOCH,
                    "Broker " + req.brokerId() + " is " + (b == null ? "not registered" : "registered with epoch " + b.epoch())
                            + ", not epoch " + req.brokerEpoch() + ".")), -1);
        }
        PartitionControl.AlterOutcome o = rules().alterPartition(req.brokerId(), req.changes());
        // an ISR that now holds every adding replica of a reassignment completes it in the same record
        ApiError failure = commit.apply(new Reassignments(image.get(), live).completing(o.records()));
        MetadataImage after = image.get();
        List<BrokerLifecycleMessages.IsrChangeResult> results = new ArrayList<>();
        for (int i = 0; i < req.changes().size(); i++) {
            BrokerLifecycleMessages.IsrChange c = req.changes().get(i);
            Errors e = o.errors().get(i);
            if (e == Errors.NONE && failure != null) e = failure.error();
            PartitionState state = e != Errors.NONE ? null : after.topic(c.topicId()).partition(c.partition());
            results.add(new BrokerLifecycleMessages.IsrChangeResult(c.topicId(), c.partition(), e, state));
            if (e != Errors.NONE) {
                log.debug("AlterPartition of broker {} for {}-{} refused: {} {}", req.brokerId(), c.topicId(), c.partition(), e,
                        o.messages().get(i));
            }
        }
        if (failure == null && !o.records().isEmpty()) {
            log.info("Broker {} changed the ISR of {} partition(s)", req.brokerId(), o.records().size());
        }
        return new BrokerLifecycleMessages.AlterPartitionWire(new BrokerLifecycleMessages.AlterPartitionReply(
                Errors.NONE, null, results), after.offset());
    }

    /** ElectLeaders ({@link PartitionControl#electLeaders}); INVALID_REQUEST for an unknown type. */
    Map<TopicPartition, ApiError> electLeaders(byte type, Set<TopicPartition> targets) {
        if (type != PartitionControl.PREFERRED && type != PartitionControl.UNCLEAN) {
            throw new ApiException(Errors.INVALID_REQUEST, "Unknown election type " + type + ": 0 (preferred) or 1 (unclean).");
        }
        PartitionControl.ElectOutcome o = rules().electLeaders(type, targets);
        ApiError failure = commit.apply(o.records());
        Map<TopicPartition, ApiError> out = new LinkedHashMap<>(o.results());
        if (failure != null) {
            out.replaceAll((tp, e) -> e.isSuccess() ? failure : e);
        } else if (!o.records().isEmpty()) {
            log.info("Elected new leaders for {} partition(s) ({} election)", o.records().size(),
                    type == PartitionControl.PREFERRED ? "preferred" : "unclean");
        }
        return out;
    }

    /**
     * Auto leader rebalance: preferred elections for the partitions of every broker whose share of
     * preferred-but-not-led partitions exceeds {@code percentage} ({@link PartitionControl#imbalanced}).
     */
    void rebalance(int percentage) {
        Set<TopicPartition> moving = rules().imbalanced(percentage);
        if (moving.isEmpty()) return;
        PartitionControl.ElectOutcome o = rules().electLeaders(PartitionControl.PREFERRED, moving);
        ApiError failure = commit.apply(o.records());
        if (failure != null) log.warn("Auto leader rebalance failed: {}", failure);
        else log.info("Auto leader rebalance: {} partition(s) moved back to their preferred replica", o.records().size());
    }

    /**
     * After a committed config change: if it touched {@code min.insync.replicas}, the ELRs of the topics
     * it concerns (all, for a broker config) are cleared, as Kafka does; if it touched
     * {@code unclean.leader.election.enable}, leaderless partitions that may now elect an out-of-sync
     * replica do (Kafka triggers this on the change too).
     */
    void afterConfigChange(List<Message> committed) {
        Set<String> minIsrTopics = new java.util.HashSet<>();
        boolean minIsrBroker = false;
        for (Message m : committed) {
            if (!(m instanceof ConfigRecord c) || !TopicConfigs.MIN_IN_SYNC_REPLICAS.equals(c.name)) continue;
            if (c.resourceType == ConfigResource.Type.TOPIC.id()) minIsrTopics.add(c.resourceName);
            else minIsrBroker = true;
        }
        if (minIsrBroker || !minIsrTopics.isEmpty()) {
            boolean all = minIsrBroker;
            List<Message> cleared = rules().clearElrs(topic -> all || minIsrTopics.contains(topic));
            if (!cleared.isEmpty()) {
                ApiError failure = commit.apply(cleared);
                if (failure != null) log.warn("Clearing the ELRs after a min.insync.replicas change failed: {}", failure);
                else log.info("min.insync.replicas changed: cleared the ELR of {} partition(s)", cleared.size());
            }
        }
        boolean touched = committed.stream().anyMatch(m -> m instanceof ConfigRecord c
                && TopicConfigs.UNCLEAN_LEADER_ELECTION_ENABLE.equals(c.name));
        if (!touched) return;
        List<Message> elections = rules().electLeaderless();
        if (elections.isEmpty()) return;
        ApiError failure = commit.apply(elections);
        if (failure != null) log.warn("Unclean leader elections after the config change failed: {}", failure);
        else log.info("Unclean leader election: {} leaderless partition(s) elected a leader", elections.size());
    }
}
