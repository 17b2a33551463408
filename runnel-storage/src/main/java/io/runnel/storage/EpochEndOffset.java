package io.runnel.storage;

/**
 * An answer to OffsetForLeaderEpoch: the largest epoch &lt;= the requested one that the log knows, and
 * the offset where the requested epoch ends (the start offset of the next larger epoch, or the log end
 * offset for the latest epoch). {@link #UNDEFINED} (-1, -1) when the log cannot answer.
 */
public record EpochEndOffset(int leaderEpoch, long endOffset) {
    public static final int UNDEFINED_EPOCH = -1;
    public static final long UNDEFINED_EPOCH_OFFSET = -1L;
    public static final EpochEndOffset UNDEFINED = new EpochEndOffset(UNDEFINED_EPOCH, UNDEFINED_EPOCH_OFFSET);
}
