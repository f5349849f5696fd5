/* Uncertainty: percentile bootstrap over events (the windows of one event are correlated,
 * so the event, not the window, is the unit drawn), and a permutation test of the MCC.
 * Resample b always draws from sqk_rng_fork(root, b): results do not depend on how OpenMP
 * shares the resamples between threads. */
#include "eval_internal.h"
#include "sqk/rng.h"

#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

/* Fork keys: bootstrap resamples use b, the permutation test and recovery their own ranges. */
#define KEY_PERMUTATION (1ULL << 40)
#define KEY_RECOVERY (1ULL << 41)
#define KEY_EVENTS (1ULL << 42)

static const char *bm_names[SQK_BM_COUNT] = {
    "accuracy", "balanced_accuracy", "f1_weighted", "f1_macro", "mcc", "auc0", "auc1", "auc2", "auc_macro",
    "mcc_seismic_vs_control"};

const char *sqk_bm_name(int metric)
{
    return metric >= 0 && metric < SQK_BM_COUNT ? bm_names[metric] : "?";
}

static const char *ebm_names[SQK_EBM_COUNT] = {"event_mcc", "event_f1", "event_roc_auc", "event_pr_auc"};

const char *sqk_ebm_name(int metric)
{
    return metric >= 0 && metric < SQK_EBM_COUNT ? ebm_names[metric] : "?";
}

double sqk_percentile_sorted(const double *v, size_t n, double q)
{
    if (n == 0) return NAN;
    double pos = q / 100.0 * (double)(n - 1);
    size_t lo = (size_t)floor(pos);
    if (lo + 1 >= n) return v[n - 1];
    double frac = pos - (double)lo;
    return v[lo] + (v[lo + 1] - v[lo]) * frac;
}

void sqk_eval_interval(double *v, size_t n, double level, sqk_ci *ci)
{
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (!isnan(v[i])) v[m++] = v[i];
    qsort(v, m, sizeof *v, sqk_cmp_f64);
    ci->n_valid = (int)m;
    ci->lo = sqk_percentile_sorted(v, m, 50.0 * (1.0 - level));
    ci->hi = sqk_percentile_sorted(v, m, 50.0 * (1.0 + level));
}

void units_free(units *u) { free(u->unit); free(u->conf); }

int units_build(const int *y_true, const int *y_pred, const int64_t *event, size_t n, units *u)
{
    u->unit = sqk_malloc(n * sizeof *u->unit);
    int64_t *ids = sqk_malloc(n * sizeof *ids);
    u->conf = NULL;
    if (!u->unit || !ids) { free(ids); units_free(u); return SQK_EMEM; }
    size_t ne = sqk_event_ids(event, n, ids);
    size_t next = ne;
    for (size_t i = 0; i < n; i++) {
        if (event[i] < 0) { u->unit[i] = next++; continue; }
        int64_t *hit = bsearch(&event[i], ids, ne, sizeof *ids, sqk_cmp_i64);
        u->unit[i] = (size_t)(hit - ids);
    }
    free(ids);
    u->n_units = next;
    u->conf = sqk_calloc(next * SQK_NCLASS * SQK_NCLASS, sizeof *u->conf);
    if (!u->conf) { units_free(u); return SQK_EMEM; }
    for (size_t i = 0; i < n; i++)
        u->conf[u->unit[i] * SQK_NCLASS * SQK_NCLASS + y_true[i] * SQK_NCLASS + y_pred[i]]++;
    return SQK_OK;
}

typedef struct { double s; size_t i; } scored_idx;

static int by_score_desc(const void *a, const void *b)
{
    double x = ((const scored_idx *)a)->s, y = ((const scored_idx *)b)->s;
    return (x < y) - (x > y);
}

void orders_free(auc_orders *o)
{
    for (int k = 0; k < SQK_NCLASS; k++) { free(o->unit_at[k]); free(o->flags[k]); }
}

