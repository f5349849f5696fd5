/* Runs a plan into an output folder (docs/experiment.md):
 *
 *   OUT/plan.txt          the plan as run (a later run into OUT must have the same)
 *   OUT/inputs.txt        the archive it read
 *   OUT/journal.txt       one line per finished trial and unit, appended and fsync'ed
 *   OUT/datasets/NAME/    dataset.h5 (+ summary)             -- seqnetquake build
 *   OUT/searches/NAME/    best.txt, trials.csv               -- TPE search, in this process
 *   OUT/models/NAME/      model.h5, epochs.csv, test.csv, val.csv, eval/
 *                                                            -- train, predict, evaluate
 *   OUT/reports/NAME/     tables, figures, report.html        -- seqnetquake report
 *   OUT/logs/UNIT.log     what each unit's commands printed
 *
 * A unit is built in OUT/.partial/ and renamed into place whole before its journal line is
 * written, so a folder in place is complete; after kill -9 a rerun skips the journalled units,
 * replays the journalled trials of an interrupted search (the TPE then continues exactly as it
 * would have) and redoes the rest. */
#include "exp_internal.h"
#include "sqk/train.h"
#include "sqk/tuning.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

typedef struct {
    int search;          /* unit index */
    int ok;
    double val_f1;
    double *x;           /* (space n) */
} trial_record;

typedef struct {
    const sqk_plan *p;
    const sqk_experiment_options *o;
    int journal_fd;
    unsigned char *done; /* (n_units) */
    trial_record *trials;
    size_t n_trials, cap_trials;
    double t0, work_done, work_total, work_s; /* progress: weights of units, seconds spent */
    char archive[4096];  /* absolute */
    sqk_experiment_summary *s;
} runner;

static const char *type_dir(sqk_unit_type t)
{
    static const char *d[] = {"datasets", "searches", "models", "reports"};
    return d[t];
}

static const char *type_word(sqk_unit_type t)
{
    static const char *d[] = {"dataset", "search", "model", "report"};
    return d[t];
}

/* ---- journal ---- */
static int journal_append(runner *R, const char *line)
{
    size_t n = strlen(line);
    if (write(R->journal_fd, line, n) != (ssize_t)n || fsync(R->journal_fd) != 0)
        return sqk_fail(SQK_EIO, "%s/journal.txt: cannot append: %s", R->o->out, strerror(errno));
    return SQK_OK;
}

static int space_of(const sqk_plan_unit *u, const sqk_tune_space **s)
{
    *s = sqk_tune_space_find(sqk_plan_get(u, "model"));
    return *s ? SQK_OK : SQK_EARG;
}

static int find_named(const sqk_plan *p, const char *type, const char *name)
{
    for (int i = 0; i < p->n_units; i++)
        if (!strcmp(type_word(p->units[i].type), type) && !strcmp(p->units[i].name, name)) return i;
    return -1;
}

/* Reads OUT/journal.txt: "done TYPE NAME" and "trial SEARCH K OK VAL_F1 x..." lines. A last
 * line without its newline was cut by a kill: it is dropped (and cut off the file). */
