/* Text tables: line reader, field splitter and the header-by-name CSV reader (sqk/csv.h). */
#include "sqk/csv.h"
#include "sqk/core.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- lines */

int sqk_lines_open(sqk_lines *r, const char *path)
{
    memset(r, 0, sizeof *r);
    r->path = path;
    r->fp = fopen(path, "rb");
    if (!r->fp) return sqk_fail(SQK_EIO, "%s: cannot open: %s", path, strerror(errno));
    return SQK_OK;
}

int sqk_lines_next(sqk_lines *r, char **line, size_t *len)
{
    ssize_t got = getline(&r->buf, &r->cap, r->fp);
    if (got < 0) {
        if (ferror(r->fp)) return sqk_fail(SQK_EIO, "%s: read error after line %zu", r->path, r->line);
        return 0;
    }
    r->line++;
    size_t n = (size_t)got;
    while (n && (r->buf[n - 1] == '\n' || r->buf[n - 1] == '\r')) r->buf[--n] = '\0';
    if (strlen(r->buf) != n) return sqk_fail(SQK_EFORMAT, "%s line %zu: NUL byte in a text line", r->path, r->line);
    *line = r->buf;
    if (len) *len = n;
    return 1;
}

void sqk_lines_close(sqk_lines *r)
{
    if (r->fp) fclose(r->fp);
    free(r->buf);
    memset(r, 0, sizeof *r);
}

/* ---- fields */

static int blank(char ch) { return ch == ' ' || ch == '\t'; }

int sqk_csv_split(char *line, char ***fields, size_t *cap, const char **why)
{
    size_t n = 0;
    char *p = line;
    for (;;) {
        if (sqk_grow((void **)fields, cap, n + 1, sizeof(char *))) { *why = "out of memory"; return -1; }
        while (blank(*p)) p++;
        char *start = p, *w = p;
        if (*p == '"') {
            p++;
            for (;;) {
                if (*p == '\0') { *why = "unterminated quote"; return -1; }
                if (*p == '"') {
                    if (p[1] == '"') { *w++ = '"'; p += 2; continue; }
                    p++;
                    break;
                }
                *w++ = *p++;
            }
            while (blank(*p)) p++;
            if (*p != ',' && *p != '\0') { *why = "text after a closing quote"; return -1; }
        } else {
            while (*p && *p != ',') *w++ = *p++;
            while (w > start && blank(w[-1])) w--;
        }
        char sep = *p;
        *w = '\0';
        (*fields)[n++] = start;
        if (sep == '\0') break;
        p++;
    }
    return (int)n;
}

int sqk_csv_find(char *const *fields, int n, const char *name)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(fields[i], name)) return i;
    return -1;
}

int sqk_parse_decimal(const char *s, double *v)
{
    if (!*s) return 0;
    for (const char *c = s; *c; c++)
        if (!strchr("0123456789+-.eE", *c)) return 0;
    errno = 0;
    char *end;
    *v = strtod(s, &end);
    return *end == '\0' && errno == 0 && isfinite(*v);
}

/* ---- tables */

static int all_blank(const char *s)
{
    for (; *s; s++)
        if (!blank(*s)) return 0;
    return 1;
}

int sqk_csv_fail(const sqk_csv *c, int code, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return sqk_fail(code, "%s line %zu: %s", c->in.path, c->in.line, msg);
}

int sqk_csv_open(sqk_csv *c, const char *path)
{
    memset(c, 0, sizeof *c);
    int st = sqk_lines_open(&c->in, path);
    if (st) return st;
    char *line;
    size_t len;
    while ((st = sqk_lines_next(&c->in, &line, &len)) == 1) {
        /* A UTF-8 byte-order mark from spreadsheet tools is not part of the first name. */
        if (c->in.line == 1 && !strncmp(line, "\xEF\xBB\xBF", 3)) line += 3, len -= 3;
        if (all_blank(line)) continue;
        c->header = sqk_malloc(len + 1);
        if (!c->header) { st = SQK_EMEM; break; }
        memcpy(c->header, line, len + 1);
        const char *why = NULL;
        size_t cap = 0;
        int n = sqk_csv_split(c->header, &c->name, &cap, &why);
        if (n < 0) st = sqk_csv_fail(c, SQK_EFORMAT, "header: %s", why);
        else c->n_cols = n;
        break;
    }
    if (st == 0) st = sqk_fail(SQK_EEMPTY, "%s: empty file (no header line)", path);
    if (st < 0) {
        sqk_csv_close(c);
        return st;
    }
    return SQK_OK;
}

