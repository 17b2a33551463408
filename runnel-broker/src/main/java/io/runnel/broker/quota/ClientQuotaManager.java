package io.runnel.broker.quota;

import io.runnel.common.Time;
import io.runnel.metadata.ClientQuotaEntity;
import io.runnel.metadata.ClientQuotaKeys;
import io.runnel.metadata.MetadataImage;

import java.util.HashMap;
import java.util.Map;
import java.util.SortedMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * This broker's client quotas (Kafka's ClientQuotaManager and ControllerMutationQuotaManager with the default quota
 * callback). For a request of user U (the principal's name, {@code ANONYMOUS} without authentication) and client id
 * C, the quota of a key is that of the first of these entities that has the key: {user=U, client-id=C},
 * {user=U, client-id=default}, {user=U}, {user=default, client-id=C}, {user=default, client-id=default},
 * {user=default}, {client-id=C}, {client-id=default}. Clients share a measurement when they share the names the
 * matched entity has (with a default name standing for each actual name): a {user=U} quota is U's total over all
 * its client ids, a {client-id=default} quota is each client id's own.
 *
 * <p>Byte rates and request_percentage are windowed rates ({@link WindowedRate}, quota.window.num samples of
 * quota.window.size.seconds); controller_mutation_rate is a token bucket ({@link TokenBucket}). Quotas are read
 * from the metadata image at each request, so an AlterClientQuotas applies at once. A measurement nobody added to
 * for an hour is dropped (Kafka's inactive sensor expiry), so client ids that come and go do not accumulate.
 * Thread-safe.
 */
public final class ClientQuotaManager {
    /** Kafka's defaults of quota.window.num and quota.window.size.seconds. */
    public static final int DEFAULT_WINDOW_NUM = 11;
    public static final int DEFAULT_WINDOW_SIZE_SECONDS = 1;

    private final Supplier<MetadataImage> image;
    private final Time time;
    private final int samples;
    private final long windowMs;
    private final Map<String, WindowedRate> rates = new ConcurrentHashMap<>();
    private final Map<String, TokenBucket> buckets = new ConcurrentHashMap<>();
    /** Kafka's expiry of an inactive quota sensor (ClientQuotaManager's one hour). */
    static final long INACTIVE_EXPIRY_MS = 3_600_000;
    /** How often the measurements are swept for idle ones. */
    static final long SWEEP_INTERVAL_MS = 60_000;
    private volatile long lastSweepMs;

    public ClientQuotaManager(Supplier<MetadataImage> image, Time time, int samples, int windowSeconds) {
        if (samples < 1) throw new IllegalArgumentException("quota.window.num must be at least 1, was " + samples);
        if (windowSeconds < 1) throw new IllegalArgumentException("quota.window.size.seconds must be at least 1, was " + windowSeconds);
        this.image = image;
        this.time = time;
        this.samples = samples;
        this.windowMs = windowSeconds * 1000L;
        this.lastSweepMs = time.milliseconds();
    }

    /**
     * At most once a {@link #SWEEP_INTERVAL_MS}: drops the rates and buckets unused for {@link #INACTIVE_EXPIRY_MS}, and
     * the cache of resolutions (rebuilt on demand, one entry per client id asked for).
     */
    private void expireIdle() {
        long now = time.milliseconds();
        if (now - lastSweepMs < SWEEP_INTERVAL_MS) return;
        lastSweepMs = now;
        rates.values().removeIf(r -> now - r.lastRecordMs() >= INACTIVE_EXPIRY_MS);
        buckets.values().removeIf(b -> now - b.lastUsedMs() >= INACTIVE_EXPIRY_MS);
        Resolutions r = resolutions;
        resolutions = new Resolutions(r.quotas(), new ConcurrentHashMap<>());
    }

    /** Measurements held (rates and buckets): for tests. */
    int measurements() {
        return rates.size() + buckets.size();
    }

    /** A quota that applies to a request, and the key of the measurement it is counted in. */
    record Resolved(double quota, String sensor) {
    }

    /** Kafka's user name of a principal: {@code User:alice} is {@code alice}. */
    static String userName(String principal) {
        if (principal == null) return "ANONYMOUS";
        int colon = principal.indexOf(':');
        return colon < 0 ? principal : principal.substring(colon + 1);
    }

    private record Asked(String key, String principal, String clientId) {
    }

    /** Resolutions made from one quota map of the image; a new map (any metadata change) starts a new cache. */
    private record Resolutions(Map<ClientQuotaEntity, SortedMap<String, Double>> quotas, Map<Asked, java.util.Optional<Resolved>> byClient) {
    }

    private volatile Resolutions resolutions = new Resolutions(Map.of(), new ConcurrentHashMap<>());

    /**
     * The quota of {@code key} for this user and client id, or null when none applies. Resolved once per client and
     * quota map (every Produce and Fetch asks), again after the metadata changed.
     */
    Resolved resolve(String key, String principal, String clientId) {
        expireIdle(); // first: measurements outlive the quotas that made them
        Map<ClientQuotaEntity, SortedMap<String, Double>> quotas = image.get().clientQuotas();
        if (quotas.isEmpty()) return null;
        Resolutions r = resolutions;
        if (r.quotas() != quotas) resolutions = r = new Resolutions(quotas, new ConcurrentHashMap<>());
        return r.byClient().computeIfAbsent(new Asked(key, principal, clientId),
                a -> java.util.Optional.ofNullable(resolveIn(quotas, key, principal, clientId))).orElse(null);
    }

    private static Resolved resolveIn(Map<ClientQuotaEntity, SortedMap<String, Double>> quotas, String key, String principal,
                                      String clientId) {
        String user = userName(principal);
        String client = clientId == null ? "" : clientId;
        String[][] order = { // user name (null default, "-" absent), client id (same)
                {user, client}, {user, null}, {user, "-"}, {null, client}, {null, null}, {null, "-"}, {"-", client}, {"-", null}};
        for (String[] candidate : order) {
            Map<String, String> entries = new HashMap<>();
            if (!"-".equals(candidate[0])) entries.put(ClientQuotaEntity.USER, candidate[0]);
            if (!"-".equals(candidate[1])) entries.put(ClientQuotaEntity.CLIENT_ID, candidate[1]);
            SortedMap<String, Double> values = quotas.get(new ClientQuotaEntity(entries));
            Double q = values == null ? null : values.get(key);
            if (q != null) {
                String sensor = key + "|" + (entries.containsKey(ClientQuotaEntity.USER) ? "u:" + user : "") + "|"
                        + (entries.containsKey(ClientQuotaEntity.CLIENT_ID) ? "c:" + client : "");
                return new Resolved(q, sensor);
            }
        }
        return null;
    }

    /**
     * Records {@code value} (bytes, or for request_percentage the request's thread time as a percentage of one
     * second) against {@code key}'s quota of this client and answers the throttle time in milliseconds: 0 within
     * the quota or without one.
     */
    public long recordAndGetThrottleMs(String key, String principal, String clientId, double value) {
        Resolved r = resolve(key, principal, clientId);
        if (r == null) return 0;
        WindowedRate rate = rates.computeIfAbsent(r.sensor(), s -> new WindowedRate(time, samples, windowMs));
        rate.record(value);
        return rate.throttleMs(r.quota());
    }

    /** One second of one thread's time in nanoseconds is 100 (percent): Kafka's unit of request_percentage. */
    static double nanosToPercent(long nanos) {
        return nanos * 100.0 / 1_000_000_000L;
    }

    /**
     * request_percentage (KIP-124): records {@code nanos} of broker thread time spent on a request of this client
     * and answers the throttle time in milliseconds (0 within the quota or without one). As Kafka's request quota,
     * the throttle time is at most one quota window (quota.window.size.seconds), so that one slow request does
     * not mute a client for long.
     */
    public long recordRequestTimeAndGetThrottleMs(String principal, String clientId, long nanos) {
        Resolved r = resolve(ClientQuotaKeys.REQUEST_PERCENTAGE, principal, clientId);
        if (r == null) return 0;
        WindowedRate rate = rates.computeIfAbsent(r.sensor(), s -> new WindowedRate(time, samples, windowMs));
        rate.record(nanosToPercent(Math.max(0, nanos)));
        return Math.min(windowMs, rate.throttleMs(r.quota()));
    }

    /**
     * request_percentage: records thread time spent after the throttle time was decided (the response's encoding),
     * which counts towards the client's later requests.
     */
    public void recordRequestTime(String principal, String clientId, long nanos) {
        Resolved r = resolve(ClientQuotaKeys.REQUEST_PERCENTAGE, principal, clientId);
        if (r == null) return;
        rates.computeIfAbsent(r.sensor(), s -> new WindowedRate(time, samples, windowMs)).record(nanosToPercent(Math.max(0, nanos)));
    }

    /** Takes back a recorded value (a throttled fetch answered empty, as Kafka does). */
    public void unrecord(String key, String principal, String clientId, double value) {
        Resolved r = resolve(key, principal, clientId);
        if (r == null) return;
        WindowedRate rate = rates.get(r.sensor());
        if (rate != null) rate.unrecord(value);
    }

    /**
     * connection_creation_rate (KIP-612): counts a new connection from {@code address} against the quota of
     * {ip=address}, else {ip=default}, and answers 0 when it is accepted, or the time after which the broker closes
     * it unserved (the refused connection is not counted, as Kafka's).
     */
    public long recordConnectionAndGetThrottleMs(java.net.InetAddress address) {
        Map<ClientQuotaEntity, SortedMap<String, Double>> quotas = image.get().clientQuotas();
        if (quotas.isEmpty()) return 0;
        String ip = address.getHostAddress();
        Double quota = null;
        for (Map.Entry<ClientQuotaEntity, SortedMap<String, Double>> e : quotas.entrySet()) {
            SortedMap<String, String> entries = e.getKey().entries();
            Double q = e.getValue().get(ClientQuotaKeys.CONNECTION_CREATION_RATE);
            if (q == null || !entries.containsKey(ClientQuotaEntity.IP)) continue;
            String name = entries.get(ClientQuotaEntity.IP);
            if (name == null) {
                if (quota == null) quota = q; // the default, unless the address has its own
            } else if (sameAddress(name, address)) {
                quota = q;
                break;
            }
        }
        if (quota == null) return 0;
        expireIdle();
        WindowedRate rate = rates.computeIfAbsent(ClientQuotaKeys.CONNECTION_CREATION_RATE + "|ip:" + ip,
                s -> new WindowedRate(time, samples, windowMs));
        rate.record(1);
        long throttle = rate.throttleMs(quota);
        if (throttle > 0) rate.unrecord(1);
        return throttle;
    }

    private static boolean sameAddress(String literal, java.net.InetAddress address) {
        try {
            return java.net.InetAddress.getByName(literal).equals(address); // a literal address: never a lookup
        } catch (java.net.UnknownHostException e) {
            return false;
        }
    }

    /**
     * controller_mutation_rate: how long this client must wait before a mutation is accepted (0: now, or no quota).
     * A client under its quota may make any one request, even one that takes it over (Kafka's rule).
     */
    public long mutationThrottleMs(String principal, String clientId) {
        Resolved r = resolve(ClientQuotaKeys.CONTROLLER_MUTATION_RATE, principal, clientId);
        if (r == null) return 0;
        TokenBucket b = buckets.get(r.sensor());
        return b == null ? 0 : b.throttleMs(r.quota());
    }

    /** Counts {@code mutations} partitions created or deleted; answers the throttle time after them. */
    public long recordMutations(String principal, String clientId, int mutations) {
        Resolved r = resolve(ClientQuotaKeys.CONTROLLER_MUTATION_RATE, principal, clientId);
        if (r == null || mutations <= 0) return 0;
        TokenBucket b = buckets.computeIfAbsent(r.sensor(), s -> new TokenBucket(time, samples, windowMs));
        b.record(r.quota(), mutations);
        return b.throttleMs(r.quota());
    }
}
