package org.hvae4j.train;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** What a process reads from its environment before touching MPI (runs everywhere, MPI or not). */
class MpiEnvironmentTest {
    @Test
    void aLauncherIsRecognizedByItsVariables() {
        assertFalse(Mpi.launched(Map.of("PATH", "/usr/bin")));
        assertTrue(Mpi.launched(Map.of("OMPI_COMM_WORLD_SIZE", "2")));
        assertTrue(Mpi.launched(Map.of("PMIX_RANK", "0")));
        assertTrue(Mpi.launched(Map.of("PMI_SIZE", "4")));
    }

    @Test
    void theWatchdogTimeoutIsReadAndChecked() {
        assertEquals(Mpi.DEFAULT_TIMEOUT_SECONDS, Mpi.timeoutFrom(Map.of()));
        assertEquals(2.5, Mpi.timeoutFrom(Map.of(Mpi.TIMEOUT_VARIABLE, " 2.5 ")));
        for (String bad : new String[] {"0", "-3", "soon", "NaN", "Infinity"}) {
            Mpi.MpiException e = assertThrows(Mpi.MpiException.class,
                    () -> Mpi.timeoutFrom(Map.of(Mpi.TIMEOUT_VARIABLE, bad)), bad);
            assertTrue(e.getMessage().contains(Mpi.TIMEOUT_VARIABLE) && e.getMessage().contains(bad), e.getMessage());
        }
    }

    @Test
    void theLocalRankComesFromTheLauncher() {
        assertEquals(0, Mpi.localRank(Map.of("OMPI_COMM_WORLD_LOCAL_RANK", "3")), "not launched: no local rank");
        assertEquals(3, Mpi.localRank(Map.of("OMPI_COMM_WORLD_SIZE", "8", "OMPI_COMM_WORLD_LOCAL_RANK", "3")));
        assertEquals(1, Mpi.localRank(Map.of("PMI_SIZE", "4", "MPI_LOCALRANKID", "1")));
        assertEquals(2, Mpi.localRank(Map.of("PMIX_RANK", "6", "SLURM_LOCALID", "2")));
        assertEquals(0, Mpi.localRank(Map.of("PMIX_RANK", "6")), "a launcher that does not say: the first GPU");
        Mpi.MpiException e = assertThrows(Mpi.MpiException.class,
                () -> Mpi.localRank(Map.of("OMPI_COMM_WORLD_SIZE", "2", "OMPI_COMM_WORLD_LOCAL_RANK", "one")));
        assertTrue(e.getMessage().contains("OMPI_COMM_WORLD_LOCAL_RANK") && e.getMessage().contains("one"),
                e.getMessage());
    }
}
