/* CSES (ZH-1) Level-2 HDF5: the generic container every instrument shares, LAP on top of it,
 * and a LAP writer that follows the conventions of the real files (see docs/formats-notes.md).
 *
 * Every dataset sits in the root group, shaped (N) or (N,k); time and positions use column 0.
 * Each dataset may carry FillValue (float64[1]) and Units; fill samples become NaN. */
#include "sqk/archive.h"
#include "sqk/core.h"
#include "sqk/geo.h"
#include "sqk/h5.h"
#include "sqk/time.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ------------------------------------------------------------------ file names */

static const char *base_name(const char *path)
{
    const char *b = strrchr(path, '/');
    return b ? b + 1 : path;
}

static int all_digits(const char *s, size_t n)
{
    if (strlen(s) != n) return 0;
    for (size_t i = 0; i < n; i++)
        if (!isdigit((unsigned char)s[i])) return 0;
    return 1;
}

/* "YYYYMMDD" + "hhmmss" -> seconds since epoch. */
static int name_time(const char *ymd, const char *hms, double *t)
{
    char stamp[32];
    snprintf(stamp, sizeof stamp, "%.8s_%.6s", ymd, hms);
    return sqk_time_parse_stamp(stamp, t);
}

int sqk_cses_parse_name(const char *path, sqk_cses_name *out)
{
    const char *base = base_name(path);
    char buf[256], *tok[16];
    int nt = 0;
    snprintf(buf, sizeof buf, "%s", base);
    char *dot = strrchr(buf, '.');
    if (dot && !strcasecmp(dot, ".h5")) *dot = '\0';
    for (char *s = strtok(buf, "_"); s && nt < 16; s = strtok(NULL, "_")) tok[nt++] = s;
    if (nt != 12 || strcmp(tok[0], "CSES") || strlen(tok[2]) >= sizeof out->instrument ||
        tok[4][0] != 'L' || !all_digits(tok[6], 6) || !all_digits(tok[7], 8) || !all_digits(tok[8], 6) ||
        !all_digits(tok[9], 8) || !all_digits(tok[10], 6) || !all_digits(tok[11], strlen(tok[11])) ||
        strlen(tok[11]) == 0)
        return sqk_fail(SQK_EFORMAT,
                        "%s: file name does not follow CSES_01_<INS>_<n>_L02_<An>_<orbit><dir>_<start>_<end>_<ver>.h5",
                        path);
    memset(out, 0, sizeof *out);
    snprintf(out->instrument, sizeof out->instrument, "%s", tok[2]);
    out->direction = tok[6][5] - '0';
    tok[6][5] = '\0';
    out->orbit = atoi(tok[6]);
    out->version = atoi(tok[11]);
    if (out->direction > 1)
        return sqk_fail(SQK_EFORMAT, "%s: direction digit %d in the file name is not 0 or 1", path, out->direction);
    int st = name_time(tok[7], tok[8], &out->t_start);
    if (!st) st = name_time(tok[9], tok[10], &out->t_end);
    if (st) return sqk_fail_context(st, "%s: file name", path);
    return SQK_OK;
}

int sqk_cses_lap_name(const sqk_pass *p, int version, char *buf, size_t bufsize)
{
    if (p->n == 0 || !isfinite(p->t[0]) || !isfinite(p->t[p->n - 1]))
        return sqk_fail(SQK_EARG, "CSES file name: the pass has no valid times");
    if (p->orbit < 0 || p->orbit > 99999 || (p->direction != 0 && p->direction != 1) || version < 0 ||
        version > 999)
        return sqk_fail(SQK_EARG, "CSES file name: orbit %d / direction %d / version %d out of range",
                        p->orbit, p->direction, version);
    char a[32], b[32];
    sqk_time_format_stamp(p->t[0], a);
    sqk_time_format_stamp(p->t[p->n - 1], b);
    int k = snprintf(buf, bufsize, "CSES_01_LAP_1_L02_A3_%05d%d_%s_%s_%03d.h5", p->orbit, p->direction, a, b,
                     version);
    if (k < 0 || (size_t)k >= bufsize) return sqk_fail(SQK_EARG, "CSES file name: buffer too small");
    return SQK_OK;
}

/* ------------------------------------------------------------------ reading */

static void add_warning(sqk_pass *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add_warning(sqk_pass *p, const char *fmt, ...)
{
    size_t len = strlen(p->warning);
    if (len + 3 >= sizeof p->warning) return;
    if (len) { strcat(p->warning, "; "); len += 2; }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->warning + len, sizeof p->warning - len, fmt, ap);
    va_end(ap);
}

/* Where a file's datasets come from: HDF5 always for the layout and attributes; the data of
 * plain contiguous datasets straight from the caller's copy of the file when there is one
 * (no HDF5 call, hence none of its global lock, for the bulk of the bytes). */
