/* Text tables: the one reader of every CSV file the pipeline reads (catalogue, CelesTrak Kp,
 * truth.csv, predictions, the evaluation folder's tables) and the line reader under it, which
 * the fixed-column Kp formats use directly.
 *
 * - Columns are found by header name, in any order; extra columns are ignored.
 * - Fields may be quoted ("a, b", "" for a quote); quoted fields may not span lines. Blanks
 *   around a field are not part of it. A UTF-8 byte-order mark before the header is skipped.
 * - Blank lines are skipped; LF and CRLF line ends are both read; a NUL byte is an error.
 * - Every row must have as many fields as the header.
 * - Every error names the file and the line: "PATH line N: what" (sqk_last_error()). */
#ifndef SQK_CSV_H
#define SQK_CSV_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* ---- lines */

typedef struct {
    FILE *fp;
    const char *path;
    size_t line;     /* number of the line last returned (1-based) */
    char *buf;
    size_t cap;
} sqk_lines;

/* Opens path for reading; SQK_EIO naming the path when it cannot. */
int sqk_lines_open(sqk_lines *r, const char *path);
/* The next line without its line end (*len its length): 1, 0 at the end of the file, or a
 * negative status (read error, NUL byte). The text stays valid until the next call. */
int sqk_lines_next(sqk_lines *r, char **line, size_t *len);
void sqk_lines_close(sqk_lines *r);

/* Splits one line in place into fields (quotes removed, "" -> ", surrounding blanks
 * trimmed); *fields grows as needed. Returns the number of fields, or -1 with *why set. */
int sqk_csv_split(char *line, char ***fields, size_t *cap, const char **why);
/* Index of name among the n fields, or -1. */
int sqk_csv_find(char *const *fields, int n, const char *name);

/* ---- tables with a header */

typedef struct {
    sqk_lines in;
    char **field;      /* fields of the current row */
    size_t field_cap;
    int n_fields;
    char **name;       /* header names */
    char *header;      /* their storage */
    int n_cols;
} sqk_csv;

/* Opens path and reads its header (the first non-blank line). On failure nothing is left
 * open. */
int sqk_csv_open(sqk_csv *c, const char *path);
/* Column index of a header name, or -1. */
int sqk_csv_column(const sqk_csv *c, const char *name);
/* Finds the n named columns; fails naming the first one missing ("PATH line L: no 'name'
 * column in the header"). */
int sqk_csv_columns(const sqk_csv *c, const char *const *names, int n, int *col);
/* Reads the next data row: 1, 0 at the end, or a negative status. */
int sqk_csv_next(sqk_csv *c);
/* Field col of the current row. */
const char *sqk_csv_get(const sqk_csv *c, int col);
/* Line number of the current row. */
size_t sqk_csv_line(const sqk_csv *c);

/* Typed fields; errors name the file, line and column: "PATH line N: NAME 'text' is not a
 * number". A number is a plain decimal (sign, digits, point, exponent): never "nan", "inf"
 * or hex. */
int sqk_csv_f64(const sqk_csv *c, int col, double *v);
/* The same, but an empty field, "nan" or "inf" are read too (as NaN or infinity). */
int sqk_csv_f64_or_nan(const sqk_csv *c, int col, double *v);
/* A decimal integer in [lo, hi]. */
int sqk_csv_i64(const sqk_csv *c, int col, int64_t lo, int64_t hi, int64_t *v);
/* Copies the text of field col; fails when it does not fit in size bytes. */
int sqk_csv_text(const sqk_csv *c, int col, char *dst, size_t size);
/* Fails with "PATH line N: " before the message; returns code. */
int sqk_csv_fail(const sqk_csv *c, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void sqk_csv_close(sqk_csv *c);

/* Writes one text field, quoted when it holds a comma, a quote or a line break (quotes doubled):
 * what sqk_csv_split reads back. */
void sqk_csv_put_text(FILE *f, const char *s);

/* A strict decimal number (see sqk_csv_f64): 1 and *v, or 0. */
int sqk_parse_decimal(const char *s, double *v);

#endif
