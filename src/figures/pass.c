/* Quick look of one half-orbit (the paper's Figure 1 and S1): Ne and Te on log scales against
 * time (UTC below, latitude above), the sampling cadence and the invalid samples, the Kp index
 * along the pass, every dataset window that came from the file shaded by its label and listed
 * with its event and split, and a map of the track with the events in reach. */
#include "fig_internal.h"

#include "sqk/archive.h"
#include "sqk/dataset.h"
#include "sqk/geo.h"
#include "sqk/h5.h"
#include "sqk/time.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define DAY_S 86400.0
#define MAX_LISTED 14 /* window groups listed under the figure */
#define LIST_GAP 2.25 /* cm from the Kp panel's bottom to the list (UTC label, legend) */
#define MAP_H (4.6 * 160.0 / 90.0) /* the map: 90 deg of longitude by 160 of latitude, 4.6 cm wide */

/* One line of text at (x, y) in the current frame: "x y text" through a data file (GMT's API
 * takes no here-strings). opts are the text module's options. */
static int text_at(fig_ctx *f, const char *opts, double x, double y, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static int text_at(fig_ctx *f, const char *opts, double x, double y, const char *fmt, ...)
{
    static unsigned count;
    char name[64], path[700];
    snprintf(name, sizeof name, "text_%u.txt", ++count);
    FILE *fp = fig_datafile(f, name, path, sizeof path);
    if (!fp) return SQK_EIO;
    fprintf(fp, "%.6g %.6g ", x, y);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(fp, fmt, ap);
    va_end(ap);
    fputc('\n', fp);
    if (fclose(fp)) return sqk_fail(SQK_EIO, "cannot write %s", path);
    return fig_gmt(f, "text", "%s %s", path, opts);
}

/* ------------------------------------------------------------------ the dataset's side */

/* The dataset through its one reader, and its build configuration read back. */
typedef struct {
    sqk_dataset ds;
    sqk_build_config config;
} pass_dataset;

static void dataset_free(pass_dataset *d)
{
    sqk_dataset_free(&d->ds);
    memset(d, 0, sizeof *d);
}

static int read_dataset(const char *path, pass_dataset *d)
{
    memset(d, 0, sizeof *d);
    int rc = sqk_dataset_read(path, "time,lat,lon,magnitude,distance_km,days_before,kp,y,file,event,split,files,"
                                    "events/id,events/kind,events/status,events/time,events/lat,events/lon,"
                                    "events/mag,events/radius_deg", &d->ds);
    if (!rc) rc = sqk_build_config_parse(d->ds.config, &d->config);
    for (size_t i = 0; !rc && i < d->ds.n; i++)
        if (d->ds.file[i] < 0 || (size_t)d->ds.file[i] >= d->ds.n_files || d->ds.event[i] < 0)
            rc = sqk_fail(SQK_EFORMAT, "window %zu: file or event out of range", i);
    if (rc) {
        dataset_free(d);
        return sqk_fail_context(rc, "%s", path);
    }
    return SQK_OK;
}

static const char *base_name(const char *p)
{
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

/* ------------------------------------------------------------------ what one figure shows */

/* Consecutive windows of the same event and label, drawn and listed as one numbered group. */
typedef struct {
    double x0, x1;           /* minutes from the pass start */
    int y, split, count;
    int64_t event;
    double mag, dist_km, days, kp;
} win_group;

typedef struct {
    const sqk_pass *p;
    const pass_dataset *d;   /* may be NULL */
    const sqk_kp *kp;        /* may be NULL */
    const sqk_catalog *cat;  /* may be NULL: events in reach from a catalogue */
    int ne, te;              /* variable indices */
    double t0, t1;           /* first and last valid time */
    double T_s, dt_s;
    win_group *g;
    size_t ng;
    size_t nwin, n_invalid;
    const char *file_label;
} pass_view;

static double minutes(const pass_view *v, double t) { return (t - v->t0) / 60.0; }

static int sample_valid(const pass_view *v, size_t i, const sqk_build_config *c)
{
    const sqk_pass *p = v->p;
    double ne = p->var[v->ne].v[i], te = p->var[v->te].v[i];
    return isfinite(p->t[i]) && isfinite(p->lat[i]) && isfinite(p->lon[i]) && isfinite(ne) && isfinite(te) &&
           ne >= c->ne_min && ne <= c->ne_max && te >= c->te_min && te <= c->te_max;
}

/* The windows of the dataset that came from this file, grouped. */
static int group_windows(pass_view *v, size_t file_row)
{
    const pass_dataset *d = v->d;
    double half = (v->T_s - v->dt_s) / 2.0;
    for (size_t i = 0; i < d->ds.n; i++) {
        if ((size_t)d->ds.file[i] != file_row) continue;
        /* the middle sample is index T/2: the window starts T/2 steps before it */
        double a = d->ds.time[i] - (d->config.T / 2) * v->dt_s, b = a + (d->config.T - 1) * v->dt_s;
        (void)half;
        v->nwin++;
        win_group *last = v->ng ? &v->g[v->ng - 1] : NULL;
        if (last && last->event == d->ds.event[i] && last->y == d->ds.y[i] && last->split == d->ds.split[i] &&
            minutes(v, a) - last->x1 < 3 * v->dt_s / 60.0) {
            last->x1 = minutes(v, b);
            last->count++;
            continue;
        }
        win_group *ng = sqk_realloc(v->g, (v->ng + 1) * sizeof *ng);
        if (!ng) return SQK_EMEM;
        v->g = ng;
        win_group *w = &v->g[v->ng++];
        w->x0 = minutes(v, a);
        w->x1 = minutes(v, b);
        w->y = d->ds.y[i];
        w->split = d->ds.split[i];
        w->count = 1;
        w->event = d->ds.event[i];
        w->mag = d->ds.magnitude[i];
        w->dist_km = d->ds.distance_km[i];
        w->days = d->ds.days_before[i];
        w->kp = d->ds.kp[i];
    }
    return SQK_OK;
}

static const char *split_name(int s) { return s == 0 ? "train" : s == 1 ? "validation" : s == 2 ? "test" : "-"; }

/* Latitude at time t along the track (nearest valid sample). */
static double lat_at(const sqk_pass *p, double t)
{
    size_t lo = 0, hi = p->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (p->t[mid] < t) lo = mid + 1; else hi = mid;
    }
    for (size_t k = 0; k < p->n; k++) {
        if (lo + k < p->n && isfinite(p->lat[lo + k])) return p->lat[lo + k];
        if (lo >= k + 1 && isfinite(p->lat[lo - k - 1])) return p->lat[lo - k - 1];
    }
    return NAN;
}

/* Axis annotations: UTC hh:mm and latitude at the same nice minute ticks. */
static int write_axes(fig_ctx *f, const pass_view *v, char *time_file, char *lat_file, size_t size)
{
    double span = minutes(v, v->t1);
    double step = span > 40 ? 10 : span > 16 ? 5 : span > 6 ? 2 : 1;
    FILE *ft = fig_datafile(f, "axis_time.txt", time_file, size);
    FILE *fl = ft ? fig_datafile(f, "axis_lat.txt", lat_file, size) : NULL;
    if (!ft || !fl) { if (ft) fclose(ft); return SQK_EIO; }
    /* ticks at whole UTC minutes that are multiples of step */
    double first = ceil(v->t0 / (step * 60.0)) * step * 60.0;
    for (double t = first; t <= v->t1 + 1e-6; t += step * 60.0) {
        sqk_civil c;
        sqk_time_to_civil(t, &c);
        double x = minutes(v, t), lat = lat_at(v->p, t);
        fprintf(ft, "%.5f a %02d:%02d\n", x, c.hour, c.minute);
        if (isfinite(lat)) fprintf(fl, "%.5f a %.0f\260%s\n", x, fabs(lat), lat >= 0 ? "N" : "S");
        else fprintf(fl, "%.5f f\n", x);
    }
    for (double t = first - step * 60.0 / 5; t <= v->t1 + 1e-6; t += step * 60.0 / 5)
        if (t >= v->t0) { fprintf(ft, "%.5f f\n", minutes(v, t)); fprintf(fl, "%.5f f\n", minutes(v, t)); }
    int bad = fclose(ft) | fclose(fl);
    return bad ? sqk_fail(SQK_EIO, "cannot write the axis files") : SQK_OK;
}

/* One variable as line segments (a break at invalid samples and at gaps > 3 steps). */
static int write_series(fig_ctx *f, const pass_view *v, int var, const char *name, char *path, size_t size,
                        double *lo, double *hi)
{
    const sqk_build_config *c = v->d ? &v->d->config : NULL;
    sqk_build_config def;
    if (!c) { sqk_build_config_default(&def); c = &def; }
    FILE *fp = fig_datafile(f, name, path, size);
    if (!fp) return SQK_EIO;
    *lo = INFINITY;
    *hi = -INFINITY;
    int open = 0;
    double prev = NAN;
    for (size_t i = 0; i < v->p->n; i++) {
        if (!sample_valid(v, i, c)) { open = 0; continue; }
        double t = v->p->t[i], y = v->p->var[var].v[i];
        if (!open || !(t - prev < 10.0)) fprintf(fp, ">\n");
        fprintf(fp, "%.5f %.6g\n", minutes(v, t), y);
        open = 1;
        prev = t;
        if (y < *lo) *lo = y;
        if (y > *hi) *hi = y;
    }
    return fclose(fp) ? sqk_fail(SQK_EIO, "cannot write %s", path) : SQK_OK;
}

/* Log-axis range padded to whole quarter decades, and its annotation spacing. */
static void log_range(double lo, double hi, double *a, double *b, const char **annot)
{
    if (!(lo > 0) || !(hi >= lo)) { lo = 1; hi = 10; }
    double l0 = floor(log10(lo) * 4 - 0.5) / 4, l1 = ceil(log10(hi) * 4 + 0.5) / 4;
    *a = pow(10, l0);
    *b = pow(10, l1);
    *annot = l1 - l0 >= 1.8 ? "a1pf3" : "a2f3";
}

/* Light versions of the class colours for the window shading (the curves stay readable). */
static const char *const shade[SQK_FIG_NCLASS] = {"200/215/255", "255/200/200", "195/235/195"};

static int write_windows(fig_ctx *f, const pass_view *v, char *path, size_t size)
{
    FILE *fp = fig_datafile(f, "windows.txt", path, size);
    if (!fp) return SQK_EIO;
    for (size_t k = 0; k < v->ng; k++) {
        const win_group *g = &v->g[k];
        fprintf(fp, "> -G%s\n%.5f 1e-30\n%.5f 1e30\n%.5f 1e30\n%.5f 1e-30\n", shade[g->y], g->x0, g->x0, g->x1, g->x1);
    }
    return fclose(fp) ? sqk_fail(SQK_EIO, "cannot write %s", path) : SQK_OK;
}

static int draw_value_panel(fig_ctx *f, const pass_view *v, const char *series, const char *windows,
                            double lo, double hi, const char *axis_file, const char *frame,
                            const char *ylabel, const char *pen, double height, const char *title)
{
    double a, b;
    const char *annot;
    log_range(lo, hi, &a, &b, &annot);
    double xmax = minutes(v, v->t1);
    char t[800] = "";
    if (title) snprintf(t, sizeof t, "+t\"%s\"+s\"%s\"", title, v->file_label);
    int rc = fig_gmt(f, "basemap", "-R0/%.5f/%.6g/%.6g -JX15c/%.2fcl -Bxc%s -By%s+l\"%s\" -B%s%s %s", xmax, a, b,
                     height, axis_file, annot, ylabel, frame, t, title ? "-Y40c --PS_MEDIA=A1 --FONT_SUBTITLE=8p,Helvetica,80" : "");
    if (!rc && v->ng) rc = fig_gmt(f, "plot", "%s", windows);
    if (!rc) rc = fig_gmt(f, "plot", "%s -W%s", series, pen);
    return rc;
}

/* Cadence strip: survey / burst runs as coloured bars, invalid samples as red ticks. */
static int draw_cadence(fig_ctx *f, const pass_view *v, const char *axis_file)
{
    char bars[700], bad[700];
    FILE *fb = fig_datafile(f, "cadence.txt", bars, sizeof bars);
    FILE *fx = fb ? fig_datafile(f, "invalid.txt", bad, sizeof bad) : NULL;
    if (!fb || !fx) { if (fb) fclose(fb); return SQK_EIO; }
    const sqk_pass *p = v->p;
    const sqk_build_config *c = v->d ? &v->d->config : NULL;
    sqk_build_config def;
    if (!c) { sqk_build_config_default(&def); c = &def; }
    size_t i = 0;
    while (i < p->n) {
        if (!isfinite(p->t[i])) { i++; continue; }
        int m = p->mode ? p->mode[i] : SQK_MODE_UNKNOWN;
        size_t j = i + 1;
        while (j < p->n && (!isfinite(p->t[j]) || (p->mode ? p->mode[j] : SQK_MODE_UNKNOWN) == m)) j++;
        double x0 = minutes(v, p->t[i]), x1 = minutes(v, p->t[j - 1]);
        const char *col = m == SQK_MODE_BURST ? "255/140/0" : m == SQK_MODE_SURVEY ? "170/170/170" : "230/230/230";
        fprintf(fb, "> -G%s\n%.5f 0\n%.5f 1\n%.5f 1\n%.5f 0\n", col, x0, x0, x1 + 0.02, x1 + 0.02);
        i = j;
    }
    for (i = 0; i < p->n; i++)
        if (isfinite(p->t[i]) && !sample_valid(v, i, c)) fprintf(fx, "%.5f 0.5\n", minutes(v, p->t[i]));
    int e = fclose(fb) | fclose(fx);
    if (e) return sqk_fail(SQK_EIO, "cannot write the cadence files");
    int rc = fig_gmt(f, "basemap", "-R0/%.5f/0/1 -JX15c/0.45c -Bxc%s -By0 -BWse", minutes(v, v->t1), axis_file);
    if (!rc) rc = fig_gmt(f, "plot", "%s", bars);
    if (!rc && v->n_invalid) rc = fig_gmt(f, "plot", "%s -Sy0.45c -W1p,red", bad);
    if (!rc) rc = text_at(f, "-F+f8p,Helvetica,black+jRM -N -D-0.15c/0", 0, 0.5, "cadence");
    return rc;
}

/* Kp of each 3-hour interval along the pass as steps, the storm threshold dashed. */
static int draw_kp(fig_ctx *f, const pass_view *v, const char *axis_file)
{
    char path[700], thr[700];
    double xmax = minutes(v, v->t1);
    FILE *fp = fig_datafile(f, "kp.txt", path, sizeof path);
    if (!fp) return SQK_EIO;
    int known = 0;
    double kmax = 0;
    if (v->kp) {
        double t = v->t0;
        while (t <= v->t1) {
            double k = sqk_kp_at(v->kp, t);
            double next = v->kp->t0 + (floor((t - v->kp->t0) / 10800.0) + 1) * 10800.0;
            double end = next < v->t1 ? next : v->t1;
            if (isfinite(k)) {
                fprintf(fp, "%.5f %.4f\n%.5f %.4f\n", minutes(v, t), k, minutes(v, end), k);
                known = 1;
                if (k > kmax) kmax = k;
            } else fprintf(fp, ">\n");
            if (next <= t) break;
            t = next;
        }
    } else {
        /* no table: the Kp stored with the windows */
        for (size_t k = 0; k < v->ng; k++)
            if (isfinite(v->g[k].kp)) {
                fprintf(fp, ">\n%.5f %.4f\n%.5f %.4f\n", v->g[k].x0, v->g[k].kp, v->g[k].x1, v->g[k].kp);
                known = 1;
                if (v->g[k].kp > kmax) kmax = v->g[k].kp;
            }
    }
    if (fclose(fp)) return sqk_fail(SQK_EIO, "cannot write %s", path);
    FILE *ft = fig_datafile(f, "kp_storm.txt", thr, sizeof thr);
    if (!ft) return SQK_EIO;
    fprintf(ft, "0 3.1667\n%.5f 3.1667\n", xmax);
    if (fclose(ft)) return sqk_fail(SQK_EIO, "cannot write %s", thr);
    int rc = fig_gmt(f, "basemap", "-R0/%.5f/0/9 -JX15c/1.5c -Bxc%s -Bya3f1+lKp -BWSe", xmax, axis_file);
    if (!rc) rc = fig_gmt(f, "plot", "%s -W0.6p,100,-", thr);
    if (!rc && known) rc = fig_gmt(f, "plot", "%s -W1.4p,black", path);
    if (!rc) {
        char msg[160];
        if (!known) snprintf(msg, sizeof msg, "Kp not known for this pass");
        else snprintf(msg, sizeof msg, "max Kp %.2f%s", kmax, kmax >= 3.0 + 1.0 / 6.0 ? " (storm: Kp > 3)" : "");
        rc = text_at(f, "-F+f7p,Helvetica,60+jTR -D-0.1c/-0.08c", xmax, 9, "%s", msg);
    }
    return rc;
}

/* An event that a window of this pass could belong to: the track comes within its radius and
 * the pass lies in the days before it. */
typedef struct {
    double lat, lon, mag, radius_deg, t;
    int kind, status;
    char id[40];
} near_event;

static int events_in_reach(const pass_view *v, double days_before, near_event **out, size_t *n_out)
{
    *out = NULL;
    *n_out = 0;
    size_t n = v->d ? v->d->ds.events.n : v->cat ? v->cat->n : 0;
    sqk_build_config def;
    sqk_build_config_default(&def);
    def.radius_deg = 0; /* a catalogue alone: Dobrovolsky radius */
    for (size_t e = 0; e < n; e++) {
        near_event ev;
        memset(&ev, 0, sizeof ev);
        if (v->d) {
            const pass_dataset *d = v->d;
            ev.t = d->ds.events.time[e]; ev.lat = d->ds.events.lat[e]; ev.lon = d->ds.events.lon[e]; ev.mag = d->ds.events.mag[e];
            ev.radius_deg = d->ds.events.radius_deg[e]; ev.kind = d->ds.events.kind[e]; ev.status = d->ds.events.status[e];
            snprintf(ev.id, sizeof ev.id, "%s", d->ds.events.id[e]);
        } else {
            const sqk_quake *q = &v->cat->ev[e];
            ev.t = q->t; ev.lat = q->lat; ev.lon = q->lon; ev.mag = q->mag;
            ev.radius_deg = sqk_event_radius_deg(&def, q->mag); ev.kind = SQK_EVENT_QUAKE;
            snprintf(ev.id, sizeof ev.id, "%s", q->id);
        }
        if (!(ev.t > v->t0 && ev.t - days_before * DAY_S <= v->t1)) continue;
        int near = 0;
        for (size_t i = 0; i < v->p->n && !near; i += 4)
            if (isfinite(v->p->lat[i]) && isfinite(v->p->lon[i]) &&
                sqk_gc_angle_deg(v->p->lat[i], v->p->lon[i], ev.lat, ev.lon) <= ev.radius_deg)
                near = 1;
        if (!near) continue;
        near_event *nn = sqk_realloc(*out, (*n_out + 1) * sizeof *nn);
        if (!nn) return SQK_EMEM;
        *out = nn;
        (*out)[(*n_out)++] = ev;
    }
    return SQK_OK;
}

/* Each window group at its middle's footprint, coloured by class. */
static int draw_footprints(fig_ctx *f, const pass_view *v)
{
    char foot[700];
    const sqk_pass *p = v->p;
    FILE *fw = fig_datafile(f, "footprints.txt", foot, sizeof foot);
    if (!fw) return SQK_EIO;
    for (size_t k = 0; k < v->ng; k++) {
        double tm = v->t0 + (v->g[k].x0 + v->g[k].x1) * 30.0;
        size_t lo = 0, hi = p->n;
        while (lo < hi) { size_t m = lo + (hi - lo) / 2; if (p->t[m] < tm) lo = m + 1; else hi = m; }
        if (lo >= p->n) lo = p->n - 1;
        if (isfinite(p->lon[lo]) && isfinite(p->lat[lo]))
            fprintf(fw, "> -G%s\n%.4f %.4f\n", fig_class_color[v->g[k].y], p->lon[lo], p->lat[lo]);
    }
    if (fclose(fw)) return sqk_fail(SQK_EIO, "cannot write %s", foot);
    return fig_gmt(f, "plot", "%s -Sc0.14c -W0.3p,black", foot);
}

static int draw_map(fig_ctx *f, const pass_view *v, const near_event *ev, size_t nev, double height)
{
    char track[700], circ[700], lab[700];
    const sqk_pass *p = v->p;
    size_t mid = p->n / 2;
    while (mid < p->n && !isfinite(p->lon[mid])) mid++;
    double lonc = mid < p->n ? p->lon[mid] : 0;
    lonc = round(lonc);
    FILE *ft = fig_datafile(f, "track.txt", track, sizeof track);
    if (!ft) return SQK_EIO;
    for (size_t i = 0; i < p->n; i++)
        if (isfinite(p->lat[i]) && isfinite(p->lon[i])) fprintf(ft, "%.4f %.4f\n", p->lon[i], p->lat[i]);
    if (fclose(ft)) return sqk_fail(SQK_EIO, "cannot write %s", track);
    int rc = fig_gmt(f, "coast", "-R%g/%g/-80/80 -JQ%g/4.6c -Dl -A5000 -G232/232/226 -S236/244/252 -W0.2p,150 "
                                 "-Bxa30g30 -Bya20g20 -BwEsN --MAP_GRID_PEN_PRIMARY=0.2p,215 --FONT_ANNOT_PRIMARY=7p "
                                 "--MAP_FRAME_TYPE=plain",
                     lonc - 45, lonc + 45, lonc);
    (void)height;
    if (!rc) rc = fig_gmt(f, "plot", "%s -W0.8p,60", track);
    /* event radii, then window footprints, then the epicentres */
    if (!rc && nev) {
        /* radii (dashed, coloured by kind), then epicentres by kind: kept earthquakes gold
         * stars, aftershocks grey crosses, controls blue squares */
        static const char *const style[3] = {"-Sa0.32c -G255/200/0 -W0.4p,black", "-Sx0.2c -W0.8p,110",
                                             "-Ss0.2c -G30/100/220 -W0.4p,black"};
        FILE *fc = fig_datafile(f, "radii.txt", circ, sizeof circ), *fe[3] = {0};
        size_t count[3] = {0};
        char path[3][700];
        for (int k = 0; k < 3 && fc; k++) {
            char name[32];
            snprintf(name, sizeof name, "events_%d.txt", k);
            fe[k] = fig_datafile(f, name, path[k], sizeof path[k]);
            if (!fe[k]) break;
        }
        FILE *fl = fe[2] ? fig_datafile(f, "event_labels.txt", lab, sizeof lab) : NULL;
        if (!fl) {
            if (fc) fclose(fc);
            for (int k = 0; k < 3; k++) if (fe[k]) fclose(fe[k]);
            return SQK_EIO;
        }
        for (size_t e = 0; e < nev; e++) {
            int k = ev[e].kind == SQK_EVENT_CONTROL ? 2 : ev[e].status ? 1 : 0;
            const char *col = k == 2 ? "30/100/220" : k == 1 ? "150" : "220/30/30";
            fprintf(fc, "> -W0.6p,%s,-\n%.4f %.4f %.1f\n", col, ev[e].lon, ev[e].lat,
                    2 * ev[e].radius_deg * M_PI / 180.0 * SQK_EARTH_RADIUS_KM);
            fprintf(fe[k], "%.4f %.4f\n", ev[e].lon, ev[e].lat);
            count[k]++;
            if (nev <= 4) fprintf(fl, "%.4f %.4f M%.1f\n", ev[e].lon, ev[e].lat, ev[e].mag);
        }
        int bad = fclose(fc) | fclose(fl);
        for (int k = 0; k < 3; k++) bad |= fclose(fe[k]);
        if (bad) return sqk_fail(SQK_EIO, "cannot write the event files");
        rc = fig_gmt(f, "plot", "%s -SE-", circ);
        if (!rc && v->d && v->ng) rc = draw_footprints(f, v);
        for (int k = 2; k >= 0 && !rc; k--)
            if (count[k]) rc = fig_gmt(f, "plot", "%s %s", path[k], style[k]);
        if (!rc && nev <= 4) rc = fig_gmt(f, "text", "%s -F+f6p,Helvetica,black+jLM -D0.2c/0", lab);
    } else if (!rc && v->d && v->ng) {
        rc = draw_footprints(f, v);
    }
    return rc;
}

/* Numbers over the window groups and the list under the figure. */
static int draw_group_labels(fig_ctx *f, const pass_view *v, double top)
{
    if (!v->ng) return SQK_OK;
    char path[700];
    FILE *fp = fig_datafile(f, "group_numbers.txt", path, sizeof path);
    if (!fp) return SQK_EIO;
    for (size_t k = 0; k < v->ng && k < MAX_LISTED; k++)
        fprintf(fp, "%.5f %.6g %zu\n", (v->g[k].x0 + v->g[k].x1) / 2, top, k + 1);
    if (fclose(fp)) return sqk_fail(SQK_EIO, "cannot write %s", path);
    return fig_gmt(f, "text", "%s -F+f7p,Helvetica-Bold,black+jCT -D0/-0.06c -N", path);
}

static int draw_list(fig_ctx *f, const pass_view *v)
{
    char path[700];
    size_t lines = 1 + (v->ng < MAX_LISTED ? v->ng : MAX_LISTED) + (v->ng > MAX_LISTED);
    FILE *fp = fig_datafile(f, "list.txt", path, sizeof path);
    if (!fp) return SQK_EIO;
    double y = (double)lines - 0.5;
    if (!v->d) fprintf(fp, "0 %.1f No dataset given: windows and labels are not shown.\n", y);
    else if (!v->ng) fprintf(fp, "0 %.1f None of the %zu dataset windows came from this file.\n", y, v->d->ds.n);
    else fprintf(fp, "0 %.1f %zu dataset windows from this file in %zu groups (windows of %d samples, %.1f s):\n",
                 y, v->nwin, v->ng, v->d->config.T, v->T_s);
    for (size_t k = 0; v->d && k < v->ng && k < MAX_LISTED; k++) {
        const win_group *g = &v->g[k];
        char id[80];
        fig_escape_label(v->d->ds.events.id[g->event], id, sizeof id);
        y -= 1;
        fprintf(fp, "0 %.1f @;%s;%zu  %s@;;  %s %s M%.1f, %.0f km, %.1f d before; Kp %.2f; %s split; %d window%s\n",
                y, fig_class_color[g->y], k + 1, fig_class_name[g->y],
                v->d->ds.events.kind[g->event] == SQK_EVENT_CONTROL ? "control" : "earthquake", id, g->mag, g->dist_km,
                g->days, g->kp, split_name(g->split), g->count, g->count == 1 ? "" : "s");
    }
    if (v->ng > MAX_LISTED) fprintf(fp, "0 %.1f ... and %zu more groups\n", y - 1, v->ng - MAX_LISTED);
    if (fclose(fp)) return sqk_fail(SQK_EIO, "cannot write %s", path);
    return fig_gmt(f, "text", "%s -R0/15/0/%zu -JX15c/%.2fc -F+f7.5p,Helvetica,black+jLM -N -Y-%.2fc", path, lines,
                   0.36 * (double)lines, 0.36 * (double)lines + LIST_GAP);
}

static int draw_legend(fig_ctx *f)
{
    char path[700];
    FILE *lf = fig_datafile(f, "legend.txt", path, sizeof path);
    if (!lf) return SQK_EIO;
    fprintf(lf, "N 4\n");
    for (int k = 0; k < SQK_FIG_NCLASS; k++)
        fprintf(lf, "S 0.2c s 0.25c %s - 0.45c window %d %s\n", shade[k], k, fig_class_name[k]);
    fprintf(lf, "S 0.2c y 0.25c - 1p,red 0.45c invalid / fill sample\n");
    fprintf(lf, "S 0.2c s 0.25c 170/170/170 - 0.45c survey cadence\n");
    fprintf(lf, "S 0.2c s 0.25c 255/140/0 - 0.45c burst cadence\n");
    fprintf(lf, "S 0.2c - 0.4c - 0.6p,100,- 0.45c Kp = 3+ (storm)\n");
    fprintf(lf, "S 0.2c a 0.25c 255/200/0 0.4p,black 0.45c earthquake, its radius dashed\n");
    if (fclose(lf)) return sqk_fail(SQK_EIO, "cannot write %s", path);
    return fig_gmt(f, "legend", "%s -DjTL+o0/1.85c+w15c -R0/1/0/1 -JX15c/1c -F+gwhite+p0.3p,180 "
                                "--FONT_ANNOT_PRIMARY=7p", path);
}

static int draw(fig_ctx *f, const void *ctx)
{
    const pass_view *v = ctx;
    const sqk_pass *p = v->p;
    char series_ne[700], series_te[700], win[700], taxis[700], laxis[700];
    double ne_lo, ne_hi, te_lo, te_hi;
    /* A tall page: the figure starts high enough that the list under it stays on the page. */
    int rc = write_axes(f, v, taxis, laxis, sizeof taxis);
    if (!rc) rc = write_series(f, v, v->ne, "ne.txt", series_ne, sizeof series_ne, &ne_lo, &ne_hi);
    if (!rc) rc = write_series(f, v, v->te, "te.txt", series_te, sizeof series_te, &te_lo, &te_hi);
    if (!rc) rc = write_windows(f, v, win, sizeof win);
    if (rc) return rc;
    char title[400], a[32], b[32], name[300];
    sqk_time_format_iso(v->t0, a);
    sqk_time_format_iso(v->t1, b);
    fig_escape_label(v->file_label, name, sizeof name);
    const char *dir = p->satellite == SQK_SAT_DEMETER
                          ? (p->direction == SQK_DIR_ASCENDING ? "up-going, night" : p->direction == SQK_DIR_DESCENDING ? "down-going, day" : "")
                          : (p->direction == SQK_DIR_ASCENDING ? "ascending" : p->direction == SQK_DIR_DESCENDING ? "descending" : "");
    snprintf(title, sizeof title, "%s orbit %d%s%s%s  %.10s %.8s - %.8s UTC",
             p->satellite == SQK_SAT_DEMETER ? "DEMETER" : "CSES", p->orbit, *dir ? " (" : "", dir, *dir ? ")" : "",
             a, a + 11, b + 11);
    double a_ne, b_ne;
    const char *unused;
    log_range(ne_lo, ne_hi, &a_ne, &b_ne, &unused);
    rc = draw_value_panel(f, v, series_ne, win, ne_lo, ne_hi, laxis, "WsNe", "N@-e@- (cm@+-3@+)", "0.6p,20/60/140",
                          4.2, title);
    if (!rc) rc = draw_group_labels(f, v, b_ne);
    if (!rc) rc = fig_gmt(f, "plot", "-T -Y-3.55c");
    if (!rc) rc = draw_value_panel(f, v, series_te, win, te_lo, te_hi, taxis, "Wse", "T@-e@- (K)", "0.6p,150/40/20",
                                   3.3, NULL);
    if (!rc) rc = fig_gmt(f, "plot", "-T -Y-0.6c");
    if (!rc) rc = draw_cadence(f, v, taxis);
    if (!rc) rc = fig_gmt(f, "plot", "-T -Y-1.65c");
    if (!rc) rc = draw_kp(f, v, taxis);
    if (!rc) rc = text_at(f, "-R0/1/0/1 -JX15c/1c -F+f8p,Helvetica,black+jCT -N", 0.5, -0.55, "UTC (%.10s)", a);
    if (!rc) rc = draw_legend(f);
    if (!rc) rc = draw_list(f, v);
    if (rc) return rc;
    /* the map right of the panels, its top level with the Ne panel's */
    near_event *ev = NULL;
    size_t nev = 0;
    rc = events_in_reach(v, v->d ? v->d->config.days_before : 15.0, &ev, &nev);
    double list_h = 0.36 * (double)(1 + (v->ng < MAX_LISTED ? v->ng : MAX_LISTED) + (v->ng > MAX_LISTED)) + LIST_GAP;
    if (!rc) rc = fig_gmt(f, "plot", "-T -X16.3c -Y%.2fc", list_h + 1.65 + 0.6 + 3.55 + 4.2 - MAP_H);
    if (!rc) rc = draw_map(f, v, ev, nev, MAP_H);
    if (!rc) rc = text_at(f, "-R0/1/0/1 -JX4.6c/1c -F+f7p,Helvetica,black+jLT -N", 0, -0.1,
                                 "track, window footprints, %zu event%s in reach", nev, nev == 1 ? "" : "s");
    free(ev);
    return rc;
}

/* ------------------------------------------------------------------ entry points */

static int prepare_view(pass_view *v, const sqk_pass *p, const pass_dataset *d, const char *file)
{
    memset(v, 0, sizeof *v);
    v->p = p;
    v->d = d;
    v->file_label = base_name(file);
    v->ne = sqk_pass_find_var(p, "Ne");
    v->te = sqk_pass_find_var(p, "Te");
    if (v->ne < 0 || v->te < 0) return sqk_fail(SQK_EFORMAT, "%s: the pass has no Ne or Te", file);
    v->t0 = INFINITY;
    v->t1 = -INFINITY;
    for (size_t i = 0; i < p->n; i++)
        if (isfinite(p->t[i])) {
            if (p->t[i] < v->t0) v->t0 = p->t[i];
            if (p->t[i] > v->t1) v->t1 = p->t[i];
        }
    if (!(v->t1 > v->t0)) return sqk_fail(SQK_EEMPTY, "%s: fewer than two valid time stamps", file);
    if (v->t1 - v->t0 > 6 * 3600.0)
        return sqk_fail(SQK_EVALUE, "%s: spans %.1f h, not one half-orbit (corrupt time stamps?)", file,
                        (v->t1 - v->t0) / 3600.0);
    sqk_build_config def;
    sqk_build_config_default(&def);
    const sqk_build_config *c = d ? &d->config : &def;
    v->dt_s = c->dt_s;
    v->T_s = (c->T - 1) * c->dt_s;
    for (size_t i = 0; i < p->n; i++)
        if (isfinite(p->t[i]) && !sample_valid(v, i, c)) v->n_invalid++;
    if (d) {
        size_t row = d->ds.n_files;
        for (size_t i = 0; i < d->ds.n_files && row == d->ds.n_files; i++)
            if (!strcmp(base_name(d->ds.files[i]), base_name(file))) row = i;
        if (row < d->ds.n_files) return group_windows(v, row);
    }
    return SQK_OK;
}

static int plot_one(const char *file, const pass_dataset *d, const sqk_kp *kp, const sqk_catalog *cat,
                    const char *out_prefix)
{
    sqk_pass p;
    memset(&p, 0, sizeof p);
    int rc = sqk_pass_read(file, &p);
    pass_view v;
    memset(&v, 0, sizeof v);
    if (!rc) rc = prepare_view(&v, &p, d, file);
    v.kp = kp;
    v.cat = cat;
    if (!rc) rc = fig_render(out_prefix, draw, &v);
    free(v.g);
    sqk_pass_free(&p);
    if (rc) return sqk_fail_context(rc, "pass figure %s", out_prefix);
    return SQK_OK;
}

/* Kp table: the one given, else the dataset's when its path still opens. */
static int load_kp(const sqk_fig_pass_options *o, const pass_dataset *d, sqk_kp *kp, int *have)
{
    *have = 0;
    const char *path = o->kp_path;
    if (!path && d && d->ds.kp_path[0]) {
        FILE *t = fopen(d->ds.kp_path, "r");
        if (!t) return SQK_OK; /* moved since the build: the windows' Kp is shown instead */
        fclose(t);
        path = d->ds.kp_path;
    }
    if (!path) return SQK_OK;
    int rc = sqk_kp_read(path, kp);
    if (!rc) *have = 1;
    return rc;
}

int sqk_fig_pass(const sqk_fig_pass_options *o, sqk_fig_pass_result *res)
{
    if (res) memset(res, 0, sizeof *res);
    if (!o->out_prefix || !*o->out_prefix) return sqk_fail(SQK_EARG, "pass figure: no output name");
    int pick = !o->file && !o->event_id && o->pick_class >= 0 && o->pick_class < SQK_FIG_NCLASS;
    if (!o->file && !o->event_id && !pick) return sqk_fail(SQK_EARG, "pass figure: give a satellite file, an event id or a class");
    if ((o->event_id || pick) && !o->dataset) return sqk_fail(SQK_EARG, "pass figure: an event's passes are found in a dataset (--dataset)");
    pass_dataset d;
    memset(&d, 0, sizeof d);
    sqk_kp kp;
    memset(&kp, 0, sizeof kp);
    sqk_catalog cat;
    memset(&cat, 0, sizeof cat);
    int have_kp = 0, rc = SQK_OK;
    if (o->dataset) rc = read_dataset(o->dataset, &d);
    if (!rc) rc = load_kp(o, o->dataset ? &d : NULL, &kp, &have_kp);
    if (!rc && o->catalog_path && !o->dataset) rc = sqk_catalog_read(o->catalog_path, 4.8, 0, &cat);
    const pass_dataset *dp = o->dataset ? &d : NULL;
    const sqk_kp *kpp = have_kp ? &kp : NULL;
    const sqk_catalog *cp = o->catalog_path && !o->dataset ? &cat : NULL;
    const char *file = o->file;
    if (!rc && pick && !o->event_id) {
        size_t *count = sqk_calloc(d.ds.n_files ? d.ds.n_files : 1, sizeof *count), best = d.ds.n_files;
        if (!count) rc = SQK_EMEM;
        for (size_t i = 0; !rc && i < d.ds.n; i++)
            if (d.ds.y[i] == o->pick_class) count[d.ds.file[i]]++;
        for (size_t i = 0; !rc && i < d.ds.n_files; i++)
            if (count[i] && (best == d.ds.n_files || count[i] > count[best])) best = i;
        free(count);
        if (!rc && best == d.ds.n_files)
            rc = sqk_fail(SQK_EEMPTY, "%s: no windows of class %d (%s)", o->dataset, o->pick_class, fig_class_name[o->pick_class]);
        if (!rc) file = d.ds.files[best];
    }
    if (!rc && !o->event_id) {
        rc = plot_one(file, dp, kpp, cp, o->out_prefix);
        if (!rc && res) res->n_figures = 1;
    } else if (!rc) {
        size_t row = d.ds.events.n;
        for (size_t e = 0; e < d.ds.events.n && row == d.ds.events.n; e++)
            if (!strcmp(d.ds.events.id[e], o->event_id)) row = e;
        if (row == d.ds.events.n) rc = sqk_fail(SQK_EARG, "%s: no event '%s' in events/", o->dataset, o->event_id);
        /* the files of its windows, in file order */
        uint8_t *used = rc ? NULL : sqk_calloc(d.ds.n_files ? d.ds.n_files : 1, 1);
        if (!rc && !used) rc = SQK_EMEM;
        size_t nused = 0;
        for (size_t i = 0; !rc && i < d.ds.n; i++)
            if ((size_t)d.ds.event[i] == row && !used[d.ds.file[i]]) { used[d.ds.file[i]] = 1; nused++; }
        if (!rc && !nused) rc = sqk_fail(SQK_EEMPTY, "%s: event '%s' has no windows", o->dataset, o->event_id);
        for (size_t i = 0; !rc && i < d.ds.n_files; i++) {
            if (!used[i]) continue;
            char prefix[1200], stem[256];
            snprintf(stem, sizeof stem, "%s", base_name(d.ds.files[i]));
            char *dot = strrchr(stem, '.');
            if (dot) *dot = '\0';
            snprintf(prefix, sizeof prefix, "%s_%s", o->out_prefix, stem);
            rc = plot_one(d.ds.files[i], dp, kpp, cp, prefix);
            if (!rc && res) res->n_figures++;
            if (!rc && o->on_figure) o->on_figure(o->ctx, prefix);
        }
        free(used);
    }
    if (!rc && !o->event_id && o->on_figure) o->on_figure(o->ctx, o->out_prefix);
    sqk_catalog_free(&cat);
    sqk_kp_free(&kp);
    dataset_free(&d);
    return rc;
}
