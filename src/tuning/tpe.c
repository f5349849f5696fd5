/* Tree-structured Parzen Estimator (Bergstra et al. 2011). The trials so far are split by loss
 * into a good group and the rest; a Parzen density is fitted to each group; n_ei_candidates
 * points are drawn from the good density l and the one maximising l(x)/g(x) is taken.
 * Two designs (docs/tuning.md):
 * - multivariate (default, optuna's TPESampler(multivariate=True, group=True)): good group
 *   min(ceil(0.1 n), 25); the parameters that are active together form a group with one joint
 *   density (a product kernel per observation), kernel widths by Scott's rule;
 * - hyperopt (tpe.suggest, as the paper): good group ceil(0.25 sqrt(n)); every parameter
 *   independent, adaptive widths from the gaps between sorted observations. */
#include "sqk/tuning.h"
#include "sqk/rng.h"

#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

struct sqk_tpe {
    sqk_tpe_param *p;
    int n;
    sqk_tpe_config c;
    sqk_rng rng;
    double *xs;    /* (count, n) */
    double *loss;  /* (count) */
    int *steps;    /* (count): INT_MAX for a finished trial, the steps done for a pruned one */
    size_t count, cap_x, cap_l, cap_s;
};

void sqk_tpe_config_default(sqk_tpe_config *c)
{
    c->algorithm = SQK_TPE_MULTIVARIATE;
    c->gamma = 0.1;
    c->n_startup = 10;
    c->n_ei_candidates = 24;
    c->prior_weight = 1.0;
    c->lf = 25;
    c->width_weighted_scoring = 1;
}

void sqk_tpe_config_hyperopt(sqk_tpe_config *c)
{
    sqk_tpe_config_default(c);
    c->algorithm = SQK_TPE_HYPEROPT;
    c->gamma = 0.25;
    c->n_startup = 20;
}

int sqk_tpe_config_for(sqk_tpe_config *c, const char *algorithm)
{
    if (!strcmp(algorithm, "tpe")) sqk_tpe_config_default(c);
    else if (!strcmp(algorithm, "hyperopt")) sqk_tpe_config_hyperopt(c);
    else return sqk_fail(SQK_EARG, "unknown search algorithm '%s' (tpe or hyperopt)", algorithm);
    return SQK_OK;
}

static int check_param(const sqk_tpe_param *p, int j)
{
    const char *name = p[j].name ? p[j].name : "?";
    if (p[j].dist == SQK_TPE_CHOICE) {
        if (p[j].n_choices < 1) return sqk_fail(SQK_EARG, "search space: %s has no choices", name);
    } else if (!(p[j].lo < p[j].hi)) {
        return sqk_fail(SQK_EARG, "search space: %s needs lo < hi", name);
    } else if (p[j].dist == SQK_TPE_QUNIFORM && !(p[j].q > 0)) {
        return sqk_fail(SQK_EARG, "search space: %s needs a step q > 0", name);
    }
    if (p[j].parent >= 0) {
        if (p[j].parent >= j || p[p[j].parent].dist != SQK_TPE_CHOICE)
            return sqk_fail(SQK_EARG, "search space: the parent of %s must be an earlier choice", name);
        if (p[j].parent_choice < 0 || p[j].parent_choice >= p[p[j].parent].n_choices)
            return sqk_fail(SQK_EARG, "search space: %s depends on a choice its parent lacks", name);
    }
    return SQK_OK;
}

int sqk_tpe_create(sqk_tpe **out, const sqk_tpe_param *params, int n, const sqk_tpe_config *cfg,
                   uint64_t seed)
{
    *out = NULL;
    if (n < 1) return sqk_fail(SQK_EARG, "search space: no parameters");
    for (int j = 0; j < n; j++) {
        int rc = check_param(params, j);
        if (rc) return rc;
    }
    sqk_tpe *t = sqk_calloc(1, sizeof *t);
    if (!t || !(t->p = sqk_malloc(n * sizeof *t->p))) {
        free(t);
        return SQK_EMEM;
    }
    memcpy(t->p, params, n * sizeof *t->p);
    t->n = n;
    if (cfg) t->c = *cfg;
    else sqk_tpe_config_default(&t->c);
    if (t->c.n_ei_candidates < 1) t->c.n_ei_candidates = 1;
    if (t->c.lf < 1) t->c.lf = 1;
    sqk_rng_seed(&t->rng, seed);
    *out = t;
    return SQK_OK;
}

void sqk_tpe_free(sqk_tpe *t)
{
    if (!t) return;
    free(t->p);
    free(t->xs);
    free(t->loss);
    free(t->steps);
    free(t);
}

