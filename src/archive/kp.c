/* Kp index tables: GFZ Kp_ap_since_1932.txt, GFZ WDC Kp_defYYYY.wdc and CelesTrak SW-All.csv,
 * detected from the first data line, read into one uniform 3-hour series.
 *
 * Decisions a user should know about:
 * - Values are kept as exact thirds (0, 1/3, 2/3, 1, ...), so the same Kp read from any of the
 *   three formats is the same float. A value that is not a third (Kp*10 not ending in 0, 3, 7;
 *   a decimal more than 0.01/3 from a third) or outside [0, 9] is an error naming the line.
 * - Missing values (GFZ -1, an empty CelesTrak field) and days absent from the file are NaN,
 *   never 0. The series runs from 00 UT of the earliest day to 24 UT of the latest day.
 * - Rows may come in any order. The same interval given twice with the same value is
 *   accepted (overlapping downloads); with a different value it is an error naming both lines.
 * - CelesTrak rows marked predicted (F10.7_DATA_TYPE PRD or PRM) are forecasts, not
 *   measurements, and are skipped (their Kp are often not thirds anyway). Every row must have
 *   as many fields as the header, so a cut-off forecast row cannot pass as a measurement.
 * - GFZ lines must have all 10 columns (a line cut inside its Kp would read as another value).
 * - WDC lines must have the full 62 columns, and the daily sum must agree with the eight
 *   values; two-digit years 32-99 are 19xx, 00-31 are 20xx.
 * - Years outside 1900-2100 are rejected (a typo there would allocate a huge series). */
#include "sqk/archive.h"
#include "sqk/core.h"
#include "sqk/csv.h"
#include "sqk/time.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KP_STEP_S 10800.0
#define KP_MISSING (-1)   /* thirds value of a missing interval */
#define KP_UNSET (-2)     /* interval not given by any line */

typedef struct {
    int64_t slot;   /* days since epoch * 8 + interval of the day */
    int thirds;     /* 0..27, or KP_MISSING */
    size_t line;
} kp_row;

typedef struct {
    const char *path;
    size_t line;
    int format;
    /* CelesTrak column positions, from the header. */
    int c_date, c_kp[8], c_type, c_max, c_nf;
    char **field;   /* fields of the current CelesTrak line */
    size_t field_cap;
    kp_row *rows;
    size_t nrows, cap;
} kp_ctx;

const char *sqk_kp_format_name(int format)
{
    switch (format) {
    case SQK_KP_FMT_GFZ: return "GFZ Kp_ap_since_1932.txt";
    case SQK_KP_FMT_WDC: return "GFZ WDC Kp_defYYYY.wdc";
    case SQK_KP_FMT_CELESTRAK: return "CelesTrak SW-All.csv";
    default: return "unknown";
    }
}

/* ------------------------------------------------------------------ small parsers */

/* Non-negative integer in s[0..n) with optional leading spaces (fixed-width fields). */
static int parse_uint_field(const char *s, size_t n, int *v)
{
    size_t i = 0;
    while (i < n && s[i] == ' ') i++;
    if (i == n) return 0;
    int x = 0;
    for (; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return 0;
        if (x > (INT_MAX - (s[i] - '0')) / 10) return 0; /* 4294967386 is not Kp 9.0 (wrapped) */
        x = x * 10 + (s[i] - '0');
    }
    *v = x;
    return 1;
}

/* Strict decimal (no "nan", "inf" or hex, which strtod would take). */
static int parse_decimal(const char *s, double *v)
{
    if (!*s) return 0;
    for (const char *c = s; *c; c++)
        if (!strchr("0123456789+-.eE", *c)) return 0;
    char *end;
    errno = 0;
    *v = strtod(s, &end);
    return *end == '\0' && errno == 0 && isfinite(*v);
}

static int fail_line(const kp_ctx *cx, int code, const char *what)
{
    return sqk_fail(code, "%s line %zu: %s", cx->path, cx->line, what);
}

/* Kp*10 as written by WDC and CelesTrak (0, 3, 7, 10, 13, 17, ..., 90) -> thirds. */
static int thirds_from_kp10(const kp_ctx *cx, int v, int *thirds)
{
    if (v < 0 || v > 90)
        return sqk_fail(SQK_EVALUE, "%s line %zu: Kp %.1f outside [0, 9] (Kp*10 = %d)", cx->path,
                        cx->line, v / 10.0, v);
    int r = v % 10;
    if (r != 0 && r != 3 && r != 7)
        return sqk_fail(SQK_EVALUE, "%s line %zu: Kp*10 value %d is not a valid third (expected "
                        "0, 3, 7, 10, 13, 17, ..., 90)", cx->path, cx->line, v);
    *thirds = 3 * (v / 10) + (r == 3 ? 1 : r == 7 ? 2 : 0);
    return SQK_OK;
}

