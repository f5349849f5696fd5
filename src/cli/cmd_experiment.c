/* seqnetquake experiment: a plan (or the built-in paper plan) run into one output folder,
 * resumable after kill -9 (docs/experiment.md). */
#include "cli.h"
#include "opts.h"
#include "sqk/experiment.h"

#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void usage(FILE *f)
{
    fprintf(f,
        "usage: seqnetquake experiment --plan PLAN|paper --archive DIR --out DIR [options]\n\n"
        "Runs a whole experiment: the plan's datasets (build), hyperparameter searches (TPE on the\n"
        "validation split), models (train, transfer, predict, evaluate) and reports (tables and\n"
        "figures), in order, into one folder. A journal there records every finished trial and\n"
        "unit: after an interruption (even kill -9) the same command continues where it stopped.\n"
        "--plan paper is the paper's experiment: DataSets 01-11, a 100-trial search for\n"
        "SeqNetQuake on each and for the five benchmark classifiers on 07, initial training on\n"
        "DEMETER (11) and transfer to CSES (07), Table 1, Table 2 and Figures 3-8.\n"
        "Under `mpirun -n N seqnetquake experiment ...` (built with MPI) the datasets, models,\n"
        "reports and the trials of each search are farmed out to the N ranks (asynchronous TPE);\n"
        "rank 0 schedules and writes the journal, so the run resumes the same way.\n"
        "A search line with pruner=median|asha|floor|collapse stops hopeless trials from their\n"
        "per-epoch validation F1, as seqnetquake tune --pruner does (the same decisions without\n"
        "MPI).\n"
        "docs/experiment.md describes plans, the output folder and running on a cluster.\n\n"
        "  --plan PLAN|paper     a plan file, or the built-in paper plan\n"
        "  --archive DIR         the archive the datasets are built from (seqnetquake synth's\n"
        "                        output or real data in its layout)\n"
        "  --out DIR             output folder (created; rerun with the same plan to continue)\n"
        "  --trials N            every search with N trials instead of the plan's\n"
        "  --design D            paper, rigorous or both: the design of every dataset that names\n"
        "                        none (docs/confounders.md); both runs the plan under each design\n"
        "                        (NAME.paper, NAME.rigorous) with the reports side by side\n"
        "  --pruner P            none, median, asha, floor or collapse: the pruner of every search\n"
        "                        of a neural kind that names none (plan key pruner=;\n"
        "                        docs/experiment.md)\n"
        "  --patience N          the early-stopping patience of every trial of a search of a\n"
        "                        neural kind that names none (plan key patience=; default the\n"
        "                        kind's, 10): a cheaper search (docs/tuning.md, \"Pruning\")\n"
        "  --threads N           threads per unit (1: bit-for-bit reproducible results)\n"
        "  --keep-going          a unit that fails does not stop the others: the units that\n"
        "                        need it are left out, the rest is done, and the run then\n"
        "                        fails naming them (a rerun tries them again)\n"
        "  --order O             critical-path (default): a free rank gets the work heading the\n"
        "                        longest chain of work still to do (units weighed by kind and by\n"
        "                        their dataset's size); plan: the plan's order\n"
        "  --simulate-ranks N    measure the schedule on N ranks without them: this process does\n"
        "                        every task in turn (--threads 1), gives them out as N ranks\n"
        "                        would, each lasting its CPU time, and reports the wall time\n"
        "                        those ranks would have taken (not under mpirun)\n"
        "  --print-plan          print the plan (e.g. --plan paper) and exit\n"
        "  --quiet               no progress lines\n");
}

/* SIGTERM (a cancelled job, or mpirun stopping every rank because one of them died): say what
 * is kept and how to continue, then stop as the signal would have. */
static const char *out_folder;

static void on_sigterm(int sig)
{
    static const char a[] = "seqnetquake experiment: stopped by SIGTERM (the job was cancelled, or under mpirun a rank "
                            "died and mpirun stops the others): the journal in ";
    static const char b[] = " keeps every finished trial and unit; run the same command again to continue\n";
    if (write(2, a, sizeof a - 1) < 0 || write(2, out_folder, strlen(out_folder)) < 0 || write(2, b, sizeof b - 1) < 0) {
        /* nothing more can be said */
    }
    signal(sig, SIG_DFL);
    raise(sig);
}

static void print_unit(void *ctx, const char *line)
{
    (void)ctx;
    cli_progress_done();
    fprintf(stderr, "%s\n", line);
}

