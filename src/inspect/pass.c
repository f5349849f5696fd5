/* `seqnetquake inspect` for satellite files: CSES L2 HDF5 (LAP, or any instrument through the
 * generic container) and DEMETER ISL. Prints what a user needs to trust a file: time span,
 * sampling periods and gaps, fill/invalid counts per variable, position ranges, orbit. */
#include "inspect_internal.h"

#include "sqk/archive.h"
#include "sqk/core.h"
#include "sqk/geo.h"
#include "sqk/h5.h"
#include "sqk/time.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Smallest arc [lo, hi] (hi may exceed period) holding every finite value of a periodic
 * quantity (longitude, local time): the complement of the largest empty gap. */
static size_t circular_range(const double *v, size_t n, double period, double *lo, double *hi)
{
    double *s = malloc((n ? n : 1) * sizeof *s);
    size_t k = 0;
    if (!s) return 0;
    for (size_t i = 0; i < n; i++)
        if (isfinite(v[i])) s[k++] = fmod(fmod(v[i], period) + period, period);
    qsort(s, k, sizeof *s, sqk_cmp_f64);
    if (k) {
        size_t after = 0; /* index of the value after the largest gap */
        double gap = s[0] + period - s[k - 1];
        for (size_t i = 1; i < k; i++)
            if (s[i] - s[i - 1] > gap) { gap = s[i] - s[i - 1]; after = i; }
        *lo = s[after];
        *hi = after ? s[after - 1] + period : s[k - 1];
    }
    free(s);
    return k;
}

static void print_linear(FILE *out, const char *label, const double *v, size_t n, const char *units)
{
    double lo = INFINITY, hi = -INFINITY;
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (isfinite(v[i])) { k++; lo = fmin(lo, v[i]); hi = fmax(hi, v[i]); }
    if (k) fprintf(out, "%-13s %.6g .. %.6g %s", label, lo, hi, units);
    else fprintf(out, "%-13s no valid value", label);
    fprintf(out, k < n ? " (%zu invalid/fill)\n" : "\n", n - k);
}

static void print_longitudes(FILE *out, const sqk_pass *p)
{
    double lo = 0, hi = 0;
    size_t k = circular_range(p->lon, p->n, 360.0, &lo, &hi);
    if (!k) { fprintf(out, "%-13s no valid value\n", "longitude:"); return; }
    fprintf(out, "%-13s %.6g .. %.6g deg%s", "longitude:", sqk_lon_wrap(lo), sqk_lon_wrap(hi),
            sqk_lon_wrap(lo) > sqk_lon_wrap(hi) ? " (across the date line)" : "");
    fprintf(out, k < p->n ? " (%zu invalid/fill)\n" : "\n", p->n - k);
}

static void print_local_time(FILE *out, const sqk_pass *p)
{
    double *lt = malloc((p->n ? p->n : 1) * sizeof *lt), lo = 0, hi = 0;
    if (!lt) return;
    size_t night = 0, day = 0;
    for (size_t i = 0; i < p->n; i++) {
        lt[i] = isfinite(p->lon[i]) ? sqk_local_time_h(p->t[i], p->lon[i]) : NAN;
        if (isfinite(lt[i])) { if (sqk_is_night(lt[i])) night++; else day++; }
    }
    if (circular_range(lt, p->n, 24.0, &lo, &hi))
        fprintf(out, "%-13s %.2f .. %.2f h (night %zu, day %zu samples)\n", "local time:", lo,
                fmod(hi, 24.0), night, day);
    free(lt);
}

/* Histogram of time steps (ms resolution): the common periods, then gaps longer than twice
 * the longest common period, other steps, and steps that go backwards or repeat. */
