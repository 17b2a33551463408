package io.runnel.metadata;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Seeded deterministic simulations of the real {@link MetadataController} on three voters with four brokers
 * ({@link ControllerSimulation}): controller crashes and restarts, partitions, lost and delayed messages, broker
 * crashes, restarts and controlled shutdowns. A failure names its seed; {@code -Dsim.seed=N} (and
 * {@code -Dsim.steps=S}) replays it ({@link #replay}); {@code -Dsim.seeds=N} searches more seeds.
 */
class ControllerSimulationTest {
    /** {@code -Dsim.seeds=N} runs more (a longer search; the default keeps the test at a second or two). */
    private static final int SEEDS = Integer.getInteger("sim.seeds", 40);
    private static final int STEPS = 6000;

    @TempDir
    Path dir;

    @Test
    void manySeedsKeepTheControllerInvariants() {
        int topics = 0;
        int fences = 0;
        int unfences = 0;
        int elections = 0;
        int crashes = 0;
        int expiries = 0;
        int probes = 0;
        int shutdowns = 0;
        for (long seed = 1; seed <= SEEDS; seed++) {
            ControllerSimulation sim = new ControllerSimulation(seed, dir);
            sim.run(STEPS);
            System.out.println("[ctrlsim] " + sim.summary());
            topics += sim.acknowledgedTopics();
            fences += sim.fences;
            unfences += sim.unfences;
            elections += sim.elections;
            crashes += sim.controllerCrashes;
            expiries += sim.fencesOnExpiry;
            probes += sim.fencesOnProbe;
            shutdowns += sim.fencesOnShutdown;
        }
        // the runs must have gone through the faults and kept working, or the checks proved nothing
        assertThat(topics).as("topics acknowledged over %d seeds", SEEDS).isGreaterThan(SEEDS);
        assertThat(fences).as("fences").isGreaterThan(SEEDS);
        assertThat(unfences).as("unfences").isGreaterThan(SEEDS * 4);
        assertThat(elections).as("elections").isGreaterThan(SEEDS * 2);
        assertThat(crashes).as("controller crashes").isGreaterThan(SEEDS);
        assertThat(expiries).as("fences on session expiry").isPositive();
        assertThat(probes).as("fences on a refused probe").isPositive();
        assertThat(shutdowns).as("fences on a controlled shutdown").isPositive();
    }

    /**
     * Seed 122 found it: voter 2's proposal fencing broker 3 for its controlled shutdown failed without a commit
     * (leadership kept); the broker asked again and was allowed to stop while still unfenced and leading. Now the fence
     * is tried again first ({@code PartitionControlTest.aControlledShutdownWhoseFenceFailedIsFencedBeforeItIsAllowed}).
     */
    @Test
    void seed122ShutdownIsAllowedOnlyOnceFenced() {
        ControllerSimulation sim = new ControllerSimulation(122, dir);
        sim.run(STEPS);
        assertThat(sim.cleanShutdowns).isPositive();
    }

    /** The same seed gives the same run, event for event (so a failing seed replays). */
    @Test
    void aSeedReplaysExactly() {
        ControllerSimulation a = new ControllerSimulation(7, dir);
        a.run(1500);
        ControllerSimulation b = new ControllerSimulation(7, dir);
        b.run(1500);
        assertThat(b.fingerprint()).isEqualTo(a.fingerprint());
    }

    /** One seed, {@code -Dsim.seed=N} (a failing one printed by the test above), else a fixed one; a longer run. */
    @Test
    void replay() {
        long seed = Long.getLong("sim.seed", 20261203L);
        int steps = Integer.getInteger("sim.steps", 12000);
        ControllerSimulation sim = new ControllerSimulation(seed, dir);
        sim.run(steps);
        System.out.println("[ctrlsim] " + sim.summary());
        assertThat(sim.commits).as("commits with seed %d", seed).isPositive();
    }
}
