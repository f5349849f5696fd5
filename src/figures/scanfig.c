/* Figures of an operational scan: the map of scored windows and alarms, and the Molchan
 * diagram of the alarms beside the where-and-when baseline. */
#include "fig_internal.h"

#include <math.h>
#include <stdlib.h>

typedef struct {
    const sqk_alarm_point *w;
    const uint8_t *alarm;
    size_t n;
    double threshold;
} alarm_map;

static int draw_alarm_map(fig_ctx *f, const void *ctx)
{
    const alarm_map *m = ctx;
    char quiet[700], loud[700], legend[700];
    FILE *fq = fig_datafile(f, "windows.txt", quiet, sizeof quiet);
    FILE *fl = fq ? fig_datafile(f, "alarms.txt", loud, sizeof loud) : NULL;
    if (!fl) { if (fq) fclose(fq); return SQK_EIO; }
    size_t na = 0;
    for (size_t i = 0; i < m->n; i++) {
        fprintf(m->alarm[i] ? fl : fq, "%.4f %.4f\n", m->w[i].lon, m->w[i].lat);
        na += m->alarm[i];
    }
    if (fclose(fq) | fclose(fl)) return sqk_fail(SQK_EIO, "cannot write the map files");
    int rc = fig_gmt(f, "coast", "-Rd -JN0/17c -Dl -A10000 -G232/232/226 -S236/244/252 -W0.2p,150 -Bxg60 -Byg30 "
                                 "-B+t\"Scanned windows and alarms (p1 >= %.3g)\" --MAP_GRID_PEN_PRIMARY=0.2p,205",
                     m->threshold);
    if (!rc && m->n > na) rc = fig_gmt(f, "plot", "%s -Sc0.05c -G150", quiet);
    if (!rc && na) rc = fig_gmt(f, "plot", "%s -Sc0.12c -Gred -W0.2p,black", loud);
    FILE *lg = rc ? NULL : fig_datafile(f, "legend.txt", legend, sizeof legend);
    if (!rc && !lg) rc = SQK_EIO;
    if (!rc) {
        fprintf(lg, "N 2\nS 0.25c c 0.08c 150 - 0.5c window, no alarm (%zu)\nS 0.25c c 0.14c red 0.2p,black 0.5c alarm (%zu)\n",
                m->n - na, na);
        if (fclose(lg)) rc = sqk_fail(SQK_EIO, "cannot write %s", legend);
    }
    if (!rc) rc = fig_gmt(f, "legend", "%s -DJBC+o0/0.3c+w12c -F+gwhite+p0.4p,150 --FONT_ANNOT_PRIMARY=8p", legend);
    return rc;
}

int sqk_fig_alarm_map(const sqk_alarm_point *w, const uint8_t *alarm, size_t n, double threshold, const char *out_prefix)
{
    alarm_map m = {w, alarm, n, threshold};
    int rc = fig_render(out_prefix, draw_alarm_map, &m);
    return rc ? sqk_fail_context(rc, "alarm map %s", out_prefix) : SQK_OK;
}

typedef struct {
    const sqk_molchan *model, *baseline, *other;
} molchan_pair;

static int write_curve(fig_ctx *f, const char *name, const sqk_molchan *m, char *path, size_t size)
{
    FILE *fp = fig_datafile(f, name, path, size);
    if (!fp) return SQK_EIO;
    for (size_t i = 0; i < m->n_points; i++) fprintf(fp, "%.6f %.6f\n", m->tau[i], m->nu[i]);
    if (m->n_points) fprintf(fp, "1 0\n"); /* the rest of space-time alarmed at random */
    return fclose(fp) ? sqk_fail(SQK_EIO, "cannot write %s", path) : SQK_OK;
}