typedef struct {
    hid_t f;
    const char *path;
    const unsigned char *bytes; /* NULL: everything through HDF5 */
    size_t size;
} cses_src;

/* A dataset that must be (N) or (N,k), opened once; rows must equal n unless n == 0. */
typedef struct {
    sqk_h5_dset d;
    const char *name;
    size_t rows, cols;
} cses_ds;

static int ds_open(const cses_src *s, const char *name, size_t n, cses_ds *x)
{
    x->name = name;
    int st = sqk_h5_dset_open(s->f, name, &x->d);
    if (st) return st;
    const size_t *d = x->d.dims;
    int rank = x->d.rank;
    if (rank < 1 || rank > 2 || d[1] == 0)
        st = sqk_fail(SQK_EFORMAT, "%s: dataset '%s' has rank %d shape (%zu,%zu,...): expected (N) or (N,k)",
                      s->path, name, rank, d[0], d[1]);
    else if (n && d[0] != n)
        st = sqk_fail(SQK_EFORMAT, "%s: dataset '%s' has %zu rows but UTC_TIME has %zu", s->path, name, d[0], n);
    /* A half-orbit has thousands of samples; a corrupt header must not size our buffers. */
    else if (d[0] > ((size_t)1 << 28) || (rank == 2 && d[1] > 4096))
        st = sqk_fail(SQK_EFORMAT, "%s: dataset '%s' has an implausible shape (%zu,%zu)", s->path, name, d[0],
                      rank == 2 ? d[1] : (size_t)1);
    if (st) { sqk_h5_dset_close(&x->d); return st; }
    x->rows = d[0];
    x->cols = rank == 2 ? d[1] : 1;
    return SQK_OK;
}

static void ds_close(cses_ds *x) { sqk_h5_dset_close(&x->d); }

/* The dataset's FillValue attribute, if any (has = 0 when absent; an unreadable or
 * non-numeric one counts as none). Direct calls: this runs for every dataset of every file. */
static void fill_value(const cses_ds *x, double *fill, int *has)
{
    *has = 0;
    if (H5Aexists(x->d.id, "FillValue") <= 0) return;
    hid_t a = H5Aopen(x->d.id, "FillValue", H5P_DEFAULT);
    if (a < 0) return;
    hid_t sp = H5Aget_space(a), ft = H5Aget_type(a);
    hssize_t npts = H5Sget_simple_extent_npoints(sp);
    H5T_class_t cls = H5Tget_class(ft);
    if ((cls == H5T_FLOAT || cls == H5T_INTEGER) && npts >= 1) {
        double *tmp = npts == 1 ? fill : malloc((size_t)npts * sizeof *tmp);
        if (tmp && H5Aread(a, H5T_NATIVE_DOUBLE, tmp) >= 0) {
            *fill = tmp[0];
            *has = 1;
        }
        if (tmp != fill) free(tmp);
    }
    H5Tclose(ft);
    H5Sclose(sp);
    H5Aclose(a);
}

static int is_fill(double v, double fill, int has)
{
    return has && fabs(v - fill) <= 1e-9 * fabs(fill);
}

/* Little-endian values at p as the C conversions HDF5's own would do. */
static double get_f64(const unsigned char *p) { uint64_t u = 0; for (int i = 7; i >= 0; i--) u = u << 8 | p[i]; double v; memcpy(&v, &u, 8); return v; }
static float get_f32(const unsigned char *p) { uint32_t u = 0; for (int i = 3; i >= 0; i--) u = u << 8 | p[i]; float v; memcpy(&v, &u, 4); return v; }
static int64_t get_i64(const unsigned char *p) { uint64_t u = 0; for (int i = 7; i >= 0; i--) u = u << 8 | p[i]; return (int64_t)u; }
static int32_t get_i32(const unsigned char *p) { uint32_t u = 0; for (int i = 3; i >= 0; i--) u = u << 8 | p[i]; return (int32_t)u; }

/* The raw bytes of x when they can be taken from the caller's copy: *kind = index into the
 * types list, NULL otherwise. */
static const unsigned char *raw_data(const cses_src *s, const cses_ds *x, const hid_t *types, int ntypes, int *kind)
{
    size_t off;
    if (!s->bytes) return NULL;
    int k = sqk_h5_dset_raw(&x->d, types, ntypes, &off);
    if (k < 0) return NULL;
    size_t len = x->d.count * H5Tget_size(types[k]);
    if (off > s->size || len > s->size - off) return NULL; /* let HDF5 report it */
    *kind = k;
    return s->bytes + off;
}

