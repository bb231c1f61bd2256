"""PyTorch reference models for hvae4j: the VAEs of Burda, Grosse & Salakhutdinov
(2015), "Importance Weighted Autoencoders", on 784-dim binarized images.

Every model exposes
    elbo(x)              -> (B,)   single-sample ELBO per example
    log_weights(x, k)    -> (k, B) log p(x, z) - log q(z | x) for k samples z ~ q(z | x)
and the IWAE bound is iwae_bound(model, x, k) = logsumexp_k(log_weights) - log k.

Conventions (the Java side must match them):
  * MLPs are Linear-tanh-Linear-tanh followed by a Linear head; a Gaussian head is one
    Linear producing [mu, logvar] (first half mu, second half log sigma^2); a Bernoulli
    head is one Linear producing logits. Initialisation is PyTorch's default nn.Linear
    init: weight and bias ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
  * Inference is bottom-up: q(z1|x) q(z2|z1); generation p(z2) p(z1|z2) p(x|z1).
  * log_weights encodes x once and draws the k samples from the same q(z1|x)
    parameters; everything above z1 runs on k*B rows.
  * Bernoulli log-likelihood of x given logits l: x*l - softplus(l), via
    binary_cross_entropy_with_logits.
"""

import math

import torch
import torch.nn as nn
import torch.nn.functional as F

LOG_2PI = math.log(2.0 * math.pi)
LOG_2 = math.log(2.0)


class MLP(nn.Module):
    """in -> hidden -> hidden (tanh after each) -> Linear(hidden, out)."""

    def __init__(self, n_in, n_hidden, n_out):
        super().__init__()
        self.l1 = nn.Linear(n_in, n_hidden)
        self.l2 = nn.Linear(n_hidden, n_hidden)
        self.out = nn.Linear(n_hidden, n_out)

    def forward(self, x):
        return self.out(torch.tanh(self.l2(torch.tanh(self.l1(x)))))


class GaussianMLP(MLP):
    """MLP whose head gives (mu, log sigma^2) of a diagonal Gaussian of size n_z."""

    def __init__(self, n_in, n_hidden, n_z):
        super().__init__(n_in, n_hidden, 2 * n_z)

    def forward(self, x):
        mu, logvar = super().forward(x).chunk(2, dim=-1)
        return mu, logvar


# ---------------------------------------------------------------- densities and KLs

def gaussian_log_density(z, mu, logvar):
    """sum_i log N(z_i; mu_i, exp(logvar_i))."""
    return -0.5 * (LOG_2PI + logvar + (z - mu).pow(2) * torch.exp(-logvar)).sum(-1)


def std_normal_log_density(z):
    return -0.5 * (LOG_2PI + z.pow(2)).sum(-1)


def gaussian_kl_std_normal(mu, logvar):
    """KL(N(mu, exp(logvar)) || N(0, I)), summed over the last dim."""
    return 0.5 * (mu.pow(2) + torch.exp(logvar) - 1.0 - logvar).sum(-1)


def bernoulli_log_lik_data(logits, x):
    """log p(x | logits) for observed (constant) binary x."""
    return -F.binary_cross_entropy_with_logits(logits, x, reduction="none").sum(-1)


def bernoulli_log_prob(z, logits):
    """log Bernoulli(z; sigmoid(logits)) = z*l - softplus(l); differentiable in z too
    (z may be a straight-through sample)."""
    return (z * logits - F.softplus(logits)).sum(-1)


def bernoulli_kl(q_logits, p_logits):
    """KL(Bern(sigmoid(q_logits)) || Bern(sigmoid(p_logits))), summed over the last dim."""
    q = torch.sigmoid(q_logits)
    return (q * (F.logsigmoid(q_logits) - F.logsigmoid(p_logits))
            + (1.0 - q) * (F.logsigmoid(-q_logits) - F.logsigmoid(-p_logits))).sum(-1)


