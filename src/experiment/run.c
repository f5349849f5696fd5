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
 * would have) and redoes the rest.
 *
 * The scheduler feeds a farm (farm.h), longest critical path first (next_task): the units
 * whose inputs are done and the trials of running searches (suggested with the trials in
 * flight as constant liars). The local farm has one slot, so a run without MPI is the serial
 * run; under mpirun the ranks are the slots and rank 0 alone writes the journal; the simulated
 * farm plays N ranks in this process to measure the schedule. */
#include "exp_internal.h"
#include "farm.h"
#include "sqk/dataset.h"
#include "sqk/model.h"
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

_Static_assert((int)FARM_MAX_CURVE == (int)SQK_PLAN_MAX_PRUNED_EPOCHS, "a pruned trial's whole curve travels back");

typedef struct {
    int search;          /* unit index */
    int ok;
    double val_f1;
    double *x;           /* (space n) */
    int number;          /* the search's K-th suggestion */
    int serial;          /* made while the run had one worker (see search_start) */
    int epochs;          /* epochs trained; -1: journalled before learning curves were */
    int pruned;          /* the pruner stopped it */
    int n_curve;         /* curve[e - 1]: the validation F1 after epoch e (the first n_curve) */
    double *curve;
} trial_record;

typedef struct unit_state unit_state;

