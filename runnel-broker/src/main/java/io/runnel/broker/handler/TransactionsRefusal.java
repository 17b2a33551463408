package io.runnel.broker.handler;

import io.runnel.common.Errors;

/**
 * Transactions are not served yet; this is the one place that says how they are refused, so that a
 * transactional client fails at once with a clear error instead of retrying until its timeout. Delete
 * this class when transactions land: the compiler then points at every site that refuses them.
 *
 * <p>The errors are chosen from what the clients do with them (read in their sources, not guessed):
 * <ul>
 *   <li>FindCoordinator with key type 1 (transaction): kafka-clients 3.9-4.4 retry a retriable error and
 *   treat any other unexpected one as fatal, quoting the response's error message ("Could not find a
 *   coordinator with type TRANSACTION with key ... due to unexpected error: ..."); librdkafka 2.x retries
 *   every error except TRANSACTIONAL_ID_AUTHORIZATION_FAILED and CLUSTER_AUTHORIZATION_FAILED, which are
 *   fatal. CLUSTER_AUTHORIZATION_FAILED is final for both, and kafka-clients then shows {@link #MESSAGE}
 *   (TRANSACTIONAL_ID_AUTHORIZATION_FAILED would be final too, but kafka-clients drops the message).
 *   Since initTransactions() looks up its coordinator first, this is where every tested client stops.</li>
 *   <li>InitProducerId with a transactional id (only a client that skips the lookup gets here): kafka-clients
 *   treats UNSUPPORTED_VERSION as fatal ("Unexpected error in InitProducerIdResponse"), whereas 4.4 treats
 *   the authorization errors as abortable. The response has no message field.</li>
 * </ul>
 */
public final class TransactionsRefusal {
    /** The error message sent where the response has room for one. */
    public static final String MESSAGE = "Transactions are not supported by this broker (Runnel) yet: "
            + "remove transactional.id (idempotent producers are supported)";
    /** FindCoordinator for key type 1 (a transactional id). */
    public static final Errors FIND_COORDINATOR = Errors.CLUSTER_AUTHORIZATION_FAILED;
    /** InitProducerId with a non-empty transactional id. */
    public static final Errors INIT_PRODUCER_ID = Errors.UNSUPPORTED_VERSION;

    private TransactionsRefusal() {
    }
}