/* Decimal Kp as written by GFZ (3.333, -1 missing) -> thirds. */
static int thirds_from_decimal(const kp_ctx *cx, double kp, int *thirds)
{
    if (kp == -1.0) { *thirds = KP_MISSING; return SQK_OK; }
    if (!(kp >= 0 && kp <= 9))
        return sqk_fail(SQK_EVALUE, "%s line %zu: Kp %g outside [0, 9] (missing is -1)", cx->path,
                        cx->line, kp);
    double x = kp * 3.0, r = floor(x + 0.5);
    if (fabs(x - r) > 0.01)
        return sqk_fail(SQK_EVALUE, "%s line %zu: Kp %g is not a valid third (0, 0.333, 0.667, 1, ...)",
                        cx->path, cx->line, kp);
    *thirds = (int)r;
    return SQK_OK;
}

static int check_date(const kp_ctx *cx, int y, int m, int d, int64_t *day)
{
    if (y < 1900 || y > 2100)
        return sqk_fail(SQK_EVALUE, "%s line %zu: year %d outside 1900-2100", cx->path, cx->line, y);
    sqk_civil c = {y, m, d, 0, 0, 0.0};
    double t;
    if (sqk_time_from_civil(&c, &t)) return sqk_fail_context(SQK_EVALUE, "%s line %zu", cx->path, cx->line);
    *day = sqk_days_from_civil(y, m, d);
    return SQK_OK;
}

static int add_row(kp_ctx *cx, int64_t day, int k, int thirds)
{
    if (sqk_grow((void **)&cx->rows, &cx->cap, cx->nrows + 1, sizeof *cx->rows)) return SQK_EMEM;
    cx->rows[cx->nrows++] = (kp_row){day * 8 + k, thirds, cx->line};
    return SQK_OK;
}

/* ------------------------------------------------------------------ the three layouts */

static int is_gfz_line(const char *s)
{
    /* "YYYY MM DD hh.h ..." */
    static const char shape[] = "dddd dd dd ";
    for (int i = 0; shape[i]; i++)
        if (shape[i] == 'd' ? !isdigit((unsigned char)s[i]) : s[i] != ' ') return 0;
    return 1;
}

static int is_wdc_line(const char *s)
{
    /* yy mm dd rrrr bd, space padded: 12 columns of digits and spaces, date digits present */
    for (int i = 0; i < 12; i++)
        if (!s[i] || !(isdigit((unsigned char)s[i]) || s[i] == ' ')) return 0;
    return isdigit((unsigned char)s[1]) && isdigit((unsigned char)s[3]) && isdigit((unsigned char)s[5]);
}

static int parse_gfz(kp_ctx *cx, char *s)
{
    char *tok[10], *save = NULL;
    int nt = 0;
    for (char *p = strtok_r(s, " \t", &save); p; p = strtok_r(NULL, " \t", &save))
        if (nt++ < 10) tok[nt - 1] = p;
    /* All ten: a line cut inside its Kp ("1" of "1.667") would otherwise read as another value. */
    if (nt < 10)
        return fail_line(cx, SQK_EFORMAT, "truncated GFZ line (expected the 10 columns YYYY MM DD hh.h "
                         "hh._m days days_m Kp ap D)");
    /* The daily GFZ table (Kp_ap_Ap_SN_F107_since_1932.txt) starts alike but has ~28 columns. */
    if (nt > 10)
        return sqk_fail(SQK_EFORMAT, "%s line %zu: %d columns, a GFZ Kp_ap_since_1932.txt row has 10 "
                        "(YYYY MM DD hh.h hh._m days days_m Kp ap D); daily GFZ tables are not "
                        "supported", cx->path, cx->line, nt);
    int y, m, d;
    double hh, kp;
    if (!parse_uint_field(tok[0], strlen(tok[0]), &y) || !parse_uint_field(tok[1], strlen(tok[1]), &m) ||
        !parse_uint_field(tok[2], strlen(tok[2]), &d))
        return fail_line(cx, SQK_EFORMAT, "bad date fields");
    int64_t day;
    int st = check_date(cx, y, m, d, &day);
    if (st) return st;
    double hh_mid;
    if (!parse_decimal(tok[3], &hh) || hh < 0 || hh > 21 || fmod(hh, 3.0) != 0 ||
        !parse_decimal(tok[4], &hh_mid) || hh_mid != hh + 1.5)
        return sqk_fail(SQK_EFORMAT, "%s line %zu: interval start and middle '%s %s' are not "
                        "00.0 01.50, 03.0 04.50, ..., 21.0 22.50", cx->path, cx->line, tok[3], tok[4]);
    if (!parse_decimal(tok[7], &kp))
        return sqk_fail(SQK_EVALUE, "%s line %zu: Kp '%.20s' is not a number", cx->path, cx->line, tok[7]);
    int thirds = KP_MISSING;
    if ((st = thirds_from_decimal(cx, kp, &thirds))) return st;
    return add_row(cx, day, (int)(hh / 3.0), thirds);
}

