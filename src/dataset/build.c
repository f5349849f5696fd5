/* The whole build: archive + catalogue + Kp -> DATASET.h5 and its summary.
 *
 * Memory: the event table, the output windows, and one pass per thread being read. The
 * archive's time span (needed for the control events before any file is read) comes from the
 * file names, which carry start and end times for both satellites; a file whose name does not
 * parse is read once more to get its span. */
#include "sqk/dataset.h"
#include "sqk/h5.h"
#include "sqk/isolate.h"
#include "sqk/synth.h"
#include "sqk/time.h"

#include <ctype.h>
#include <glob.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <unistd.h>

#define DAY_S 86400.0

void sqk_build_result_free(sqk_build_result *r)
{
    for (size_t i = 0; i < r->files_bad; i++) free(r->bad[i]);
    free(r->bad);
    free(r->summary);
    sqk_build_audit_free(&r->audit);
    memset(r, 0, sizeof *r);
}

void sqk_build_audit_free(sqk_build_audit *a)
{
    free(a->text);
    free(a->values);
    free(a->row_names);
    free(a->col_names);
    memset(a, 0, sizeof *a);
}

static int file_exists(const char *p)
{
    struct stat sb;
    return stat(p, &sb) == 0 && S_ISREG(sb.st_mode);
}

/* ------------------------------------------------------------------ inputs */

static int list_files(const sqk_build_config *c, const sqk_build_inputs *in, char ***files, size_t *n)
{
    char pat[4200];
    if (in->files_glob) snprintf(pat, sizeof pat, "%s", in->files_glob);
    else if (in->archive_dir && sqk_synth_incomplete(in->archive_dir))
        /* a killed synth: part of the files, silently fewer windows */
        return sqk_fail(SQK_EFORMAT, "%s is an incomplete synthetic archive: seqnetquake synth stopped before "
                        "writing %s/synth.txt, its mark of completion; finish it by running the same "
                        "command again, seqnetquake synth --out %s with the options listed in "
                        "%s/synth.partial (it replaces the incomplete archive)",
                        in->archive_dir, in->archive_dir, in->archive_dir, in->archive_dir);
    else if (in->archive_dir)
        snprintf(pat, sizeof pat, "%s/%s", in->archive_dir,
                 c->satellite == SQK_SAT_CSES ? "cses/*.h5" : "demeter/*.DAT");
    else return sqk_fail(SQK_EARG, "no satellite files: give --archive DIR or --files GLOB");
    glob_t g;
    int r = glob(pat, 0, NULL, &g); /* sorted by name: orbit number, hence time order */
    if (r == GLOB_NOMATCH || (r == 0 && g.gl_pathc == 0)) {
        if (r == 0) globfree(&g);
        return sqk_fail(SQK_EEMPTY, "no satellite files match %s (empty archive?)", pat);
    }
    if (r) return sqk_fail(SQK_EIO, "cannot list %s", pat);
    *files = sqk_calloc(g.gl_pathc, sizeof **files);
    if (!*files) { globfree(&g); return SQK_EMEM; }
    for (size_t i = 0; i < g.gl_pathc; i++) (*files)[i] = sqk_strdup(g.gl_pathv[i]);
    *n = g.gl_pathc;
    globfree(&g);
    return SQK_OK;
}

static int archive_span(char **files, size_t n, double *t0, double *t1)
{
    *t0 = INFINITY;
    *t1 = -INFINITY;
    for (size_t i = 0; i < n; i++) {
        double a, b;
        if (sqk_file_name_span(files[i], &a, &b)) {
            sqk_clear_error();
            sqk_pass p;
            memset(&p, 0, sizeof p);
            if (sqk_pass_read(files[i], &p) || p.n == 0) { sqk_pass_free(&p); continue; }
            a = p.t[0];
            b = p.t[p.n - 1];
            sqk_pass_free(&p);
        }
        if (a < *t0) *t0 = a;
        if (b > *t1) *t1 = b;
    }
    if (!(*t1 > *t0)) return sqk_fail(SQK_EEMPTY, "cannot tell the archive's time span from its %zu files", n);
    return SQK_OK;
}

/* ------------------------------------------------------------------ events */

static int cmp_event_time(const void *a, const void *b)
{
    const sqk_event *x = a, *y = b;
    if (x->t != y->t) return x->t < y->t ? -1 : 1;
    if (x->kind != y->kind) return x->kind > y->kind ? -1 : 1; /* real before control */
    return strcmp(x->id, y->id);
}

static void event_from_quake(sqk_event *e, const sqk_quake *q, uint8_t status)
{
    memset(e, 0, sizeof *e);
    snprintf(e->id, sizeof e->id, "%s", q->id);
    e->kind = SQK_EVENT_QUAKE;
    e->status = status;
    e->t = q->t;
    e->lat = q->lat;
    e->lon = q->lon;
    e->mag = q->mag;
    e->depth_km = q->depth_km;
}