def bernoulli_kl_half(q_logits):
    """KL(Bern(sigmoid(q_logits)) || Bern(0.5)), summed over the last dim."""
    q = torch.sigmoid(q_logits)
    return (q * F.logsigmoid(q_logits) + (1.0 - q) * F.logsigmoid(-q_logits) + LOG_2).sum(-1)


def gaussian_sample(mu, logvar, eps):
    return mu + torch.exp(0.5 * logvar) * eps


def straight_through_sample(logits):
    """Hard 0/1 sample forward, identity gradient to p = sigmoid(logits).
    Written hard + (p - p.detach()) so that the forward value is exactly 0 or 1."""
    p = torch.sigmoid(logits)
    hard = (torch.rand_like(p) < p).to(p.dtype)
    return hard + (p - p.detach())


def iwae_bound(model, x, k):
    """(B,) IWAE bound: log (1/k) sum_k exp(log_weights)."""
    return torch.logsumexp(model.log_weights(x, k), dim=0) - math.log(k)


# ---------------------------------------------------------------------------- models

class G1(nn.Module):
    """One Gaussian layer: q(z|x) 784-200-200 -> z(50); p(x|z) 50-200-200 -> 784."""

    def __init__(self, n_x=784, n_h=200, n_z=50):
        super().__init__()
        self.q_z = GaussianMLP(n_x, n_h, n_z)
        self.p_x = MLP(n_z, n_h, n_x)

    def elbo(self, x):
        # log p(x|z) - KL(q(z|x) || N(0, I)), KL analytic.
        mu, logvar = self.q_z(x)
        z = gaussian_sample(mu, logvar, torch.randn_like(mu))
        return bernoulli_log_lik_data(self.p_x(z), x) - gaussian_kl_std_normal(mu, logvar)

    def log_weights(self, x, k):
        mu, logvar = self.q_z(x)                                  # (B, 50)
        eps = torch.randn((k,) + mu.shape, dtype=mu.dtype, device=mu.device)
        z = gaussian_sample(mu, logvar, eps)                      # (k, B, 50)
        log_q = -0.5 * (LOG_2PI + logvar + eps.pow(2)).sum(-1)    # = log N(z; mu, var)
        log_px = bernoulli_log_lik_data(self.p_x(z), x.expand(k, -1, -1))
        return log_px + std_normal_log_density(z) - log_q


class G2(nn.Module):
    """Two Gaussian layers (IWAE architecture).
    q(z1|x) 784-200-200 -> z1(100); q(z2|z1) 100-100-100 -> z2(50);
    p(z2) = N(0, I); p(z1|z2) 50-100-100 -> z1(100); p(x|z1) 100-200-200 -> 784."""

    def __init__(self, n_x=784, n_h1=200, n_z1=100, n_h2=100, n_z2=50):
        super().__init__()
        self.q_z1 = GaussianMLP(n_x, n_h1, n_z1)
        self.q_z2 = GaussianMLP(n_z1, n_h2, n_z2)
        self.p_z1 = GaussianMLP(n_z2, n_h2, n_z1)
        self.p_x = MLP(n_z1, n_h1, n_x)

    def elbo(self, x):
        # log p(x|z1) + log p(z1|z2) - log q(z1|x) - KL(q(z2|z1) || N(0, I)):
        # z1, z2 sampled; the top-layer KL is analytic given the sampled z1 (exact).
        # The z1 term stays a Monte Carlo estimate because z2 is drawn from q(z2|z1).
        mu1, lv1 = self.q_z1(x)
        eps1 = torch.randn_like(mu1)
        z1 = gaussian_sample(mu1, lv1, eps1)
        mu2, lv2 = self.q_z2(z1)
        z2 = gaussian_sample(mu2, lv2, torch.randn_like(mu2))
        pmu1, plv1 = self.p_z1(z2)
        log_q1 = -0.5 * (LOG_2PI + lv1 + eps1.pow(2)).sum(-1)
        return (bernoulli_log_lik_data(self.p_x(z1), x)
                + gaussian_log_density(z1, pmu1, plv1) - log_q1
                - gaussian_kl_std_normal(mu2, lv2))

    def log_weights(self, x, k):
        mu1, lv1 = self.q_z1(x)                                   # (B, 100)
        eps1 = torch.randn((k,) + mu1.shape, dtype=mu1.dtype, device=mu1.device)
        z1 = gaussian_sample(mu1, lv1, eps1)                      # (k, B, 100)
        mu2, lv2 = self.q_z2(z1)
        eps2 = torch.randn_like(mu2)
        z2 = gaussian_sample(mu2, lv2, eps2)                      # (k, B, 50)
        pmu1, plv1 = self.p_z1(z2)
        log_q = (-0.5 * (LOG_2PI + lv1 + eps1.pow(2)).sum(-1)
                 - 0.5 * (LOG_2PI + lv2 + eps2.pow(2)).sum(-1))
        log_p = (bernoulli_log_lik_data(self.p_x(z1), x.expand(k, -1, -1))
                 + gaussian_log_density(z1, pmu1, plv1)
                 + std_normal_log_density(z2))
        return log_p - log_q


