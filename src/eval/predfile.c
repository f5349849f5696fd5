/* The files evaluate reads: PRED.csv, the few datasets it needs from DATASET.h5, truth.csv.
 * Every problem is reported with the file, the line (or dataset) and what was wrong. */
#include "sqk/eval.h"
#include "sqk/h5.h"
#include "sqk/archive.h"
#include "sqk/csv.h"
#include "sqk/dataset.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const pred_columns[] = {"window", "split", "event", "y_true", "p0", "p1", "p2", "y_pred"};
enum { C_WINDOW, C_SPLIT, C_EVENT, C_YTRUE, C_P0, C_P1, C_P2, C_YPRED, C_COUNT };

void sqk_pred_free(sqk_pred *p)
{
    free(p->window); free(p->split); free(p->event); free(p->y_true); free(p->y_pred);
    free(p->prob); free(p->line);
    memset(p, 0, sizeof *p);
}

static int pred_grow(sqk_pred *p, size_t *cap)
{
    if (p->n < *cap) return SQK_OK;
    size_t c = *cap ? *cap * 2 : 1024;
    void *a = sqk_realloc(p->window, c * sizeof *p->window); if (!a) return SQK_EMEM; p->window = a;
    a = sqk_realloc(p->split, c * sizeof *p->split); if (!a) return SQK_EMEM; p->split = a;
    a = sqk_realloc(p->event, c * sizeof *p->event); if (!a) return SQK_EMEM; p->event = a;
    a = sqk_realloc(p->y_true, c * sizeof *p->y_true); if (!a) return SQK_EMEM; p->y_true = a;
    a = sqk_realloc(p->y_pred, c * sizeof *p->y_pred); if (!a) return SQK_EMEM; p->y_pred = a;
    a = sqk_realloc(p->prob, c * SQK_NCLASS * sizeof *p->prob); if (!a) return SQK_EMEM; p->prob = a;
    a = sqk_realloc(p->line, c * sizeof *p->line); if (!a) return SQK_EMEM; p->line = a;
    *cap = c;
    return SQK_OK;
}

/* Parses one data row into row p->n. */
static int pred_row(const sqk_csv *c, const int col[C_COUNT], sqk_pred *p)
{
    const char *path = c->in.path;
    size_t ln = sqk_csv_line(c);
    int64_t iv[C_COUNT];
    double pr[SQK_NCLASS];
    int st;
    for (int k = 0; k < C_COUNT; k++) {
        st = (k >= C_P0 && k <= C_P2) ? sqk_csv_f64(c, col[k], &pr[k - C_P0])
                                      : sqk_csv_i64(c, col[k], INT64_MIN, INT64_MAX, &iv[k]);
        if (st) return st;
    }
    if (iv[C_WINDOW] < 0)
        return sqk_fail(SQK_EVALUE, "%s line %zu: window %lld is negative", path, ln, (long long)iv[C_WINDOW]);
    if (iv[C_SPLIT] < 0 || iv[C_SPLIT] > 2)
        return sqk_fail(SQK_EVALUE, "%s line %zu: split %lld is not 0, 1 or 2", path, ln, (long long)iv[C_SPLIT]);
    if (iv[C_EVENT] < -1)
        return sqk_fail(SQK_EVALUE, "%s line %zu: event %lld (use -1 for none)", path, ln, (long long)iv[C_EVENT]);
    static const int label_cols[2] = {C_YTRUE, C_YPRED};
    for (int j = 0; j < 2; j++) {
        int c = label_cols[j];
        if (iv[c] < 0 || iv[c] >= SQK_NCLASS)
            return sqk_fail(SQK_EVALUE, "%s line %zu: %s = %lld is not a class (0, 1 or 2)", path, ln,
                            pred_columns[c], (long long)iv[c]);
    }
    double sum = 0;
    for (int k = 0; k < SQK_NCLASS; k++) {
        if (pr[k] < 0 || pr[k] > 1)
            return sqk_fail(SQK_EVALUE, "%s line %zu: p%d = %g is not a probability", path, ln, k, pr[k]);
        sum += pr[k];
    }
    /* The file holds 6 significant digits, so a sum off by more than 1e-3 is not rounding. */
    if (fabs(sum - 1.0) > 1e-3)
        return sqk_fail(SQK_EVALUE, "%s line %zu: p0 + p1 + p2 = %.6g, not 1", path, ln, sum);
    /* y_pred is the most probable class, as predict writes it (the lowest class when the
     * probabilities are exactly equal). Rounding to the file's digits is monotone, so the class
     * predict chose always has the largest printed probability; distinct probabilities can
     * print equal, so on a printed tie any of the tied classes is the writer's. */
    int most = 0;
    for (int k = 1; k < SQK_NCLASS; k++)
        if (pr[k] > pr[most]) most = k;
    if (pr[iv[C_YPRED]] < pr[most])
        return sqk_fail(SQK_EVALUE,
                        "%s line %zu: y_pred = %lld but the most probable class is %d (p0 %.6g, p1 %.6g, "
                        "p2 %.6g); y_pred must be the argmax of p0, p1, p2",
                        path, ln, (long long)iv[C_YPRED], most, pr[0], pr[1], pr[2]);
    size_t i = p->n;
    p->window[i] = iv[C_WINDOW];
    p->split[i] = (uint8_t)iv[C_SPLIT];
    p->event[i] = iv[C_EVENT];
    p->y_true[i] = (int)iv[C_YTRUE];
    p->y_pred[i] = (int)iv[C_YPRED];
    memcpy(p->prob + i * SQK_NCLASS, pr, sizeof pr);
    p->line[i] = ln;
    p->n++;
    return SQK_OK;
}

