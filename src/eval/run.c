/* The evaluate stage's entry point: reads the predictions, the validation predictions, the
 * dataset, truth.csv and the paired null archive's predictions, checks them against each other,
 * evaluates (sqk_evaluate), computes the null-corrected skill and writes the evaluation folder
 * with null_corrected.csv. Figures are not drawn here: they belong to src/figures, a later
 * stage that reads this folder back (the command draws them after this returns). */
#include "sqk/eval.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Default label: the predictions file name without its extension, or its folder's name when
 * the file has a generic name (PRED.csv, predictions.csv). */
static void default_name(const char *path, char *buf, size_t n)
{
    char tmp[1024];
    snprintf(tmp, sizeof tmp, "%s", path);
    char *slash = strrchr(tmp, '/');
    char *base = slash ? slash + 1 : tmp;
    char *dot = strrchr(base, '.');
    if (dot && dot != base) *dot = '\0';
    if (slash && slash != tmp && (!strcasecmp(base, "pred") || !strcasecmp(base, "predictions"))) {
        *slash = '\0';
        char *parent = strrchr(tmp, '/');
        base = parent ? parent + 1 : tmp;
    }
    size_t len = strlen(base) < n ? strlen(base) : n - 1;
    memcpy(buf, base, len);
    buf[len] = '\0';
}

typedef struct {
    sqk_pred test, val;
    sqk_eval_dataset ds;
    int64_t *planted;
    size_t n_planted, n_unknown;
    /* null_pred / pairs: pair 0 is (test, null); the others are o->pairs. */
    int n_pairs;
    sqk_pred pairs[SQK_EVALUATE_MAX_PAIRS + 1][4]; /* [0] planted (pair 0: unused, test), [1] null, [2..3] validation */
} eval_inputs;

static void inputs_free(eval_inputs *in)
{
    sqk_pred_free(&in->test);
    sqk_pred_free(&in->val);
    sqk_eval_dataset_free(&in->ds);
    free(in->planted);
    for (int p = 0; p < in->n_pairs; p++)
        for (int k = 0; k < 4; k++) sqk_pred_free(&in->pairs[p][k]);
}

/* Reads the null side of pair 0 and the other pairs' files, and checks every pair. */
static int read_pairs(const sqk_evaluate_options *a, eval_inputs *in)
{
    if (!a->null_pred) return SQK_OK;
    in->n_pairs = 1 + a->n_pairs;
    int st = SQK_OK;
    for (int p = 0; p < in->n_pairs && !st; p++) {
        const char *path[4] = {NULL, a->null_pred, NULL, a->null_val_pred};
        if (p > 0) for (int k = 0; k < 4; k++) path[k] = a->pairs[p - 1][k];
        for (int k = 0; k < 4 && !st; k++) {
            if (!path[k]) continue;
            st = sqk_pred_read(path[k], &in->pairs[p][k]);
            if (!st && a->data) st = sqk_pred_check_dataset(&in->pairs[p][k], path[k], &in->ds, a->data);
        }
        const sqk_pred *pl = p ? &in->pairs[p][0] : &in->test;
        const char *pl_path = p ? path[0] : a->pred;
        if (!st) st = sqk_null_pair_check(pl, pl_path, &in->pairs[p][1], path[1]);
        if (!st && path[2] && path[3]) st = sqk_null_pair_check(&in->pairs[p][2], path[2], &in->pairs[p][3], path[3]);
        if (!st && path[2]) st = sqk_pred_check_pair(pl, pl_path, &in->pairs[p][2], path[2]);
        if (!st && path[3]) st = sqk_pred_check_pair(&in->pairs[p][1], path[1], &in->pairs[p][3], path[3]);
    }
    return st;
}

static int read_inputs(const sqk_evaluate_options *a, eval_inputs *in)
{
    memset(in, 0, sizeof *in);
    int st = sqk_pred_read(a->pred, &in->test);
    if (!st && a->val_pred) st = sqk_pred_read(a->val_pred, &in->val);
    if (!st && a->data) {
        st = sqk_eval_dataset_read(a->data, &in->ds);
        if (!st) st = sqk_pred_check_dataset(&in->test, a->pred, &in->ds, a->data);
        if (!st && a->val_pred) st = sqk_pred_check_dataset(&in->val, a->val_pred, &in->ds, a->data);
    }
    if (!st && a->val_pred) st = sqk_pred_check_pair(&in->test, a->pred, &in->val, a->val_pred);
    if (!st && a->truth) st = sqk_truth_read_match(a->truth, &in->ds, a->data, &in->planted, &in->n_planted,
                                            &in->n_unknown);
    if (!st) st = read_pairs(a, in);
    return st;
}