class B2(nn.Module):
    """Two Bernoulli layers, same architecture as G2 with logits heads:
    q(z1|x) 784-200-200 -> 100 logits; q(z2|z1) 100-100-100 -> 50 logits;
    p(z2) = Bernoulli(0.5); p(z1|z2) 50-100-100 -> 100 logits; p(x|z1) 100-200-200 -> 784.
    Samples use the straight-through estimator (straight_through_sample)."""

    def __init__(self, n_x=784, n_h1=200, n_z1=100, n_h2=100, n_z2=50):
        super().__init__()
        self.q_z1 = MLP(n_x, n_h1, n_z1)
        self.q_z2 = MLP(n_z1, n_h2, n_z2)
        self.p_z1 = MLP(n_z2, n_h2, n_z1)
        self.p_x = MLP(n_z1, n_h1, n_x)

    def elbo(self, x):
        # log p(x|z1) - KL(q(z1|x) || p(z1|z2)) - KL(q(z2|z1) || Bern(0.5)), both KLs
        # analytic given the sampled parents. NOTE: with bottom-up inference z2 is drawn
        # from q(z2|z1) and so depends on z1; the analytic z1 term is therefore a
        # surrogate, not an exact ELBO estimator (the top-layer term is exact).
        lq1 = self.q_z1(x)
        z1 = straight_through_sample(lq1)
        lq2 = self.q_z2(z1)
        z2 = straight_through_sample(lq2)
        return (bernoulli_log_lik_data(self.p_x(z1), x)
                - bernoulli_kl(lq1, self.p_z1(z2))
                - bernoulli_kl_half(lq2))

    def log_weights(self, x, k):
        # log q and log p of the hard samples (straight-through variables, whose
        # forward values are exactly 0/1).
        lq1 = self.q_z1(x).expand(k, -1, -1)                      # (k, B, 100)
        z1 = straight_through_sample(lq1)
        lq2 = self.q_z2(z1)
        z2 = straight_through_sample(lq2)                         # (k, B, 50)
        log_q = bernoulli_log_prob(z1, lq1) + bernoulli_log_prob(z2, lq2)
        log_p = (bernoulli_log_lik_data(self.p_x(z1), x.expand(k, -1, -1))
                 + bernoulli_log_prob(z1, self.p_z1(z2))
                 - z2.shape[-1] * LOG_2)                          # log Bern(z2; 0.5)
        return log_p - log_q


def make_mlp(n_in, widths):
    """Linear-tanh for each width (hvae4j's MLP cell); the identity when widths is empty. Returns (net, n_out)."""
    layers, n = [], n_in
    for w in widths:
        layers += [nn.Linear(n, w), nn.Tanh()]
        n = w
    return nn.Sequential(*layers), n


