/* seqnetquake tune: DATASET.h5 -> BEST.txt (+ trial log) by TPE over the kind's search space. */
#include "cli.h"
#include "sqk/tuning.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *f)
{
    fprintf(f,
        "usage: seqnetquake tune --data DATASET.h5 --model KIND --out BEST.txt [options]\n\n"
        "Bayesian hyperparameter search (Tree-structured Parzen Estimator) over the\n"
        "paper's search space of a model kind. Each trial trains on the training split (0) and\n"
        "is scored by the weighted F1 on the validation split (1); the test split is never read.\n"
        "docs/tuning.md lists the spaces.\n\n"
        "  --data DATASET.h5     dataset written by seqnetquake build\n"
        "  --model KIND          seqnet, cnn, lstm, dnn, gbm or rf (seqnet)\n"
        "  --trials N            trials (100, as the paper)\n"
        "  --algorithm A         tpe: multivariate TPE as optuna's (default); hyperopt: hyperopt's\n"
        "                        tpe.suggest, the paper's algorithm (docs/tuning.md compares them)\n"
        "  --startup N           random trials before TPE takes over (10; hyperopt: 20)\n"
        "  --seed N              seed of the search and of every model (1)\n"
        "  --max-epochs N        cap each trial's 'epochs' (neural kinds) to keep trials affordable\n"
        "  --threads N           threads per trial (1; results are reproducible for a fixed N)\n"
        "  --out BEST.txt        the best trial's hyperparameters, key=value lines, for\n"
        "                        seqnetquake train --params BEST.txt\n"
        "  --log trials.csv      one row per trial: its hyperparameters, val_f1, ok, seconds\n"
        "  --quiet               no progress and no per-trial lines\n");
}

static void print_trial(void *ctx, const sqk_tune_trial *t)
{
    (void)ctx;
    cli_progress_done();
    fprintf(stderr, "trial %3d/%d  val_f1 %.4f  %.1fs   best %.4f (trial %d)\n", t->trial, t->n_trials,
            t->val_f1, t->seconds, t->best_val_f1, t->best_trial);
}

static int parse_int(const char *opt, const char *v, int lo, int *out)
{
    char *end;
    long x = strtol(v, &end, 10);
    if (*end || end == v || x < lo || x > 1000000000) {
        fprintf(stderr, "seqnetquake tune: %s: expected an integer >= %d\n", opt, lo);
        return 2;
    }
    *out = (int)x;
    return 0;
}

int cmd_tune(int argc, char **argv)
{
    sqk_tune_options o = {.kind = "seqnet", .n_trials = 100, .n_startup = 0, .seed = 1, .threads = 1};
    int quiet = 0, help = 0, seed = 1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (cli_is_help(a)) { help = 1; continue; }
        if (!strcmp(a, "--quiet")) { quiet = 1; continue; }
        if (i + 1 >= argc) {
            fprintf(stderr, "seqnetquake tune: %s needs a value (or is unknown); see --help\n", a);
            return 2;
        }
        const char *v = argv[++i];
        int rc = 0;
        if (!strcmp(a, "--data")) o.data_path = v;
        else if (!strcmp(a, "--model")) o.kind = v;
        else if (!strcmp(a, "--out")) o.out_path = v;
        else if (!strcmp(a, "--log")) o.log_path = v;
        else if (!strcmp(a, "--algorithm")) o.algorithm = v;
        else if (!strcmp(a, "--trials")) rc = parse_int(a, v, 1, &o.n_trials);
        else if (!strcmp(a, "--startup")) rc = parse_int(a, v, 1, &o.n_startup);
        else if (!strcmp(a, "--seed")) rc = parse_int(a, v, 0, &seed);
        else if (!strcmp(a, "--max-epochs")) rc = parse_int(a, v, 1, &o.max_epochs);
        else if (!strcmp(a, "--threads")) rc = parse_int(a, v, 1, &o.threads);
        else {
            fprintf(stderr, "seqnetquake tune: unknown option %s; see --help\n", a);
            return 2;
        }
        if (rc) return rc;
    }
    if (help) {
        usage(stdout);
        return 0;
    }
    if (!o.data_path || !o.out_path) {
        fprintf(stderr, "seqnetquake tune: --data and --out are required\n");
        usage(stderr);
        return 2;
    }
    o.seed = (uint64_t)seed;
    sqk_progress p = cli_progress(quiet);
    o.progress = &p;
    if (!quiet) o.on_trial = print_trial;
    sqk_tune_summary s;
    int rc = sqk_tune_run(&o, &s);
    cli_progress_done();
    if (rc) return rc == SQK_EARG ? (fprintf(stderr, "seqnetquake tune: error: %s\n", sqk_last_error()), 2) : cli_fail("tune");
    if (!quiet)
        printf("tuned %s: best val F1 %.4f at trial %d of %d, %.1f s -> %s\n", o.kind, s.best_val_f1,
               s.best_trial, s.n_trials, s.seconds, o.out_path);
    return 0;
}
