/* seqnetquake evaluate: predictions -> metrics with confidence intervals -> evaluation folder. */
#include "cli.h"
#include "opts.h"
#include "sqk/eval.h"
#include "sqk/figures.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
          "  --null FILE          the same model's predictions on the paired null archive (synth\n"
          "                       --precursor-strength 0, same options and seeds): null-corrected skill,\n"
          "                       planted minus null, with a paired event bootstrap -> DIR/null_corrected.csv\n"
          "  --null-val-pred FILE its validation predictions (the null side's event threshold)\n"
          "  --pair P,N[,PV,NV]   one more pair (another training or archive seed; repeatable): the\n"
          "                       null-corrected skill is then the mean over the pairs, and each\n"
          "                       bootstrap resample draws the pairs too (seed noise in the interval)\n"
          "  --name LABEL         label of this evaluation in figures and reports (default: PRED's name)\n"
          "  --bootstrap B        bootstrap resamples (default 1000; 0 = none)\n"
          "  --permutations P     permutations for the MCC p-value (default 1000; 0 = none)\n"
          "  --seed N             random seed (default 1)\n"
          "  --out DIR            evaluation folder to write; written under a temporary name and\n"
          "                       put in place whole, replacing an earlier evaluation there\n"
          "  --no-figures         do not draw the figures into DIR/figures/\n"
          "  --quiet              print nothing but errors\n"
          "  -h, --help           this help\n", f);
}

#define MAX_PAIRS SQK_EVALUATE_MAX_PAIRS

typedef struct {
    const char *pred, *val, *data, *truth, *name, *out, *null, *null_val;
    int n_boot, n_perm, no_figures, quiet;
    uint64_t seed;
    int n_pairs;                 /* --pair: planted, null, planted val, null val (may be NULL) */
    char *pair_buf[MAX_PAIRS];
    const char *pair[MAX_PAIRS][4];
} eval_args;

static int add_pair(const char *cmd, const char *opt, const char *v, void *dest)
{
    eval_args *a = dest;
    if (a->n_pairs >= MAX_PAIRS) {
        fprintf(stderr, "seqnetquake %s: --%s: at most %d pairs\n", cmd, opt, MAX_PAIRS);
        return CLI_USAGE;
    }
    char *buf = strdup(v);
    if (!buf) return CLI_USAGE;
    const char **f = a->pair[a->n_pairs];
    int n = 0;
    for (char *p = buf, *comma; n < 4; p = comma + 1) {
        f[n++] = p;
        if (!(comma = strchr(p, ','))) break;
        *comma = '\0';
    }
    if ((n != 2 && n != 4) || !f[0][0] || !f[1][0] || strchr(f[n - 1], ',')) {
        fprintf(stderr, "seqnetquake %s: --%s %s: expected PRED,NULL or PRED,NULL,VALPRED,NULLVALPRED\n", cmd, opt, v);
        free(buf);
        return CLI_USAGE;
    }
    if (n == 2) f[2] = f[3] = NULL;
    a->pair_buf[a->n_pairs++] = buf;
    return CLI_OK;
}

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
        CLI_OPT("quiet", CLI_FLAG, &a->quiet), CLI_OPT("null", CLI_STRING, &a->null),
        CLI_OPT("null-val-pred", CLI_STRING, &a->null_val), CLI_OPT_CALL("pair", add_pair, a),
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
    if ((a->n_pairs || a->null_val) && !a->null) {
        fprintf(stderr, "seqnetquake evaluate: --pair and --null-val-pred go with --null\n");
        return 3;
    }
    if (a->null && !a->val != !a->null_val) {
        fprintf(stderr, "seqnetquake evaluate: give --val-pred and --null-val-pred together (each side's "
                        "event threshold is chosen on its own validation predictions)\n");
        return 3;
    }
    if (a->truth && !a->data) {
        fprintf(stderr, "seqnetquake evaluate: --truth needs --data (truth.csv names events by id)\n");
        return 3;
    }
    return 0;
}

