package io.runnel.metadata;

import io.runnel.protocol.Message;

import java.io.IOException;
import java.util.List;

/**
 * The durable, ordered log of metadata records. Records are appended in batches; a batch is all or
 * nothing. Every record has an offset (0, 1, 2, ...). A snapshot stands in for all records before its
 * offset, so the log may drop them.
 *
 * <p>Implementations: {@link FileMetadataLog} (one node, files on local disk). A replicated
 * implementation (Apache Ratis) will keep this contract: {@link #append} returns once the batch is
 * committed (on a quorum), and followers feed committed batches to the same replay path.
 *
 * <p>Threads: not thread-safe. The {@link MetadataController} calls it from its single thread only.
 */
public interface MetadataLog extends AutoCloseable {

    /** Receives the content of the log while {@link #load} reads it. */
    interface Visitor {
        /** The newest snapshot: {@code records} rebuild the state of the first {@code offset} records. */
        void snapshot(long offset, List<Message> records);

        /** One batch, in log order, whose first record has offset {@code baseOffset}. */
        void batch(long baseOffset, List<Message> records);
    }

    /**
     * Reads the newest snapshot (if any) and then every batch after it, in order.
     *
     * @throws IOException on a read error or corruption that is not a torn tail
     */
    void load(Visitor visitor) throws IOException;

    /**
     * Appends {@code records} as one batch and makes it durable before returning.
     *
     * @return the offset of the first record of the batch
     */
    long append(List<? extends Message> records) throws IOException;

    /** The offset the next appended record will get. */
    long endOffset();

    /**
     * Stores a snapshot: {@code records} rebuild the state after the first {@code offset} records.
     * {@code offset} must not exceed {@link #endOffset()}. Records before the snapshot may then be
     * deleted.
     */
    void snapshot(long offset, List<? extends Message> records) throws IOException;

    /** Bytes of batches appended after the newest snapshot; used to decide when to snapshot again. */
    long bytesSinceSnapshot();

    @Override
    void close() throws IOException;
}
