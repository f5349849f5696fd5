/* seqnetquake tune: DATASET.h5 -> BEST.txt (+ trial log) by TPE over the kind's search space. */
#include "cli.h"
#include "opts.h"
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
        "  --patience N          every trial's early-stopping patience (neural kinds; default the\n"
        "                        kind's, 10): a cheaper search that ends each trial N epochs after\n"
        "                        its best; BEST.txt keeps it, as the trial ran\n"
        "  --threads N           threads per trial (1; results are reproducible for a fixed N)\n"
        "  --out BEST.txt        the best trial's hyperparameters, key=value lines, for\n"
        "                        seqnetquake train --params BEST.txt; its first line records\n"
        "                        the val_f1, and a BEST.txt recording a better one is kept\n"
        "  --log trials.csv      one row per trial: its hyperparameters, val_f1, ok, epochs_run,\n"
        "                        pruned, seconds (a pruned trial: its last epoch and its F1 there);\n"
        "                        written after every trial. Rerun with the same log, a search\n"
        "                        killed midway continues where it stopped (same options: the\n"
        "                        logged trials must be the ones it suggests) and ends as an\n"
        "                        uninterrupted one\n"
        "  --curves curves.csv   the learning curves: trial,epoch,val_f1 for every epoch trained\n"
        "  --pruner P            stop hopeless trials from their per-epoch validation F1 (neural\n"
        "                        kinds): none (default), median (optuna's MedianPruner: best F1 so\n"
        "                        far below the finished trials' median at that epoch), asha\n"
        "                        (asynchronous successive halving), floor (best F1 so far below\n"
        "                        the best constant prediction's on the validation split after\n"
        "                        --floor-epochs epochs: worse than no skill) or collapse (as floor,\n"
        "                        but only a trial that has predicted one class for every window\n"
        "                        at every epoch)\n"
        "  --prune-startup N     median, floor, collapse: finished trials before any pruning (5)\n"
        "  --prune-warmup N      median: epochs never pruned at the start of a trial (0)\n"
        "  --min-resource N      asha: epochs of the first rung (1)\n"
        "  --reduction-factor N  asha: rungs at min-resource * N^k epochs; the top 1/N of the F1\n"
        "                        at a rung go on (3)\n"
        "  --floor-epochs N      floor, collapse: the epoch at which a trial is first judged\n"
        "                        (floor 3, collapse 1)\n"
        "  --quiet               no progress and no per-trial lines\n");
}

static void print_trial(void *ctx, const sqk_tune_trial *t)
{
    (void)ctx;
    cli_progress_done();
    fprintf(stderr, "trial %3d/%d  val_f1 %.4f  %.1fs  %3d epoch%s%s   best %.4f (trial %d)\n", t->trial,
            t->n_trials, t->val_f1, t->seconds, t->epochs, t->epochs == 1 ? " " : "s",
            t->pruned ? " (pruned)" : "         ",
            t->best_val_f1, t->best_trial);
}

int cmd_tune(int argc, char **argv)
{
    sqk_tune_options o = {.kind = "seqnet", .n_trials = 100, .n_startup = 0, .seed = 1, .threads = 1};
    int quiet = 0, seed = 1;
    const char *pruner = "none";
    sqk_pruner_config pc;
    sqk_pruner_config_default(&pc, SQK_PRUNER_NONE);
    int floor_epochs = 0; /* 0: the pruner's own default */
    const cli_option opts[] = {
        CLI_OPT("data", CLI_STRING, &o.data_path), CLI_OPT("model", CLI_STRING, &o.kind),
        CLI_OPT("out", CLI_STRING, &o.out_path), CLI_OPT("log", CLI_STRING, &o.log_path), CLI_OPT("curves", CLI_STRING, &o.curves_path),
        CLI_OPT("algorithm", CLI_STRING, &o.algorithm),
        CLI_OPT_INT("trials", &o.n_trials, 1, 1000000000), CLI_OPT_INT("startup", &o.n_startup, 1, 1000000000),
        CLI_OPT_INT("seed", &seed, 0, 1000000000), CLI_OPT_INT("max-epochs", &o.max_epochs, 1, 1000000000),
        CLI_OPT_INT("patience", &o.patience, 1, 1000000000),
        CLI_OPT_INT("threads", &o.threads, 1, 1000000000), CLI_OPT("quiet", CLI_FLAG, &quiet),
        CLI_OPT("pruner", CLI_STRING, &pruner),
        CLI_OPT_INT("prune-startup", &pc.n_startup_trials, 0, 1000000000),
        CLI_OPT_INT("prune-warmup", &pc.n_warmup_epochs, 0, 1000000000),
        CLI_OPT_INT("min-resource", &pc.min_resource, 1, 1000000000),
        CLI_OPT_INT("reduction-factor", &pc.reduction_factor, 2, 1000),
        CLI_OPT_INT("floor-epochs", &floor_epochs, 1, 1000000000),
    };
    int st = cli_parse("tune", argc, argv, opts, CLI_NOPTS(opts), NULL, NULL);
    if (st == CLI_HELP) {
        usage(stdout);
        return 0;
    }
    if (st) return st;
    if (!o.data_path || !o.out_path) {
        fprintf(stderr, "seqnetquake tune: --data and --out are required\n");
        usage(stderr);
        return 2;
    }
    if (sqk_pruner_parse(&pc.kind, pruner)) {
        fprintf(stderr, "seqnetquake tune: --pruner: %s\n", sqk_last_error());
        return 2;
    }
    sqk_pruner_config kind_default;
    sqk_pruner_config_default(&kind_default, pc.kind);
    pc.floor_epochs = floor_epochs ? floor_epochs : kind_default.floor_epochs;
    o.pruner = &pc;
    o.seed = (uint64_t)seed;
    sqk_progress p = cli_progress(quiet);
    o.progress = &p;
    if (!quiet) o.on_trial = print_trial;
    sqk_tune_summary s;
    int rc = sqk_tune_run(&o, &s);
    cli_progress_done();
    if (rc) return rc == SQK_EARG ? (fprintf(stderr, "seqnetquake tune: error: %s\n", sqk_last_error()), 2) : cli_fail("tune");
    if (!quiet && s.n_resumed)
        printf("continued the search of %s: %d trial%s read back\n", o.log_path, s.n_resumed, s.n_resumed == 1 ? "" : "s");
    if (!quiet)
        printf("tuned %s: best val F1 %.4f at trial %d of %d (%d pruned), %ld epochs, %.1f s -> %s\n",
               o.kind, s.best_val_f1, s.best_trial, s.n_trials, s.n_pruned, s.epochs, s.seconds, o.out_path);
    if (s.kept_better)
        fprintf(stderr, "seqnetquake tune: note: %s records a better val F1 from an earlier search and was "
                        "kept; remove it to write this search's best\n", o.out_path);
    return 0;
}