/* The whole dataset as doubles (n * cols values). */
static int ds_read_f64(const cses_src *s, const cses_ds *x, double *all)
{
    const hid_t types[4] = {H5T_IEEE_F64LE, H5T_IEEE_F32LE, H5T_STD_I32LE, H5T_STD_I64LE};
    int k;
    const unsigned char *raw = raw_data(s, x, types, 4, &k);
    if (!raw) return sqk_h5_dset_read(&x->d, x->name, H5T_NATIVE_DOUBLE, all);
    size_t m = x->d.count;
    switch (k) {
    case 0: for (size_t i = 0; i < m; i++) all[i] = get_f64(raw + 8 * i); break;
    case 1: for (size_t i = 0; i < m; i++) all[i] = (double)get_f32(raw + 4 * i); break;
    case 2: for (size_t i = 0; i < m; i++) all[i] = (double)get_i32(raw + 4 * i); break;
    default: for (size_t i = 0; i < m; i++) all[i] = (double)get_i64(raw + 8 * i); break;
    }
    return SQK_OK;
}

static int ds_read_i64(const cses_src *s, const cses_ds *x, int64_t *all)
{
    const hid_t types[1] = {H5T_STD_I64LE};
    int k;
    const unsigned char *raw = raw_data(s, x, types, 1, &k);
    if (!raw) return sqk_h5_dset_read(&x->d, x->name, H5T_NATIVE_INT64, all);
    for (size_t i = 0; i < x->d.count; i++) all[i] = get_i64(raw + 8 * i);
    return SQK_OK;
}

/* Column col of an already read (n,cols) block, fill -> NaN; returns the NaN count. */
static size_t take_column(const double *all, size_t n, size_t cols, size_t col, double fill, int has, double *out)
{
    size_t bad = 0;
    for (size_t i = 0; i < n; i++) {
        double v = all[i * cols + col];
        if (is_fill(v, fill, has) || !isfinite(v)) { v = NAN; bad++; }
        out[i] = v;
    }
    return bad;
}

/* Column 0 of an (N,k) float dataset as doubles, fill -> NaN. */
static int read_column(const cses_src *s, const char *name, size_t n, double *out)
{
    cses_ds x;
    int st = ds_open(s, name, n, &x);
    if (st) return st;
    double fill;
    int has;
    fill_value(&x, &fill, &has);
    double *all = x.cols == 1 ? out : sqk_malloc(n * x.cols * sizeof *all);
    if (!all) st = SQK_EMEM;
    if (!st) st = ds_read_f64(s, &x, all);
    if (!st) take_column(all, n, x.cols, 0, fill, has, out);
    if (all != out) free(all);
    ds_close(&x);
    return st;
}

/* Column 0 of an int64 dataset (times must not pass through double: 17 digits > 2^53). */
static int read_i64_col0(const cses_src *s, cses_ds *x, size_t n, int64_t *out)
{
    int64_t *all = x->cols == 1 ? out : sqk_malloc(n * x->cols * sizeof *all);
    if (!all) return SQK_EMEM;
    int st = ds_read_i64(s, x, all);
    if (x->cols > 1) {
        for (size_t i = 0; st == SQK_OK && i < n; i++) out[i] = all[i * x->cols];
        free(all);
    }
    return st;
}

/* UTC_TIME (opened by the caller, which sized the pass from it) is the time; VERSE_TIME (when
 * present) must agree within 1 ms. */
static int read_times(const cses_src *s, cses_ds *utc_ds, sqk_pass *p)
{
    size_t n = p->n;
    double ufill, vfill;
    int uhas, vhas = 0, has_verse = sqk_h5_exists(s->f, "VERSE_TIME");
    cses_ds verse_ds = {.d = {.id = -1}};
    fill_value(utc_ds, &ufill, &uhas);
    int64_t *utc = sqk_malloc(2 * (n ? n : 1) * sizeof *utc), *verse = utc + n;
    if (!utc) return SQK_EMEM;
    int st = read_i64_col0(s, utc_ds, n, utc);
    if (!st && has_verse) {
        st = ds_open(s, "VERSE_TIME", n, &verse_ds);
        if (!st) fill_value(&verse_ds, &vfill, &vhas);
        if (!st) st = read_i64_col0(s, &verse_ds, n, verse);
        ds_close(&verse_ds);
    }
    size_t compared = 0, first_bad = n;
    for (size_t i = 0; st == SQK_OK && i < n; i++) {
        double tu = NAN, tv = NAN;
        if (!is_fill((double)utc[i], ufill, uhas) && (st = sqk_time_from_cses_utc(utc[i], &tu)) != SQK_OK) {
            st = sqk_fail_context(st, "%s: dataset UTC_TIME, sample %zu", p->path, i);
            break;
        }
        if (has_verse && !is_fill((double)verse[i], vfill, vhas)) tv = sqk_time_from_verse(verse[i]);
        if (isfinite(tu) && isfinite(tv)) {
            compared++;
            if (fabs(tu - tv) > 1.5e-3) {
                if (first_bad == n) first_bad = i;
                p->n_time_mismatch++;
            }
        }
        p->t[i] = isfinite(tu) ? tu : tv;
        if (!isfinite(p->t[i]))
            st = sqk_fail(SQK_EFORMAT, "%s: sample %zu has neither a valid UTC_TIME nor a VERSE_TIME", p->path, i);
    }
    if (!st && compared > 0 && p->n_time_mismatch == compared) {
        char a[32], b[32];
        sqk_time_format_iso(p->t[first_bad], a);
        sqk_time_format_iso(sqk_time_from_verse(verse[first_bad]), b);
        st = sqk_fail(SQK_EFORMAT,
                      "%s: UTC_TIME and VERSE_TIME disagree in every sample (first: sample %zu, UTC_TIME %lld = %s, "
                      "VERSE_TIME %lld = %s)",
                      p->path, first_bad, (long long)utc[first_bad], a, (long long)verse[first_bad], b);
    }
    if (!st && !has_verse) add_warning(p, "no VERSE_TIME: times not cross-checked");
    free(utc);
    return st;
}

