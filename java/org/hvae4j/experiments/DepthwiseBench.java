package org.hvae4j.experiments;

import java.util.Locale;
import java.util.SplittableRandom;
import org.hvae4j.tensor.Backend;
import org.hvae4j.tensor.Conv2d;
import org.hvae4j.tensor.MemoryScope;
import org.hvae4j.tensor.Tensor;

/**
 * Times the CPU backend's stride-1 depthwise convolution (forward, data gradient, weight gradient) on the shapes of
 * the {@code conv} preset's generative cells: 96 channels (32 × expansion 3), 5 × 5, at 7 × 7, 14 × 14 and 28 × 28,
 * 50 images (one worker's half of a batch of 100), on the calling thread. Prints one line per shape and pass with
 * milliseconds per call and GFLOP/s (2 · n · channels · h · w · 25 per call). Not a test.
 *
 * <pre>java -cp target/classes:$(cat cp.txt) org.hvae4j.experiments.DepthwiseBench [seconds per measurement]</pre>
 */
public final class DepthwiseBench {
    private DepthwiseBench() {}

    public static void main(String[] args) {
        double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 1.0;
        Backend be = Backend.cpu();
        int n = 50, channels = 96, k = 5;
        for (int hw : new int[] {7, 14, 28}) {
            try (MemoryScope scope = MemoryScope.open()) {
                Conv2d g = Conv2d.depthwise(channels, hw, hw, k, 1, k / 2);
                int plane = channels * hw * hw;
                Tensor x = be.fromArray(gaussian(n * plane, 1), n, plane);
                Tensor dy = be.fromArray(gaussian(n * plane, 2), n, plane);
                Tensor w = be.fromArray(gaussian(channels * k * k, 3), channels, k * k);
                Tensor dw = be.zeros(channels, k * k), db = be.zeros(channels), y = be.zeros(n, plane);
                double flops = 2.0 * n * plane * k * k;
                for (String pass : new String[] {"forward", "data gradient", "weight gradient"}) {
                    Runnable call = switch (pass) {
                        case "forward" -> () -> be.conv2d(g, x, w, db, y);
                        case "data gradient" -> () -> be.conv2dBackwardData(g, dy, w, y);
                        default -> () -> be.conv2dBackwardWeights(g, x, dy, dw, db);
                    };
                    for (int i = 0; i < 5; i++) {
                        call.run();
                    }
                    long t0 = System.nanoTime();
                    int calls = 0;
                    while (System.nanoTime() - t0 < seconds * 1e9) {
                        call.run();
                        calls++;
                    }
                    double s = (System.nanoTime() - t0) / 1e9 / calls;
                    System.out.printf(Locale.ROOT, "%dx%d %-15s %7.3f ms %6.1f GFLOP/s%n", hw, hw, pass, s * 1e3,
                            flops / s / 1e9);
                }
            }
        }
    }

    private static float[] gaussian(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] f = new float[n];
        for (int i = 0; i < n; i++) {
            f[i] = (float) (r.nextDouble() * 2 - 1);
        }
        return f;
    }
}