class GaussianHead(nn.Module):
    """Two Linear heads (mu, log sigma^2), as hvae4j gives each parameter tensor its own head."""

    def __init__(self, n_in, n_z):
        super().__init__()
        self.mu = nn.Linear(n_in, n_z)
        self.logvar = nn.Linear(n_in, n_z)

    def forward(self, h):
        return self.mu(h), self.logvar(h)


def gaussian_kl(mu_q, lv_q, mu_p, lv_p):
    """KL(N(mu_q, exp(lv_q)) || N(mu_p, exp(lv_p))), summed over the last dim."""
    return 0.5 * (lv_p - lv_q + (torch.exp(lv_q) + (mu_q - mu_p).pow(2)) * torch.exp(-lv_p) - 1.0).sum(-1)


def precision_merge(mu_h, lv_h, mu_p, lv_p):
    """The Ladder VAE's posterior: precision-weighted mean and variance of the bottom-up estimate and the prior."""
    w = torch.sigmoid(lv_p - lv_h)                 # = (1/var_h) / (1/var_h + 1/var_p)
    mu = w * mu_h + (1.0 - w) * mu_p
    lv = -torch.logaddexp(-lv_h, -lv_p)            # log of 1 / (1/var_h + 1/var_p)
    return mu, lv


class TwoLayer(nn.Module):
    """Two Gaussian layers z2 (top, n_top) and z1 (n_bottom) with the MLP blocks hidden_top (between z2 and z1) and
    hidden_bottom (between z1 and x), hvae4j's layout for ModelSpec latent(z2).hidden(top).latent(z1).hidden(bottom)
    (write hidden for hidden_top or hidden_bottom below):
      generation  p(z2) = N(0, I); p(z1|z2): z2 -> reversed(hidden) -> heads; p(x|z1): z1 -> reversed(hidden) -> logits
      inference   bottom-up: q(z1|x): x -> hidden -> heads; q(z2|z1): z1 -> hidden -> heads
                  ladder:    up1: x -> hidden -> h1 (heads: the bottom-up estimate of z1);
                             up2: h1 -> hidden -> h2 (heads: q(z2|x));
                             q(z1|z2, x) = the precision-weighted merge of the estimate and p(z1|z2).
    The ELBO's KL terms are analytic where posterior and prior share their parents (the top layer; every layer of the
    ladder); the bottom-up z1 term is log q - log p of the sample. `beta` weights the KL terms (warm-up)."""

    def __init__(self, inference, n_top, n_bottom, hidden_top, hidden_bottom, n_x=784):
        super().__init__()
        self.inference = inference
        self.p_z1, n = make_mlp(n_top, list(reversed(hidden_top)))
        self.p_z1_head = GaussianHead(n, n_bottom)
        self.p_x, n = make_mlp(n_bottom, list(reversed(hidden_bottom)))
        self.p_x_head = nn.Linear(n, n_x)
        if inference == "ladder":
            self.up1, n1 = make_mlp(n_x, hidden_bottom)
            self.up1_head = GaussianHead(n1, n_bottom)
            self.up2, n2 = make_mlp(n1, hidden_top)
            self.up2_head = GaussianHead(n2, n_top)
        else:
            self.q_z1, n1 = make_mlp(n_x, hidden_bottom)
            self.q_z1_head = GaussianHead(n1, n_bottom)
            self.q_z2, n2 = make_mlp(n_bottom, hidden_top)
            self.q_z2_head = GaussianHead(n2, n_top)

    def terms(self, x):
        """(log p(x|z1), KL term of z1, KL term of z2), each (B,), one sample."""
        if self.inference == "ladder":
            h1 = self.up1(x)
            mu_h, lv_h = self.up1_head(h1)
            mu2, lv2 = self.up2_head(self.up2(h1))
            z2 = gaussian_sample(mu2, lv2, torch.randn_like(mu2))
            mu_p, lv_p = self.p_z1_head(self.p_z1(z2))
            mu1, lv1 = precision_merge(mu_h, lv_h, mu_p, lv_p)
            z1 = gaussian_sample(mu1, lv1, torch.randn_like(mu1))
            kl1 = gaussian_kl(mu1, lv1, mu_p, lv_p)
        else:
            mu1, lv1 = self.q_z1_head(self.q_z1(x))
            eps1 = torch.randn_like(mu1)
            z1 = gaussian_sample(mu1, lv1, eps1)
            mu2, lv2 = self.q_z2_head(self.q_z2(z1))
            z2 = gaussian_sample(mu2, lv2, torch.randn_like(mu2))
            mu_p, lv_p = self.p_z1_head(self.p_z1(z2))
            kl1 = -0.5 * (LOG_2PI + lv1 + eps1.pow(2)).sum(-1) - gaussian_log_density(z1, mu_p, lv_p)
        kl2 = gaussian_kl_std_normal(mu2, lv2)
        log_px = bernoulli_log_lik_data(self.p_x_head(self.p_x(z1)), x)
        return log_px, kl1, kl2

    def elbo(self, x, beta=1.0):
        log_px, kl1, kl2 = self.terms(x)
        return log_px - beta * (kl1 + kl2)

    def log_weights(self, x, k):
        xk = x.expand(k, -1, -1)
        if self.inference == "ladder":
            h1 = self.up1(x)
            mu_h, lv_h = (t.expand(k, -1, -1) for t in self.up1_head(h1))
            mu2, lv2 = (t.expand(k, -1, -1) for t in self.up2_head(self.up2(h1)))
            eps2 = torch.randn_like(mu2)
            z2 = gaussian_sample(mu2, lv2, eps2)
            mu_p, lv_p = self.p_z1_head(self.p_z1(z2))
            mu1, lv1 = precision_merge(mu_h, lv_h, mu_p, lv_p)
            eps1 = torch.randn_like(mu1)
            z1 = gaussian_sample(mu1, lv1, eps1)
        else:
            mu1, lv1 = (t.expand(k, -1, -1) for t in self.q_z1_head(self.q_z1(x)))
            eps1 = torch.randn_like(mu1)
            z1 = gaussian_sample(mu1, lv1, eps1)
            mu2, lv2 = self.q_z2_head(self.q_z2(z1))
            eps2 = torch.randn_like(mu2)
            z2 = gaussian_sample(mu2, lv2, eps2)
            mu_p, lv_p = self.p_z1_head(self.p_z1(z2))
        log_q = (-0.5 * (LOG_2PI + lv1 + eps1.pow(2)).sum(-1) - 0.5 * (LOG_2PI + lv2 + eps2.pow(2)).sum(-1))
        log_p = (bernoulli_log_lik_data(self.p_x_head(self.p_x(z1)), xk) + gaussian_log_density(z1, mu_p, lv_p)
                 + std_normal_log_density(z2))
        return log_p - log_q


def two_layer(spec):
    """'ladder:16,32:100,200' (top and bottom sizes; one hidden block below each) or
    'ladder:50,100:100,100/200,200' (the block below the top, then the block below z1: g2's shape)."""
    inference, sizes, hidden = spec.split(":")
    if inference not in ("ladder", "bottom-up"):
        raise ValueError(f"two-layer inference must be ladder or bottom-up, got {inference}")
    n_top, n_bottom = (int(v) for v in sizes.split(","))
    blocks = [[int(v) for v in b.split(",")] for b in hidden.split("/")]
    top, bottom = (blocks[0], blocks[0]) if len(blocks) == 1 else blocks
    return lambda: TwoLayer(inference, n_top, n_bottom, top, bottom)


MODELS = {"g1": G1, "g2": G2, "b2": B2}