typedef struct {
    const sqk_plan *p;
    const sqk_experiment_options *o;
    int journal_fd;
    unsigned char *done; /* (n_units) */
    unsigned char *failed; /* (n_units): failed in this run (--keep-going goes on without it) */
    char first_error[FARM_MSG]; /* the first unit failure's message, and its status */
    int first_rc;
    trial_record *trials;
    size_t n_trials, cap_trials;
    int journal_workers; /* the workers of the run that wrote the journal's last trials */
    long long journal_bytes; /* written so far */
    double t0, work_done, work_total; /* progress: weights of units */
    char archive[4096];  /* absolute */
    sqk_experiment_summary *s;
    farm *F;
    unit_state *u;       /* (n_units) */
    farm_task *slot_task;/* (F->slots): what each slot is doing */
    int *slot_busy;
    double *weight;      /* (n_units): the expected length of each unit (weigh) */
    double *size;        /* (n_units): datasets done: windows x samples x features (0: not known) */
    unsigned char *in_run; /* (n_units): not done when this run started (the ETA's work) */
    double *below;       /* (n_units): the longest chain of work after each unit (weigh_paths) */
    int *first_input;    /* (n_units + 1): unit i reads inputs[first_input[i] .. first_input[i + 1] - 1] */
    int *inputs;         /* (list_inputs) */
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
    R->journal_bytes += (long long)n;
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

static int search_prunes(const sqk_plan_unit *u)
{
    const char *v = sqk_plan_get(u, "pruner");
    return v && strcmp(v, "none");
}

static void trial_record_free(trial_record *t)
{
    free(t->x);
    free(t->curve);
    t->x = t->curve = NULL;
}

/* One trial line of the journal (s, without its line end):
 *   trial SEARCH K OK VAL_F1 x1 ... xn epochs E pruned P curve F1;F1;...   ("curve -": none)
 * A line from before learning curves were journalled ends after the point (epochs -1). The
 * record's x and curve are malloc'd. */
static int parse_trial(const runner *R, const char *s, const char *path, int line, trial_record *t)
{
    char name[128];
    int used = 0, e, pruned;
    memset(t, 0, sizeof *t);
    if (sscanf(s, "trial %127s %d %d %lf%n", name, &t->number, &t->ok, &t->val_f1, &used) != 4)
        return sqk_fail(SQK_EFORMAT, "%s:%d: not a journal line", path, line);
    const sqk_tune_space *sp;
    if ((t->search = find_named(R->p, "search", name)) < 0 || space_of(&R->p->units[t->search], &sp))
        return sqk_fail(SQK_EFORMAT, "%s:%d: search %s is not in the plan", path, line, name);
    if (!(t->x = sqk_malloc((size_t)sp->n * sizeof *t->x))) return SQK_EMEM;
    const char *c = s + used;
    for (int j = 0; j < sp->n; j++) {
        char *end;
        t->x[j] = strtod(c, &end);
        if (end == c) return sqk_fail(SQK_EFORMAT, "%s:%d: trial %d of %s has too few values", path, line, t->number, name);
        c = end;
    }
    t->epochs = -1;
    while (*c == ' ') c++;
    if (!*c) return SQK_OK;
    used = 0;
    if (sscanf(c, "epochs %d pruned %d curve %n", &e, &pruned, &used) != 2 || !used || e < 0 || pruned < 0 || pruned > 1)
        return sqk_fail(SQK_EFORMAT, "%s:%d: trial %d of %s: damaged epochs, pruned or curve", path, line, t->number, name);
    t->epochs = e;
    t->pruned = pruned;
    c += used;
    if (!strcmp(c, "-")) return SQK_OK;
    if (!(t->curve = sqk_malloc(((size_t)(e < FARM_MAX_CURVE ? e : FARM_MAX_CURVE) + 1) * sizeof *t->curve))) return SQK_EMEM;
    for (;;) {
        char *end;
        double f1 = strtod(c, &end);
        if (end == c || t->n_curve >= e || t->n_curve >= FARM_MAX_CURVE || (*end && *end != ';'))
            return sqk_fail(SQK_EFORMAT, "%s:%d: trial %d of %s: damaged curve", path, line, t->number, name);
        t->curve[t->n_curve++] = f1;
        if (!*end) return SQK_OK;
        c = end + 1;
    }
}

/* Reads OUT/journal.txt: "done TYPE NAME", trial lines (parse_trial) and "workers N" (the
 * trials below it were made by N workers; absent: one) lines. A last line without its newline
 * was cut by a kill: it is dropped (and cut off the file). */
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
        char type[16], name[128];
        int k;
        if (sscanf(s, "workers %d", &k) == 1 && k >= 1) {
            R->journal_workers = k;
        } else if (sscanf(s, "done %15s %127s", type, name) == 2) {
            int u = find_named(R->p, type, name);
            if (u < 0) rc = sqk_fail(SQK_EFORMAT, "%s:%d: %s %s is not in the plan", path, line, type, name);
            else R->done[u] = 1;
        } else if (!strncmp(s, "trial ", 6)) {
            if (sqk_grow((void **)&R->trials, &R->cap_trials, R->n_trials + 1, sizeof *R->trials)) { rc = SQK_EMEM; break; }
            trial_record *t = &R->trials[R->n_trials++]; /* freed with the others on failure */
            rc = parse_trial(R, s, path, line, t);
            t->serial = R->journal_workers == 1;
            if (!rc && t->epochs < 0 && search_prunes(&R->p->units[t->search]))
                rc = sqk_fail(SQK_EFORMAT, "%s:%d: trial %d of search %s has no learning curve (journalled by an "
                              "earlier version), which its pruner needs: use a new --out folder",
                              path, line, t->number, R->p->units[t->search].name);
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
    R->journal_bytes = (long long)keep;
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
    char list[sizeof u->value[0]];
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

/* ---- searches: the TPE in the scheduler, the trials in the workers ---- */
typedef struct {
    const sqk_tune_space *space;
    const sqk_model_kind *kind;
    int max_epochs, patience;
    uint64_t seed;
    sqk_pruner_config pruner;
} search_ctx;

/* The scheduler's view of a unit. */
struct unit_state {
    int running;
    double t0;
    /* searches */
    search_ctx S;
    sqk_tpe *tpe;
    int trials, started, finished;
    size_t *mine;        /* (trials): this search's records in R->trials, in journal order */
    int next_number;     /* of the next suggestion */
    double *retry_x;     /* (trials, n): suggestions lost in flight by an earlier run, */
    int *retry_number;   /* their numbers: given out again before new ones */
    int n_retry, retry_pos;
};

/* A trial's hyperparameters, as seqnetquake tune makes them. */
static int trial_hparams(const search_ctx *S, const double *x, sqk_hparams *hp)
{
    return sqk_tune_trial_hparams(S->kind, S->space, x, S->seed, S->max_epochs, S->patience, hp);
}

static int same_point(const double *a, const double *b, int n)
{
    for (int j = 0; j < n; j++)
        if (!(a[j] == b[j] || (isnan(a[j]) && isnan(b[j])))) return 0;
    return 1;
}

/* trials.csv: trial, the space's parameters (empty when inactive), val_f1, ok, epochs_run,
 * pruned, val_f1_curve (as tune's log; epochs_run and the curve are empty for trials journalled
 * before they were recorded) */
static int write_trials(const char *path, const search_ctx *S, const trial_record *const *t, int n)
{
    sqk_atomic_file a;
    int rc = sqk_atomic_open(&a, path);
    if (rc) return rc;
    fprintf(a.f, "trial");
    for (int j = 0; j < S->space->n; j++) fprintf(a.f, ",%s", S->space->params[j].p.name);
    fprintf(a.f, ",val_f1,ok,epochs_run,pruned,val_f1_curve\n");
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
        fprintf(a.f, ",%.6g,%d,", t[i]->val_f1, t[i]->ok);
        if (t[i]->epochs >= 0) fprintf(a.f, "%d", t[i]->epochs);
        fprintf(a.f, ",%d,", t[i]->pruned);
        for (int e = 0; e < t[i]->n_curve; e++) fprintf(a.f, "%s%.6g", e ? ";" : "", t[i]->curve[e]);
        fputc('\n', a.f);
    }
    return sqk_atomic_close(&a, SQK_OK);
}

/* The kind, space, epoch cap, seed and pruner of a search entry (checked by the plan). */
static int search_setup(const runner *R, const sqk_plan_unit *u, search_ctx *S)
{
    const char *v;
    memset(S, 0, sizeof *S);
    S->seed = R->p->seed;
    S->max_epochs = (v = sqk_plan_get(u, "max-epochs")) ? atoi(v) : 0;
    S->patience = (v = sqk_plan_get(u, "patience")) ? atoi(v) : 0;
    sqk_pruner_kind kind = SQK_PRUNER_NONE;
    if ((v = sqk_plan_get(u, "pruner")) && sqk_pruner_parse(&kind, v)) return sqk_fail_context(SQK_EARG, "search %s", u->name);
    sqk_pruner_config_default(&S->pruner, kind);
    if ((v = sqk_plan_get(u, "prune-startup"))) S->pruner.n_startup_trials = atoi(v);
    if ((v = sqk_plan_get(u, "prune-warmup"))) S->pruner.n_warmup_epochs = atoi(v);
    if ((v = sqk_plan_get(u, "min-resource"))) S->pruner.min_resource = atoi(v);
    if ((v = sqk_plan_get(u, "reduction-factor"))) S->pruner.reduction_factor = atoi(v);
    if ((v = sqk_plan_get(u, "floor-epochs"))) S->pruner.floor_epochs = atoi(v);
    if (space_of(u, &S->space) || !(S->kind = sqk_model_kind_find(sqk_plan_get(u, "model"))))
        return sqk_fail(SQK_EARG, "search %s: no search space for model=%s", u->name, sqk_plan_get(u, "model"));
    if (S->space->n > FARM_MAX_X)
        return sqk_fail(SQK_EARG, "search %s: %d hyperparameters (at most %d)", u->name, S->space->n, FARM_MAX_X);
    return SQK_OK;
}

/* ---- the work (a worker: this process's slot or another rank) ---- */
typedef struct {
    runner *R;
    sqk_train_data d;        /* the dataset of the last trial's search, kept for the next */
    int d_unit;              /* its unit (-1: none) */
    double constant_f1[3];   /* sqk_constant_f1 of its validation split, for the pruners */
} worker;

/* The pruner of a trial of search ui, as tune's pruner is when the trial begins: every trial of
 * the search journalled in the first `history` bytes of the journal (those finished or pruned
 * before this one was given out), in the order they were journalled, heard again (their
 * curves reported, then finished, or stopped when pruned or failed). With one worker that is
 * every earlier trial; with several, the trials still in flight are missing (docs/experiment.md,
 * "Pruning"). The verdicts of the replay are not asked for: they were the trials' own. */
static int pruner_history(const runner *R, int ui, const search_ctx *S, long long history, sqk_pruner **out)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/journal.txt", R->o->out);
    size_t n = 0;
    char *text = exp_read_all(path, &n);
    if (!text) return sqk_fail(SQK_EIO, "%s: %s", path, strerror(errno));
    int rc = (long long)n < history || (history > 0 && text[history - 1] != '\n')
        ? sqk_fail(SQK_EIO, "%s: shorter than the %lld bytes the scheduler wrote (is the output folder on a file "
                   "system every rank sees?)", path, history)
        : sqk_pruner_create(out, &S->pruner);
    size_t prefix_len = strlen(R->p->units[ui].name) + 7;
    char *prefix = sqk_malloc(prefix_len + 1), *seen = NULL;
    size_t cap_seen = 0;
    if (!rc && !prefix) rc = SQK_EMEM;
    if (!rc) snprintf(prefix, prefix_len + 1, "trial %s ", R->p->units[ui].name);
    int line = 0;
    for (char *s = text; !rc && s < text + history; line++) {
        char *nl = strchr(s, '\n');
        *nl = 0;
        if (!strncmp(s, prefix, prefix_len)) {
            trial_record t;
            int id;
            rc = parse_trial(R, s, path, line + 1, &t);
            if (!rc && t.epochs < 0)
                rc = sqk_fail(SQK_EFORMAT, "%s:%d: trial %d of search %s has no learning curve", path, line + 1,
                              t.number, R->p->units[ui].name);
            size_t had = cap_seen;
            if (!rc && t.number >= 1 && !(rc = sqk_grow((void **)&seen, &cap_seen, (size_t)t.number + 1, 1))) {
                memset(seen + had, 0, cap_seen - had); /* sqk_grow leaves the new room as it finds it */
                /* a number journalled twice: the first counts, as in search_start */
                int again = seen[t.number] == 1;
                seen[t.number] = 1;
                if (!again) rc = sqk_pruner_begin(*out, &id);
                for (int e = 0; !rc && !again && e < t.n_curve; e++) {
                    int verdict;
                    rc = sqk_pruner_report(*out, id, e + 1, t.curve[e], &verdict);
                }
                if (!rc && !again) rc = sqk_pruner_finish(*out, id, t.ok && !t.pruned);
            }
            trial_record_free(&t);
        }
        s = nl + 1;
    }
    free(prefix);
    free(seen);
    free(text);
    if (rc) {
        sqk_pruner_free(*out);
        *out = NULL;
    }
    return rc;
}

