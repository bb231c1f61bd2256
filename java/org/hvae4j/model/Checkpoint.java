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
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.CheckedInputStream;
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
        List<Map<String, Object>> ps = new java.util.ArrayList<>();
        for (Param p : m.parameters()) {
            Map<String, Object> pm = new LinkedHashMap<>();
            pm.put("name", p.name());
            pm.put("shape", p.value().shape().dims());
            pm.put("moments", true);
            ps.add(pm);
        }
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
            d.flush();
            new DataOutputStream(out).writeLong(crc.getValue());
        });
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
    @SuppressWarnings("unchecked")
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

    @SuppressWarnings("unchecked")
    private static Trainer read(Path path, Backend backend, Integer epochs) {
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(path), 1 << 20)) {
            CRC32 crc = new CRC32();
            DataInputStream d = new DataInputStream(new CheckedInputStream(raw, crc));
            byte[] magic = new byte[MAGIC.length];
            d.readFully(magic);
            if (!java.util.Arrays.equals(magic, MAGIC)) {
                throw corrupt(path, "not an hvae4j checkpoint (bad magic bytes)");
            }
            int version = d.readInt();
            if (version != VERSION) {
                throw corrupt(path, "unsupported checkpoint version " + version + " (this build reads " + VERSION + ")");
            }
            int len = d.readInt();
            if (len <= 0 || len > (64 << 20)) {
                throw corrupt(path, "header length " + len + " is out of range");
            }
            byte[] json = new byte[len];
            d.readFully(json);
            Map<String, Object> h = JSON.readValue(json, Map.class);
            ModelSpec spec = ModelSpec.fromMap((Map<String, Object>) h.get("model"));
            TrainConfig cfg = TrainConfig.fromMap((Map<String, Object>) h.get("training"));
            if (epochs != null) {
                cfg = cfg.withEpochs(epochs);
            }
            Hvae model = new Hvae(spec, backend, cfg.seed());
            List<Map<String, Object>> ps = (List<Map<String, Object>>) h.get("parameters");
            if (ps == null || ps.size() != model.parameters().size()) {
                throw corrupt(path, "it lists " + (ps == null ? 0 : ps.size()) + " parameters, the model has "
                        + model.parameters().size());
            }
            Trainer t = new Trainer(model, cfg);
            for (int i = 0; i < ps.size(); i++) {
                Param p = model.parameters().get(i);
                List<Integer> shape = (List<Integer>) ps.get(i).get("shape");
                if (!String.valueOf(ps.get(i).get("name")).equals(p.name())
                        || !shape.equals(java.util.Arrays.stream(p.value().shape().dims()).boxed().toList())) {
                    throw corrupt(path, "parameter " + i + " is " + ps.get(i).get("name") + " " + shape
                            + ", the model expects " + p.name() + " " + p.value().shape());
                }
                int n = Math.toIntExact(p.value().numel());
                backend.copyFrom(readFloats(d, n), p.value());
                if (Boolean.TRUE.equals(ps.get(i).get("moments"))) {
                    t.optimizer().setMoments(i, readFloats(d, n), readFloats(d, n));
                }
            }
            long expected = crc.getValue();
            long stored = new DataInputStream(raw).readLong();
            if (stored != expected) {
                throw corrupt(path, "checksum mismatch (the file was changed or damaged)");
            }
            if (raw.read() != -1) {
                throw corrupt(path, "unexpected bytes after the checksum");
            }
            Object bl = h.get("baseline");
            t.restore(((Number) h.get("step")).longValue(), ((Number) h.get("epoch")).intValue(),
                    ((Number) h.get("batchInEpoch")).intValue(), ((Number) h.get("adamSteps")).longValue(),
                    bl instanceof Number n ? n.doubleValue() : Double.NaN, ((Number) h.get("skippedSteps")).longValue());
            return t;
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("checkpoint " + path + " does not exist");
        } catch (EOFException e) {
            throw corrupt(path, "it is truncated");
        } catch (CheckpointException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw corrupt(path, e.getMessage());
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

    /** Writes the parameters as a safetensors file (F32, row-major; names as in {@link Hvae#parameters()}). */
    public static void exportSafetensors(Hvae model, Path path) throws IOException {
        Map<String, Object> header = new LinkedHashMap<>();
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", "pt");
        meta.put("hvae4j_model", JSON.writeValueAsString(model.spec().toMap()));
        header.put("__metadata__", meta);
        long offset = 0;
        for (Param p : model.parameters()) {
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
            for (Param p : model.parameters()) {
                writeFloats(d, p.value().toArray());
            }
            d.flush();
        });
    }
}