static int journal_open(runner *R)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/journal.txt", R->o->out);
    size_t n = 0;
    char *text = exp_read_all(path, &n);
    if (!text && errno != ENOENT) return sqk_fail(SQK_EIO, "%s: %s", path, strerror(errno));
    size_t keep = 0;
    int rc = SQK_OK, line = 0;
    for (char *s = text; s && *s && !rc;) {
        char *nl = strchr(s, '\n');
        if (!nl) break;
        *nl = 0;
        line++;
        char word[16], type[16], name[128];
        int k, ok, used;
        double f1;
        if (sscanf(s, "done %15s %127s", type, name) == 2) {
            int u = find_named(R->p, type, name);
            if (u < 0) rc = sqk_fail(SQK_EFORMAT, "%s:%d: %s %s is not in the plan", path, line, type, name);
            else R->done[u] = 1;
        } else if (sscanf(s, "%15s %127s %d %d %lf%n", word, name, &k, &ok, &f1, &used) == 5 && !strcmp(word, "trial")) {
            int u = find_named(R->p, "search", name);
            const sqk_tune_space *sp;
            if (u < 0 || space_of(&R->p->units[u], &sp)) {
                rc = sqk_fail(SQK_EFORMAT, "%s:%d: search %s is not in the plan", path, line, name);
                break;
            }
            if (sqk_grow((void **)&R->trials, &R->cap_trials, R->n_trials + 1, sizeof *R->trials)) { rc = SQK_EMEM; break; }
            trial_record *t = &R->trials[R->n_trials];
            if (!(t->x = sqk_malloc((size_t)sp->n * sizeof *t->x))) { rc = SQK_EMEM; break; }
            R->n_trials++;
            t->search = u;
            t->ok = ok;
            t->val_f1 = f1;
            const char *c = s + used;
            for (int j = 0; j < sp->n && !rc; j++) {
                char *end;
                t->x[j] = strtod(c, &end);
                if (end == c) rc = sqk_fail(SQK_EFORMAT, "%s:%d: trial %d of %s has too few values", path, line, k, name);
                c = end;
            }
        } else {
            rc = sqk_fail(SQK_EFORMAT, "%s:%d: not a journal line", path, line);
        }
        s = nl + 1;
        keep = (size_t)(s - text);
    }
    free(text);
    if (rc) return rc;
    R->journal_fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (R->journal_fd < 0 || ftruncate(R->journal_fd, (off_t)keep) != 0)
        return sqk_fail(SQK_EIO, "%s: %s", path, strerror(errno));
    return SQK_OK;
}

static void common_args(runner *R, exp_cmdline *c)
{
    exp_arg(c, "--seed");
    exp_arg(c, "%llu", (unsigned long long)R->p->seed);
    exp_arg(c, "--quiet");
}

static int run_dataset(runner *R, const sqk_plan_unit *u, const char *stage, const char *log)
{
    exp_cmdline c = {.argc = 0};
    exp_arg(&c, "build");
    exp_arg(&c, "--archive");
    exp_arg(&c, "%s", R->archive);
    for (int i = 0; i < u->n_kv; i++) {
        exp_arg(&c, "--%s", u->key[i]);
        exp_arg(&c, "%s", u->value[i]);
    }
    exp_arg(&c, "--threads");
    exp_arg(&c, "%d", R->o->threads);
    exp_arg(&c, "--out");
    exp_arg(&c, "dataset.h5");
    common_args(R, &c);
    char what[128];
    snprintf(what, sizeof what, "dataset %s", u->name);
    return exp_spawn(R->o->self_exe, &c, stage, log, what);
}

static int run_model(runner *R, const sqk_plan_unit *u, const char *stage, const char *log)
{
    const sqk_plan *p = R->p;
    const char *v;
    char data[256], what[128];
    snprintf(data, sizeof data, "../../datasets/%s/dataset.h5", p->units[u->data].name);
    snprintf(what, sizeof what, "model %s", u->name);
    exp_cmdline c = {.argc = 0};
    exp_arg(&c, "train");
    exp_arg(&c, "--data");
    exp_arg(&c, "%s", data);
    exp_arg(&c, "--model");
    exp_arg(&c, "%s", sqk_plan_get(u, "kind"));
    if (u->params >= 0) {
        exp_arg(&c, "--params");
        exp_arg(&c, "../../searches/%s/best.txt", p->units[u->params].name);
    }
    if (u->init >= 0) {
        exp_arg(&c, "--init");
        exp_arg(&c, "../../models/%s/model.h5", p->units[u->init].name);
    }
    if ((v = sqk_plan_get(u, "freeze"))) {
        exp_arg(&c, "--freeze");
        exp_arg(&c, "%s", v);
    }
    if ((v = sqk_plan_get(u, "epochs"))) {
        exp_arg(&c, "--set");
        exp_arg(&c, "epochs=%s", v);
    }
    exp_arg(&c, "--threads");
    exp_arg(&c, "%d", R->o->threads);
    exp_arg(&c, "--out");
    exp_arg(&c, "model.h5");
    exp_arg(&c, "--log");
    exp_arg(&c, "epochs.csv");
    common_args(R, &c);
    int rc = exp_spawn(R->o->self_exe, &c, stage, log, what);
    static const char *splits[2][2] = {{"test", "test.csv"}, {"validation", "val.csv"}};
    for (int k = 0; k < 2 && !rc; k++) {
        exp_cmdline d = {.argc = 0};
        exp_arg(&d, "predict");
        exp_arg(&d, "--model");
        exp_arg(&d, "model.h5");
        exp_arg(&d, "--data");
        exp_arg(&d, "%s", data);
        exp_arg(&d, "--split");
        exp_arg(&d, "%s", splits[k][0]);
        exp_arg(&d, "--threads");
        exp_arg(&d, "%d", R->o->threads);
        exp_arg(&d, "--out");
        exp_arg(&d, "%s", splits[k][1]);
        exp_arg(&d, "--quiet");
        rc = exp_spawn(R->o->self_exe, &d, stage, log, what);
    }
    if (!rc) {
        exp_cmdline e = {.argc = 0};
        exp_arg(&e, "evaluate");
        exp_arg(&e, "--pred");
        exp_arg(&e, "test.csv");
        exp_arg(&e, "--val-pred");
        exp_arg(&e, "val.csv");
        exp_arg(&e, "--data");
        exp_arg(&e, "%s", data);
        char truth[4200];
        snprintf(truth, sizeof truth, "%s/truth.csv", R->archive);
        if (access(truth, R_OK) == 0) {
            exp_arg(&e, "--truth");
            exp_arg(&e, "%s", truth);
        }
        exp_arg(&e, "--name");
        exp_arg(&e, "%s", u->name);
        if ((v = sqk_plan_get(u, "figures")) && !strcmp(v, "0")) exp_arg(&e, "--no-figures");
        for (int k = 0; k < 2; k++) {
            static const char *keys[2] = {"bootstrap", "permutations"};
            if ((v = sqk_plan_get(u, keys[k]))) {
                exp_arg(&e, "--%s", keys[k]);
                exp_arg(&e, "%s", v);
            }
        }
        exp_arg(&e, "--out");
        exp_arg(&e, "eval");
        common_args(R, &e);
        rc = exp_spawn(R->o->self_exe, &e, stage, log, what);
    }
    return rc;
}

