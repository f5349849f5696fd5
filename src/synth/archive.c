/* Writing the synthetic archive: synth.partial first (the mark of an archive being written,
 * holding the options), the small tables, then every half-orbit file in parallel (one file per
 * thread at a time, so memory stays bounded whatever the span), synth.txt as the mark of a
 * complete archive, and synth.partial removed. On failure every file written is removed
 * again; after a kill, synth.partial (or, from earlier versions, truth.csv without synth.txt)
 * tells build that the archive is incomplete, and synth on the same folder replaces it. */
#include "synth_internal.h"

#include "sqk/time.h"

#include <dirent.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct {
    const sqk_orbit *orbit_model;
    int orbit, direction;
    double t_lo, t_hi;
    char *paths[2];   /* files written (for cleanup on failure) */
    size_t samples;
} task;

static int add_tasks(const sqk_orbit *o, double t_lo, double t_hi, task **tasks, size_t *n, size_t *cap)
{
    int first = sqk_orbit_number(o, t_lo), last = sqk_orbit_number(o, t_hi);
    int dirs[2];
    /* File order = time order within an orbit (see sqk_orbit_half_span). */
    dirs[0] = o->satellite == SQK_SAT_DEMETER ? SQK_DIR_DESCENDING : SQK_DIR_ASCENDING;
    dirs[1] = 1 - dirs[0];
    for (int k = first; k <= last; k++)
        for (int h = 0; h < 2; h++) {
            double a, b;
            sqk_orbit_half_span(o, k, dirs[h], &a, &b);
            if (b <= t_lo || a >= t_hi) continue;
            if (sqk_grow((void **)tasks, cap, *n + 1, sizeof **tasks)) return SQK_EMEM;
            (*tasks)[(*n)++] = (task){o, k, dirs[h], t_lo, t_hi, {NULL, NULL}, 0};
        }
    return SQK_OK;
}

/* The samples of one mode, as a pass of their own (DEMETER keeps burst and survey apart). */
static int subset_pass(const sqk_pass *src, int mode, sqk_pass *dst)
{
    size_t n = 0;
    for (size_t i = 0; i < src->n; i++) n += src->mode[i] == mode;
    memset(dst, 0, sizeof *dst);
    int rc = sqk_pass_alloc(dst, n, 1, 1, 1);
    if (rc) return rc;
    dst->satellite = src->satellite;
    dst->orbit = src->orbit;
    dst->direction = src->direction;
    for (int v = 0; v < src->nvar; v++)
        if ((rc = sqk_pass_add_var(dst, src->var[v].name, src->var[v].units)) < 0) {
            sqk_pass_free(dst);
            return rc;
        }
    size_t k = 0;
    for (size_t i = 0; i < src->n; i++) {
        if (src->mode[i] != mode) continue;
        dst->t[k] = src->t[i]; dst->lat[k] = src->lat[i]; dst->lon[k] = src->lon[i];
        dst->alt_km[k] = src->alt_km[i]; dst->mlat[k] = src->mlat[i]; dst->mode[k] = src->mode[i];
        for (int v = 0; v < src->nvar; v++) dst->var[v].v[k] = src->var[v].v[i];
        k++;
    }
    return SQK_OK;
}

static int write_demeter(const char *dir, const sqk_pass *p, task *tk)
{
    static const int modes[2] = {SQK_MODE_SURVEY, SQK_MODE_BURST};
    static const int apids[2] = {SQK_DEMETER_APID_SURVEY, SQK_DEMETER_APID_BURST};
    for (int k = 0; k < 2; k++) {
        sqk_pass sub;
        int rc = subset_pass(p, modes[k], &sub);
        if (rc) return rc;
        if (sub.n > 0) {
            char path[1100];
            rc = sqk_demeter_write(dir, &sub, apids[k], path, sizeof path);
            if (rc == SQK_OK && !(tk->paths[k] = sqk_strdup(path))) rc = SQK_EMEM;
        }
        sqk_pass_free(&sub);
        if (rc) return rc;
    }
    return SQK_OK;
}

static int run_task(const sqk_synth_model *m, const char *cses_dir, const char *dem_dir, task *tk)
{
    sqk_pass p;
    int present, rc = sqk_synth_half_orbit(m, tk->orbit_model, tk->orbit, tk->direction,
                                           tk->t_lo, tk->t_hi, &p, &present);
    if (rc || !present) return rc;
    tk->samples = p.n;
    if (p.satellite == SQK_SAT_CSES) {
        char path[1100];
        rc = sqk_cses_write_lap(cses_dir, &p, path, sizeof path);
        if (rc == SQK_OK && !(tk->paths[0] = sqk_strdup(path))) rc = SQK_EMEM;
    } else {
        rc = write_demeter(dem_dir, &p, tk);
    }
    sqk_pass_free(&p);
    return rc;
}

static size_t file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (size_t)st.st_size : 0;
}