int sqk_csv_column(const sqk_csv *c, const char *name) { return sqk_csv_find(c->name, c->n_cols, name); }

int sqk_csv_columns(const sqk_csv *c, const char *const *names, int n, int *col)
{
    for (int k = 0; k < n; k++)
        if ((col[k] = sqk_csv_column(c, names[k])) < 0)
            return sqk_csv_fail(c, SQK_EFORMAT, "no '%s' column in the header", names[k]);
    return SQK_OK;
}

int sqk_csv_next(sqk_csv *c)
{
    char *line;
    int st;
    while ((st = sqk_lines_next(&c->in, &line, NULL)) == 1) {
        if (all_blank(line)) continue;
        const char *why = NULL;
        int n = sqk_csv_split(line, &c->field, &c->field_cap, &why);
        if (n < 0) return sqk_csv_fail(c, SQK_EFORMAT, "%s", why);
        if (n != c->n_cols) return sqk_csv_fail(c, SQK_EFORMAT, "%d fields, the header has %d", n, c->n_cols);
        c->n_fields = n;
        return 1;
    }
    return st;
}

const char *sqk_csv_get(const sqk_csv *c, int col) { return col >= 0 && col < c->n_fields ? c->field[col] : ""; }

size_t sqk_csv_line(const sqk_csv *c) { return c->in.line; }

static const char *col_name(const sqk_csv *c, int col) { return col >= 0 && col < c->n_cols ? c->name[col] : "?"; }

int sqk_csv_f64(const sqk_csv *c, int col, double *v)
{
    const char *s = sqk_csv_get(c, col);
    if (!*s) return sqk_csv_fail(c, SQK_EFORMAT, "empty %s", col_name(c, col));
    if (!sqk_parse_decimal(s, v))
        return sqk_csv_fail(c, SQK_EFORMAT, "%s '%.40s' is not a number", col_name(c, col), s);
    return SQK_OK;
}

int sqk_csv_f64_or_nan(const sqk_csv *c, int col, double *v)
{
    const char *s = sqk_csv_get(c, col);
    const char *u = s + (*s == '-' || *s == '+');
    if (!*s || !strcasecmp(s, "nan")) { *v = NAN; return SQK_OK; }
    if (!strcasecmp(u, "inf") || !strcasecmp(u, "infinity")) { *v = *s == '-' ? -INFINITY : INFINITY; return SQK_OK; }
    return sqk_csv_f64(c, col, v);
}

int sqk_csv_i64(const sqk_csv *c, int col, int64_t lo, int64_t hi, int64_t *v)
{
    const char *s = sqk_csv_get(c, col);
    char *end;
    errno = 0;
    long long x = strtoll(s, &end, 10);
    if (end == s || *end || errno)
        return sqk_csv_fail(c, SQK_EFORMAT, "%s '%.40s' is not an integer", col_name(c, col), s);
    if (x < lo || x > hi)
        return sqk_csv_fail(c, SQK_EVALUE, "%s %lld is outside %lld..%lld", col_name(c, col), x, (long long)lo,
                            (long long)hi);
    *v = x;
    return SQK_OK;
}

int sqk_csv_text(const sqk_csv *c, int col, char *dst, size_t size)
{
    const char *s = sqk_csv_get(c, col);
    size_t len = strlen(s);
    if (len >= size)
        return sqk_csv_fail(c, SQK_EVALUE, "%s '%.60s' longer than %zu characters", col_name(c, col), s, size - 1);
    memcpy(dst, s, len + 1);
    return SQK_OK;
}

void sqk_csv_close(sqk_csv *c)
{
    sqk_lines_close(&c->in);
    free(c->field);
    free(c->name);
    free(c->header);
    memset(c, 0, sizeof *c);
}

void sqk_csv_put_text(FILE *f, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) { fputs(s, f); return; }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"') fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}
