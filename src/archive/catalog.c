/* USGS ComCat CSV catalogue: reader (columns by header name) and writer (the 22-column export).
 *
 * Decisions a user should know about:
 * - A malformed row is an error naming the file and line, never silently dropped: a missing
 *   or non-numeric time/latitude/longitude/mag, an empty id or type, a field count that
 *   differs from the header's, an unterminated quote, latitude outside [-90, 90], longitude
 *   outside [-180, 360), a magnitude outside [-3, 10] or a depth outside [-20, 1000] km.
 *   Every row is checked, including those the type or magnitude filter then drops.
 * - Empty depth is allowed (NaN); empty magType is allowed ("").
 * - Quoted fields may hold commas and doubled quotes but not line breaks (ComCat never
 *   writes them), so an unterminated quote is reported on its own line.
 * - A file with a header and no data rows is an error (SQK_EEMPTY); a file whose rows are
 *   all filtered out reads fine with n = 0 and the counts saying why.
 * - Longitude is wrapped to [-180, 180). Events are sorted by time, rows with equal times
 *   keep their file order.
 * - A type longer than the struct holds is kept truncated (only "earthquake" matters
 *   downstream, and the filter compares the full text); a too-long id or magType is an error. */
#include "sqk/archive.h"
#include "sqk/core.h"
#include "sqk/csv.h"
#include "sqk/time.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { COL_TIME, COL_LAT, COL_LON, COL_DEPTH, COL_MAG, COL_MAGTYPE, COL_ID, COL_TYPE, NCOL };
static const char *const col_name[NCOL] = {"time", "latitude", "longitude", "depth",
                                           "mag",  "magType",  "id",        "type"};

/* Parses and checks the needed fields of one data row. */
static int parse_row(const sqk_csv *cx, const int *col, sqk_quake *q)
{
    memset(q, 0, sizeof *q);
    const char *ts = sqk_csv_get(cx, col[COL_TIME]);
    if (!*ts) return sqk_csv_fail(cx, SQK_EFORMAT, "empty time");
    if (sqk_time_parse_iso(ts, &q->t))
        return sqk_fail_context(SQK_EVALUE, "%s line %zu", cx->in.path, sqk_csv_line(cx));
    int st;
    if ((st = sqk_csv_f64(cx, col[COL_LAT], &q->lat)) || (st = sqk_csv_f64(cx, col[COL_LON], &q->lon)) ||
        (st = sqk_csv_f64(cx, col[COL_MAG], &q->mag)))
        return st;
    if (!(q->lat >= -90 && q->lat <= 90))
        return sqk_csv_fail(cx, SQK_EVALUE, "latitude %g outside [-90, 90]", q->lat);
    if (!(q->lon >= -180 && q->lon < 360))
        return sqk_csv_fail(cx, SQK_EVALUE, "longitude %g outside [-180, 360)", q->lon);
    if (q->lon >= 180) q->lon -= 360;
    if (!(q->mag >= -3 && q->mag <= 10))
        return sqk_csv_fail(cx, SQK_EVALUE, "magnitude %g outside [-3, 10]", q->mag);
    q->depth_km = NAN;
    if (*sqk_csv_get(cx, col[COL_DEPTH])) {
        if ((st = sqk_csv_f64(cx, col[COL_DEPTH], &q->depth_km))) return st;
        if (!(q->depth_km >= -20 && q->depth_km <= 1000))
            return sqk_csv_fail(cx, SQK_EVALUE, "depth %g km outside [-20, 1000]", q->depth_km);
    }
    if (!*sqk_csv_get(cx, col[COL_ID])) return sqk_csv_fail(cx, SQK_EFORMAT, "empty id");
    if (!*sqk_csv_get(cx, col[COL_TYPE])) return sqk_csv_fail(cx, SQK_EFORMAT, "empty type");
    if ((st = sqk_csv_text(cx, col[COL_ID], q->id, sizeof q->id)) ||
        (st = sqk_csv_text(cx, col[COL_MAGTYPE], q->mag_type, sizeof q->mag_type)))
        return st;
    /* A type longer than the struct holds is kept truncated (the filter compares the full text). */
    snprintf(q->type, sizeof q->type, "%s", sqk_csv_get(cx, col[COL_TYPE]));
    return SQK_OK;
}

/* Sort key that makes qsort stable: time, then position in the input. */
typedef struct { double t; size_t i; } order_key;

static int cmp_key_asc(const void *a, const void *b)
{
    const order_key *x = a, *y = b;
    if (x->t != y->t) return x->t < y->t ? -1 : 1;
    return (x->i > y->i) - (x->i < y->i);
}

/* Newest first, equal times in input order (so that reading back restores the order). */
static int cmp_key_desc(const void *a, const void *b)
{
    const order_key *x = a, *y = b;
    if (x->t != y->t) return x->t > y->t ? -1 : 1;
    return (x->i > y->i) - (x->i < y->i);
}

static int sort_by_time(sqk_catalog *c)
{
    if (c->n < 2) return SQK_OK;
    order_key *k = sqk_malloc(c->n * sizeof *k);
    sqk_quake *tmp = sqk_malloc(c->n * sizeof *tmp);
    if (!k || !tmp) { free(k); free(tmp); return SQK_EMEM; }
    for (size_t i = 0; i < c->n; i++) k[i] = (order_key){c->ev[i].t, i};
    qsort(k, c->n, sizeof *k, cmp_key_asc);
    for (size_t i = 0; i < c->n; i++) tmp[i] = c->ev[k[i].i];
    free(c->ev);
    free(k);
    c->ev = tmp;
    return SQK_OK;
}