/* Sum of the day in the WDC convention: Kp*10 of the summed thirds. */
static int wdc_sum(const int thirds[8])
{
    int s = 0;
    for (int k = 0; k < 8; k++) s += thirds[k];
    static const int tenth[3] = {0, 3, 7};
    return s / 3 * 10 + tenth[s % 3];
}

static int parse_wdc(kp_ctx *cx, const char *s)
{
    size_t len = strlen(s);
    if (len < 62)
        return sqk_fail(SQK_EFORMAT, "%s line %zu: truncated WDC line (%zu characters, expected 62)",
                        cx->path, cx->line, len);
    int yy, m, d, sum, v, thirds[8];
    if (!parse_uint_field(s, 2, &yy) || !parse_uint_field(s + 2, 2, &m) || !parse_uint_field(s + 4, 2, &d))
        return fail_line(cx, SQK_EFORMAT, "bad date in columns 1-6 (expected yymmdd)");
    int64_t day;
    int st = check_date(cx, yy >= 32 ? 1900 + yy : 2000 + yy, m, d, &day);
    if (st) return st;
    for (int k = 0; k < 8; k++) {
        if (!parse_uint_field(s + 12 + 2 * k, 2, &v))
            return sqk_fail(SQK_EVALUE, "%s line %zu: Kp field %d '%.2s' is not a number", cx->path,
                            cx->line, k + 1, s + 12 + 2 * k);
        if ((st = thirds_from_kp10(cx, v, &thirds[k]))) return st;
    }
    if (!parse_uint_field(s + 28, 3, &sum) || sum != wdc_sum(thirds))
        return sqk_fail(SQK_EFORMAT, "%s line %zu: daily sum '%.3s' disagrees with the eight Kp "
                        "values (%d)", cx->path, cx->line, s + 28, wdc_sum(thirds));
    for (int k = 0; k < 8; k++)
        if ((st = add_row(cx, day, k, thirds[k]))) return st;
    return SQK_OK;
}

/* Splits a CelesTrak line into cx->field; returns the count or a negative status. */
static int celestrak_fields(kp_ctx *cx, char *s)
{
    const char *why = NULL;
    int nf = sqk_csv_split(s, &cx->field, &cx->field_cap, &why);
    return nf < 0 ? fail_line(cx, SQK_EFORMAT, why) : nf;
}

static int celestrak_header(kp_ctx *cx, char *s)
{
    int nf = celestrak_fields(cx, s);
    if (nf < 0) return nf;
    char **f = cx->field;
    cx->c_nf = nf;
    cx->c_date = cx->c_type = -1;
    cx->c_max = 0;
    for (int k = 0; k < 8; k++) cx->c_kp[k] = -1;
    cx->c_date = sqk_csv_find(f, nf, "DATE");
    cx->c_type = sqk_csv_find(f, nf, "F10.7_DATA_TYPE");
    for (int k = 0; k < 8; k++) {
        char name[4] = {'K', 'P', (char)('1' + k), 0};
        cx->c_kp[k] = sqk_csv_find(f, nf, name);
    }
    if (cx->c_date < 0) return fail_line(cx, SQK_EFORMAT, "CelesTrak header without a DATE column");
    cx->c_max = cx->c_date;
    for (int k = 0; k < 8; k++) {
        if (cx->c_kp[k] < 0)
            return sqk_fail(SQK_EFORMAT, "%s line %zu: CelesTrak header without a KP%d column",
                            cx->path, cx->line, k + 1);
        if (cx->c_kp[k] > cx->c_max) cx->c_max = cx->c_kp[k];
    }
    if (cx->c_type > cx->c_max) cx->c_max = cx->c_type;
    return SQK_OK;
}

