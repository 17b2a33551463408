package io.runnel.metadata;

/**
 * Told about every new metadata image, in order, on the controller thread. A listener should be quick
 * (hand long work to its own thread); what it throws is logged and otherwise ignored.
 */
@FunctionalInterface
public interface MetadataListener {
    /** {@code previous} is {@link MetadataImage#EMPTY} for the first call after registration. */
    void onImage(MetadataImage previous, MetadataImage current);
}