static int run_report(runner *R, const sqk_plan_unit *u, const char *stage, const char *log)
{
    exp_cmdline c = {.argc = 0};
    const char *v;
    exp_arg(&c, "report");
    char list[256];
    snprintf(list, sizeof list, "%s", sqk_plan_get(u, "eval"));
    for (char *save = NULL, *m = strtok_r(list, ",", &save); m; m = strtok_r(NULL, ",", &save)) {
        exp_arg(&c, "--eval");
        exp_arg(&c, "../../models/%s/eval", m);
    }
    if ((v = sqk_plan_get(u, "table"))) {
        exp_arg(&c, "--table");
        exp_arg(&c, "%s", v);
    }
    exp_arg(&c, "--title");
    exp_arg(&c, "%s", (v = sqk_plan_get(u, "title")) ? v : u->name);
    exp_arg(&c, "--out");
    exp_arg(&c, ".");
    exp_arg(&c, "--quiet");
    char what[128];
    snprintf(what, sizeof what, "report %s", u->name);
    return exp_spawn(R->o->self_exe, &c, stage, log, what);
}

/* ---- searches, in this process ---- */
typedef struct {
    const sqk_tune_space *space;
    const sqk_model_kind *kind;
    int max_epochs;
    uint64_t seed;
} search_ctx;

/* A trial's hyperparameters: the kind's defaults, the seed, the point, the epoch cap (as
 * seqnetquake tune). */
static int trial_hparams(const search_ctx *S, const double *x, sqk_hparams *hp)
{
    sqk_hparams_default(hp, S->kind);
    char v[32];
    snprintf(v, sizeof v, "%llu", (unsigned long long)(S->seed % 2147483648ull));
    int rc = sqk_hparams_set_value(hp, "seed", v);
    if (!rc) rc = sqk_tune_space_apply(S->space, x, hp);
    if (!rc && S->max_epochs > 0 && sqk_hparams_index(hp, "epochs") >= 0 && sqk_hp_int(hp, "epochs") > S->max_epochs) {
        snprintf(v, sizeof v, "%d", S->max_epochs);
        rc = sqk_hparams_set_value(hp, "epochs", v);
    }
    return rc;
}

static int same_point(const double *a, const double *b, int n)
{
    for (int j = 0; j < n; j++)
        if (!(a[j] == b[j] || (isnan(a[j]) && isnan(b[j])))) return 0;
    return 1;
}