static void fmt_time(double t, char *buf) { sqk_time_format_iso(t, buf); }

/* Reads and declusters the catalogue, places the controls and returns the event table of the
 * archive span, sorted by time. */
static int prepare_events(const sqk_build_config *c, const char *cat_path, sqk_build_result *r,
                          sqk_event **events, size_t *nev)
{
    sqk_catalog cat;
    memset(&cat, 0, sizeof cat);
    int st = sqk_catalog_read(cat_path, c->min_mag, 0, &cat);
    if (st) return st;
    r->events_read = cat.rows_read;
    r->events_min_mag = cat.n;
    uint8_t *status = sqk_malloc(cat.n ? cat.n : 1);
    double *mags = sqk_malloc((cat.n ? cat.n : 1) * sizeof *mags);
    sqk_event *ev = sqk_malloc((2 * cat.n + 1) * sizeof *ev);
    char a[32], b[32], x[32], y[32];
    double lo = r->t0, hi = r->t1 + c->days_before * DAY_S;
    if (!status || !mags || !ev) { st = SQK_EMEM; goto fail; }
    if (cat.n == 0) {
        st = sqk_fail(SQK_EEMPTY, "%s: no earthquakes with M >= %g in the catalogue", cat_path, c->min_mag);
        goto fail;
    }
    r->events_kept = sqk_decluster(cat.ev, cat.n, c->aftershock_box_deg, c->aftershock_days * DAY_S, status);
    r->events_aftershocks = cat.n - r->events_kept;
    if (cat.ev[cat.n - 1].t < lo || cat.ev[0].t > hi) {
        fmt_time(cat.ev[0].t, a); fmt_time(cat.ev[cat.n - 1].t, b); fmt_time(lo, x); fmt_time(hi, y);
        st = sqk_fail(SQK_EEMPTY, "%s: the catalogue (%s .. %s) and the archive (%s .. %s, incl. %g days "
                      "after) do not overlap", cat_path, a, b, x, y, c->days_before);
        goto fail;
    }
    size_t m = 0, kept = 0;
    for (size_t i = 0; i < cat.n; i++) {
        if (cat.ev[i].t < lo || cat.ev[i].t > hi) continue;
        event_from_quake(&ev[m++], &cat.ev[i], status[i]);
        if (status[i] == SQK_EVENT_KEPT) mags[kept++] = cat.ev[i].mag;
    }
    r->events_in_span = m;
    r->kept_in_span = kept;
    r->aftershocks_in_span = m - kept;
    if (kept == 0) {
        fmt_time(lo, x); fmt_time(hi, y);
        st = sqk_fail(SQK_EEMPTY, "%s: no kept earthquakes with M >= %g in the archive span %s .. %s",
                      cat_path, c->min_mag, x, y);
        goto fail;
    }
    r->controls_wanted = kept;
    /* Controls share the real events' time range: an event can have windows when it lies up to
     * days_before after the archive's end, so drawing only inside the archive would leave the
     * latest (test) events without controls. */
    if (c->controls_mode == SQK_CONTROLS_MATCHED) {
        /* One per kept earthquake of the table, at its epicentre: the kept ones are copied
         * first, since the controls are written after them in the same array. */
        sqk_event *src = sqk_malloc(kept * sizeof *src);
        size_t *row = sqk_malloc(kept * sizeof *row);
        uint8_t *matched = sqk_malloc(kept);
        int64_t *unit = sqk_malloc(kept * sizeof *unit);
        if (!src || !row || !matched || !unit) {
            free(src); free(row); free(matched); free(unit);
            st = SQK_EMEM;
            goto fail;
        }
        size_t k = 0;
        for (size_t i = 0; i < m; i++)
            if (ev[i].status == SQK_EVENT_KEPT) { row[k] = i; src[k++] = ev[i]; }
        /* Only where the catalogue can vouch for both sides of the control's time: near its
         * end, later earthquakes are unknown and every draw would look free. */
        double mlo = fmax(lo, cat.ev[0].t + c->days_before * DAY_S);
        double mhi = fmin(hi, cat.ev[cat.n - 1].t - c->days_before * DAY_S);
        st = sqk_place_matched_controls(cat.ev, cat.n, src, kept, c, mlo, mhi, c->days_before * DAY_S,
                                        ev + m, matched, unit, &r->controls_placed);
        /* An earthquake left without a swap keeps no windows either: otherwise the refused
         * ones (the largest radii, the busiest belts) would be seismic only, and place and
         * magnitude would tell the classes apart again. */
        for (size_t q = 0; !st && q < kept; q++) {
            if (!matched[q]) { ev[row[q]].status = SQK_EVENT_UNMATCHED; r->unmatched_in_span++; }
            else {
                snprintf(ev[row[q]].pair_id, sizeof ev[row[q]].pair_id, "(control)"); /* named below */
                ev[row[q]].unit = unit[q];
            }
        }
        free(unit);
        free(src);
        if (!st && r->controls_placed == 0)
            st = sqk_fail(SQK_EEMPTY, "%s: matched controls: none of the %zu kept earthquakes could swap times with "
                          "another whose place is free then (an archive shorter than about 2 x %g days "
                          "before leaves no such pair)", cat_path, kept, c->days_before);
        free(row);
        free(matched);
    } else {
        st = sqk_place_controls(cat.ev, cat.n, mags, kept, kept, lo, hi, c->control_lat_deg,
                                c->control_box_deg, c->control_days * DAY_S, c->control_tries, c->seed,
                                ev + m, &r->controls_placed);
        /* no controls means no class 0: the dataset would be seismic and storm windows only */
        if (!st && r->controls_placed == 0) {
            fmt_time(lo, x); fmt_time(hi, y);
            st = sqk_fail(SQK_EEMPTY,
                          "%s: paper controls: none of the %zu wanted could be placed: all %zu draws "
                          "(|lat| <= %g deg, %s .. %s) fell within %g deg and %g days of an "
                          "earthquake of the catalogue (raise control_tries or control_lat_deg, or "
                          "lower control_box_deg or control_days)",
                          cat_path, kept, kept * (size_t)(c->control_tries > 0 ? c->control_tries : 1),
                          c->control_lat_deg, x, y, c->control_box_deg, c->control_days);
        }
    }
    if (st) goto fail;
    m += r->controls_placed;
    qsort(ev, m, sizeof *ev, cmp_event_time);
    for (size_t i = 0; i < m; i++) {
        ev[i].radius_deg = sqk_event_radius_deg(c, ev[i].mag);
        ev[i].pair = -1;
    }
    /* Matched pairs, both ways: rows after sorting, and the earthquake names its control. */
    for (size_t i = 0; i < m; i++) {
        if (ev[i].kind != SQK_EVENT_CONTROL || !ev[i].pair_id[0]) continue;
        for (size_t j = 0; j < m; j++)
            if (ev[j].kind == SQK_EVENT_QUAKE && !strcmp(ev[j].id, ev[i].pair_id)) {
                ev[i].pair = (int64_t)j;
                ev[j].pair = (int64_t)i;
                snprintf(ev[j].pair_id, sizeof ev[j].pair_id, "%s", ev[i].id);
                break;
            }
    }
    *events = ev;
    *nev = m;
    free(status);
    free(mags);
    sqk_catalog_free(&cat);
    return SQK_OK;
fail:
    free(status);
    free(mags);
    free(ev);
    sqk_catalog_free(&cat);
    return st;
}

