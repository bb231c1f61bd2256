package org.hvae4j.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.CheckedOutputStream;
import org.hvae4j.io.AtomicFiles;
import org.hvae4j.nn.Param;
import org.hvae4j.tensor.Backend;

/**
 * Checkpoints: configuration, parameters, Adam state, RNG position (seed, epoch, batch within the epoch, step) and
 * REINFORCE baseline, in one file: magic, a JSON header, the float arrays, and a CRC-32 of everything before it.
 * Written to a temporary file in the same folder, flushed to disk and renamed over the old one, so a failure
 * never destroys the last good checkpoint. Also exports parameters as safetensors (which PyTorch loads).
 */
public final class Checkpoint {
    static final byte[] MAGIC = "HVAE4JCK".getBytes(StandardCharsets.US_ASCII);
    static final int VERSION = 1;
    private static final ObjectMapper JSON = new ObjectMapper();

    private Checkpoint() {}

    static void write(Path path, Trainer t) throws IOException {
        Hvae m = t.model();
        Map<String, Object> header = new LinkedHashMap<>();
        header.put("format", "hvae4j-checkpoint");
        header.put("version", VERSION);
        header.put("model", m.spec().toMap());
        header.put("training", t.config().toMap());
        header.put("step", t.step());
        header.put("epoch", t.epoch());
        header.put("batchInEpoch", t.batchInEpoch());
        header.put("adamSteps", t.optimizer().steps());
        header.put("baseline", Double.isNaN(t.baseline()) ? "nan" : t.baseline());
        header.put("skippedSteps", t.skippedSteps());
        long[] last = t.lastEpochSteps();
        if (last[0] >= 0) {
            header.put("lastEpoch", Map.of("applied", last[0], "skipped", last[1]));
        }
        if (!t.runInfo().isEmpty()) {
            header.put("run", t.runInfo());
        }
        List<Map<String, Object>> ps = new java.util.ArrayList<>();
        m.parameters().forEach(p -> ps.add(entry(p)));
        m.buffers().forEach(p -> ps.add(entry(p)));
        header.put("parameters", ps);
        byte[] json = JSON.writeValueAsBytes(header);
        AtomicFiles.write(path, out -> {
            CRC32 crc = new CRC32();
            DataOutputStream d = new DataOutputStream(new CheckedOutputStream(out, crc));
            d.write(MAGIC);
            d.writeInt(VERSION);
            d.writeInt(json.length);
            d.write(json);
            for (int i = 0; i < m.parameters().size(); i++) {
                writeFloats(d, m.parameters().get(i).value().toArray());
                writeFloats(d, t.optimizer().firstMoment(i).toArray());
                writeFloats(d, t.optimizer().secondMoment(i).toArray());
            }
            for (Param p : m.buffers()) {
                writeFloats(d, p.value().toArray());
            }
            d.flush();
            new DataOutputStream(out).writeLong(crc.getValue());
        });
    }

    /** A parameter's header entry: a trained one is stored with Adam's moments, a buffer alone. */
    private static Map<String, Object> entry(Param p) {
        Map<String, Object> pm = new LinkedHashMap<>();
        pm.put("name", p.name());
        pm.put("shape", p.value().shape().dims());
        pm.put("moments", p.trainable());
        if (!p.trainable()) {
            pm.put("buffer", true);
        }
        return pm;
    }

    private static void writeFloats(DataOutputStream d, float[] a) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(a.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(a);
        d.write(b.array());
    }

    private static float[] readFloats(DataInputStream d, int n) throws IOException {
        byte[] bytes = new byte[n * 4];
        d.readFully(bytes);
        float[] a = new float[n];
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(a);
        return a;
    }

    /** A trainer restored from a checkpoint on {@code backend}, ready to continue where the checkpoint stood. */
    public static Trainer resume(Path path, Backend backend) {
        return read(path, backend, null);
    }

    /** Like {@link #resume} but training for a different number of epochs in total. */
    public static Trainer resume(Path path, Backend backend, Integer epochs) {
        return read(path, backend, epochs);
    }

