package io.runnel.metadata;

/**
 * One alteration of AlterUserScramCredentials: an upsertion ({@code credential} set) or a deletion ({@code credential}
 * null) of {@code user}'s credential for {@code mechanism} (Kafka's id: 1 SCRAM-SHA-256, 2 SCRAM-SHA-512).
 * {@code iterations} is the requested count, checked by the controller (for a deletion 0).
 */
public record ScramAlteration(String user, byte mechanism, ScramCredential credential) {
    public boolean isDeletion() {
        return credential == null;
    }
}
