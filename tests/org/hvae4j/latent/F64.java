package org.hvae4j.latent;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacpp.DoublePointer;

/** Double-precision buffers for the reference (f64) path of the CPU kernels; closes all it made. */
final class F64 implements AutoCloseable {
    private final List<DoublePointer> all = new ArrayList<>();

    long of(double[] a) {
        DoublePointer p = new DoublePointer(a);
        all.add(p);
        return p.address();
    }

    long zeros(int n) {
        return of(new double[n]);
    }

    static double[] read(long at, int n) {
        double[] out = new double[n];
        new DoublePointer() {
            {
                this.address = at;
                this.limit = n;
                this.capacity = n;
            }
        }.get(out);
        return out;
    }

    static void ok(int status) {
        assertEquals(0, status, "native status");
    }

    @Override
    public void close() {
        all.forEach(DoublePointer::close);
    }
}
