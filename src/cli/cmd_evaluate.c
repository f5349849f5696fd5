/* seqnetquake evaluate: predictions -> metrics with confidence intervals -> evaluation folder. */
#include "cli.h"
#include "opts.h"
#include "sqk/eval.h"
#include "sqk/figures.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static void usage(FILE *f)
{
    fputs("usage: seqnetquake evaluate --pred PRED.csv --out DIR [options]\n\n"
          "Metrics of one set of predictions (docs/metrics.md): accuracy, balanced accuracy,\n"
          "F1 (weighted = the paper's, macro, micro), MCC, per-class precision/recall/F1, ROC and\n"
          "AUC per class, confusion matrix; 95% bootstrap intervals that resample events; a\n"
          "permutation test of the MCC; event-level detection with thresholds chosen on the\n"
          "validation predictions; injection-recovery against a synthetic archive's truth.csv.\n\n"
          "options:\n"
          "  --pred FILE          predictions to evaluate (PRED.csv from seqnetquake predict)\n"
          "  --val-pred FILE      validation predictions: event thresholds are chosen on them\n"
          "  --data FILE          the dataset (DATASET.h5): checks the predictions, event kinds and ids\n"
          "  --truth FILE         truth.csv of a synthetic archive (needs --data): injection-recovery\n"
          "  --name LABEL         label of this evaluation in figures and reports (default: PRED's name)\n"
          "  --bootstrap B        bootstrap resamples (default 1000; 0 = none)\n"
          "  --permutations P     permutations for the MCC p-value (default 1000; 0 = none)\n"
          "  --seed N             random seed (default 1)\n"
          "  --out DIR            evaluation folder to write (created if needed)\n"
          "  --no-figures         do not draw the figures into DIR/figures/\n"
          "  --quiet              print nothing but errors\n"
          "  -h, --help           this help\n", f);
}

typedef struct {
    const char *pred, *val, *data, *truth, *name, *out;
    int n_boot, n_perm, no_figures, quiet;
    uint64_t seed;
} eval_args;

/* Returns 0 to go on, or an exit code + 1 (help: 1, usage error: 3). */
static int parse_args(int argc, char **argv, eval_args *a)
{
    *a = (eval_args){.n_boot = 1000, .n_perm = 1000, .seed = 1};
    const cli_option opts[] = {
        CLI_OPT("pred", CLI_STRING, &a->pred), CLI_OPT("val-pred", CLI_STRING, &a->val),
        CLI_OPT("data", CLI_STRING, &a->data), CLI_OPT("truth", CLI_STRING, &a->truth),
        CLI_OPT("name", CLI_STRING, &a->name), CLI_OPT_INT("bootstrap", &a->n_boot, 0, 10000000),
        CLI_OPT_INT("permutations", &a->n_perm, 0, 10000000), CLI_OPT("seed", CLI_U64, &a->seed),
        CLI_OPT("out", CLI_STRING, &a->out), CLI_OPT("no-figures", CLI_FLAG, &a->no_figures),
        CLI_OPT("quiet", CLI_FLAG, &a->quiet),
    };
    int st = cli_parse("evaluate", argc, argv, opts, CLI_NOPTS(opts), NULL, NULL);
    if (st == CLI_HELP) { usage(stdout); return 1; }
    if (st) return 3;
    const char *missing = !a->pred ? "--pred" : !a->out ? "--out" : NULL;
    if (missing) {
        fprintf(stderr, "seqnetquake evaluate: %s is required\n\n", missing);
        usage(stderr);
        return 3;
    }
    if (a->truth && !a->data) {
        fprintf(stderr, "seqnetquake evaluate: --truth needs --data (truth.csv names events by id)\n");
        return 3;
    }
    return 0;
}

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
} eval_inputs;

static void inputs_free(eval_inputs *in)
{
    sqk_pred_free(&in->test);
    sqk_pred_free(&in->val);
    sqk_eval_dataset_free(&in->ds);
    free(in->planted);
}

static int read_inputs(const eval_args *a, eval_inputs *in)
{
    memset(in, 0, sizeof *in);
    int st = sqk_pred_read(a->pred, &in->test);
    if (!st && a->val) st = sqk_pred_read(a->val, &in->val);
    if (!st && a->data) {
        st = sqk_eval_dataset_read(a->data, &in->ds);
        if (!st) st = sqk_pred_check_dataset(&in->test, a->pred, &in->ds, a->data);
        if (!st && a->val) st = sqk_pred_check_dataset(&in->val, a->val, &in->ds, a->data);
    }
    if (!st && a->val) st = sqk_pred_check_pair(&in->test, a->pred, &in->val, a->val);
    if (!st && a->truth) st = sqk_truth_read_match(a->truth, &in->ds, a->data, &in->planted, &in->n_planted,
                                            &in->n_unknown);
    return st;
}

static void print_ci(const char *what, const sqk_ci *c)
{
    printf("  %-20s %.4f", what, c->value);
    if (!isnan(c->lo)) printf("  [%.4f, %.4f]", c->lo, c->hi);
    putchar('\n');
}