/* Reads the data rows after the header into out. */
static int read_rows(sqk_csv *cx, const int *col, double min_mag, int all_types, sqk_catalog *out)
{
    size_t evcap = 0;
    int st;
    while ((st = sqk_csv_next(cx)) == 1) {
        sqk_quake q;
        if ((st = parse_row(cx, col, &q))) break;
        out->rows_read++;
        if (!all_types && strcmp(sqk_csv_get(cx, col[COL_TYPE]), "earthquake") != 0) { out->rows_other_type++; continue; }
        if (!(q.mag >= min_mag)) { out->rows_below_mag++; continue; }
        if ((st = sqk_grow((void **)&out->ev, &evcap, out->n + 1, sizeof *out->ev))) break;
        out->ev[out->n++] = q;
    }
    if (!st && out->rows_read == 0)
        st = sqk_fail(SQK_EEMPTY, "%s: no data rows after the header", cx->in.path);
    return st;
}

static int cmp_id(const void *a, const void *b)
{
    return strcmp((*(const sqk_quake *const *)a)->id, (*(const sqk_quake *const *)b)->id);
}

/* An id twice is a corrupt or concatenated catalogue: the copies would count as aftershocks
 * of each other and remove the event. */
static int check_unique_ids(const char *path, const sqk_catalog *c)
{
    if (c->n < 2) return SQK_OK;
    const sqk_quake **p = sqk_malloc(c->n * sizeof *p);
    if (!p) return SQK_EMEM;
    for (size_t i = 0; i < c->n; i++) p[i] = &c->ev[i];
    qsort(p, c->n, sizeof *p, cmp_id);
    int st = SQK_OK;
    for (size_t i = 1; i < c->n && !st; i++)
        if (!strcmp(p[i - 1]->id, p[i]->id))
            st = sqk_fail(SQK_EFORMAT, "%s: event id '%s' appears more than once (a corrupt or concatenated "
                          "catalogue; copies would be counted as aftershocks)", path, p[i]->id);
    free(p);
    return st;
}

int sqk_catalog_read(const char *path, double min_mag, int all_types, sqk_catalog *out)
{
    memset(out, 0, sizeof *out);
    sqk_csv cx;
    int col[NCOL];
    int st = sqk_csv_open(&cx, path);
    if (st == SQK_EEMPTY) return sqk_fail(SQK_EFORMAT, "%s: empty file (expected a USGS ComCat CSV header)", path);
    if (st) return st;
    st = sqk_csv_columns(&cx, col_name, NCOL, col);
    if (!st) st = read_rows(&cx, col, min_mag, all_types, out);
    sqk_csv_close(&cx);
    if (!st) st = sort_by_time(out);
    if (!st) st = check_unique_ids(path, out);
    if (st) sqk_catalog_free(out);
    return st;
}

void sqk_catalog_free(sqk_catalog *c)
{
    if (!c) return;
    free(c->ev);
    memset(c, 0, sizeof *c);
}

/* ------------------------------------------------------------------ writer */

/* Shortest decimal that reads back to exactly v (4.8 rather than 4.7999999999999998). */
static void put_number(FILE *fp, double v)
{
    char buf[40];
    if (!isfinite(v)) return; /* empty field */
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, sizeof buf, "%.*g", prec, v);
        if (strtod(buf, NULL) == v) break;
    }
    fputs(buf, fp);
}

static void put_row(FILE *fp, const sqk_quake *q)
{
    char iso[32];
    sqk_time_format_iso(q->t, iso);
    fprintf(fp, "%s,", iso);
    put_number(fp, q->lat); fputc(',', fp);
    put_number(fp, q->lon); fputc(',', fp);
    put_number(fp, q->depth_km); fputc(',', fp);
    put_number(fp, q->mag); fputc(',', fp);
    sqk_csv_put_text(fp, q->mag_type);
    fputs(",,,,,,", fp);               /* nst, gap, dmin, rms, net: not kept */
    sqk_csv_put_text(fp, q->id);
    fputs(",,,", fp);                  /* updated, place: not kept */
    sqk_csv_put_text(fp, q->type);
    fputs(",,,,,,,\n", fp);            /* errors, magNst, status, sources: not kept */
}

int sqk_catalog_write(const char *path, const sqk_catalog *c)
{
    /* The reader rejects a header without rows, so an empty catalogue is not written. */
    if (c->n == 0) return sqk_fail(SQK_EEMPTY, "%s: no events to write", path);
    order_key *k = sqk_malloc(c->n * sizeof *k);
    if (!k) return SQK_EMEM;
    for (size_t i = 0; i < c->n; i++) k[i] = (order_key){c->ev[i].t, i};
    qsort(k, c->n, sizeof *k, cmp_key_desc);
    sqk_atomic_file a;
    int st = sqk_atomic_open(&a, path);
    if (st) {
        free(k);
        return st;
    }
    FILE *fp = a.f;
    fputs("time,latitude,longitude,depth,mag,magType,nst,gap,dmin,rms,net,id,updated,place,type,"
          "horizontalError,depthError,magError,magNst,status,locationSource,magSource\n", fp);
    for (size_t i = 0; i < c->n; i++) put_row(fp, &c->ev[k[i].i]);
    free(k);
    return sqk_atomic_close(&a, SQK_OK);
}