/* Counts the span's 3-hour intervals with a Kp value; none at all is an error, a partial
 * cover shows in the summary (and as windows dropped for missing Kp). */
static int check_kp(const sqk_kp *kp, const char *path, double t0, double t1, sqk_build_result *r)
{
    double k0 = kp->t0, k1 = kp->t0 + (double)kp->n * 3 * 3600.0;
    size_t known = 0;
    for (double a = floor(t0 / 10800.0) * 10800.0; a <= t1; a += 10800.0) {
        r->kp_intervals++;
        if (isfinite(sqk_kp_at(kp, a + 1.0))) known++;
    }
    r->kp_known = known;
    if (known == 0) {
        char a[32], b[32], x[32], y[32];
        fmt_time(k0, a); fmt_time(k1, b); fmt_time(t0, x); fmt_time(t1, y);
        return sqk_fail(SQK_EEMPTY, "%s: the Kp table (%s .. %s) has no value in the archive span %s .. %s",
                        path, a, b, x, y);
    }
    return SQK_OK;
}

/* ------------------------------------------------------------------ files */

typedef struct {
    sqk_window_set ws;
    sqk_sample_counts sc;
    sqk_window_counts wc;
    char sha[65];
    char *err;
    const sqk_precursor *prec; /* truth.csv of a synthetic archive (shared), or none */
    size_t nprec;
} file_job;

/* Gives back the unused capacity of a file's windows: thousands of files are held until the
 * end, and their spare room would otherwise make memory grow with the archive. */
static void shrink(sqk_window_set *s)
{
    if (s->n == 0) { sqk_window_set_free(s); return; }
    sqk_window *w = realloc(s->w, s->n * sizeof *w);
    float *x = realloc(s->x, s->n * (size_t)s->T * s->F * sizeof *x);
    if (w) s->w = w;
    if (x) s->x = x;
    if (w && x) s->cap = s->n;
}

