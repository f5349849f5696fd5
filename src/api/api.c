/* The public interface (include/seqnetquake.h) over the stages: tables read by the archive
 * readers, datasets by their one reader, models by the model file's owner, and the command
 * line's commands in-process. Thread counts are set for the call and restored after it. */
#include "seqnetquake.h"
#include "cli/cli.h"
#include "sqk/archive.h"
#include "sqk/dataset.h"
#include "sqk/model.h"
#include "sqk/nn.h"
#include "sqk/train.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- tables ------------------------------------------------------------------------------ */
#define MAX_COLUMNS (3 + SQK_PASS_MAXVAR)

struct sqk_table {
    char kind[16];
    size_t rows;
    int ncol;
    char name[MAX_COLUMNS][48];
    double *col[MAX_COLUMNS];
};

static double *add_column(sqk_table *t, const char *name)
{
    if (t->ncol == MAX_COLUMNS) return NULL;
    snprintf(t->name[t->ncol], sizeof t->name[0], "%s", name);
    t->col[t->ncol] = sqk_calloc(t->rows ? t->rows : 1, sizeof(double));
    return t->col[t->ncol] ? t->col[t->ncol++] : NULL;
}

static int copy_column(sqk_table *t, const char *name, const double *v)
{
    double *c = add_column(t, name);
    if (!c) return SQK_EMEM;
    memcpy(c, v, t->rows * sizeof *c);
    return SQK_OK;
}

static int table_from_pass(sqk_table *t, const sqk_pass *p)
{
    snprintf(t->kind, sizeof t->kind, "%s", p->satellite == SQK_SAT_DEMETER ? "demeter" : "cses");
    t->rows = p->n;
    int rc = copy_column(t, "time_s", p->t);
    if (!rc) rc = copy_column(t, "lat_deg", p->lat);
    if (!rc) rc = copy_column(t, "lon_deg", p->lon);
    for (int i = 0; i < p->nvar && !rc; i++) {
        char nm[80];
        snprintf(nm, sizeof nm, "%s_%s", p->var[i].name, p->var[i].units);
        rc = copy_column(t, nm, p->var[i].v);
    }
    return rc;
}

static int table_from_catalog(sqk_table *t, const sqk_catalog *c)
{
    snprintf(t->kind, sizeof t->kind, "catalog");
    t->rows = c->n;
    static const char *const names[] = {"time_s", "lat_deg", "lon_deg", "depth_km", "mag"};
    for (int k = 0; k < 5; k++) {
        double *v = add_column(t, names[k]);
        if (!v) return SQK_EMEM;
        for (size_t i = 0; i < c->n; i++) {
            const sqk_quake *q = &c->ev[i];
            v[i] = k == 0 ? q->t : k == 1 ? q->lat : k == 2 ? q->lon : k == 3 ? q->depth_km : q->mag;
        }
    }
    return SQK_OK;
}

static int table_from_kp(sqk_table *t, const sqk_kp *kp)
{
    snprintf(t->kind, sizeof t->kind, "kp");
    t->rows = kp->n;
    double *tt = add_column(t, "time_s"), *v = tt ? add_column(t, "kp") : NULL;
    if (!v) return SQK_EMEM;
    for (size_t i = 0; i < kp->n; i++) {
        tt[i] = kp->t0 + 3 * 3600.0 * (double)i;
        v[i] = kp->kp[i];
    }
    return SQK_OK;
}

/* What a table file is, from the one file-kind sniffer: CSES, DEMETER, a ComCat CSV or Kp. */
static int sniff(const char *path, const char **what)
{
    sqk_file_kind kind;
    int rc = sqk_file_kind_of(path, &kind);
    if (rc) return rc;
    switch (kind) {
    case SQK_FILE_CSES: *what = "cses"; return SQK_OK;
    case SQK_FILE_DEMETER: *what = "demeter"; return SQK_OK;
    case SQK_FILE_CATALOG: *what = "catalog"; return SQK_OK;
    case SQK_FILE_KP: *what = "kp"; return SQK_OK;
    default:
        return sqk_fail(SQK_EARG, "%s is a %s, not a table (sqk_dataset_open or sqk_model_load open it)", path,
                        sqk_file_kind_name(kind));
    }
}

int sqk_table_read(sqk_table **out, const char *path, const char *what, double min_mag)
{
    *out = NULL;
    if (!path) return sqk_fail(SQK_EARG, "table: no path");
    int rc;
    if ((!what || !*what) && (rc = sniff(path, &what))) return rc;
    sqk_table *t = sqk_calloc(1, sizeof *t);
    if (!t) return SQK_EMEM;
    if (!strcmp(what, "cses") || !strcmp(what, "demeter")) {
        sqk_pass p;
        rc = sqk_pass_read(path, &p);
        if (!rc) {
            rc = table_from_pass(t, &p);
            sqk_pass_free(&p);
        }
    } else if (!strcmp(what, "catalog")) {
        sqk_catalog c;
        rc = sqk_catalog_read(path, min_mag, 0, &c);
        if (!rc) {
            rc = table_from_catalog(t, &c);
            sqk_catalog_free(&c);
        }
    } else if (!strcmp(what, "kp")) {
        sqk_kp kp;
        rc = sqk_kp_read(path, &kp);
        if (!rc) {
            rc = table_from_kp(t, &kp);
            sqk_kp_free(&kp);
        }
    } else {
        rc = sqk_fail(SQK_EARG, "%s: unknown kind '%s' (cses, demeter, catalog, kp)", path, what);
    }
    if (rc) {
        sqk_table_free(t);
        return rc;
    }
    *out = t;
    return SQK_OK;
}

