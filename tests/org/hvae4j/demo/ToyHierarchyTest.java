package org.hvae4j.demo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.hvae4j.data.Dataset;
import org.junit.jupiter.api.Test;

class ToyHierarchyTest {
    @Test
    void deterministicForASeed() {
        ToyHierarchy.Sample a = ToyHierarchy.sample(1000, 42);
        ToyHierarchy.Sample b = ToyHierarchy.sample(1000, 42);
        assertArrayEquals(a.x(), b.x());
        assertArrayEquals(a.cluster(), b.cluster());
        assertArrayEquals(a.subMode(), b.subMode());
        assertArrayEquals(a.z1(), b.z1());
        assertArrayEquals(a.z2(), b.z2());
        assertFalse(Arrays.equals(a.x(), ToyHierarchy.sample(1000, 43).x()));
        // a prefix of a larger sample with the same seed is the smaller sample
        assertArrayEquals(a.x(), Arrays.copyOf(ToyHierarchy.sample(2000, 42).x(), 2000));
    }

    @Test
    void statisticsMatchTheGenerativeStory() {
        int n = 60_000;
        ToyHierarchy.Params p = ToyHierarchy.Params.DEFAULT;
        ToyHierarchy.Sample s = ToyHierarchy.sample(n, 7);
        int k = p.clusters(), m = p.subModes();
        double[][] sumX = new double[k][2], sumZ2 = new double[k][2];
        int[] count = new int[k];
        int[] modeCount = new int[m];
        double resid1 = 0, residX = 0;
        for (int i = 0; i < n; i++) {
            int c = s.cluster()[i];
            int j = s.subMode()[i];
            count[c]++;
            modeCount[j]++;
            for (int d = 0; d < 2; d++) {
                sumX[c][d] += s.x()[2 * i + d];
                sumZ2[c][d] += s.z2()[2 * i + d];
                double off = p.subModeOffset(j)[d];
                double r1 = s.z1()[2 * i + d] - s.z2()[2 * i + d] - off;
                double rx = s.x()[2 * i + d] - s.z1()[2 * i + d];
                resid1 += r1 * r1;
                residX += rx * rx;
            }
        }
        for (int c = 0; c < k; c++) {
            assertEquals(n / (double) k, count[c], 0.03 * n / k, "cluster " + c + " count");
            double[] mu = p.centre(c);
            for (int d = 0; d < 2; d++) {
                // sub-mode offsets cancel on average (a square around z2), so x's cluster mean is the centre
                assertEquals(mu[d], sumX[c][d] / count[c], 0.05, "mean of x, cluster " + c + ", coordinate " + d);
                assertEquals(mu[d], sumZ2[c][d] / count[c], 0.03, "mean of z2, cluster " + c + ", coordinate " + d);
            }
        }
        for (int j = 0; j < m; j++) assertEquals(n / (double) m, modeCount[j], 0.03 * n / m, "sub-mode " + j);
        assertEquals(p.z1Std(), Math.sqrt(resid1 / (2.0 * n)), 0.005, "spread of z1 around its sub-mode");
        assertEquals(p.xStd(), Math.sqrt(residX / (2.0 * n)), 0.002, "observation noise");
        assertEquals(4.0, Math.hypot(p.centre(1)[0], p.centre(1)[1]), 1e-12);
    }

    @Test
    void logDensityIsANormalisedDensity() {
        ToyHierarchy.Params p = ToyHierarchy.Params.DEFAULT;
        double h = 0.05, sum = 0;
        for (double x = -8; x < 8; x += h) for (double y = -8; y < 8; y += h) sum += Math.exp(p.logDensity(x, y)) * h * h;
        assertEquals(1.0, sum, 1e-3);
        ToyHierarchy.Sample s = ToyHierarchy.sample(5000, 1);
        double mean = p.meanLogDensity(s.x(), s.n());
        assertTrue(mean < 0 && mean > -5, "mean log p(x) = " + mean);
    }

    @Test
    void conditionalLogDensityIsNormalisedAndMixesToTheMarginal() {
        ToyHierarchy.Params p = ToyHierarchy.Params.DEFAULT;
        double h = 0.05;
        for (int c = 0; c < p.clusters(); c++) {
            double sum = 0;
            for (double x = -8; x < 8; x += h) for (double y = -8; y < 8; y += h) sum += Math.exp(p.logDensity(x, y, c)) * h * h;
            assertEquals(1.0, sum, 1e-3, "cluster " + c);
        }
        double x = 0.7, y = 3.1, mix = 0;
        for (int c = 0; c < p.clusters(); c++) mix += Math.exp(p.logDensity(x, y, c)) / p.clusters();
        assertEquals(p.logDensity(x, y), Math.log(mix), 1e-9);
        ToyHierarchy.Sample s = ToyHierarchy.sample(2000, 1);
        // Clusters barely overlap: log p(x|c) ≈ log p(x) + log K.
        assertEquals(p.meanLogDensity(s.x(), s.n()) + Math.log(p.clusters()),
                p.meanConditionalLogDensity(s.x(), s.cluster(), s.n()), 1e-3);
        assertThrows(IllegalArgumentException.class, () -> p.logDensity(0, 0, 3));
    }

    @Test
    void datasetAndValidation() {
        ToyHierarchy.Sample s = ToyHierarchy.sample(10, 3);
        Dataset d = s.dataset("toy");
        assertEquals(10, d.rows());
        assertEquals(2, d.cols());
        assertEquals(3, d.numClasses());
        assertEquals(s.x()[5], d.get(2, 1));
        assertThrows(IllegalArgumentException.class, () -> ToyHierarchy.sample(0, 1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new ToyHierarchy.Params(3, 4, -0.5, 4, 1.2, 0.15, 0.05));
        assertTrue(e.getMessage().contains("z2Std"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new ToyHierarchy.Params(3, 4, 0.5, 4, 1.2, 0.15, 0));
    }
}
