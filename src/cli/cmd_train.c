/* seqnetquake train: DATASET.h5 -> MODEL.h5 (+ epoch log). */
#include "cli.h"
#include "opts.h"
#include "sqk/train.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void usage(FILE *f)
{
    fprintf(f,
        "usage: seqnetquake train --data DATASET.h5 --out MODEL.h5 [options]\n\n"
        "Trains a classifier on the training split (0) of a dataset; after each epoch the weighted\n"
        "F1 on the validation split (1) decides early stopping and the weights kept.\n\n"
        "  --data DATASET.h5     dataset written by seqnetquake build\n"
        "  --model KIND          %s (seqnet)\n"
        "  --params FILE         hyperparameters, one KEY=VALUE a line ('#' comments), applied\n"
        "                        before any --set (e.g. the BEST.txt of seqnetquake tune)\n"
        "  --set KEY=VALUE       a hyperparameter (repeatable); --model KIND --help lists them\n"
        "  --init MODEL.h5       transfer learning: start from this model's weights (same kind,\n"
        "                        architecture, T and F); every weight is trained unless frozen\n"
        "  --freeze L1,L2,...    keep these layers fixed (e.g. conv1,conv2,bilstm1)\n"
        "  --patience N          = --set patience=N\n"
        "  --seed N              = --set seed=N\n"
        "  --threads N           split large batches over N threads (default 1; results are\n"
        "                        reproducible for a fixed N)\n"
        "  --out MODEL.h5        model file, written at the end together with the log (a\n"
        "                        previous file there is removed when training starts, so an\n"
        "                        interrupted run leaves no model)\n"
        "  --log epochs.csv      per-epoch loss, accuracy, val_loss, val_accuracy, val_f1, seconds;\n"
        "                        rewritten after every epoch\n"
        "  --resume              continue from MODEL.h5.checkpoint, which neural kinds write after\n"
        "                        every epoch (weights, optimiser, random generators, early\n"
        "                        stopping): a run killed midway and resumed ends with the model\n"
        "                        and log of an uninterrupted one (same options; one thread: bit\n"
        "                        for bit). Without a checkpoint, training starts from epoch 1\n"
        "  --quiet               no progress and no per-epoch lines\n",
        sqk_model_kind_names());
}

/* Appends the key=value lines of a --params file to sets (text keeps them; free it after
 * training). Each line is checked against the kind so an error names the file and line. */
static int read_params(const char *path, const char *kind_name, char **text, const char **sets,
                       int *n_sets, int cap)
{
    /* a folder opens and reads as empty: refuse it rather than train with the defaults */
    FILE *f = fopen(path, "rb");
    struct stat st = {0};
    if (!f || fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        const char *why = !f ? strerror(errno) : S_ISDIR(st.st_mode) ? "is a folder" : "is not a regular file";
        fprintf(stderr, "seqnetquake train: error: --params %s: %s; give a file of KEY=VALUE lines\n", path, why);
        if (f) fclose(f);
        return 1;
    }
    size_t len = 0, size = 4096;
    char *buf = malloc(size);
    for (size_t got; buf && (got = fread(buf + len, 1, size - len - 1, f)) > 0;) {
        len += got;
        if (len + 1 == size) {
            char *b = realloc(buf, size *= 2);
            if (!b) { free(buf); buf = NULL; }
            else buf = b;
        }
    }
    int read_error = ferror(f);
    fclose(f);
    if (!buf) { fprintf(stderr, "seqnetquake train: out of memory\n"); return 1; }
    if (read_error) {
        fprintf(stderr, "seqnetquake train: error: --params %s: cannot read it\n", path);
        free(buf);
        return 1;
    }
    buf[len] = 0;
    *text = buf;
    const sqk_model_kind *kind = sqk_model_kind_find(kind_name);
    if (!kind) { fprintf(stderr, "seqnetquake train: error: %s\n", sqk_last_error()); return 2; }
    sqk_hparams check;
    sqk_hparams_default(&check, kind);
    int line = 0;
    for (char *l = buf, *next; l; l = next) {
        line++;
        next = strchr(l, '\n');
        if (next) *next++ = 0;
        size_t n = strlen(l);
        while (n && (l[n - 1] == '\r' || l[n - 1] == ' ' || l[n - 1] == '\t')) l[--n] = 0;
        while (*l == ' ' || *l == '\t') l++;
        if (!*l || *l == '#') continue;
        if (sqk_hparams_set(&check, l)) {
            fprintf(stderr, "seqnetquake train: error: %s line %d: %s\n", path, line, sqk_last_error());
            return 2;
        }
        if (*n_sets >= cap) { fprintf(stderr, "seqnetquake train: %s: too many lines\n", path); return 2; }
        sets[(*n_sets)++] = l;
    }
    return 0;
}

