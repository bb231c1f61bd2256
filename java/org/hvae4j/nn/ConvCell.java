package org.hvae4j.nn;

import java.util.ArrayList;
import java.util.List;
import org.hvae4j.tensor.Activation;
import org.hvae4j.tensor.Backend;
import org.hvae4j.tensor.Conv2d;
import org.hvae4j.tensor.Tensor;

/** The cell a {@link ConvCellSpec} describes (see there); it runs on a {@link Tape}. */
final class ConvCell implements Cell {
    private static final float RESIDUAL_SCALE = 0.1f;   // NVAE's: s + 0.1 · branch(s)

    private final ConvCellSpec spec;
    private final Activation act;
    private final int[] inputWidths;
    private final boolean[] image;          // per input: an image (else a vector made a channel bias)
    private final ConvLayer combine;        // 1x1 convolutions of the image inputs into the channels
    private final Linear vectors;           // the vector inputs to a bias per channel, or null
    private final ConvLayer resample;       // stride-2 convolution (down) or the convolution after upsampling (up)
    private final List<ConvLayer[]> branches = new ArrayList<>();
    private final List<Linear[]> excite = new ArrayList<>();
    private final List<BatchNorm[]> norms = new ArrayList<>();   // per branch, one before each activation (BATCH)
    private final List<Param> params;

    ConvCell(CellContext ctx, String name, Param.Role role, int[] inputWidths, ConvCellSpec spec) {
        this.spec = spec;
        this.act = ctx.activation();
        this.inputWidths = inputWidths.clone();
        int h = spec.height(), w = spec.width(), plane = h * w, c = spec.channels();
        int first = ctx.registry().size();
        image = new boolean[inputWidths.length];
        List<Conv2d> imageConvs = new ArrayList<>();
        List<Integer> vectorWidths = new ArrayList<>();
        for (int i = 0; i < inputWidths.length; i++) {
            if (inputWidths[i] <= 0) {
                throw new IllegalArgumentException(name + ": input width must be positive, got " + inputWidths[i]);
            }
            image[i] = inputWidths[i] % plane == 0;
            if (image[i]) {
                imageConvs.add(Conv2d.of(inputWidths[i] / plane, h, w, c, 1, 1, 0));
            } else {
                vectorWidths.add(inputWidths[i]);
            }
        }
        if (imageConvs.isEmpty()) {
            throw new IllegalArgumentException(name + ": a convolutional block over " + h + "x" + w + " images got no "
                    + "image input (input widths " + java.util.Arrays.toString(inputWidths) + ", none a multiple of "
                    + plane + ")");
        }
        combine = ConvLayer.create(ctx, name + ".in", role, true, imageConvs.toArray(Conv2d[]::new));
        vectors = vectorWidths.isEmpty() ? null : Linear.create(ctx, name + ".vec", role,
                vectorWidths.stream().mapToInt(Integer::intValue).toArray(), c);
        int oh = spec.outHeight(), ow = spec.outWidth();
        resample = switch (spec.resample()) {
            case NONE -> null;
            case DOWN -> ConvLayer.create(ctx, name + ".down", role, true, Conv2d.of(c, h, w, c, 3, 2, 1));
            case UP -> ConvLayer.create(ctx, name + ".up", role, true, Conv2d.of(c, oh, ow, c, 3, 1, 1));
        };
        int se = Math.max(c / 16, 4);
        for (int k = 0; k < spec.cells(); k++) {
            String cn = name + ".cell" + k;
            boolean bn = spec.norm() == ConvCellSpec.Norm.BATCH;
            if (spec.style() == ConvCellSpec.Style.ENCODER) {
                norms.add(bn ? new BatchNorm[] {BatchNorm.create(ctx, cn + ".bn0", role, c),
                    BatchNorm.create(ctx, cn + ".bn1", role, c)} : null);
                branches.add(new ConvLayer[] {
                    ConvLayer.create(ctx, cn + ".a", role, true, Conv2d.of(c, oh, ow, c, 3, 1, 1)),
                    ConvLayer.create(ctx, cn + ".b", role, true, Conv2d.of(c, oh, ow, c, 3, 1, 1))});
            } else {
                int e = c * spec.expand();
                norms.add(bn ? new BatchNorm[] {null, BatchNorm.create(ctx, cn + ".bn1", role, e),
                    BatchNorm.create(ctx, cn + ".bn2", role, e)} : null);
                branches.add(new ConvLayer[] {
                    ConvLayer.create(ctx, cn + ".expand", role, true, Conv2d.of(c, oh, ow, e, 1, 1, 0)),
                    ConvLayer.create(ctx, cn + ".depthwise", role, true, Conv2d.depthwise(e, oh, ow, 5, 1, 2)),
                    ConvLayer.create(ctx, cn + ".project", role, true, Conv2d.of(e, oh, ow, c, 1, 1, 0))});
            }
            excite.add(new Linear[] {Linear.create(ctx, cn + ".se0", role, new int[] {c}, se),
                Linear.create(ctx, cn + ".se1", role, new int[] {se}, c)});
        }
        params = ctx.registry().subList(first, ctx.registry().size()).stream().filter(Param::trainable).toList();
    }

