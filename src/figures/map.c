/* World map of the events and the test windows: kept earthquakes, aftershocks and control
 * events from the dataset's events/ group, and each predicted window at its footprint,
 * coloured by the class the model gave it. */
#include "fig_internal.h"

#include "sqk/dataset.h"

#include <math.h>
#include <stdlib.h>

/* What the map needs of the dataset: window and event positions, event kind and status. */
static int read_map_data(const char *path, sqk_dataset *m)
{
    return sqk_dataset_read(path, "lat,lon,events/lat,events/lon,events/kind,events/status", m);
}

/* Writes the event files (earthquakes kept / aftershocks / controls) and the window files
 * (one per predicted class); counts[] receives the number of points in each. */
static int write_points(fig_ctx *f, const sqk_dataset *m, const sqk_pred *pr, const char *dataset, long counts[6])
{
    static const char *const names[6] = {"eq_kept.txt", "eq_after.txt", "controls.txt",
                                         "win_0.txt", "win_1.txt", "win_2.txt"};
    FILE *fp[6] = {0};
    char path[700];
    int rc = SQK_OK;
    for (int i = 0; i < 6 && !rc; i++) {
        fp[i] = fig_datafile(f, names[i], path, sizeof path);
        if (!fp[i]) rc = SQK_EIO;
        counts[i] = 0;
    }
    for (size_t e = 0; e < m->events.n && !rc; e++) {
        if (!isfinite(m->events.lat[e]) || !isfinite(m->events.lon[e])) continue;
        int which = m->events.kind[e] == 0 ? 2 : (m->events.status[e] == 1 ? 1 : 0);
        fprintf(fp[which], "%.4f %.4f\n", m->events.lon[e], m->events.lat[e]);
        counts[which]++;
    }
    for (size_t i = 0; i < pr->n && !rc; i++) {
        int64_t w = pr->window[i];
        if ((size_t)w >= m->n) {
            rc = sqk_fail(SQK_EVALUE, "predictions.csv line %zu: window %lld is outside %s (%zu windows); "
                          "is it the dataset these predictions came from?", pr->line[i], (long long)w, dataset, m->n);
            break;
        }
        fprintf(fp[3 + pr->y_pred[i]], "%.4f %.4f\n", m->lon[w], m->lat[w]);
        counts[3 + pr->y_pred[i]]++;
    }
    for (int i = 0; i < 6; i++)
        if (fp[i] && fclose(fp[i]) && !rc) rc = sqk_fail(SQK_EIO, "cannot write a map data file");
    return rc;
}

static int draw_map(fig_ctx *f, const long counts[6])
{
    char p[700], legend[700];
    /* Robinson projection, 17 cm wide; low-resolution GSHHG coastlines. */
    int rc = fig_gmt(f, "coast", "-Rd -JN0/17c -Dl -A10000 -G232/232/226 -S236/244/252 -W0.2p,150 "
                                 "-Bxg60 -Byg30 -B+t\"Events and test windows by predicted class\" "
                                 "--MAP_GRID_PEN_PRIMARY=0.2p,205 --FONT_ANNOT_PRIMARY=8p");
    static const char *const style[6] = {
        "-Sa0.30c -G255/200/0 -W0.4p,black",   /* kept earthquakes: gold stars */
        "-Sx0.16c -W0.7p,110",                 /* aftershocks: grey crosses */
        "-Ss0.18c -W0.6p,black",               /* controls: open squares */
        NULL, NULL, NULL};
    static const char *const files[6] = {"eq_kept.txt", "eq_after.txt", "controls.txt",
                                         "win_0.txt", "win_1.txt", "win_2.txt"};
    /* Windows first (many, small; smaller still when there are very many), events on top. */
    long n_windows = counts[3] + counts[4] + counts[5];
    for (int k = 0; k < SQK_FIG_NCLASS && !rc; k++)
        if (counts[3 + k]) {
            snprintf(p, sizeof p, "%s/%s", f->dir, files[3 + k]);
            rc = fig_gmt(f, "plot", "%s -Sc%.2fc -G%s -t25", p, n_windows > 5000 ? 0.05 : 0.09, fig_class_color[k]);
        }
    for (int i = 2; i >= 0 && !rc; i--)
        if (counts[i]) {
            snprintf(p, sizeof p, "%s/%s", f->dir, files[i]);
            rc = fig_gmt(f, "plot", "%s %s", p, style[i]);
        }
    FILE *lf = rc ? NULL : fig_datafile(f, "legend.txt", legend, sizeof legend);
    if (!rc && !lf) rc = SQK_EIO;
    if (!rc) {
        fprintf(lf, "N 3\n");
        fprintf(lf, "S 0.25c a 0.30c 255/200/0 0.4p,black 0.55c Earthquake, kept (%ld)\n", counts[0]);
        fprintf(lf, "S 0.25c x 0.16c - 0.7p,110 0.55c Aftershock, removed (%ld)\n", counts[1]);
        fprintf(lf, "S 0.25c s 0.18c - 0.6p,black 0.55c Control event (%ld)\n", counts[2]);
        for (int k = 0; k < SQK_FIG_NCLASS; k++)
            fprintf(lf, "S 0.25c c 0.14c %s - 0.55c Window predicted %d %s (%ld)\n", fig_class_color[k], k,
                    fig_class_name[k], counts[3 + k]);
        if (fclose(lf)) rc = sqk_fail(SQK_EIO, "cannot write %s", legend);
    }
    if (!rc) rc = fig_gmt(f, "legend", "%s -DJBC+o0/0.3c+w17c -F+gwhite+p0.4p,150 --FONT_ANNOT_PRIMARY=8p", legend);
    return rc;
}

typedef struct {
    const sqk_dataset *m;
    const sqk_pred *pr;
    const char *dataset;
} map_input;

static int draw(fig_ctx *f, const void *ctx)
{
    const map_input *in = ctx;
    long counts[6];
    int rc = write_points(f, in->m, in->pr, in->dataset, counts);
    if (!rc) rc = draw_map(f, counts);
    return rc;
}

int sqk_fig_map(const char *eval_dir, const char *dataset_h5, const char *out_prefix)
{
    if (!dataset_h5 || !*dataset_h5) return sqk_fail(SQK_EARG, "map figure %s: no dataset file given", out_prefix);
    sqk_pred pr;
    int rc = fig_read_predictions(eval_dir, &pr);
    if (rc) return sqk_fail_context(rc, "map figure %s", out_prefix);
    sqk_dataset m;
    rc = read_map_data(dataset_h5, &m);
    map_input in = {&m, &pr, dataset_h5};
    if (!rc) rc = fig_render(out_prefix, draw, &in);
    sqk_dataset_free(&m);
    sqk_pred_free(&pr);
    if (rc) return sqk_fail_context(rc, "map figure %s", out_prefix);
    return SQK_OK;
}
