/* The leakage report (include/sqk/audit.h). Why a stage of its own: the cross-validated AUC
 * needs a model (the geo kind, XGBoost) and the dataset stage must not know models, while the
 * models and training stages know nothing of events and splits as the builder makes them. This
 * stage links both and is called by the build command through sqk_build's audit hook, so the
 * report is computed on the table about to be written and stored in the same file. */
#include "sqk/audit.h"
#include "sqk/eval.h"
#include "sqk/geo.h"
#include "sqk/model.h"
#include "sqk/rng.h"
#include "sqk/wherewhen.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { Q_MLAT, Q_LAT, Q_LT, Q_DOY, Q_CADENCE, Q_KP, Q_WPE, NQ };
static const char *Q_NAMES = "abs_mlat,lat,local_time,day_of_year,native_cadence_share,kp,windows_per_event";
static const char *Q_LABEL[NQ] = {"|mlat|", "lat", "LT", "doy", "cadence", "Kp", "win/event"};
/* columns: the NQ standardised differences, the cadence rule's MCC, the window counts, the
 * geo baseline's cross-validated AUC (training row only) */
enum { C_RULE = NQ, C_N0, C_N1, C_AUC, NCOL };
static const char *ROW_NAMES = "all,train,validation,test";

typedef struct { double s, ss; size_t n; } moments;

static void add(moments *m, double v) { m->s += v; m->ss += v * v; m->n++; }

static double smd(const moments *m0, const moments *m1)
{
    if (m0->n < 2 || m1->n < 2) return NAN;
    double a = m0->s / m0->n, b = m1->s / m1->n;
    double va = (m0->ss - m0->n * a * a) / (m0->n - 1), vb = (m1->ss - m1->n * b * b) / (m1->n - 1);
    double sd = sqrt(0.5 * (fmax(va, 0) + fmax(vb, 0)));
    if (sd == 0) return a == b ? 0 : copysign(INFINITY, b - a);
    return (b - a) / sd;
}

/* The quantity q of window i (windows per event is done per event, not here). */
static double quantity(const sqk_window *w, int q, const float *ww)
{
    switch (q) {
    case Q_MLAT: return fabs((double)ww[2]);
    case Q_LAT: return w->lat;
    case Q_LT: return w->lt_h >= 12 ? w->lt_h - 24 : w->lt_h;
    case Q_DOY: return ww[4];
    case Q_CADENCE: return w->cadence != SQK_CADENCE_SURVEY;
    case Q_KP: return w->kp;
    }
    return NAN;
}

static double mcc2(size_t tp, size_t tn, size_t fp, size_t fn)
{
    double d = sqrt((double)(tp + fp) * (double)(tp + fn) * (double)(tn + fp) * (double)(tn + fn));
    return d > 0 ? ((double)tp * tn - (double)fp * fn) / d : 0;
}

/* Row r (0 all, 1 + split) of the table: differences, rule MCC, counts. */
static void split_row(const sqk_window_set *w, const uint8_t *split, const float *ww, size_t nev, int r,
                      size_t *per_event, double *row)
{
    moments m[NQ][2];
    memset(m, 0, sizeof m);
    size_t tp = 0, tn = 0, fp = 0, fn = 0, n[2] = {0, 0};
    memset(per_event, 0, nev * sizeof *per_event);
    int8_t *kind = (int8_t *)(per_event + nev); /* scratch after the counts */
    memset(kind, -1, nev);
    for (size_t i = 0; i < w->n; i++) {
        const sqk_window *x = &w->w[i];
        if (x->y > 1 || (r > 0 && split[i] != r - 1)) continue;
        int y = x->y;
        n[y]++;
        for (int q = 0; q < Q_WPE; q++) add(&m[q][y], quantity(x, q, ww + i * SQK_WHERE_WHEN_F));
        int burst = x->cadence == SQK_CADENCE_BURST;
        tp += burst && y; fp += burst && !y; fn += !burst && y; tn += !burst && !y;
        per_event[x->event]++;
        kind[x->event] = (int8_t)y;
    }
    for (size_t e = 0; e < nev; e++)
        if (kind[e] >= 0) add(&m[Q_WPE][kind[e]], (double)per_event[e]);
    for (int q = 0; q < NQ; q++) row[q] = smd(&m[q][0], &m[q][1]);
    row[C_RULE] = mcc2(tp, tn, fp, fn);
    row[C_N0] = (double)n[0];
    row[C_N1] = (double)n[1];
    row[C_AUC] = NAN;
}

/* Fold of each event: seeded, one per event or per matched swap unit (a model that saw one
 * member at a place or time would otherwise meet another, of the other class, there). */
