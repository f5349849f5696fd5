/* truth.csv: the planted precursors of a synthetic archive (reader and writer, sqk/archive.h). */
#include "sqk/archive.h"
#include "sqk/core.h"
#include "sqk/csv.h"
#include "sqk/time.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { T_ID, T_TIME, T_LAT, T_LON, T_MAG, T_ONSET, T_DURATION, T_AMPLITUDE, T_NREQUIRED,
       T_STRENGTH = T_NREQUIRED, T_UNIT_AMPLITUDE, T_UNIT_IRREGULARITY, T_RADIUS, T_NCOL };
static const char *const truth_columns[T_NCOL] = {
    "event_id", "time", "lat", "lon", "mag", "onset_days_before", "duration_days", "amplitude",
    "strength", "unit_amplitude", "unit_irregularity", "radius_km"};

static int read_row(const sqk_csv *c, const int *col, sqk_truth_row *r)
{
    memset(r, 0, sizeof *r);
    int st = sqk_csv_text(c, col[T_ID], r->event_id, sizeof r->event_id);
    if (st) return st;
    if (!r->event_id[0]) return sqk_csv_fail(c, SQK_EFORMAT, "empty event_id");
    if (sqk_time_parse_iso(sqk_csv_get(c, col[T_TIME]), &r->t))
        return sqk_fail_context(SQK_EVALUE, "%s line %zu", c->in.path, sqk_csv_line(c));
    double *v[] = {&r->lat, &r->lon, &r->mag, &r->onset_days, &r->duration_days, &r->amplitude,
                   &r->strength, &r->unit_amplitude, &r->unit_irregularity, &r->radius_km};
    for (int k = T_LAT; k < T_NCOL; k++) {
        *v[k - T_LAT] = NAN;
        if (col[k] >= 0 && (st = sqk_csv_f64(c, col[k], v[k - T_LAT]))) return st;
    }
    if (!(r->lat >= -90 && r->lat <= 90)) return sqk_csv_fail(c, SQK_EVALUE, "lat %g outside [-90, 90]", r->lat);
    if (!(r->lon >= -180 && r->lon <= 360)) return sqk_csv_fail(c, SQK_EVALUE, "lon %g outside [-180, 360]", r->lon);
    if (!(r->mag > 0 && r->mag < 10)) return sqk_csv_fail(c, SQK_EVALUE, "mag %g outside (0, 10)", r->mag);
    if (!(r->onset_days > 0)) return sqk_csv_fail(c, SQK_EVALUE, "onset_days_before %g is not positive", r->onset_days);
    if (!(r->duration_days > 0 && r->duration_days <= r->onset_days))
        return sqk_csv_fail(c, SQK_EVALUE, "duration_days %g outside (0, onset_days_before]", r->duration_days);
    r->line = sqk_csv_line(c);
    return SQK_OK;
}

typedef struct { const char *id; size_t row; } id_row;

static int by_id(const void *a, const void *b)
{
    return strcmp(((const id_row *)a)->id, ((const id_row *)b)->id);
}

/* Each event is planted once: a repeated id is a broken file. */
static int check_ids(const char *path, const sqk_truth *t)
{
    id_row *k = sqk_malloc((t->n ? t->n : 1) * sizeof *k);
    if (!k) return SQK_EMEM;
    for (size_t i = 0; i < t->n; i++) k[i] = (id_row){t->row[i].event_id, i};
    qsort(k, t->n, sizeof *k, by_id);
    int st = SQK_OK;
    for (size_t i = 1; i < t->n && !st; i++)
        if (!strcmp(k[i].id, k[i - 1].id)) {
            size_t a = t->row[k[i - 1].row].line, b = t->row[k[i].row].line;
            st = sqk_fail(SQK_EVALUE, "%s line %zu: event_id '%s' is already on line %zu", path, a > b ? a : b,
                          k[i].id, a > b ? b : a);
        }
    free(k);
    return st;
}

int sqk_truth_read(const char *path, sqk_truth *out)
{
    memset(out, 0, sizeof *out);
    sqk_csv c;
    int col[T_NCOL];
    int st = sqk_csv_open(&c, path);
    if (st) return st;
    st = sqk_csv_columns(&c, truth_columns, T_NREQUIRED, col);
    for (int k = T_NREQUIRED; k < T_NCOL; k++) col[k] = sqk_csv_column(&c, truth_columns[k]);
    size_t cap = 0;
    while (!st && (st = sqk_csv_next(&c)) == 1) {
        if ((st = sqk_grow((void **)&out->row, &cap, out->n + 1, sizeof *out->row))) break;
        if ((st = read_row(&c, col, &out->row[out->n]))) break;
        out->n++;
    }
    sqk_csv_close(&c);
    if (!st) st = check_ids(path, out);
    if (st) sqk_truth_free(out);
    return st;
}

int sqk_truth_write(const char *path, const sqk_truth *t)
{
    sqk_atomic_file a;
    int rc = sqk_atomic_open(&a, path);
    if (rc) return rc;
    FILE *f = a.f;
    for (int k = 0; k < T_NCOL; k++) fprintf(f, "%s%c", truth_columns[k], k + 1 < T_NCOL ? ',' : '\n');
    for (size_t i = 0; i < t->n; i++) {
        const sqk_truth_row *r = &t->row[i];
        char iso[32];
        sqk_time_format_iso(r->t, iso);
        fprintf(f, "%s,%s,%.4f,%.4f,%.1f,%.6f,%.6f,%.6f,%g,%.6f,%.6f,%.3f\n", r->event_id, iso, r->lat,
                r->lon, r->mag, r->onset_days, r->duration_days, r->amplitude, r->strength,
                r->unit_amplitude, r->unit_irregularity, r->radius_km);
    }
    return sqk_atomic_close(&a, SQK_OK);
}

void sqk_truth_free(sqk_truth *t)
{
    free(t->row);
    memset(t, 0, sizeof *t);
}