static void print_steps(FILE *out, const sqk_pass *p)
{
    size_t m = p->n > 1 ? p->n - 1 : 0, nback = 0, k = 0;
    int64_t *d = malloc((m ? m : 1) * sizeof *d);
    if (!d) return;
    for (size_t i = 0; i < m; i++) {
        double dt = p->t[i + 1] - p->t[i];
        if (!(dt > 0)) nback++;
        else d[k++] = llround(dt * 1000.0);
    }
    qsort(d, k, sizeof *d, sqk_cmp_i64);
    fprintf(out, "%-13s", "time steps:");
    if (!k) fprintf(out, " none");
    int64_t longest = 0;
    size_t shown = 0, common_min = k / 100 > 2 ? k / 100 : 2;
    for (size_t i = 0; i < k;) {
        size_t j = i;
        while (j < k && d[j] == d[i]) j++;
        if (j - i >= common_min || k < 3) {
            fprintf(out, "%s %g s: %zu", shown++ ? "," : "", d[i] / 1000.0, j - i);
            longest = d[i];
        }
        i = j;
    }
    if (k && !shown) { /* steps all different (jittered stamps): no period to call a gap against */
        fprintf(out, " no common step; %zu steps of %g .. %g s", k, d[0] / 1000.0, d[k - 1] / 1000.0);
        if (nback) fprintf(out, "; non-increasing: %zu", nback);
        fprintf(out, "\n");
        free(d);
        return;
    }
    size_t gaps = 0, other = 0;
    for (size_t i = 0; i < k;) {
        size_t j = i;
        while (j < k && d[j] == d[i]) j++;
        if (d[i] > 2 * longest) gaps += j - i;
        else if (!(j - i >= common_min || k < 3)) other += j - i;
        i = j;
    }
    if (k) fprintf(out, "; gaps > %g s: %zu", 2 * longest / 1000.0, gaps);
    if (other) fprintf(out, "; other steps: %zu", other);
    if (nback) fprintf(out, "; non-increasing: %zu", nback);
    fprintf(out, "\n");
    free(d);
}

static void print_vars(FILE *out, const sqk_pass *p)
{
    for (int v = 0; v < p->nvar; v++) {
        const sqk_var *x = &p->var[v];
        double lo = INFINITY, hi = -INFINITY;
        size_t bad = 0;
        for (size_t i = 0; i < p->n; i++) {
            if (isnan(x->v[i])) bad++;
            else { lo = fmin(lo, x->v[i]); hi = fmax(hi, x->v[i]); }
        }
        fprintf(out, "  %-14s %-8s", x->name, x->units[0] ? x->units : "-");
        if (bad < p->n) fprintf(out, " %12.6g .. %-12.6g", lo, hi);
        else fprintf(out, " %-28s", "no valid value");
        fprintf(out, " fill/invalid %zu\n", bad);
    }
}

static void print_modes(FILE *out, const sqk_pass *p)
{
    if (!p->mode) return;
    size_t c[3] = {0, 0, 0};
    for (size_t i = 0; i < p->n; i++) c[p->mode[i] == SQK_MODE_SURVEY ? 0 : p->mode[i] == SQK_MODE_BURST ? 1 : 2]++;
    fprintf(out, "%-13s survey %zu, burst %zu, unknown %zu\n", "mode:", c[0], c[1], c[2]);
}

/* Root string attribute of any flavour, or -1 when absent or not text. */
static int attr_text(hid_t loc, const char *attr, char *buf, size_t size)
{
    if (sqk_h5_get_attr_str(loc, ".", attr, buf, size) == SQK_OK) return 0;
    sqk_clear_error();
    buf[0] = '\0';
    return -1;
}

/* The root attributes every CSES L2 file carries, on one line. */
static void print_root_attrs(const char *path, FILE *out)
{
    static const char *const names[] = {"ORBITNUM", "ORBITTYPE", "PAYLOADID", "SAMPLERATE", "FREQRANGE", "SOFTVERSION"};
    hid_t f;
    if (sqk_h5_open_read(path, &f)) { sqk_clear_error(); return; }
    fprintf(out, "%-13s", "attributes:");
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char v[128];
        if (attr_text(f, names[i], v, sizeof v)) snprintf(v, sizeof v, "%s", H5Aexists(f, names[i]) > 0 ? "(not text)" : "(none)");
        fprintf(out, "%s %s=%s", i ? "," : "", names[i], v);
    }
    fprintf(out, "\n");
    H5Fclose(f);
}

