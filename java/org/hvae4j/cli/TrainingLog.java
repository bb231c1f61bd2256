package org.hvae4j.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.hvae4j.data.Dataset;
import org.hvae4j.model.Evaluator;
import org.hvae4j.model.StepResult;
import org.hvae4j.model.Trainer;
import org.hvae4j.model.TrainingListener;
import org.hvae4j.report.MetricsTable;
import org.hvae4j.report.MetricsWriter;
import org.hvae4j.report.Progress;

/**
 * What a training run shows and records as it goes: the progress bar (or plain lines), and per epoch a row of
 * {@code metrics.csv} (train objective, reconstruction, KL per layer, test ELBO when there is a test split,
 * cumulative time). A resumed run keeps the rows of the epochs its checkpoint had finished.
 */
final class TrainingLog implements TrainingListener, AutoCloseable {
    static final String TRAIN = "train_objective";
    static final String TEST = "test_elbo";

    private final Trainer trainer;
    private final Dataset test;
    private final Progress progress;
    private final MetricsWriter metrics;
    private final PrintStream out;
    private final long startNanos = System.nanoTime();
    private final double previousSeconds;
    private final Map<String, Double> shown = new LinkedHashMap<>();

    TrainingLog(Trainer trainer, int batchesPerEpoch, Dataset test, Path csv, PrintStream out, boolean plain)
            throws IOException {
        this.trainer = trainer;
        this.test = test;
        this.out = out;
        List<String> columns = new ArrayList<>(List.of(TRAIN, "train_recon"));
        for (int l = 0; l < trainer.model().depth(); l++) {
            columns.add("kl_z" + (l + 1));
        }
        columns.addAll(List.of(TEST, "time_s"));
        List<MetricsTable.Row> kept = previousRows(csv, trainer.epoch(), columns);
        this.metrics = MetricsWriter.open(csv, columns);
        for (MetricsTable.Row r : kept) {
            metrics.append(r.epoch(), r.step(), r.present());
        }
        this.previousSeconds = kept.isEmpty() ? 0 : kept.get(kept.size() - 1).get("time_s");
        int epochs = trainer.config().epochs();
        // The steps this run will have made when it ends: those made so far (by earlier segments too) and those left.
        long left = Math.max(0L, (long) (epochs - trainer.epoch()) * batchesPerEpoch - trainer.batchInEpoch());
        long total = Math.max(1L, trainer.step() + left);
        this.progress = Progress.builder("train", total).examplesPerStep(trainer.config().batchSize())
                .epochs((int) Math.min(epochs, total)).plain(plain).output(out)
                .startAt(Math.min(trainer.step(), total)).start();
    }

    /** Rows of an earlier segment of this run (epochs up to {@code epoch}) in the same columns, else none. */
    private static List<MetricsTable.Row> previousRows(Path csv, int epoch, List<String> columns) {
        if (epoch == 0 || !Files.isRegularFile(csv)) {
            return List.of();
        }
        try {
            MetricsTable t = MetricsTable.readCsv(csv);
            if (!t.columns().equals(columns)) {
                return List.of();
            }
            return t.rows().stream().filter(r -> r.epoch() <= epoch).toList();
        } catch (IOException | RuntimeException e) {
            return List.of();
        }
    }

    @Override
    public void onProgress(long step, int epoch, int batchInEpoch, int batchesPerEpoch) {
        progress.step(shown);
    }

    /** The values the progress line shows, as of the last statistics the trainer read. */
    @Override
    public void onStatistics(long step, int epoch, StepResult r) {
        shown.put(trainer.config().objective().kind() == org.hvae4j.model.Objective.Kind.ELBO ? "elbo" : "bound",
                r.objective());
        shown.put("kl", r.klTotal());
    }

    @Override
    public void onEpoch(int epoch, StepResult mean, long step) {
        Map<String, Double> row = new LinkedHashMap<>();
        row.put(TRAIN, mean.objective());
        row.put("train_recon", mean.reconstruction());
        for (int l = 0; l < mean.kl().length; l++) {
            row.put("kl_z" + (l + 1), mean.kl()[l]);
        }
        double testElbo = test == null ? Double.NaN
                : new Evaluator(trainer.model(), trainer.config().seed()).elbo(test, 100).objective();
        row.put(TEST, testElbo);
        row.put("time_s", seconds());
        metrics.append(epoch, step, row);
        if (progress.isPlain()) {
            StringBuilder kl = new StringBuilder();
            for (double v : mean.kl()) {
                kl.append(kl.length() == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.2f", v));
            }
            out.printf(Locale.ROOT, "epoch %d/%d  train %s %.2f  recon %.2f  kl [%s]%s  %.1f s%n", epoch,
                    trainer.config().epochs(), trainer.config().objective(), mean.objective(), mean.reconstruction(),
                    kl, test == null ? "" : String.format(Locale.ROOT, "  test elbo %.2f", testElbo), seconds());
            out.flush();
        }
    }

    /** Training time of the whole run so far, earlier segments included. */
    double seconds() {
        return previousSeconds + (System.nanoTime() - startNanos) / 1e9;
    }

    MetricsTable table() {
        return metrics.table();
    }

    @Override
    public void close() throws IOException {
        progress.close();
        metrics.close();
    }
}