int orders_build(const double *prob, const int *y_true, const units *u, size_t n, auc_orders *o)
{
    memset(o, 0, sizeof *o);
    scored_idx *v = sqk_malloc(n * sizeof *v);
    if (!v) return SQK_EMEM;
    for (int k = 0; k < SQK_NCLASS; k++) {
        o->unit_at[k] = sqk_malloc(n * sizeof(size_t));
        o->flags[k] = sqk_malloc(n);
        if (!o->unit_at[k] || !o->flags[k]) { free(v); orders_free(o); return SQK_EMEM; }
        for (size_t i = 0; i < n; i++) { v[i].s = prob[i * SQK_NCLASS + k]; v[i].i = i; }
        qsort(v, n, sizeof *v, by_score_desc);
        for (size_t j = 0; j < n; j++) {
            o->unit_at[k][j] = u->unit[v[j].i];
            o->flags[k][j] = (uint8_t)((y_true[v[j].i] == k) | ((j + 1 == n || v[j].s != v[j + 1].s) << 1));
        }
    }
    free(v);
    return SQK_OK;
}

double weighted_auc(const auc_orders *o, int k, const int *mult, size_t n)
{
    double tp = 0, fp = 0, tp_prev = 0, fp_prev = 0, area = 0;
    const size_t *unit = o->unit_at[k];
    const uint8_t *flags = o->flags[k];
    for (size_t j = 0; j < n; j++) {
        double w = mult[unit[j]];
        if (flags[j] & 1) tp += w; else fp += w;
        if (flags[j] & 2) {
            area += (fp - fp_prev) * (tp + tp_prev) / 2.0;
            tp_prev = tp;
            fp_prev = fp;
        }
    }
    if (tp == 0 || fp == 0) return NAN;
    return area / (tp * fp);
}

static void resample_metrics(const units *u, const int *mult, double *out)
{
    int64_t c[SQK_NCLASS][SQK_NCLASS] = {{0}};
    for (size_t g = 0; g < u->n_units; g++) {
        if (!mult[g]) continue;
        const int64_t *cu = u->conf + g * SQK_NCLASS * SQK_NCLASS;
        for (int a = 0; a < SQK_NCLASS * SQK_NCLASS; a++) (&c[0][0])[a] += mult[g] * cu[a];
    }
    sqk_metrics m;
    sqk_metrics_from_confusion(c, &m);
    out[SQK_BM_ACCURACY] = m.accuracy;
    out[SQK_BM_BALANCED_ACCURACY] = m.balanced_accuracy;
    out[SQK_BM_F1_WEIGHTED] = m.f1_weighted;
    out[SQK_BM_F1_MACRO] = m.f1_macro;
    out[SQK_BM_MCC] = m.mcc;
    out[SQK_BM_MCC_SVC] = m.mcc_seismic_vs_control;
}

