/* Null-corrected skill: a metric on an archive with planted precursors minus the same metric
 * on its paired null archive, with a paired bootstrap over events (docs/metrics.md section 7).
 * Paired: the same resampled events on both sides, so that what the two sides share (the
 * windows, their geography, the confounders) cancels, and the interval is that of the
 * difference, not two overlapping intervals read side by side. */
#include "eval_internal.h"
#include "sqk/rng.h"

#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#define KEY_NULL (1ULL << 43)
#define KEY_PAIRS (1ULL << 44)
#define MAX_PAIR_DIFF 8

static const char *nc_names[SQK_NC_COUNT] = {"mcc_seismic_vs_control", "auc1", "event_mcc"};

const char *sqk_nc_name(int metric)
{
    return metric >= 0 && metric < SQK_NC_COUNT ? nc_names[metric] : "?";
}

int sqk_null_pair_check(const sqk_pred *a, const char *pa, const sqk_pred *b, const char *pb)
{
    if (a->n != b->n)
        return sqk_fail(SQK_EFORMAT, "%s (%zu windows) and %s (%zu windows) are not predictions of paired "
                        "datasets: their windows differ", pa, a->n, pb, b->n);
    for (size_t i = 0; i < a->n; i++) {
        const char *what = a->window[i] != b->window[i] ? "window" : a->split[i] != b->split[i] ? "split"
                         : a->event[i] != b->event[i] ? "event" : a->y_true[i] != b->y_true[i] ? "y_true" : NULL;
        if (what)
            return sqk_fail(SQK_EFORMAT, "%s line %zu and %s line %zu: the %s differs; the two files are "
                            "not predictions of paired datasets (same windows, events and splits)",
                            pa, a->line ? a->line[i] : i + 2, pb, b->line ? b->line[i] : i + 2, what);
    }
    return SQK_OK;
}

/* One side of a pair, reduced to what a resample needs. */
typedef struct {
    int64_t *svc;     /* per unit: [true 0 pred 1, true 0 not 1, true 1 pred 1, true 1 not 1] */
    auc_orders o;     /* class 1 only is used */
    int8_t *ev_pred;  /* per unit: 1 predicted seismic, 0 not, -1 not a judged event */
} side;

typedef struct {
    units u;
    int8_t *kind;     /* per unit: 1 earthquake, 0 control, -1 not judged (no event / unknown) */
    side s[2];
    size_t n;         /* windows */
    size_t group;     /* the first pair with the same windows: it shares the draws */
} pair_data;

static void side_free(side *s)
{
    free(s->svc);
    free(s->ev_pred);
    orders_free(&s->o);
}

static void pair_free(pair_data *d)
{
    units_free(&d->u);
    free(d->kind);
    side_free(&d->s[0]);
    side_free(&d->s[1]);
}

static int side_build(const sqk_pred *p, const sqk_null_pair *pr, double threshold, pair_data *d, side *s)
{
    size_t nu = d->u.n_units;
    s->svc = sqk_calloc(nu * 4, sizeof *s->svc);
    s->ev_pred = sqk_malloc(nu ? nu : 1);
    if (!s->svc || !s->ev_pred) return SQK_EMEM;
    for (size_t i = 0; i < p->n; i++) {
        int t = p->y_true[i];
        if (t == 2) continue;
        s->svc[d->u.unit[i] * 4 + 2 * t + (p->y_pred[i] != 1)]++;
    }
    int st = orders_build(p->prob, p->y_true, &d->u, p->n, &s->o);
    if (st) return st;
    sqk_event_table t;
    if ((st = sqk_events_group(p->event, p->y_true, p->y_pred, p->n, pr->kind_of_event, pr->n_kinds, &t)))
        return st;
    memset(s->ev_pred, -1, nu);
    /* Event units come first, in ascending event order, as the table's rows. */
    int8_t *kind = d->kind;
    for (size_t g = 0; g < t.n && g < nu; g++) {
        const sqk_event_row *r = &t.rows[g];
        int judged = r->kind != SQK_KIND_UNKNOWN && !isnan(r->score);
        if (kind) kind[g] = judged ? (int8_t)(r->kind == SQK_KIND_EARTHQUAKE) : -1;
        if (judged) s->ev_pred[g] = (int8_t)(r->score >= threshold);
    }
    sqk_events_free(&t);
    return SQK_OK;
}

