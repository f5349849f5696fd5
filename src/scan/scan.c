/* The operational scan (include/sqk/scan.h, docs/scan.md): new files -> windows prepared as the
 * model's training dataset -> scores -> alarms, incrementally and safe against kill -9. */
#include "sqk/scan.h"

#include "sqk/archive.h"
#include "sqk/csv.h"
#include "sqk/dataset.h"
#include "sqk/figures.h"
#include "sqk/model.h"
#include "sqk/time.h"
#include "sqk/wherewhen.h"

#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define DAY_S 86400.0
#define FILES_PER_BATCH 64 /* files windowed before one call to the model */
#define CSV_HEADER "file,orbit,time_utc,time,lat,lon,lt_h,cadence,kp,p0,p1,p2,alarm\n"
#define LEDGER_HEADER "file\tsize\tstatus\twindows\tcsv_bytes\tmessage\n"

void sqk_scan_options_default(sqk_scan_options *o)
{
    memset(o, 0, sizeof *o);
    o->threshold = NAN;
    o->cell_deg = 5.0;
    o->figures = 1;
}

void sqk_scan_result_free(sqk_scan_result *r)
{
    for (size_t i = 0; i < r->files_bad; i++) free(r->bad[i]);
    free(r->bad);
    free(r->summary);
    sqk_molchan_free(&r->model);
    sqk_molchan_free(&r->baseline);
    sqk_molchan_free(&r->other);
    memset(r, 0, sizeof *r);
}

static const char *base_name(const char *p)
{
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

static void join(char *buf, size_t n, const char *dir, const char *name) { snprintf(buf, n, "%s/%s", dir, name); }

/* ------------------------------------------------------------------ the scan folder */

typedef struct {
    char dir[2048];
    char csv[2200], ledger[2200], info[2200];
    size_t n;                  /* files in the ledger */
    char **name;
    long long *size;
    long long csv_bytes;       /* windows.csv length after the last complete ledger line */
} scan_folder;

static void folder_free(scan_folder *f)
{
    for (size_t i = 0; i < f->n; i++) free(f->name[i]);
    free(f->name);
    free(f->size);
}

static int fd_append(const char *path, const char *text, size_t len)
{
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT, 0644);
    if (fd < 0) return sqk_fail(SQK_EIO, "%s: cannot open for appending: %s", path, strerror(errno));
    size_t done = 0;
    while (done < len) {
        ssize_t w = write(fd, text + done, len - done);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) { int e = errno; close(fd); return sqk_fail(SQK_EIO, "%s: cannot write: %s", path, strerror(e)); }
        done += (size_t)w;
    }
    /* on disk before the ledger says so: a kill or a crash never leaves a file half-counted */
    if (fsync(fd) != 0) { int e = errno; close(fd); return sqk_fail(SQK_EIO, "%s: cannot sync: %s", path, strerror(e)); }
    if (close(fd) != 0) return sqk_fail(SQK_EIO, "%s: cannot close: %s", path, strerror(errno));
    return SQK_OK;
}

static long long file_size(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 ? (long long)sb.st_size : -1;
}

static int ledger_add(scan_folder *f, const char *name, long long size)
{
    char **nn = sqk_realloc(f->name, (f->n + 1) * sizeof *nn);
    if (!nn) return SQK_EMEM;
    f->name = nn;
    long long *ns = sqk_realloc(f->size, (f->n + 1) * sizeof *ns);
    if (!ns) return SQK_EMEM;
    f->size = ns;
    f->name[f->n] = sqk_strdup(name);
    if (!f->name[f->n]) return SQK_EMEM;
    f->size[f->n++] = size;
    return SQK_OK;
}

/* Reads scanned.tsv; a last line cut by a kill is dropped, and windows.csv is cut back to the
 * length the last complete line recorded. */
