/* seqnetquake tune: TPE over a model kind's search space; each trial fits on the training split
 * (0) and is scored by the weighted F1 on the validation split (1), objective = -F1. The test
 * split is never read. After every trial the log and BEST.txt are rewritten (atomically and
 * durably), so an interrupted search keeps what it found; run again, it continues from its log:
 * the logged trials are replayed (the TPE suggests each again, which must agree with the log,
 * and observes its logged score, written with every digit; the pruner hears each trial's
 * logged per-epoch F1 again and must come to the same verdicts), so the search goes on exactly
 * as an uninterrupted one. BEST.txt records its val_f1 and is never replaced by a worse
 * result. */
#include "sqk/tuning.h"
#include "sqk/csv.h"
#include "sqk/train.h"

#include <errno.h>
#include <sys/stat.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct {
    double val_f1, seconds;
    int ok, epochs, pruned;
    char *values; /* the log columns of the trial, comma-joined (malloc'd) */
    char *curve;  /* its validation F1 after each epoch, ';'-separated (malloc'd; "" for trees) */
} trial_row;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* The log's hyperparameter columns: the space's keys, each once (dnn's lr_adam and lr_sgd
 * both set lr). */
static int log_keys(const sqk_tune_space *s, const char **keys)
{
    int n = 0;
    for (int j = 0; j < s->n; j++) {
        int seen = 0;
        for (int i = 0; i < n; i++) seen |= !strcmp(keys[i], s->params[j].key);
        if (!seen) keys[n++] = s->params[j].key;
    }
    return n;
}

/* The values of the trial's keys as text; a key whose parameters were all inactive is empty. */
static char *format_values(const sqk_tune_space *s, const char **keys, int nk, const double *x,
                           const sqk_hparams *hp)
{
    size_t cap = 64 * (size_t)(nk + 1), len = 0;
    char *out = sqk_malloc(cap);
    if (!out) return NULL;
    out[0] = 0;
    for (int i = 0; i < nk; i++) {
        int act = 0;
        for (int j = 0; j < s->n; j++) act |= !strcmp(s->params[j].key, keys[i]) && isfinite(x[j]);
        char v[64] = "";
        if (act) {
            int k = sqk_hparams_index(hp, keys[i]);
            const sqk_hparam_def *d = &hp->kind->hparams[k];
            if (d->type == SQK_HP_CHOICE) sqk_hp_choice(hp, keys[i], v, sizeof v);
            else if (d->type == SQK_HP_INT) snprintf(v, sizeof v, "%d", sqk_hp_int(hp, keys[i]));
            else snprintf(v, sizeof v, "%.8g", sqk_hp_real(hp, keys[i]));
        }
        len += (size_t)snprintf(out + len, cap - len, "%s%s", i ? "," : "", v);
    }
    return out;
}

static int write_log(const char *path, const char **keys, int nk, const trial_row *rows, int n)
{
    sqk_atomic_file a;
    int rc = sqk_atomic_open(&a, path);
    if (rc) return sqk_fail_context(rc, "trial log");
    fprintf(a.f, "trial");
    for (int i = 0; i < nk; i++) fprintf(a.f, ",%s", keys[i]);
    fprintf(a.f, ",val_f1,ok,epochs_run,pruned,val_f1_curve,seconds\n");
    for (int t = 0; t < n; t++)
        fprintf(a.f, "%d,%s,%.17g,%d,%d,%d,%s,%.3f\n", t + 1, rows[t].values, rows[t].val_f1, rows[t].ok,
                rows[t].epochs, rows[t].pruned, rows[t].curve, rows[t].seconds);
    return sqk_atomic_close(&a, SQK_OK);
}

/* The learning curves: trial,epoch,val_f1, one row per epoch of every trial so far (from each
 * trial's logged curve). */
static int write_curves(const char *path, const trial_row *rows, int n)
{
    sqk_atomic_file a;
    int rc = sqk_atomic_open(&a, path);
    if (rc) return sqk_fail_context(rc, "learning curves");
    fprintf(a.f, "trial,epoch,val_f1\n");
    for (int t = 0; t < n; t++) {
        int e = 0;
        for (const char *f = rows[t].curve; f && *f;) {
            char *end;
            double v = strtod(f, &end);
            fprintf(a.f, "%d,%d,%.6g\n", t + 1, ++e, v);
            f = *end ? end + 1 : end;
        }
    }
    return sqk_atomic_close(&a, SQK_OK);
}

enum { LOG_TAIL = 6 }; /* the columns after the keys: val_f1, ok, epochs_run, pruned, curve, seconds */