static int pair_build(const sqk_null_pair *pr, pair_data *d)
{
    memset(d, 0, sizeof *d);
    const sqk_pred *a = pr->planted;
    d->n = a->n;
    int st = units_build(a->y_true, a->y_pred, a->event, a->n, &d->u);
    if (st) return st;
    d->kind = sqk_malloc(d->u.n_units ? d->u.n_units : 1);
    if (!d->kind) return SQK_EMEM;
    memset(d->kind, -1, d->u.n_units);
    st = side_build(pr->planted, pr, pr->threshold_planted, d, &d->s[0]);
    if (!st) {
        /* The kinds come from the labels and the dataset, the same on both sides. */
        int8_t *k = d->kind;
        d->kind = NULL;
        st = side_build(pr->null, pr, pr->threshold_null, d, &d->s[1]);
        d->kind = k;
    }
    return st;
}

static double mcc2(double tn, double fp, double fn, double tp)
{
    int64_t c[4] = {(int64_t)tn, (int64_t)fp, (int64_t)fn, (int64_t)tp};
    return sqk_mcc_k(c, 2);
}

/* The three metrics of one side when unit g counts mult[g] times. */
static void side_metrics(const pair_data *d, const side *s, const int *mult, double out[SQK_NC_COUNT])
{
    double c[4] = {0, 0, 0, 0}, e[4] = {0, 0, 0, 0}; /* e: tn fp fn tp of the judged events */
    for (size_t g = 0; g < d->u.n_units; g++) {
        if (!mult[g]) continue;
        for (int k = 0; k < 4; k++) c[k] += mult[g] * (double)s->svc[g * 4 + k];
        if (d->kind[g] >= 0 && s->ev_pred[g] >= 0) e[2 * d->kind[g] + s->ev_pred[g]] += mult[g];
    }
    /* svc: [t0 p1, t0 not, t1 p1, t1 not] -> tn = t0 not, fp = t0 p1, fn = t1 not, tp = t1 p1 */
    out[SQK_NC_MCC_SVC] = mcc2(c[1], c[0], c[3], c[2]);
    out[SQK_NC_AUC1] = weighted_auc(&s->o, 1, mult, d->n);
    out[SQK_NC_EVENT_MCC] = e[0] + e[1] + e[2] + e[3] > 0 ? mcc2(e[0], e[1], e[2], e[3]) : NAN;
}

