package io.runnel.storage;

/**
 * An offset and where it lies in the log: the base offset of its segment and the byte position in that
 * segment. The log end offset is published as one of these so that a lock-free reader learns, in a
 * single volatile read, both the end offset and how far into the active segment it may read.
 */
record LogOffsetMetadata(long offset, long segmentBaseOffset, int position) {
}
