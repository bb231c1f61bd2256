"""The PyTorch twin of hvae4j's convolutional hierarchy (org.hvae4j.model.ConvHierarchy, the `conv` preset): the same
cells, heads, inference and objective, computed the way hvae4j computes them, with hvae4j's parameter names, so that
a model trained by either side can be evaluated by the other (`load_hvae4j` reads hvae4j's safetensors export).

The preset (BurdaModels.convolutional): 28 x 28 binarized images; Gaussian latent groups of 4 channels, two at 14 x 14
(z1, z2) and two at 7 x 7 (z3, z4, the top); 32 feature channels; one residual cell per block; decoder cells expand
the channels 3x; Swish (SiLU); residual-posterior (top-down) inference.

hvae4j's layout, bottom-up index l (0 is z1, next to x):
  block(l): the upward cell between what lies below z_{l+1} (x, or z_l's level) and z_{l+1}'s resolution:
            l = 0: 28x28 -> 14x14 (down); l = 1: 14x14; l = 2: 14x14 -> 7x7 (down); l = 3: 7x7.
  upward    up[l] = block(l) over x (l = 0) or up[l-1]'s features; the top one has heads (mu, log var) of q(z_top | x).
  prior     p(z_top) = N(0, I); p(z_l | z_{l+1}) = heads(mirror(block(l+1)) over z_{l+1}), l below the top.
  posterior q(z_l | z_{l+1}, x) = p(z_l | z_{l+1}) shifted by heads(combiner(l)) over [up[l] features, the prior's
            features] (mu_q = mu_p + d_mu, log var_q = log var_p + d_lv); combiner(l) = 1x1 convolutions of the two.
  decoder   logits = head(mirror(block(0)) over z1).
  state     (state=True, ModelSpec.topDownState) prior l reads [z_{l+1}, prior l+1's features] and the decoder
            [z1, prior 0's features]: NVAE's deterministic top-down path; the priors are then made from the top down.
Cells (ConvCellSpec): the inputs' 1x1 convolutions summed (one bias); down: act, 3x3 stride-2 conv; up: nearest x2,
3x3 conv; then residual cells s + 0.1 SE(branch(s)), encoder branch act-conv3x3-act-conv3x3, decoder branch
conv1x1(expand)-act-depthwise5x5-act-conv1x1; SE: channel means, Linear(C, max(C/16, 4)), ReLU, Linear, sigmoid. Every
convolution is weight-normalized per output channel (w = g v / ||v||, one (v, g) per input) with a bias; heads are 3x3
convolutions. Initialization as hvae4j: v and biases ~ U(+-1/sqrt(fan-in)) (fan-in summed over a layer's inputs), g =
||v||; Linear weights [in, out] and biases ~ U(+-1/sqrt(fan-in)).
ELBO: log p(x | z1) - sum_l KL(q(z_l | ...) || p(z_l | z_{l+1})), each KL analytic given the sampled parent.
Options as in hvae4j: `features` (the feature channels of every block; the preset's 32, `f48`'s 48), `batch_norm`
(ConvCellSpec.Norm.BATCH: BatchNorm2d-style normalization before every activation of the residual branches, momentum
0.05, eps 1e-5, parameters ".gamma"/".beta", running statistics ".mean"/".var"; batch statistics in training mode,
running ones in eval mode) and `data_init(model, x)` (hvae4j's DataInit: every weight-normalized convolution of the
cells, heads excepted, in the order a pass reaches it, set to mean-0 variance-1 outputs per channel on x).
"""

import math

import torch
import torch.nn as nn
import torch.nn.functional as F

LOG_2PI = math.log(2.0 * math.pi)


class Params(nn.Module):
    """The parameters by hvae4j's names (dots kept in `names`, replaced for nn.ParameterDict)."""

    def __init__(self):
        super().__init__()
        self.store = nn.ParameterDict()

    def add(self, name, tensor):
        self.store[name.replace(".", "__")] = nn.Parameter(tensor)
        return name

    def __getitem__(self, name):
        return self.store[name.replace(".", "__")]

    def names(self):
        return [k.replace("__", ".") for k in self.store.keys()]

    def add_buffer(self, name, tensor):
        self.register_buffer("buf__" + name.replace(".", "__"), tensor)
        return name

    def buffer(self, name):
        return getattr(self, "buf__" + name.replace(".", "__"))

    def buffer_names(self):
        return [k[len("buf__"):].replace("__", ".") for k, _ in self.named_buffers()]