/* A trial's epochs as they come: the curve into the result, the pruner's verdict after each. */
typedef struct {
    sqk_pruner *pruner;
    int id, pruned, rc;
    double last_f1;
    farm_result *r;
} trial_epochs;

static int on_epoch(void *ctx, const sqk_epoch_stats *s)
{
    trial_epochs *te = ctx;
    te->r->epochs = s->epoch;
    te->last_f1 = s->val_f1;
    if (te->r->n_curve < FARM_MAX_CURVE) te->r->curve[te->r->n_curve++] = s->val_f1;
    if (!te->pruner) return 0;
    te->rc = sqk_pruner_report(te->pruner, te->id, s->epoch, s->val_f1, &te->pruned);
    return te->rc || te->pruned;
}

/* One trial: the point's hyperparameters trained on the training split and scored on the
 * validation split (the test split is never read), stopped early when the search's pruner
 * says so, as seqnetquake tune. */
static int trial_work(worker *W, const farm_task *t, farm_result *r)
{
    runner *R = W->R;
    const sqk_plan_unit *u = &R->p->units[t->unit];
    search_ctx S;
    int rc = search_setup(R, u, &S);
    if (rc) return rc;
    if (W->d_unit != u->data) {
        if (W->d_unit >= 0) sqk_train_data_free(&W->d);
        W->d_unit = -1;
        char data[4096];
        snprintf(data, sizeof data, "%s/datasets/%s/dataset.h5", R->o->out, R->p->units[u->data].name);
        if ((rc = sqk_train_data_read(&W->d, data))) return rc;
        W->d_unit = u->data;
        if ((rc = sqk_constant_f1(W->d.y, W->d.split, W->d.N, SQK_SPLIT_VALIDATION, W->constant_f1))) return rc;
    }
    sqk_hparams hp;
    if ((rc = trial_hparams(&S, t->x, &hp))) return rc;
    trial_epochs te = {.r = r};
    if (S.pruner.kind != SQK_PRUNER_NONE) {
        sqk_pruner_set_floor(&S.pruner, W->constant_f1);
        if ((rc = pruner_history(R, t->unit, &S, t->history, &te.pruner))) return rc;
        if ((rc = sqk_pruner_begin(te.pruner, &te.id))) {
            sqk_pruner_free(te.pruner);
            return rc;
        }
    }
    double f1 = 0;
    int trc = sqk_train_fit_validate_epochs(&W->d, &hp, R->o->threads, NULL, on_epoch, &te, &f1);
    if (!trc && te.rc) trc = te.rc;
    sqk_pruner_free(te.pruner);
    if (trc == SQK_EMEM) return trc;
    if (S.pruner.kind != SQK_PRUNER_NONE && r->epochs > FARM_MAX_CURVE)
        return sqk_fail(SQK_EARG, "search %s: trial %d ran %d epochs, more than the %d a pruned search records",
                        u->name, t->number, r->epochs, FARM_MAX_CURVE);
    r->ok = trc == SQK_OK && isfinite(f1);
    r->pruned = r->ok && te.pruned;
    /* a point the kind cannot build scores 0, a pruned trial its F1 at the epoch it was
     * stopped, as in tune */
    r->val_f1 = !r->ok ? 0 : r->pruned ? te.last_f1 : f1;
    return SQK_OK;
}

/* The windows x samples x features of a dataset file (0 when it cannot be read: the schedule's
 * estimates then stay the plan's). Read by the worker that built it, or before the schedule
 * starts: HDF5 is used by one thread of a process at a time. */
static double dataset_size(const char *path, const sqk_plan_unit *u)
{
    sqk_dataset d;
    if (sqk_dataset_read(path, "y", &d)) return 0;
    double n = (double)d.n * u->T * u->F;
    sqk_dataset_free(&d);
    return n;
}

/* A dataset, model or report: built in OUT/.partial/UNIT and renamed into place whole (its
 * journal line is the scheduler's). */