int sqk_bootstrap(const int *y_true, const int *y_pred, const double *prob, const int64_t *event,
                  size_t n, int n_boot, uint64_t seed, double level, const sqk_progress *p,
                  sqk_ci out[SQK_BM_COUNT], size_t *n_units)
{
    if (n == 0) return sqk_fail(SQK_EEMPTY, "bootstrap of no predictions");
    if (n_boot < 1) return sqk_fail(SQK_EARG, "bootstrap needs at least 1 resample, not %d", n_boot);
    sqk_metrics point;
    int st = sqk_metrics_compute(y_true, y_pred, prob, n, &point);
    if (st) return st;
    units u;
    if ((st = units_build(y_true, y_pred, event, n, &u))) return st;
    auc_orders o;
    if ((st = orders_build(prob, y_true, &u, n, &o))) { units_free(&u); return st; }
    *n_units = u.n_units;
    double *vals = sqk_malloc((size_t)n_boot * SQK_BM_COUNT * sizeof *vals);
    if (!vals) { units_free(&u); orders_free(&o); return SQK_EMEM; }
    sqk_rng root;
    sqk_rng_seed(&root, seed);
    int failed = 0, done = 0;
#pragma omp parallel
    {
        int *mult = calloc(u.n_units, sizeof *mult);
        if (!mult) {
#pragma omp atomic write
            failed = 1;
        }
#pragma omp for schedule(dynamic, 4)
        for (int b = 0; b < n_boot; b++) {
            if (!mult) continue;
            sqk_rng r = sqk_rng_fork(&root, (uint64_t)b);
            memset(mult, 0, u.n_units * sizeof *mult);
            for (size_t d = 0; d < u.n_units; d++) mult[sqk_rng_below(&r, u.n_units)]++;
            double *v = vals + (size_t)b * SQK_BM_COUNT;
            resample_metrics(&u, mult, v);
            double sum = 0;
            int defined = 0;
            for (int k = 0; k < SQK_NCLASS; k++) {
                v[SQK_BM_AUC0 + k] = weighted_auc(&o, k, mult, n);
                if (!isnan(v[SQK_BM_AUC0 + k])) { sum += v[SQK_BM_AUC0 + k]; defined++; }
            }
            v[SQK_BM_AUC_MACRO] = defined ? sum / defined : NAN;
            int now;
#pragma omp atomic capture
            now = ++done;
            if (omp_get_thread_num() == 0) sqk_progress_report(p, "bootstrap", now, n_boot);
        }
        free(mult);
    }
    units_free(&u);
    orders_free(&o);
    if (failed) { free(vals); return sqk_fail(SQK_EMEM, "out of memory in the bootstrap"); }
    double point_v[SQK_BM_COUNT] = {point.accuracy, point.balanced_accuracy, point.f1_weighted,
                                    point.f1_macro, point.mcc, point.auc[0], point.auc[1],
                                    point.auc[2], point.auc_macro, point.mcc_seismic_vs_control};
    double *col = sqk_malloc((size_t)n_boot * sizeof *col);
    if (!col) { free(vals); return SQK_EMEM; }
    for (int m = 0; m < SQK_BM_COUNT; m++) {
        for (int b = 0; b < n_boot; b++) col[b] = vals[(size_t)b * SQK_BM_COUNT + m];
        out[m].value = point_v[m];
        sqk_eval_interval(col, (size_t)n_boot, level, &out[m]);
    }
    sqk_progress_report(p, "bootstrap", n_boot, n_boot);
    free(col);
    free(vals);
    return SQK_OK;
}

/* The kind (true class 0 or 1) of each unit from its non-storm windows (the majority, 0 on a
 * tie); -1 for a unit of storm windows only, which the permutation leaves alone. */
static int *unit_kinds(const int *y_true, const units *u, size_t n)
{
    int64_t *votes = sqk_calloc(2 * u->n_units, sizeof *votes);
    int *kind = sqk_malloc(u->n_units * sizeof *kind);
    if (!votes || !kind) { free(votes); free(kind); return NULL; }
    for (size_t i = 0; i < n; i++)
        if (y_true[i] != 2) votes[2 * u->unit[i] + y_true[i]]++;
    for (size_t g = 0; g < u->n_units; g++)
        kind[g] = votes[2 * g] + votes[2 * g + 1] == 0 ? -1 : votes[2 * g + 1] > votes[2 * g];
    free(votes);
    return kind;
}

/* Unit kinds shuffled within strata: stratum[g] >= 0 groups unit g with the units of the same
 * value, -1 keeps it fixed (NULL: one stratum of every unit with a kind). */