static void print_null_corrected(const sqk_null_corrected *nc, const double ws_auc[2])
{
    printf("  null-corrected skill (planted - paired null archive, %zu pair%s, paired bootstrap of %zu events/units):\n",
           nc->n_pairs, nc->n_pairs == 1 ? "" : "s", nc->n_units);
    static const char *label[SQK_NC_COUNT] = {"MCC seismic/control", "AUC class 1", "event MCC"};
    for (int k = 0; k < SQK_NC_COUNT; k++)
        printf("    %-20s planted %.4f  null %.4f  difference %.4f [%.4f, %.4f]  p(diff <= 0) = %.4g\n", label[k],
               nc->planted[k].value, nc->null[k].value, nc->diff[k].value, nc->diff[k].lo, nc->diff[k].hi,
               nc->p_diff[k]);
    if (!isnan(ws_auc[0]))
        printf("    %-20s planted %.4f  null %.4f  (p1 of perturbed vs unperturbed seismic windows)\n",
               "within-seismic AUC", ws_auc[0], ws_auc[1]);
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
    if (o->n_perm > 0) printf("  %-20s p = %.4g (%d permutations of event kinds; plain: assumes all events exchangeable)\n",
                              "MCC > chance", ev->perm_p, o->n_perm);
    if (o->n_perm > 0 && ev->perm_scheme != SQK_STRATA_NONE)
        printf("  %-20s p = %.4g (kinds %s)\n", "MCC > chance", ev->perm_p_strat,
               ev->perm_scheme == SQK_STRATA_PAIRS ? "flipped within matched pairs"
                                                   : "shuffled within cadence x |mlat| band x hemisphere");
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
    if (ev->has_recovery && ev->rec.has_weights)
        printf("  (planted events whose precursor reached a test window only; %zu others left out)\n"
               "  within-seismic AUC (p1 of %zu perturbed vs %zu unperturbed seismic windows): %.4f\n",
               ev->rec.n_untouched, ev->rec.n_perturbed, ev->rec.n_unperturbed, ev->rec.within_seismic_auc);
    if (ev->has_recovery && ev->rec.n_controls)
        printf("  false alarms on %zu control events: %.3f any window, %.3f by threshold\n",
               ev->rec.n_controls, ev->rec.control_any, ev->rec.control_by_threshold);
    for (int i = 0; i < ev->n_notes; i++) printf("  note: %s\n", ev->notes[i]);
    printf("wrote %s\n", out);
}

static int run(eval_args *a);

int cmd_evaluate(int argc, char **argv)
{
    eval_args a;
    int r = parse_args(argc, argv, &a);
    if (!r) r = run(&a) + 1;
    for (int p = 0; p < a.n_pairs; p++) free(a.pair_buf[p]);
    return r - 1;
}

static int run(eval_args *ap)
{
    const eval_args *a = ap;
    /* The folder, figures included, is filled under a temporary name and put in place whole:
     * a failure or a kill leaves the previous evaluation there untouched, never new metrics
     * beside old figures. */
    char tmp[4200];
    if (sqk_tmp_dir(a->out, "metrics.json", tmp, sizeof tmp)) return cli_fail("evaluate");
    sqk_evaluate_options o = {.pred = a->pred, .out = tmp, .val_pred = a->val, .data = a->data,
                              .truth = a->truth, .name = a->name, .null_pred = a->null,
                              .null_val_pred = a->null_val, .n_pairs = a->n_pairs, .pairs = ap->pair,
                              .n_boot = a->n_boot, .n_perm = a->n_perm, .seed = a->seed};
    sqk_progress prog = cli_progress(a->quiet);
    sqk_evaluate_result r;
    if (sqk_evaluate_run(&o, &prog, &r)) {
        sqk_rm_tree(tmp);
        return cli_fail("evaluate");
    }
    cli_progress_done();
    /* Figures of this evaluation (src/figures), drawn from the files just written: drawn here,
     * not in sqk_evaluate_run, because figures is a later stage than eval and reads its folder. */
    if (!a->no_figures && sqk_fig_evaluation(tmp, a->data, &prog) != SQK_OK) {
        cli_progress_done();
        fprintf(stderr, "seqnetquake evaluate: the figures failed, so nothing was written to %s: %s\n"
                        "(rerun with --no-figures to skip them)\n", a->out, sqk_last_error());
        sqk_evaluate_result_free(&r);
        sqk_rm_tree(tmp);
        return 1;
    }
    cli_progress_done();
    if (sqk_commit_dir(tmp, a->out)) {
        sqk_evaluate_result_free(&r);
        return cli_fail("evaluate");
    }
    if (!a->quiet) {
        if (r.has_null) print_null_corrected(&r.nc, r.within_seismic_auc);
        print_summary(&r.ev, a->out);
    }
    sqk_evaluate_result_free(&r);
    return 0;
}