static int ledger_read(scan_folder *f)
{
    f->csv_bytes = (long long)strlen(CSV_HEADER);
    if (file_size(f->ledger) < (long long)strlen(LEDGER_HEADER)) {
        /* a new folder, or one killed while being set up: the table first, then the ledger */
        int rc = SQK_OK;
        if (file_size(f->csv) >= 0 && truncate(f->csv, 0) != 0)
            rc = sqk_fail(SQK_EIO, "%s: cannot truncate: %s", f->csv, strerror(errno));
        if (!rc) rc = fd_append(f->csv, CSV_HEADER, strlen(CSV_HEADER));
        if (!rc && file_size(f->ledger) >= 0 && truncate(f->ledger, 0) != 0)
            rc = sqk_fail(SQK_EIO, "%s: cannot truncate: %s", f->ledger, strerror(errno));
        if (!rc) rc = fd_append(f->ledger, LEDGER_HEADER, strlen(LEDGER_HEADER));
        return rc;
    }
    FILE *fp = fopen(f->ledger, "rb");
    if (!fp) return sqk_fail(SQK_EIO, "%s: cannot open: %s", f->ledger, strerror(errno));
    char line[8192];
    long long good = 0, pos = 0;
    size_t ln = 0;
    int rc = SQK_OK;
    while (fgets(line, sizeof line, fp)) {
        size_t len = strlen(line);
        ln++;
        pos += (long long)len;
        if (len == 0 || line[len - 1] != '\n') break; /* cut by a kill: dropped */
        if (ln == 1) {
            if (strcmp(line, LEDGER_HEADER)) { rc = sqk_fail(SQK_EFORMAT, "%s line 1: not a scan ledger", f->ledger); break; }
            good = pos;
            continue;
        }
        char name[4096], status[16];
        long long size, nwin, bytes;
        if (sscanf(line, "%4095[^\t]\t%lld\t%15[^\t]\t%lld\t%lld", name, &size, status, &nwin, &bytes) != 5) {
            rc = sqk_fail(SQK_EFORMAT, "%s line %zu: expected file, size, status, windows, csv_bytes", f->ledger, ln);
            break;
        }
        rc = ledger_add(f, name, size);
        if (rc) break;
        f->csv_bytes = bytes;
        good = pos;
    }
    fclose(fp);
    if (rc) return rc;
    if (file_size(f->ledger) != good && truncate(f->ledger, good) != 0)
        return sqk_fail(SQK_EIO, "%s: cannot drop a cut last line: %s", f->ledger, strerror(errno));
    long long have = file_size(f->csv);
    if (have < f->csv_bytes)
        return sqk_fail(SQK_EFORMAT, "%s holds %lld bytes but %s recorded %lld: the folder was changed by hand?",
                        f->csv, have, f->ledger, f->csv_bytes);
    if (have > f->csv_bytes && truncate(f->csv, f->csv_bytes) != 0)
        return sqk_fail(SQK_EIO, "%s: cannot drop rows of an unfinished file: %s", f->csv, strerror(errno));
    return SQK_OK;
}

static int ledger_has(const scan_folder *f, const char *name, long long size)
{
    for (size_t i = f->n; i-- > 0;)
        if (f->size[i] == size && !strcmp(f->name[i], name)) return 1;
    return 0;
}

/* scan.txt: written by the first scan, checked by every later one. */
static int check_info(const scan_folder *f, const char *model_path, const char *sha, double thr, const char *config)
{
    char want[600];
    snprintf(want, sizeof want, "model_sha256=%s\nthreshold=%.17g\n", sha, thr);
    if (file_size(f->info) >= 0) {
        size_t n;
        FILE *fp = fopen(f->info, "rb");
        if (!fp) return sqk_fail(SQK_EIO, "%s: cannot open", f->info);
        char *text = sqk_malloc(1 << 16);
        n = text ? fread(text, 1, (1 << 16) - 1, fp) : 0;
        fclose(fp);
        if (!text) return SQK_EMEM;
        text[n] = '\0';
        int same = strstr(text, want) != NULL;
        free(text);
        if (!same)
            return sqk_fail(SQK_EARG, "%s was made with another model or threshold (see %s); scan into a new folder",
                            f->dir, f->info);
        return SQK_OK;
    }
    sqk_atomic_file a;
    int rc = sqk_atomic_open(&a, f->info);
    if (rc) return rc;
    fprintf(a.f, "# seqnetquake scan %s: windows prepared as the model's training dataset\nmodel=%s\n%s"
                 "alarm=p1 >= threshold\n# the training dataset's build configuration:\n%s",
            sqk_version(), model_path, want, config);
    return sqk_atomic_close(&a, SQK_OK);
}

/* ------------------------------------------------------------------ one batch of files */

typedef struct {
    const char *path;
    long long size;
    int ok;
    char *err;
    sqk_window_set ws;
    int orbit;
} file_job;

static const char *cadence_name(int c)
{
    return c == SQK_CADENCE_BURST ? "burst" : c == SQK_CADENCE_SURVEY ? "survey" : c == SQK_CADENCE_MIXED ? "mixed" : "unknown";
}