static int draw_molchan(fig_ctx *f, const void *ctx)
{
    const molchan_pair *p = ctx;
    char band[700], diag[700], cm[700], cb[700], co[700], pts[700], legend[700];
    size_t N = p->model->n_quakes;
    FILE *fb = fig_datafile(f, "band.txt", band, sizeof band);
    if (!fb) return SQK_EIO;
    /* the 95% band of random alarms: upper edge left to right, lower edge back */
    for (int k = 0; k <= 200; k++) {
        double tau = k / 200.0, lo, hi;
        sqk_molchan_band(N, tau, 0.95, &lo, &hi);
        fprintf(fb, "%.5f %.5f\n", tau, hi);
    }
    for (int k = 200; k >= 0; k--) {
        double tau = k / 200.0, lo, hi;
        sqk_molchan_band(N, tau, 0.95, &lo, &hi);
        fprintf(fb, "%.5f %.5f\n", tau, lo);
    }
    if (fclose(fb)) return sqk_fail(SQK_EIO, "cannot write %s", band);
    FILE *fd = fig_datafile(f, "diag.txt", diag, sizeof diag);
    if (!fd) return SQK_EIO;
    fprintf(fd, "0 1\n1 0\n");
    if (fclose(fd)) return sqk_fail(SQK_EIO, "cannot write %s", diag);
    int rc = write_curve(f, "model.txt", p->model, cm, sizeof cm);
    if (!rc) rc = write_curve(f, "baseline.txt", p->baseline, cb, sizeof cb);
    if (!rc && p->other) rc = write_curve(f, "other.txt", p->other, co, sizeof co);
    FILE *fp = rc ? NULL : fig_datafile(f, "points.txt", pts, sizeof pts);
    if (!rc && !fp) rc = SQK_EIO;
    if (!rc) {
        fprintf(fp, "%.6f %.6f\n", p->model->tau_at, p->model->nu_at);
        if (fclose(fp)) rc = sqk_fail(SQK_EIO, "cannot write %s", pts);
    }
    if (!rc) rc = fig_gmt(f, "basemap", "-R0/1/0/1 -JX10c/10c -Bxa0.2f0.1g0.2+l\"fraction of space-time alarmed (@~t@~)\" "
                                       "-Bya0.2f0.1g0.2+l\"fraction of earthquakes missed (@~n@~)\" "
                                       "-BWSne+t\"Molchan diagram (%zu earthquakes)\" --MAP_GRID_PEN_PRIMARY=0.2p,225", N);
    if (!rc) rc = fig_gmt(f, "plot", "%s -G225/225/225 -t20", band);
    if (!rc) rc = fig_gmt(f, "plot", "%s -W0.8p,100,-", diag);
    if (!rc) rc = fig_gmt(f, "plot", "%s -W1.4p,0/120/60", cb);
    if (!rc && p->other) rc = fig_gmt(f, "plot", "%s -W1.4p,30/90/200", co);
    if (!rc) rc = fig_gmt(f, "plot", "%s -W1.6p,200/30/30", cm);
    if (!rc) rc = fig_gmt(f, "plot", "%s -Sc0.22c -G200/30/30 -W0.5p,black", pts);
    FILE *lg = rc ? NULL : fig_datafile(f, "legend.txt", legend, sizeof legend);
    if (!rc && !lg) rc = SQK_EIO;
    if (!rc) {
        fprintf(lg, "S 0.3c - 0.5c - 1.6p,200/30/30 0.7c model (area skill %.3f)\n", p->model->area_skill);
        fprintf(lg, "S 0.3c c 0.2c 200/30/30 0.5p,black 0.7c its alarms: gain %.2f, p = %.2g\n", p->model->gain_at,
                p->model->p_value_at);
        fprintf(lg, "S 0.3c - 0.5c - 1.4p,0/120/60 0.7c past seismicity, where observed (%.3f)\n", p->baseline->area_skill);
        if (p->other)
            fprintf(lg, "S 0.3c - 0.5c - 1.4p,30/90/200 0.7c other scan, e.g. geo model (%.3f)\n", p->other->area_skill);
        fprintf(lg, "S 0.3c - 0.5c - 0.8p,100,- 0.7c random guess\n");
        fprintf(lg, "S 0.3c s 0.3c 225/225/225 - 0.7c its 95%% band\n");
        if (fclose(lg)) rc = sqk_fail(SQK_EIO, "cannot write %s", legend);
    }
    if (!rc) rc = fig_gmt(f, "legend", "%s -DjTR+o0.15c/0.15c+w5.6c -F+gwhite+p0.4p,150 --FONT_ANNOT_PRIMARY=7.5p", legend);
    return rc;
}

int sqk_fig_molchan(const sqk_molchan *model, const sqk_molchan *baseline, const sqk_molchan *other,
                    const char *out_prefix)
{
    molchan_pair p = {model, baseline, other};
    int rc = fig_render(out_prefix, draw_molchan, &p);
    return rc ? sqk_fail_context(rc, "Molchan diagram %s", out_prefix) : SQK_OK;
}