static int parse_celestrak(kp_ctx *cx, char *s)
{
    int nf = celestrak_fields(cx, s);
    if (nf < 0) return nf;
    char **f = cx->field;
    /* Every row has the header's fields: a row cut short (a download ending inside a
     * forecast row loses its PRD mark) or run together is an error, not a measurement. */
    if (nf != cx->c_nf)
        return sqk_fail(SQK_EFORMAT, "%s line %zu: %s CelesTrak row (%d fields, the header has %d)", cx->path,
                        cx->line, nf < cx->c_nf ? "truncated" : "malformed", nf, cx->c_nf);
    if (cx->c_type >= 0 && (!strcmp(f[cx->c_type], "PRD") || !strcmp(f[cx->c_type], "PRM")))
        return SQK_OK; /* forecast rows are not measurements */
    double t;
    if (strlen(f[cx->c_date]) != 10 || sqk_time_parse_iso(f[cx->c_date], &t))
        return sqk_fail(SQK_EVALUE, "%s line %zu: bad DATE '%.20s' (expected YYYY-MM-DD)", cx->path,
                        cx->line, f[cx->c_date]);
    int y, m, d, st;
    int64_t day = (int64_t)floor(t / SQK_DAY_S);
    sqk_civil_from_days(day, &y, &m, &d);
    if ((st = check_date(cx, y, m, d, &day))) return st;
    for (int k = 0; k < 8; k++) {
        const char *v = f[cx->c_kp[k]];
        int kp10, thirds = KP_MISSING;
        if (*v) {
            if (!parse_uint_field(v, strlen(v), &kp10))
                return sqk_fail(SQK_EVALUE, "%s line %zu: KP%d '%.20s' is not a whole number (Kp*10)",
                                cx->path, cx->line, k + 1, v);
            if ((st = thirds_from_kp10(cx, kp10, &thirds))) return st;
        }
        if ((st = add_row(cx, day, k, thirds))) return st;
    }
    return SQK_OK;
}

/* ------------------------------------------------------------------ reading */

static int detect_format(kp_ctx *cx, char *s)
{
    if (!strncmp(s, "DATE,", 5) || (strstr(s, "DATE") && strstr(s, "KP1"))) {
        cx->format = SQK_KP_FMT_CELESTRAK;
        return celestrak_header(cx, s);
    }
    if (is_gfz_line(s)) { cx->format = SQK_KP_FMT_GFZ; return SQK_OK; }
    if (is_wdc_line(s)) { cx->format = SQK_KP_FMT_WDC; return SQK_OK; }
    return sqk_fail(SQK_EFORMAT, "%s line %zu: unknown Kp format: '%.40s' is neither a GFZ "
                    "Kp_ap_since_1932.txt row (YYYY MM DD hh.h hh._m days days_m Kp ap D), a GFZ "
                    "WDC Kp_defYYYY.wdc row (yymmdd, Bartels rotation, eight Kp*10), nor a "
                    "CelesTrak SW-All.csv header (DATE,...,KP1,...,KP8)", cx->path, cx->line, s);
}

static int parse_line(kp_ctx *cx, char *s)
{
    if (cx->format == SQK_KP_FMT_UNKNOWN) {
        int st = detect_format(cx, s);
        if (st || cx->format == SQK_KP_FMT_CELESTRAK) return st;
    }
    switch (cx->format) {
    case SQK_KP_FMT_GFZ: return parse_gfz(cx, s);
    case SQK_KP_FMT_WDC: return parse_wdc(cx, s);
    default: return parse_celestrak(cx, s);
    }
}

static int read_lines(sqk_lines *in, kp_ctx *cx)
{
    char *line;
    size_t len;
    int st;
    while ((st = sqk_lines_next(in, &line, &len)) == 1) {
        cx->line = in->line;
        if (len == 0) continue;
        if (line[0] == '#' && cx->format != SQK_KP_FMT_CELESTRAK) continue;
        if ((st = parse_line(cx, line))) break;
    }
    return st;
}

/* Places every row into the uniform series, checking for conflicting duplicates. */
static int build_series(kp_ctx *cx, sqk_kp *out)
{
    int64_t lo = cx->rows[0].slot, hi = lo;
    for (size_t i = 1; i < cx->nrows; i++) {
        if (cx->rows[i].slot < lo) lo = cx->rows[i].slot;
        if (cx->rows[i].slot > hi) hi = cx->rows[i].slot;
    }
    /* Floor division: days before 1970 are negative. */
    int64_t day0 = lo >= 0 ? lo / 8 : (lo - 7) / 8, day1 = hi >= 0 ? hi / 8 : (hi - 7) / 8;
    size_t n = (size_t)(day1 - day0 + 1) * 8;
    int8_t *th = sqk_malloc(n);
    size_t *src = sqk_calloc(n, sizeof *src);
    out->kp = sqk_malloc(n * sizeof *out->kp);
    int st = (!th || !src || !out->kp) ? SQK_EMEM : SQK_OK;
    if (!st) memset(th, KP_UNSET, n);
    for (size_t i = 0; !st && i < cx->nrows; i++) {
        const kp_row *r = &cx->rows[i];
        size_t j = (size_t)(r->slot - day0 * 8);
        if (th[j] != KP_UNSET && th[j] != r->thirds)
            st = sqk_fail(SQK_EVALUE, "%s line %zu: interval given again with a different Kp "
                          "(first on line %zu)", cx->path, r->line, src[j]);
        th[j] = (int8_t)r->thirds;
        if (!src[j]) src[j] = r->line;
    }
    if (!st) {
        for (size_t j = 0; j < n; j++)
            out->kp[j] = th[j] >= 0 ? (float)(th[j] / 3.0) : NAN;
        out->n = n;
        out->t0 = (double)day0 * SQK_DAY_S;
        out->format = cx->format;
    }
    free(th);
    free(src);
    return st;
}