static int unit_work(runner *R, int i, double *size)
{
    const sqk_plan_unit *u = &R->p->units[i];
    const char *out = R->o->out;
    char stage[4096], final[4096], log[4096];
    snprintf(stage, sizeof stage, "%s/.partial/%s-%s", out, type_word(u->type), u->name);
    snprintf(final, sizeof final, "%s/%s/%s", out, type_dir(u->type), u->name);
    snprintf(log, sizeof log, "%s/logs/%s-%s.log", out, type_word(u->type), u->name);
    int rc = sqk_rm_tree(stage);
    if (!rc) rc = sqk_mkdir_p(stage);
    if (!rc) {
        FILE *f = fopen(log, "w"); /* a fresh log for each attempt */
        if (f) fclose(f);
    }
    if (!rc) {
        switch (u->type) {
        case SQK_UNIT_DATASET:
            rc = run_dataset(R, u, stage, log);
            if (!rc) {
                char file[4200];
                snprintf(file, sizeof file, "%s/dataset.h5", stage);
                *size = dataset_size(file, u);
            }
            break;
        case SQK_UNIT_MODEL: rc = run_model(R, u, stage, log); break;
        case SQK_UNIT_REPORT: rc = run_report(R, u, stage, log); break;
        case SQK_UNIT_SEARCH: rc = sqk_fail(SQK_EARG, "search %s is the scheduler's", u->name); break;
        }
    }
    if (!rc) rc = sqk_rm_tree(final);
    if (!rc && rename(stage, final) != 0) rc = sqk_fail(SQK_EIO, "%s: cannot rename into place: %s", final, strerror(errno));
    if (rc) { /* no half-built unit is left behind; its log says what went wrong */
        char msg[FARM_MSG];
        snprintf(msg, sizeof msg, "%s", sqk_last_error());
        sqk_rm_tree(stage);
        sqk_fail(rc, "%s", msg);
    }
    return rc;
}

static void do_task(void *ctx, const farm_task *t, farm_result *r)
{
    worker *W = ctx;
    const sqk_plan *p = W->R->p;
    if (t->unit < 0 || t->unit >= p->n_units) r->rc = sqk_fail(SQK_EARG, "a task names unit %d of %d", t->unit, p->n_units);
    else if (t->kind == FARM_UNIT) r->rc = unit_work(W->R, t->unit, &r->size);
    else r->rc = trial_work(W, t, r);
    if (r->rc) snprintf(r->msg, sizeof r->msg, "%s", sqk_last_error());
}

/* ---- the scheduler (this process, or rank 0 under mpirun) ---- */
/* A unit's expected length in units of one neural search trial (a neural kind's trial or model
 * is far longer than a tree kind's or a baseline's): for the ETA and the order work is given
 * out in (next_task). */
static double unit_weight(const sqk_plan_unit *u)
{
    const char *v;
    switch (u->type) {
    case SQK_UNIT_SEARCH: {
        int trials = (v = sqk_plan_get(u, "trials")) ? atoi(v) : 100;
        return trials * (sqk_model_kind_trains_epochs(sqk_model_kind_find(sqk_plan_get(u, "model"))) ? 1.0 : 0.2);
    }
    case SQK_UNIT_MODEL:
        return sqk_model_kind_trains_epochs(sqk_model_kind_find(sqk_plan_get(u, "kind"))) ? 2.0 : 0.5;
    default:
        return 0.5;
    }
}

/* The units unit i reads (its dataset, search, initial model; a report's models) into deps,
 * which holds n_units; returns how many. Every one comes before i in the plan. */
static int unit_inputs(const sqk_plan *p, int i, int *deps)
{
    const sqk_plan_unit *u = &p->units[i];
    int n = 0;
    if (u->data >= 0) deps[n++] = u->data;
    if (u->params >= 0) deps[n++] = u->params;
    if (u->init >= 0) deps[n++] = u->init;
    if (u->type == SQK_UNIT_REPORT) {
        char list[sizeof u->value[0]];
        snprintf(list, sizeof list, "%s", sqk_plan_get(u, "eval"));
        for (char *save = NULL, *m = strtok_r(list, ",", &save); m && n < p->n_units; m = strtok_r(NULL, ",", &save)) {
            int k = find_named(p, "model", m);
            deps[n++] = k; /* the plan's check makes k >= 0 */
        }
    }
    return n;
}

/* Every unit's inputs, resolved once (first_input, inputs). */
static int list_inputs(runner *R)
{
    const sqk_plan *p = R->p;
    int *scratch = sqk_malloc((size_t)p->n_units * sizeof *scratch), total = 0;
    R->first_input = sqk_malloc(((size_t)p->n_units + 1) * sizeof *R->first_input);
    if (!scratch || !R->first_input) {
        free(scratch);
        return SQK_EMEM;
    }
    for (int i = 0; i < p->n_units; i++) {
        R->first_input[i] = total;
        total += unit_inputs(p, i, scratch);
    }
    R->first_input[p->n_units] = total;
    free(scratch);
    if (!(R->inputs = sqk_malloc(((size_t)total + 1) * sizeof *R->inputs))) return SQK_EMEM;
    for (int i = 0; i < p->n_units; i++) unit_inputs(p, i, R->inputs + R->first_input[i]);
    return SQK_OK;
}

/* below[i]: the longest chain of unit weights among the units that need unit i, directly or
 * not (0 when none does): work that cannot start before i is done. */
static void weigh_paths(runner *R)
{
    for (int i = R->p->n_units - 1; i >= 0; i--) {
        double through = R->weight[i] + R->below[i];
        for (int k = R->first_input[i]; k < R->first_input[i + 1]; k++) {
            int in = R->inputs[k];
            if (in >= 0 && R->below[in] < through) R->below[in] = through;
        }
    }
}

/* Every unit's weight: unit_weight, a search's and a model's scaled by its dataset's size
 * against the mean of the datasets built (a trial on DataSet 10's 4,745 windows of 20 samples
 * takes far longer than one on DataSet 06's 212); the critical paths; the ETA's totals. */
static void weigh(runner *R)
{
    const sqk_plan *p = R->p;
    double sum = 0;
    int known = 0;
    for (int i = 0; i < p->n_units; i++)
        if (R->size[i] > 0) sum += R->size[i], known++;
    R->work_done = R->work_total = 0;
    for (int i = 0; i < p->n_units; i++) {
        const sqk_plan_unit *u = &p->units[i];
        double w = unit_weight(u);
        if ((u->type == SQK_UNIT_SEARCH || u->type == SQK_UNIT_MODEL) && u->data >= 0 && R->size[u->data] > 0)
            w *= R->size[u->data] * known / sum;
        R->weight[i] = w;
        R->below[i] = 0;
        if (R->in_run[i]) {
            R->work_total += w;
            if (R->done[i] || R->failed[i]) R->work_done += w;
        }
    }
    weigh_paths(R);
}

static void format_duration(char *buf, size_t n, double s)
{
    if (s < 90) snprintf(buf, n, "%.0f s", s);
    else if (s < 5400) snprintf(buf, n, "%.0f min", s / 60);
    else snprintf(buf, n, "%.1f h", s / 3600);
}