/* WORKMODE codes in the files this project writes: 1 survey, 2 burst (docs/formats-notes.md). */
static uint8_t workmode_to_mode(double w)
{
    if (w == 1) return SQK_MODE_SURVEY;
    if (w == 2) return SQK_MODE_BURST;
    return SQK_MODE_UNKNOWN;
}

static int read_positions(const cses_src *s, sqk_pass *p)
{
    size_t n = p->n;
    int st = read_column(s, "GEO_LAT", n, p->lat);
    if (!st) st = read_column(s, "GEO_LON", n, p->lon);
    if (!st && p->alt_km) st = read_column(s, "ALTITUDE", n, p->alt_km);
    if (!st && p->mlat) st = read_column(s, "MAG_LAT", n, p->mlat);
    if (st) return st;
    for (size_t i = 0; i < n; i++) {
        if (fabs(p->lat[i]) > 90) p->lat[i] = NAN; /* outside the globe: invalid, stays visible as NaN */
        /* [0, 360) and [-180, 180) conventions both wrap; beyond one turn (an unflagged -9999
         * fill) it is invalid too, as in the DEMETER reader. */
        p->lon[i] = isfinite(p->lon[i]) && fabs(p->lon[i]) <= 360 ? sqk_lon_wrap(p->lon[i]) : NAN;
    }
    if (p->mode) {
        double *w = sqk_malloc((n ? n : 1) * sizeof *w);
        if (!w) return SQK_EMEM;
        st = read_column(s, "WORKMODE", n, w);
        for (size_t i = 0; !st && i < n; i++) p->mode[i] = workmode_to_mode(w[i]);
        free(w);
    }
    return st;
}

/* String attribute of any flavour the real files use (see sqk_h5_get_attr_str).
 * Returns 0 when read, -1 when absent or not text. */
static int attr_text(hid_t loc, const char *obj, const char *attr, char *buf, size_t size)
{
    if (sqk_h5_get_attr_str(loc, obj, attr, buf, size) == SQK_OK) return 0;
    sqk_clear_error();
    buf[0] = '\0';
    return -1;
}

/* Attribute text as it may be quoted in a message: control and non-ASCII bytes become '?'. */
static const char *printable(char *s)
{
    for (char *c = s; *c; c++)
        if (!isprint((unsigned char)*c)) *c = '?';
    return s;
}

/* Units string attribute, "" when absent or empty (some real datasets have a null Units). */
static void units_attr(const cses_ds *x, char *buf, size_t size)
{
    if (attr_text(x->d.id, ".", "Units", buf, size)) buf[0] = '\0';
}

/* One named dataset -> one variable per column ("B_FGM[0]", ... when k > 1). */
static int read_variable(const cses_src *s, sqk_pass *p, const char *name, uint8_t *bad_sample)
{
    cses_ds x;
    int st = ds_open(s, name, p->n, &x);
    if (st) return st;
    char units[32];
    units_attr(&x, units, sizeof units);
    double fill;
    int has;
    fill_value(&x, &fill, &has);
    size_t cols = x.cols;
    double *all = NULL;
    for (size_t c = 0; !st && c < cols; c++) {
        char vname[32];
        if (cols == 1) snprintf(vname, sizeof vname, "%s", name);
        else snprintf(vname, sizeof vname, "%.18s[%d]", name, (int)(c % 1000));
        int k = sqk_pass_add_var(p, vname, units);
        if (k < 0) { st = sqk_fail_context(k, "%s: dataset '%s' with %zu columns", p->path, name, cols); break; }
        if (c == 0) { /* read once, on the first column (after its variable exists, as before) */
            all = cols == 1 ? p->var[k].v : sqk_malloc(p->n * cols * sizeof *all);
            st = all ? ds_read_f64(s, &x, all) : SQK_EMEM;
            if (st) break;
        }
        size_t nbad = take_column(all, p->n, cols, c, fill, has, p->var[k].v);
        for (size_t i = 0; nbad && i < p->n; i++)
            if (isnan(p->var[k].v[i])) bad_sample[i] = 1;
    }
    if (cols > 1) free(all);
    ds_close(&x);
    return st;
}