static void window_file(file_job *j, const sqk_build_config *c, const sqk_kp *kp)
{
    sqk_pass p;
    memset(&p, 0, sizeof p);
    sqk_series s;
    memset(&s, 0, sizeof s);
    sqk_sample_counts sc;
    sqk_window_counts wc;
    memset(&sc, 0, sizeof sc);
    memset(&wc, 0, sizeof wc);
    int rc = sqk_pass_read(j->path, &p);
    if (!rc && p.satellite != c->satellite)
        rc = sqk_fail(SQK_EFORMAT, "a %s file, but the model was trained on %s data",
                      p.satellite == SQK_SAT_DEMETER ? "DEMETER" : p.satellite == SQK_SAT_CSES ? "CSES" : "unknown",
                      c->satellite == SQK_SAT_CSES ? "CSES" : "DEMETER");
    if (!rc) rc = sqk_series_prepare(&p, c, &s, &sc);
    if (!rc) rc = sqk_window_series(&s, c, NULL, 0, kp, 0, p.orbit, p.satellite, &j->ws, &wc);
    j->orbit = p.orbit;
    if (rc) {
        const char *e = sqk_last_error();
        size_t n = strlen(j->path) + strlen(e) + 8;
        j->err = sqk_malloc(n);
        if (j->err) snprintf(j->err, n, "%s: %s", strstr(e, j->path) == e ? "" : j->path, e);
        if (j->err && j->err[0] == ':') memmove(j->err, j->err + 2, strlen(j->err + 2) + 1);
        sqk_window_set_free(&j->ws);
    }
    j->ok = !rc;
    sqk_series_free(&s);
    sqk_pass_free(&p);
}

static int format_rows(const file_job *j, const float *probs, double thr, char **out, size_t *len, size_t *nalarm)
{
    size_t cap = 256 + j->ws.n * 256;
    char *buf = sqk_malloc(cap);
    if (!buf) return SQK_EMEM;
    size_t n = 0;
    *nalarm = 0;
    const char *name = base_name(j->path);
    for (size_t i = 0; i < j->ws.n; i++) {
        const sqk_window *w = &j->ws.w[i];
        const float *p = probs + 3 * i;
        int alarm = p[1] >= thr;
        char iso[40], kp[32];
        sqk_time_format_iso(w->t, iso);
        if (isfinite(w->kp)) snprintf(kp, sizeof kp, "%.3f", w->kp);
        else kp[0] = '\0';
        int k = snprintf(buf + n, cap - n, "%s,%d,%s,%.3f,%.4f,%.4f,%.3f,%s,%s,%.6f,%.6f,%.6f,%d\n", name, j->orbit, iso,
                         w->t, w->lat, w->lon, w->lt_h, cadence_name(w->cadence), kp, p[0], p[1], p[2], alarm);
        if (k < 0 || (size_t)k >= cap - n) { free(buf); return sqk_fail(SQK_EVALUE, "%s: a row too long", name); }
        n += (size_t)k;
        *nalarm += (size_t)alarm;
    }
    *out = buf;
    *len = n;
    return SQK_OK;
}

static int add_bad(sqk_scan_result *r, const char *msg)
{
    char **nb = sqk_realloc(r->bad, (r->files_bad + 1) * sizeof *nb);
    if (!nb) return SQK_EMEM;
    r->bad = nb;
    r->bad[r->files_bad] = sqk_strdup(msg ? msg : "unreadable");
    if (!r->bad[r->files_bad]) return SQK_EMEM;
    r->files_bad++;
    return SQK_OK;
}

/* Windows and scores every file of the batch, then commits the batch (rows, then ledger
 * lines). */