/* The null-corrected skill of the pairs; pair 0's planted threshold is the evaluation's. */
static int null_corrected(const sqk_evaluate_options *a, eval_inputs *in, double threshold0, sqk_null_corrected *nc)
{
    sqk_null_pair pairs[SQK_EVALUATE_MAX_PAIRS + 1];
    const sqk_eval_dataset *ds = a->data ? &in->ds : NULL;
    int st = SQK_OK;
    for (int p = 0; p < in->n_pairs && !st; p++) {
        sqk_null_pair *q = &pairs[p];
        q->planted = p ? &in->pairs[p][0] : &in->test;
        q->null = &in->pairs[p][1];
        q->kind_of_event = ds ? ds->event_kind : NULL;
        q->n_kinds = ds ? ds->n_events : 0;
        double mcc;
        size_t nve;
        const sqk_pred *vp = p ? (in->pairs[p][2].n ? &in->pairs[p][2] : NULL) : (a->val_pred ? &in->val : NULL);
        const sqk_pred *vn = in->pairs[p][3].n ? &in->pairs[p][3] : NULL;
        q->threshold_planted = threshold0;
        if (p) st = sqk_eval_event_threshold(vp, ds, SQK_EVDEF_SEISMIC, &q->threshold_planted, &mcc, &nve);
        if (!st) st = sqk_eval_event_threshold(vn, ds, SQK_EVDEF_SEISMIC, &q->threshold_null, &mcc, &nve);
    }
    if (!st) st = sqk_null_corrected_compute(pairs, (size_t)in->n_pairs, a->n_boot, a->seed, 0.95, nc);
    return st;
}

/* DIR/null_corrected.csv: metric,planted,planted_lo,planted_hi,null,null_lo,null_hi,diff,diff_lo,
 * diff_hi,p_diff,n_pairs,n_units (written before metrics.json, the folder's completion mark). */
static int write_null_corrected(const char *dir, const sqk_null_corrected *nc, const double ws_auc[2])
{
    char path[4200];
    int st = sqk_mkdir_p(dir);
    if (st) return st;
    snprintf(path, sizeof path, "%s/null_corrected.csv", dir);
    sqk_atomic_file f;
    if ((st = sqk_atomic_open(&f, path))) return st;
    fprintf(f.f, "metric,planted,planted_lo,planted_hi,null,null_lo,null_hi,diff,diff_lo,diff_hi,p_diff,n_pairs,n_units\n");
    for (int k = 0; k < SQK_NC_COUNT; k++) {
        const sqk_ci *c[3] = {&nc->planted[k], &nc->null[k], &nc->diff[k]};
        fprintf(f.f, "%s", sqk_nc_name(k));
        for (int j = 0; j < 3; j++) fprintf(f.f, ",%.17g,%.17g,%.17g", c[j]->value, c[j]->lo, c[j]->hi);
        fprintf(f.f, ",%.17g,%zu,%zu\n", nc->p_diff[k], nc->n_pairs, nc->n_units);
    }
    if (!isnan(ws_auc[0])) /* the first pair's within-seismic AUC, both sides (no interval) */
        fprintf(f.f, "within_seismic_auc,%.17g,NaN,NaN,%.17g,NaN,NaN,%.17g,NaN,NaN,NaN,1,%zu\n", ws_auc[0], ws_auc[1],
                ws_auc[0] - ws_auc[1], nc->n_units);
    return sqk_atomic_close(&f, SQK_OK);
}

int sqk_evaluate_run(const sqk_evaluate_options *a, const sqk_progress *prog, sqk_evaluate_result *r)
{
    memset(r, 0, sizeof *r);
    r->within_seismic_auc[0] = r->within_seismic_auc[1] = NAN;
    if (!a->pred || !a->out) return sqk_fail(SQK_EARG, "evaluate: the predictions and the output folder are required");
    if (a->n_pairs < 0 || a->n_pairs > SQK_EVALUATE_MAX_PAIRS)
        return sqk_fail(SQK_EARG, "evaluate: at most %d pairs", SQK_EVALUATE_MAX_PAIRS);
    if (a->name) snprintf(r->name, sizeof r->name, "%s", a->name); else default_name(a->pred, r->name, sizeof r->name);
    eval_inputs *in = calloc(1, sizeof *in);
    if (!in) return sqk_fail(SQK_EMEM, "evaluate: out of memory");
    int st = read_inputs(a, in);
    if (st) {
        inputs_free(in);
        free(in);
        return st;
    }
    sqk_eval_opts o = {.name = r->name, .pred_path = a->pred, .val_path = a->val_pred, .data_path = a->data,
                       .truth_path = a->truth, .truth_not_in_dataset = in->n_unknown, .n_boot = a->n_boot,
                       .n_perm = a->n_perm, .seed = a->seed, .level = 0.95};
    sqk_evaluation *ev = &r->ev;
    st = sqk_evaluate(&in->test, a->val_pred ? &in->val : NULL, a->data ? &in->ds : NULL, in->planted,
                      in->n_planted, &o, prog, ev);
    if (!st && a->null_pred) {
        r->has_null = 1;
        st = null_corrected(a, in, ev->threshold[SQK_EVDEF_SEISMIC], &r->nc);
        if (a->data) {
            size_t np, nu;
            r->within_seismic_auc[0] = sqk_within_seismic_auc(&in->test, &in->ds, &np, &nu);
            r->within_seismic_auc[1] = sqk_within_seismic_auc(&in->pairs[0][1], &in->ds, &np, &nu);
        }
        if (!st) st = write_null_corrected(a->out, &r->nc, r->within_seismic_auc);
        if (st) sqk_evaluation_free(ev);
    }
    if (!st) {
        st = sqk_evaluation_write(ev, a->pred, a->out);
        if (st) sqk_evaluation_free(ev);
    }
    /* ev->ds points into the inputs, which end here: the result keeps numbers, not the dataset. */
    ev->ds = NULL;
    inputs_free(in);
    free(in);
    if (st) memset(ev, 0, sizeof *ev);
    r->ev.opts.name = r->name;
    return st;
}

void sqk_evaluate_result_free(sqk_evaluate_result *r)
{
    sqk_evaluation_free(&r->ev);
}
