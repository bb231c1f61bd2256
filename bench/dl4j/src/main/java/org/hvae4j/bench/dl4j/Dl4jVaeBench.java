package org.hvae4j.bench.dl4j;

import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.variational.BernoulliReconstructionDistribution;
import org.deeplearning4j.nn.conf.layers.variational.VariationalAutoencoder;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.Adam;

/**
 * DL4J peer of bench/compare.sh: DL4J's own {@code VariationalAutoencoder} layer with the one-layer model "g1" of
 * hvae4j and the PyTorch reference (784 inputs, encoder 200-200 tanh, 50 Gaussian latents, decoder 200-200 tanh,
 * Bernoulli reconstruction on sigmoid, one sample, ELBO), Adam 1e-3, float32, trained as DL4J trains VAEs: as an
 * unsupervised (pretrain) layer, one {@code MultiLayerNetwork.pretrainLayer(0, batch)} call per step.
 *
 * <p>Measured like {@code vae_torch.py speed} and {@code org.hvae4j.experiments.TrainBench}: a pool of
 * {@code max(10 * batch, 10000)} uniform random grey images taken as consecutive batches; each step binarizes its
 * batch afresh (x = U < grey, timed) unless {@code --binarize pool}; 3 steps, then {@code --warmup} seconds of
 * warm-up; then chunks of about 0.2 s until {@code --seconds} of wall time. Prints one JSON line last:
 * {@code {"peer":"dl4j","model":"g1","objective":"elbo","batch":..,"examples_per_s":..,...}}.
 *
 * <p>Threads: ND4J's native ops use OpenMP and read {@code OMP_NUM_THREADS} when the library loads, so set it in
 * the environment (compare.sh does); {@code --threads N} additionally sets ND4J's and its BLAS's thread counts.
 */
public final class Dl4jVaeBench {
    private Dl4jVaeBench() {}