typedef struct { int64_t window; size_t row; } window_row;

static int by_window(const void *a, const void *b)
{
    int64_t x = ((const window_row *)a)->window, y = ((const window_row *)b)->window;
    return (x > y) - (x < y);
}

static int by_window_row(const void *a, const void *b)
{
    int c = by_window(a, b);
    if (c) return c;
    size_t x = ((const window_row *)a)->row, y = ((const window_row *)b)->row;
    return (x > y) - (x < y);
}

/* Windows sorted by number (ties by row), for duplicate and overlap checks. */
static window_row *sorted_windows(const sqk_pred *p)
{
    window_row *t = sqk_malloc((p->n ? p->n : 1) * sizeof *t);
    if (!t) return NULL;
    for (size_t i = 0; i < p->n; i++) t[i] = (window_row){p->window[i], i};
    qsort(t, p->n, sizeof *t, by_window_row);
    return t;
}

/* A window listed twice would be counted twice in every metric. */
static int check_duplicates(const char *path, const sqk_pred *p)
{
    window_row *t = sorted_windows(p);
    if (!t) return SQK_EMEM;
    int st = SQK_OK;
    for (size_t i = 1; i < p->n && !st; i++)
        if (t[i].window == t[i - 1].window)
            st = sqk_fail(SQK_EVALUE, "%s line %zu: window %lld is already on line %zu", path,
                          p->line[t[i].row], (long long)t[i].window, p->line[t[i - 1].row]);
    free(t);
    return st;
}

int sqk_pred_read(const char *path, sqk_pred *p)
{
    memset(p, 0, sizeof *p);
    sqk_csv c;
    int col[C_COUNT];
    int st = sqk_csv_open(&c, path);
    if (st) return st;
    st = sqk_csv_columns(&c, pred_columns, C_COUNT, col);
    size_t cap = 0;
    while (!st && (st = sqk_csv_next(&c)) == 1)
        if (!(st = pred_grow(p, &cap))) st = pred_row(&c, col, p);
    sqk_csv_close(&c);
    if (!st && p->n == 0) st = sqk_fail(SQK_EEMPTY, "%s: no prediction rows after the header", path);
    if (!st) st = check_duplicates(path, p);
    if (st) sqk_pred_free(p);
    return st;
}

/* ---- DATASET.h5 */

void sqk_eval_dataset_free(sqk_eval_dataset *d)
{
    free(d->y); free(d->split); free(d->event); free(d->event_kind);
    free(d->cadence); free(d->precursor_weight); free(d->event_lat); free(d->event_lon); free(d->event_pair);
    if (d->event_id) sqk_h5_free_strings(d->event_id, d->n_events);
    memset(d, 0, sizeof *d);
}

int sqk_eval_dataset_read(const char *path, sqk_eval_dataset *d)
{
    memset(d, 0, sizeof *d);
    sqk_dataset ds;
    int st = sqk_dataset_read(path, "y,split,event,events/kind,cadence?,precursor_weight?,events/lat?,"
                                    "events/lon?,events/pair?", &ds);
    if (st) return st;
    d->n_windows = ds.n;
    d->y = ds.y, ds.y = NULL;
    d->split = ds.split, ds.split = NULL;
    d->event = ds.event, ds.event = NULL;
    d->n_events = ds.events.n;
    d->event_id = ds.events.id, ds.events.id = NULL;
    d->event_kind = ds.events.kind, ds.events.kind = NULL;
    d->cadence = ds.cadence, ds.cadence = NULL;
    d->precursor_weight = ds.precursor_weight, ds.precursor_weight = NULL;
    d->event_lat = ds.events.lat, ds.events.lat = NULL;
    d->event_lon = ds.events.lon, ds.events.lon = NULL;
    d->event_pair = ds.events.pair, ds.events.pair = NULL;
    sqk_dataset_free(&ds);
    for (size_t e = 0; d->event_pair && e < d->n_events; e++)
        if (d->event_pair[e] < -1 || d->event_pair[e] >= (int64_t)d->n_events) {
            st = sqk_fail(SQK_EFORMAT, "%s: events/pair[%zu] = %lld is not a row of events/", path, e,
                          (long long)d->event_pair[e]);
            sqk_eval_dataset_free(d);
            return st;
        }
    return SQK_OK;
}