/* trials.csv: trial, the space's parameters (empty when inactive), val_f1, ok */
static int write_trials(const char *path, const search_ctx *S, const trial_record *const *t, int n)
{
    sqk_atomic_file a;
    int rc = sqk_atomic_open(&a, path);
    if (rc) return rc;
    fprintf(a.f, "trial");
    for (int j = 0; j < S->space->n; j++) fprintf(a.f, ",%s", S->space->params[j].p.name);
    fprintf(a.f, ",val_f1,ok\n");
    for (int i = 0; i < n; i++) {
        fprintf(a.f, "%d", i + 1);
        for (int j = 0; j < S->space->n; j++) {
            const sqk_tune_param *q = &S->space->params[j];
            double v = t[i]->x[j];
            if (isnan(v)) fprintf(a.f, ",");
            else if (q->p.dist == SQK_TPE_CHOICE) {
                /* the option's value, from the comma-separated list */
                const char *o = q->values;
                for (int k = 0; k < (int)v && o; k++) o = strchr(o, ',') ? strchr(o, ',') + 1 : NULL;
                fprintf(a.f, ",%.*s", o ? (int)strcspn(o, ",") : 0, o ? o : "");
            } else fprintf(a.f, ",%.10g", v);
        }
        fprintf(a.f, ",%.6g,%d\n", t[i]->val_f1, t[i]->ok);
    }
    return sqk_atomic_close(&a, SQK_OK);
}

static int run_search(runner *R, int ui, const char *stage)
{
    const sqk_plan_unit *u = &R->p->units[ui];
    search_ctx S = {.seed = R->p->seed};
    const char *v;
    int trials = (v = sqk_plan_get(u, "trials")) ? atoi(v) : 100;
    S.max_epochs = (v = sqk_plan_get(u, "max-epochs")) ? atoi(v) : 0;
    if (space_of(u, &S.space) || !(S.kind = sqk_model_kind_find(sqk_plan_get(u, "model")))) return SQK_EARG;
    sqk_tpe_config cfg;
    int rc = sqk_tpe_config_for(&cfg, (v = sqk_plan_get(u, "algorithm")) ? v : "tpe");
    if (rc) return rc;
    if ((v = sqk_plan_get(u, "startup"))) cfg.n_startup = atoi(v);
    char data[4096];
    snprintf(data, sizeof data, "%s/datasets/%s/dataset.h5", R->o->out, R->p->units[u->data].name);
    sqk_train_data d;
    if ((rc = sqk_train_data_read(&d, data))) return rc;
    int n = S.space->n;
    sqk_tpe_param *tp = sqk_malloc((size_t)n * sizeof *tp);
    double *x = sqk_malloc((size_t)n * sizeof *x);
    const trial_record **mine = sqk_calloc((size_t)trials + 1, sizeof *mine);
    sqk_tpe *tpe = NULL;
    rc = tp && x && mine ? SQK_OK : SQK_EMEM;
    for (int j = 0; !rc && j < n; j++) tp[j] = S.space->params[j].p;
    if (!rc) rc = sqk_tpe_create(&tpe, tp, n, &cfg, S.seed);
    int k = 0, best = -1;
    /* the journalled trials, replayed: the TPE suggests each again and must agree */
    for (size_t i = 0; !rc && i < R->n_trials && k < trials; i++) {
        const trial_record *t = &R->trials[i];
        if (t->search != ui) continue;
        if ((rc = sqk_tpe_suggest(tpe, x))) break;
        if (!same_point(x, t->x, n)) {
            rc = sqk_fail(SQK_EFORMAT, "%s/journal.txt: trial %d of search %s is not the one this plan suggests "
                          "(was the program changed?): use a new --out folder", R->o->out, k + 1, u->name);
            break;
        }
        rc = sqk_tpe_observe(tpe, x, -t->val_f1);
        mine[k++] = t;
        R->s->trials_replayed++;
    }
    for (; !rc && k < trials; k++) {
        char what[160];
        snprintf(what, sizeof what, "search %s: trial %d/%d", u->name, k + 1, trials);
        sqk_progress_report(R->o->progress, what, k, trials);
        sqk_hparams hp;
        if ((rc = sqk_tpe_suggest(tpe, x)) || (rc = trial_hparams(&S, x, &hp))) break;
        double f1 = 0;
        int trc = sqk_train_fit_validate(&d, &hp, R->o->threads, NULL, &f1);
        if (trc == SQK_EMEM) { rc = trc; break; }
        int ok = trc == SQK_OK && isfinite(f1);
        if (!ok) f1 = 0; /* a point the kind cannot build scores 0, as in tune */
        /* journal first, then the record: a trial is done once its line is on disk */
        size_t cap = 64 + 32 * (size_t)n, len;
        char *line = sqk_malloc(cap);
        if (!line) { rc = SQK_EMEM; break; }
        len = (size_t)snprintf(line, cap, "trial %s %d %d %.17g", u->name, k + 1, ok, f1);
        for (int j = 0; j < n; j++) len += (size_t)snprintf(line + len, cap - len, " %.17g", x[j]);
        snprintf(line + len, cap - len, "\n");
        rc = journal_append(R, line);
        free(line);
        if (rc) break;
        if (sqk_grow((void **)&R->trials, &R->cap_trials, R->n_trials + 1, sizeof *R->trials)) { rc = SQK_EMEM; break; }
        trial_record *t = &R->trials[R->n_trials];
        if (!(t->x = sqk_malloc((size_t)n * sizeof *t->x))) { rc = SQK_EMEM; break; }
        memcpy(t->x, x, (size_t)n * sizeof *x);
        t->search = ui;
        t->ok = ok;
        t->val_f1 = f1;
        R->n_trials++;
        /* R->trials may have moved: re-point this search's records */
        for (size_t i = 0, m = 0; i < R->n_trials && m <= (size_t)trials; i++)
            if (R->trials[i].search == ui) mine[m++] = &R->trials[i];
        rc = sqk_tpe_observe(tpe, x, -f1);
        R->s->trials_run++;
    }
    for (int i = 0; !rc && i < trials; i++)
        if (mine[i]->ok && (best < 0 || mine[i]->val_f1 > mine[best]->val_f1)) best = i;
    if (!rc && best < 0) rc = sqk_fail(SQK_EVALUE, "search %s: no trial could be trained", u->name);
    if (!rc) {
        sqk_hparams hp;
        char path[4200];
        rc = trial_hparams(&S, mine[best]->x, &hp);
        char *text = rc ? NULL : sqk_hparams_format(&hp);
        if (!rc && !text) rc = SQK_EMEM;
        snprintf(path, sizeof path, "%s/best.txt", stage);
        if (!rc) rc = exp_write_text_atomic(path, text);
        free(text);
        snprintf(path, sizeof path, "%s/trials.csv", stage);
        if (!rc) rc = write_trials(path, &S, mine, trials);
    }
    sqk_tpe_free(tpe);
    free(tp);
    free(x);
    free(mine);
    sqk_train_data_free(&d);
    return rc;
}