def uniform(shape, bound):
    return (torch.rand(shape) * 2 - 1) * bound


_DATA_INIT = []   # while data_init runs: [count of convolutions initialized]


class WNConv:
    """sum_i conv(x_i, g_i v_i / ||v_i||) + b, hvae4j's ConvLayer (a head's when not `cell`: no data-init)."""

    def __init__(self, params, name, in_channels, out_channels, kernel, stride=1, padding=0, groups=1, cell=True):
        self.name, self.stride, self.padding, self.groups, self.cell = name, stride, padding, groups, cell
        self.n = len(in_channels)
        fan_in = sum(c // groups * kernel * kernel for c in in_channels)
        bound = 1 / math.sqrt(fan_in)
        for i, c in enumerate(in_channels):
            v = uniform((out_channels, c // groups, kernel, kernel), bound)
            params.add(f"{name}.v{i}", v)
            params.add(f"{name}.g{i}", v.flatten(1).norm(dim=1))
        params.add(f"{name}.b", uniform((out_channels,), bound))
        self.params = params

    def __call__(self, xs):
        if self.cell and _DATA_INIT:
            self._initialize(xs)
        return self._apply(xs)

    def _initialize(self, xs):
        """hvae4j's ConvLayer.initializeFrom: gains / sd and b <- (b - mean) / sd per output channel."""
        p = self.params
        with torch.no_grad():
            y = self._apply(xs)
            mean = y.mean(dim=(0, 2, 3))
            sd = y.var(dim=(0, 2, 3), unbiased=False).sqrt()
            ok = sd > 1e-6 * mean.abs().clamp_min(1)
            scale = torch.where(ok, 1 / sd, torch.ones_like(sd))
            b = p[f"{self.name}.b"]
            b.copy_(torch.where(ok, (b - mean) / sd, b))
            for i in range(self.n):
                p[f"{self.name}.g{i}"].mul_(scale)
        _DATA_INIT[0] += 1

    def _apply(self, xs):
        p = self.params
        y = None
        for i, x in enumerate(xs):
            v, g = p[f"{self.name}.v{i}"], p[f"{self.name}.g{i}"]
            w = v * (g / v.flatten(1).norm(dim=1).clamp_min(1e-12)).view(-1, 1, 1, 1)
            t = F.conv2d(x, w, p[f"{self.name}.b"] if i == 0 else None, self.stride, self.padding, 1, self.groups)
            y = t if y is None else y + t
        return y


class Linear:
    """hvae4j's Linear: y = x W + b with W stored [in, out]."""

    def __init__(self, params, name, n_in, n_out):
        bound = 1 / math.sqrt(n_in)
        self.name, self.params = name, params
        params.add(f"{name}.w0", uniform((n_in, n_out), bound))
        params.add(f"{name}.b", uniform((n_out,), bound))

    def __call__(self, x):
        return x @ self.params[f"{self.name}.w0"] + self.params[f"{self.name}.b"]


class BatchNorm:
    """hvae4j's nn.BatchNorm: F.batch_norm with NVAE's momentum; the running statistics are buffers of `params`."""

    def __init__(self, params, name, channels):
        self.name, self.params = name, params
        params.add(f"{name}.gamma", torch.ones(channels))
        params.add(f"{name}.beta", torch.zeros(channels))
        params.add_buffer(f"{name}.mean", torch.zeros(channels))
        params.add_buffer(f"{name}.var", torch.ones(channels))

    def __call__(self, x):
        p = self.params
        return F.batch_norm(x, p.buffer(f"{self.name}.mean"), p.buffer(f"{self.name}.var"), p[f"{self.name}.gamma"],
                            p[f"{self.name}.beta"], p.training, 0.05, 1e-5)


class ConvCell:
    """ConvCellSpec's cell over images of h x w: resample is 'none', 'down' or 'up'; style 'encoder' or 'decoder'."""

    def __init__(self, params, name, in_channels, channels, cells, resample, style, expand, batch_norm=False):
        self.resample, self.style = resample, style
        self.combine = WNConv(params, f"{name}.in", in_channels, channels, 1)
        if resample == "down":
            self.re = WNConv(params, f"{name}.down", [channels], channels, 3, stride=2, padding=1)
        elif resample == "up":
            self.re = WNConv(params, f"{name}.up", [channels], channels, 3, padding=1)
        se = max(channels // 16, 4)
        self.branches = []
        for k in range(cells):
            cn = f"{name}.cell{k}"
            e = channels * expand
            # In hvae4j's creation order: a branch's batch norms before its convolutions.
            if not batch_norm:
                norms = None
            elif style == "encoder":
                norms = [BatchNorm(params, f"{cn}.bn0", channels), BatchNorm(params, f"{cn}.bn1", channels)]
            else:
                norms = [None, BatchNorm(params, f"{cn}.bn1", e), BatchNorm(params, f"{cn}.bn2", e)]
            if style == "encoder":
                layers = [WNConv(params, f"{cn}.a", [channels], channels, 3, padding=1),
                          WNConv(params, f"{cn}.b", [channels], channels, 3, padding=1)]
            else:
                layers = [WNConv(params, f"{cn}.expand", [channels], e, 1),
                          WNConv(params, f"{cn}.depthwise", [e], e, 5, padding=2, groups=e),
                          WNConv(params, f"{cn}.project", [e], channels, 1)]
            self.branches.append((layers, norms, Linear(params, f"{cn}.se0", channels, se),
                                  Linear(params, f"{cn}.se1", se, channels)))

    def __call__(self, xs):
        s = self.combine(xs)
        if self.resample == "down":
            s = self.re([F.silu(s)])
        elif self.resample == "up":
            s = self.re([F.interpolate(s, scale_factor=2, mode="nearest")])
        for layers, norms, se0, se1 in self.branches:
            b = s
            for i, layer in enumerate(layers):
                if self.style == "encoder" or i > 0:
                    if norms is not None:
                        b = norms[i](b)
                    b = F.silu(b)
                b = layer([b])
            gate = torch.sigmoid(se1(F.relu(se0(b.mean(dim=(2, 3))))))
            s = s + 0.1 * (b * gate[:, :, None, None])
        return s


def gaussian_kl(mu_q, lv_q, mu_p, lv_p):
    """KL(N(mu_q, e^lv_q) || N(mu_p, e^lv_p)) summed over all but the batch dimension."""
    return 0.5 * (lv_p - lv_q + (torch.exp(lv_q) + (mu_q - mu_p) ** 2) * torch.exp(-lv_p) - 1).flatten(1).sum(1)


def gaussian_log_density(z, mu, lv):
    return -0.5 * (LOG_2PI + lv + (z - mu) ** 2 * torch.exp(-lv)).flatten(1).sum(1)


class ConvHvae(nn.Module):
    """The `conv` preset. scales: (divisor, groups, latent channels, feature channels), finest first."""

    def __init__(self, scales=((2, 2, 4, 32), (4, 2, 4, 32)), cells=1, expand=3, image=(1, 28, 28), state=False,
                 features=None, batch_norm=False):
        super().__init__()
        self.state = state
        self.params = Params()
        p = self.params
        c_img, h_img, w_img = image
        self.image = image
        if features is not None:
            scales = tuple((d, g, lc, features) for d, g, lc, _ in scales)
        bn = batch_norm
        # Latent groups bottom-up: (channels, h, w); block l below group l (upward direction).
        groups, blocks = [], []
        for divisor, n_groups, lat_c, feat_c in scales:
            h, w = h_img // divisor, w_img // divisor
            for g in range(n_groups):
                groups.append((lat_c, h, w))
                blocks.append(dict(h=h * 2 if g == 0 else h, w=w * 2 if g == 0 else w, c=feat_c,
                                   resample="down" if g == 0 else "none"))
        self.groups, self.depth = groups, len(groups)
        # The parameters in hvae4j's creation order: upward cells, then per layer its prior and posterior, the decoder.
        self.up, self.up_heads = [], []
        in_c = [c_img]
        for l, b in enumerate(blocks):
            self.up.append(ConvCell(p, f"up{l + 1}", in_c, b["c"], cells, b["resample"], "encoder", expand, bn))
            if l == self.depth - 1:
                self.up_heads = [WNConv(p, f"up{l + 1}.head{i}", [b["c"]], groups[l][0], 3, padding=1, cell=False)
                                 for i in range(2)]
            in_c = [b["c"]]
        self.prior, self.prior_heads, self.post, self.post_heads = {}, {}, {}, {}
        # With the top-down state prior l also reads prior l + 1's features, so the priors are made from the top down.
        has_state = lambda l: state and l + 1 <= self.depth - 2   # the network reading z_{l+1} gets prior l+1's features
        for l in (range(self.depth - 2, -1, -1) if state else range(self.depth - 1)):
            above = blocks[l + 1]
            mirror = "up" if above["resample"] == "down" else "none"
            ins = [groups[l + 1][0]] + ([blocks[l + 2]["c"]] if has_state(l) else [])
            self.prior[l] = ConvCell(p, f"prior{l + 1}", ins, above["c"], cells, mirror, "decoder", expand, bn)
            self.prior_heads[l] = [WNConv(p, f"prior{l + 1}.head{i}", [above["c"]], groups[l][0], 3, padding=1,
                                          cell=False)
                                   for i in range(2)]
            c = blocks[l]["c"]
            self.post[l] = ConvCell(p, f"post{l + 1}", [c, above["c"]], c, 0, "none", "encoder", expand)
            self.post_heads[l] = [WNConv(p, f"post{l + 1}.head{i}", [c], groups[l][0], 3, padding=1, cell=False)
                                  for i in range(2)]
        b0 = blocks[0]
        dec_ins = [groups[0][0]] + ([blocks[1]["c"]] if state else [])
        self.dec = ConvCell(p, "dec", dec_ins, b0["c"], cells, "up", "decoder", expand, bn)
        self.dec_head = WNConv(p, "dec.head0", [b0["c"]], c_img, 3, padding=1, cell=False)

    def _upward(self, x):
        feats, s = [], x.view(-1, *self.image)
        for cell in self.up:
            s = cell([s])
            feats.append(s)
        return feats

    def _pass(self, x, k, analytic):
        """Per (k * B) rows, sample-major: log p(x | z1) and, per layer, the KL term (analytic given the parents) or
        log q - log p of the sample."""
        feats = self._upward(x)
        rep = lambda t: t.repeat(k, *([1] * (t.dim() - 1)))
        top = self.depth - 1
        mu, lv = (rep(h([feats[top]])) for h in self.up_heads)
        eps = torch.randn_like(mu)
        z = mu + torch.exp(0.5 * lv) * eps
        zero = torch.zeros_like(mu)
        terms = [None] * self.depth
        terms[top] = gaussian_kl(mu, lv, zero, zero) if analytic else \
            (gaussian_log_density(z, mu, lv) - gaussian_log_density(z, zero, zero))
        pf = None   # the prior network's features of the layer last drawn: the top-down state
        for l in range(top - 1, -1, -1):
            pf = self.prior[l]([z] + ([pf] if self.state and pf is not None else []))
            mu_p, lv_p = (h([pf]) for h in self.prior_heads[l])
            qf = self.post[l]([rep(feats[l]), pf])
            d_mu, d_lv = (h([qf]) for h in self.post_heads[l])
            mu_q, lv_q = mu_p + d_mu, lv_p + d_lv
            eps = torch.randn_like(mu_q)
            z = mu_q + torch.exp(0.5 * lv_q) * eps
            terms[l] = gaussian_kl(mu_q, lv_q, mu_p, lv_p) if analytic else \
                (gaussian_log_density(z, mu_q, lv_q) - gaussian_log_density(z, mu_p, lv_p))
        logits = self.dec_head([self.dec([z] + ([pf] if self.state else []))]).flatten(1)
        xk = rep(x)
        log_px = (xk * logits - F.softplus(logits)).sum(1)
        return log_px, terms

    def elbo(self, x):
        log_px, kls = self._pass(x, 1, True)
        return log_px - sum(kls)

    def log_weights(self, x, k):
        log_px, terms = self._pass(x, k, False)
        return (log_px - sum(terms)).view(k, -1)


def data_init(model, x):
    """hvae4j's Trainer.initializeFromData on batch x (a training pass of one sample); returns the convolutions
    initialized."""
    _DATA_INIT[:] = [0]
    try:
        with torch.no_grad():
            model.elbo(x)
        return _DATA_INIT[0]
    finally:
        _DATA_INIT.clear()


def load_hvae4j(model, path):
    """Copies the parameters and buffers of hvae4j's safetensors export (Checkpoint.exportSafetensors) into the
    twin."""
    from safetensors.torch import load_file
    tensors = load_file(path)
    names = set(model.params.names()) | set(model.params.buffer_names())
    missing = names - set(tensors)
    extra = set(tensors) - names
    if missing or extra:
        raise ValueError(f"parameter names differ: missing {sorted(missing)[:5]}, unexpected {sorted(extra)[:5]}")
    with torch.no_grad():
        for name in names:
            target = model.params.buffer(name) if name in model.params.buffer_names() else model.params[name]
            src = tensors[name]
            if tuple(src.shape) != tuple(target.shape):
                raise ValueError(f"{name}: hvae4j has {tuple(src.shape)}, the twin {tuple(target.shape)}")
            target.copy_(src)
