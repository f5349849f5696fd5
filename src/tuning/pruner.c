/* Pruning of search trials from their learning curves (docs/tuning.md, "Pruning"): each trial
 * reports its validation F1 after every epoch, and the pruner says whether to stop it there.
 * - median: the rule of optuna's MedianPruner. After n_warmup_epochs epochs, and once
 *   n_startup_trials trials have run to their end, a trial whose best F1 so far is below the
 *   median of the finished trials' F1 at the same epoch is stopped.
 * - asha: asynchronous successive halving (Li et al. 2020; optuna's SuccessiveHalvingPruner).
 *   Rung k sits at min_resource * eta^k epochs; a trial reaching a rung records its F1 there
 *   and goes on only if that F1 is within the top 1/eta of every F1 recorded at the rung so far
 *   (its own included; the best one always goes on).
 * - floor: once n_startup_trials trials have run to their end, a trial whose best F1 so far
 *   after floor_epochs epochs is below the F1 of no skill (worse than the best constant
 *   prediction) is stopped; optuna's ThresholdPruner(lower = the floor) on the best F1 so far
 *   with n_warmup_steps = floor_epochs - 1, after the same startup trials.
 * - collapse: as floor, but only a trial that has so far scored, at every epoch, the F1 of a
 *   constant prediction is stopped: one that has predicted one class for every validation
 *   window at every epoch, and not the class of no skill. */
#include "sqk/tuning.h"
#include "sqk/nn.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { RUNNING = 0, FINISHED, STOPPED, MAX_RUNGS = 32 };

typedef struct {
    double *f1;              /* f1[e - 1]: the F1 after epoch e */
    int n;
    size_t cap;
    int state;
    double rung[MAX_RUNGS];  /* the F1 recorded at each rung passed */
    int n_rungs;
} curve;

struct sqk_pruner {
    sqk_pruner_config c;
    curve *t;
    size_t n, cap;
};

void sqk_pruner_config_default(sqk_pruner_config *c, sqk_pruner_kind kind)
{
    c->kind = kind;
    c->n_startup_trials = 5;
    c->n_warmup_epochs = 0;
    c->min_resource = 1;
    c->reduction_factor = 3;
    c->floor_epochs = kind == SQK_PRUNER_COLLAPSE ? 1 : 3;
    c->floor = NAN;
    for (int k = 0; k < 3; k++) c->constant_f1[k] = NAN;
}

int sqk_pruner_parse(sqk_pruner_kind *kind, const char *name)
{
    if (!strcmp(name, "none")) *kind = SQK_PRUNER_NONE;
    else if (!strcmp(name, "median")) *kind = SQK_PRUNER_MEDIAN;
    else if (!strcmp(name, "asha")) *kind = SQK_PRUNER_ASHA;
    else if (!strcmp(name, "floor")) *kind = SQK_PRUNER_FLOOR;
    else if (!strcmp(name, "collapse")) *kind = SQK_PRUNER_COLLAPSE;
    else return sqk_fail(SQK_EARG, "unknown pruner '%s' (none, median, asha, floor or collapse)", name);
    return SQK_OK;
}

int sqk_pruner_create(sqk_pruner **out, const sqk_pruner_config *c)
{
    *out = NULL;
    if (c->n_startup_trials < 0 || c->n_warmup_epochs < 0)
        return sqk_fail(SQK_EARG, "pruner: startup trials and warm-up epochs must be >= 0");
    if (c->min_resource < 1 || c->reduction_factor < 2)
        return sqk_fail(SQK_EARG, "pruner: the minimum resource must be >= 1 epoch and the "
                        "reduction factor >= 2");
    int judges_floor = c->kind == SQK_PRUNER_FLOOR || c->kind == SQK_PRUNER_COLLAPSE;
    if (judges_floor && (c->floor_epochs < 1 || !isfinite(c->floor) ||
                         (c->kind == SQK_PRUNER_COLLAPSE && !isfinite(c->constant_f1[0]))))
        return sqk_fail(SQK_EARG, "%s pruner: it needs floor epochs >= 1 and the F1 of no skill (the search "
                        "sets it from its validation labels)", c->kind == SQK_PRUNER_FLOOR ? "floor" : "collapse");
    sqk_pruner *p = sqk_calloc(1, sizeof *p);
    if (!p) return SQK_EMEM;
    p->c = *c;
    *out = p;
    return SQK_OK;
}