static int permutation_test(const int *y_true, const int *y_pred, const int64_t *event, size_t n,
                            const int64_t *event_stratum, size_t n_events, int n_perm, uint64_t seed,
                            const sqk_progress *p, double *p_value)
{
    if (n == 0) return sqk_fail(SQK_EEMPTY, "permutation test of no predictions");
    if (n_perm < 1) return sqk_fail(SQK_EARG, "permutation test needs at least 1 permutation, not %d", n_perm);
    int64_t c[SQK_NCLASS][SQK_NCLASS];
    sqk_confusion(y_true, y_pred, n, c);
    double observed = sqk_mcc_k(&c[0][0], SQK_NCLASS);
    /* Without events every window is its own unit. */
    int64_t *own = NULL;
    if (!event) {
        own = sqk_malloc(n * sizeof *own);
        if (!own) return SQK_EMEM;
        for (size_t i = 0; i < n; i++) own[i] = -1;
    }
    units u;
    int st = units_build(y_true, y_pred, event ? event : own, n, &u);
    free(own);
    if (st) return st;
    int *kind = unit_kinds(y_true, &u, n);
    size_t *movable = sqk_malloc(u.n_units * sizeof *movable), n_movable = 0;
    int64_t *ustr = sqk_malloc(u.n_units * sizeof *ustr);
    if (!kind || !movable || !ustr) { free(kind); free(movable); free(ustr); units_free(&u); return SQK_EMEM; }
    for (size_t g = 0; g < u.n_units; g++) ustr[g] = event_stratum ? -1 : 0;
    if (event_stratum)
        for (size_t i = 0; i < n; i++)
            if (event && event[i] >= 0 && (size_t)event[i] < n_events) ustr[u.unit[i]] = event_stratum[event[i]];
    for (size_t g = 0; g < u.n_units; g++)
        if (kind[g] >= 0 && ustr[g] >= 0) movable[n_movable++] = g;
    /* Movable units ordered by stratum (stable in unit order): each stratum is one block. */
    for (size_t i = 1; i < n_movable; i++)
        for (size_t j = i; j > 0 && ustr[movable[j - 1]] > ustr[movable[j]]; j--) {
            size_t t = movable[j]; movable[j] = movable[j - 1]; movable[j - 1] = t;
        }
    sqk_rng root;
    sqk_rng_seed(&root, seed);
    int failed = 0, done = 0;
    long long at_least = 0;
#pragma omp parallel
    {
        int *y = malloc(n * sizeof *y), *perm_kind = malloc(u.n_units * sizeof *perm_kind);
        if (!y || !perm_kind) {
#pragma omp atomic write
            failed = 1;
        }
#pragma omp for schedule(dynamic, 4) reduction(+ : at_least)
        for (int b = 0; b < n_perm; b++) {
            if (!y || !perm_kind) continue;
            sqk_rng r = sqk_rng_fork(&root, KEY_PERMUTATION + (uint64_t)b);
            memcpy(perm_kind, kind, u.n_units * sizeof *perm_kind);
            for (size_t lo = 0; lo < n_movable;) { /* Fisher-Yates within each stratum's block */
                size_t hi = lo + 1;
                while (hi < n_movable && ustr[movable[hi]] == ustr[movable[lo]]) hi++;
                for (size_t i = hi - lo; i > 1; i--) {
                    size_t j = lo + (size_t)sqk_rng_below(&r, i), k = lo + i - 1;
                    int t = perm_kind[movable[k]];
                    perm_kind[movable[k]] = perm_kind[movable[j]];
                    perm_kind[movable[j]] = t;
                }
                lo = hi;
            }
            for (size_t i = 0; i < n; i++) y[i] = y_true[i] == 2 ? 2 : perm_kind[u.unit[i]];
            int64_t cp[SQK_NCLASS][SQK_NCLASS];
            sqk_confusion(y, y_pred, n, cp);
            at_least += sqk_mcc_k(&cp[0][0], SQK_NCLASS) >= observed;
            int now;
#pragma omp atomic capture
            now = ++done;
            if (omp_get_thread_num() == 0) sqk_progress_report(p, "permutation test", now, n_perm);
        }
        free(y);
        free(perm_kind);
    }
    free(kind);
    free(movable);
    free(ustr);
    units_free(&u);
    if (failed) return sqk_fail(SQK_EMEM, "out of memory in the permutation test");
    sqk_progress_report(p, "permutation test", n_perm, n_perm);
    *p_value = (1.0 + (double)at_least) / (1.0 + n_perm);
    return SQK_OK;
}

int sqk_permutation_mcc(const int *y_true, const int *y_pred, const int64_t *event, size_t n,
                        int n_perm, uint64_t seed, const sqk_progress *p, double *p_value)
{
    return permutation_test(y_true, y_pred, event, n, NULL, 0, n_perm, seed, p, p_value);
}