    @Override
    public int[] outputWidths() {
        return new int[] {spec.channels() * spec.outHeight() * spec.outWidth()};
    }

    @Override
    public List<Param> parameters() {
        return params;
    }

    private record Trace(List<Tensor> inputs, List<Tensor> outputs, Tape tape) implements Cell.Trace {}

    @Override
    public Cell.Trace forward(List<Tensor> inputs) {
        if (inputs.size() != inputWidths.length) {
            throw new IllegalArgumentException("convolutional cell expects " + inputWidths.length + " inputs, got "
                    + inputs.size());
        }
        for (int i = 0; i < inputs.size(); i++) {
            if (inputs.get(i).numel() != (long) inputs.get(i).shape().dim(0) * inputWidths[i]) {
                throw new IllegalArgumentException("convolutional cell input " + i + " " + inputs.get(i).shape()
                        + " does not have rows of " + inputWidths[i] + " values");
            }
        }
        Backend be = inputs.get(0).backend();
        Tape tape = new Tape(be, inputs);
        List<Tensor> images = new ArrayList<>();
        List<Tensor> vecs = new ArrayList<>();
        for (int i = 0; i < inputs.size(); i++) {
            (image[i] ? images : vecs).add(inputs.get(i));
        }
        int c = spec.channels(), h = spec.height(), w = spec.width();
        Tensor s = combine.forward(tape, images);
        if (vectors != null) {
            s = TapeOps.addChannelBias(tape, s, TapeOps.linear(tape, vectors, vecs), c, h * w);
        }
        if (spec.resample() == ConvCellSpec.Resample.DOWN) {
            s = resample.forward(tape, List.of(TapeOps.activation(tape, act, s)));
        } else if (spec.resample() == ConvCellSpec.Resample.UP) {
            s = resample.forward(tape, List.of(TapeOps.upsample(tape, s, h, w, 2)));
        }
        int hw = spec.outHeight() * spec.outWidth();
        for (int k = 0; k < branches.size(); k++) {
            Tensor b = s;
            ConvLayer[] layers = branches.get(k);
            BatchNorm[] bn = norms.get(k);
            for (int j = 0; j < layers.length; j++) {
                // encoder: act, conv, act, conv; decoder: conv, act, depthwise, act, conv (with batch normalization:
                // before each activation)
                boolean before = spec.style() == ConvCellSpec.Style.ENCODER || j > 0;
                if (before) {
                    if (bn != null) {
                        b = bn[j].forward(tape, b);
                    }
                    b = TapeOps.activation(tape, act, b);
                }
                b = layers[j].forward(tape, List.of(b));
            }
            b = TapeOps.squeezeExcite(tape, b, c, hw, excite.get(k)[0], excite.get(k)[1]);
            s = TapeOps.addScaled(tape, s, b, RESIDUAL_SCALE);
        }
        return new Trace(inputs, List.of(s), tape);
    }

    @Override
    public List<Tensor> backward(Cell.Trace trace, List<Tensor> dOutputs, boolean paramGrads, boolean[] needInput) {
        Trace t = (Trace) trace;
        return t.tape().backward(t.inputs(), t.outputs(), dOutputs, paramGrads, needInput);
    }
}