size_t sqk_tpe_count(const sqk_tpe *t) { return t->count; }

int sqk_tpe_observe_pruned(sqk_tpe *t, const double *x, double loss, int steps)
{
    if (sqk_grow((void **)&t->xs, &t->cap_x, (t->count + 1) * t->n, sizeof *t->xs) ||
        sqk_grow((void **)&t->loss, &t->cap_l, t->count + 1, sizeof *t->loss) ||
        sqk_grow((void **)&t->steps, &t->cap_s, t->count + 1, sizeof *t->steps))
        return SQK_EMEM;
    memcpy(t->xs + t->count * t->n, x, t->n * sizeof *x);
    t->steps[t->count] = steps < 0 ? 0 : steps;
    t->loss[t->count++] = isfinite(loss) ? loss : DBL_MAX;
    return SQK_OK;
}

int sqk_tpe_observe(sqk_tpe *t, const double *x, double loss)
{
    return sqk_tpe_observe_pruned(t, x, loss, INT_MAX);
}

static int active(const sqk_tpe_param *p, const double *x)
{
    if (p->parent < 0) return 1;
    double v = x[p->parent];
    return isfinite(v) && (int)v == p->parent_choice;
}

/* ---- value spaces ---- */
/* The space the density lives in: log(value) for loguniform. */
static double to_model(const sqk_tpe_param *p, double v) { return p->dist == SQK_TPE_LOGUNIFORM ? log(v) : v; }
static double from_model(const sqk_tpe_param *p, double u) { return p->dist == SQK_TPE_LOGUNIFORM ? exp(u) : u; }

/* The grid of a quniform parameter is lo + k q, k = 0 .. kmax, inside [lo, hi]. */
static double quantize(const sqk_tpe_param *p, double u)
{
    double kmax = floor((p->hi - p->lo) / p->q + 1e-9);
    double k = floor((u - p->lo) / p->q + 0.5);
    if (k < 0) k = 0;
    if (k > kmax) k = kmax;
    return p->lo + k * p->q;
}

static double sample_prior(sqk_tpe *t, const sqk_tpe_param *p)
{
    if (p->dist == SQK_TPE_CHOICE) return (double)sqk_rng_below(&t->rng, (uint64_t)p->n_choices);
    double u = sqk_rng_uniform_range(&t->rng, p->lo, p->hi);
    if (p->dist == SQK_TPE_QUNIFORM) return quantize(p, u);
    return from_model(p, u);
}

/* hyperopt's linear forgetting: the lf newest observations weigh 1, the older ones ramp
 * linearly from 1/n up towards 1 (oldest smallest). w[i] for observation i in trial order. */
static void forgetting_weights(double *w, size_t n, int lf)
{
    for (size_t i = 0; i < n; i++) w[i] = 1.0;
    if (n <= (size_t)lf) return;
    size_t m = n - (size_t)lf;
    for (size_t i = 0; i < m; i++)
        w[i] = m == 1 ? 1.0 / n : 1.0 / n + (1.0 - 1.0 / n) * (double)i / (double)(m - 1);
}

/* ---- adaptive Parzen estimator (continuous) ---- */
typedef struct {
    size_t k;
    double *mu, *sigma, *w;
    double lo, hi;
} gmm;

typedef struct { double mu, w; } obs_w;

static int cmp_obs(const void *a, const void *b)
{
    double x = ((const obs_w *)a)->mu, y = ((const obs_w *)b)->mu;
    return (x > y) - (x < y);
}

/* Components at the observations plus a prior component N((lo+hi)/2, hi-lo) of weight
 * prior_weight; each observation's sigma is the larger gap to its sorted neighbours (the prior
 * counted among them), clipped to [prior_sigma / min(100, 1 + k), prior_sigma]. */