static void print_summary(const sqk_evaluation *ev, const char *out)
{
    const sqk_eval_opts *o = &ev->opts;
    printf("evaluation '%s': %zu windows, %zu events", o->name, ev->m.n, ev->events.n);
    if (o->n_boot > 0) printf("; 95%% intervals from %d bootstrap resamples of %zu events/units", o->n_boot, ev->n_units);
    putchar('\n');
    print_ci("accuracy", &ev->boot[SQK_BM_ACCURACY]);
    print_ci("F1 (weighted)", &ev->boot[SQK_BM_F1_WEIGHTED]);
    print_ci("F1 (macro)", &ev->boot[SQK_BM_F1_MACRO]);
    print_ci("MCC", &ev->boot[SQK_BM_MCC]);
    print_ci("MCC seismic/control", &ev->boot[SQK_BM_MCC_SVC]);
    if (o->n_perm > 0) printf("  %-20s p = %.4g (%d permutations of event kinds)\n", "MCC > chance", ev->perm_p, o->n_perm);
    for (int k = 0; k < SQK_NCLASS; k++) {
        char what[32];
        snprintf(what, sizeof what, "AUC class %d", k);
        print_ci(what, &ev->boot[SQK_BM_AUC0 + k]);
    }
    if (ev->events.n > 0) {
        const sqk_binary *b = &ev->ev[SQK_EVDEF_SEISMIC];
        printf("  event level (threshold %.2f, %s): MCC %.4f  F1 %.4f  precision %.4f  recall %.4f"
               "  ROC AUC %.4f  PR AUC %.4f\n", ev->threshold[0],
               ev->threshold_from_val ? "chosen on validation" : "default", b->mcc, b->f1,
               b->precision, b->recall, ev->ev_roc_auc, ev->ev_pr_auc);
        if (!isnan(ev->ev_boot[SQK_EBM_MCC].lo))
            printf("  event MCC 95%% interval [%.4f, %.4f] (%zu events resampled)\n",
                   ev->ev_boot[SQK_EBM_MCC].lo, ev->ev_boot[SQK_EBM_MCC].hi,
                   (size_t)(b->tp + b->fp + b->tn + b->fn));
        b = &ev->ev[SQK_EVDEF_CODE];
        printf("  event level, [code] definition (share correct >= %.2f): MCC %.4f  F1 %.4f\n",
               ev->threshold[1], b->mcc, b->f1);
    }
    if (ev->has_recovery)
        printf("  recovery of %zu tested planted precursors: %.3f any window [%.3f, %.3f], %.3f by threshold [%.3f, %.3f]\n",
               ev->rec.n_tested, ev->rec.any, ev->rec.any_ci.lo, ev->rec.any_ci.hi, ev->rec.by_threshold,
               ev->rec.threshold_ci.lo, ev->rec.threshold_ci.hi);
    if (ev->has_recovery && ev->rec.n_controls)
        printf("  false alarms on %zu control events: %.3f any window, %.3f by threshold\n",
               ev->rec.n_controls, ev->rec.control_any, ev->rec.control_by_threshold);
    for (int i = 0; i < ev->n_notes; i++) printf("  note: %s\n", ev->notes[i]);
    printf("wrote %s\n", out);
}

int cmd_evaluate(int argc, char **argv)
{
    eval_args a;
    int r = parse_args(argc, argv, &a);
    if (r) return r - 1;
    char name[256];
    if (a.name) snprintf(name, sizeof name, "%s", a.name); else default_name(a.pred, name, sizeof name);
    eval_inputs in;
    if (read_inputs(&a, &in)) {
        inputs_free(&in);
        return cli_fail("evaluate");
    }
    sqk_eval_opts o = {.name = name, .pred_path = a.pred, .val_path = a.val, .data_path = a.data,
                       .truth_path = a.truth, .truth_not_in_dataset = in.n_unknown, .n_boot = a.n_boot, .n_perm = a.n_perm,
                       .seed = a.seed, .level = 0.95};
    sqk_progress prog = cli_progress(a.quiet);
    sqk_evaluation ev;
    int st = sqk_evaluate(&in.test, a.val ? &in.val : NULL, a.data ? &in.ds : NULL, in.planted,
                          in.n_planted, &o, &prog, &ev);
    if (!st) {
        st = sqk_evaluation_write(&ev, a.pred, a.out);
        if (st) sqk_evaluation_free(&ev);
    }
    cli_progress_done();
    if (st) {
        inputs_free(&in);
        return cli_fail("evaluate");
    }
    if (!a.quiet) print_summary(&ev, a.out);
    sqk_evaluation_free(&ev);
    inputs_free(&in);
    /* Figures of this evaluation (src/figures), drawn from the files just written. */
    if (!a.no_figures && sqk_fig_evaluation(a.out, a.data, &prog) != SQK_OK) {
        cli_progress_done();
        fprintf(stderr, "seqnetquake evaluate: the metrics in %s are complete, but the figures failed: %s\n"
                        "(rerun with --no-figures to skip them)\n", a.out, sqk_last_error());
        return 1;
    }
    cli_progress_done();
    return 0;
}