int sqk_permutation_mcc_strata(const int *y_true, const int *y_pred, const int64_t *event, size_t n,
                               const int64_t *event_stratum, size_t n_events, int n_perm, uint64_t seed,
                               const sqk_progress *p, double *p_value)
{
    if (!event || !event_stratum) return sqk_fail(SQK_EARG, "stratified permutation test without events or strata");
    return permutation_test(y_true, y_pred, event, n, event_stratum, n_events, n_perm, seed, p, p_value);
}

int sqk_recovery_compute(const sqk_event_table *t, const int64_t *planted, size_t n_planted,
                         double threshold, int n_boot, uint64_t seed, double level,
                         sqk_recovery *r)
{
    memset(r, 0, sizeof *r);
    r->n_planted = n_planted;
    /* Per tested planted event: found by any window (bit 0), by the threshold (bit 1). */
    uint8_t *hit = sqk_malloc(n_planted ? n_planted : 1);
    if (!hit) return SQK_EMEM;
    size_t m = 0, n_any = 0, n_thr = 0;
    for (size_t i = 0; i < n_planted; i++) {
        const sqk_event_row *row = NULL;
        for (size_t lo = 0, hi = t->n; lo < hi;) { /* rows are sorted by event */
            size_t mid = lo + (hi - lo) / 2;
            if (t->rows[mid].event == planted[i]) { row = &t->rows[mid]; break; }
            if (t->rows[mid].event < planted[i]) lo = mid + 1; else hi = mid;
        }
        if (!row) continue;
        uint8_t h = (row->n_pred[1] > 0) | (uint8_t)((!isnan(row->score) && row->score >= threshold) << 1);
        hit[m++] = h;
        n_any += h & 1;
        n_thr += h >> 1;
    }
    size_t c_any = 0, c_thr = 0;
    for (size_t k = 0; k < t->n; k++) {
        const sqk_event_row *row = &t->rows[k];
        if (row->kind != SQK_KIND_CONTROL) continue;
        r->n_controls++;
        c_any += row->n_pred[1] > 0;
        c_thr += !isnan(row->score) && row->score >= threshold;
    }
    r->control_any = r->n_controls ? (double)c_any / r->n_controls : NAN;
    r->control_by_threshold = r->n_controls ? (double)c_thr / r->n_controls : NAN;
    r->n_tested = m;
    r->any = m ? (double)n_any / m : NAN;
    r->by_threshold = m ? (double)n_thr / m : NAN;
    r->any_ci.value = r->any;
    r->threshold_ci.value = r->by_threshold;
    r->any_ci.lo = r->any_ci.hi = r->threshold_ci.lo = r->threshold_ci.hi = NAN;
    if (m == 0 || n_boot < 1) { free(hit); return SQK_OK; }
    double *va = sqk_malloc((size_t)n_boot * sizeof *va), *vt = sqk_malloc((size_t)n_boot * sizeof *vt);
    if (!va || !vt) { free(hit); free(va); free(vt); return SQK_EMEM; }
    sqk_rng root;
    sqk_rng_seed(&root, seed);
    for (int b = 0; b < n_boot; b++) {
        sqk_rng g = sqk_rng_fork(&root, KEY_RECOVERY + (uint64_t)b);
        size_t a = 0, th = 0;
        for (size_t d = 0; d < m; d++) {
            uint8_t h = hit[sqk_rng_below(&g, m)];
            a += h & 1;
            th += h >> 1;
        }
        va[b] = (double)a / m;
        vt[b] = (double)th / m;
    }
    sqk_eval_interval(va, (size_t)n_boot, level, &r->any_ci);
    sqk_eval_interval(vt, (size_t)n_boot, level, &r->threshold_ci);
    free(hit); free(va); free(vt);
    return SQK_OK;
}