/* A unit is in place: its journal line, then the progress line with the ETA of the rest. */
static int unit_done(runner *R, int i)
{
    const sqk_plan_unit *u = &R->p->units[i];
    char line[256];
    snprintf(line, sizeof line, "done %s %s\n", type_word(u->type), u->name);
    int rc = journal_append(R, line);
    if (rc) return rc;
    R->done[i] = 1;
    double dt = exp_now_s() - R->u[i].t0;
    if (u->type == SQK_UNIT_DATASET) { /* its size known now (take_result): every weight again */
        weigh(R);
    } else {
        R->work_done += R->weight[i];
    }
    R->s->units_run++;
    R->s->units_done++;
    if (R->o->on_unit) {
        char took[32], eta[32];
        format_duration(took, sizeof took, dt);
        format_duration(eta, sizeof eta, (exp_now_s() - R->t0) / R->work_done * (R->work_total - R->work_done));
        snprintf(line, sizeof line, "[%d/%d] %s %s done in %s; ETA %s", R->s->units_done, R->p->n_units,
                 type_word(u->type), u->name, took, R->work_done < R->work_total - 1e-9 ? eta : "-");
        R->o->on_unit(R->o->ctx, line);
    }
    return SQK_OK;
}

/* A unit failed. Without --keep-going the run stops (no new work; the work in flight is
 * waited for). With it, the unit is left out, the units that need it cannot start, and the
 * rest goes on; the run still fails at its end. The journal says nothing of the failure: a
 * rerun tries the unit again. */
static int unit_failed(runner *R, int i, int rc, const char *msg)
{
    const sqk_plan_unit *u = &R->p->units[i];
    char copy[FARM_MSG], head[96]; /* msg may be the last error itself; it starts with the unit */
    snprintf(head, sizeof head, "%s %s ", type_word(u->type), u->name);
    size_t k = strlen(head);
    int named = !strncmp(msg, head, k);
    if (!named) head[k - 1] = 0;
    snprintf(copy, sizeof copy, "%s%s%.900s", named ? "" : head, named ? "" : ": ", msg);
    msg = copy;
    if (!R->first_error[0]) {
        snprintf(R->first_error, sizeof R->first_error, "%s", msg);
        R->first_rc = rc;
    }
    if (!R->o->keep_going || rc == SQK_EMEM) return sqk_fail(rc, "%s", msg);
    R->failed[i] = 1;
    R->u[i].running = 0;
    R->s->units_failed++;
    R->work_done += R->weight[i];
    if (R->o->on_unit) {
        char line[FARM_MSG + 16];
        snprintf(line, sizeof line, "[failed] %s", msg);
        R->o->on_unit(R->o->ctx, line);
    }
    return SQK_OK;
}

/* A search starts: its TPE, then the journalled trials replayed in the order suggested: the
 * K-th is suggested again. While every trial so far was made with one worker, it must be that
 * point (the TPE then goes on exactly as it would have); one made by several workers
 * (asynchronous: what was suggested depended on the trials in flight) is observed as
 * recorded. A number missing (a trial lost in flight) is given out again with the point drawn
 * for it now. So no point is suggested twice, and a search from the prior alone
 * (algorithm=random) has the same K-th point however the run was cut or spread. */
static int search_start(runner *R, int ui)
{
    const sqk_plan_unit *u = &R->p->units[ui];
    unit_state *st = &R->u[ui];
    const char *v;
    int rc = search_setup(R, u, &st->S);
    if (rc) return rc;
    st->trials = (v = sqk_plan_get(u, "trials")) ? atoi(v) : 100;
    sqk_tpe_config cfg;
    const char *algorithm = (v = sqk_plan_get(u, "algorithm")) ? v : "tpe";
    if ((rc = sqk_tpe_config_for(&cfg, strcmp(algorithm, "random") ? algorithm : "tpe"))) return rc;
    if ((v = sqk_plan_get(u, "startup"))) cfg.n_startup = atoi(v);
    if (!strcmp(algorithm, "random")) cfg.n_startup = st->trials; /* every point from the prior */
    int n = st->S.space->n;
    sqk_tpe_param tp[FARM_MAX_X];
    double x[FARM_MAX_X];
    for (int j = 0; j < n; j++) tp[j] = st->S.space->params[j].p;
    if (!(st->mine = sqk_calloc((size_t)st->trials + 1, sizeof *st->mine)) ||
        !(st->retry_x = sqk_calloc((size_t)st->trials * n + 1, sizeof *st->retry_x)) ||
        !(st->retry_number = sqk_calloc((size_t)st->trials + 1, sizeof *st->retry_number)))
        return SQK_EMEM;
    if ((rc = sqk_tpe_create(&st->tpe, tp, n, &cfg, st->S.seed))) return rc;
    /* this search's records in the order suggested */
    size_t *mine = sqk_calloc(R->n_trials + 1, sizeof *mine), cnt = 0;
    if (!mine) return SQK_EMEM;
    for (size_t i = 0; i < R->n_trials; i++)
        if (R->trials[i].search == ui) mine[cnt++] = i;
    for (size_t a = 1; a < cnt; a++) /* insertion sort: stable, and the journal is nearly in order */
        for (size_t b = a; b > 0 && R->trials[mine[b - 1]].number > R->trials[mine[b]].number; b--) {
            size_t tmp = mine[b];
            mine[b] = mine[b - 1];
            mine[b - 1] = tmp;
        }
    int max_number = cnt ? R->trials[mine[cnt - 1]].number : 0, exact = 1;
    size_t pos = 0;
    for (int K = 1; !rc && K <= max_number && st->finished < st->trials; K++) {
        if ((rc = sqk_tpe_suggest(st->tpe, x))) break;
        if (pos < cnt && R->trials[mine[pos]].number == K) {
            const trial_record *t = &R->trials[mine[pos]];
            exact &= t->serial;
            if (exact && !same_point(x, t->x, n)) {
                rc = sqk_fail(SQK_EFORMAT, "%s/journal.txt: trial %d of search %s is not the one this plan suggests "
                              "(was the program changed?): use a new --out folder", R->o->out, K, u->name);
                break;
            }
            rc = sqk_tpe_observe_trial(st->tpe, t->x, st->S.pruner.kind, t->pruned, t->val_f1, t->epochs,
                                       sqk_curve_best(t->curve, t->n_curve));
            st->mine[st->finished++] = mine[pos++];
            R->s->trials_replayed++;
        } else { /* lost in flight: done again, as the same K-th suggestion */
            exact = 0;
            memcpy(st->retry_x + (size_t)st->n_retry * n, x, (size_t)n * sizeof *x);
            st->retry_number[st->n_retry++] = K;
        }
        while (pos < cnt && R->trials[mine[pos]].number <= K) pos++; /* a number twice: the first counts */
    }
    free(mine);
    st->next_number = max_number + 1;
    st->started = st->finished;
    st->t0 = exp_now_s();
    st->running = 1;
    char stage[4096];
    snprintf(stage, sizeof stage, "%s/.partial/search-%s", R->o->out, u->name);
    if (!rc) rc = sqk_rm_tree(stage);
    if (!rc) rc = sqk_mkdir_p(stage);
    snprintf(stage, sizeof stage, "%s/logs/search-%s.log", R->o->out, u->name);
    FILE *f = rc ? NULL : fopen(stage, "w");
    if (f) fclose(f);
    return rc;
}