/* The logged trials of an earlier run of the same search (values comma-joined as format_values
 * writes them). A missing log is no trial; a log of another search (other columns) or a damaged
 * one is refused, naming the file and line. */
static int read_log(const char *path, const char **keys, int nk, trial_row **rows, int *n)
{
    static const char *const tail[LOG_TAIL] = {"val_f1", "ok", "epochs_run", "pruned", "val_f1_curve", "seconds"};
    *rows = NULL;
    *n = 0;
    struct stat st;
    if (stat(path, &st) != 0 && errno == ENOENT) return SQK_OK;
    sqk_csv c;
    int rc = sqk_csv_open(&c, path);
    if (rc) return rc;
    int same = c.n_cols == nk + 1 + LOG_TAIL && !strcmp(c.name[0], "trial");
    for (int i = 0; same && i < nk; i++) same = !strcmp(c.name[i + 1], keys[i]);
    for (int i = 0; same && i < LOG_TAIL; i++) same = !strcmp(c.name[nk + 1 + i], tail[i]);
    if (!same) {
        rc = sqk_csv_fail(&c, SQK_EFORMAT, "the trial log of another search (other columns): give "
                          "another --log, or remove it to start a new search");
        sqk_csv_close(&c);
        return rc;
    }
    size_t cap = 0;
    while (!rc && (rc = sqk_csv_next(&c)) == 1) {
        int64_t trial, ok, epochs, pruned;
        double f1, sec;
        rc = sqk_csv_i64(&c, 0, 1, 1000000000, &trial);
        if (!rc && trial != *n + 1)
            rc = sqk_csv_fail(&c, SQK_EFORMAT, "trial %lld where trial %d was expected", (long long)trial, *n + 1);
        if (!rc) rc = sqk_csv_f64(&c, nk + 1, &f1);
        if (!rc) rc = sqk_csv_i64(&c, nk + 2, 0, 1, &ok);
        if (!rc) rc = sqk_csv_i64(&c, nk + 3, 0, 1000000000, &epochs);
        if (!rc) rc = sqk_csv_i64(&c, nk + 4, 0, 1, &pruned);
        if (!rc) rc = sqk_csv_f64(&c, nk + 6, &sec);
        if (!rc) rc = sqk_grow((void **)rows, &cap, (size_t)*n + 1, sizeof **rows);
        if (rc) break;
        size_t len = 0;
        for (int i = 1; i <= nk; i++) len += strlen(sqk_csv_get(&c, i)) + 1;
        trial_row *r = &(*rows)[*n];
        memset(r, 0, sizeof *r);
        r->values = sqk_malloc(len + 1);
        r->curve = sqk_strdup(sqk_csv_get(&c, nk + 5));
        ++*n; /* freed below on failure */
        if (!r->values || !r->curve) { rc = SQK_EMEM; break; }
        r->values[0] = 0;
        for (int i = 1; i <= nk; i++) {
            if (i > 1) strcat(r->values, ",");
            strcat(r->values, sqk_csv_get(&c, i));
        }
        r->val_f1 = f1;
        r->ok = (int)ok;
        r->epochs = (int)epochs;
        r->pruned = (int)pruned;
        r->seconds = sec;
    }
    sqk_csv_close(&c);
    if (rc < 0) {
        for (int t = 0; t < *n; t++) { free((*rows)[t].values); free((*rows)[t].curve); }
        free(*rows);
        *rows = NULL;
        *n = 0;
        return rc;
    }
    return SQK_OK;
}

/* The val_f1 an existing BEST.txt records ("# ... val_f1 X"), or -1 when it records none. */
static double recorded_best(const char *path)
{
    size_t n = 0;
    char *text = (char *)sqk_slurp(path, &n), *at;
    double f1 = -1;
    if (text) {
        text[n - 1] = 0; /* the file ends with a line end */
        char *nl = strchr(text, '\n');
        if (nl) *nl = 0; /* the first line only */
        if (text[0] == '#' && (at = strstr(text, " val_f1 "))) f1 = strtod(at + 8, NULL);
    }
    free(text);
    return f1;
}

/* BEST.txt: a comment naming the trial and its val_f1, then key=value lines. A BEST.txt that
 * records a better val_f1 (an earlier search) is kept: *kept is set and nothing is written. */