int sqk_null_corrected_compute(const sqk_null_pair *pairs, size_t n_pairs, int n_boot, uint64_t seed,
                               double level, sqk_null_corrected *out)
{
    memset(out, 0, sizeof *out);
    if (n_pairs == 0) return sqk_fail(SQK_EARG, "null-corrected skill needs at least one pair of predictions");
    pair_data *d = sqk_calloc(n_pairs, sizeof *d);
    if (!d) return SQK_EMEM;
    int st = SQK_OK;
    size_t max_units = 1;
    for (size_t p = 0; p < n_pairs && !st; p++) {
        st = pair_build(&pairs[p], &d[p]);
        if (st) break;
        d[p].group = p;
        for (size_t q = 0; q < p; q++)
            if (d[q].group == q && pairs[q].planted->n == pairs[p].planted->n &&
                !memcmp(pairs[q].planted->window, pairs[p].planted->window, d[p].n * sizeof(int64_t)) &&
                !memcmp(pairs[q].planted->event, pairs[p].planted->event, d[p].n * sizeof(int64_t))) {
                d[p].group = q;
                break;
            }
        if (d[p].group == p) out->n_units += d[p].u.n_units;
        if (d[p].u.n_units > max_units) max_units = d[p].u.n_units;
    }
    out->n_pairs = n_pairs;
    size_t nb = n_boot > 0 ? (size_t)n_boot : 0, nv = 3 * SQK_NC_COUNT;
    double *vals = sqk_malloc((nb ? nb : 1) * nv * sizeof *vals), *col = sqk_malloc((nb ? nb : 1) * sizeof *col);
    int *ones = sqk_malloc(max_units * sizeof *ones);
    if (!st && (!vals || !col || !ones)) st = SQK_EMEM;
    if (!st) {
        /* Point estimates: every unit once. */
        for (size_t g = 0; g < max_units; g++) ones[g] = 1;
        double sum[3][SQK_NC_COUNT] = {{0}};
        int cnt[3][SQK_NC_COUNT] = {{0}};
        for (size_t p = 0; p < n_pairs; p++) {
            double a[SQK_NC_COUNT], b[SQK_NC_COUNT];
            side_metrics(&d[p], &d[p].s[0], ones, a);
            side_metrics(&d[p], &d[p].s[1], ones, b);
            for (int k = 0; k < SQK_NC_COUNT; k++) {
                double v[3] = {a[k], b[k], a[k] - b[k]};
                for (int j = 0; j < 3; j++)
                    if (!isnan(v[j])) { sum[j][k] += v[j]; cnt[j][k]++; }
                if (p < MAX_PAIR_DIFF) out->pair_diff[p][k] = v[2];
            }
        }
        for (int k = 0; k < SQK_NC_COUNT; k++) {
            sqk_ci *ci[3] = {&out->planted[k], &out->null[k], &out->diff[k]};
            for (int j = 0; j < 3; j++)
                *ci[j] = (sqk_ci){cnt[j][k] ? sum[j][k] / cnt[j][k] : NAN, NAN, NAN, 0};
            out->p_diff[k] = NAN;
        }
    }
    if (!st && nb > 0) {
        sqk_rng root;
        sqk_rng_seed(&root, seed);
        int failed = 0;
#pragma omp parallel
        {
            int *mult = malloc(n_pairs * max_units * sizeof *mult);
            if (!mult) {
#pragma omp atomic write
                failed = 1;
            }
#pragma omp for schedule(dynamic, 4)
            for (int b = 0; b < n_boot; b++) {
                if (!mult) continue;
                double sum[3][SQK_NC_COUNT] = {{0}};
                int cnt[3][SQK_NC_COUNT] = {{0}};
                /* the events: one draw per dataset, shared by the pairs on it */
                for (size_t p = 0; p < n_pairs; p++) {
                    if (d[p].group != p) continue;
                    int *m = mult + p * max_units;
                    size_t nu = d[p].u.n_units;
                    sqk_rng r = sqk_rng_fork(&root, KEY_NULL + (uint64_t)b * 1024 + p);
                    memset(m, 0, nu * sizeof *m);
                    for (size_t j = 0; j < nu; j++) m[sqk_rng_below(&r, nu)]++;
                }
                /* the pairs (training or archive seeds), drawn with replacement too, so that
                 * what varies between seeds is inside the interval */
                sqk_rng rp = sqk_rng_fork(&root, KEY_PAIRS + (uint64_t)b);
                for (size_t i = 0; i < n_pairs; i++) {
                    size_t p = n_pairs > 1 ? sqk_rng_below(&rp, n_pairs) : 0;
                    const int *m = mult + d[p].group * max_units;
                    double a[SQK_NC_COUNT], z[SQK_NC_COUNT];
                    side_metrics(&d[p], &d[p].s[0], m, a);
                    side_metrics(&d[p], &d[p].s[1], m, z);
                    for (int k = 0; k < SQK_NC_COUNT; k++) {
                        double v[3] = {a[k], z[k], a[k] - z[k]};
                        for (int j = 0; j < 3; j++)
                            if (!isnan(v[j])) { sum[j][k] += v[j]; cnt[j][k]++; }
                    }
                }
                double *v = vals + (size_t)b * nv;
                for (int j = 0; j < 3; j++)
                    for (int k = 0; k < SQK_NC_COUNT; k++)
                        v[j * SQK_NC_COUNT + k] = cnt[j][k] == (int)n_pairs ? sum[j][k] / n_pairs : NAN;
            }
            free(mult);
        }
        if (failed) st = sqk_fail(SQK_EMEM, "out of memory in the paired bootstrap");
        for (int k = 0; k < SQK_NC_COUNT && !st; k++) {
            sqk_ci *ci[3] = {&out->planted[k], &out->null[k], &out->diff[k]};
            size_t le0 = 0, valid = 0;
            for (size_t b = 0; b < nb; b++) {
                double x = vals[b * nv + 2 * SQK_NC_COUNT + k];
                if (isnan(x)) continue;
                valid++;
                le0 += x <= 0;
            }
            out->p_diff[k] = valid ? (1.0 + (double)le0) / (1.0 + (double)valid) : NAN;
            for (int j = 0; j < 3; j++) {
                for (size_t b = 0; b < nb; b++) col[b] = vals[b * nv + j * SQK_NC_COUNT + k];
                sqk_eval_interval(col, nb, level, ci[j]);
            }
        }
    }
    for (size_t p = 0; p < n_pairs; p++) pair_free(&d[p]);
    free(d);
    free(vals);
    free(col);
    free(ones);
    return st;
}