    /** The model of a checkpoint (parameters only). */
    public static Hvae loadModel(Path path, Backend backend) {
        Trainer t = read(path, backend, null);
        t.close();
        return t.model();
    }

    /**
     * What a checkpoint's header says, read without building its model (the whole file's checksum is verified
     * first).
     *
     * @param epoch epochs finished
     * @param step steps taken (applied or skipped)
     * @param skippedSteps steps skipped for a non-finite loss or gradient, in the whole run
     * @param lastEpochApplied updates applied in the last finished epoch (-1 when not recorded)
     * @param lastEpochSkipped steps skipped in the last finished epoch (-1 when not recorded)
     * @param run the run information the trainer kept ({@link Trainer#runInfo}); empty when none
     */
    public record Info(ModelSpec spec, TrainConfig config, int epoch, long step, long skippedSteps,
            long lastEpochApplied, long lastEpochSkipped, Map<String, Object> run) {
        /** Whether the last finished epoch applied no update at all (every step was skipped). */
        public boolean lastEpochAllSkipped() {
            return Trainer.allSkipped(lastEpochApplied, lastEpochSkipped);
        }
    }

    /** The header of a checkpoint (see {@link Info}). */
    public static Info info(Path path) {
        try (FileChannel ch = open(path)) {
            return header(path, ch).info;
        } catch (IOException e) {
            throw corrupt(path, e.getMessage());
        }
    }