static int write_text(const char *path, const char *text)
{
    sqk_atomic_file a;
    int rc = sqk_atomic_open(&a, path);
    if (rc) return rc;
    fputs(text, a.f);
    return sqk_atomic_close(&a, SQK_OK);
}

/* Runs the tasks in parallel; the first failure (in task order) wins and stops the rest. */
static int run_tasks(const sqk_synth_model *m, const char *cses_dir, const char *dem_dir,
                     task *tasks, size_t n, const sqk_progress *progress)
{
    int failed = 0;
    size_t fail_at = n, done = 0;
    char msg[1024] = "";
    int threads = m->cfg.threads > 0 ? m->cfg.threads : omp_get_max_threads();
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads)
    for (size_t i = 0; i < n; i++) {
        int stop;
#pragma omp atomic read
        stop = failed;
        if (stop) continue;
        int rc = run_task(m, cses_dir, dem_dir, &tasks[i]);
#pragma omp critical(synth_status)
        {
            if (rc && i < fail_at) {
                fail_at = i;
                /* Other threads read it outside this section, atomically: so must it be written. */
#pragma omp atomic write
                failed = rc;
                snprintf(msg, sizeof msg, "%s", sqk_last_error());
            }
            done++;
            if (omp_get_thread_num() == 0) sqk_progress_report(progress, "files", (double)done, (double)n);
        }
    }
    if (failed) return sqk_fail(failed, "%s", msg);
    sqk_progress_report(progress, "files", (double)n, (double)n);
    return SQK_OK;
}

/* 1 when path is a folder holding at least one entry. */
static int dir_has_entries(const char *path)
{
    DIR *d = opendir(path);
    if (!d) return 0;
    struct dirent *e;
    int found = 0;
    while (!found && (e = readdir(d)))
        found = strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
    closedir(d);
    return found;
}

/* 1 when dir holds an archive that synth began and never finished: synth.partial, or
 * truth.csv without synth.txt (archives of versions without synth.partial). */
int sqk_synth_incomplete(const char *dir)
{
    char path[1100];
    struct stat st;
    snprintf(path, sizeof path, "%s/synth.txt", dir);
    if (stat(path, &st) == 0) return 0;
    snprintf(path, sizeof path, "%s/synth.partial", dir);
    if (stat(path, &st) == 0) return 1;
    snprintf(path, sizeof path, "%s/truth.csv", dir);
    return stat(path, &st) == 0;
}

/* Takes away an incomplete archive: its tables and subfolders, then the mark. */
static int remove_incomplete(const char *dir)
{
    static const char *const parts[] = {"cses", "demeter", "catalog.csv", "kp.txt", "truth.csv", "synth.partial"};
    char path[1100];
    int rc = SQK_OK;
    for (int k = 0; k < 6 && !rc; k++) {
        snprintf(path, sizeof path, "%s/%s", dir, parts[k]);
        rc = sqk_rm_tree(path);
    }
    return rc;
}

/* Files of an earlier archive would mix with this one's (names depend on gaps and missing
 * half-orbits), so a complete archive is never written over; an incomplete one (a synth that
 * was killed) is removed first, so that synth again on the same folder finishes the job. */
static int check_fresh(const char *dir, int *replaced)
{
    static const char *const parts[] = {"synth.txt", "cses", "demeter"};
    char path[1100];
    struct stat st;
    *replaced = 0;
    if (sqk_synth_incomplete(dir)) {
        *replaced = 1;
        return remove_incomplete(dir);
    }
    for (int k = 0; k < 3; k++) {
        snprintf(path, sizeof path, "%s/%s", dir, parts[k]);
        if (k == 0 ? stat(path, &st) == 0 : dir_has_entries(path))
            return sqk_fail(SQK_EARG, "%s already holds an archive (%s): remove it or choose another folder",
                            dir, parts[k]);
    }
    return SQK_OK;
}

static int make_dirs(const char *dir, const sqk_synth_config *c, char *cses_dir, char *dem_dir, size_t size)
{
    int rc = sqk_mkdir_p(dir);
    if (rc) return rc;
    snprintf(cses_dir, size, "%s/cses", dir);
    snprintf(dem_dir, size, "%s/demeter", dir);
    if (c->cses && (rc = sqk_mkdir_p(cses_dir))) return rc;
    if (c->demeter && (rc = sqk_mkdir_p(dem_dir))) return rc;
    if (access(dir, W_OK) != 0) return sqk_fail(SQK_EIO, "%s: not writable", dir);
    return SQK_OK;
}

