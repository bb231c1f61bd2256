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
            description = "use only the first N examples (after --skip)")
    Integer limit;

    @Option(names = "--skip", paramLabel = "N", converter = Converters.PositiveInt.class,
            description = "leave out the first N examples (then --limit): for example to split a long evaluation "
                    + "into parts, --limit 500 and then --skip 500 --limit 500")
    Integer skip;

    /** The dataset, cut by {@code --skip} and {@code --limit}. */
    Dataset load() {
        return limit(Datasets.byName(spec));
    }

    Dataset limit(Dataset d) {
        if (skip == null) {
            return limit == null ? d : d.head(limit);
        }
        if (skip >= d.rows()) {
            throw new ConfigException("--skip " + skip + " leaves none of the " + d.rows() + " examples of " + d.name());
        }
        // One cut, so that its name says the rows it holds (data[500:1000]).
        return d.subset(skip, limit == null ? d.rows() : (int) Math.min(d.rows(), (long) skip + limit));
    }
}
