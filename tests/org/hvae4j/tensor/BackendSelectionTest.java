package org.hvae4j.tensor;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.bytedeco.javacpp.Loader;
import org.junit.jupiter.api.Test;

class BackendSelectionTest {
    @Test
    void cpuIsAlwaysThere() {
        assertEquals(Device.cpu(), Backend.cpu().device());
        assertSame(Backend.cpu(), Backend.byName("cpu"));
    }

    @Test
    void autoFallsBackToCpuWhenCudaIsUnusable() {
        assumeFalse(TestSupport.cudaUsable(), "a GPU is usable here; the fallback cannot be observed");
        assertSame(Backend.cpu(), Backend.auto());
    }

    @Test
    void cudaNamesTheRealCauseWhenUnusable() {
        assumeFalse(TestSupport.cudaUsable(), "a GPU is usable here");
        BackendUnavailableException e = assertThrows(BackendUnavailableException.class, () -> Backend.cuda(0));
        String m = e.getMessage();
        // The message must say what is missing, not JavaCPP's generic "no jniX in java.library.path".
        // Here (no driver) that is libcuda.so.1; elsewhere a missing device, cuBLAS, or a build without nvcc.
        assertTrue(m.contains("libcuda.so.1") || m.contains("device") || m.contains("cuBLAS")
                || m.contains("built without"), m);
        // A second request repeats the first, informative answer (a second touch of a class whose static
        // initializer failed would only say NoClassDefFoundError).
        assertEquals(m, assertThrows(BackendUnavailableException.class, () -> Backend.cuda(0)).getMessage());
    }

    @Test
    void badDeviceNamesAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> Backend.byName("tpu"));
        assertThrows(IllegalArgumentException.class, () -> Backend.cuda(-1));
        assertThrows(IllegalArgumentException.class, () -> Backend.byName("cuda:x"));
    }

    /** In a fresh JVM, CPU work loads no CUDA library and initialises no class of the CUDA presets. */
    @Test
    void cpuOnlyUseLoadsNothingOfCuda() throws Exception {
        String java = System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
        List<String> cmd = new ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED", "-cp",
                System.getProperty("java.class.path"), CpuOnlyProbe.class.getName()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            out = r.lines().collect(Collectors.joining("\n"));
        }
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("sum=10.0"), out);
        assertTrue(out.contains("cuda-libraries=[]"), out);
    }

    /** Run by {@link #cpuOnlyUseLoadsNothingOfCuda} in its own JVM. */
    public static final class CpuOnlyProbe {
        public static void main(String[] args) {
            Backend cpu = Backend.cpu();
            try (Tensor t = cpu.fromArray(new float[] {1, 2, 3, 4}, 2, 2); Tensor s = cpu.zeros(2)) {
                cpu.sumRows(t, s, 1f, 0f);
                float[] v = s.toArray();
                System.out.println("sum=" + (v[0] + v[1]));
            }
            List<String> cuda = Loader.getLoadedLibraries().keySet().stream()
                    .filter(k -> k.toLowerCase().contains("cud") || k.toLowerCase().contains("cublas"))
                    .collect(Collectors.toList());
            System.out.println("cuda-libraries=" + cuda);
        }
    }
}