/* Files read per turn of a thread. */
#define FILES_PER_TURN 8

/* One file of a batch between its reading and its windowing. */
typedef struct {
    unsigned char *bytes; /* the whole file, NULL when it could not be read so */
    size_t size;
    sqk_pass p;
    int st;
    char *err;            /* the reader's message when st != 0 */
} staged_file;

static int is_hdf5(const staged_file *f)
{
    return sqk_h5_signature(f->bytes, f->size);
}

/* CSES files go to the thread's HDF5 worker process (a corrupt file that crashes or hangs
 * libhdf5 is then an error naming it); as HDF5 runs in those processes, each with its own
 * library, the threads no longer queue for HDF5's global lock. */
static void stage_read(staged_file *f, const char *path, sqk_worker *w)
{
    if (is_hdf5(f)) {
        sqk_buf b;
        f->st = sqk_worker_call(w, path, &b);
        if (!f->st) f->st = sqk_pass_unpack(&b, &f->p);
        sqk_buf_free(&b);
    } else {
        f->st = sqk_pass_read(path, &f->p); /* DEMETER, or anything the detection must judge */
    }
    if (f->st) f->err = sqk_strdup(sqk_last_error());
}

/* Windows (and hashes) a file read without error by stage_read; a failure's message is in
 * sqk_last_error. */
static int finish_one(staged_file *f, const char *path, int32_t index, const sqk_build_config *c,
                      const sqk_event *ev, size_t nev, const sqk_kp *kp, file_job *job)
{
    sqk_pass *p = &f->p;
    int st = SQK_OK;
    if (p->satellite != c->satellite)
        st = sqk_fail(SQK_EFORMAT, "%s: a %s file in a %s build", path,
                      p->satellite == SQK_SAT_CSES ? "CSES" : p->satellite == SQK_SAT_DEMETER ? "DEMETER" : "unknown",
                      c->satellite == SQK_SAT_CSES ? "CSES" : "DEMETER");
    if (!st) {
        sqk_series s;
        size_t before = job->ws.n;
        st = sqk_series_prepare(p, c, &s, &job->sc);
        if (!st) {
            st = sqk_window_series(&s, c, ev, nev, kp, index, p->orbit, p->satellite, &job->ws, &job->wc);
            if (!st && job->nprec && job->ws.n > before) /* no windows: ws.w may be NULL */
                st = sqk_window_weights(&s, c->T, job->prec, job->nprec, job->ws.w + before, job->ws.n - before);
            sqk_series_free(&s);
        }
    }
    if (!st && !c->file_checksums) snprintf(job->sha, sizeof job->sha, "-");
    else if (!st && f->bytes) sqk_sha256_bytes(f->bytes, f->size, job->sha);
    else if (!st) st = sqk_sha256_file(path, job->sha);
    return st;
}

/* Files [i0, i1) (at most FILES_PER_TURN): read from disk, then each read, windowed and
 * hashed in order. */
static void read_batch(char **files, size_t i0, size_t i1, const sqk_build_config *c, const sqk_event *ev,
                       size_t nev, const sqk_kp *kp, file_job *jobs, sqk_worker *w)
{
    staged_file sf[FILES_PER_TURN];
    size_t k = i1 - i0;
    memset(sf, 0, sizeof sf);
    for (size_t q = 0; q < k; q++) sf[q].bytes = sqk_slurp(files[i0 + q], &sf[q].size);
    for (size_t q = 0; q < k; q++) {
        staged_file *f = &sf[q];
        file_job *j = &jobs[i0 + q];
        stage_read(f, files[i0 + q], w);
        if (f->st || finish_one(f, files[i0 + q], (int32_t)(i0 + q), c, ev, nev, kp, j)) {
            if (f->st) { j->err = f->err; f->err = NULL; }
            else j->err = sqk_strdup(sqk_last_error());
            sqk_window_set_free(&j->ws);
            memset(&j->sc, 0, sizeof j->sc);
            memset(&j->wc, 0, sizeof j->wc);
        } else {
            shrink(&j->ws);
        }
        sqk_pass_free(&f->p);
        free(f->bytes);
        free(f->err);
    }
}