/* Metrics of the judged events idx[0..m-1] (pos/score arrays of all judged events). */
static void event_resample(const uint8_t *pos, const double *score, const size_t *idx, size_t m,
                           double threshold, uint8_t *pb, double *sb, double *out)
{
    sqk_binary b = {0};
    for (size_t j = 0; j < m; j++) {
        pb[j] = pos[idx[j]];
        sb[j] = score[idx[j]];
        int pred = sb[j] >= threshold;
        if (pb[j] && pred) b.tp++;
        else if (pb[j]) b.fn++;
        else if (pred) b.fp++;
        else b.tn++;
    }
    sqk_binary_from_counts(&b);
    out[SQK_EBM_MCC] = b.mcc;
    out[SQK_EBM_F1] = b.f1;
    out[SQK_EBM_ROC_AUC] = sqk_roc_auc(pb, sb, 1, m);
    out[SQK_EBM_PR_AUC] = sqk_average_precision(pb, sb, 1, m);
}

/* The resampled values of every event metric, vals[b * SQK_EBM_COUNT + k]. */
static int event_resamples(const uint8_t *pos, const double *score, size_t m, double threshold,
                           int n_boot, uint64_t seed, double *vals)
{
    sqk_rng root;
    sqk_rng_seed(&root, seed);
    int failed = 0;
#pragma omp parallel
    {
        size_t *idx = malloc(m * sizeof *idx);
        uint8_t *pb = malloc(m);
        double *sb = malloc(m * sizeof *sb);
#pragma omp for schedule(dynamic, 8)
        for (int b = 0; b < n_boot; b++) {
            if (!idx || !pb || !sb) {
#pragma omp atomic write
                failed = 1;
                continue;
            }
            sqk_rng r = sqk_rng_fork(&root, KEY_EVENTS + (uint64_t)b);
            for (size_t j = 0; j < m; j++) idx[j] = (size_t)sqk_rng_below(&r, m);
            event_resample(pos, score, idx, m, threshold, pb, sb, vals + (size_t)b * SQK_EBM_COUNT);
        }
        free(idx);
        free(pb);
        free(sb);
    }
    return failed ? sqk_fail(SQK_EMEM, "out of memory in the event bootstrap") : SQK_OK;
}

int sqk_events_bootstrap(const sqk_event_table *t, double threshold, int n_boot, uint64_t seed,
                         double level, sqk_ci out[SQK_EBM_COUNT])
{
    for (int k = 0; k < SQK_EBM_COUNT; k++) out[k] = (sqk_ci){NAN, NAN, NAN, 0};
    size_t cap = t->n ? t->n : 1, m = 0, nb = n_boot > 0 ? (size_t)n_boot : 1;
    uint8_t *pos = sqk_malloc(cap), *pb = sqk_malloc(cap);
    double *score = sqk_malloc(cap * sizeof *score), *sb = sqk_malloc(cap * sizeof *sb);
    size_t *all = sqk_malloc(cap * sizeof *all);
    double *vals = sqk_malloc(nb * SQK_EBM_COUNT * sizeof *vals), *col = sqk_malloc(nb * sizeof *col);
    int st = pos && pb && score && sb && all && vals && col ? SQK_OK : SQK_EMEM;
    for (size_t k = 0; k < t->n && !st; k++) {
        const sqk_event_row *r = &t->rows[k];
        if (r->kind == SQK_KIND_UNKNOWN || isnan(r->score)) continue; /* not judged */
        pos[m] = r->kind == SQK_KIND_EARTHQUAKE;
        all[m] = m;
        score[m++] = r->score;
    }
    if (!st && m > 0) {
        double point[SQK_EBM_COUNT];
        event_resample(pos, score, all, m, threshold, pb, sb, point);
        for (int k = 0; k < SQK_EBM_COUNT; k++) out[k].value = point[k];
        if (n_boot > 0) st = event_resamples(pos, score, m, threshold, n_boot, seed, vals);
        for (int k = 0; k < SQK_EBM_COUNT && !st && n_boot > 0; k++) {
            for (int b = 0; b < n_boot; b++) col[b] = vals[(size_t)b * SQK_EBM_COUNT + k];
            sqk_eval_interval(col, (size_t)n_boot, level, &out[k]);
        }
    }
    free(pos); free(pb); free(score); free(sb); free(all); free(vals); free(col);
    return st;
}