    /**
     * Opens the file once for both of a read's passes (the checksum, then the contents), so that a checkpoint
     * replaced by a rename between them cannot mix two files.
     */
    private static FileChannel open(Path path) {
        try {
            return FileChannel.open(path, java.nio.file.StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("checkpoint " + path + " does not exist");
        } catch (IOException e) {
            throw corrupt(path, e.getMessage());
        }
    }

    /** A stream over {@code ch} from {@code position} that leaves the channel open when closed. */
    private static InputStream from(FileChannel ch, long position) throws IOException {
        ch.position(position);
        return new java.io.FilterInputStream(Channels.newInputStream(ch)) {
            @Override
            public void close() {
                // the channel is closed by its owner
            }
        };
    }

    /** A verified header and where the arrays start. */
    private record Header(Info info, Map<String, Object> map, long dataOffset) {}

    @SuppressWarnings("unchecked")
    private static Header header(Path path, FileChannel ch) {
        try {
            long size = ch.size();
            long minimum = MAGIC.length + 8L + 8L;
            if (size < minimum) {
                throw corrupt(path, "it is truncated (" + size + " bytes)");
            }
            long stored;
            CRC32 crc = new CRC32();
            try (InputStream in = from(ch, 0)) {
                byte[] buf = new byte[1 << 20];
                long left = size - 8;
                while (left > 0) {
                    int n = in.read(buf, 0, (int) Math.min(buf.length, left));
                    if (n < 0) {
                        throw corrupt(path, "it changed while being read");
                    }
                    crc.update(buf, 0, n);
                    left -= n;
                }
                stored = new DataInputStream(in).readLong();
            }
            byte[] json;
            try (DataInputStream d = new DataInputStream(new BufferedInputStream(from(ch, 0)))) {
                byte[] magic = new byte[MAGIC.length];
                d.readFully(magic);
                if (!java.util.Arrays.equals(magic, MAGIC)) {
                    throw corrupt(path, "not an hvae4j checkpoint (bad magic bytes)");
                }
                int version = d.readInt();
                int len = d.readInt();
                if (stored != crc.getValue()) {
                    throw corrupt(path, damage(d, size, len));
                }
                if (version != VERSION) {
                    throw corrupt(path, "unsupported checkpoint version " + version + " (this build reads " + VERSION
                            + ")");
                }
                if (len <= 0 || len > size - minimum) {
                    throw corrupt(path, "header length " + len + " is out of range");
                }
                json = new byte[len];
                d.readFully(json);
            }
            Map<String, Object> h;
            try {
                h = JSON.readValue(json, Map.class);
            } catch (IOException e) {
                throw corrupt(path, "its header is not valid JSON");
            }
            ModelSpec spec;
            TrainConfig cfg;
            try {
                spec = ModelSpec.fromMap(section(path, h, "model"));
                cfg = TrainConfig.fromMap(section(path, h, "training"));
            } catch (CheckpointException e) {
                throw e;
            } catch (RuntimeException e) {
                throw corrupt(path, "its header describes no valid model or training (" + e.getMessage() + ")");
            }
            Object run = h.get("run");
            Object last = h.get("lastEpoch");
            long applied = -1;
            long skipped = -1;
            if (last instanceof Map<?, ?> lm && lm.get("applied") instanceof Number a
                    && lm.get("skipped") instanceof Number b) {
                applied = a.longValue();
                skipped = b.longValue();
            }
            Info info = new Info(spec, cfg, (int) number(path, h, "epoch"), number(path, h, "step"),
                    number(path, h, "skippedSteps"), applied, skipped,
                    run instanceof Map<?, ?> rm ? java.util.Collections.unmodifiableMap((Map<String, Object>) rm)
                            : Map.of());
            return new Header(info, h, MAGIC.length + 8L + json.length);
        } catch (EOFException e) {
            throw corrupt(path, "it is truncated");
        } catch (IOException e) {
            throw corrupt(path, e.getMessage());
        }
    }

    /**
     * Why a file's checksum does not match: truncated, when its header (if still readable) lists more bytes than the
     * file has; else damaged.
     */
    private static String damage(DataInputStream d, long size, int len) {
        String damaged = "checksum mismatch (the file was changed or damaged after it was written)";
        if (len <= 0 || len > (256 << 20)) {
            return damaged;
        }
        if (MAGIC.length + 8L + len + 8 > size) {
            return "it is truncated (" + size + " bytes; its header alone needs " + (MAGIC.length + 8L + len) + ")";
        }
        try {
            byte[] json = new byte[len];
            d.readFully(json);
            Object ps = JSON.readValue(json, Map.class).get("parameters");
            long floats = 0;
            for (Object o : (List<?>) ps) {
                Map<?, ?> pm = (Map<?, ?>) o;
                long n = 1;
                for (Object dim : (List<?>) pm.get("shape")) {
                    n *= ((Number) dim).longValue();
                }
                floats += Boolean.TRUE.equals(pm.get("moments")) ? 3 * n : n;
            }
            long expected = MAGIC.length + 8L + len + 4 * floats + 8;
            return size < expected ? "it is truncated (" + size + " of " + expected + " bytes)" : damaged;
        } catch (IOException | RuntimeException e) {
            return damaged;
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> section(Path path, Map<String, Object> h, String key) {
        if (!(h.get(key) instanceof Map<?, ?> m)) {
            throw corrupt(path, "its header has no \"" + key + "\" section");
        }
        return (Map<String, Object>) m;
    }

    private static long number(Path path, Map<String, Object> h, String key) {
        if (!(h.get(key) instanceof Number n)) {
            throw corrupt(path, "its header has no number \"" + key + "\"");
        }
        return n.longValue();
    }

    @SuppressWarnings("unchecked")
    private static Trainer read(Path path, Backend backend, Integer epochs) {
        try (FileChannel ch = open(path)) {
            return read(path, ch, backend, epochs);
        } catch (IOException e) {
            throw corrupt(path, e.getMessage());
        }
    }

    @SuppressWarnings("unchecked")
    private static Trainer read(Path path, FileChannel ch, Backend backend, Integer epochs) {
        Header hd = header(path, ch);
        Map<String, Object> h = hd.map();
        TrainConfig cfg = epochs == null ? hd.info().config() : hd.info().config().withEpochs(epochs);
        if (!(h.get("parameters") instanceof List<?> list)) {
            throw corrupt(path, "its header has no \"parameters\" list");
        }
        List<?> ps = list;
        Hvae model = new Hvae(hd.info().spec(), backend, cfg.seed());
        Trainer t = null;
        try (InputStream raw = new BufferedInputStream(from(ch, hd.dataOffset()), 1 << 20)) {
            DataInputStream d = new DataInputStream(raw);
            int np = model.parameters().size();
            if (ps.size() != np + model.buffers().size()) {
                throw corrupt(path, "it lists " + ps.size() + " parameters and buffers, the model has " + np
                        + " parameters and " + model.buffers().size() + " buffers");
            }
            t = new Trainer(model, cfg);
            for (int i = 0; i < ps.size(); i++) {
                Param p = i < np ? model.parameters().get(i) : model.buffers().get(i - np);
                Map<?, ?> pm = ps.get(i) instanceof Map<?, ?> m ? m : Map.of();
                Object shape = pm.get("shape");
                Object name = pm.get("name");
                if (!String.valueOf(name).equals(p.name())
                        || !java.util.Arrays.stream(p.value().shape().dims()).boxed().toList().equals(shape)) {
                    throw corrupt(path, "parameter " + i + " is " + name + " " + shape + ", the model expects "
                            + p.name() + " " + p.value().shape());
                }
                int n = Math.toIntExact(p.value().numel());
                backend.copyFrom(readFloats(d, n), p.value());
                if (i < np && Boolean.TRUE.equals(pm.get("moments"))) {
                    t.optimizer().setMoments(i, readFloats(d, n), readFloats(d, n));
                }
            }
            d.readLong();  // the checksum, verified with the header
            if (raw.read() != -1) {
                throw corrupt(path, "unexpected bytes after the checksum");
            }
            Object bl = h.get("baseline");
            Info info = hd.info();
            t.restore(info.step(), info.epoch(), (int) number(path, h, "batchInEpoch"), number(path, h, "adamSteps"),
                    bl instanceof Number n ? n.doubleValue() : Double.NaN, info.skippedSteps());
            t.restoreLastEpoch(info.lastEpochApplied(), info.lastEpochSkipped());
            t.runInfo().putAll(info.run());
            return t;
        } catch (RuntimeException | IOException e) {
            if (t != null) {
                t.close();
            }
            model.close();
            if (e instanceof CheckpointException ce) {
                throw ce;
            }
            if (e instanceof EOFException) {
                throw corrupt(path, "it is truncated");
            }
            if (e instanceof IOException) {
                throw corrupt(path, e.getMessage());
            }
            throw (RuntimeException) e;
        }
    }

    private static CheckpointException corrupt(Path path, String why) {
        return new CheckpointException("checkpoint " + path + " is unusable: " + why);
    }

    /** A checkpoint could not be read. */
    public static final class CheckpointException extends RuntimeException {
        CheckpointException(String message) {
            super(message);
        }
    }

    /**
     * Writes the parameters and then the buffers as a safetensors file (F32, row-major; names as in
     * {@link Hvae#parameters()} and {@link Hvae#buffers()}).
     */
    public static void exportSafetensors(Hvae model, Path path) throws IOException {
        Map<String, Object> header = new LinkedHashMap<>();
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", "pt");
        meta.put("hvae4j_model", JSON.writeValueAsString(model.spec().toMap()));
        header.put("__metadata__", meta);
        long offset = 0;
        List<Param> saved = new java.util.ArrayList<>(model.parameters());
        saved.addAll(model.buffers());
        for (Param p : saved) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("dtype", "F32");
            e.put("shape", p.value().shape().dims());
            long bytes = p.value().numel() * 4;
            e.put("data_offsets", new long[] {offset, offset + bytes});
            offset += bytes;
            header.put(p.name(), e);
        }
        byte[] json = JSON.writeValueAsBytes(header);
        int pad = (8 - json.length % 8) % 8;
        byte[] padded = java.util.Arrays.copyOf(json, json.length + pad);
        java.util.Arrays.fill(padded, json.length, padded.length, (byte) ' ');
        AtomicFiles.write(path, out -> {
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded.length);
            out.write(len.array());
            out.write(padded);
            DataOutputStream d = new DataOutputStream(out);
            for (Param p : saved) {
                writeFloats(d, p.value().toArray());
            }
            d.flush();
        });
    }
}