static int read_all(char **files, size_t n, const sqk_build_config *c, const sqk_event *ev,
                    size_t nev, const sqk_kp *kp, file_job *jobs, const sqk_progress *prog)
{
    size_t done = 0, nb = (n + FILES_PER_TURN - 1) / FILES_PER_TURN;
    int nt = c->threads > 0 ? c->threads : omp_get_max_threads();
    if ((size_t)nt > nb) nt = nb ? (int)nb : 1;
    /* One HDF5 worker per thread, all forked here, before the threads start. */
    sqk_worker **workers = sqk_calloc((size_t)nt, sizeof *workers);
    if (!workers) return SQK_EMEM;
    static const sqk_cses_opts read_opts = {.skip_extras = 1}; /* the build uses neither ALTITUDE nor MAG_LAT */
    int st = SQK_OK;
    for (int t = 0; t < nt && !st; t++) st = sqk_worker_new(&workers[t], "HDF5", sqk_cses_lap_worker, &read_opts);
    if (st) nb = 0;
    /* Each thread reads and windows a few whole files at a time; results land in the files'
     * slots, so the output order is the file order whatever the scheduling. */
#pragma omp parallel for schedule(dynamic, 1) num_threads(nt)
    for (size_t b = 0; b < nb; b++) {
        size_t i0 = b * FILES_PER_TURN, i1 = i0 + FILES_PER_TURN < n ? i0 + FILES_PER_TURN : n;
        read_batch(files, i0, i1, c, ev, nev, kp, jobs, workers[omp_get_thread_num()]);
#pragma omp critical(sqk_build_progress)
        {
            done += i1 - i0;
            sqk_progress_report(prog, "files read", (double)done, (double)n);
        }
    }
    for (int t = 0; t < nt; t++) sqk_worker_free(workers[t]);
    free(workers);
    return st;
}

static void add_counts(sqk_build_result *r, const file_job *j)
{
    sqk_sample_counts *s = &r->samples;
    s->read += j->sc.read; s->fill += j->sc.fill; s->ne_range += j->sc.ne_range;
    s->te_range += j->sc.te_range; s->time_order += j->sc.time_order; s->resampled += j->sc.resampled;
    sqk_window_counts *w = &r->windows;
    w->cut += j->wc.cut; w->gap += j->wc.gap; w->time_of_day += j->wc.time_of_day;
    w->unassociated += j->wc.unassociated; w->aftershock += j->wc.aftershock;
    w->missing_kp += j->wc.missing_kp; w->used += j->wc.used; w->unmatched += j->wc.unmatched;
    for (int k = 0; k < 3; k++) w->cls[k] += j->wc.cls[k];
}

/* Concatenates the per-file windows in file order, freeing them as it goes. */
static int gather(file_job *jobs, size_t n, const sqk_build_config *c, sqk_window_set *all)
{
    size_t total = 0, TF = (size_t)c->T * c->nfeat;
    for (size_t i = 0; i < n; i++) total += jobs[i].ws.n;
    memset(all, 0, sizeof *all);
    all->T = c->T;
    all->F = c->nfeat;
    all->w = sqk_malloc((total ? total : 1) * sizeof *all->w);
    all->x = sqk_malloc((total ? total : 1) * TF * sizeof *all->x);
    if (!all->w || !all->x) return SQK_EMEM;
    for (size_t i = 0; i < n; i++) {
        sqk_window_set *s = &jobs[i].ws;
        if (s->n) {
            memcpy(all->w + all->n, s->w, s->n * sizeof *s->w);
            memcpy(all->x + all->n * TF, s->x, s->n * TF * sizeof *s->x);
            all->n += s->n;
        }
        sqk_window_set_free(s);
    }
    all->cap = all->n;
    return SQK_OK;
}

/* ------------------------------------------------------------------ truth and summary */