static int gmm_fit(gmm *g, const double *obs, size_t n, double lo, double hi, const sqk_tpe_config *c)
{
    size_t k = n + 1;
    g->k = k;
    g->lo = lo;
    g->hi = hi;
    g->mu = sqk_malloc(k * sizeof *g->mu);
    g->sigma = sqk_malloc(k * sizeof *g->sigma);
    g->w = sqk_malloc(k * sizeof *g->w);
    obs_w *o = sqk_malloc(k * sizeof *o);
    double *fw = sqk_malloc(k * sizeof *fw);
    if (!g->mu || !g->sigma || !g->w || !o || !fw) {
        free(o); free(fw);
        return SQK_EMEM;
    }
    double prior_mu = 0.5 * (lo + hi), prior_sigma = hi - lo;
    forgetting_weights(fw, n, c->lf);
    for (size_t i = 0; i < n; i++) o[i] = (obs_w){obs[i], fw[i]};
    qsort(o, n, sizeof *o, cmp_obs); /* equal values are interchangeable: order does not matter */
    size_t pos = 0;
    while (pos < n && o[pos].mu < prior_mu) pos++;
    for (size_t i = 0, s = 0; i < k; i++) {
        if (i == pos) { g->mu[i] = prior_mu; g->w[i] = c->prior_weight; }
        else { g->mu[i] = o[s].mu; g->w[i] = o[s].w; s++; }
    }
    if (k == 2) { /* one observation: half the prior's width */
        g->sigma[pos] = prior_sigma;
        g->sigma[1 - pos] = 0.5 * prior_sigma;
    } else {
        for (size_t i = 0; i < k; i++) {
            double left = i > 0 ? g->mu[i] - g->mu[i - 1] : 0, right = i + 1 < k ? g->mu[i + 1] - g->mu[i] : 0;
            g->sigma[i] = i == 0 ? right : i + 1 == k ? left : fmax(left, right);
        }
    }
    double min_sigma = prior_sigma / fmin(100.0, 1.0 + (double)k);
    double wsum = 0;
    for (size_t i = 0; i < k; i++) {
        g->sigma[i] = fmin(fmax(g->sigma[i], min_sigma), prior_sigma);
        wsum += g->w[i];
    }
    g->sigma[pos] = prior_sigma;
    for (size_t i = 0; i < k; i++) g->w[i] /= wsum;
    free(o);
    free(fw);
    return SQK_OK;
}

static void gmm_free(gmm *g)
{
    free(g->mu); free(g->sigma); free(g->w);
}

static double phi_cdf(double z) { return 0.5 * erfc(-z / sqrt(2.0)); }

/* A draw from the mixture truncated to [lo, hi] (rejection, as hyperopt's GMM1). */
static double gmm_sample(const gmm *g, sqk_rng *r)
{
    for (int tries = 0; tries < 10000; tries++) {
        double u = sqk_rng_uniform(r), acc = 0;
        size_t c = 0;
        for (; c + 1 < g->k; c++) {
            acc += g->w[c];
            if (u < acc) break;
        }
        double v = g->mu[c] + g->sigma[c] * sqk_rng_normal(r);
        if (v >= g->lo && v <= g->hi) return v;
    }
    return 0.5 * (g->lo + g->hi); /* unreachable in practice: every component overlaps [lo, hi] */
}

/* Log density at v, or with q > 0 the log probability of the bin [v - q/2, v + q/2] (both
 * within [lo, hi]), each component renormalised to its mass inside [lo, hi]. */
static double gmm_logp(const gmm *g, double v, double q)
{
    double p = 0;
    for (size_t c = 0; c < g->k; c++) {
        double mu = g->mu[c], s = g->sigma[c];
        double z = phi_cdf((g->hi - mu) / s) - phi_cdf((g->lo - mu) / s);
        if (z <= 0) continue;
        double d;
        if (q > 0) {
            double ub = fmin(v + 0.5 * q, g->hi), lb = fmax(v - 0.5 * q, g->lo);
            d = phi_cdf((ub - mu) / s) - phi_cdf((lb - mu) / s);
        } else {
            double e = (v - mu) / s;
            d = exp(-0.5 * e * e) / (s * sqrt(2.0 * M_PI));
        }
        p += g->w[c] * d / z;
    }
    return log(fmax(p, 1e-300));
}

static int pick_continuous(sqk_tpe *t, const sqk_tpe_param *p, const double *good, size_t ng,
                           const double *bad, size_t nb, double *out)
{
    double *tg = sqk_malloc((ng + nb + 1) * sizeof *tg);
    if (!tg) return SQK_EMEM;
    double *tb = tg + ng;
    for (size_t i = 0; i < ng; i++) tg[i] = to_model(p, good[i]);
    for (size_t i = 0; i < nb; i++) tb[i] = to_model(p, bad[i]);
    gmm l = {0}, g = {0};
    int rc = gmm_fit(&l, tg, ng, p->lo, p->hi, &t->c);
    if (!rc) rc = gmm_fit(&g, tb, nb, p->lo, p->hi, &t->c);
    double q = p->dist == SQK_TPE_QUNIFORM ? p->q : 0, best = -INFINITY, best_v = 0;
    for (int i = 0; !rc && i < t->c.n_ei_candidates; i++) {
        double v = gmm_sample(&l, &t->rng);
        if (q > 0) v = quantize(p, v);
        double score = gmm_logp(&l, v, q) - gmm_logp(&g, v, q);
        if (score > best) { best = score; best_v = v; }
    }
    if (!rc) *out = q > 0 ? best_v : from_model(p, best_v);
    gmm_free(&l);
    gmm_free(&g);
    free(tg);
    return rc;
}