static int scan_batch(file_job *jobs, size_t nj, sqk_model *m, const sqk_build_config *c, const sqk_kp *kp,
                      double thr, scan_folder *f, sqk_scan_result *r)
{
    /* the model's inputs: the window itself, or (the where-and-when baseline) its place and
     * time only, as the train stage makes them */
    int where_when = m->kind->inputs == SQK_INPUTS_WHERE_WHEN;
    size_t total = 0, TF = where_when ? SQK_WHERE_WHEN_F : (size_t)c->T * c->nfeat;
    for (size_t i = 0; i < nj; i++) {
        window_file(&jobs[i], c, kp);
        total += jobs[i].ws.n;
    }
    float *X = sqk_malloc((total ? total : 1) * TF * sizeof *X), *P = sqk_malloc((total ? total : 1) * 3 * sizeof *P);
    int rc = X && P ? SQK_OK : SQK_EMEM;
    size_t at = 0;
    for (size_t i = 0; !rc && i < nj; i++) {
        const sqk_window_set *ws = &jobs[i].ws;
        if (where_when)
            for (size_t k = 0; k < ws->n; k++)
                sqk_where_when_row(ws->w[k].t, ws->w[k].lat, ws->w[k].lon, ws->w[k].lt_h, ws->w[k].cadence,
                                   X + (at + k) * TF);
        else if (ws->n)
            memcpy(X + at * TF, ws->x, ws->n * TF * sizeof *X);
        at += ws->n;
    }
    /* Each file's windows in a call of their own: a window's score then depends on its file
     * alone (the kernels' blocking follows the batch), not on what else this run scans, so an
     * incremental scan gives the bytes of a scan in one go. */
    at = 0;
    for (size_t i = 0; !rc && i < nj; i++) {
        if (jobs[i].ws.n) rc = sqk_model_predict(m, X + at * TF, jobs[i].ws.n, P + 3 * at);
        at += jobs[i].ws.n;
    }
    /* All rows of the batch in one synced append, then its ledger lines in another: a kill
     * between the two leaves rows that the next scan drops and rescans. */
    size_t cap = 1 << 16, len = 0, lcap = 4096, llen = 0;
    char *rows = sqk_malloc(cap), *lines = sqk_malloc(lcap);
    long long bytes = f->csv_bytes;
    if (!rc && (!rows || !lines)) rc = SQK_EMEM;
    at = 0;
    for (size_t i = 0; !rc && i < nj; i++) {
        file_job *j = &jobs[i];
        char line[4600], *part = NULL;
        size_t plen = 0, nalarm = 0;
        if (j->ok) {
            rc = format_rows(j, P + 3 * at, thr, &part, &plen, &nalarm);
            if (!rc && len + plen > cap) {
                while (len + plen > cap) cap *= 2;
                char *nr = sqk_realloc(rows, cap);
                if (nr) rows = nr; else rc = SQK_EMEM;
            }
            if (!rc) { memcpy(rows + len, part, plen); len += plen; }
            free(part);
            if (rc) break;
            bytes += (long long)plen;
            snprintf(line, sizeof line, "%s\t%lld\tok\t%zu\t%lld\t\n", base_name(j->path), j->size, j->ws.n, bytes);
            r->files_scanned++;
            r->windows_new += j->ws.n;
        } else {
            char msg[4000];
            snprintf(msg, sizeof msg, "%s", j->err ? j->err : "unreadable");
            for (char *q = msg; *q; q++) if (*q == '\t' || *q == '\n') *q = ' ';
            snprintf(line, sizeof line, "%s\t%lld\tbad\t0\t%lld\t%s\n", base_name(j->path), j->size, bytes, msg);
            rc = add_bad(r, j->err);
        }
        size_t ll = strlen(line);
        if (!rc && llen + ll > lcap) {
            while (llen + ll > lcap) lcap *= 2;
            char *nl = sqk_realloc(lines, lcap);
            if (nl) lines = nl; else rc = SQK_EMEM;
        }
        if (!rc) { memcpy(lines + llen, line, ll); llen += ll; }
        if (!rc) rc = ledger_add(f, base_name(j->path), j->size);
        at += j->ws.n;
    }
    if (!rc && len) rc = fd_append(f->csv, rows, len);
    if (!rc) rc = fd_append(f->ledger, lines, llen);
    if (!rc) f->csv_bytes = bytes;
    free(rows);
    free(lines);
    for (size_t i = 0; i < nj; i++) {
        sqk_window_set_free(&jobs[i].ws);
        free(jobs[i].err);
        jobs[i].err = NULL;
    }
    free(X);
    free(P);
    return rc;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int scan_files(const sqk_scan_options *o, sqk_model *m, const sqk_build_config *c, double thr,
                      scan_folder *f, sqk_scan_result *r)
{
    glob_t g;
    int gr = glob(o->files_glob, 0, NULL, &g);
    if (gr == GLOB_NOMATCH) return sqk_fail(SQK_EEMPTY, "no files match %s", o->files_glob);
    if (gr) return sqk_fail(SQK_EIO, "cannot list %s", o->files_glob);
    sqk_kp kp;
    memset(&kp, 0, sizeof kp);
    int rc = sqk_kp_read(o->kp_path, &kp);
    file_job *jobs = rc ? NULL : sqk_calloc(FILES_PER_BATCH, sizeof *jobs);
    if (!rc && !jobs) rc = SQK_EMEM;
    r->files_matched = g.gl_pathc;
    size_t nj = 0, done = 0;
    double t0 = now_s();
    for (size_t i = 0; !rc && i <= g.gl_pathc; i++) {
        if (i < g.gl_pathc) {
            const char *p = g.gl_pathv[i];
            long long size = file_size(p);
            if (ledger_has(f, base_name(p), size)) { r->files_skipped++; done++; continue; }
            memset(&jobs[nj], 0, sizeof jobs[nj]);
            jobs[nj].path = p;
            jobs[nj].size = size;
            nj++;
        }
        if (nj == FILES_PER_BATCH || (i == g.gl_pathc && nj)) {
            rc = scan_batch(jobs, nj, m, c, &kp, thr, f, r);
            done += nj;
            nj = 0;
            sqk_progress_report(o->progress, "files scanned", (double)done, (double)g.gl_pathc);
        }
    }
    r->seconds = now_s() - t0;
    free(jobs);
    sqk_kp_free(&kp);
    globfree(&g);
    return rc;
}

/* ------------------------------------------------------------------ what the folder holds */

typedef struct {
    size_t n;
    sqk_alarm_point *w;    /* score = p1 */
    uint8_t *alarm;
} scan_rows;

static void rows_free(scan_rows *s)
{
    free(s->w);
    free(s->alarm);
    memset(s, 0, sizeof *s);
}

static int rows_read(const char *path, scan_rows *s)
{
    memset(s, 0, sizeof *s);
    sqk_csv c;
    int rc = sqk_csv_open(&c, path);
    if (rc) return rc;
    static const char *const names[5] = {"time", "lat", "lon", "p1", "alarm"};
    int col[5];
    rc = sqk_csv_columns(&c, names, 5, col);
    size_t cap = 0;
    int more;
    while (!rc && (more = sqk_csv_next(&c)) == 1) {
        if (s->n == cap) {
            cap = cap ? 2 * cap : 1024;
            sqk_alarm_point *nw = sqk_realloc(s->w, cap * sizeof *nw);
            uint8_t *na = nw ? sqk_realloc(s->alarm, cap) : NULL;
            if (nw) s->w = nw;
            if (na) s->alarm = na;
            if (!nw || !na) { rc = SQK_EMEM; break; }
        }
        sqk_alarm_point *w = &s->w[s->n];
        int64_t a;
        rc = sqk_csv_f64(&c, col[0], &w->t);
        if (!rc) rc = sqk_csv_f64(&c, col[1], &w->lat);
        if (!rc) rc = sqk_csv_f64(&c, col[2], &w->lon);
        if (!rc) rc = sqk_csv_f64(&c, col[3], &w->score);
        if (!rc) rc = sqk_csv_i64(&c, col[4], 0, 1, &a);
        if (!rc) s->alarm[s->n++] = (uint8_t)a;
    }
    if (!rc && more < 0) rc = more;
    sqk_csv_close(&c);
    if (rc) rows_free(s);
    return rc;
}

typedef struct {
    long day, cell;
    size_t windows, alarms;
    double max_p1;
} day_region;

static int by_day_cell(const void *a, const void *b)
{
    const day_region *x = a, *y = b;
    if (x->day != y->day) return x->day < y->day ? -1 : 1;
    return x->cell < y->cell ? -1 : x->cell > y->cell;
}

static long region_of(double lat, double lon, double cell)
{
    long nlon = (long)llround(360.0 / cell);
    long i = (long)floor((lat + 90.0) / cell), j = (long)floor((lon + 180.0) / cell);
    j = ((j % nlon) + nlon) % nlon;
    return i * nlon + j;
}

static int write_daily(const char *path, const scan_rows *s, double cell)
{
    day_region *d = sqk_malloc((s->n ? s->n : 1) * sizeof *d);
    if (!d) return SQK_EMEM;
    for (size_t i = 0; i < s->n; i++) {
        d[i].day = (long)floor(s->w[i].t / DAY_S);
        d[i].cell = region_of(s->w[i].lat, s->w[i].lon, cell);
        d[i].windows = 1;
        d[i].alarms = s->alarm[i];
        d[i].max_p1 = s->w[i].score;
    }
    qsort(d, s->n, sizeof *d, by_day_cell);
    sqk_atomic_file a;
    int rc = sqk_atomic_open(&a, path);
    if (rc) { free(d); return rc; }
    fprintf(a.f, "date,region,lat_min,lat_max,lon_min,lon_max,windows,alarms,max_p1\n");
    long nlon = (long)llround(360.0 / cell);
    for (size_t i = 0; i < s->n;) {
        day_region g = d[i];
        size_t k = i + 1;
        for (; k < s->n && d[k].day == g.day && d[k].cell == g.cell; k++) {
            g.windows++;
            g.alarms += d[k].alarms;
            if (d[k].max_p1 > g.max_p1) g.max_p1 = d[k].max_p1;
        }
        i = k;
        if (!g.alarms) continue;
        int y, mo, dd;
        sqk_civil_from_days(g.day, &y, &mo, &dd);
        double la = -90 + (double)(g.cell / nlon) * cell, lo = -180 + (double)(g.cell % nlon) * cell;
        char region[64];
        snprintf(region, sizeof region, "%g%s-%g%s %g%s-%g%s", fabs(la), la < 0 ? "S" : "N", fabs(la + cell),
                 la + cell <= 0 ? "S" : "N", fabs(lo), lo < 0 ? "W" : "E", fabs(lo + cell), lo + cell <= 0 ? "W" : "E");
        fprintf(a.f, "%04d-%02d-%02d,%s,%g,%g,%g,%g,%zu,%zu,%.6f\n", y, mo, dd, region, la, la + cell, lo, lo + cell,
                g.windows, g.alarms, g.max_p1);
    }
    free(d);
    return sqk_atomic_close(&a, SQK_OK);
}

/* ------------------------------------------------------------------ Molchan */

/* The kept (declustered) earthquakes of the catalogue, M >= the dataset's cut. */
static int read_quakes(const char *path, const sqk_build_config *c, sqk_alarm_point **out, size_t *n)
{
    sqk_catalog cat;
    memset(&cat, 0, sizeof cat);
    int rc = sqk_catalog_read(path, c->min_mag, 0, &cat);
    if (rc) return rc;
    uint8_t *status = sqk_malloc(cat.n ? cat.n : 1);
    *out = sqk_malloc((cat.n ? cat.n : 1) * sizeof **out);
    if (!status || !*out) { free(status); free(*out); sqk_catalog_free(&cat); return SQK_EMEM; }
    sqk_decluster(cat.ev, cat.n, c->aftershock_box_deg, c->aftershock_days * DAY_S, status);
    *n = 0;
    for (size_t i = 0; i < cat.n; i++)
        if (status[i] == SQK_EVENT_KEPT) (*out)[(*n)++] = (sqk_alarm_point){cat.ev[i].t, cat.ev[i].lat, cat.ev[i].lon, 0};
    free(status);
    sqk_catalog_free(&cat);
    return SQK_OK;
}

/* The where-and-when baseline: each window scored by the number of earthquakes that its cell
 * had before the scanned period (the catalogue's past alone), so it alarms where the belts
 * are, when the satellite looked, and never reads the plasma. */
static int baseline_scores(const scan_rows *s, const sqk_alarm_point *q, size_t nq, double t_start, double cell,
                           sqk_alarm_point **out)
{
    long ncell = (long)llround(180.0 / cell) * (long)llround(360.0 / cell);
    double *count = sqk_calloc((size_t)ncell, sizeof *count);
    *out = sqk_malloc((s->n ? s->n : 1) * sizeof **out);
    if (!count || !*out) { free(count); free(*out); *out = NULL; return SQK_EMEM; }
    for (size_t i = 0; i < nq; i++)
        if (q[i].t < t_start && fabs(q[i].lat) <= 90) count[region_of(q[i].lat, q[i].lon, cell)] += 1;
    for (size_t i = 0; i < s->n; i++) {
        (*out)[i] = s->w[i];
        (*out)[i].score = count[region_of(s->w[i].lat, s->w[i].lon, cell)];
    }
    free(count);
    return SQK_OK;
}

static void write_curve(FILE *fp, const char *name, const sqk_molchan *m)
{
    for (size_t i = 0; i < m->n_points; i++)
        fprintf(fp, "%s,%.9g,%.9g,%.9g\n", name, m->threshold[i], m->tau[i], m->nu[i]);
}

static int score(const sqk_scan_options *o, const sqk_build_config *c, const scan_rows *s, double thr,
                 const scan_folder *f, sqk_scan_result *r, char *text, size_t cap)
{
    sqk_alarm_point *q = NULL, *base = NULL;
    size_t nq = 0;
    int rc = read_quakes(o->catalog_path, c, &q, &nq);
    double t0 = INFINITY, t1 = -INFINITY;
    for (size_t i = 0; i < s->n; i++) {
        if (s->w[i].t < t0) t0 = s->w[i].t;
        if (s->w[i].t > t1) t1 = s->w[i].t;
    }
    sqk_molchan_grid g = {.cell_deg = o->cell_deg, .lat_max_deg = c->control_lat_deg, .days_before = c->days_before,
                          .t0 = t0, .t1 = t1 + c->days_before * DAY_S};
    if (!rc) rc = sqk_molchan_compute(s->w, s->n, q, nq, &g, thr, &r->model);
    if (!rc) rc = baseline_scores(s, q, nq, t0, o->cell_deg, &base);
    /* the baseline's operating point: the same share of space-time alarmed as the model's */
    double bthr = INFINITY;
    if (!rc) rc = sqk_molchan_compute(base, s->n, q, nq, &g, INFINITY, &r->baseline);
    for (size_t i = 1; !rc && i < r->baseline.n_points; i++)
        if (r->baseline.tau[i] <= r->model.tau_at + 1e-12) bthr = r->baseline.threshold[i];
    if (!rc && isfinite(bthr)) {
        sqk_molchan_free(&r->baseline);
        rc = sqk_molchan_compute(base, s->n, q, nq, &g, bthr, &r->baseline);
    }
    /* another scan of the same files (the where-and-when model): its own alarms */
    scan_rows o2 = {0};
    if (!rc && o->baseline_dir) {
        char path[2300];
        join(path, sizeof path, o->baseline_dir, "windows.csv");
        rc = rows_read(path, &o2);
        double othr = INFINITY;
        for (size_t i = 0; i < o2.n; i++)
            if (o2.alarm[i] && o2.w[i].score < othr) othr = o2.w[i].score;
        if (!rc) rc = sqk_molchan_compute(o2.w, o2.n, q, nq, &g, othr, &r->other);
        if (rc) rc = sqk_fail_context(rc, "--baseline %s", o->baseline_dir);
    }
    rows_free(&o2);
    if (!rc) {
        char path[2300];
        join(path, sizeof path, f->dir, "molchan.csv");
        sqk_atomic_file a;
        rc = sqk_atomic_open(&a, path);
        if (!rc) {
            fprintf(a.f, "curve,threshold,tau,nu\n");
            write_curve(a.f, "model", &r->model);
            write_curve(a.f, "baseline", &r->baseline);
            write_curve(a.f, "other", &r->other);
            rc = sqk_atomic_close(&a, SQK_OK);
        }
    }
    if (!rc) {
        r->scored = 1;
        char a[32], b[32];
        sqk_time_format_iso(g.t0, a);
        sqk_time_format_iso(g.t1, b);
        size_t n = strlen(text);
        const sqk_molchan *M = &r->model, *B = &r->baseline;
        double lo, hi;
        sqk_molchan_band(M->n_quakes, M->tau_at, 0.95, &lo, &hi);
        snprintf(text + n, cap - n,
                 "Molchan diagram: %zu declustered M>=%g earthquakes in %g x %g deg cells, |lat| <= %g, %.10s .. %.10s; "
                 "an alarm covers its cell for %g days\n"
                 "  model    (p1 >= %.4g): alarmed %.4f of space-time, missed %.3f of earthquakes (%zu hit), "
                 "probability gain %.2f, P(random alarms hit as many) = %.3g, area skill %.3f\n"
                 "  baseline (past seismicity where and when observed, largest alarmed share not above the model's): alarmed %.4f, missed %.3f, gain %.2f, area skill %.3f\n"
                 "  random guess: nu = 1 - tau; its 95%% band at the model's tau: nu in [%.3f, %.3f]; the band assumes the "
                 "earthquakes fall independently of the alarms (a declustered catalogue)\n",
                 M->n_quakes, c->min_mag, o->cell_deg, o->cell_deg, g.lat_max_deg, a, b, c->days_before, thr, M->tau_at, M->nu_at,
                 M->hits_at, M->gain_at, M->p_value_at, M->area_skill, B->tau_at, B->nu_at, B->gain_at, B->area_skill, lo, hi);
        const sqk_molchan *O = &r->other;
        n = strlen(text);
        if (O->n_points)
            snprintf(text + n, cap - n, "  %s (its own alarms): alarmed %.4f, missed %.3f, gain %.2f, p = %.3g, area skill %.3f\n",
                     o->baseline_dir, O->tau_at, O->nu_at, O->gain_at, O->p_value_at, O->area_skill);
    }
    if (!rc && o->figures) {
        char prefix[2300];
        join(prefix, sizeof prefix, f->dir, "molchan");
        rc = sqk_fig_molchan(&r->model, &r->baseline, r->other.n_points ? &r->other : NULL, prefix);
    }
    free(q);
    free(base);
    return rc;
}

/* ------------------------------------------------------------------ the run */

static int model_config(const sqk_model *m, const char *path, sqk_build_config *c)
{
    if (!m->data_config || !m->data_config[0])
        return sqk_fail(SQK_EFORMAT, "%s: the model file does not say how its dataset was built (no data_config)", path);
    int rc = sqk_build_config_parse(m->data_config, c);
    if (rc) return sqk_fail_context(rc, "%s: data_config", path);
    if (m->kind->inputs == SQK_INPUTS_WHERE_WHEN) {
        if (m->T != 1 || m->F != SQK_WHERE_WHEN_F)
            return sqk_fail(SQK_EFORMAT, "%s: a where-and-when model must take T=1 F=%d, not T=%d F=%d", path,
                            SQK_WHERE_WHEN_F, m->T, m->F);
    } else if (c->T != m->T || c->nfeat != m->F)
        return sqk_fail(SQK_EFORMAT, "%s: data_config says T=%d F=%d, the model takes T=%d F=%d", path, c->T, c->nfeat, m->T, m->F);
    c->threads = 1;
    return SQK_OK;
}

int sqk_scan_run(const sqk_scan_options *o, sqk_scan_result *r)
{
    memset(r, 0, sizeof *r);
    if (!o->model_path || !o->out_dir) return sqk_fail(SQK_EARG, "scan: --model and --out are required");
    if (o->files_glob && !o->kp_path) return sqk_fail(SQK_EARG, "scan: --kp is required with --files");
    if (!o->files_glob && !o->catalog_path) return sqk_fail(SQK_EARG, "scan: give --files (new orbits) or --catalog (score)");
    if (!(o->cell_deg > 0 && o->cell_deg <= 90 && fmod(180.0, o->cell_deg) < 1e-9))
        return sqk_fail(SQK_EARG, "scan: cells of %g deg: expected a divisor of 180 in (0, 90]", o->cell_deg);
    sqk_model *m = NULL;
    sqk_build_config c;
    scan_folder f;
    memset(&f, 0, sizeof f);
    scan_rows s = {0};
    char sha[65] = "", text[8192] = "";
    int rc = sqk_model_load(&m, o->model_path);
    if (!rc) rc = model_config(m, o->model_path, &c);
    double thr = isfinite(o->threshold) ? o->threshold : m ? m->alarm_threshold : NAN;
    if (!rc && !isfinite(thr))
        rc = sqk_fail(SQK_EARG, "%s holds no alarm threshold (trained before they were stored, or its validation split has no "
                      "seismic window): give --threshold P", o->model_path);
    r->threshold = thr;
    if (!rc) rc = sqk_sha256_file(o->model_path, sha);
    if (!rc) rc = sqk_mkdir_p(o->out_dir);
    if (!rc) {
        snprintf(f.dir, sizeof f.dir, "%s", o->out_dir);
        join(f.csv, sizeof f.csv, f.dir, "windows.csv");
        join(f.ledger, sizeof f.ledger, f.dir, "scanned.tsv");
        join(f.info, sizeof f.info, f.dir, "scan.txt");
        rc = check_info(&f, o->model_path, sha, thr, m->data_config);
    }
    if (!rc) rc = ledger_read(&f);
    if (!rc && o->files_glob) rc = scan_files(o, m, &c, thr, &f, r);
    if (!rc) rc = rows_read(f.csv, &s);
    if (!rc) {
        r->windows_total = s.n;
        for (size_t i = 0; i < s.n; i++) r->alarms_total += s.alarm[i];
        char path[2300];
        join(path, sizeof path, f.dir, "alarms_daily.csv");
        rc = write_daily(path, &s, o->cell_deg);
        snprintf(text, sizeof text,
                 "scan of %s: %zu files matched, %zu already scanned, %zu scanned now (%zu windows, %.3f s), %zu unreadable\n"
                 "folder %s: %zu windows, %zu alarms (p1 >= %.4g, the %s)\n",
                 o->files_glob ? o->files_glob : "(no new files)", r->files_matched, r->files_skipped, r->files_scanned,
                 r->windows_new, r->seconds, r->files_bad, f.dir, r->windows_total, r->alarms_total, thr,
                 isfinite(o->threshold) ? "threshold given" : "model's validation threshold");
    }
    if (!rc && o->figures && s.n) {
        char prefix[2300];
        join(prefix, sizeof prefix, f.dir, "alarms");
        rc = sqk_fig_alarm_map(s.w, s.alarm, s.n, thr, prefix);
    }
    if (!rc && o->catalog_path && s.n) rc = score(o, &c, &s, thr, &f, r, text, sizeof text);
    if (!rc && o->catalog_path && !s.n) rc = sqk_fail(SQK_EEMPTY, "%s: no scanned windows to score", f.dir);
    if (!rc) r->summary = sqk_strdup(text);
    rows_free(&s);
    folder_free(&f);
    sqk_model_free(m);
    return rc;
}