static int make_summary(const sqk_build_config *c, const sqk_build_result *r, char **out)
{
    size_t cap = 8192 + 512 * (r->files_bad < 20 ? r->files_bad : 20) + (r->audit.text ? strlen(r->audit.text) : 0);
    char *s = sqk_malloc(cap), a[32], b[32], radius[32];
    if (!s) return SQK_EMEM;
    fmt_time(r->t0, a);
    fmt_time(r->t1, b);
    if (c->radius_deg > 0) snprintf(radius, sizeof radius, "%g deg", c->radius_deg);
    else snprintf(radius, sizeof radius, "Dobrovolsky");
    const sqk_sample_counts *sc = &r->samples;
    const sqk_window_counts *w = &r->windows;
    size_t n = 0;
    /* Lines are bounded (file messages cut at 480 characters), so cap is never reached; the
     * guard keeps a surprise from writing past the buffer. */
#define P(...) do { if (n < cap) n += (size_t)snprintf(s + n, cap - n, __VA_ARGS__); } while (0)
    P("seqnetquake build %s\n", sqk_version());
    P("configuration: %s %s, T=%d, radius %s, M>=%g, %g days before, split by %s (test %g, validation %g), seed %llu\n",
      c->satellite == SQK_SAT_CSES ? "CSES" : "DEMETER",
      c->time_of_day == SQK_TIME_NIGHT ? "night" : c->time_of_day == SQK_TIME_DAY ? "day" : "all times",
      c->T, radius, c->min_mag, c->days_before, c->split_mode == SQK_SPLITMODE_EVENT ? "event" : "window time (paper)",
      c->test_fraction, c->val_fraction, (unsigned long long)c->seed);
    {
        char feats[SQK_MAX_FEATURES * 33] = "";
        for (int i = 0; i < c->nfeat; i++) { if (i) strcat(feats, ","); strcat(feats, c->feature[i]); }
        P("design: %s (cadence %s, controls %s, features %s)\n", sqk_build_config_design_name(c),
          c->cadence_mode == SQK_CADENCE_MODE_HARMONISED ? "harmonised" : "paper",
          c->controls_mode == SQK_CONTROLS_MATCHED ? "matched" : "paper", feats);
    }
    P("archive: %zu files, %zu unreadable%s; span %s .. %s\n", r->files, r->files_bad,
      r->files_bad ? " (skipped)" : "", a, b);
    for (size_t i = 0; i < r->files_bad && i < 20; i++) P("  skipped: %.480s\n", r->bad[i]);
    P("catalogue: %zu rows, %zu earthquakes M>=%g: %zu kept, %zu aftershocks\n", r->events_read,
      r->events_min_mag, c->min_mag, r->events_kept, r->events_aftershocks);
    P("  in the archive span (+%g days): %zu events: %zu kept, %zu aftershocks\n", c->days_before,
      r->events_in_span, r->kept_in_span, r->aftershocks_in_span);
    P("controls: %zu placed of %zu wanted (%s%s)\n", r->controls_placed, r->controls_wanted,
      c->controls_mode == SQK_CONTROLS_MATCHED ? "matched: at kept epicentres, at times no earthquake labels"
                                               : "paper: random, 10 deg / 15 days off every earthquake",
      c->controls_mode == SQK_CONTROLS_MATCHED && c->swap_partners == SQK_PARTNERS_MAGNITUDE
          ? "; swap partners of nearest magnitude" : "");
    if (c->controls_mode == SQK_CONTROLS_MATCHED)
        P("  %zu kept earthquakes without a control: their windows are dropped (%zu windows); "
          "%zu control and %zu seismic windows dropped to give the four events of each swap as many windows\n",
          r->unmatched_in_span, w->unmatched, r->balanced_out[0], r->balanced_out[1]);
    P("Kp: %zu of the span's %zu 3-hour intervals known%s\n", r->kp_known, r->kp_intervals,
      r->kp_known < r->kp_intervals ? " (windows in the others are dropped)" : "");
    P("samples: %zu read; invalid: %zu fill/NaN, %zu Ne out of range, %zu Te out of range, %zu time not increasing; %zu after resampling to %g s\n",
      sc->read, sc->fill, sc->ne_range, sc->te_range, sc->time_order, sc->resampled, c->dt_s);
    P("windows: %zu cut; dropped: %zu gap, %zu time of day, %zu unassociated, %zu aftershock only, %zu missing Kp; %zu used\n",
      w->cut, w->gap, w->time_of_day, w->unassociated, w->aftershock, w->missing_kp, w->used);
    P("  by class 0/1/2 (control/seismic/storm): %zu / %zu / %zu\n", w->cls[0], w->cls[1], w->cls[2]);
    static const char *names[3] = {"train", "validation", "test"};
    for (int k = 0; k < 3; k++)
        P("  %-10s %zu / %zu / %zu windows, %zu events\n", names[k], r->by_split[k][0], r->by_split[k][1],
          r->by_split[k][2], r->events_by_split[k]);
    P("native cadence (windows burst / survey / mixed) by class 0, 1, 2:\n");
    for (int k = 0; k < 3; k++) {
        P("  %-10s", names[k]);
        for (int y = 0; y < 3; y++)
            P(" %d: %zu / %zu / %zu%s", y, r->cadence[k][y][SQK_CADENCE_BURST], r->cadence[k][y][SQK_CADENCE_SURVEY],
              r->cadence[k][y][SQK_CADENCE_MIXED], y < 2 ? "," : "\n");
    }
    if (r->has_truth)
        P("planted precursors (truth.csv): %zu listed, %zu in the span; with windows: train %zu, validation %zu, test %zu; without windows %zu\n",
          r->truth_events, r->truth_in_span, r->truth_by_split[0], r->truth_by_split[1],
          r->truth_by_split[2], r->truth_without_windows);
    if (r->has_truth)
        P("windows inside a precursor's footprint (weight > 0): control %zu, seismic %zu, storm %zu; "
          "events with such a window %zu\n", r->truth_windows[0], r->truth_windows[1], r->truth_windows[2],
          r->truth_events_touched);
    if (r->audit.text) P("%s", r->audit.text);
#undef P
    *out = s;
    return SQK_OK;
}