/* Root attribute as text (string or number), "" when absent. */
static void root_attr_text(hid_t f, const char *attr, char *buf, size_t size)
{
    if (attr_text(f, ".", attr, buf, size) == 0) return;
    double v;
    size_t got;
    if (sqk_h5_attr_exists(f, ".", attr) && sqk_h5_get_attr_f64(f, ".", attr, &v, 1, &got) == SQK_OK)
        snprintf(buf, size, "%.0f", v);
    else
        buf[0] = '\0';
    sqk_clear_error();
}

/* Orbit and direction: the root attributes win, the file name is the fallback; any
 * disagreement (and a direction contradicting the latitude trend) goes into the warning. */
static void orbit_and_direction(hid_t f, sqk_pass *p)
{
    char num[32], type[32];
    root_attr_text(f, "ORBITNUM", num, sizeof num);
    root_attr_text(f, "ORBITTYPE", type, sizeof type);
    int a_orbit = -1, a_dir = SQK_DIR_UNKNOWN;
    char *end;
    long v = strtol(num, &end, 10);
    if (num[0] && *end == '\0' && v >= 0) a_orbit = (int)v;
    v = strtol(type, &end, 10);
    if (type[0] && *end == '\0' && (v == 0 || v == 1)) a_dir = (int)v;
    sqk_cses_name nm;
    int named = sqk_cses_parse_name(p->path, &nm) == SQK_OK;
    sqk_clear_error();
    p->orbit = a_orbit >= 0 ? a_orbit : named ? nm.orbit : -1;
    p->direction = a_dir != SQK_DIR_UNKNOWN ? a_dir : named ? nm.direction : SQK_DIR_UNKNOWN;
    if (named && a_orbit >= 0 && a_orbit != nm.orbit)
        add_warning(p, "orbit %d in ORBITNUM but %d in the file name", a_orbit, nm.orbit);
    if (named && a_dir != SQK_DIR_UNKNOWN && a_dir != nm.direction)
        add_warning(p, "direction %d in ORBITTYPE but %d in the file name", a_dir, nm.direction);
    if (!named) add_warning(p, "file name does not follow the CSES scheme");
    /* Ascending means northward: compare with the latitudes actually flown. */
    double first = NAN, last = NAN;
    for (size_t i = 0; i < p->n && isnan(first); i++) first = p->lat[i];
    for (size_t i = p->n; i-- > 0 && isnan(last);) last = p->lat[i];
    if (p->direction != SQK_DIR_UNKNOWN && fabs(last - first) > 10 && (last > first) != (p->direction == 1))
        add_warning(p, "direction %s but latitude goes from %.1f to %.1f",
                    p->direction == 1 ? "ascending" : "descending", first, last);
}

static int read_file(const cses_src *s, const char *const *vars, int nvars, const sqk_cses_opts *o, sqk_pass *out)
{
    const char *path = s->path;
    cses_ds utc;
    int st = ds_open(s, "UTC_TIME", 0, &utc);
    if (st) return st;
    size_t n = utc.rows;
    if (n == 0) st = sqk_fail(SQK_EEMPTY, "%s: UTC_TIME has no samples", path);
    if (!st) {
        int extras = !(o && o->skip_extras);
        snprintf(out->path, sizeof out->path, "%s", path);
        st = sqk_pass_alloc(out, n, extras && sqk_h5_exists(s->f, "ALTITUDE"),
                            extras && sqk_h5_exists(s->f, "MAG_LAT"), sqk_h5_exists(s->f, "WORKMODE"));
        out->satellite = SQK_SAT_CSES;
    }
    if (!st) st = read_times(s, &utc, out);
    ds_close(&utc);
    if (!st) st = read_positions(s, out);
    uint8_t *bad = st ? NULL : sqk_calloc(n, 1);
    if (!st && !bad) st = SQK_EMEM;
    for (int i = 0; !st && i < nvars; i++) st = read_variable(s, out, vars[i], bad);
    for (size_t i = 0; !st && i < n; i++) out->n_fill += bad[i];
    if (!st) orbit_and_direction(s->f, out);
    free(bad);
    return st;
}

static int read_direct(const char *path, const char *const *vars, int nvars, const sqk_cses_opts *o, sqk_pass *out)
{
    memset(out, 0, sizeof *out);
    if (nvars < 0 || nvars > SQK_PASS_MAXVAR) return sqk_fail(SQK_EARG, "%s: bad variable count %d", path, nvars);
    cses_src s = {.path = path};
    int st = o && o->bytes ? sqk_h5_open_image(path, o->bytes, o->size, &s.f) : sqk_h5_open_read(path, &s.f);
    if (!st) {
        if (o && o->bytes) { s.bytes = o->bytes; s.size = o->size; }
        st = read_file(&s, vars, nvars, o, out);
        H5Fclose(s.f);
    }
    if (st) sqk_pass_free(out);
    return st;
}