/* ---- categorical ---- */
/* Weighted counts (linear forgetting) plus prior_weight pseudo-counts spread uniformly. */
static int choice_probs(const double *obs, size_t n, int m, const sqk_tpe_config *c, double *prob)
{
    double *fw = sqk_malloc((n + 1) * sizeof *fw);
    if (!fw) return SQK_EMEM;
    forgetting_weights(fw, n, c->lf);
    for (int j = 0; j < m; j++) prob[j] = c->prior_weight / m;
    for (size_t i = 0; i < n; i++) {
        int j = (int)obs[i];
        if (j >= 0 && j < m) prob[j] += fw[i];
    }
    double s = 0;
    for (int j = 0; j < m; j++) s += prob[j];
    for (int j = 0; j < m; j++) prob[j] /= s;
    free(fw);
    return SQK_OK;
}

static int pick_choice(sqk_tpe *t, const sqk_tpe_param *p, const double *good, size_t ng,
                       const double *bad, size_t nb, double *out)
{
    int m = p->n_choices;
    double *pl = sqk_malloc(2 * m * sizeof *pl);
    if (!pl) return SQK_EMEM;
    double *pg = pl + m;
    int rc = choice_probs(good, ng, m, &t->c, pl);
    if (!rc) rc = choice_probs(bad, nb, m, &t->c, pg);
    double best = -INFINITY;
    int best_j = 0;
    for (int i = 0; !rc && i < t->c.n_ei_candidates; i++) {
        double u = sqk_rng_uniform(&t->rng), acc = 0;
        int j = 0;
        for (; j + 1 < m; j++) {
            acc += pl[j];
            if (u < acc) break;
        }
        double score = log(pl[j]) - log(pg[j]);
        if (score > best) { best = score; best_j = j; }
    }
    *out = best_j;
    free(pl);
    return rc;
}

/* ---- multivariate Parzen estimator (optuna's design) ---- */
/* One group: the parameters active under the same condition. The estimator has one kernel per
 * observation plus a prior kernel; a kernel is a product over the group's parameters of a
 * truncated Gaussian (numerical, in model space) or a categorical distribution. */
typedef struct {
    int d;              /* parameters in the group */
    const int *cols;    /* their indices in the space */
    size_t k;           /* kernels: observations + 1 prior (the last) */
    double *logw;       /* (k) log kernel weights (drawing candidates) */
    double *logw_score; /* (k) log kernel weights when scoring a candidate (see mpe_fit) */
    double *mu, *sigma; /* (d, k) numerical parameters */
    double *log_accept; /* (d, k) log mass of each numerical kernel inside the bounds */
    double *prob;       /* (d, k, max_choices) categorical parameters */
    int mc;             /* max choices in the group */
    double *lo, *hi;    /* (d) bounds in model space (a step's grid widened by q/2) */
} mpe;

/* log Phi(z), accurate far into the lower tail */
static double log_ndtr(double z)
{
    if (z > -30) return log(0.5 * erfc(-z / sqrt(2.0)));
    double z2 = z * z;
    return -0.5 * z2 - log(-z) - 0.5 * log(2.0 * M_PI) + log1p(-1.0 / z2 + 3.0 / (z2 * z2));
}

/* log(Phi(b) - Phi(a)) for a < b */
static double log_gauss_mass(double a, double b)
{
    if (a > 0) return log_gauss_mass(-b, -a); /* the mass is symmetric: work in the lower tail */
    if (b <= 0) {
        double lb = log_ndtr(b), la = log_ndtr(a);
        return lb + log1p(-exp(la - lb));
    }
    /* a <= 0 < b: 1 - Phi(a) - Phi(-b) */
    return log1p(-0.5 * erfc(-a / sqrt(2.0)) - 0.5 * erfc(b / sqrt(2.0)));
}

static void model_bounds(const sqk_tpe_param *p, double *lo, double *hi)
{
    if (p->dist == SQK_TPE_QUNIFORM) {
        double kmax = floor((p->hi - p->lo) / p->q + 1e-9);
        *lo = p->lo - 0.5 * p->q;
        *hi = p->lo + kmax * p->q + 0.5 * p->q;
    } else {
        *lo = p->lo;
        *hi = p->hi;
    }
}

