package org.hvae4j.cli;

import org.hvae4j.data.Dataset;
import org.hvae4j.data.Datasets;
import picocli.CommandLine.Option;

/** {@code --data SPEC} and {@code --limit N}: which examples a command reads. */
final class DataOptions {
    @Option(names = "--data", paramLabel = "SPEC", defaultValue = Datasets.DEFAULT_SPEC,
            description = "mnist-embedded (default: 10k MNIST digits inside the jar), fashion-mnist[:DIR], "
                    + "fashion-mnist-test[:DIR], fashion-mnist-test-binarized[:DIR] (the test images binarized once, as "
                    + "docs/RESULTS.md evaluates), an IDX directory or images file, or a CSV file "
                    + "(FILE#label=COL takes labels from a column; SPEC#conditions=N takes the last N columns as condition "
                    + "vectors)")
    String spec;

    @Option(names = "--limit", paramLabel = "N", converter = Converters.PositiveInt.class,
            description = "use only the first N examples")
    Integer limit;

    /** The dataset, cut to {@code --limit} rows. */
    Dataset load() {
        return limit(Datasets.byName(spec));
    }

    Dataset limit(Dataset d) {
        return limit == null ? d : d.head(limit);
    }
}