typedef struct {
    const char *const *vars;
    int nvars;
    const sqk_cses_opts *o;
} read_args;

static int read_worker(const char *path, const void *arg, sqk_buf *reply)
{
    const read_args *a = arg;
    sqk_pass p;
    int st = read_direct(path, a->vars, a->nvars, a->o, &p);
    if (!st) st = sqk_pass_pack(&p, reply);
    sqk_pass_free(&p);
    return st;
}

int sqk_cses_read_opt(const char *path, const char *const *vars, int nvars, const sqk_cses_opts *o, sqk_pass *out)
{
    if (!sqk_isolation_on()) return read_direct(path, vars, nvars, o, out);
    memset(out, 0, sizeof *out);
    read_args a = {vars, nvars, o};
    sqk_buf b;
    int st = sqk_isolated("HDF5", path, read_worker, &a, &b);
    if (!st) st = sqk_pass_unpack(&b, out);
    sqk_buf_free(&b);
    return st;
}

int sqk_cses_lap_worker(const char *path, const void *arg, sqk_buf *reply)
{
    sqk_cses_opts o = arg ? *(const sqk_cses_opts *)arg : (sqk_cses_opts){0};
    o.bytes = sqk_slurp(path, &o.size);
    sqk_pass p;
    int st = sqk_cses_read_lap_opt(path, &o, &p);
    if (!st) st = sqk_pass_pack(&p, reply);
    sqk_pass_free(&p);
    free((void *)o.bytes);
    return st;
}

int sqk_cses_read(const char *path, const char *const *vars, int nvars, sqk_pass *out)
{
    return sqk_cses_read_opt(path, vars, nvars, NULL, out);
}

/* ------------------------------------------------------------------ LAP */

static int same_unit(const char *u, const char *const *list)
{
    for (; *list; list++)
        if (!strcasecmp(u, *list)) return 1;
    return 0;
}

/* Factor that turns a density in these units into cm^-3, 0 when unknown. */
static double ne_factor(const char *units)
{
    static const char *const per_m3[] = {"/m^3", "m^-3", "m-3", "/m3", "1/m^3", "m^(-3)", NULL};
    static const char *const per_cm3[] = {"cm^-3", "/cc", "cm-3", "/cm^3", "/cm3", "1/cm^3", "cm^(-3)", "#/cm^3", NULL};
    char u[32];
    size_t k = 0;
    for (const char *s = units; *s && k + 1 < sizeof u; s++)
        if (!isspace((unsigned char)*s)) u[k++] = *s;
    u[k] = '\0';
    if (same_unit(u, per_m3)) return 1e-6;
    if (same_unit(u, per_cm3)) return 1.0;
    return 0;
}

static double te_factor(const char *units)
{
    static const char *const kelvin[] = {"K", "Kelvin", NULL};
    char u[32]; /* blanks dropped as for Ne (space-padded fixed-length strings) */
    size_t k = 0;
    for (const char *s = units; *s && k + 1 < sizeof u; s++)
        if (!isspace((unsigned char)*s)) u[k++] = *s;
    u[k] = '\0';
    if (same_unit(u, kelvin)) return 1.0;
    if (!strcasecmp(u, "eV")) return 11604.518; /* K per eV */
    return 0;
}

int sqk_cses_read_lap_opt(const char *path, const sqk_cses_opts *o, sqk_pass *out)
{
    static const char *const vars[] = {"A311", "A321"};
    int st = sqk_cses_read_opt(path, vars, 2, o, out);
    if (st) return st;
    if (out->nvar != 2 || strcmp(out->var[0].name, "A311") || strcmp(out->var[1].name, "A321")) {
        st = sqk_fail(SQK_EFORMAT, "%s: LAP datasets A311/A321 must have one column, got %d columns in all",
                      path, out->nvar);
        sqk_pass_free(out);
        return st;
    }
    double fne = ne_factor(out->var[0].units), fte = te_factor(out->var[1].units);
    if (fne == 0 || fte == 0) {
        st = fne == 0
                 ? sqk_fail(SQK_EFORMAT, "%s: dataset A311 (Ne) has Units '%s', not a known density unit "
                                         "(m^-3 or cm^-3 forms)", path, printable(out->var[0].units))
                 : sqk_fail(SQK_EFORMAT, "%s: dataset A321 (Te) has Units '%s', not K or eV", path,
                            printable(out->var[1].units));
        sqk_pass_free(out);
        return st;
    }
    for (size_t i = 0; i < out->n; i++) {
        out->var[0].v[i] *= fne;
        out->var[1].v[i] *= fte;
    }
    snprintf(out->var[0].name, sizeof out->var[0].name, "Ne");
    snprintf(out->var[0].units, sizeof out->var[0].units, "cm^-3");
    snprintf(out->var[1].name, sizeof out->var[1].name, "Te");
    snprintf(out->var[1].units, sizeof out->var[1].units, "K");
    return SQK_OK;
}

