/* seqnetquake sensitivity: the sensitivity curve (null-corrected skill against precursor
 * strength, several training seeds per cell) or, with --null-check N, the test of chance over
 * N archive seeds without a precursor; resumable (docs/sensitivity.md). */
#include "cli.h"
#include "opts.h"
#include "sqk/figures.h"
#include "sqk/sensitivity.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void usage(FILE *f)
{
    fprintf(f,
        "usage: seqnetquake sensitivity --out DIR [options]\n"
        "       seqnetquake sensitivity --null-check N --out DIR [options]\n\n"
        "The sensitivity curve: for each precursor strength, a synthetic archive (paired: the same\n"
        "seed and options, so strength 0 is the null of every other), DataSet 07 under each design,\n"
        "each model trained with several training seeds, and the null-corrected skill (planted\n"
        "minus paired null, averaged over the seeds; 95%% interval resampling the test events and\n"
        "the training seeds). Writes DIR/sensitivity.csv, DIR/sstar.csv (s* = the smallest\n"
        "strength whose interval of the null-corrected MCC seismic/control lies above 0),\n"
        "DIR/sensitivity.png (GMT) and DIR/sensitivity.md (the report section: report\n"
        "--sensitivity DIR). Rerun the same command to continue after an interruption.\n\n"
        "With --null-check N: no precursor (strength 0), N short archives (seeds SEED..SEED+N-1),\n"
        "each model trained and evaluated with the permutation tests; the p-values over the\n"
        "archives tested for uniformity (Kolmogorov-Smirnov against U(0,1)) and the MCC\n"
        "seismic/control intervals containing 0 counted -> DIR/nullcheck.csv,\n"
        "DIR/nullcheck_summary.csv, DIR/nullcheck.md. docs/sensitivity.md says more.\n\n"
        "  --out DIR            output folder (created; rerun to continue)\n"
        "  --seed N             archive seed (the first of the null check's); also the dataset's\n"
        "                       and the bootstrap's (1)\n"
        "  --days N             days of CSES data per archive (60)\n"
        "  --strengths LIST     precursor strengths, rising, from 0 (0,0.5,1,2,4)\n"
        "  --designs LIST       paper,rigorous (both; null check: rigorous)\n"
        "  --models LIST        model kinds (seqnet,geo,rough,oracle; null check: rough)\n"
        "  --train-seeds N      training seeds 1..N per model and strength (3)\n"
        "  --bootstrap B        bootstrap resamples (1000)\n"
        "  --null-check N       run the null check over N archive seeds instead of the curve\n"
        "  --permutations P     permutations of the null check's tests (1000)\n"
        "  --swap-partners random|magnitude\n"
        "                       the rigorous design's matched controls (build --swap-partners;\n"
        "                       magnitude, as build's rigorous design); recorded in settings.txt\n"
        "  --keep-archives      keep each archive (by default removed once its datasets exist)\n"
        "  --no-figure          do not draw sensitivity.png\n"
        "  --threads N          threads per stage (1: bit-for-bit reproducible)\n"
        "  --quiet              no progress lines\n");
}

/* Splits a comma-separated list into n at most max words of at most len-1 characters. */
static int split_words(const char *opt, const char *list, char *words, size_t len, int max, int *n)
{
    *n = 0;
    const char *s = list;
    while (*s) {
        size_t k = strcspn(s, ",");
        if (k == 0 || k >= len || *n >= max) {
            fprintf(stderr, "seqnetquake sensitivity: --%s '%s': %s\n", opt, list,
                    k == 0 ? "an empty item" : k >= len ? "an item is too long" : "too many items");
            return 2;
        }
        memcpy(words + (size_t)*n * len, s, k);
        words[(size_t)*n * len + k] = 0;
        (*n)++;
        s += k + (s[k] == ',');
    }
    if (*n == 0) {
        fprintf(stderr, "seqnetquake sensitivity: --%s is empty\n", opt);
        return 2;
    }
    return 0;
}

static int parse_strengths(const char *list, sqk_sensitivity_options *o)
{
    char words[SQK_SENS_MAX_STRENGTHS][32];
    int n, rc = split_words("strengths", list, &words[0][0], 32, SQK_SENS_MAX_STRENGTHS, &n);
    if (rc) return rc;
    for (int i = 0; i < n; i++) {
        char *end;
        double v = strtod(words[i], &end);
        if (*end || end == words[i] || !isfinite(v) || v < 0) {
            fprintf(stderr, "seqnetquake sensitivity: --strengths: '%s' is not a strength (a number >= 0)\n", words[i]);
            return 2;
        }
        o->strengths[i] = v;
    }
    o->n_strengths = n;
    return 0;
}

static void print_step(void *ctx, const char *line)
{
    (void)ctx;
    cli_progress_done();
    fprintf(stderr, "   %s\n", line);
}