static void print_epoch(void *ctx, const sqk_epoch_stats *s)
{
    (void)ctx;
    cli_progress_done();
    fprintf(stderr, "epoch %3d  loss %.4f  acc %.4f  val_loss %.4f  val_acc %.4f  val_f1 %.4f  %.1fs\n",
            s->epoch, s->loss, s->accuracy, s->val_loss, s->val_accuracy, s->val_f1, s->seconds);
}

/* The --set KEY=VALUE list, in command-line order; --patience N and --seed N join it. */
typedef struct {
    const char *sets[256];
    char extra[16][64];
    int n_sets, n_extra;
} train_sets;

static int add_set(const char *cmd, const char *opt, const char *v, void *dest)
{
    train_sets *t = dest;
    if (t->n_sets >= 250) { fprintf(stderr, "seqnetquake %s: too many --set\n", cmd); return CLI_USAGE; }
    if (strcmp(opt, "set")) { /* --patience, --seed */
        if (t->n_extra >= 16) { fprintf(stderr, "seqnetquake %s: --%s given too often\n", cmd, opt); return CLI_USAGE; }
        snprintf(t->extra[t->n_extra], sizeof t->extra[0], "%s=%s", opt, v);
        v = t->extra[t->n_extra++];
    }
    t->sets[t->n_sets++] = v;
    return CLI_OK;
}

int cmd_train(int argc, char **argv)
{
    sqk_train_options o = {.kind = "seqnet", .threads = 1};
    train_sets t;
    const char **sets = t.sets;
    int quiet = 0;
    const char *params_path = NULL;
    char *params_text = NULL;
    const cli_option opts[] = {
        CLI_OPT("data", CLI_STRING, &o.data_path), CLI_OPT("model", CLI_STRING, &o.kind),
        CLI_OPT("params", CLI_STRING, &params_path), CLI_OPT_CALL("set", add_set, &t),
        CLI_OPT("init", CLI_STRING, &o.init_path), CLI_OPT("freeze", CLI_STRING, &o.freeze),
        CLI_OPT_CALL("patience", add_set, &t), CLI_OPT_CALL("seed", add_set, &t),
        CLI_OPT_INT("threads", &o.threads, 1, INT_MAX), CLI_OPT("out", CLI_STRING, &o.out_path),
        CLI_OPT("log", CLI_STRING, &o.log_path), CLI_OPT("quiet", CLI_FLAG, &quiet),
        CLI_OPT("resume", CLI_FLAG, &o.resume),
    };
    memset(&t, 0, sizeof t);
    int help = cli_parse("train", argc, argv, opts, CLI_NOPTS(opts), NULL, NULL);
    if (help == CLI_USAGE) return help;
    o.n_sets = t.n_sets;
    if (help) {
        usage(stdout);
        const sqk_model_kind *k = sqk_model_kind_find(o.kind);
        if (k) {
            char *d = sqk_hparams_describe(k);
            printf("\nhyperparameters of %s (key, default, allowed, meaning):\n%s", k->name, d ? d : "");
            free(d);
        }
        return 0;
    }
    if (!o.data_path || !o.out_path) {
        fprintf(stderr, "seqnetquake train: --data and --out are required\n");
        usage(stderr);
        return 2;
    }
    if (params_path) { /* before any --set: move those behind the file's lines */
        const char *cli_sets[256];
        int n_cli = o.n_sets;
        memcpy(cli_sets, sets, n_cli * sizeof *sets);
        o.n_sets = 0;
        int prc = read_params(params_path, o.kind, &params_text, sets, &o.n_sets, 250 - n_cli);
        if (prc) { free(params_text); return prc; }
        for (int i = 0; i < n_cli; i++) sets[o.n_sets++] = cli_sets[i];
    }
    o.sets = sets;
    sqk_progress p = cli_progress(quiet);
    o.progress = &p;
    if (!quiet) o.on_epoch = print_epoch;
    sqk_train_summary s;
    int rc = sqk_train_run(&o, &s);
    free(params_text);
    cli_progress_done();
    if (rc) return rc == SQK_EARG ? (fprintf(stderr, "seqnetquake train: error: %s\n", sqk_last_error()), 2) : cli_fail("train");
    if (quiet) return 0;
    if (s.resumed_epoch) printf("resumed from %s.checkpoint after epoch %d\n", o.out_path, s.resumed_epoch);
    printf("trained %s on %zu windows (%zu validation): ", o.kind, s.n_train, s.n_val);
    if (s.epochs_run > 0)
        printf("%d epoch%s, kept epoch %d", s.epochs_run, s.epochs_run == 1 ? "" : "s", s.best_epoch);
    else /* tree models: best_epoch counts boosting rounds (1 for a random forest) */
        printf("%d boosting round%s", s.best_epoch, s.best_epoch == 1 ? "" : "s");
    printf(" (val F1 %.4f), %.1f s -> %s\n", s.best_val_f1, s.seconds, o.out_path);
    return 0;
}