static void mpe_free(mpe *e)
{
    free(e->logw); free(e->logw_score); free(e->mu); free(e->sigma); free(e->log_accept); free(e->prob); free(e->lo); free(e->hi);
    memset(e, 0, sizeof *e);
}

/* rows: the observations' trial indices in trial order (n of them). */
static int mpe_fit(mpe *e, const sqk_tpe *t, const int *cols, int d, const size_t *rows, size_t n)
{
    memset(e, 0, sizeof *e);
    e->d = d;
    e->cols = cols;
    e->k = n + 1;
    e->mc = 1;
    for (int a = 0; a < d; a++)
        if (t->p[cols[a]].dist == SQK_TPE_CHOICE && t->p[cols[a]].n_choices > e->mc) e->mc = t->p[cols[a]].n_choices;
    size_t k = e->k;
    e->logw = sqk_malloc(k * sizeof *e->logw);
    e->logw_score = sqk_malloc(k * sizeof *e->logw_score);
    e->mu = sqk_malloc((size_t)d * k * sizeof *e->mu);
    e->sigma = sqk_malloc((size_t)d * k * sizeof *e->sigma);
    e->log_accept = sqk_malloc((size_t)d * k * sizeof *e->log_accept);
    e->prob = sqk_malloc((size_t)d * k * e->mc * sizeof *e->prob);
    e->lo = sqk_malloc((size_t)d * sizeof *e->lo);
    e->hi = sqk_malloc((size_t)d * sizeof *e->hi);
    if (!e->logw || !e->logw_score || !e->mu || !e->sigma || !e->log_accept || !e->prob || !e->lo || !e->hi) {
        mpe_free(e);
        return SQK_EMEM;
    }
    /* weights: optuna's default_weights (hyperopt's ramp) for the observations, prior_weight */
    forgetting_weights(e->logw, n, t->c.lf);
    e->logw[n] = t->c.prior_weight;
    double ws = 0;
    for (size_t i = 0; i < k; i++) ws += e->logw[i];
    for (size_t i = 0; i < k; i++) e->logw[i] = log(e->logw[i] / ws);
    /* Scott's rule with optuna's constant: 0.2 n^(-1/(d+4)) of the range */
    double sigma0 = 0.2 * pow((double)(n > 0 ? n : 1), -1.0 / (d + 4));
    for (int a = 0; a < d; a++) {
        const sqk_tpe_param *p = &t->p[cols[a]];
        double *mu = e->mu + (size_t)a * k, *sg = e->sigma + (size_t)a * k;
        double *pr = e->prob + (size_t)a * k * e->mc;
        if (p->dist == SQK_TPE_CHOICE) {
            int m = p->n_choices;
            double base = t->c.prior_weight / (double)k;
            for (size_t i = 0; i < k; i++) {
                double *row = pr + i * e->mc, s = 0;
                for (int c = 0; c < m; c++) row[c] = base;
                if (i < n) {
                    int c = (int)t->xs[rows[i] * t->n + cols[a]];
                    if (c >= 0 && c < m) row[c] += 1;
                }
                for (int c = 0; c < m; c++) s += row[c];
                for (int c = 0; c < m; c++) row[c] /= s;
            }
            continue;
        }
        model_bounds(p, &e->lo[a], &e->hi[a]);
        double range = e->hi[a] - e->lo[a];
        double min_sigma = range / fmin(100.0, 1.0 + (double)k);
        for (size_t i = 0; i < n; i++) {
            mu[i] = to_model(p, t->xs[rows[i] * t->n + cols[a]]);
            sg[i] = fmin(fmax(sigma0 * range, min_sigma), range);
        }
        mu[n] = 0.5 * (e->lo[a] + e->hi[a]);
        sg[n] = range;
        for (size_t i = 0; i < k; i++)
            e->log_accept[(size_t)a * k + i] = log_gauss_mass((e->lo[a] - mu[i]) / sg[i], (e->hi[a] - mu[i]) / sg[i]);
    }
    /* Scoring weights: a kernel's weight times the product of its widths over the group's
     * continuous (unstepped) parameters, renormalised. The observations' kernels share one
     * width, so this raises the prior kernel (as wide as the range) against them by
     * (range / width)^d_continuous: l(x) and g(x) flatten where few observations lie, which
     * is what optuna 3's scoring does (its truncated-normal log density leaves out -log sigma)
     * and what makes it search 6 and 10 dimensions better (docs/tuning.md). Candidates are
     * still drawn with the plain weights. */
    double mx = -INFINITY;
    for (size_t i = 0; i < k; i++) {
        double lw = e->logw[i];
        for (int a = 0; a < d && t->c.width_weighted_scoring; a++) {
            const sqk_tpe_param *p = &t->p[cols[a]];
            if (p->dist != SQK_TPE_CHOICE && p->dist != SQK_TPE_QUNIFORM) lw += log(e->sigma[(size_t)a * k + i]);
        }
        e->logw_score[i] = lw;
        if (lw > mx) mx = lw;
    }
    double ss = 0;
    for (size_t i = 0; i < k; i++) ss += exp(e->logw_score[i] - mx);
    for (size_t i = 0; i < k; i++) e->logw_score[i] -= mx + log(ss);
    return SQK_OK;
}