static int write_best(const char *path, const sqk_hparams *hp, int trial, double val_f1, int *kept)
{
    if (recorded_best(path) > val_f1) {
        *kept = 1;
        return SQK_OK;
    }
    *kept = 0;
    char *text = sqk_hparams_format(hp);
    if (!text) return SQK_EMEM;
    sqk_atomic_file a;
    int rc = sqk_atomic_open(&a, path);
    if (!rc) {
        fprintf(a.f, "# seqnetquake tune: trial %d, val_f1 %.17g\n", trial, val_f1);
        fputs(text, a.f);
        rc = sqk_atomic_close(&a, SQK_OK);
    }
    free(text);
    return rc ? sqk_fail_context(rc, "best hyperparameters") : SQK_OK;
}

/* One trial's hyperparameters: the kind's defaults, the model seed, the point, the epoch cap
 * and the search's patience. */
static int trial_hparams(const sqk_tune_options *o, const sqk_model_kind *kind,
                         const sqk_tune_space *s, const double *x, sqk_hparams *hp)
{
    return sqk_tune_trial_hparams(kind, s, x, o->seed, o->max_epochs, o->patience, hp);
}

typedef struct {
    const sqk_tune_options *o;
    const sqk_model_kind *kind;
    const sqk_tune_space *space;
    const char *keys[64];
    int nk;
    trial_row *rows;
    sqk_hparams best_hp;
    int best;
    sqk_pruner *pruner;   /* NULL: no pruning */
    int kept_better;      /* BEST.txt holds a better earlier result */
    char last_error[512]; /* of the last trial that could not be trained */
} search;

/* One trial's epochs as they come: the pruner's verdict after each, and the F1 curve. */
typedef struct {
    sqk_pruner *pruner;
    int id, epochs, pruned, rc;
    double last_f1, best_f1; /* best_f1: NaN until an epoch scores */
    char *curve;
    size_t len, cap;
} trial_epochs;

static int on_epoch(void *ctx, const sqk_epoch_stats *s)
{
    trial_epochs *te = ctx;
    te->epochs = s->epoch;
    te->last_f1 = s->val_f1;
    if (isfinite(s->val_f1) && !(te->best_f1 >= s->val_f1)) te->best_f1 = s->val_f1;
    char v[40];
    int n = snprintf(v, sizeof v, "%s%.17g", te->len ? ";" : "", s->val_f1);
    if ((te->rc = sqk_grow((void **)&te->curve, &te->cap, te->len + (size_t)n + 1, 1))) return 1;
    memcpy(te->curve + te->len, v, (size_t)n + 1);
    te->len += (size_t)n;
    if (!te->pruner) return 0;
    te->rc = sqk_pruner_report(te->pruner, te->id, s->epoch, s->val_f1, &te->pruned);
    return te->rc || te->pruned;
}

static sqk_pruner_kind pruner_kind(const search *S)
{
    return S->o->pruner ? S->o->pruner->kind : SQK_PRUNER_NONE;
}

/* Replays logged trial t: the TPE suggests it again, which must give the logged values; the
 * pruner hears its logged curve and must stop it where the log says; both then take its
 * logged outcome. */
static int replay_trial(search *S, sqk_tpe *tpe, int t, double *x, trial_row *logged)
{
    const sqk_tune_options *o = S->o;
    sqk_hparams hp;
    int rc = sqk_tpe_suggest(tpe, x);
    if (!rc) rc = trial_hparams(o, S->kind, S->space, x, &hp);
    if (rc) return rc;
    char *values = format_values(S->space, S->keys, S->nk, x, &hp);
    if (!values) return SQK_EMEM;
    int same = !strcmp(values, logged->values);
    free(values);
    int id = -1, pruned = 0, epochs = 0, best_epoch = 0; /* best_epoch: early stopping's */
    double best_f1 = -1;                                  /* F1 lies in [0, 1]: -1 before any */
    if (same && S->pruner) rc = sqk_pruner_begin(S->pruner, &id);
    for (char *f = logged->curve, *end; !rc && same && *f && !pruned; f = *end ? end + 1 : end) {
        double f1 = strtod(f, &end);
        same = end != f && (*end == ';' || !*end);
        if (f1 > best_f1) best_f1 = f1, best_epoch = epochs + 1;
        if (same && S->pruner) rc = sqk_pruner_report(S->pruner, id, ++epochs, f1, &pruned);
        else epochs++;
        if (same && pruned) same = !*end; /* stopped where the log ends, no sooner */
    }
    if (!rc && same) same = epochs == logged->epochs && pruned == logged->pruned;
    /* the early stopping of this search's patience: a trial ends at its epoch cap or patience
     * epochs after its best, a pruned one no later */
    if (!rc && same && epochs > 0 && logged->ok && sqk_hparams_index(&hp, "patience") >= 0) {
        int stop = best_epoch + sqk_hp_int(&hp, "patience"), cap = sqk_hp_int(&hp, "epochs");
        same = pruned ? epochs <= stop : epochs == stop || epochs == cap;
    }
    if (!rc && !same)
        return sqk_fail(SQK_EFORMAT, "%s line %d: trial %d is not the one this search suggests: the log "
                        "was written by a search with other options (--seed, --model, --algorithm, "
                        "--startup, --max-epochs, --patience, --pruner), another dataset or another program "
                        "version; give another --log, or remove it to start a new search",
                        o->log_path, t + 2, t + 1);
    if (rc) return rc;
    S->rows[t] = *logged;
    logged->values = logged->curve = NULL;
    trial_row *r = &S->rows[t];
    rc = sqk_tpe_observe_trial(tpe, x, pruner_kind(S), r->pruned, r->val_f1, r->epochs, best_f1 >= 0 ? best_f1 : NAN);
    if (!rc && S->pruner) rc = sqk_pruner_finish(S->pruner, id, r->ok && !r->pruned);
    if (!rc && r->ok && !r->pruned && (S->best < 0 || r->val_f1 > S->rows[S->best].val_f1)) {
        S->best = t;
        S->best_hp = hp;
    }
    return rc;
}