/* ---- the run ---- */
static double unit_weight(const sqk_plan_unit *u)
{
    const char *v;
    switch (u->type) {
    case SQK_UNIT_SEARCH: {
        int trials = (v = sqk_plan_get(u, "trials")) ? atoi(v) : 100;
        const char *k = sqk_plan_get(u, "model");
        return trials * (!strcmp(k, "gbm") || !strcmp(k, "rf") ? 0.2 : 1.0);
    }
    case SQK_UNIT_MODEL: {
        const char *k = sqk_plan_get(u, "kind");
        return !strcmp(k, "gbm") || !strcmp(k, "rf") ? 0.5 : 2.0;
    }
    default:
        return 0.5;
    }
}

static void format_duration(char *buf, size_t n, double s)
{
    if (s < 90) snprintf(buf, n, "%.0f s", s);
    else if (s < 5400) snprintf(buf, n, "%.0f min", s / 60);
    else snprintf(buf, n, "%.1f h", s / 3600);
}

static int run_unit(runner *R, int i)
{
    const sqk_plan_unit *u = &R->p->units[i];
    const char *out = R->o->out;
    char stage[4096], final[4096], log[4096], line[256];
    snprintf(stage, sizeof stage, "%s/.partial/%s-%s", out, type_word(u->type), u->name);
    snprintf(final, sizeof final, "%s/%s/%s", out, type_dir(u->type), u->name);
    snprintf(log, sizeof log, "%s/logs/%s-%s.log", out, type_word(u->type), u->name);
    int rc = exp_rm_tree(stage);
    if (!rc) rc = sqk_mkdir_p(stage);
    if (!rc) {
        FILE *f = fopen(log, "w"); /* a fresh log for each attempt */
        if (f) fclose(f);
    }
    double t0 = exp_now_s();
    if (!rc) {
        switch (u->type) {
        case SQK_UNIT_DATASET: rc = run_dataset(R, u, stage, log); break;
        case SQK_UNIT_SEARCH: rc = run_search(R, i, stage); break;
        case SQK_UNIT_MODEL: rc = run_model(R, u, stage, log); break;
        case SQK_UNIT_REPORT: rc = run_report(R, u, stage, log); break;
        }
    }
    /* commit: the whole folder into place, then its journal line */
    if (!rc) rc = exp_rm_tree(final);
    if (!rc && rename(stage, final) != 0) rc = sqk_fail(SQK_EIO, "%s: cannot rename into place: %s", final, strerror(errno));
    if (!rc) {
        snprintf(line, sizeof line, "done %s %s\n", type_word(u->type), u->name);
        rc = journal_append(R, line);
    }
    if (rc) return rc;
    double dt = exp_now_s() - t0, w = unit_weight(u);
    R->work_done += w;
    R->work_s += dt;
    R->s->units_run++;
    R->s->units_done++;
    if (R->o->on_unit) {
        char took[32], eta[32];
        format_duration(took, sizeof took, dt);
        format_duration(eta, sizeof eta, R->work_s / R->work_done * (R->work_total - R->work_done));
        snprintf(line, sizeof line, "[%d/%d] %s %s done in %s; ETA %s", R->s->units_done, R->p->n_units,
                 type_word(u->type), u->name, took, R->work_done < R->work_total ? eta : "-");
        R->o->on_unit(R->o->ctx, line);
    }
    return SQK_OK;
}

