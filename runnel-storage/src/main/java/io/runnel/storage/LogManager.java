package io.runnel.storage;

import io.runnel.common.ApiException;
import io.runnel.common.Errors;
import io.runnel.common.Time;
import io.runnel.common.TopicPartition;
import io.runnel.common.Uuid;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.DirectoryStream;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;
import java.util.function.ToLongFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Owns every partition log under the broker's log directories: loads them at start (recovering after an
 * unclean shutdown), creates and deletes them, runs retention, time-based flushing, checkpointing,
 * producer-id expiration and the log cleaner, and closes them cleanly.
 *
 * <p>On disk, per log directory: one directory per partition ({@code <topic>-<partition>}, see
 * {@link PartitionLog}); partitions being deleted as {@code <topic>-<partition>.<32 hex>-delete};
 * checkpoint files {@code recovery-point-offset-checkpoint}, {@code log-start-offset-checkpoint},
 * {@code replication-offset-checkpoint} (high watermarks), {@code cleaner-offset-checkpoint} (see
 * {@link OffsetCheckpointFile}); {@code .runnel_cleanshutdown}, written by {@link #close} after
 * everything is flushed and checkpointed and deleted by {@link #startup} once the logs are loaded; and
 * {@code .lock}, held with an OS file lock while the manager runs so two brokers cannot share a
 * directory.
 *
 * <p>Loading: {@link #startup} only lists the partition directories and reads the checkpoints; the logs
 * are then loaded in the background on {@code num.recovery.threads.per.data.dir} threads per directory,
 * so the broker serves within seconds whatever the partition count. A log asked for before its turn
 * ({@link #get}, {@link #getOrCreate}, {@link #delete}) is loaded at once on the asking thread (or
 * awaited if a loader thread has it); {@link #all} and {@link #describeLogDirs} wait for every load.
 * The clean-shutdown marker is removed at start: a log not loaded yet was not written either, and a
 * crash before it is loaded recovers it at the next start from its checkpointed recovery point.
 *
 * <p>Threads: afterwards, a scheduler ({@code background.threads} daemon threads) runs retention every
 * {@code log.retention.check.interval.ms}, flush.ms checks every {@code log.flush.scheduler.interval.ms},
 * the checkpoints, producer-id expiration and delayed file deletions; the {@link LogCleaner} runs its own
 * threads. All public methods are thread-safe.
 */
public final class LogManager implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LogManager.class);
    static final String CLEAN_SHUTDOWN_FILE = ".runnel_cleanshutdown";
    static final String LOCK_FILE = ".lock";
    private static final Pattern DELETE_DIR = Pattern.compile("(.+)-(\\d+)\\.([0-9a-f]{32})-delete");
    private static final Pattern PARTITION_DIR = Pattern.compile("(.+)-(\\d+)");

    private final List<Path> logDirs;
    private final Time time;
    private final LogManagerConfig config;
    private final StorageScheduler scheduler;
    private final LogSegment.ChannelFactory channels;
    private final FileHandleCache handles;
    private final ConcurrentHashMap<TopicPartition, PartitionLog> logs = new ConcurrentHashMap<>();
    /** Partitions per log directory, kept so choosing the directory of a new log is O(directories). */
    private final ConcurrentHashMap<Path, java.util.concurrent.atomic.AtomicInteger> logsPerDir = new ConcurrentHashMap<>();
    private final Map<Path, FileChannel> lockChannels = new HashMap<>();
    private final Map<Path, FileLock> dirLocks = new HashMap<>();
    private final Object lifecycle = new Object();
    private final LogCleaner cleaner;
    /** Directories of deleted partitions found at start-up, not deleted yet. */
    private final List<Path> markedForDeletion = java.util.Collections.synchronizedList(new ArrayList<>());
    /** Logs found at start-up and not loaded yet; removed once loaded (or failed). */
    private final ConcurrentHashMap<TopicPartition, PendingLoad> pending = new ConcurrentHashMap<>();
    private final List<ExecutorService> loaderPools = new ArrayList<>();
    private volatile boolean started;
    private volatile boolean closed;

    public LogManager(List<Path> logDirs, Time time, LogManagerConfig config) {
        this(logDirs, time, config, LogSegment.ChannelFactory.DEFAULT);
    }

    LogManager(List<Path> logDirs, Time time, LogManagerConfig config, LogSegment.ChannelFactory channels) {
        if (logDirs.isEmpty()) throw new IllegalArgumentException("at least one log directory is required");
        this.logDirs = logDirs.stream().map(p -> p.toAbsolutePath().normalize()).distinct().toList();
        this.time = time;
        this.config = config;
        this.handles = new FileHandleCache(config.maxOpenFiles());
        this.channels = channels.boundedBy(handles);
        for (Path d : this.logDirs) logsPerDir.put(d, new java.util.concurrent.atomic.AtomicInteger());
        this.scheduler = new StorageScheduler(config.schedulerThreads());
        this.cleaner = new LogCleaner(config, time, this::all);
    }

    public List<Path> logDirs() {
        return logDirs;
    }

    /** Loads every partition with default topic configs; see {@link #startup(Function)}. */
    public void startup() {
        startup(topic -> LogConfig.DEFAULT);
    }

    /**
     * Locks the log directories, notes partitions marked for deletion (see
     * {@link #deleteMarkedDirsInBackground}), loads every partition
     * directory (recovering it when its log directory lacks the clean-shutdown marker), removes the
     * markers, and starts the background tasks and the cleaner.
     *
     * @param configForTopic the config to load each topic's partitions with (the broker can also
     *                       change it later through {@link #getOrCreate} or {@link PartitionLog#updateConfig})
     * @throws ApiException KAFKA_STORAGE_ERROR when a directory cannot be created, locked or listed
     */
    public void startup(Function<String, LogConfig> configForTopic) {
        synchronized (lifecycle) {
            if (started) throw new IllegalStateException("already started");
            if (closed) throw new IllegalStateException("closed");
            long startNs = System.nanoTime();
            Map<Path, List<PendingLoad>> found = new LinkedHashMap<>();
            for (Path dir : logDirs) {
                try {
                    Files.createDirectories(dir);
                    lockDir(dir);
                    found.put(dir, discoverDir(dir, configForTopic));
                    Files.deleteIfExists(dir.resolve(CLEAN_SHUTDOWN_FILE));
                    CheckpointFiles.fsyncDir(dir);
                } catch (IOException e) {
                    throw new ApiException(Errors.KAFKA_STORAGE_ERROR, "Cannot load log directory " + dir + ": " + e, e);
                }
            }
            cleaner.loadCheckpoints(logDirs);
            int foundLogs = found.values().stream().mapToInt(List::size).sum();
            loadInBackground(found, startNs);
            long delay = config.initialTaskDelayMs();
            scheduler.schedulePeriodic("log-retention", this::cleanupLogs, delay, config.retentionCheckIntervalMs());
            if (config.flushCheckIntervalMs() != Long.MAX_VALUE) {
                scheduler.schedulePeriodic("log-flusher", this::flushDirtyLogs, delay, config.flushCheckIntervalMs());
            }
            scheduler.schedulePeriodic("recovery-point-checkpoint", this::checkpointRecoveryPoints, delay,
                    config.recoveryPointCheckpointIntervalMs());
            scheduler.schedulePeriodic("log-start-offset-checkpoint", this::checkpointLogStartOffsets, delay,
                    config.logStartOffsetCheckpointIntervalMs());
            scheduler.schedulePeriodic("high-watermark-checkpoint", this::checkpointHighWatermarks, delay,
                    config.highWatermarkCheckpointIntervalMs());
            scheduler.schedulePeriodic("producer-id-expiration", this::expireProducerIds, delay,
                    config.producerIdExpirationCheckIntervalMs());
            if (config.cleanerEnable()) cleaner.startup();
            started = true;
            LOG.info("Found {} logs in {} ms, loading them in the background ({} threads per log directory); "
                            + "{} segment and index files open (log.max.open.files={}); resident memory {}", foundLogs,
                    (System.nanoTime() - startNs) / 1_000_000, config.recoveryThreadsPerDataDir(), handles.openFiles(),
                    handles.maxOpen(), io.runnel.common.ResidentMemory.describe());
        }
    }

    private void lockDir(Path dir) throws IOException {
        FileChannel ch = FileChannel.open(dir.resolve(LOCK_FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = ch.tryLock();
        } catch (java.nio.channels.OverlappingFileLockException e) {
            lock = null;
        }
        if (lock == null) {
            ch.close();
            throw new IOException("log directory " + dir + " is already used by another process (it holds "
                    + dir.resolve(LOCK_FILE) + "); stop that broker or use another log directory");
        }
        lockChannels.put(dir, ch);
        dirLocks.put(dir, lock);
    }

    /** A log found at start-up: what is needed to load it, and its load, run once by whoever comes first. */
    private record PendingLoad(LogLoader.Params params, java.util.concurrent.FutureTask<PartitionLog> task,
                               java.util.concurrent.atomic.AtomicBoolean failureLogged) {
        PendingLoad(LogLoader.Params params, java.util.concurrent.FutureTask<PartitionLog> task) {
            this(params, task, new java.util.concurrent.atomic.AtomicBoolean());
        }
    }

    /**
     * Lists one log directory: notes the directories of deleted partitions and registers every
     * partition directory as a pending load (nothing is read from the partition directories here).
     */
    private List<PendingLoad> discoverDir(Path dir, Function<String, LogConfig> configForTopic) throws IOException {
        boolean clean = Files.exists(dir.resolve(CLEAN_SHUTDOWN_FILE));
        Map<TopicPartition, Long> recoveryPoints = new OffsetCheckpointFile(dir.resolve(OffsetCheckpointFile.RECOVERY_POINT)).read();
        Map<TopicPartition, Long> logStarts = new OffsetCheckpointFile(dir.resolve(OffsetCheckpointFile.LOG_START_OFFSET)).read();
        Map<TopicPartition, Long> hws = new OffsetCheckpointFile(dir.resolve(OffsetCheckpointFile.REPLICATION_OFFSET)).read();
        List<PendingLoad> found = new ArrayList<>();
        Map<String, LogConfig> configs = new HashMap<>(); // resolved once per topic, not once per partition
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, Files::isDirectory)) {
            for (Path p : ds) {
                String name = p.getFileName().toString();
                Optional<TopicPartition> parsed = parseTopicPartition(name);
                if (DELETE_DIR.matcher(name).matches()) {
                    markedForDeletion.add(p); // deleted by deleteMarkedDirsInBackground, not on the start-up path
                } else if (parsed.isPresent()) {
                    TopicPartition tp = parsed.get();
                    LogLoader.Params params = new LogLoader.Params(p, tp, null, configs.computeIfAbsent(tp.topic(), configForTopic), time,
                            scheduler, channels, recoveryPoints.getOrDefault(tp, 0L), logStarts.getOrDefault(tp, 0L),
                            hws.getOrDefault(tp, 0L), clean);
                    PendingLoad load = new PendingLoad(params, new java.util.concurrent.FutureTask<>(() -> register(params)));
                    PendingLoad previous = pending.putIfAbsent(tp, load);
                    if (previous != null) {
                        throw new IOException("duplicate log directories for " + tp + ": " + previous.params().dir() + " and " + p);
                    }
                    found.add(load);
                } else if (!name.equals(METADATA_DIR) && !name.startsWith(METADATA_DIR_PREFIX)) {
                    LOG.warn("Ignoring unexpected directory {} in log directory {}", name, dir);
                }
            }
        }
        if (!clean && !found.isEmpty()) LOG.info("Log directory {} was not shut down cleanly; recovering its {} partitions", dir, found.size());
        return found;
    }

    /** Loads one found log and makes it visible; runs on a loader thread or on the first thread asking for it. */
    private PartitionLog register(LogLoader.Params params) throws IOException {
        TopicPartition tp = params.tp();
        try {
            PartitionLog log = LogLoader.load(params);
            logs.put(tp, log);
            countLog(log, 1);
            return log;
        } finally {
            pending.remove(tp);
        }
    }

    /** Hands the found logs to {@code num.recovery.threads.per.data.dir} loader threads per directory. */
    private void loadInBackground(Map<Path, List<PendingLoad>> found, long startNs) {
        int total = found.values().stream().mapToInt(List::size).sum();
        if (total == 0) return;
        java.util.concurrent.atomic.AtomicInteger left = new java.util.concurrent.atomic.AtomicInteger(total);
        for (Map.Entry<Path, List<PendingLoad>> e : found.entrySet()) {
            if (e.getValue().isEmpty()) continue;
            ExecutorService pool = Executors.newFixedThreadPool(config.recoveryThreadsPerDataDir(), r -> {
                Thread t = new Thread(r, "runnel-log-recovery-" + e.getKey().getFileName());
                t.setDaemon(true);
                return t;
            });
            loaderPools.add(pool);
            for (PendingLoad load : e.getValue()) {
                pool.execute(() -> {
                    if (!closed) {
                        load.task().run(); // no-op when an asking thread ran it already
                        awaitLoad(load);
                    }
                    if (left.decrementAndGet() != 0) return;
                    if (closed) {
                        LOG.info("Stopped loading logs: {} loaded, {} not loaded yet", logs.size(), pending.size());
                    } else {
                        LOG.info("Loaded {} logs in {} ms; {} segment and index files open; resident memory {}", logs.size(),
                                (System.nanoTime() - startNs) / 1_000_000, handles.openFiles(),
                                io.runnel.common.ResidentMemory.describe());
                    }
                });
            }
            pool.shutdown(); // its threads end once the queue is drained
        }
    }

    /**
     * The loaded log of a pending load, running the load on this thread if no loader thread has begun
     * it; empty if the load failed (the partition stays offline, as an unreadable directory does).
     */
    private Optional<PartitionLog> awaitLoad(PendingLoad load) {
        load.task().run();
        try {
            return Optional.of(load.task().get());
        } catch (ExecutionException e) {
            if (load.failureLogged.compareAndSet(false, true)) {
                LOG.error("Failed to load the partition in {}; it stays offline", load.params().dir(), e.getCause());
            }
            return Optional.empty();
        } catch (java.util.concurrent.CancellationException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiException(Errors.KAFKA_STORAGE_ERROR, "interrupted while loading the log of " + load.params().tp(), e);
        }
    }

    /** Loads {@code tp}'s log now if it was found at start-up and is not loaded yet. */
    private void loadIfPending(TopicPartition tp) {
        PendingLoad load = pending.get(tp);
        if (load != null) awaitLoad(load);
    }

    /** Waits until every log found at start-up is loaded (or failed). */
    public void awaitAllLoaded() {
        for (PendingLoad load : List.copyOf(pending.values())) awaitLoad(load);
    }

    /** Logs found at start-up and not loaded yet. */
    public int pendingLoads() {
        return pending.size();
    }

    /**
     * Deletes, on one background thread, the directories of deleted partitions ({@code *-delete}) that
     * {@link #startup} found. They can be many and large, so the broker calls this once it serves rather
     * than deleting them on the start-up path. Returns at once; no-op when there are none.
     */
    public void deleteMarkedDirsInBackground() {
        List<Path> dirs;
        synchronized (markedForDeletion) {
            dirs = List.copyOf(markedForDeletion);
            markedForDeletion.clear();
        }
        if (dirs.isEmpty()) return;
        LOG.info("Deleting {} directories of deleted partitions in the background", dirs.size());
        scheduler.scheduleOnce("delete-marked-dirs", () -> {
            for (Path p : dirs) {
                if (closed) return; // the rest are found again at the next start
                deleteRecursively(p);
            }
            LOG.info("Deleted {} directories of deleted partitions", dirs.size());
        }, 0);
    }

    /**
     * The cluster metadata log lives in a log directory too (as in Kafka) but belongs to the metadata
     * module, with its own format: it is never loaded, recovered or deleted here.
     */
    static final String METADATA_DIR = "__cluster_metadata-0";
    /** The metadata quorum's directories in a cluster ({@code __cluster_metadata-quorum}, its observer port file's sibling). */
    private static final String METADATA_DIR_PREFIX = "__cluster_metadata-";

    /** {@code <topic>-<partition>} → the partition, or empty for any other name. */
    static Optional<TopicPartition> parseTopicPartition(String dirName) {
        if (dirName.equals(METADATA_DIR)) return Optional.empty();
        Matcher m = PARTITION_DIR.matcher(dirName);
        if (!m.matches() || m.group(1).isEmpty()) return Optional.empty();
        try {
            return Optional.of(new TopicPartition(m.group(1), Integer.parseInt(m.group(2))));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    // ------------------------------------------------------------------ partitions

    /**
     * The log of {@code tp}, created empty (in the log directory holding the fewest partitions) if it
     * does not exist. For an existing log a different config replaces the current one.
     *
     * @param topicId the topic id, recorded in {@code partition.metadata}; {@link Uuid#ZERO} if unknown
     * @throws ApiException INCONSISTENT_TOPIC_ID when the existing log belongs to another topic id;
     *         KAFKA_STORAGE_ERROR when the directory cannot be created
     */
    public PartitionLog getOrCreate(TopicPartition tp, Uuid topicId, LogConfig config) {
        if (closed) throw new ApiException(Errors.KAFKA_STORAGE_ERROR, "the log manager is closed");
        loadIfPending(tp);
        PartitionLog log = logs.get(tp);
        if (log == null) {
            synchronized (lifecycle) {
                log = logs.get(tp);
                if (log == null) {
                    log = create(tp, topicId, config);
                    logs.put(tp, log);
                    countLog(log, 1);
                    return log;
                }
            }
        }
        Uuid existing = log.topicId();
        if (topicId != null && !topicId.equals(Uuid.ZERO) && !existing.equals(Uuid.ZERO) && !existing.equals(topicId)) {
            throw new ApiException(Errors.INCONSISTENT_TOPIC_ID, "The log of " + tp + " belongs to topic id "
                    + existing + ", not " + topicId);
        }
        if (existing.equals(Uuid.ZERO) && topicId != null && !topicId.equals(Uuid.ZERO)) {
            try {
                log.assignTopicId(topicId);
            } catch (IOException e) {
                throw new ApiException(Errors.KAFKA_STORAGE_ERROR, "Cannot write the partition metadata of " + tp + ": " + e, e);
            }
        }
        if (!log.config().equals(config)) log.updateConfig(config);
        return log;
    }

    private PartitionLog create(TopicPartition tp, Uuid topicId, LogConfig config) {
        Path parent = logDirs.stream().min(Comparator.comparingInt(d -> logsPerDir.get(d).get())).orElseThrow();
        Path dir = parent.resolve(tp.topic() + "-" + tp.partition());
        try {
            Files.createDirectories(dir);
            if (topicId != null && !topicId.equals(Uuid.ZERO)) PartitionMetadataFile.write(dir, topicId);
            PartitionLog log = LogLoader.load(new LogLoader.Params(dir, tp, topicId, config, time, scheduler, channels,
                    0L, 0L, 0L, true));
            LOG.info("Created log for {} in {}", tp, dir);
            return log;
        } catch (IOException e) {
            throw new ApiException(Errors.KAFKA_STORAGE_ERROR, "Cannot create the log of " + tp + " in " + parent + ": " + e, e);
        }
    }

    private void countLog(PartitionLog log, int delta) {
        java.util.concurrent.atomic.AtomicInteger n = logsPerDir.get(log.dir().getParent());
        if (n != null) n.addAndGet(delta);
    }

    /** Segment and index files open right now, across all logs (bounded by {@code log.max.open.files}). */
    public int openFiles() {
        return handles.openFiles();
    }

    /** The bound on open segment and index files ({@code log.max.open.files}). */
    public int maxOpenFiles() {
        return handles.maxOpen();
    }

    /** The log of {@code tp}, loading it first if start-up found it and it is not loaded yet. */
    public Optional<PartitionLog> get(TopicPartition tp) {
        PartitionLog log = logs.get(tp);
        if (log != null) return Optional.of(log);
        loadIfPending(tp);
        return Optional.ofNullable(logs.get(tp));
    }

    /**
     * Whether {@code tp}'s log was found at start-up and is not loaded yet: {@link #get} would load it
     * on the calling thread.
     */
    public boolean isPendingLoad(TopicPartition tp) {
        return pending.containsKey(tp);
    }

    /** Every log, after waiting for the ones start-up found to be loaded. */
    public Collection<PartitionLog> all() {
        awaitAllLoaded();
        return List.copyOf(logs.values());
    }

    /**
     * Removes the log of {@code tp}: closes it, renames its directory to
     * {@code <topic>-<partition>.<32 hex>-delete} and deletes that after the log's file.delete.delay.ms
     * (or at the next start). No-op for an unknown partition.
     */
    public void delete(TopicPartition tp) {
        loadIfPending(tp);
        PartitionLog log;
        synchronized (lifecycle) {
            log = logs.remove(tp);
        }
        if (log == null) return;
        countLog(log, -1);
        cleaner.abortAndRemove(tp);
        Path dir = log.dir();
        log.lock.lock();
        try {
            log.closeFilesForDelete();
            Path target = dir.resolveSibling(dir.getFileName() + "." + UUID.randomUUID().toString().replace("-", "") + "-delete");
            Files.move(dir, target);
            log.setDir(target);
            LOG.info("Scheduled deletion of the log of {} ({})", tp, target);
            scheduler.scheduleOnce("delete-log", () -> deleteRecursively(target), log.config().fileDeleteDelayMs());
        } catch (IOException e) {
            LOG.error("Could not rename {} for deletion; deleting it now", dir, e);
            deleteRecursively(dir);
        } finally {
            log.lock.unlock();
        }
    }

    private static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) return;
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    LOG.warn("Could not delete {}: {}", p, e.toString());
                }
            });
        } catch (IOException e) {
            LOG.warn("Could not delete {}: {}", dir, e.toString());
        }
    }

    // ------------------------------------------------------------------ DescribeLogDirs

    /** Per log directory: its path, file-system sizes, and each partition's size and offset lag. */
    public List<LogDirDescription> describeLogDirs() {
        awaitAllLoaded();
        Map<Path, List<LogDirDescription.Replica>> byDir = new LinkedHashMap<>();
        for (Path d : logDirs) byDir.put(d, new ArrayList<>());
        for (PartitionLog l : logs.values()) {
            List<LogDirDescription.Replica> list = byDir.get(l.dir().getParent());
            if (list == null) continue;
            list.add(new LogDirDescription.Replica(l.topicPartition(), l.size(),
                    Math.max(0, l.highWatermark() - l.logEndOffset()), false));
        }
        List<LogDirDescription> out = new ArrayList<>();
        for (Map.Entry<Path, List<LogDirDescription.Replica>> e : byDir.entrySet()) {
            e.getValue().sort(Comparator.comparing(LogDirDescription.Replica::topicPartition));
            long total = -1;
            long usable = -1;
            Errors error = Errors.NONE;
            try {
                FileStore store = Files.getFileStore(e.getKey());
                total = store.getTotalSpace();
                usable = store.getUsableSpace();
            } catch (IOException ex) {
                error = Errors.KAFKA_STORAGE_ERROR;
            }
            out.add(new LogDirDescription(e.getKey(), error, total, usable, List.copyOf(e.getValue())));
        }
        return out;
    }

    /** The log directory holding {@code tp}'s log. */
    public Optional<Path> logDirOf(TopicPartition tp) {
        return get(tp).map(l -> l.dir().getParent());
    }

    // ------------------------------------------------------------------ background work

    /** Applies retention to every log (the periodic retention task; callable directly). */
    public int cleanupLogs() {
        int deleted = 0;
        for (PartitionLog log : logs.values()) {
            try {
                deleted += log.deleteOldSegments();
            } catch (RuntimeException e) {
                LOG.error("Retention failed for {}", log.topicPartition(), e);
            }
        }
        return deleted;
    }

    /** Flushes the logs whose flush.ms has passed. */
    public void flushDirtyLogs() {
        for (PartitionLog log : logs.values()) {
            try {
                log.maybeFlushByTime();
            } catch (RuntimeException e) {
                LOG.error("Flush failed for {}", log.topicPartition(), e);
            }
        }
    }

    /** Removes producers idle for producer.id.expiration.ms from every log. */
    public void expireProducerIds() {
        for (PartitionLog log : logs.values()) log.removeExpiredProducers(config.producerIdExpirationMs());
    }

    public void checkpointRecoveryPoints() {
        writeCheckpoint(OffsetCheckpointFile.RECOVERY_POINT, PartitionLog::recoveryPoint, LogLoader.Params::recoveryPointCheckpoint);
    }

    public void checkpointLogStartOffsets() {
        writeCheckpoint(OffsetCheckpointFile.LOG_START_OFFSET, PartitionLog::logStartOffset, LogLoader.Params::logStartOffsetCheckpoint);
    }

    public void checkpointHighWatermarks() {
        writeCheckpoint(OffsetCheckpointFile.REPLICATION_OFFSET, PartitionLog::highWatermark, LogLoader.Params::highWatermarkCheckpoint);
    }

    /** Writes one checkpoint file per directory: loaded logs' values, and unchanged ones for logs not loaded yet. */
    private void writeCheckpoint(String fileName, ToLongFunction<PartitionLog> value, ToLongFunction<LogLoader.Params> notLoaded) {
        Map<Path, Map<TopicPartition, Long>> byDir = new HashMap<>();
        for (Path d : logDirs) byDir.put(d, new HashMap<>());
        for (PendingLoad load : pending.values()) {
            Map<TopicPartition, Long> m = byDir.get(load.params().dir().getParent());
            if (m != null) m.put(load.params().tp(), notLoaded.applyAsLong(load.params()));
        }
        for (PartitionLog l : logs.values()) {
            Map<TopicPartition, Long> m = byDir.get(l.dir().getParent());
            if (m != null) m.put(l.topicPartition(), value.applyAsLong(l));
        }
        for (Map.Entry<Path, Map<TopicPartition, Long>> e : byDir.entrySet()) {
            try {
                new OffsetCheckpointFile(e.getKey().resolve(fileName)).write(e.getValue());
            } catch (IOException ex) {
                LOG.error("Could not write {} in {}", fileName, e.getKey(), ex);
            }
        }
    }

    /** The log cleaner (compaction); present even when log.cleaner.enable is false, but then not running. */
    public LogCleaner cleaner() {
        return cleaner;
    }

    Scheduler scheduler() {
        return scheduler;
    }

    // ------------------------------------------------------------------ shutdown

    /**
     * Cancels the loads not begun and waits for the running ones. Returns the log directories that
     * still hold a log not loaded after an unclean shutdown: those must not get the clean-shutdown
     * marker, so the next start recovers that log. Logs not loaded keep their checkpoint entries.
     */
    private java.util.Set<Path> stopLoaders() {
        for (PendingLoad load : pending.values()) load.task().cancel(false);
        for (ExecutorService pool : loaderPools) {
            pool.shutdown(); // not shutdownNow: an interrupt would close the file channel a running load uses
            try {
                if (!pool.awaitTermination(60, java.util.concurrent.TimeUnit.SECONDS)) LOG.warn("Log loaders did not stop within 60 s");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        java.util.Set<Path> notRecovered = new java.util.HashSet<>();
        for (PendingLoad load : pending.values()) {
            if (!load.params().hadCleanShutdown()) notRecovered.add(load.params().dir().getParent());
        }
        return notRecovered;
    }

    /**
     * Test support: stops the background threads and releases the directory locks as a killed process
     * would, without flushing, checkpointing, closing logs or writing the clean-shutdown markers.
     */
    void haltForTesting() {
        synchronized (lifecycle) {
            closed = true;
            stopLoaders();
            cleaner.shutdown();
            scheduler.shutdown();
            for (Path dir : logDirs) {
                try {
                    FileLock l = dirLocks.remove(dir);
                    if (l != null) l.release();
                    FileChannel ch = lockChannels.remove(dir);
                    if (ch != null) ch.close();
                } catch (IOException e) {
                    LOG.warn("Could not release the lock of {}", dir, e);
                }
            }
        }
    }

    /**
     * Stops the cleaner and background tasks, flushes and closes every log, writes all checkpoints,
     * writes the clean-shutdown markers and releases the directory locks.
     */
    @Override
    public void close() {
        synchronized (lifecycle) {
            if (closed) return;
            closed = true;
            java.util.Set<Path> notRecovered = stopLoaders();
            cleaner.shutdown();
            scheduler.shutdown();
            for (PartitionLog log : logs.values()) log.close();
            checkpointRecoveryPoints();
            checkpointLogStartOffsets();
            checkpointHighWatermarks();
            cleaner.writeCheckpoints(logDirs);
            for (Path dir : logDirs) {
                try {
                    if (dirLocks.containsKey(dir) && !notRecovered.contains(dir)) {
                        CheckpointFiles.writeAtomically(dir.resolve(CLEAN_SHUTDOWN_FILE), new byte[0]);
                    }
                } catch (IOException e) {
                    LOG.error("Could not write the clean shutdown marker in {}", dir, e);
                }
                try {
                    FileLock l = dirLocks.remove(dir);
                    if (l != null) l.release();
                    FileChannel ch = lockChannels.remove(dir);
                    if (ch != null) ch.close();
                } catch (IOException e) {
                    LOG.warn("Could not release the lock of {}", dir, e);
                }
            }
            LOG.info("Log manager closed ({} logs)", logs.size());
        }
    }
}