int sqk_cses_read_lap(const char *path, sqk_pass *out)
{
    return sqk_cses_read_lap_opt(path, NULL, out);
}

/* ------------------------------------------------------------------ writing LAP */

/* How this project stores Ne: SI, like the real L2 products state physical quantities
 * (docs/formats-notes.md); the reader converts back to cm^-3. */
#define LAP_NE_UNITS "/m^3"
#define LAP_NE_PER_CM3 1e6
#define FILL_POS (-9999.0)
#define FILL_VAR (-999999.0)

typedef struct {
    hid_t f;
    size_t n;
    const char *gen_date;
    const sqk_pass *p;
    int ine, ite;
} lap_writer;

/* One (N,1) contiguous dataset and its five attributes; vr_text replaces the numeric
 * ValidRange for the time datasets, as in the real files. */
static int write_dataset(const lap_writer *w, const char *name, hid_t ftype, hid_t mtype, const void *v,
                         double fill, const char *units, const char *long_name, const double vr[2],
                         const char *vr_text)
{
    size_t dims[2] = {w->n, 1};
    int st = sqk_h5_write(w->f, name, ftype, mtype, 2, dims, v);
    if (!st) st = sqk_h5_set_attr_f64(w->f, name, "FillValue", &fill, 1);
    if (!st) st = sqk_h5_set_attr_str(w->f, name, "GenerationDate", w->gen_date);
    if (!st) st = sqk_h5_set_attr_str(w->f, name, "LongName", long_name);
    if (!st) st = sqk_h5_set_attr_str(w->f, name, "Units", units);
    if (!st) st = vr_text ? sqk_h5_set_attr_str(w->f, name, "ValidRange", vr_text)
                          : sqk_h5_set_attr_f64(w->f, name, "ValidRange", vr, 2);
    return st;
}

static int write_f32(const lap_writer *w, const char *name, const double *v, float *tmp, const char *units,
                     const char *long_name, double lo, double hi)
{
    for (size_t i = 0; i < w->n; i++) tmp[i] = v && isfinite(v[i]) ? (float)v[i] : (float)FILL_POS;
    double vr[2] = {lo, hi};
    return write_dataset(w, name, H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, tmp, FILL_POS, units, long_name, vr, NULL);
}

static int write_f64(const lap_writer *w, const char *name, const double *v, double scale, double *tmp,
                     const char *units, const char *long_name, double lo, double hi)
{
    for (size_t i = 0; i < w->n; i++) tmp[i] = isfinite(v[i]) ? v[i] * scale : FILL_VAR;
    double vr[2] = {lo, hi};
    return write_dataset(w, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, tmp, FILL_VAR, units, long_name, vr, NULL);
}