static void event_folds(const sqk_event *ev, size_t nev, uint64_t seed, uint8_t *fold)
{
    sqk_rng root, r;
    sqk_rng_seed(&root, seed);
    r = sqk_rng_fork(&root, 0xF01D);
    for (size_t e = 0; e < nev; e++) {
        uint64_t key = ev[e].pair_id[0] && ev[e].unit >= 0 ? (uint64_t)ev[e].unit : (uint64_t)nev + e;
        sqk_rng k = sqk_rng_fork(&r, key);
        fold[e] = (uint8_t)sqk_rng_below(&k, SQK_LEAKAGE_FOLDS);
    }
}

/* Cross-validated AUC (seismic vs control, score p1 / (p0 + p1)) of the geo kind on the
 * training windows of classes 0 and 1. NaN when a fold or a class is empty. */
static int geo_cv_auc(const sqk_build_config *c, const sqk_window_set *w, const uint8_t *split,
                      const float *ww, const sqk_event *ev, size_t nev, double *auc)
{
    *auc = NAN;
    const sqk_model_kind *geo = sqk_model_kind_find("geo");
    if (!geo) return sqk_fail(SQK_EARG, "leakage report: no geo model kind");
    size_t n = 0;
    for (size_t i = 0; i < w->n; i++) n += w->w[i].y < 2 && split[i] == SQK_SPLIT_TRAIN;
    uint8_t *fold = sqk_malloc(nev ? nev : 1), *pos = sqk_malloc(n ? n : 1);
    float *X = sqk_malloc((n ? n : 1) * SQK_WHERE_WHEN_F * sizeof *X), *Xt = sqk_malloc((n ? n : 1) * SQK_WHERE_WHEN_F * sizeof *Xt);
    float *p = sqk_malloc((n ? n : 1) * 3 * sizeof *p);
    int32_t *yt = sqk_malloc((n ? n : 1) * sizeof *yt);
    size_t *win = sqk_malloc((n ? n : 1) * sizeof *win), *rows = sqk_malloc((n ? n : 1) * sizeof *rows);
    double *score = sqk_malloc((n ? n : 1) * sizeof *score);
    int st = fold && pos && X && Xt && p && yt && win && rows && score ? SQK_OK : SQK_EMEM;
    if (!st) event_folds(ev, nev, c->seed, fold);
    size_t k = 0, done = 0;
    for (size_t i = 0; !st && i < w->n; i++)
        if (w->w[i].y < 2 && split[i] == SQK_SPLIT_TRAIN) win[k++] = i;
    for (int f = 0; !st && f < SQK_LEAKAGE_FOLDS; f++) {
        size_t nt = 0, nh = 0;
        for (size_t j = 0; j < n; j++) {
            size_t i = win[j];
            if (fold[w->w[i].event] == f) { rows[nh++] = j; continue; }
            memcpy(Xt + nt * SQK_WHERE_WHEN_F, ww + i * SQK_WHERE_WHEN_F, SQK_WHERE_WHEN_F * sizeof *Xt);
            yt[nt++] = w->w[i].y;
        }
        if (nh == 0) continue;
        int both = 0;
        for (size_t j = 1; j < nt; j++) both |= yt[j] != yt[0];
        if (!both) { done = 0; break; } /* a fold trained on one class: no AUC */
        for (size_t j = 0; j < nh; j++)
            memcpy(X + j * SQK_WHERE_WHEN_F, ww + win[rows[j]] * SQK_WHERE_WHEN_F, SQK_WHERE_WHEN_F * sizeof *X);
        sqk_hparams hp;
        sqk_hparams_default(&hp, geo);
        char seed[64];
        snprintf(seed, sizeof seed, "seed=%llu", (unsigned long long)(c->seed % 2147483647ULL));
        sqk_hparams_set(&hp, seed);
        sqk_model *m = NULL;
        sqk_model_data tr = {.X = Xt, .y = yt, .N = nt}, va = {0};
        /* one thread: a few thousand rows of 6 inputs, where XGBoost's thread start-up and
         * contention cost more than the trees (and the result is bit-for-bit reproducible) */
        sqk_fit_options fo = {.threads = 1};
        st = sqk_model_create(&m, geo, &hp, 1, SQK_WHERE_WHEN_F, SQK_WHERE_WHEN_FEATURES);
        if (!st) st = sqk_model_fit(m, &tr, &va, &fo);
        if (!st) st = sqk_model_predict(m, X, nh, p);
        sqk_model_free(m);
        for (size_t j = 0; !st && j < nh; j++) {
            double s = (double)p[3 * j] + p[3 * j + 1];
            score[rows[j]] = s > 0 ? p[3 * j + 1] / s : 0.5;
            done++;
        }
    }
    if (!st && done == n && n > 0) {
        for (size_t j = 0; j < n; j++) pos[j] = w->w[win[j]].y == 1;
        *auc = sqk_roc_auc(pos, score, 1, n);
    }
    free(fold); free(pos); free(X); free(Xt); free(p); free(yt); free(win); free(rows); free(score);
    return st ? sqk_fail_context(st, "leakage report: where-and-when baseline") : SQK_OK;
}