/* catalog.csv, kp.txt, truth.csv; names[k] is set only once file k is written. */
static int write_tables(const char *dir, const sqk_synth_model *m, char names[3][1100])
{
    char path[1100];
    snprintf(path, sizeof path, "%s/catalog.csv", dir);
    int rc = sqk_catalog_write(path, &m->cat);
    if (rc) return rc;
    snprintf(names[0], 1100, "%s", path);
    snprintf(path, sizeof path, "%s/kp.txt", dir);
    if ((rc = sqk_kp_write_gfz(path, &m->kp))) return rc;
    snprintf(names[1], 1100, "%s", path);
    snprintf(path, sizeof path, "%s/truth.csv", dir);
    if ((rc = sqk_synth_write_truth(path, m))) return rc;
    snprintf(names[2], 1100, "%s", path);
    return SQK_OK;
}

static void summarise(const sqk_synth_model *m, const task *tasks, size_t n, const char tables[3][1100],
                      sqk_synth_summary *s)
{
    memset(s, 0, sizeof *s);
    for (size_t i = 0; i < n; i++) {
        s->samples += tasks[i].samples;
        for (int k = 0; k < 2; k++) {
            if (!tasks[i].paths[k]) continue;
            if (tasks[i].orbit_model->satellite == SQK_SAT_CSES) s->files_cses++;
            else s->files_demeter++;
            s->bytes += file_size(tasks[i].paths[k]);
        }
    }
    for (int k = 0; k < 3; k++)
        if (tables[k][0]) s->bytes += file_size(tables[k]);
    s->events = m->cat.n;
    for (size_t i = 0; i < m->cat.n; i++) s->mainshocks += m->mainshock[i];
    s->precursors = m->nprec;
    s->kp_intervals = m->kp.n;
    for (size_t j = 0; j < m->kp.n; j++) s->kp_storm += m->kp.kp[j] > 3.0f;
}

int sqk_synth_run(const char *dir, const sqk_synth_config *c, const sqk_progress *progress,
                  sqk_synth_summary *summary)
{
    sqk_synth_model m;
    int rc = sqk_synth_model_init(&m, c); /* reads --catalog / --kp before anything is written */
    if (rc) return rc;
    char cses_dir[1100] = "", dem_dir[1100] = "", tables[3][1100] = {"", "", ""}, conf_path[1100];
    char partial[1100], text[4096];
    int made_dirs = 0; /* remove the subfolders on failure only if this run made them */
    int replaced = 0, marked = 0;
    struct stat st;
    int dir_existed = stat(dir, &st) == 0;
    task *tasks = NULL;
    size_t ntasks = 0, cap = 0;
    sqk_orbit orbits[2] = {sqk_orbit_cses(), sqk_orbit_demeter()};
    snprintf(conf_path, sizeof conf_path, "%s/synth.txt", dir);
    snprintf(partial, sizeof partial, "%s/synth.partial", dir);
    rc = sqk_synth_config_text(c, text, sizeof text);
    if (rc == SQK_OK) rc = check_fresh(dir, &replaced);
    if (rc == SQK_OK) {
        rc = make_dirs(dir, c, cses_dir, dem_dir, sizeof cses_dir);
        made_dirs = 1; /* check_fresh saw them empty or absent */
    }
    if (rc == SQK_OK) {
        char mark[4400];
        snprintf(mark, sizeof mark, "# an archive being written by seqnetquake synth with these options; "
                 "it is complete once synth.txt is written\n%s", text);
        rc = write_text(partial, mark);
        marked = rc == SQK_OK;
    }
    if (rc == SQK_OK) rc = write_tables(dir, &m, tables);
    if (rc == SQK_OK && c->demeter)
        rc = add_tasks(&orbits[1], c->demeter_start, c->demeter_start + c->demeter_days * SQK_DAY_S,
                       &tasks, &ntasks, &cap);
    if (rc == SQK_OK && c->cses)
        rc = add_tasks(&orbits[0], c->cses_start, c->cses_start + c->cses_days * SQK_DAY_S,
                       &tasks, &ntasks, &cap);
    if (rc == SQK_OK) rc = run_tasks(&m, cses_dir, dem_dir, tasks, ntasks, progress);
    if (rc == SQK_OK) rc = write_text(conf_path, text);
    if (rc == SQK_OK) unlink(partial);
    if (rc == SQK_OK && summary) {
        summarise(&m, tasks, ntasks, tables, summary);
        summary->replaced_incomplete = replaced;
    }
    if (rc) {
        /* No partial archive: take back what this run wrote. */
        for (size_t i = 0; i < ntasks; i++)
            for (int k = 0; k < 2; k++)
                if (tasks[i].paths[k]) unlink(tasks[i].paths[k]);
        for (int k = 0; k < 3; k++)
            if (tables[k][0]) unlink(tables[k]);
        if (marked) unlink(partial);
        if (made_dirs && c->cses && cses_dir[0]) rmdir(cses_dir);
        if (made_dirs && c->demeter && dem_dir[0]) rmdir(dem_dir);
        if (made_dirs && !dir_existed) rmdir(dir);
    }
    for (size_t i = 0; i < ntasks; i++) { free(tasks[i].paths[0]); free(tasks[i].paths[1]); }
    free(tasks);
    sqk_synth_model_free(&m);
    return rc;
}