static int run_trial(search *S, sqk_tpe *tpe, const sqk_train_data *d, int t, double *x)
{
    const sqk_tune_options *o = S->o;
    sqk_hparams hp;
    trial_epochs te = {.pruner = S->pruner, .best_f1 = NAN};
    int rc = sqk_tpe_suggest(tpe, x);
    if (!rc) rc = trial_hparams(o, S->kind, S->space, x, &hp);
    if (!rc && S->pruner) rc = sqk_pruner_begin(S->pruner, &te.id);
    if (rc) return rc;
    double t0 = now_s(), f1 = 0;
    rc = sqk_train_fit_validate_epochs(d, &hp, o->threads, NULL, on_epoch, &te, &f1);
    if (!rc && te.rc) rc = te.rc;
    trial_row *r = &S->rows[t];
    /* A point the kind cannot build (e.g. convolutions longer than the window) scores F1 0;
     * running out of memory ends the search. */
    if (rc == SQK_EMEM) {
        free(te.curve);
        return rc;
    }
    if (rc) snprintf(S->last_error, sizeof S->last_error, "%s", sqk_last_error());
    r->ok = rc == SQK_OK;
    r->pruned = r->ok && te.pruned;
    r->epochs = te.epochs;
    /* a pruned trial is logged with its F1 at the epoch it was stopped */
    r->val_f1 = !r->ok ? 0 : r->pruned ? te.last_f1 : f1;
    r->seconds = now_s() - t0;
    r->curve = te.curve ? te.curve : sqk_strdup("");
    if (!r->curve) return SQK_EMEM;
    if (!(r->values = format_values(S->space, S->keys, S->nk, x, &hp))) return SQK_EMEM;
    rc = sqk_tpe_observe_trial(tpe, x, pruner_kind(S), r->pruned, r->val_f1, r->epochs, te.best_f1);
    if (!rc && S->pruner) rc = sqk_pruner_finish(S->pruner, te.id, r->ok && !r->pruned);
    if (!rc && r->ok && !r->pruned && (S->best < 0 || r->val_f1 > S->rows[S->best].val_f1)) {
        S->best = t;
        S->best_hp = hp;
    }
    if (!rc && o->log_path) rc = write_log(o->log_path, S->keys, S->nk, S->rows, t + 1);
    if (!rc && o->curves_path) rc = write_curves(o->curves_path, S->rows, t + 1);
    if (!rc && S->best == t) rc = write_best(o->out_path, &hp, t + 1, r->val_f1, &S->kept_better);
    return rc;
}