static void print_pass(FILE *out, const char *kind, const sqk_pass *p)
{
    const char *base = strrchr(p->path, '/');
    char a[32], b[32];
    sqk_time_format_iso(p->t[0], a);
    sqk_time_format_iso(p->t[p->n - 1], b);
    fprintf(out, "%-13s %s\n%-13s %s\n", "file:", base ? base + 1 : p->path, "kind:", kind);
    const char *dir = p->satellite == SQK_SAT_DEMETER
                          ? (p->direction == 0 ? "downgoing (day)" : p->direction == 1 ? "upgoing (night)" : "direction unknown")
                          : (p->direction == 0 ? "descending" : p->direction == 1 ? "ascending" : "direction unknown");
    if (p->orbit >= 0) fprintf(out, "%-13s %d %s\n", "orbit:", p->orbit, dir);
    else fprintf(out, "%-13s unknown\n", "orbit:");
    fprintf(out, "%-13s %s .. %s (%.1f min)\n", "time:", a, b, (p->t[p->n - 1] - p->t[0]) / 60.0);
    fprintf(out, "%-13s %zu\n", "samples:", p->n);
    print_steps(out, p);
    if (p->satellite == SQK_SAT_CSES)
        fprintf(out, "%-13s %zu samples differ by more than 1 ms\n", "UTC/VERSE:", p->n_time_mismatch);
    print_linear(out, "latitude:", p->lat, p->n, "deg");
    print_longitudes(out, p);
    print_local_time(out, p);
    if (p->alt_km) print_linear(out, "altitude:", p->alt_km, p->n, "km");
    if (p->mlat) print_linear(out, "mag. lat:", p->mlat, p->n, "deg");
    print_modes(out, p);
    if (p->satellite == SQK_SAT_CSES) print_root_attrs(p->path, out);
    fprintf(out, "%-13s %zu samples with a fill/invalid value in some variable\n", "fill:", p->n_fill);
    fprintf(out, "variables:\n");
    print_vars(out, p);
}

/* ------------------------------------------------------------------ CSES generic container */

typedef struct { char (*names)[64]; size_t n, cap; } name_list;

static herr_t collect_dataset(hid_t g, const char *name, const H5L_info_t *info, void *data)
{
    (void)info;
    static const char *const skip[] = {"UTC_TIME", "VERSE_TIME", "GEO_LAT", "GEO_LON", "ALTITUDE",
                                       "MAG_LAT", "MAG_LON", "WORKMODE"};
    for (size_t i = 0; i < sizeof skip / sizeof skip[0]; i++)
        if (!strcmp(name, skip[i])) return 0;
    H5O_info_t oi;
    if (H5Oget_info_by_name(g, name, &oi, H5P_DEFAULT) < 0 || oi.type != H5O_TYPE_DATASET) return 0;
    name_list *l = data;
    if (sqk_grow((void **)&l->names, &l->cap, l->n + 1, sizeof *l->names)) return -1;
    snprintf(l->names[l->n++], 64, "%s", name);
    return 0;
}

/* Every non-position dataset of the file, read in batches that fit in one pass. The summary
 * is gathered first and printed only once every batch has read. */