static int by_number(const void *a, const void *b)
{
    const trial_record *x = *(const trial_record *const *)a, *y = *(const trial_record *const *)b;
    return (x->number > y->number) - (x->number < y->number);
}

/* Every trial in: best.txt (train --params) and trials.csv into place, the journal line. */
static int search_finish(runner *R, int ui)
{
    const sqk_plan_unit *u = &R->p->units[ui];
    unit_state *st = &R->u[ui];
    const trial_record **mine = sqk_calloc((size_t)st->trials, sizeof *mine);
    if (!mine) return SQK_EMEM;
    int best = -1, rc = SQK_OK;
    for (int i = 0; i < st->trials; i++) mine[i] = &R->trials[st->mine[i]];
    /* in the order suggested (several workers finish them in another), so that a search whose
     * points do not depend on timing (algorithm=random) gives the same files on any ranks;
     * ties: the earlier suggestion */
    qsort(mine, (size_t)st->trials, sizeof *mine, by_number);
    for (int i = 0; i < st->trials; i++) {
        if (mine[i]->ok && !mine[i]->pruned && (best < 0 || mine[i]->val_f1 > mine[best]->val_f1)) best = i;
    }
    if (best < 0) rc = sqk_fail(SQK_EVALUE, "search %s: no trial could be trained to its end", u->name);
    char stage[4096], path[4200], final[4096];
    snprintf(stage, sizeof stage, "%s/.partial/search-%s", R->o->out, u->name);
    snprintf(final, sizeof final, "%s/searches/%s", R->o->out, u->name);
    if (!rc) {
        sqk_hparams hp;
        rc = trial_hparams(&st->S, mine[best]->x, &hp);
        char *text = rc ? NULL : sqk_hparams_format(&hp);
        if (!rc && !text) rc = SQK_EMEM;
        snprintf(path, sizeof path, "%s/best.txt", stage);
        if (!rc) rc = exp_write_text_atomic(path, text);
        free(text);
        snprintf(path, sizeof path, "%s/trials.csv", stage);
        if (!rc) rc = write_trials(path, &st->S, mine, st->trials);
    }
    free(mine);
    if (!rc) rc = sqk_rm_tree(final);
    if (!rc && rename(stage, final) != 0) rc = sqk_fail(SQK_EIO, "%s: cannot rename into place: %s", final, strerror(errno));
    sqk_tpe_free(st->tpe);
    st->tpe = NULL;
    st->running = 0;
    return rc ? rc : unit_done(R, ui);
}

/* The next search trial: suggested with this search's trials in flight as constant liars. */
static int next_trial(runner *R, int ui, farm_task *t)
{
    unit_state *st = &R->u[ui];
    int n = st->S.space->n;
    double *pending = sqk_malloc(((size_t)R->F->slots * n + 1) * sizeof *pending);
    size_t n_pending = 0;
    if (!pending) return SQK_EMEM;
    for (int s = 0; s < R->F->slots; s++)
        if (R->slot_busy[s] && R->slot_task[s].kind == FARM_TRIAL && R->slot_task[s].unit == ui)
            memcpy(pending + n * n_pending++, R->slot_task[s].x, (size_t)n * sizeof *pending);
    memset(t, 0, sizeof *t);
    t->kind = FARM_TRIAL;
    t->unit = ui;
    t->n_x = n;
    t->history = R->journal_bytes;
    if (st->retry_pos < st->n_retry) {
        t->number = st->retry_number[st->retry_pos];
        memcpy(t->x, st->retry_x + (size_t)st->retry_pos++ * n, (size_t)n * sizeof *t->x);
    } else {
        t->number = st->next_number++;
        int rc = sqk_tpe_suggest_pending(st->tpe, t->x, pending, n_pending);
        if (rc) {
            free(pending);
            return rc;
        }
    }
    free(pending);
    st->started++;
    char what[160];
    snprintf(what, sizeof what, "search %s: trial %d/%d", R->p->units[ui].name, st->started, st->trials);
    sqk_progress_report(R->o->progress, what, st->finished, st->trials);
    return SQK_OK;
}

static int deps_done(const runner *R, int i)
{
    for (int k = R->first_input[i]; k < R->first_input[i + 1]; k++)
        if (R->inputs[k] < 0 || !R->done[R->inputs[k]]) return 0;
    return 1;
}

/* The next work to give out: among the units whose inputs are done and the running searches
 * with trials left, the one that starts the longest chain of work (its own weight and below[]:
 * its critical path; the plan's order among equals), or with --order plan the first in the
 * plan. A search keeps its place until its last trial is given out, so the searches end one
 * after another and the models of the first ones train while the last ones search; the one
 * heading the longest chain (the largest dataset's, or one whose model a transfer waits for)
 * goes first.
 * Returns 1 with a task, 0 when nothing can start now, or < 0 (the status negated) on an error. */
static int next_task(runner *R, farm_task *t)
{
    const sqk_plan *p = R->p;
    for (;;) {
        int i = -1;
        double longest = -1;
        for (int k = 0; k < p->n_units; k++) {
            const unit_state *st = &R->u[k];
            if (R->done[k] || R->failed[k]) continue;
            if (st->running ? p->units[k].type != SQK_UNIT_SEARCH || st->started >= st->trials : !deps_done(R, k)) continue;
            double path = R->o->plan_order ? 0 : R->weight[k] + R->below[k];
            if (path > longest) longest = path, i = k;
        }
        if (i < 0) return 0;
        unit_state *st = &R->u[i];
        if (!st->running) {
            if (p->units[i].type != SQK_UNIT_SEARCH) {
                memset(t, 0, sizeof *t);
                t->kind = FARM_UNIT;
                t->unit = i;
                st->running = 1;
                st->t0 = exp_now_s();
                return 1;
            }
            int rc = search_start(R, i);
            if (!rc && st->finished == st->trials) rc = search_finish(R, i);
            if (rc && (rc = unit_failed(R, i, rc, sqk_last_error()))) return -rc;
            if (R->failed[i] || !st->running || st->started >= st->trials) continue;
        }
        int rc = next_trial(R, i, t);
        if (rc && (rc = unit_failed(R, i, rc, sqk_last_error()))) return -rc;
        if (R->failed[i]) continue;
        return 1;
    }
}

