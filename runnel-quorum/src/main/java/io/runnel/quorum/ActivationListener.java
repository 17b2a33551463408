package io.runnel.quorum;

/**
 * Told when this node becomes the active controller (the Raft leader that has applied an entry of its
 * own term) and when it stops being it. Called on the node's single event thread, in order; a
 * listener may call {@link QuorumNode#propose} but must not block on the result there.
 */
public interface ActivationListener {
    void onActivate(long term);

    void onDeactivate(long term);
}