int sqk_kp_read(const char *path, sqk_kp *out)
{
    memset(out, 0, sizeof *out);
    sqk_lines in;
    int st = sqk_lines_open(&in, path);
    if (st) return st;
    kp_ctx cx = {.path = path};
    st = read_lines(&in, &cx);
    sqk_lines_close(&in);
    free(cx.field);
    if (!st && cx.format == SQK_KP_FMT_UNKNOWN)
        st = sqk_fail(SQK_EEMPTY, "%s: no data lines (expected a GFZ Kp_ap_since_1932.txt, a GFZ "
                      "WDC Kp_defYYYY.wdc or a CelesTrak SW-All.csv table)", path);
    if (!st && cx.nrows == 0)
        st = sqk_fail(SQK_EEMPTY, "%s: no Kp rows in this %s table", path, sqk_kp_format_name(cx.format));
    if (!st) st = build_series(&cx, out);
    free(cx.rows);
    if (st) sqk_kp_free(out);
    return st;
}

double sqk_kp_at(const sqk_kp *kp, double t)
{
    if (!kp || !kp->kp || !isfinite(t)) return NAN;
    double i = floor((t - kp->t0) / KP_STEP_S);
    if (i < 0 || i >= (double)kp->n) return NAN;
    return kp->kp[(size_t)i];
}

void sqk_kp_free(sqk_kp *kp)
{
    if (!kp) return;
    free(kp->kp);
    memset(kp, 0, sizeof *kp);
}

/* ------------------------------------------------------------------ GFZ writer */

/* ap equivalent of each Kp third (Bartels' table), written in the ap column. */
static const int ap_of_thirds[28] = {0,  2,  3,  4,  5,  6,  7,   9,   12,  15,  18,  22,  27,  32,
                                     39, 48, 56, 67, 80, 94, 111, 132, 154, 179, 207, 236, 300, 400};

int sqk_kp_write_gfz(const char *path, const sqk_kp *kp)
{
    sqk_atomic_file a;
    int st = sqk_atomic_open(&a, path);
    if (st) return st;
    FILE *fp = a.f;
    const double t1932 = (double)sqk_days_from_civil(1932, 1, 1) * SQK_DAY_S;
    fputs("# Geomagnetic Kp index in the layout of GFZ Kp_ap_since_1932.txt (missing: Kp -1, ap -1)\n"
          "# D: 2 = value given, 0 = missing\n"
          "#YYY MM DD hh.h hh._m        days      days_m     Kp   ap  D\n", fp);
    for (size_t i = 0; i < kp->n; i++) {
        double t = kp->t0 + (double)i * KP_STEP_S;
        sqk_civil c;
        sqk_time_to_civil(t, &c);
        double v = kp->kp[i];
        int thirds = isfinite(v) ? (int)floor(v * 3.0 + 0.5) : -1;
        if (isfinite(v) && (thirds < 0 || thirds > 27 || fabs(v * 3.0 - thirds) > 0.01))
            return sqk_atomic_close(&a, sqk_fail(SQK_EVALUE, "%s: Kp %g at interval %zu is not a third in [0, 9]",
                                                 path, v, i));
        double days = (t - t1932) / SQK_DAY_S;
        fprintf(fp, "%4d %02d %02d %04.1f %05.2f %11.5f %11.5f %6.3f %4d %2d\n", c.year, c.month,
                c.day, (double)c.hour, c.hour + 1.5, days, days + 0.0625,
                thirds >= 0 ? thirds / 3.0 : -1.0, thirds >= 0 ? ap_of_thirds[thirds] : -1,
                thirds >= 0 ? 2 : 0);
    }
    return sqk_atomic_close(&a, SQK_OK);
}
