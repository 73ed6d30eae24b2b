"""Array kernels for the WHO HEAT summary measures (METHODS.md section 11).

The subgroups of every group sit in one padded ``(G, J)`` layout: row ``g`` holds the
subgroups of group ``g`` in canonical order (ordered dimensions: most disadvantaged first;
non-ordered: by subgroup label), padded with ``mask == False`` up to the largest group.
Every kernel takes subgroup estimates of shape ``(..., G, J)`` and returns ``(..., G)``,
so one function gives the point value (no leading axis) and all Monte Carlo replicates
(leading axis = repetitions) with no loop over groups.

Nothing here knows about data frames, labels or suppression.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

import numpy as np
from scipy import special

Kernel = Callable[["Sample"], np.ndarray]

#: Newton iterations allowed for the two-parameter regression fits.
MAX_ITERATIONS = 100
#: Largest Newton step on either coefficient (keeps the first steps from overshooting).
MAX_STEP = 5.0


@dataclass(frozen=True)
class Layout:
    """Weights, ranks and reference points of every group, padded to ``(G, J)``.

    ``w`` are population shares (0 in padding), ``ridit`` the ridit X_j of each subgroup
    (ordered dimensions), ``mu_given`` the reported setting average (NaN where the
    population-weighted mean is to be used), ``a``/``b`` the positions of the two
    subgroups compared by D and R, ``ref`` the reference point of PAR and MDR* (-1 where
    it is the best-performing subgroup, chosen afresh from each set of estimates).
    """

    w: np.ndarray
    mask: np.ndarray
    n: np.ndarray
    ridit: np.ndarray
    mu_given: np.ndarray
    a: np.ndarray
    b: np.ndarray
    ref: np.ndarray
    favourable: bool
    entropy_multiplier: float
    proportion_scale: float | None

    def take(self, rows: slice) -> Layout:
        """The layout of a block of groups (Monte Carlo works block by block)."""
        return Layout(
            w=self.w[rows],
            mask=self.mask[rows],
            n=self.n[rows],
            ridit=self.ridit[rows],
            mu_given=self.mu_given[rows],
            a=self.a[rows],
            b=self.b[rows],
            ref=self.ref[rows],
            favourable=self.favourable,
            entropy_multiplier=self.entropy_multiplier,
            proportion_scale=self.proportion_scale,
        )


# ---------------------------------------------------------------------------------------
# Building blocks
# ---------------------------------------------------------------------------------------


def filled(y: np.ndarray, lay: Layout, fill: float = 0.0) -> np.ndarray:
    """``y`` with padding cells replaced by ``fill`` (so sums skip them)."""
    return np.where(lay.mask, y, fill)


def setting_average(y: np.ndarray, lay: Layout) -> np.ndarray:
    """mu: the reported setting average, else sum_j p_j y_j."""
    computed = np.sum(lay.w * filled(y, lay), axis=-1)
    return np.where(np.isnan(lay.mu_given), computed, lay.mu_given)


def _wsum(v: np.ndarray, w: np.ndarray) -> np.ndarray:
    """sum_j w[g, j] v[..., g, j] in one pass (much faster than (w * v).sum(-1))."""
    return np.einsum("...gj,gj->...g", v, w)


def pick(y: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """``y[..., g, idx[g]]`` for every group (idx -1 gives subgroup 0; callers mask it)."""
    where = np.broadcast_to(np.maximum(idx, 0)[:, None], (*y.shape[:-1], 1))
    return np.take_along_axis(y, where, axis=-1)[..., 0]


class Sample:
    """One set of subgroup estimates ``(..., G, J)`` (observed, or a block of Monte Carlo
    draws) with the pieces several measures share computed once, on first use."""

    def __init__(self, y: np.ndarray, lay: Layout) -> None:
        self.y = y
        self.lay = lay

    @cached_property
    def zeroed(self) -> np.ndarray:
        return filled(self.y, self.lay)

    @cached_property
    def mu(self) -> np.ndarray:
        computed = _wsum(self.zeroed, self.lay.w)
        return np.where(np.isnan(self.lay.mu_given), computed, self.lay.mu_given)

    @cached_property
    def best(self) -> np.ndarray:
        """The best-performing subgroup's estimate: highest if favourable, else lowest."""
        if self.lay.favourable:
            return np.max(filled(self.y, self.lay, -np.inf), axis=-1)
        return np.min(filled(self.y, self.lay, np.inf), axis=-1)

    @cached_property
    def dev_mu(self) -> np.ndarray:
        """|y_j - mu| (0 in padding)."""
        return filled(np.abs(self.y - self.mu[..., None]), self.lay)

    @cached_property
    def bgv(self) -> np.ndarray:
        return self.weighted((self.y - self.mu[..., None]) ** 2)

    def weighted(self, v: np.ndarray) -> np.ndarray:
        return _wsum(filled(v, self.lay), self.lay.w)

    def unweighted_mean(self, v: np.ndarray) -> np.ndarray:
        return np.sum(filled(v, self.lay), axis=-1) / self.lay.n

    def relative(self, v: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            return 100.0 * v / self.mu

    @cached_property
    def log_share(self) -> np.ndarray:
        """ln(y_j / mu): -inf for y_j = 0, NaN for negative values and padding."""
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log(filled(self.y, self.lay, np.nan) / self.mu[..., None])

    @cached_property
    def logistic_fit(self) -> tuple[np.ndarray, np.ndarray]:
        scale = self.lay.proportion_scale
        assert scale is not None
        q = np.clip(self.y, 0.0, scale) / scale
        a, b, _ = glm_fit(q, self.lay, "logistic")
        return special.expit(a), special.expit(a + b)

    @cached_property
    def poisson_fit(self) -> np.ndarray:
        _, b, _ = glm_fit(np.maximum(self.y, 0.0), self.lay, "poisson")
        return b


# ---------------------------------------------------------------------------------------
# Measures: value kernels, each a function of a Sample
# ---------------------------------------------------------------------------------------


def difference(x: Sample) -> np.ndarray:
    return pick(x.y, x.lay.a) - pick(x.y, x.lay.b)


def ratio(x: Sample) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return pick(x.y, x.lay.a) / pick(x.y, x.lay.b)


def par(x: Sample) -> np.ndarray:
    """y_ref - mu, floored at 0 (favourable) or capped at 0 (adverse); y_ref is a fixed
    subgroup where ``ref >= 0``, else the best performer of this sample."""
    ref = np.where(x.lay.ref >= 0, pick(x.y, x.lay.ref), x.best)
    raw = ref - x.mu
    return np.maximum(raw, 0.0) if x.lay.favourable else np.minimum(raw, 0.0)


def paf(x: Sample) -> np.ndarray:
    return x.relative(par(x))


def aci(x: Sample) -> np.ndarray:
    """sum_j p_j (2 X_j - 1) y_j."""
    return _wsum(x.zeroed, x.lay.w * (2.0 * x.lay.ridit - 1.0))


def rci(x: Sample) -> np.ndarray:
    """100 ACI / mu (HEAT reports the relative concentration index x 100)."""
    return x.relative(aci(x))


def bgv(x: Sample) -> np.ndarray:
    """sum_j p_j (y_j - mu)^2."""
    return x.bgv


def bgsd(x: Sample) -> np.ndarray:
    return np.sqrt(x.bgv)


def cov(x: Sample) -> np.ndarray:
    return x.relative(np.sqrt(x.bgv))


def mdmu(x: Sample) -> np.ndarray:
    return np.sum(x.dev_mu, axis=-1) / x.lay.n


def mdmw(x: Sample) -> np.ndarray:
    return _wsum(x.dev_mu, x.lay.w)


def mdbu(x: Sample) -> np.ndarray:
    return x.unweighted_mean(np.abs(x.y - x.best[..., None]))


def mdbw(x: Sample) -> np.ndarray:
    return x.weighted(np.abs(x.y - x.best[..., None]))


def mdru(x: Sample) -> np.ndarray:
    return x.unweighted_mean(np.abs(x.y - pick(x.y, x.lay.ref)[..., None]))


def mdrw(x: Sample) -> np.ndarray:
    return x.weighted(np.abs(x.y - pick(x.y, x.lay.ref)[..., None]))


def idisu(x: Sample) -> np.ndarray:
    return x.relative(mdmu(x))


def idisw(x: Sample) -> np.ndarray:
    return x.relative(mdmw(x))


def mld(x: Sample) -> np.ndarray:
    """sum_j p_j (-ln(y_j / mu)), times the entropy multiplier; subgroups with p_j = 0
    add nothing. Infinite when a weighted subgroup has y_j = 0."""
    terms = np.where(x.lay.w > 0, -x.lay.w * x.log_share, 0.0)
    return x.lay.entropy_multiplier * np.sum(terms, axis=-1)


def theil(x: Sample) -> np.ndarray:
    """sum_j p_j (y_j/mu) ln(y_j/mu), times the entropy multiplier; y_j = 0 adds 0
    (the limit of t ln t as t -> 0)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        share = x.zeroed / x.mu[..., None]
        terms = np.where((x.lay.w > 0) & (share != 0), x.lay.w * share * x.log_share, 0.0)
    return x.lay.entropy_multiplier * np.sum(terms, axis=-1)


# ---------------------------------------------------------------------------------------
# Regression-based measures (SII, RII): HEAT regresses on the ridit X, weighted by p_j
# ---------------------------------------------------------------------------------------


def linear_coefficients(lay: Layout) -> np.ndarray:
    """c_j with SII = sum_j c_j y_j for population-weighted least squares of y on X.

    c_j = p_j (X_j - Xbar) / sum_k p_k (X_k - Xbar)^2 with Xbar = sum_k p_k X_k.
    """
    xbar = np.sum(lay.w * lay.ridit, axis=-1, keepdims=True)
    dx = np.where(lay.mask, lay.ridit - xbar, 0.0)
    sxx = np.sum(lay.w * dx**2, axis=-1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        return lay.w * dx / sxx


def sii_linear(x: Sample) -> np.ndarray:
    """Slope of the weighted least-squares line: fitted value at X = 1 minus at X = 0."""
    return _wsum(x.zeroed, linear_coefficients(x.lay))


def glm_fit(y: np.ndarray, lay: Layout, family: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Population-weighted GLM of y on the ridit X with canonical link, by Newton's method.

    ``family`` is ``"logistic"`` (y are proportions in [0, 1]; quasi-binomial) or
    ``"poisson"`` (y >= 0; log link, quasi-Poisson). The estimating equations are
    sum_j p_j (y_j - m_j) = 0 and sum_j p_j (y_j - m_j) X_j = 0, m_j = g^-1(a + b X_j).
    The start is the weighted least-squares line through the linked estimates. Returns
    ``(a, b, converged)``; a weighted mean of 0 (or 1 for logistic) has no finite fit and
    gives NaN, as do fits that fail to converge.
    """
    w = lay.w
    x = lay.ridit
    v = filled(y, lay)
    ybar = np.sum(w * v, axis=-1)
    logistic = family == "logistic"
    ok = (ybar > 0) & (ybar < 1) if logistic else ybar > 0
    # Start: least squares of the link of the (shrunk) estimates on X.
    eps = 1e-3
    with np.errstate(divide="ignore", invalid="ignore"):
        if logistic:
            z = special.logit(np.clip(v, eps, 1.0 - eps))
        else:
            z = np.log(np.maximum(v, eps * np.maximum(ybar, 1e-300)[..., None]))
        c = linear_coefficients(lay)
        b = np.sum(c * z, axis=-1)
        xbar = np.sum(w * x, axis=-1)
        a = np.sum(w * z, axis=-1) - b * xbar
    a = np.where(ok & np.isfinite(a) & np.isfinite(b), a, 0.0)
    b = np.where(ok & np.isfinite(b), b, 0.0)
    converged = ~ok
    wx, wxx = w * x, w * x * x
    a_prev, b_prev = a, b
    ll_prev = np.full(a.shape, -np.inf)
    da = np.zeros_like(a)
    db = np.zeros_like(a)
    for _ in range(MAX_ITERATIONS):
        eta = a[..., None] + b[..., None] * x
        with np.errstate(over="ignore"):
            if logistic:
                e = np.exp(-np.clip(eta, -700.0, 700.0))
                m = 1.0 / (1.0 + e)
                # v log m + (1 - v) log(1 - m) = (v - 1) eta - log(1 + exp(-eta))
                ll = _wsum((v - 1.0) * eta - np.log1p(e), w)
            else:
                m = np.exp(np.minimum(eta, 700.0))
                ll = _wsum(v * eta - m, w)
        # Step halving: a step that lowers the (concave) quasi-log-likelihood is halved
        # and retried from the previous point; accepted points take a Newton step.
        worse = ~converged & ~(ll >= ll_prev - 1e-13 * np.abs(ll_prev))
        da = np.where(worse, da / 2.0, da)
        db = np.where(worse, db / 2.0, db)
        var = m * (1.0 - m) if logistic else m
        d = v - m
        u0, u1 = _wsum(d, w), _wsum(d, wx)
        i00, i01, i11 = _wsum(var, w), _wsum(var, wx), _wsum(var, wxx)
        det = i00 * i11 - i01 * i01
        with np.errstate(divide="ignore", invalid="ignore"):
            na = np.nan_to_num((i11 * u0 - i01 * u1) / det)
            nb = np.nan_to_num((i00 * u1 - i01 * u0) / det)
        # Long steps are shortened along the Newton direction (an ascent direction).
        shrink = np.minimum(1.0, MAX_STEP / np.maximum(np.maximum(np.abs(na), np.abs(nb)), 1e-300))
        na, nb = na * shrink, nb * shrink
        accept = ~converged & ~worse
        a_prev = np.where(accept, a, a_prev)
        b_prev = np.where(accept, b, b_prev)
        ll_prev = np.where(accept, ll, ll_prev)
        da = np.where(accept, na, np.where(converged, 0.0, da))
        db = np.where(accept, nb, np.where(converged, 0.0, db))
        a = np.where(converged, a, a_prev + da)
        b = np.where(converged, b, b_prev + db)
        # Newton converges quadratically: after a step below 1e-9 the error is ~1e-18.
        small = np.maximum(np.abs(da), np.abs(db)) <= 1e-9 * (1.0 + np.abs(a) + np.abs(b))
        converged |= accept & small
        if converged.all():
            break
    good = ok & converged & np.isfinite(a) & np.isfinite(b)
    return np.where(good, a, np.nan), np.where(good, b, np.nan), good


def sii_logistic(x: Sample) -> np.ndarray:
    """scale * (pi(1) - pi(0)); 0 when every subgroup is at 0% or at 100%."""
    p0, p1 = x.logistic_fit
    scale = x.lay.proportion_scale
    assert scale is not None
    qbar = x.weighted(np.clip(x.y, 0.0, scale))
    flat = (qbar >= scale) | (qbar <= 0.0)
    return np.where(flat, 0.0, scale * (p1 - p0))


def rii_logistic(x: Sample) -> np.ndarray:
    """pi(1) / pi(0); 1 when every subgroup is at 100%, NaN when all are at 0%."""
    p0, p1 = x.logistic_fit
    scale = x.lay.proportion_scale
    assert scale is not None
    qbar = x.weighted(np.clip(x.y, 0.0, scale))
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(qbar >= scale, 1.0, p1 / p0)


def rii_poisson(x: Sample) -> np.ndarray:
    """exp(b) from the log-linear (Poisson) fit: fitted value at X = 1 over X = 0."""
    return np.exp(x.poisson_fit)


# ---------------------------------------------------------------------------------------
# Analytic variances (evaluated at the observed estimates y with standard errors s)
# ---------------------------------------------------------------------------------------


def var_difference(y: np.ndarray, s: np.ndarray, lay: Layout) -> np.ndarray:
    return pick(s, lay.a) ** 2 + pick(s, lay.b) ** 2


def var_log_ratio(y: np.ndarray, s: np.ndarray, lay: Layout) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return (pick(s, lay.a) / pick(y, lay.a)) ** 2 + (pick(s, lay.b) / pick(y, lay.b)) ** 2


def _var_linear(grad: np.ndarray, s: np.ndarray, lay: Layout) -> np.ndarray:
    """First-order (delta-method) variance sum_j (dF/dy_j)^2 s_j^2."""
    return np.sum(np.where(lay.mask, grad**2 * s**2, 0.0), axis=-1)


def var_aci(y: np.ndarray, s: np.ndarray, lay: Layout) -> np.ndarray:
    """Exact: ACI is linear in y, so Var = sum_j p_j^2 (2 X_j - 1)^2 s_j^2."""
    return _var_linear(lay.w * (2.0 * lay.ridit - 1.0), s, lay)


def var_rci(y: np.ndarray, s: np.ndarray, lay: Layout) -> np.ndarray:
    """Delta method for 100 ACI / mu; with mu = sum p y the gradient is
    100 p_j (2 X_j - 1 - ACI/mu) / mu, with a reported mu it is 100 p_j (2 X_j - 1) / mu."""
    mu = setting_average(y, lay)
    with np.errstate(divide="ignore", invalid="ignore"):
        r0 = aci(Sample(y, lay)) / mu
    shift = np.where(np.isnan(lay.mu_given), r0, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        grad = 100.0 * lay.w * (2.0 * lay.ridit - 1.0 - shift[:, None]) / mu[:, None]
    return _var_linear(grad, s, lay)


def var_sii_linear(y: np.ndarray, s: np.ndarray, lay: Layout) -> np.ndarray:
    """Exact: the weighted least-squares slope is linear in y."""
    return _var_linear(linear_coefficients(lay), s, lay)


def var_bgv(y: np.ndarray, s: np.ndarray, lay: Layout) -> np.ndarray:
    """Variance of the quadratic form BGV when y_j ~ N(., s_j^2) independently.

    Reported mu: sum_j p_j^2 (4 (y_j - mu)^2 s_j^2 + 2 s_j^4) (Ahn et al. 2018).
    mu = sum p y: BGV = y'Ay with A = diag(p) - pp', so Var = 4 y'ASAy + 2 tr(ASAS)
    = 4 sum_j p_j^2 (y_j - mu)^2 s_j^2 + 2 (sum_j (p_j^2 - 2 p_j^3) s_j^4
    + (sum_j p_j^2 s_j^2)^2).
    """
    mu = setting_average(y, lay)[:, None]
    w, s2 = lay.w, np.where(lay.mask, s**2, 0.0)
    d = filled(y - mu, lay)
    first = 4.0 * np.sum(w**2 * d**2 * s2, axis=-1)
    given = 2.0 * np.sum(w**2 * s2**2, axis=-1)
    computed = 2.0 * (np.sum((w**2 - 2.0 * w**3) * s2**2, axis=-1) + np.sum(w**2 * s2, -1) ** 2)
    return first + np.where(np.isnan(lay.mu_given), computed, given)


def var_mld(y: np.ndarray, s: np.ndarray, lay: Layout) -> np.ndarray:
    """Delta method; gradient p_j (1/mu - 1/y_j) (mu = sum p y) or -p_j / y_j (reported mu)."""
    mu = setting_average(y, lay)[:, None]
    inv_mu = np.where(np.isnan(lay.mu_given)[:, None], 1.0 / mu, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        grad = lay.entropy_multiplier * lay.w * (inv_mu - 1.0 / filled(y, lay, np.nan))
    return _var_linear(np.where(lay.mask, grad, 0.0), s, lay)


def var_theil(y: np.ndarray, s: np.ndarray, lay: Layout) -> np.ndarray:
    """Delta method; gradient (p_j/mu)(ln(y_j/mu) - T) with mu = sum p y, or
    (p_j/mu)(ln(y_j/mu) + 1) with a reported mu (T the unscaled Theil index)."""
    mu = setting_average(y, lay)[:, None]
    t0 = theil(Sample(y, lay)) / lay.entropy_multiplier
    shift = np.where(np.isnan(lay.mu_given), t0, -1.0)[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        grad = lay.entropy_multiplier * lay.w / mu * (Sample(y, lay).log_share - shift)
    return _var_linear(np.where(lay.mask, grad, 0.0), s, lay)


# ---------------------------------------------------------------------------------------
# Monte Carlo
# ---------------------------------------------------------------------------------------


def limit_ranks(repetitions: int, confidence: float) -> tuple[int, int]:
    """1-based ranks of the lower and upper limit: round(R alpha/2), round(R (1 - alpha/2))."""
    alpha = 1.0 - confidence
    return round(repetitions * alpha / 2.0), round(repetitions * (1.0 - alpha / 2.0))


def order_statistic_limits(draws: np.ndarray, confidence: float) -> tuple[np.ndarray, np.ndarray]:
    """Percentile limits from R replicates along axis 0: the order statistics at
    ranks :func:`limit_ranks` (the caller makes sure R is large enough).

    Any NaN replicate makes that column's limits NaN.
    """
    k_lo, k_hi = limit_ranks(draws.shape[0], confidence)
    part = np.partition(draws, [k_lo - 1, k_hi - 1], axis=0)
    lo, hi = part[k_lo - 1], part[k_hi - 1]
    bad = np.isnan(draws).any(axis=0)
    return np.where(bad, np.nan, lo), np.where(bad, np.nan, hi)