/* ------------------------------------------------------------------ provenance and output */

/* sha256 of the "checksum  size  name" list of the satellite files, via a scratch file. */
static int files_digest(const char *out_path, char **files, const file_job *jobs, size_t n, char hex[65])
{
    char tmp[4200], list[4300];
    int st = sqk_tmp_path(out_path, tmp, sizeof tmp);
    if (st) return st;
    snprintf(list, sizeof list, "%s.files", tmp);
    FILE *f = fopen(list, "w");
    if (!f) return sqk_fail(SQK_EIO, "%s: cannot write", list);
    for (size_t i = 0; i < n; i++) {
        const char *base = strrchr(files[i], '/');
        struct stat sb;
        long long size = stat(files[i], &sb) == 0 ? (long long)sb.st_size : -1;
        fprintf(f, "%s  %lld  %s\n", jobs[i].sha, size, base ? base + 1 : files[i]);
    }
    fclose(f);
    st = sqk_sha256_file(list, hex);
    remove(list);
    return st;
}

static void tally_splits(const sqk_window_set *ws, const uint8_t *split, size_t nev, sqk_build_result *r)
{
    uint8_t *seen = sqk_calloc((nev ? nev : 1) * 3, 1);
    for (size_t i = 0; i < ws->n; i++) {
        r->by_split[split[i]][ws->w[i].y]++;
        r->cadence[split[i]][ws->w[i].y][ws->w[i].cadence]++;
        if (seen && !seen[ws->w[i].event * 3 + split[i]]) {
            seen[ws->w[i].event * 3 + split[i]] = 1;
            r->events_by_split[split[i]]++;
        }
    }
    free(seen);
}

typedef struct {
    char **files;
    size_t nfiles;
    file_job *jobs;
    sqk_event *ev;
    size_t nev;
    sqk_kp kp;
    sqk_window_set all;
    uint8_t *split;
    sqk_precursor *prec;
    size_t nprec;
} build_state;

static void state_free(build_state *b)
{
    for (size_t i = 0; i < b->nfiles; i++) {
        free(b->files[i]);
        if (b->jobs) { sqk_window_set_free(&b->jobs[i].ws); free(b->jobs[i].err); }
    }
    free(b->files);
    free(b->jobs);
    free(b->ev);
    sqk_kp_free(&b->kp);
    sqk_window_set_free(&b->all);
    free(b->split);
    free(b->prec);
}

static void join_path(char *buf, size_t n, const char *given, const char *dir, const char *name)
{
    if (given) snprintf(buf, n, "%s", given);
    else if (dir) snprintf(buf, n, "%s/%s", dir, name);
    else buf[0] = '\0';
}

static int collect_bad(build_state *b, const sqk_build_config *c, sqk_build_result *r)
{
    for (size_t i = 0; i < b->nfiles; i++) {
        file_job *j = &b->jobs[i];
        if (!j->err) { add_counts(r, j); continue; }
        char **nb = sqk_realloc(r->bad, (r->files_bad + 1) * sizeof *nb);
        if (!nb) return SQK_EMEM;
        r->bad = nb;
        r->bad[r->files_bad++] = j->err;
        j->err = NULL;
        snprintf(j->sha, sizeof j->sha, "unreadable");
    }
    if (r->files_bad && !c->skip_bad)
        return sqk_fail(SQK_EFORMAT, "%zu of %zu satellite files could not be read (first: %s); "
                        "nothing written (use --skip-bad to build without them)",
                        r->files_bad, b->nfiles, r->bad[0]);
    if (r->files_bad == b->nfiles)
        return sqk_fail(SQK_EEMPTY, "none of the %zu satellite files could be read (first: %s)", b->nfiles, r->bad[0]);
    return SQK_OK;
}

static int write_outputs(const sqk_build_config *c, const sqk_build_inputs *in, build_state *b,
                         const char *cat_path, const char *kp_path, sqk_build_result *r)
{
    char cat_sha[65], kp_sha[65], digest[65], sumpath[4200];
    int st = sqk_sha256_file(cat_path, cat_sha);
    if (!st) st = sqk_sha256_file(kp_path, kp_sha);
    if (!st) st = files_digest(in->out_path, b->files, b->jobs, b->nfiles, digest);
    if (st) return st;
    const char **shas = sqk_malloc(b->nfiles * sizeof *shas);
    if (!shas) return SQK_EMEM;
    for (size_t i = 0; i < b->nfiles; i++) shas[i] = b->jobs[i].sha;
    sqk_dataset_contents d = {
        .config = c, .windows = &b->all, .split = b->split, .events = b->ev, .nevents = b->nev,
        .files = (const char *const *)b->files, .files_sha256 = shas, .nfiles = b->nfiles,
        .catalog_path = cat_path, .catalog_sha256 = cat_sha, .kp_path = kp_path, .kp_sha256 = kp_sha,
        .files_digest = digest, .result = r};
    snprintf(sumpath, sizeof sumpath, "%s.summary.txt", in->out_path);
    st = sqk_dataset_write_with_summary(in->out_path, &d, sumpath, r->summary);
    free(shas);
    return st;
}