static void print_file(const char *dir, const char *name)
{
    char path[4200], line[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "r");
    while (f && fgets(line, sizeof line, f)) fputs(line, stdout);
    if (f) fclose(f);
}

int cmd_sensitivity(int argc, char **argv)
{
    const char *strengths = NULL, *designs = NULL, *models = NULL, *partners = NULL;
    int quiet = 0, null_check = 0, no_figure = 0, days = 0;
    sqk_sensitivity_options o = {.seed = 1, .n_boot = 1000, .threads = 1};
    const cli_option opts[] = {
        CLI_OPT("out", CLI_STRING, &o.out), CLI_OPT("seed", CLI_U64, &o.seed),
        CLI_OPT_INT("days", &days, 1, 100000), CLI_OPT("strengths", CLI_STRING, &strengths),
        CLI_OPT("designs", CLI_STRING, &designs), CLI_OPT("models", CLI_STRING, &models),
        CLI_OPT_INT("train-seeds", &o.n_train_seeds, 1, SQK_SENS_MAX_SEEDS),
        CLI_OPT_INT("bootstrap", &o.n_boot, 0, 1000000), CLI_OPT_INT("null-check", &null_check, 2, 10000),
        CLI_OPT_INT("permutations", &o.n_perm, 1, 1000000), CLI_OPT("keep-archives", CLI_FLAG, &o.keep_archives),
        CLI_OPT("swap-partners", CLI_STRING, &partners),
        CLI_OPT("no-figure", CLI_FLAG, &no_figure), CLI_OPT_INT("threads", &o.threads, 1, 4096),
        CLI_OPT("quiet", CLI_FLAG, &quiet),
    };
    int st = cli_parse("sensitivity", argc, argv, opts, CLI_NOPTS(opts), NULL, NULL);
    if (st == CLI_HELP) {
        usage(stdout);
        return 0;
    }
    if (st) return st;
    if (!o.out) {
        fprintf(stderr, "seqnetquake sensitivity: --out is required\n");
        return 2;
    }
    if (null_check ? strengths || o.n_train_seeds : o.n_perm) {
        fprintf(stderr, "seqnetquake sensitivity: %s\n", null_check ? "--strengths and --train-seeds are options of the curve, not of --null-check"
                                                                    : "--permutations goes with --null-check");
        return 2;
    }
    snprintf(o.swap_partners, sizeof o.swap_partners, "%s", partners ? partners : "magnitude");
    if (!o.n_train_seeds) o.n_train_seeds = 3;
    if (!o.n_perm) o.n_perm = 1000;
    o.days = days ? days : 60;
    o.n_archive_seeds = null_check;
    if ((st = split_words("designs", designs ? designs : null_check ? "rigorous" : "paper,rigorous", &o.designs[0][0],
                          sizeof o.designs[0], SQK_SENS_MAX_DESIGNS, &o.n_designs)) ||
        (st = split_words("models", models ? models : null_check ? "rough" : "seqnet,geo,rough,oracle", &o.models[0][0],
                          sizeof o.models[0], SQK_SENS_MAX_MODELS, &o.n_models)) ||
        (st = parse_strengths(strengths ? strengths : "0,0.5,1,2,4", &o)))
        return st;
    if (null_check && o.n_designs != 1) {
        fprintf(stderr, "seqnetquake sensitivity: --null-check runs one design (--designs %s)\n", designs);
        return 2;
    }
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0) {
        fprintf(stderr, "seqnetquake sensitivity: cannot find the seqnetquake executable\n");
        return 1;
    }
    self[n] = 0;
    o.self_exe = self;
    sqk_progress p = cli_progress(quiet);
    o.progress = &p;
    if (!quiet) o.on_step = print_step;
    if (null_check) {
        sqk_nullcheck_model res[SQK_SENS_MAX_MODELS];
        int rc = sqk_nullcheck_run(&o, res);
        cli_progress_done();
        if (rc) return rc == SQK_EARG ? (fprintf(stderr, "seqnetquake sensitivity: %s\n", sqk_last_error()), 2)
                                      : cli_fail("sensitivity");
        if (!quiet) print_file(o.out, "nullcheck.md");
        return 0;
    }
    int rc = sqk_sensitivity_run(&o);
    cli_progress_done();
    if (rc) return rc == SQK_EARG ? (fprintf(stderr, "seqnetquake sensitivity: %s\n", sqk_last_error()), 2)
                                  : cli_fail("sensitivity");
    if (!no_figure) {
        char csv[4200], prefix[4200];
        snprintf(csv, sizeof csv, "%s/sensitivity.csv", o.out);
        snprintf(prefix, sizeof prefix, "%s/sensitivity", o.out);
        if (sqk_fig_sensitivity(csv, prefix))
            fprintf(stderr, "seqnetquake sensitivity: the figure was not drawn (%s); the tables are complete\n",
                    sqk_last_error());
    }
    if (!quiet) print_file(o.out, "sensitivity.md");
    return 0;
}
