/* One evaluation from start to end: window metrics, ROC curves, bootstrap intervals,
 * permutation test, event level with the threshold chosen on validation predictions, and
 * injection-recovery when the planted precursors are known. */
#include "sqk/eval.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Threshold grids in hundredths (docs/metrics.md): the seismic share is scanned over its whole
 * range; the [code] share of correct windows over 0.70..0.99, as the authors' code did. */
#define SEISMIC_K_LO 1
#define SEISMIC_K_HI 99
#define CODE_K_LO 70
#define CODE_K_HI 99
/* Without validation predictions: a majority vote, and the bottom of the [code] grid. */
#define SEISMIC_DEFAULT 0.50
#define CODE_DEFAULT 0.70

static void note(sqk_evaluation *ev, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(sqk_evaluation *ev, const char *fmt, ...)
{
    if (ev->n_notes >= SQK_EVAL_MAX_NOTES) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ev->notes[ev->n_notes++], sizeof ev->notes[0], fmt, ap);
    va_end(ap);
}

static int window_level(const sqk_pred *t, sqk_evaluation *ev)
{
    int st = sqk_metrics_compute(t->y_true, t->y_pred, t->prob, t->n, &ev->m);
    if (st) return st;
    uint8_t *pos = sqk_malloc(t->n);
    if (!pos) return SQK_EMEM;
    for (int k = 0; k < SQK_NCLASS && !st; k++) {
        for (size_t i = 0; i < t->n; i++) pos[i] = t->y_true[i] == k;
        st = sqk_roc_curve(pos, t->prob + k, SQK_NCLASS, t->n, &ev->roc[k]);
        if (ev->m.support[k] == 0)
            note(ev, "class %d is absent from the truth: its AUC is undefined (NaN)", k);
        else if (ev->m.support[k] == (int64_t)t->n)
            note(ev, "every window is of class %d: its AUC is undefined (NaN)", k);
        if (ev->m.predicted[k] == 0 && ev->m.support[k] > 0)
            note(ev, "class %d is never predicted: its precision is set to 0", k);
    }
    free(pos);
    return st;
}

int sqk_eval_event_threshold(const sqk_pred *val, const sqk_eval_dataset *ds, int definition,
                             double *threshold, double *val_mcc, size_t *n_val_events)
{
    *threshold = definition == SQK_EVDEF_CODE ? CODE_DEFAULT : SEISMIC_DEFAULT;
    *val_mcc = NAN;
    *n_val_events = 0;
    if (!val) return SQK_OK;
    sqk_event_table vt;
    int st = sqk_events_group(val->event, val->y_true, val->y_pred, val->n, ds ? ds->event_kind : NULL,
                              ds ? ds->n_events : 0, &vt);
    if (st) return st;
    *n_val_events = vt.n;
    if (vt.n > 0) {
        if (definition == SQK_EVDEF_CODE)
            sqk_events_choose_threshold(&vt, SQK_EVDEF_CODE, CODE_K_LO, CODE_K_HI, threshold, val_mcc);
        else
            sqk_events_choose_threshold(&vt, SQK_EVDEF_SEISMIC, SEISMIC_K_LO, SEISMIC_K_HI, threshold, val_mcc);
    }
    sqk_events_free(&vt);
    return SQK_OK;
}

double sqk_within_seismic_auc(const sqk_pred *t, const sqk_eval_dataset *ds, size_t *n_perturbed,
                              size_t *n_unperturbed)
{
    *n_perturbed = *n_unperturbed = 0;
    if (!ds || !ds->precursor_weight) return NAN;
    uint8_t *pos = sqk_malloc(t->n ? t->n : 1);
    double *score = sqk_malloc((t->n ? t->n : 1) * sizeof *score);
    if (!pos || !score) { free(pos); free(score); return NAN; }
    size_t m = 0;
    for (size_t i = 0; i < t->n; i++) {
        if (t->y_true[i] != 1 || t->window[i] < 0 || (size_t)t->window[i] >= ds->n_windows) continue;
        pos[m] = ds->precursor_weight[t->window[i]] > 0;
        *n_perturbed += pos[m];
        score[m++] = t->prob[i * SQK_NCLASS + 1];
    }
    *n_unperturbed = m - *n_perturbed;
    double auc = sqk_roc_auc(pos, score, 1, m);
    free(pos);
    free(score);
    return auc;
}

static int event_level(const sqk_pred *t, const sqk_pred *val, const sqk_eval_dataset *ds,
                       sqk_evaluation *ev)
{
    const uint8_t *kinds = ds ? ds->event_kind : NULL;
    size_t n_kinds = ds ? ds->n_events : 0;
    int st = sqk_events_group(t->event, t->y_true, t->y_pred, t->n, kinds, n_kinds, &ev->events);
    if (st) return st;
    ev->threshold[SQK_EVDEF_SEISMIC] = SEISMIC_DEFAULT;
    ev->threshold[SQK_EVDEF_CODE] = CODE_DEFAULT;
    ev->val_mcc[0] = ev->val_mcc[1] = NAN;
    if (val) {
        size_t n_val_events;
        for (int d = 0; d < 2 && !st; d++)
            st = sqk_eval_event_threshold(val, ds, d, &ev->threshold[d], &ev->val_mcc[d], &n_val_events);
        if (st) return st;
        ev->val_events = n_val_events;
        if (n_val_events > 0) ev->threshold_from_val = 1;
        else note(ev, "the validation predictions have no events: default event thresholds used");
    } else {
        note(ev, "no validation predictions: default event thresholds (%.2f seismic share, %.2f [code])",
             SEISMIC_DEFAULT, CODE_DEFAULT);
    }
    for (int d = 0; d < 2; d++) ev->ev[d] = sqk_events_classify(&ev->events, d, ev->threshold[d]);
    ev->ev_roc_auc = sqk_events_roc_auc(&ev->events);
    ev->ev_pr_auc = sqk_events_pr_auc(&ev->events);
    st = sqk_events_bootstrap(&ev->events, ev->threshold[SQK_EVDEF_SEISMIC], ev->opts.n_boot,
                              ev->opts.seed, ev->opts.level, ev->ev_boot);
    if (st) return st;
    if (ev->events.n == 0) note(ev, "no window belongs to an event: no event-level metrics");
    else if (isnan(ev->ev_roc_auc)) note(ev, "test events of one kind only: event ROC/PR AUC undefined");
    return SQK_OK;
}