/* log density (or, with a step q, log probability of the value's bin) of one parameter under
 * kernel i */
static double mpe_log_component(const mpe *e, const sqk_tpe *t, int a, size_t i, double v)
{
    const sqk_tpe_param *p = &t->p[e->cols[a]];
    if (p->dist == SQK_TPE_CHOICE) return log(e->prob[((size_t)a * e->k + i) * e->mc + (int)v]);
    double mu = e->mu[(size_t)a * e->k + i], s = e->sigma[(size_t)a * e->k + i];
    double lo = e->lo[a], hi = e->hi[a], log_accept = e->log_accept[(size_t)a * e->k + i];
    if (p->dist == SQK_TPE_QUNIFORM) {
        double lb = fmax(v - 0.5 * p->q, lo), ub = fmin(v + 0.5 * p->q, hi);
        return log_gauss_mass((lb - mu) / s, (ub - mu) / s) - log_accept;
    }
    double z = (to_model(p, v) - mu) / s;
    return -0.5 * z * z - log(s) - 0.5 * log(2.0 * M_PI) - log_accept;
}

/* log of the mixture density at the point v (the group's values, d of them) */
static double mpe_log_pdf(const mpe *e, const sqk_tpe *t, const double *v, double *scratch)
{
    double mx = -INFINITY;
    for (size_t i = 0; i < e->k; i++) {
        double lp = e->logw_score[i];
        for (int a = 0; a < e->d && isfinite(lp); a++) lp += mpe_log_component(e, t, a, i, v[a]);
        scratch[i] = lp;
        if (lp > mx) mx = lp;
    }
    if (!isfinite(mx)) return -INFINITY;
    double s = 0;
    for (size_t i = 0; i < e->k; i++) s += exp(scratch[i] - mx);
    return mx + log(s);
}

/* A draw from the mixture: a kernel by weight, then each parameter from that kernel
 * (a truncated Gaussian by rejection: every kernel's centre lies inside the bounds, so at
 * least a third of the draws are accepted). */
static void mpe_sample(const mpe *e, sqk_tpe *t, double *v)
{
    double u = sqk_rng_uniform(&t->rng), acc = 0;
    size_t i = 0;
    for (; i + 1 < e->k; i++) {
        acc += exp(e->logw[i]);
        if (u < acc) break;
    }
    for (int a = 0; a < e->d; a++) {
        const sqk_tpe_param *p = &t->p[e->cols[a]];
        if (p->dist == SQK_TPE_CHOICE) {
            const double *row = e->prob + ((size_t)a * e->k + i) * e->mc;
            double r = sqk_rng_uniform(&t->rng), c_acc = 0;
            int c = 0;
            for (; c + 1 < p->n_choices; c++) {
                c_acc += row[c];
                if (r < c_acc) break;
            }
            v[a] = c;
            continue;
        }
        double mu = e->mu[(size_t)a * e->k + i], s = e->sigma[(size_t)a * e->k + i], w = mu;
        for (int tries = 0; tries < 1000; tries++) {
            double y = mu + s * sqk_rng_normal(&t->rng);
            if (y >= e->lo[a] && y <= e->hi[a]) { w = y; break; }
        }
        v[a] = p->dist == SQK_TPE_QUNIFORM ? quantize(p, w) : from_model(p, w);
    }
}

/* The group of parameters that share parameter j's condition, j its first member. */
static int group_members(const sqk_tpe *t, int j, int *cols)
{
    int d = 0;
    for (int i = j; i < t->n; i++)
        if (t->p[i].parent == t->p[j].parent && (t->p[j].parent < 0 || t->p[i].parent_choice == t->p[j].parent_choice))
            cols[d++] = i;
    return d;
}

static int is_group_start(const sqk_tpe *t, int j)
{
    for (int i = 0; i < j; i++)
        if (t->p[i].parent == t->p[j].parent && (t->p[j].parent < 0 || t->p[i].parent_choice == t->p[j].parent_choice))
            return 0;
    return 1;
}