size_t sqk_table_rows(const sqk_table *t) { return t->rows; }
int sqk_table_columns(const sqk_table *t) { return t->ncol; }
const char *sqk_table_kind(const sqk_table *t) { return t->kind; }

const char *sqk_table_column_name(const sqk_table *t, int i)
{
    return i >= 0 && i < t->ncol ? t->name[i] : NULL;
}

const double *sqk_table_column(const sqk_table *t, int i)
{
    return i >= 0 && i < t->ncol ? t->col[i] : NULL;
}

void sqk_table_free(sqk_table *t)
{
    if (!t) return;
    for (int i = 0; i < t->ncol; i++) free(t->col[i]);
    free(t);
}

/* ---- datasets ---------------------------------------------------------------------------- */
struct sqk_dataset_file {
    sqk_dataset d;
};

int sqk_dataset_open(sqk_dataset_file **out, const char *path)
{
    *out = NULL;
    sqk_dataset_file *ds = sqk_calloc(1, sizeof *ds);
    if (!ds) return SQK_EMEM;
    int rc = sqk_dataset_read(path, "X,split,event", &ds->d);
    if (rc) {
        free(ds);
        return rc;
    }
    *out = ds;
    return SQK_OK;
}

size_t sqk_dataset_windows(const sqk_dataset_file *d) { return d->d.n; }
const float *sqk_dataset_X(const sqk_dataset_file *d) { return d->d.X; }
const int32_t *sqk_dataset_y(const sqk_dataset_file *d) { return d->d.y; }
const uint8_t *sqk_dataset_split(const sqk_dataset_file *d) { return d->d.split; }
const int64_t *sqk_dataset_event(const sqk_dataset_file *d) { return d->d.event; }
const char *sqk_dataset_features(const sqk_dataset_file *d) { return d->d.features; }
const char *sqk_dataset_config(const sqk_dataset_file *d) { return d->d.config ? d->d.config : ""; }

int sqk_dataset_shape(const sqk_dataset_file *d, int *T, int *F)
{
    *T = d->d.T;
    *F = d->d.F;
    return SQK_OK;
}

void sqk_dataset_close(sqk_dataset_file *d)
{
    if (!d) return;
    sqk_dataset_free(&d->d);
    free(d);
}

/* ---- models ------------------------------------------------------------------------------ */
const char *sqk_model_kind_name(const sqk_model *m) { return m->kind->name; }
const char *sqk_model_feature_names(const sqk_model *m) { return m->features; }

int sqk_model_window_shape(const sqk_model *m, int *T, int *F)
{
    *T = m->T;
    *F = m->F;
    return SQK_OK;
}

int sqk_model_predict_windows(sqk_model *m, const float *X, size_t N, float *probs, int threads)
{
    if (!X || !probs) return sqk_fail(SQK_EARG, "predict: no windows or no room for probabilities");
    /* the fast activations would turn a NaN into a plausible probability */
    size_t D = (size_t)m->T * m->F;
    for (size_t i = 0; i < N * D; i++)
        if (!isfinite(X[i]))
            return sqk_fail(SQK_EVALUE, "predict: window %zu holds a non-finite value at time step %zu, "
                            "feature %zu", i / D, i % D / m->F, i % m->F);
    sqk_nn_thread_state s = sqk_nn_threads_push(threads);
    int rc = sqk_model_predict(m, X, N, probs);
    sqk_nn_threads_pop(s);
    return rc;
}

/* ---- commands ---------------------------------------------------------------------------- */
int sqk_command(int argc, const char *const *argv)
{
    if (argc < 1 || !argv || !argv[0]) return sqk_fail(SQK_EARG, "no command given"), 2;
    char **args = sqk_calloc((size_t)argc + 2, sizeof *args);
    if (!args) return 1;
    args[0] = "seqnetquake";
    for (int i = 0; i < argc; i++) args[i + 1] = (char *)argv[i];
    sqk_clear_error();
    sqk_nn_thread_state s = sqk_nn_threads_push(1);
    int rc = cli_main(argc + 1, args);
    sqk_nn_threads_pop(s);
    free(args);
    if (rc && !strcmp(sqk_last_error(), "no error message"))
        sqk_fail(SQK_EARG, "seqnetquake %s: failed with exit status %d (see its message above)", argv[0], rc);
    return rc;
}