int sqk_pred_check_dataset(const sqk_pred *p, const char *pred_path, const sqk_eval_dataset *d,
                           const char *data_path)
{
    for (size_t i = 0; i < p->n; i++) {
        int64_t w = p->window[i];
        if (w >= (int64_t)d->n_windows)
            return sqk_fail(SQK_EVALUE, "%s line %zu: window %lld is not in %s (%zu windows): "
                            "predictions of another dataset?", pred_path, p->line[i], (long long)w,
                            data_path, d->n_windows);
        const char *what = NULL;
        long long have = 0, want = 0;
        if (p->y_true[i] != d->y[w]) { what = "y_true"; have = p->y_true[i]; want = d->y[w]; }
        else if (p->split[i] != d->split[w]) { what = "split"; have = p->split[i]; want = d->split[w]; }
        else if (p->event[i] != d->event[w]) { what = "event"; have = p->event[i]; want = d->event[w]; }
        if (what)
            return sqk_fail(SQK_EVALUE, "%s line %zu: window %lld has %s = %lld but %s says %lld: "
                            "predictions of another dataset?", pred_path, p->line[i], (long long)w,
                            what, have, data_path, want);
    }
    return SQK_OK;
}

int sqk_pred_check_pair(const sqk_pred *test, const char *test_path, const sqk_pred *val,
                        const char *val_path)
{
    for (size_t i = 0; i < val->n; i++)
        if (val->split[i] != 1)
            return sqk_fail(SQK_EVALUE, "%s line %zu: split %d is not the validation split (1): "
                            "thresholds must be chosen on validation predictions", val_path,
                            val->line[i], val->split[i]);
    window_row *t = sorted_windows(test);
    if (!t) return SQK_EMEM;
    int st = SQK_OK;
    for (size_t i = 0; i < val->n && !st; i++) {
        window_row key = {val->window[i], 0};
        window_row *hit = bsearch(&key, t, test->n, sizeof *t, by_window);
        if (!hit) continue;
        size_t j = hit->row;
        int agree = test->y_true[j] == val->y_true[i] && test->event[j] == val->event[i];
        st = sqk_fail(SQK_EVALUE, "%s line %zu: window %lld is also in %s (line %zu)%s", val_path,
                      val->line[i], (long long)val->window[i], test_path, test->line[j],
                      agree ? ": validation and test predictions overlap"
                            : " with another label or event: the two files come from different datasets");
    }
    free(t);
    return st;
}

/* ---- truth.csv */

typedef struct { const char *id; size_t row; } id_row;

static int by_id(const void *a, const void *b)
{
    return strcmp(((const id_row *)a)->id, ((const id_row *)b)->id);
}

int sqk_truth_read_match(const char *truth_path, const sqk_eval_dataset *d, const char *data_path,
                         int64_t **planted, size_t *n_planted, size_t *n_unknown)
{
    *planted = NULL;
    *n_planted = *n_unknown = 0;
    id_row *ids = sqk_malloc((d->n_events ? d->n_events : 1) * sizeof *ids);
    if (!ids) return SQK_EMEM;
    for (size_t i = 0; i < d->n_events; i++) ids[i] = (id_row){d->event_id[i], i};
    qsort(ids, d->n_events, sizeof *ids, by_id);
    sqk_truth t;
    int st = sqk_truth_read(truth_path, &t);
    size_t unknown = 0, first_unknown = 0, cap = 0;
    for (size_t i = 0; !st && i < t.n; i++) {
        id_row key = {t.row[i].event_id, 0};
        id_row *hit = bsearch(&key, ids, d->n_events, sizeof *ids, by_id);
        if (!hit) {
            if (unknown++ == 0) first_unknown = i;
            continue;
        }
        if ((st = sqk_grow((void **)planted, &cap, *n_planted + 1, sizeof **planted))) break;
        (*planted)[(*n_planted)++] = (int64_t)hit->row;
    }
    free(ids);
    /* An archive usually spans more than one dataset (other satellite, other dates), so ids
     * outside the events table are expected; none inside means a truth.csv of another archive. */
    if (!st && t.n == 0) st = sqk_fail(SQK_EEMPTY, "%s: no planted precursor listed", truth_path);
    if (!st && *n_planted == 0)
        st = sqk_fail(SQK_EVALUE, "%s line %zu: event_id '%s' is not in the events table of %s, nor is any "
                      "of the %zu planted precursors: a truth.csv of another archive?", truth_path,
                      t.row[first_unknown].line, t.row[first_unknown].event_id, data_path, unknown);
    sqk_truth_free(&t);
    if (st) { free(*planted); *planted = NULL; *n_planted = 0; }
    else *n_unknown = unknown;
    return st;
}