/* A worker's result: a unit in place, or a trial to journal and show the TPE. */
static int take_result(runner *R, const farm_task *t, const farm_result *r)
{
    const sqk_plan_unit *u = &R->p->units[t->unit];
    unit_state *st = &R->u[t->unit];
    if (r->rc) return R->failed[t->unit] ? SQK_OK : unit_failed(R, t->unit, r->rc, r->msg);
    if (t->kind == FARM_UNIT) {
        st->running = 0;
        R->size[t->unit] = r->size;
        return unit_done(R, t->unit);
    }
    int n = t->n_x, n_curve = r->n_curve < 0 ? 0 : r->n_curve > FARM_MAX_CURVE ? FARM_MAX_CURVE : r->n_curve;
    /* journal first, then the record: a trial is done once its line is on disk */
    size_t cap = 128 + 32 * (size_t)(n + n_curve), len;
    char *line = sqk_malloc(cap);
    if (!line) return SQK_EMEM;
    len = (size_t)snprintf(line, cap, "trial %s %d %d %.17g", u->name, t->number, r->ok, r->val_f1);
    for (int j = 0; j < n; j++) len += (size_t)snprintf(line + len, cap - len, " %.17g", t->x[j]);
    len += (size_t)snprintf(line + len, cap - len, " epochs %d pruned %d curve %s", r->epochs, r->pruned, n_curve ? "" : "-");
    for (int e = 0; e < n_curve; e++) len += (size_t)snprintf(line + len, cap - len, "%s%.17g", e ? ";" : "", r->curve[e]);
    snprintf(line + len, cap - len, "\n");
    int rc = journal_append(R, line);
    free(line);
    if (rc) return rc;
    if (sqk_grow((void **)&R->trials, &R->cap_trials, R->n_trials + 1, sizeof *R->trials)) return SQK_EMEM;
    trial_record *rec = &R->trials[R->n_trials];
    memset(rec, 0, sizeof *rec);
    if (!(rec->x = sqk_malloc((size_t)n * sizeof *rec->x)) ||
        !(rec->curve = sqk_malloc(((size_t)n_curve + 1) * sizeof *rec->curve))) {
        trial_record_free(rec);
        return SQK_EMEM;
    }
    memcpy(rec->x, t->x, (size_t)n * sizeof *rec->x);
    memcpy(rec->curve, r->curve, (size_t)n_curve * sizeof *rec->curve);
    rec->search = t->unit;
    rec->number = t->number;
    rec->ok = r->ok;
    rec->val_f1 = r->val_f1;
    rec->epochs = r->epochs;
    rec->pruned = r->pruned;
    rec->n_curve = n_curve;
    rec->serial = R->journal_workers == 1;
    st->mine[st->finished++] = R->n_trials++;
    R->s->trials_run++;
    R->s->trials_pruned += r->pruned;
    if ((rc = sqk_tpe_observe_trial(st->tpe, t->x, st->S.pruner.kind, r->pruned, r->val_f1, r->epochs,
                                    sqk_curve_best(r->curve, n_curve))))
        return rc;
    if (st->finished < st->trials || R->failed[t->unit]) return SQK_OK;
    rc = search_finish(R, t->unit);
    return rc ? unit_failed(R, t->unit, rc, sqk_last_error()) : SQK_OK;
}

/* The names of the units not done that failed (want_failed) or were left out, ", "-separated
 * into buf (the first few); returns how many there are. */
static int list_units(const runner *R, int want_failed, char *buf, size_t n)
{
    int count = 0;
    size_t len = 0;
    buf[0] = 0;
    for (int i = 0; i < R->p->n_units; i++) {
        if (R->done[i] || !R->failed[i] != !want_failed) continue;
        if (count++ < 8 && len < n)
            len += (size_t)snprintf(buf + len, n - len, "%s%s %s", count > 1 ? ", " : "", type_word(R->p->units[i].type),
                                    R->p->units[i].name);
        else if (count == 9 && len < n)
            len += (size_t)snprintf(buf + len, n - len, ", ...");
    }
    return count;
}

/* Feeds the farm's slots (next_task's order) until every unit is done. After a failure no new
 * work starts; the work in flight is waited for (and journalled when it succeeds), and the
 * first failure is returned. With --keep-going a failed unit is left out with the units that
 * need it, the rest is done, and the run then fails naming them. */
static int schedule(runner *R)
{
    farm *F = R->F;
    int in_flight = 0, rc = SQK_OK;
    char first_error[FARM_MSG] = "";
    for (;;) {
        for (int s = 0; s < F->slots && !rc; s++) {
            if (R->slot_busy[s]) continue;
            farm_task t;
            int got = next_task(R, &t);
            if (got < 0) rc = -got;
            if (got <= 0) break;
            if ((rc = F->submit(F, s, &t))) break;
            R->slot_task[s] = t;
            R->slot_busy[s] = 1;
            in_flight++;
        }
        if (rc && !first_error[0]) snprintf(first_error, sizeof first_error, "%s", sqk_last_error());
        if (in_flight == 0) break;
        farm_result r;
        int wrc = F->wait(F, &r);
        if (wrc) {
            if (!rc) snprintf(first_error, sizeof first_error, "%s", sqk_last_error());
            rc = rc ? rc : wrc;
            break;
        }
        R->slot_busy[r.slot] = 0;
        in_flight--;
        int trc = take_result(R, &R->slot_task[r.slot], &r);
        if (trc && !rc) {
            rc = trc;
            snprintf(first_error, sizeof first_error, "%s", sqk_last_error());
        }
    }
    if (rc) return sqk_fail(rc, "%s", first_error);
    if (R->s->units_failed) {
        char failed[1024], left[1024];
        list_units(R, 1, failed, sizeof failed);
        R->s->units_skipped = list_units(R, 0, left, sizeof left);
        return sqk_fail(R->first_rc, "%d of %d units not done: %s%s%s%s%s%s; the %d done are kept: run the same "
                        "command again to retry the rest", R->s->units_failed + R->s->units_skipped, R->p->n_units,
                        R->s->units_failed > 1 ? failed : "", R->s->units_failed > 1 ? " failed, the first: " : "",
                        R->first_error, R->s->units_skipped ? "; " : "", left,
                        R->s->units_skipped ? " not run (they need a failed unit)" : "", R->s->units_done);
    }
    for (int i = 0; i < R->p->n_units; i++)
        if (!R->done[i]) return sqk_fail(SQK_EARG, "unit %s could not be scheduled", R->p->units[i].name);
    return SQK_OK;
}