static int inspect_cses_generic(const char *path, const char *kind, FILE *dest)
{
    char *text = NULL;
    size_t text_len = 0;
    FILE *out = open_memstream(&text, &text_len);
    if (!out) return sqk_fail(SQK_EMEM, "%s: out of memory for the summary", path);
    hid_t f;
    int st = sqk_h5_open_read(path, &f);
    if (st) { fclose(out); free(text); return st; }
    name_list l = {0};
    size_t *cols = NULL;
    hsize_t idx = 0;
    if (H5Literate(f, H5_INDEX_NAME, H5_ITER_INC, &idx, collect_dataset, &l) < 0)
        st = sqk_fail(SQK_EFORMAT, "%s: cannot list the datasets", path);
    cols = st ? NULL : calloc(l.n ? l.n : 1, sizeof *cols);
    if (!st && !cols) st = sqk_fail(SQK_EMEM, "%s: out of memory", path);
    for (size_t i = 0; !st && i < l.n; i++) {
        int rank;
        size_t d[4];
        st = sqk_h5_dims(f, l.names[i], &rank, d);
        cols[i] = rank == 2 ? d[1] : 1;
    }
    H5Fclose(f);
    for (size_t i = 0, batch = 0; !st && (i < l.n || batch == 0); batch++) {
        const char *vars[SQK_PASS_MAXVAR];
        int nv = 0;
        size_t used = 0;
        while (i < l.n && nv < SQK_PASS_MAXVAR && (cols[i] > SQK_PASS_MAXVAR || used + cols[i] <= SQK_PASS_MAXVAR)) {
            if (cols[i] > SQK_PASS_MAXVAR) { i++; continue; } /* too wide: listed at the end */
            used += cols[i];
            vars[nv++] = l.names[i++];
        }
        sqk_pass p;
        st = sqk_cses_read(path, vars, nv, &p);
        if (st) break;
        if (batch == 0) print_pass(out, kind, &p);
        else print_vars(out, &p);
        if (batch == 0 && p.warning[0]) fprintf(out, "%-13s %s\n", "warning:", p.warning);
        sqk_pass_free(&p);
        if (i >= l.n) break;
    }
    for (size_t i = 0; !st && i < l.n; i++)
        if (cols[i] > SQK_PASS_MAXVAR) fprintf(out, "  %-14s %zu columns, not summarised\n", l.names[i], cols[i]);
    free(l.names);
    free(cols);
    fclose(out);
    if (!st) fwrite(text, 1, text_len, dest);
    free(text);
    return st;
}

static int inspect_cses(const char *path, FILE *out)
{
    sqk_cses_name nm;
    char kind[96];
    int named = sqk_cses_parse_name(path, &nm) == SQK_OK;
    sqk_clear_error();
    hid_t f;
    int st = sqk_h5_open_read(path, &f);
    if (st) return st;
    int lap = sqk_h5_exists(f, "A311") && sqk_h5_exists(f, "A321");
    H5Fclose(f);
    if (!lap) {
        snprintf(kind, sizeof kind, "CSES %s Level-2 HDF5 (generic container)", named ? nm.instrument : "(unnamed)");
        return inspect_cses_generic(path, kind, out);
    }
    sqk_pass p;
    if ((st = sqk_cses_read_lap(path, &p))) return st;
    print_pass(out, "CSES LAP Level-2 HDF5 (Ne from A311, Te from A321)", &p);
    if (p.warning[0]) fprintf(out, "%-13s %s\n", "warning:", p.warning);
    sqk_pass_free(&p);
    return SQK_OK;
}

static int inspect_demeter(const char *path, FILE *out)
{
    sqk_pass p;
    int st = sqk_demeter_read(path, &p);
    if (st) return st;
    size_t burst = 0;
    for (size_t i = 0; i < p.n; i++) burst += p.mode[i] == SQK_MODE_BURST;
    print_pass(out, burst * 2 > p.n ? "DEMETER ISL level-1 (burst blocks)" : "DEMETER ISL level-1 (survey blocks)", &p);
    if (p.warning[0]) fprintf(out, "%-13s %s\n", "warning:", p.warning);
    sqk_pass_free(&p);
    return SQK_OK;
}

int inspect_pass_file(const char *path, int demeter, FILE *out)
{
    return demeter ? inspect_demeter(path, out) : inspect_cses(path, out);
}