static char *fmt_value(double v, char *buf)
{
    if (isnan(v)) snprintf(buf, 16, "%6s", "-");
    else snprintf(buf, 16, "%+6.2f", v);
    return buf;
}

static int report_text(const double *t, sqk_build_audit *a)
{
    size_t cap = 4096, n = 0;
    char *s = sqk_malloc(cap), b[16];
    if (!s) return SQK_EMEM;
#define P(...) do { if (n < cap) n += (size_t)snprintf(s + n, cap - n, __VA_ARGS__); } while (0)
    static const char *rows[4] = {"all", "train", "validation", "test"};
    P("leakage report (seismic vs control windows; standardised differences (m1 - m0) / s, |d| > 0.1 is a difference):\n");
    P("  %-10s", "");
    for (int q = 0; q < NQ; q++) P(" %9s", Q_LABEL[q]);
    P(" %11s %9s\n", "cadence-MCC", "n0/n1");
    for (int r = 0; r < 4; r++) {
        const double *x = t + r * NCOL;
        P("  %-10s", rows[r]);
        for (int q = 0; q < NQ; q++) P(" %9s", fmt_value(x[q], b));
        P(" %11s %4.0f/%-4.0f\n", fmt_value(x[C_RULE], b), x[C_N0], x[C_N1]);
    }
    double auc = t[1 * NCOL + C_AUC];
    if (isnan(auc)) P("  where-and-when baseline (geo, %d-fold cross-validation on train): no AUC (a class or a fold is empty)\n", SQK_LEAKAGE_FOLDS);
    else P("  where-and-when baseline (geo, %d-fold cross-validation on train, folds by event): AUC %.3f\n", SQK_LEAKAGE_FOLDS, auc);
    if (auc > SQK_LEAKAGE_WARN_AUC) {
        a->warn = 1;
        P("  WARNING: position, time and cadence alone separate seismic from control windows (AUC %.2f > %.1f):\n"
          "  a classifier can score without any precursor. Compare every model with the geo baseline, or build\n"
          "  with --design rigorous (docs/confounders.md).\n", auc, SQK_LEAKAGE_WARN_AUC);
    }
#undef P
    a->text = s;
    return SQK_OK;
}

int sqk_leakage_report(void *ctx, const sqk_build_config *c, const sqk_window_set *w,
                       const uint8_t *split, const sqk_event *ev, size_t nev, sqk_build_audit *out)
{
    (void)ctx;
    memset(out, 0, sizeof *out);
    size_t n = w->n ? w->n : 1;
    float *ww = sqk_malloc(n * SQK_WHERE_WHEN_F * sizeof *ww);
    size_t *per_event = sqk_malloc((nev ? nev : 1) * (sizeof(size_t) + 1));
    double *t = sqk_malloc(4 * NCOL * sizeof *t);
    int st = ww && per_event && t ? SQK_OK : SQK_EMEM;
    for (size_t i = 0; !st && i < w->n; i++) {
        const sqk_window *x = &w->w[i];
        sqk_where_when_row(x->t, x->lat, x->lon, x->lt_h, x->cadence, ww + i * SQK_WHERE_WHEN_F);
    }
    for (int r = 0; !st && r < 4; r++) split_row(w, split, ww, nev, r, per_event, t + r * NCOL);
    double auc = NAN;
    if (!st) st = geo_cv_auc(c, w, split, ww, ev, nev, &auc);
    if (!st) {
        t[1 * NCOL + C_AUC] = auc;
        st = report_text(t, out);
    }
    if (!st) {
        char cols[512];
        snprintf(cols, sizeof cols, "%s,cadence_rule_mcc,n_control,n_seismic,geo_cv_auc", Q_NAMES);
        out->rows = 4;
        out->cols = NCOL;
        out->values = t;
        t = NULL;
        out->row_names = sqk_strdup(ROW_NAMES);
        out->col_names = sqk_strdup(cols);
        if (!out->row_names || !out->col_names) st = SQK_EMEM;
    }
    free(ww);
    free(per_event);
    free(t);
    if (st) sqk_build_audit_free(out);
    return st;
}