int sqk_experiment_rank(void) { return farm_launch_rank(); }

int sqk_experiment_run(const sqk_plan *p, const sqk_experiment_options *o, sqk_experiment_summary *s)
{
    memset(s, 0, sizeof *s);
    runner R = {.p = p, .o = o, .journal_fd = -1, .journal_workers = 1, .s = s, .t0 = exp_now_s()};
    worker W = {.R = &R, .d_unit = -1};
    char path[4096], inputs[4200];
    int rc = SQK_OK, lock = -1;
    int have_archive = realpath(o->archive, R.archive) != NULL;
    if (!have_archive) snprintf(R.archive, sizeof R.archive, "%s", o->archive);
    if (o->simulate_ranks > 0 && (o->threads != 1 || farm_launch_size() > 1))
        return sqk_fail(SQK_EARG, "--simulate-ranks runs every task in this one process, one thread each (a task's CPU "
                        "time is its length): not under mpirun, and with --threads 1");
    if ((rc = o->simulate_ranks > 0 ? farm_sim_open(&R.F, do_task, &W, o->simulate_ranks) : farm_open(&R.F, do_task, &W)))
        return rc;
    s->rank = R.F->rank;
    s->workers = R.F->slots;
    if (R.F->rank != 0) { /* a worker rank: tasks until the scheduler is done */
        rc = R.F->serve(R.F);
        goto done;
    }
    if ((rc = sqk_mkdir_p(o->out))) goto done;
    /* one run at a time into a folder */
    snprintf(path, sizeof path, "%s/.lock", o->out);
    if ((lock = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644)) < 0) {
        rc = sqk_fail(SQK_EIO, "%s: %s", path, strerror(errno));
        goto done;
    }
    if (flock(lock, LOCK_EX | LOCK_NB) != 0) {
        rc = sqk_fail(SQK_EARG, "%s: another experiment is running into this folder", o->out);
        goto done;
    }
    if (!have_archive) {
        rc = sqk_fail(SQK_EIO, "%s: the archive folder: %s", o->archive, strerror(errno));
        goto done;
    }
    snprintf(inputs, sizeof inputs, "archive %s\n", R.archive);
    if ((rc = exp_check_same_text(o->out, "plan.txt", p->text, "plan")) ||
        (rc = exp_check_same_text(o->out, "inputs.txt", inputs, "archive")))
        goto done;
    R.done = sqk_calloc((size_t)p->n_units, 1);
    R.failed = sqk_calloc((size_t)p->n_units, 1);
    R.u = sqk_calloc((size_t)p->n_units, sizeof *R.u);
    R.slot_task = sqk_calloc((size_t)R.F->slots, sizeof *R.slot_task);
    R.slot_busy = sqk_calloc((size_t)R.F->slots, sizeof *R.slot_busy);
    R.weight = sqk_calloc((size_t)p->n_units, sizeof *R.weight);
    R.size = sqk_calloc((size_t)p->n_units, sizeof *R.size);
    R.in_run = sqk_calloc((size_t)p->n_units, 1);
    R.below = sqk_calloc((size_t)p->n_units, sizeof *R.below);
    if (!R.done || !R.failed || !R.u || !R.slot_task || !R.slot_busy || !R.weight || !R.size || !R.in_run ||
        !R.below) {
        rc = SQK_EMEM;
        goto done;
    }
    if ((rc = list_inputs(&R))) goto done;
    if ((rc = journal_open(&R))) goto done;
    if (R.journal_workers != R.F->slots) { /* the trials from here on are made by this many workers */
        snprintf(path, sizeof path, "workers %d\n", R.F->slots);
        if ((rc = journal_append(&R, path))) goto done;
        R.journal_workers = R.F->slots;
    }
    snprintf(path, sizeof path, "%s/.partial", o->out);
    if ((rc = sqk_rm_tree(path))) goto done;
    for (int t = 0; t < 4 && !rc; t++) {
        static const char *dirs[] = {"datasets", "searches", "models", "reports"};
        snprintf(path, sizeof path, "%s/%s", o->out, dirs[t]);
        rc = sqk_mkdir_p(path);
    }
    snprintf(path, sizeof path, "%s/logs", o->out);
    if (!rc) rc = sqk_mkdir_p(path);
    for (int i = 0; i < p->n_units; i++) {
        if (R.done[i]) s->units_done++;
        R.in_run[i] = !R.done[i];
        if (!rc && R.done[i] && p->units[i].type == SQK_UNIT_DATASET) {
            snprintf(path, sizeof path, "%s/datasets/%s/dataset.h5", o->out, p->units[i].name);
            R.size[i] = dataset_size(path, &p->units[i]);
        }
    }
    if (!rc) {
        weigh(&R);
        rc = schedule(&R);
    }
    s->seconds = exp_now_s() - R.t0;
    s->simulated_seconds = R.F->sim_seconds;
    s->task_seconds = R.F->task_seconds;
done:
    {
        /* the farm's close (the workers told to stop) must not lose the message */
        char msg[FARM_MSG];
        snprintf(msg, sizeof msg, "%s", rc ? sqk_last_error() : "");
        R.F->close(R.F);
        if (rc) sqk_fail(rc, "%s", msg);
    }
    if (R.journal_fd >= 0) close(R.journal_fd);
    for (size_t i = 0; i < R.n_trials; i++) trial_record_free(&R.trials[i]);
    for (int i = 0; R.u && i < p->n_units; i++) {
        sqk_tpe_free(R.u[i].tpe);
        free(R.u[i].mine);
        free(R.u[i].retry_x);
        free(R.u[i].retry_number);
    }
    if (W.d_unit >= 0) sqk_train_data_free(&W.d);
    free(R.trials);
    free(R.done);
    free(R.failed);
    free(R.u);
    free(R.slot_task);
    free(R.slot_busy);
    free(R.weight);
    free(R.size);
    free(R.in_run);
    free(R.below);
    free(R.first_input);
    free(R.inputs);
    if (lock >= 0) close(lock);
    return rc;
}