int sqk_tune_run(const sqk_tune_options *o, sqk_tune_summary *s)
{
    memset(s, 0, sizeof *s);
    search S = {.o = o, .best = -1};
    if (!(S.kind = sqk_model_kind_find(o->kind))) return SQK_EARG;
    if (!(S.space = sqk_tune_space_find(o->kind))) return SQK_EARG;
    if (o->n_trials < 1) return sqk_fail(SQK_EARG, "--trials must be at least 1");
    if (!o->out_path) return sqk_fail(SQK_EARG, "no output file for the best hyperparameters");
    sqk_tpe_config cfg;
    int rc = sqk_tpe_config_for(&cfg, o->algorithm ? o->algorithm : "tpe");
    if (rc) return rc;
    S.nk = log_keys(S.space, S.keys);
    sqk_train_data d;
    rc = sqk_train_data_read(&d, o->data_path);
    if (rc) return rc;
    size_t n_split[3] = {0, 0, 0};
    for (size_t i = 0; i < d.N; i++)
        if (d.split[i] < 3) n_split[d.split[i]]++;
    if (n_split[0] == 0 || n_split[1] == 0) {
        rc = sqk_fail(SQK_EEMPTY, "%s has no %s windows (split %d): the search needs both the "
                      "training and the validation split", o->data_path,
                      n_split[0] ? "validation" : "training", n_split[0] ? 1 : 0);
        sqk_train_data_free(&d);
        return rc;
    }
    if (o->n_startup > 0) cfg.n_startup = o->n_startup;
    trial_row *logged = NULL;
    int n_logged = 0;
    if (o->log_path && (rc = read_log(o->log_path, S.keys, S.nk, &logged, &n_logged))) {
        sqk_train_data_free(&d);
        return rc;
    }
    /* a log longer than --trials is kept whole: its best is not thrown away */
    int n_total = n_logged > o->n_trials ? n_logged : o->n_trials;
    sqk_tpe *tpe = NULL;
    double *x = sqk_malloc(S.space->n * sizeof *x);
    S.rows = sqk_calloc((size_t)n_total, sizeof *S.rows);
    /* the TPE parameters sit inside the space entries: copy them out */
    sqk_tpe_param *tp = sqk_malloc(S.space->n * sizeof *tp);
    rc = x && S.rows && tp ? SQK_OK : SQK_EMEM;
    for (int j = 0; !rc && j < S.space->n; j++) tp[j] = S.space->params[j].p;
    if (!rc) rc = sqk_tpe_create(&tpe, tp, S.space->n, &cfg, o->seed);
    if (!rc && o->pruner && o->pruner->kind != SQK_PRUNER_NONE) {
        sqk_pruner_config pc = *o->pruner; /* the floor: no skill on this validation split */
        double constant_f1[3];
        rc = sqk_constant_f1(d.y, d.split, d.N, SQK_SPLIT_VALIDATION, constant_f1);
        sqk_pruner_set_floor(&pc, constant_f1);
        if (!rc) rc = sqk_pruner_create(&S.pruner, &pc);
    }
    for (int t = 0; !rc && t < n_logged; t++) rc = replay_trial(&S, tpe, t, x, &logged[t]);
    /* a kill between the log and BEST.txt left the log's best unwritten */
    if (!rc && S.best >= 0)
        rc = write_best(o->out_path, &S.best_hp, S.best + 1, S.rows[S.best].val_f1, &S.kept_better);
    double t0 = now_s();
    for (int t = n_logged; !rc && t < o->n_trials; t++) {
        char what[96];
        snprintf(what, sizeof what, "trial %d/%d, best val F1 %.4f", t + 1, o->n_trials,
                 S.best >= 0 ? S.rows[S.best].val_f1 : 0.0);
        sqk_progress_report(o->progress, what, t, o->n_trials);
        rc = run_trial(&S, tpe, &d, t, x);
        if (!rc && o->on_trial) {
            sqk_tune_trial tr = {t + 1, o->n_trials, S.rows[t].val_f1,
                                 S.best >= 0 ? S.rows[S.best].val_f1 : 0, S.rows[t].seconds, S.best + 1,
                                 S.rows[t].epochs, S.rows[t].pruned};
            o->on_trial(o->ctx, &tr);
        }
    }
    if (!rc && S.best < 0)
        rc = sqk_fail(SQK_EVALUE, "no trial could be trained (last error: %s)", S.last_error);
    if (!rc) {
        s->best_trial = S.best + 1;
        s->n_trials = n_total;
        s->n_resumed = n_logged;
        s->kept_better = S.kept_better;
        s->best_val_f1 = S.rows[S.best].val_f1;
        s->seconds = now_s() - t0;
        for (int t = 0; t < n_total; t++) {
            s->epochs += S.rows[t].epochs;
            s->n_pruned += S.rows[t].pruned;
        }
    }
    for (int t = 0; S.rows && t < n_total; t++) { free(S.rows[t].values); free(S.rows[t].curve); }
    for (int t = 0; t < n_logged; t++) { free(logged[t].values); free(logged[t].curve); }
    free(logged);
    free(S.rows);
    free(x);
    free(tp);
    sqk_tpe_free(tpe);
    sqk_pruner_free(S.pruner);
    sqk_train_data_free(&d);
    return rc;
}