void sqk_pruner_free(sqk_pruner *p)
{
    if (!p) return;
    for (size_t i = 0; i < p->n; i++) free(p->t[i].f1);
    free(p->t);
    free(p);
}

int sqk_pruner_begin(sqk_pruner *p, int *trial)
{
    if (sqk_grow((void **)&p->t, &p->cap, p->n + 1, sizeof *p->t)) return SQK_EMEM;
    memset(&p->t[p->n], 0, sizeof p->t[p->n]);
    *trial = (int)p->n++;
    return SQK_OK;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The median of the finished trials' F1 at epoch e (NaN when none reached it); tmp holds n. */
static double median_at(const sqk_pruner *p, int e, double *tmp)
{
    size_t m = 0;
    for (size_t i = 0; i < p->n; i++)
        if (p->t[i].state == FINISHED && p->t[i].n >= e && isfinite(p->t[i].f1[e - 1])) tmp[m++] = p->t[i].f1[e - 1];
    if (m == 0) return NAN;
    qsort(tmp, m, sizeof *tmp, cmp_double);
    return m % 2 ? tmp[m / 2] : 0.5 * (tmp[m / 2 - 1] + tmp[m / 2]);
}

double sqk_curve_best(const double *f1, int n)
{
    double best = NAN;
    for (int k = 0; k < n; k++)
        if (isfinite(f1[k]) && !(best >= f1[k])) best = f1[k];
    return best;
}

/* Whether enough trials have run to their end for the median and floor rules to judge (and at
 * least one, so that a search always has a finished trial for its best). */
static int started_up(const sqk_pruner *p)
{
    size_t finished = 0;
    for (size_t i = 0; i < p->n; i++) finished += p->t[i].state == FINISHED;
    return finished > 0 && finished >= (size_t)p->c.n_startup_trials;
}

/* Whether every epoch of the curve scored exactly the F1 of a constant prediction (the
 * same sums of the same counts, so equal to the last bit): one class for every window. */
static int constant_so_far(const sqk_pruner_config *pc, const curve *c)
{
    for (int e = 0; e < c->n; e++)
        if (c->f1[e] != pc->constant_f1[0] && c->f1[e] != pc->constant_f1[1] && c->f1[e] != pc->constant_f1[2])
            return 0;
    return 1;
}

static int prune_median(const sqk_pruner *p, const curve *c, int e, int *prune)
{
    if (!started_up(p) || e <= p->c.n_warmup_epochs) return SQK_OK;
    double best = sqk_curve_best(c->f1, c->n);
    if (!isfinite(best)) {
        *prune = 1;
        return SQK_OK;
    }
    double *tmp = sqk_malloc(p->n * sizeof *tmp);
    if (!tmp) return SQK_EMEM;
    double med = median_at(p, e, tmp);
    free(tmp);
    *prune = isfinite(med) && best < med;
    return SQK_OK;
}

static int prune_asha(const sqk_pruner *p, curve *c, int e, double v, int *prune)
{
    double *vals = sqk_malloc((p->n + 1) * sizeof *vals);
    if (!vals) return SQK_EMEM;
    while (c->n_rungs < MAX_RUNGS) {
        int r = c->n_rungs;
        double rung_epoch = p->c.min_resource * pow(p->c.reduction_factor, r);
        if (e < rung_epoch) break;
        if (!isfinite(v)) {
            *prune = 1;
            break;
        }
        size_t m = 0;
        for (size_t i = 0; i < p->n; i++)
            if (&p->t[i] != c && p->t[i].n_rungs > r) vals[m++] = p->t[i].rung[r];
        vals[m++] = v;
        c->rung[c->n_rungs++] = v;
        qsort(vals, m, sizeof *vals, cmp_double);
        size_t keep = m / (size_t)p->c.reduction_factor; /* the top `keep` go on, at least 1 */
        if (keep < 1) keep = 1;
        if (v < vals[m - keep]) {
            *prune = 1;
            break;
        }
    }
    free(vals);
    return SQK_OK;
}

int sqk_pruner_report(sqk_pruner *p, int trial, int epoch, double f1, int *prune)
{
    *prune = 0;
    if (trial < 0 || (size_t)trial >= p->n || p->t[trial].state != RUNNING)
        return sqk_fail(SQK_EARG, "pruner: trial %d is not running", trial);
    curve *c = &p->t[trial];
    if (epoch != c->n + 1)
        return sqk_fail(SQK_EARG, "pruner: trial %d reported epoch %d after epoch %d", trial, epoch, c->n);
    if (sqk_grow((void **)&c->f1, &c->cap, (size_t)c->n + 1, sizeof *c->f1)) return SQK_EMEM;
    c->f1[c->n++] = f1;
    if (p->c.kind == SQK_PRUNER_MEDIAN) return prune_median(p, c, epoch, prune);
    if (p->c.kind == SQK_PRUNER_ASHA) return prune_asha(p, c, epoch, f1, prune);
    if (p->c.kind == SQK_PRUNER_FLOOR || p->c.kind == SQK_PRUNER_COLLAPSE)
        *prune = epoch >= p->c.floor_epochs && started_up(p) && !(sqk_curve_best(c->f1, c->n) >= p->c.floor) &&
                 (p->c.kind == SQK_PRUNER_FLOOR || constant_so_far(&p->c, c));
    return SQK_OK;
}

int sqk_pruner_finish(sqk_pruner *p, int trial, int finished)
{
    if (trial < 0 || (size_t)trial >= p->n || p->t[trial].state != RUNNING)
        return sqk_fail(SQK_EARG, "pruner: trial %d is not running", trial);
    p->t[trial].state = finished ? FINISHED : STOPPED;
    return SQK_OK;
}

int sqk_constant_f1(const int32_t *y, const uint8_t *split, size_t n, int which, double f1[3])
{
    int32_t *labels = sqk_malloc((n ? n : 1) * sizeof *labels), *constant = sqk_malloc((n ? n : 1) * sizeof *constant);
    int rc = labels && constant ? SQK_OK : SQK_EMEM;
    size_t m = 0;
    for (size_t i = 0; !rc && i < n; i++)
        if (!split || split[i] == which) labels[m++] = y[i];
    for (int32_t c = 0; c < 3; c++) {
        for (size_t i = 0; !rc && i < m; i++) constant[i] = c;
        f1[c] = rc ? NAN : sqk_weighted_f1(labels, constant, m, 3);
    }
    free(labels);
    free(constant);
    return rc;
}

double sqk_no_skill_f1(const int32_t *y, const uint8_t *split, size_t n, int which)
{
    double f1[3];
    if (sqk_constant_f1(y, split, n, which, f1)) return NAN;
    return fmax(f1[0], fmax(f1[1], f1[2]));
}

void sqk_pruner_set_floor(sqk_pruner_config *c, const double constant_f1[3])
{
    memcpy(c->constant_f1, constant_f1, sizeof c->constant_f1);
    c->floor = fmax(constant_f1[0], fmax(constant_f1[1], constant_f1[2]));
}

int sqk_tpe_observe_trial(sqk_tpe *t, const double *x, sqk_pruner_kind pruner, int pruned, double val_f1, int epochs,
                          double best_f1)
{
    if (!pruned) return sqk_tpe_observe(t, x, -val_f1);
    if (pruner == SQK_PRUNER_FLOOR || pruner == SQK_PRUNER_COLLAPSE) return sqk_tpe_observe(t, x, -best_f1);
    return sqk_tpe_observe_pruned(t, x, -val_f1, epochs);
}
