/* What a file is (sqk_file_kind_of), and the satellite-file reader that dispatches on it. The
 * one place that knows the signatures of the input and output formats. */
#include "sqk/archive.h"
#include "sqk/core.h"
#include "sqk/csv.h"
#include "sqk/h5.h"
#include "sqk/time.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

const char *sqk_file_kind_name(sqk_file_kind kind)
{
    switch (kind) {
    case SQK_FILE_CSES: return "CSES Level-2 HDF5 file";
    case SQK_FILE_DEMETER: return "DEMETER ISL file";
    case SQK_FILE_DATASET: return "seqnetquake dataset";
    case SQK_FILE_MODEL: return "seqnetquake model";
    case SQK_FILE_CATALOG: return "USGS ComCat CSV catalogue";
    case SQK_FILE_KP: return "Kp table";
    }
    return "unknown";
}

/* The kind of one of our HDF5 files from its root "format" attribute; CSES otherwise. */
static sqk_file_kind own_hdf5_kind(const char *path)
{
    hid_t f;
    if (sqk_h5_open_read(path, &f) != SQK_OK) { sqk_clear_error(); return SQK_FILE_CSES; }
    char fmt[64] = "";
    if (sqk_h5_attr_exists(f, ".", "format")) sqk_h5_get_attr_str(f, ".", "format", fmt, sizeof fmt);
    sqk_clear_error();
    H5Fclose(f);
    return !strcmp(fmt, "seqnetquake-dataset") ? SQK_FILE_DATASET
         : !strcmp(fmt, "seqnetquake-model")   ? SQK_FILE_MODEL : SQK_FILE_CSES;
}

/* 1 when the first non-blank line of path is a CSV header naming time, latitude and longitude
 * (a ComCat export, whose columns the reader finds by name in any order). */
static int is_catalog_header(const char *path)
{
    sqk_csv c;
    if (sqk_csv_open(&c, path)) { sqk_clear_error(); return 0; }
    int found = sqk_csv_column(&c, "time") >= 0 && sqk_csv_column(&c, "latitude") >= 0 &&
                sqk_csv_column(&c, "longitude") >= 0;
    sqk_csv_close(&c);
    return found;
}

/* deep: tell our own HDF5 files and text tables apart too (opens HDF5 files); otherwise only
 * CSES (any HDF5), DEMETER or neither (SQK_FILE_KP). */
static int sniff(const char *path, int deep, sqk_file_kind *kind)
{
    FILE *f = fopen(path, "rb");
    if (!f) return sqk_fail(SQK_EIO, "%s: cannot open the file", path);
    unsigned char head[SQK_DEMETER_BLOCK];
    size_t got = fread(head, 1, sizeof head, f);
    fclose(f);
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) return sqk_fail(SQK_EIO, "%s: not a regular file", path);
    if (sqk_h5_is_file(path, head, got)) {
        *kind = deep ? own_hdf5_kind(path) : SQK_FILE_CSES;
        return SQK_OK;
    }
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    sqk_isl_record r;
    if (!strncmp(base, "DMT_", 4) || (got == SQK_DEMETER_BLOCK && st.st_size % SQK_DEMETER_BLOCK == 0 &&
                                      sqk_demeter_decode_block(head, &r) == SQK_OK)) {
        *kind = SQK_FILE_DEMETER;
        return SQK_OK;
    }
    sqk_clear_error();
    if (st.st_size == 0) return sqk_fail(SQK_EEMPTY, "%s: empty file", path);
    *kind = deep && is_catalog_header(path) ? SQK_FILE_CATALOG : SQK_FILE_KP;
    return SQK_OK;
}

int sqk_file_kind_of(const char *path, sqk_file_kind *kind) { return sniff(path, 1, kind); }

int sqk_pass_read(const char *path, sqk_pass *out)
{
    sqk_file_kind kind;
    int st = sniff(path, 0, &kind);
    if (st) return st;
    if (kind == SQK_FILE_CSES) return sqk_cses_read_lap(path, out);
    if (kind == SQK_FILE_DEMETER) return sqk_demeter_read(path, out);
    struct stat s;
    return sqk_fail(SQK_EFORMAT, "%s: neither a CSES L2 HDF5 file nor a DEMETER ISL file (%lld bytes)", path,
                    stat(path, &s) == 0 ? (long long)s.st_size : 0LL);
}

int sqk_file_name_span(const char *path, double *t0, double *t1)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t len = strlen(base);
    for (size_t i = 0; i + 31 <= len; i++) {
        const char *s = base + i;
        if (s[15] == '_' && sqk_time_parse_stamp(s, t0) == SQK_OK && sqk_time_parse_stamp(s + 16, t1) == SQK_OK &&
            *t1 >= *t0)
            return SQK_OK;
    }
    return sqk_fail(SQK_EFORMAT, "%s: no _YYYYMMDD_hhmmss_YYYYMMDD_hhmmss span in the file name", path);
}