    public static void main(String[] args) {
        int batch = 100;
        double seconds = 10;
        double warmup = 2;
        long seed = 0;
        int threads = 0;
        boolean binarizeEachStep = true;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("-h") || a.equals("--help")) {
                System.out.println("usage: Dl4jVaeBench --batch N --seconds S [--warmup S] [--seed N] [--threads N] "
                        + "[--binarize step|pool]");
                return;
            }
            if (i + 1 >= args.length) {
                fail("option " + a + " needs a value");
            }
            String v = args[++i];
            switch (a) {
                case "--batch" -> batch = Integer.parseInt(v);
                case "--seconds" -> seconds = Double.parseDouble(v);
                case "--warmup" -> warmup = Double.parseDouble(v);
                case "--seed" -> seed = Long.parseLong(v);
                case "--threads" -> threads = Integer.parseInt(v);
                case "--binarize" -> {
                    if (!v.equals("step") && !v.equals("pool")) {
                        fail("--binarize must be step or pool");
                    }
                    binarizeEachStep = v.equals("step");
                }
                // Accepted so that the command line matches the other peers'; only g1 / elbo exist here.
                case "--model" -> {
                    if (!v.equals("g1")) {
                        fail("only --model g1 (DL4J's VariationalAutoencoder is one latent layer)");
                    }
                }
                case "--objective" -> {
                    if (!v.equals("elbo")) {
                        fail("only --objective elbo (DL4J's VariationalAutoencoder trains the ELBO)");
                    }
                }
                default -> fail("unknown option " + a);
            }
        }
        if (batch < 1 || !(seconds > 0) || !(warmup >= 0)) {
            fail("need --batch >= 1, --seconds > 0, --warmup >= 0");
        }
        if (threads > 0) {
            Nd4j.getEnvironment().setMaxThreads(threads);
            Nd4j.getEnvironment().setMaxMasterThreads(threads);
            Nd4j.factory().blas().setMaxThreads(threads);
        }

        Nd4j.setDefaultDataTypes(DataType.FLOAT, DataType.FLOAT);
        Nd4j.getRandom().setSeed(seed);
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder()
                .seed(seed)
                .dataType(DataType.FLOAT)
                .updater(new Adam(1e-3))
                .list()
                .layer(new VariationalAutoencoder.Builder()
                        .nIn(784)
                        .nOut(50)
                        .encoderLayerSizes(200, 200)
                        .decoderLayerSizes(200, 200)
                        .activation(Activation.TANH)
                        .pzxActivationFunction(Activation.IDENTITY)
                        .reconstructionDistribution(new BernoulliReconstructionDistribution(Activation.SIGMOID))
                        .numSamples(1)
                        .build())
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();

        int cols = 784;
        int poolRows = Math.max(10 * batch, 10000) / batch * batch;
        int nBatches = poolRows / batch;
        INDArray grey = Nd4j.rand(DataType.FLOAT, poolRows, cols);
        List<INDArray> batches = new ArrayList<>(nBatches);
        for (int b = 0; b < nBatches; b++) {
            INDArray g = grey.get(NDArrayIndex.interval(b * batch, (b + 1) * batch), NDArrayIndex.all()).dup();
            batches.add(binarizeEachStep ? g : binarize(g));
        }
        final boolean fresh = binarizeEachStep;
        final int nb = nBatches;
        long[] cursor = {0};
        Runnable step = () -> {
            INDArray g = batches.get((int) (cursor[0]++ % nb));
            net.pretrainLayer(0, fresh ? binarize(g) : g);
        };

        for (int i = 0; i < 3; i++) {
            step.run();
        }
        long t0 = System.nanoTime();
        long warmSteps = 0;
        do {
            step.run();
            warmSteps++;
        } while (System.nanoTime() - t0 < warmup * 1e9);
        double rate = warmSteps / ((System.nanoTime() - t0) / 1e9);

        long chunk = Math.max(1, (long) (rate * 0.2));
        long steps = 0;
        double elapsed;
        t0 = System.nanoTime();
        while (true) {
            for (long i = 0; i < chunk; i++) {
                step.run();
            }
            steps += chunk;
            elapsed = (System.nanoTime() - t0) / 1e9;
            if (elapsed >= seconds) {
                break;
            }
        }
        double score = net.getLayer(0).score();
        String omp = System.getenv("OMP_NUM_THREADS");
        System.out.println(String.format(Locale.ROOT,
                "{\"peer\":\"dl4j\",\"dl4j\":\"%s\",\"model\":\"g1\",\"objective\":\"elbo\",\"batch\":%d,"
                        + "\"device\":\"cpu\",\"omp_num_threads\":%s,\"nd4j_max_threads\":%d,"
                        + "\"nd4j_master_threads\":%d,\"blas_threads\":%d,\"blas_vendor\":\"%s\","
                        + "\"binarize\":\"%s\",\"examples_per_s\":%.1f,\"steps\":%d,\"elapsed_s\":%.3f,"
                        + "\"last_score\":%s}",
                dl4jVersion(), batch, omp == null ? "null" : "\"" + omp + "\"",
                Nd4j.getEnvironment().maxThreads(), Nd4j.getEnvironment().maxMasterThreads(),
                Nd4j.factory().blas().getMaxThreads(), Nd4j.factory().blas().getBlasVendor(),
                fresh ? "step" : "pool", steps * batch / elapsed, steps, elapsed,
                Double.isFinite(score) ? String.format(Locale.ROOT, "%.3f", score) : "null"));
    }

    /** x = 1 where a fresh uniform is below the grey level, as float 0/1. */
    private static INDArray binarize(INDArray grey) {
        return Nd4j.rand(DataType.FLOAT, grey.shape()).lt(grey).castTo(DataType.FLOAT);
    }

    private static String dl4jVersion() {
        try (InputStream in = MultiLayerNetwork.class.getResourceAsStream(
                "/META-INF/maven/org.deeplearning4j/deeplearning4j-nn/pom.properties")) {
            if (in != null) {
                Properties p = new Properties();
                p.load(in);
                return p.getProperty("version", "unknown");
            }
        } catch (Exception e) {
            // fall through
        }
        String v = MultiLayerNetwork.class.getPackage().getImplementationVersion();
        return v == null ? "unknown" : v;
    }

    private static void fail(String message) {
        System.err.println("Dl4jVaeBench: " + message);
        System.exit(2);
    }
}