int sqk_evaluate(const sqk_pred *test, const sqk_pred *val, const sqk_eval_dataset *ds,
                 const int64_t *planted, size_t n_planted, const sqk_eval_opts *o,
                 const sqk_progress *p, sqk_evaluation *ev)
{
    memset(ev, 0, sizeof *ev);
    ev->opts = *o;
    ev->ds = ds;
    ev->perm_p = NAN;
    int st = window_level(test, ev);
    if (!st && o->n_boot > 0)
        st = sqk_bootstrap(test->y_true, test->y_pred, test->prob, test->event, test->n, o->n_boot,
                           o->seed, o->level, p, ev->boot, &ev->n_units);
    if (!st && o->n_perm > 0)
        st = sqk_permutation_mcc(test->y_true, test->y_pred, test->event, test->n, o->n_perm, o->seed, p, &ev->perm_p);
    ev->perm_p_strat = NAN;
    if (!st && o->n_perm > 0 && ds) {
        int64_t *strata = NULL;
        st = sqk_eval_strata(ds, test->event, test->n, &strata, &ev->perm_scheme);
        if (!st && strata)
            st = sqk_permutation_mcc_strata(test->y_true, test->y_pred, test->event, test->n, strata,
                                            ds->n_events, o->n_perm, o->seed, p, &ev->perm_p_strat);
        free(strata);
        if (!st && ev->perm_scheme == SQK_STRATA_NONE)
            note(ev, "the dataset has no cadence / event position / pair columns: only the plain permutation "
                     "test (which assumes earthquake and control events exchangeable)");
    }
    if (!st) st = event_level(test, val, ds, ev);
    if (!st && planted) {
        ev->has_recovery = 1;
        /* With window-level truth, only the planted events whose precursor reached a test window. */
        int64_t *touched = NULL;
        size_t n_touched = n_planted;
        if (ds && ds->precursor_weight) {
            uint8_t *hit = sqk_calloc(ds->n_events ? ds->n_events : 1, 1);
            touched = sqk_malloc((n_planted ? n_planted : 1) * sizeof *touched);
            if (!hit || !touched) { free(hit); free(touched); sqk_evaluation_free(ev); return SQK_EMEM; }
            for (size_t i = 0; i < test->n; i++)
                if (test->event[i] >= 0 && ds->precursor_weight[test->window[i]] > 0) hit[test->event[i]] = 1;
            n_touched = 0;
            for (size_t k = 0; k < n_planted; k++)
                if (planted[k] >= 0 && (size_t)planted[k] < ds->n_events && hit[planted[k]]) touched[n_touched++] = planted[k];
            free(hit);
        }
        st = sqk_recovery_compute(&ev->events, touched ? touched : planted, n_touched, ev->threshold[SQK_EVDEF_SEISMIC],
                                  o->n_boot, o->seed, o->level, &ev->rec);
        free(touched);
        ev->rec.within_seismic_auc = NAN;
        if (!st && ds && ds->precursor_weight) {
            ev->rec.has_weights = 1;
            ev->rec.n_untouched = n_planted - n_touched;
            ev->rec.within_seismic_auc = sqk_within_seismic_auc(test, ds, &ev->rec.n_perturbed, &ev->rec.n_unperturbed);
        }
        if (!st && o->truth_not_in_dataset)
            note(ev, "%zu planted precursors of truth.csv are not events of this dataset (other "
                 "satellite or dates)", o->truth_not_in_dataset);
        if (!st && ev->rec.n_tested < n_planted)
            note(ev, "%zu of the dataset's %zu planted precursors have no window in these predictions",
                 n_planted - ev->rec.n_tested, n_planted);
    }
    if (o->n_boot <= 0) {
        const double v[SQK_BM_COUNT] = {ev->m.accuracy, ev->m.balanced_accuracy, ev->m.f1_weighted,
                                        ev->m.f1_macro, ev->m.mcc, ev->m.auc[0], ev->m.auc[1],
                                        ev->m.auc[2], ev->m.auc_macro, ev->m.mcc_seismic_vs_control};
        for (int k = 0; k < SQK_BM_COUNT; k++) ev->boot[k] = (sqk_ci){v[k], NAN, NAN, 0};
    }
    if (st) sqk_evaluation_free(ev);
    return st;
}

void sqk_evaluation_free(sqk_evaluation *ev)
{
    for (int k = 0; k < SQK_NCLASS; k++) sqk_roc_free(&ev->roc[k]);
    for (size_t k = 0; ev->event_id && k < ev->events.n; k++) free(ev->event_id[k]);
    free(ev->event_id);
    ev->event_id = NULL;
    sqk_events_free(&ev->events);
    free(ev->metrics);
    ev->metrics = NULL;
    ev->n_metrics = 0;
}