int sqk_experiment_run(const sqk_plan *p, const sqk_experiment_options *o, sqk_experiment_summary *s)
{
    memset(s, 0, sizeof *s);
    runner R = {.p = p, .o = o, .journal_fd = -1, .s = s, .t0 = exp_now_s()};
    char path[4096], inputs[4200];
    int rc = sqk_mkdir_p(o->out);
    if (rc) return rc;
    /* one run at a time into a folder */
    snprintf(path, sizeof path, "%s/.lock", o->out);
    int lock = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (lock < 0) return sqk_fail(SQK_EIO, "%s: %s", path, strerror(errno));
    if (flock(lock, LOCK_EX | LOCK_NB) != 0) {
        close(lock);
        return sqk_fail(SQK_EARG, "%s: another experiment is running into this folder", o->out);
    }
    char *archive = R.archive;
    if (!realpath(o->archive, archive)) {
        rc = sqk_fail(SQK_EIO, "%s: the archive folder: %s", o->archive, strerror(errno));
        goto done;
    }
    snprintf(inputs, sizeof inputs, "archive %s\n", archive);
    if ((rc = exp_check_same_text(o->out, "plan.txt", p->text, "plan")) ||
        (rc = exp_check_same_text(o->out, "inputs.txt", inputs, "archive")))
        goto done;
    if (!(R.done = sqk_calloc((size_t)p->n_units, 1))) { rc = SQK_EMEM; goto done; }
    if ((rc = journal_open(&R))) goto done;
    snprintf(path, sizeof path, "%s/.partial", o->out);
    if ((rc = exp_rm_tree(path))) goto done;
    for (int t = 0; t < 4 && !rc; t++) {
        static const char *dirs[] = {"datasets", "searches", "models", "reports"};
        snprintf(path, sizeof path, "%s/%s", o->out, dirs[t]);
        rc = sqk_mkdir_p(path);
    }
    snprintf(path, sizeof path, "%s/logs", o->out);
    if (!rc) rc = sqk_mkdir_p(path);
    for (int i = 0; i < p->n_units; i++) {
        if (R.done[i]) s->units_done++;
        else R.work_total += unit_weight(&p->units[i]);
    }
    for (int i = 0; !rc && i < p->n_units; i++)
        if (!R.done[i]) rc = run_unit(&R, i);
    s->seconds = exp_now_s() - R.t0;
done:
    if (R.journal_fd >= 0) close(R.journal_fd);
    for (size_t i = 0; i < R.n_trials; i++) free(R.trials[i].x);
    free(R.trials);
    free(R.done);
    close(lock);
    return rc;
}