int cmd_experiment(int argc, char **argv)
{
    const char *plan_name = NULL, *design = NULL, *pruner = NULL, *order = "critical-path";
    sqk_experiment_options o = {.threads = 1};
    int quiet = 0, trials = 0, print_plan = 0, patience = 0;
    const cli_option opts[] = {
        CLI_OPT("plan", CLI_STRING, &plan_name), CLI_OPT("archive", CLI_STRING, &o.archive),
        CLI_OPT("out", CLI_STRING, &o.out), CLI_OPT_INT("trials", &trials, 1, 1000000),
        CLI_OPT("design", CLI_STRING, &design), CLI_OPT("pruner", CLI_STRING, &pruner),
        CLI_OPT_INT("patience", &patience, 1, 1000000000), CLI_OPT_INT("threads", &o.threads, 1, 4096),
        CLI_OPT("keep-going", CLI_FLAG, &o.keep_going),
        CLI_OPT("order", CLI_STRING, &order), CLI_OPT_INT("simulate-ranks", &o.simulate_ranks, 1, 1000000),
        CLI_OPT("print-plan", CLI_FLAG, &print_plan),
        CLI_OPT("quiet", CLI_FLAG, &quiet),
    };
    int st = cli_parse("experiment", argc, argv, opts, CLI_NOPTS(opts), NULL, NULL);
    if (st == CLI_HELP) {
        usage(stdout);
        return 0;
    }
    if (st) return st;
    if (strcmp(order, "critical-path") && strcmp(order, "plan")) {
        fprintf(stderr, "seqnetquake experiment: --order %s: critical-path or plan\n", order);
        return 2;
    }
    o.plan_order = !strcmp(order, "plan");
    if (!plan_name) {
        fprintf(stderr, "seqnetquake experiment: --plan is required\n");
        return 2;
    }
    sqk_plan plan;
    if (sqk_plan_load(&plan, plan_name, trials)) {
        fprintf(stderr, "seqnetquake experiment: %s\n", sqk_last_error());
        return 2;
    }
    if ((design && sqk_plan_set_design(&plan, design)) || (pruner && sqk_plan_set_pruner(&plan, pruner)) ||
        (patience && sqk_plan_set_patience(&plan, patience))) {
        fprintf(stderr, "seqnetquake experiment: %s\n", sqk_last_error());
        sqk_plan_free(&plan);
        return 2;
    }
    if (print_plan) {
        fputs(plan.text, stdout);
        sqk_plan_free(&plan);
        return 0;
    }
    if (!o.archive || !o.out) {
        fprintf(stderr, "seqnetquake experiment: --archive and --out are required\n");
        sqk_plan_free(&plan);
        return 2;
    }
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0) {
        fprintf(stderr, "seqnetquake experiment: cannot find the seqnetquake executable\n");
        sqk_plan_free(&plan);
        return 1;
    }
    self[n] = 0;
    o.self_exe = self;
    o.quiet = quiet;
    /* under mpirun only rank 0 (the scheduler) speaks; the others work */
    int speaks = sqk_experiment_rank() == 0;
    sqk_progress p = cli_progress(quiet || !speaks);
    o.progress = &p;
    if (!quiet && speaks) o.on_unit = print_unit;
    /* only where SIGTERM would simply kill (not in a host process with its own handler), and
     * only for the run */
    struct sigaction term = {.sa_handler = on_sigterm}, before;
    int handled = speaks && sigaction(SIGTERM, NULL, &before) == 0 && before.sa_handler == SIG_DFL;
    if (handled) {
        out_folder = o.out;
        sigemptyset(&term.sa_mask);
        sigaction(SIGTERM, &term, NULL);
    }
    sqk_experiment_summary s;
    int rc = sqk_experiment_run(&plan, &o, &s);
    if (handled) sigaction(SIGTERM, &before, NULL);
    cli_progress_done();
    sqk_plan_free(&plan);
    if (rc && !speaks) return rc == SQK_EARG || rc == SQK_EFORMAT ? 2 : 1;
    if (rc) return rc == SQK_EARG || rc == SQK_EFORMAT ? (fprintf(stderr, "seqnetquake experiment: %s\n", sqk_last_error()), 2)
                                                     : cli_fail("experiment");
    if (!quiet && speaks) {
        char on[64] = "";
        if (s.workers > 1 && !o.simulate_ranks) snprintf(on, sizeof on, " on %d MPI ranks", s.workers);
        char pruned[48] = "";
        if (s.trials_pruned > 0) snprintf(pruned, sizeof pruned, " (%d pruned)", s.trials_pruned);
        printf("experiment: %d units done (%d run now, %d trials run%s, %d replayed from the journal), %.1f s%s -> %s\n",
               s.units_done, s.units_run, s.trials_run, pruned, s.trials_replayed, s.seconds, on, o.out);
    }
    if (o.simulate_ranks > 0) /* what was asked for: printed even with --quiet */
        printf("simulated on %d rank%s: %.1f s wall for %.1f CPU s of tasks (speed-up %.2f, efficiency %.2f)\n",
               o.simulate_ranks, o.simulate_ranks > 1 ? "s" : "", s.simulated_seconds, s.task_seconds,
               s.simulated_seconds > 0 ? s.task_seconds / s.simulated_seconds : 0.0,
               s.simulated_seconds > 0 ? s.task_seconds / s.simulated_seconds / o.simulate_ranks : 0.0);
    return 0;
}