/* rows 0 .. count-1 are the observations, count .. count+n_pending-1 the pending points; good
 * marks the good group. */
static int suggest_multivariate(sqk_tpe *t, double *x, const double *all, size_t n_rows,
                                const unsigned char *good)
{
    int *cols = sqk_malloc((size_t)t->n * sizeof *cols);
    size_t *rg = sqk_malloc((n_rows + 1) * sizeof *rg), *rb = sqk_malloc((n_rows + 1) * sizeof *rb);
    double *cand = sqk_malloc((size_t)t->n * sizeof *cand), *best_v = sqk_malloc((size_t)t->n * sizeof *best_v);
    double *scratch = sqk_malloc((n_rows + 2) * sizeof *scratch);
    int rc = cols && rg && rb && cand && best_v && scratch ? SQK_OK : SQK_EMEM;
    /* the estimators read t->xs: point it at the observations followed by the pending points */
    double *saved_xs = t->xs;
    t->xs = (double *)all;
    for (int j = 0; !rc && j < t->n; j++) {
        if (!is_group_start(t, j)) continue;
        int d = group_members(t, j, cols);
        if (!active(&t->p[j], x)) {
            for (int a = 0; a < d; a++) x[cols[a]] = NAN;
            continue;
        }
        size_t ng = 0, nb = 0;
        for (size_t i = 0; i < n_rows; i++) {
            if (!isfinite(all[i * t->n + j])) continue; /* the group was inactive in that trial */
            if (good[i]) rg[ng++] = i;
            else rb[nb++] = i;
        }
        mpe l, g;
        rc = mpe_fit(&l, t, cols, d, rg, ng);
        if (rc) break;
        if ((rc = mpe_fit(&g, t, cols, d, rb, nb))) { mpe_free(&l); break; }
        double best = -INFINITY;
        for (int c = 0; c < t->c.n_ei_candidates; c++) {
            mpe_sample(&l, t, cand);
            double score = mpe_log_pdf(&l, t, cand, scratch) - mpe_log_pdf(&g, t, cand, scratch);
            if (c == 0 || score > best) {
                best = score;
                memcpy(best_v, cand, (size_t)d * sizeof *cand);
            }
        }
        for (int a = 0; a < d; a++) x[cols[a]] = best_v[a];
        mpe_free(&l);
        mpe_free(&g);
    }
    t->xs = saved_xs;
    free(cols); free(rg); free(rb); free(cand); free(best_v); free(scratch);
    return rc;
}

/* ---- suggest ---- */
typedef struct { double loss; int steps; size_t i; } ranked;

/* Finished trials first, by loss; then pruned trials, the later-stopped first, by loss; ties:
 * the earlier trial counts as better. */
static int cmp_ranked(const void *a, const void *b)
{
    const ranked *x = a, *y = b;
    if (x->steps != y->steps) return x->steps > y->steps ? -1 : 1;
    if (x->loss != y->loss) return x->loss < y->loss ? -1 : 1;
    return (x->i > y->i) - (x->i < y->i);
}

static int suggest_hyperopt(sqk_tpe *t, double *x, const double *all, size_t n_rows,
                            const unsigned char *good)
{
    double *vg = sqk_malloc((n_rows + 1) * sizeof *vg), *vb = sqk_malloc((n_rows + 1) * sizeof *vb);
    int rc = vg && vb ? SQK_OK : SQK_EMEM;
    for (int j = 0; !rc && j < t->n; j++) {
        const sqk_tpe_param *p = &t->p[j];
        if (!active(p, x)) { x[j] = NAN; continue; }
        size_t ng = 0, nb = 0; /* observations of the groups in trial order (for forgetting) */
        for (size_t i = 0; i < n_rows; i++) {
            double v = all[i * t->n + j];
            if (!isfinite(v)) continue;
            if (good[i]) vg[ng++] = v;
            else vb[nb++] = v;
        }
        rc = p->dist == SQK_TPE_CHOICE ? pick_choice(t, p, vg, ng, vb, nb, &x[j])
                                       : pick_continuous(t, p, vg, ng, vb, nb, &x[j]);
    }
    free(vg); free(vb);
    return rc;
}