static int build_windows(const sqk_build_config *c, build_state *b, const sqk_progress *prog, sqk_build_result *r)
{
    b->jobs = sqk_calloc(b->nfiles, sizeof *b->jobs);
    if (!b->jobs) return SQK_EMEM;
    for (size_t i = 0; i < b->nfiles; i++) { b->jobs[i].prec = b->prec; b->jobs[i].nprec = b->nprec; }
    int rst = read_all(b->files, b->nfiles, c, b->ev, b->nev, &b->kp, b->jobs, prog);
    if (rst) return rst;
    int st = collect_bad(b, c, r);
    if (!st) st = gather(b->jobs, b->nfiles, c, &b->all);
    if (st) return st;
    r->n_windows = b->all.n;
    if (b->all.n == 0) {
        const sqk_window_counts *w = &r->windows;
        return sqk_fail(SQK_EEMPTY, "no windows to keep: %zu cut, %zu gap, %zu time of day, %zu unassociated, "
                        "%zu aftershock only, %zu missing Kp", w->cut, w->gap, w->time_of_day,
                        w->unassociated, w->aftershock, w->missing_kp);
    }
    b->split = sqk_malloc(b->all.n);
    if (!b->split) return SQK_EMEM;
    if (c->controls_mode == SQK_CONTROLS_MATCHED) {
        st = sqk_balance_units(&b->all, b->ev, b->nev, c->seed, r->balanced_out);
        if (st) return st;
        for (int y = 0; y < 2; y++) { r->windows.cls[y] -= r->balanced_out[y]; r->windows.used -= r->balanced_out[y]; }
        r->n_windows = b->all.n;
        if (b->all.n == 0) return sqk_fail(SQK_EEMPTY, "no windows left once the matched units are balanced");
    }
    st = sqk_split_assign(b->all.w, b->all.n, b->ev, b->nev, c, b->split);
    if (!st) tally_splits(&b->all, b->split, b->nev, r);
    return st;
}

int sqk_build(const sqk_build_config *c, const sqk_build_inputs *in, const sqk_progress *prog,
              sqk_build_result *r)
{
    memset(r, 0, sizeof *r);
    build_state b;
    memset(&b, 0, sizeof b);
    char cat_path[4200], kp_path[4200], truth_path[4200];
    int st = sqk_build_config_check(c);
    if (st) return st;
    if (!in->out_path) return sqk_fail(SQK_EARG, "no output file (--out DATASET.h5)");
    join_path(cat_path, sizeof cat_path, in->catalog_path, in->archive_dir, "catalog.csv");
    join_path(kp_path, sizeof kp_path, in->kp_path, in->archive_dir, "kp.txt");
    join_path(truth_path, sizeof truth_path, in->truth_path, in->archive_dir, "truth.csv");
    if (!cat_path[0]) return sqk_fail(SQK_EARG, "no catalogue: give --archive DIR or --catalog FILE");
    if (!kp_path[0]) return sqk_fail(SQK_EARG, "no Kp table: give --archive DIR or --kp FILE");
    st = list_files(c, in, &b.files, &b.nfiles);
    if (!st) { r->files = b.nfiles; st = archive_span(b.files, b.nfiles, &r->t0, &r->t1); }
    if (!st) st = prepare_events(c, cat_path, r, &b.ev, &b.nev);
    if (!st) st = sqk_kp_read(kp_path, &b.kp);
    if (!st) st = check_kp(&b.kp, kp_path, r->t0, r->t1, r);
    int has_truth = truth_path[0] && file_exists(truth_path);
    if (!st && has_truth) st = sqk_synth_truth_read(truth_path, &b.prec, &b.nprec);
    if (!st) st = build_windows(c, &b, prog, r);
    if (!st && has_truth) st = sqk_windows_truth(b.prec, b.nprec, b.ev, b.nev, &b.all, b.split, r);
    if (!st && in->audit) st = in->audit(in->audit_ctx, c, &b.all, b.split, b.ev, b.nev, &r->audit);
    if (!st) st = make_summary(c, r, &r->summary);
    if (!st) st = write_outputs(c, in, &b, cat_path, kp_path, r);
    state_free(&b);
    return st;
}
