/* Bar plot of MCC, weighted F1 and accuracy with 95% bootstrap intervals, several evaluations
 * side by side: the paper's Figs 3-6, 8 D. */
#include "fig_internal.h"

#include <math.h>
#include <stdlib.h>

static const char *const bar_metric[3] = {"mcc", "f1_weighted", "accuracy"};
static const char *const bar_title[3] = {"MCC", "F1 (weighted)", "Accuracy"};

/* Bars (one file per evaluation, filled in its colour), error bars and value labels. */
static int write_bars(fig_ctx *f, const sqk_evaluation *ev, const char *const *labels, int n,
                      char *legend, size_t legendsize)
{
    char path[700];
    FILE *err = fig_datafile(f, "errors.txt", path, sizeof path);
    FILE *lf = err ? fig_datafile(f, "legend.txt", legend, legendsize) : NULL;
    if (!lf) { if (err) fclose(err); return SQK_EIO; }
    double width = 0.8 / n < 0.3 ? 0.8 / n : 0.3; /* one evaluation: no slab-wide bars */
    int rc = SQK_OK;
    for (int i = 0; i < n && !rc; i++) {
        char name[64], label[256], bars[700];
        snprintf(name, sizeof name, "bars_%d.txt", i);
        FILE *bf = fig_datafile(f, name, bars, sizeof bars);
        if (!bf) { rc = SQK_EIO; break; }
        for (int m = 0; m < 3 && !rc; m++) {
            sqk_eval_metric v;
            rc = sqk_evaluation_metric(&ev[i], bar_metric[m], &v);
            if (rc) break;
            double x = m + 1 - width * n / 2 + width * (i + 0.5);
            fprintf(bf, "%.6f %.6f\n", x, v.value);
            if (isfinite(v.lo) && isfinite(v.hi)) {
                double cap = width * 0.25;
                fprintf(err, ">\n%.6f %.6f\n%.6f %.6f\n", x, v.lo, x, v.hi);
                fprintf(err, ">\n%.6f %.6f\n%.6f %.6f\n", x - cap, v.lo, x + cap, v.lo);
                fprintf(err, ">\n%.6f %.6f\n%.6f %.6f\n", x - cap, v.hi, x + cap, v.hi);
            }
        }
        fclose(bf);
        if (!rc) rc = fig_gmt(f, "plot", "%s -Sb%.4fq+b0 -G%s -W0.4p,60", bars, width * 0.92, fig_series_color(i));
        fig_escape_label(fig_label(ev, labels, i), label, sizeof label);
        fprintf(lf, "S 0.3c r 0.4c %s 0.4p,60 0.7c %s\n", fig_series_color(i), label);
    }
    fprintf(lf, "S 0.3c - 0.4c - 1p,black 0.7c 95%% CI (events bootstrap)\n");
    fclose(lf);
    if (fclose(err) && !rc) rc = sqk_fail(SQK_EIO, "cannot write %s", path);
    /* A white halo keeps the error bars visible over dark bars. */
    if (!rc) rc = fig_gmt(f, "plot", "%s -W2.6p,white", path);
    if (!rc) rc = fig_gmt(f, "plot", "%s -W1p,black", path);
    return rc;
}

/* The y axis starts at 0 unless an MCC or its interval is negative (MCC lies in [-1, 1]). */
static int lowest_value(const sqk_evaluation *ev, int n, double *ymin)
{
    *ymin = 0;
    for (int i = 0; i < n; i++)
        for (int m = 0; m < 3; m++) {
            sqk_eval_metric v;
            int rc = sqk_evaluation_metric(&ev[i], bar_metric[m], &v);
            if (rc) return rc;
            if (v.value < *ymin) *ymin = v.value;
            if (v.lo < *ymin) *ymin = v.lo;
        }
    *ymin = *ymin < 0 ? floor(*ymin * 5 - 0.2) / 5 : 0;
    if (*ymin < -1) *ymin = -1;
    return SQK_OK;
}

static int draw_bars(fig_ctx *f, const void *ctx)
{
    const fig_folders *s = ctx;
    char annot[700], legend[700], text[700];
    snprintf(text, sizeof text, "1 a %s\n2 a %s\n3 a %s\n", bar_title[0], bar_title[1], bar_title[2]);
    int rc = fig_write_text(f, "annot.txt", text, annot, sizeof annot);
    double ymin = 0;
    if (!rc) rc = lowest_value(s->ev, s->n, &ymin);
    if (!rc) rc = fig_gmt(f, "basemap", "-R0.5/3.5/%g/1 -JX11c/7c -B+n", ymin);
    if (!rc && ymin < 0) rc = fig_write_text(f, "zero.txt", "0.5 0\n3.5 0\n", text, sizeof text);
    if (!rc && ymin < 0) rc = fig_gmt(f, "plot", "%s -W0.6p,80", text);
    if (!rc) rc = write_bars(f, s->ev, s->labels, s->n, legend, sizeof legend);
    if (!rc) rc = fig_gmt(f, "basemap", "-Bxc%s -Bya0.2f0.1g0.2+l\"Score\" -BWSne+t\"Test-set metrics\" "
                                        "--MAP_GRID_PEN_PRIMARY=0.25p,215", annot);
    if (!rc) rc = fig_gmt(f, "legend", "%s -DJMR+o0.3c/0c+jML -F+gwhite+p0.4p,150", legend);
    return rc;
}

int sqk_fig_bars(const char *const *eval_dirs, const char *const *labels, int n, const char *out_prefix)
{
    sqk_evaluation *ev;
    int rc = fig_read_folders(eval_dirs, n, &ev);
    if (rc) return sqk_fail_context(rc, "bar plot %s", out_prefix);
    fig_folders s = {ev, labels, n};
    rc = fig_render(out_prefix, draw_bars, &s);
    fig_free_folders(ev, n);
    if (rc) return sqk_fail_context(rc, "bar plot %s", out_prefix);
    return SQK_OK;
}