static int write_times(const lap_writer *w, const sqk_pass *p, int64_t *tmp)
{
    for (size_t i = 0; i < w->n; i++) tmp[i] = sqk_time_to_cses_utc(p->t[i]);
    int st = write_dataset(w, "UTC_TIME", H5T_STD_I64LE, H5T_NATIVE_INT64, tmp, FILL_POS, "YYYYMMDDHHMMSS.mmm",
                           "Coordinated Universal Time", NULL, "20150101000000.000-20500101000000.000");
    for (size_t i = 0; !st && i < w->n; i++) tmp[i] = sqk_time_to_verse(p->t[i]);
    if (!st)
        st = write_dataset(w, "VERSE_TIME", H5T_STD_I64LE, H5T_NATIVE_INT64, tmp, FILL_POS, "ms", "2009-1-1 0:0:0",
                           NULL, "--");
    return st;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Median time step (s) of the pass, for the SAMPLERATE attribute. */
static double typical_step_s(const sqk_pass *p)
{
    size_t k = 0, m = p->n > 1 ? p->n - 1 : 0;
    double *d = sqk_malloc((m ? m : 1) * sizeof *d);
    if (!d) { sqk_clear_error(); return NAN; }
    for (size_t i = 0; i < m; i++)
        if (p->t[i + 1] > p->t[i]) d[k++] = p->t[i + 1] - p->t[i];
    qsort(d, k, sizeof *d, cmp_double);
    double med = k ? d[k / 2] : NAN;
    free(d);
    return med;
}

static int write_root_attrs(const lap_writer *w, const sqk_pass *p)
{
    char orbit[16], type[4], rate[48];
    snprintf(orbit, sizeof orbit, "%06d", p->orbit);
    snprintf(type, sizeof type, "%d", p->direction);
    double step = typical_step_s(p);
    if (isfinite(step)) snprintf(rate, sizeof rate, "LAP:%.3gHz", 1.0 / step);
    else snprintf(rate, sizeof rate, "LAP:--");
    int st = sqk_h5_set_attr_str(w->f, ".", "FREQRANGE", "LAP:DC");
    if (!st) st = sqk_h5_set_attr_str(w->f, ".", "ORBITNUM", orbit);
    if (!st) st = sqk_h5_set_attr_str(w->f, ".", "ORBITTYPE", type);
    if (!st) st = sqk_h5_set_attr_str(w->f, ".", "PAYLOADID", "146F0401");
    if (!st) st = sqk_h5_set_attr_str(w->f, ".", "SAMPLERATE", rate);
    if (!st) st = sqk_h5_set_attr_str(w->f, ".", "SOFTVERSION", "V1.0");
    return st;
}

static int write_lap_contents(const lap_writer *w, const sqk_pass *p, int ine, int ite)
{
    size_t n = w->n;
    void *buf = sqk_malloc(n * sizeof(double));
    double *mlat = sqk_malloc(2 * n * sizeof *mlat), *mlon = mlat ? mlat + n : NULL;
    int32_t *wm = sqk_malloc(n * sizeof *wm);
    int st = buf && mlat && wm ? SQK_OK : SQK_EMEM;
    if (!st) st = write_root_attrs(w, p);
    if (!st) st = write_times(w, p, buf);
    for (size_t i = 0; !st && i < n; i++) {
        double ml, mo;
        sqk_geomag(p->lat[i], p->lon[i], &ml, &mo);
        mlat[i] = p->mlat ? p->mlat[i] : ml;
        mlon[i] = isfinite(p->lat[i]) && isfinite(p->lon[i]) ? mo : NAN;
    }
    if (!st) st = write_f32(w, "GEO_LAT", p->lat, buf, "deg", "Geographic coordinate latitude", -90, 90);
    if (!st) st = write_f32(w, "GEO_LON", p->lon, buf, "deg", "Geographic coordinate longitude", -180, 180);
    if (!st) st = write_f32(w, "ALTITUDE", p->alt_km, buf, "km", "Satellite altitude(Earth radius is 6371.2km)", 0, 1000);
    if (!st) st = write_f32(w, "MAG_LAT", mlat, buf, "deg", "Dipole coordinates latitude", -90, 90);
    if (!st) st = write_f32(w, "MAG_LON", mlon, buf, "deg", "Dipole coordinates longitude", -180, 180);
    if (!st) st = write_f64(w, "A311", p->var[ine].v, LAP_NE_PER_CM3, buf, LAP_NE_UNITS, "Electron density", 5e8, 1e13);
    if (!st) st = write_f64(w, "A321", p->var[ite].v, 1.0, buf, "K", "Electron temperature", 500, 10000);
    for (size_t i = 0; !st && i < n; i++)
        wm[i] = !p->mode ? (int32_t)FILL_POS : p->mode[i] == SQK_MODE_SURVEY ? 1 : p->mode[i] == SQK_MODE_BURST ? 2 : (int32_t)FILL_POS;
    double vr[2] = {1, 2};
    if (!st)
        st = write_dataset(w, "WORKMODE", H5T_STD_I32LE, H5T_NATIVE_INT32, wm, FILL_POS, "none", "1: survey 2: burst",
                           vr, NULL);
    free(buf);
    free(mlat);
    free(wm);
    return st;
}

static int write_lap_file(hid_t f, const void *ctx)
{
    lap_writer w = *(const lap_writer *)ctx;
    w.f = f;
    return write_lap_contents(&w, w.p, w.ine, w.ite);
}

int sqk_cses_write_lap(const char *dir, const sqk_pass *p, char *path_out, size_t path_size)
{
    int ine = sqk_pass_find_var(p, "Ne"), ite = sqk_pass_find_var(p, "Te");
    if (ine < 0 || ite < 0) return sqk_fail(SQK_EARG, "writing a LAP file: the pass needs variables Ne and Te");
    for (size_t i = 0; i < p->n; i++)
        if (!isfinite(p->t[i])) return sqk_fail(SQK_EARG, "writing a LAP file: sample %zu has no valid time", i);
    char name[128], path[2048];
    int st = sqk_cses_lap_name(p, 0, name, sizeof name);
    if (st) return st;
    int k = snprintf(path, sizeof path, "%s/%s", dir, name);
    if (k < 0 || (size_t)k >= sizeof path || (size_t)k >= path_size)
        return sqk_fail(SQK_EARG, "%s: path too long", dir);
    char gen[32];
    sqk_civil c;
    sqk_time_to_civil(floor(p->t[p->n - 1]), &c); /* deterministic: the data's own end time */
    snprintf(gen, sizeof gen, "%04d-%02d-%02d %02d:%02d:%02d", c.year % 10000, c.month, c.day, c.hour, c.minute,
             (int)c.second);
    /* The same pass gives the same bytes: no time stamps, a generation date from the data. */
    const lap_writer w = {.n = p->n, .gen_date = gen, .p = p, .ine = ine, .ite = ite};
    if ((st = sqk_h5_write_file(path, write_lap_file, &w))) return st;
    snprintf(path_out, path_size, "%s", path);
    return SQK_OK;
}