/* good[i] = 1 for the observations of the good group (good has room for count entries). */
static int split_good(const sqk_tpe *t, unsigned char *good)
{
    size_t n = t->count;
    ranked *r = sqk_malloc((n + 1) * sizeof *r);
    if (!r) return SQK_EMEM;
    for (size_t i = 0; i < n; i++) r[i] = (ranked){t->loss[i], t->steps[i], i};
    qsort(r, n, sizeof *r, cmp_ranked);
    size_t n_good = t->c.algorithm == SQK_TPE_HYPEROPT ? (size_t)ceil(t->c.gamma * sqrt((double)n))
                                                       : (size_t)ceil(t->c.gamma * (double)n);
    if (n_good > (size_t)t->c.lf) n_good = (size_t)t->c.lf;
    if (n_good < 1) n_good = 1;
    for (size_t i = 0; i < n_good && i < n; i++) good[r[i].i] = 1;
    free(r);
    return SQK_OK;
}

int sqk_tpe_suggest_pending(sqk_tpe *t, double *x, const double *pending, size_t n_pending)
{
    if (t->count < (size_t)(t->c.n_startup > 0 ? t->c.n_startup : 1)) {
        for (int j = 0; j < t->n; j++) x[j] = active(&t->p[j], x) ? sample_prior(t, &t->p[j]) : NAN;
        return SQK_OK;
    }
    size_t n = t->count, n_rows = n + n_pending;
    unsigned char *good = sqk_calloc(n_rows, 1);
    double *all = n_pending ? sqk_malloc(n_rows * (size_t)t->n * sizeof *all) : t->xs;
    int rc = good && all ? SQK_OK : SQK_EMEM;
    if (!rc) {
        if (n_pending) {
            memcpy(all, t->xs, n * (size_t)t->n * sizeof *all);
            memcpy(all + n * (size_t)t->n, pending, n_pending * (size_t)t->n * sizeof *all);
        }
        rc = split_good(t, good);
    }
    if (!rc)
        rc = t->c.algorithm == SQK_TPE_HYPEROPT ? suggest_hyperopt(t, x, all, n_rows, good)
                                                : suggest_multivariate(t, x, all, n_rows, good);
    free(good);
    if (all != t->xs) free(all);
    return rc;
}

int sqk_tpe_score(sqk_tpe *t, const double *points, size_t m, double *score)
{
    if (t->c.algorithm != SQK_TPE_MULTIVARIATE)
        return sqk_fail(SQK_EARG, "sqk_tpe_score: the multivariate TPE's score only");
    for (int j = 0; j < t->n; j++)
        if (t->p[j].parent >= 0) return sqk_fail(SQK_EARG, "sqk_tpe_score: a space without conditional parameters only");
    if (t->count == 0) return sqk_fail(SQK_EARG, "sqk_tpe_score: no observations yet");
    for (size_t i = 0; i < m; i++)
        for (int j = 0; j < t->n; j++) {
            const sqk_tpe_param *p = &t->p[j];
            double v = points[i * (size_t)t->n + j], lo, hi;
            model_bounds(p, &lo, &hi);
            int ok = p->dist == SQK_TPE_CHOICE ? v >= 0 && v < p->n_choices && v == floor(v)
                     : p->dist == SQK_TPE_LOGUNIFORM ? v > 0 && log(v) >= lo - 1e-9 && log(v) <= hi + 1e-9
                                                      : v >= lo && v <= hi;
            if (!ok) return sqk_fail(SQK_EARG, "sqk_tpe_score: point %zu: %s = %g is outside its domain", i, p->name, v);
        }
    size_t n = t->count, ng = 0, nb = 0;
    unsigned char *good = sqk_calloc(n, 1);
    size_t *rg = sqk_malloc(n * sizeof *rg), *rb = sqk_malloc(n * sizeof *rb);
    int *cols = sqk_malloc((size_t)t->n * sizeof *cols);
    double *scratch = sqk_malloc((n + 2) * sizeof *scratch);
    int rc = good && rg && rb && cols && scratch ? split_good(t, good) : SQK_EMEM;
    mpe l = {0}, g = {0};
    if (!rc) {
        for (size_t i = 0; i < n; i++) {
            if (good[i]) rg[ng++] = i;
            else rb[nb++] = i;
        }
        for (int j = 0; j < t->n; j++) cols[j] = j;
        rc = mpe_fit(&l, t, cols, t->n, rg, ng);
    }
    if (!rc) rc = mpe_fit(&g, t, cols, t->n, rb, nb);
    for (size_t i = 0; !rc && i < m; i++) {
        const double *v = points + i * (size_t)t->n;
        score[i] = mpe_log_pdf(&l, t, v, scratch) - mpe_log_pdf(&g, t, v, scratch);
    }
    mpe_free(&l);
    mpe_free(&g);
    free(good); free(rg); free(rb); free(cols); free(scratch);
    return rc;
}

int sqk_tpe_suggest(sqk_tpe *t, double *x)
{
    return sqk_tpe_suggest_pending(t, x, NULL, 0);
}
