/* ROC curves per class (one-vs-rest), several evaluations overlaid: the paper's Figs 3-6, 8 A-C. */
#include "fig_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Reads n evaluation folders; on failure frees what was read. */
int fig_read_folders(const char *const *dirs, int n, sqk_evaluation **out)
{
    if (!dirs || n <= 0) return sqk_fail(SQK_EARG, "no evaluation folders given");
    sqk_evaluation *ev = sqk_calloc((size_t)n, sizeof *ev);
    if (!ev) return SQK_EMEM;
    for (int i = 0; i < n; i++) {
        int rc = sqk_evaluation_read(dirs[i], &ev[i]);
        if (rc) {
            for (int j = 0; j < i; j++) sqk_evaluation_free(&ev[j]);
            free(ev);
            return rc;
        }
    }
    *out = ev;
    return SQK_OK;
}

void fig_free_folders(sqk_evaluation *ev, int n)
{
    for (int i = 0; i < n; i++) sqk_evaluation_free(&ev[i]);
    free(ev);
}

const char *fig_label(const sqk_evaluation *ev, const char *const *labels, int i)
{
    return labels && labels[i] && labels[i][0] ? labels[i] : ev[i].label;
}

/* AUC: per_class.csv's value, else the trapezoid area under the stored curve (NaN when the
 * class has no curve: it is absent from the test windows). */
static double class_auc(const sqk_evaluation *ev, int k)
{
    if (isfinite(ev->m.auc[k])) return ev->m.auc[k];
    const sqk_roc *r = &ev->roc[k];
    if (r->n < 2) return NAN;
    double a = 0;
    for (size_t i = 1; i < r->n; i++) a += (r->fpr[i] - r->fpr[i - 1]) * (r->tpr[i] + r->tpr[i - 1]) / 2;
    return a;
}

/* A small data file in the figure's folder; path receives its full name. */
int fig_write_text(fig_ctx *f, const char *name, const char *text, char *path, size_t pathsize)
{
    FILE *fp = fig_datafile(f, name, path, pathsize);
    if (!fp) return SQK_EIO;
    fputs(text, fp);
    return fclose(fp) ? sqk_fail(SQK_EIO, "cannot write %s", path) : SQK_OK;
}

static int roc_panel(fig_ctx *f, const sqk_evaluation *ev, const char *const *labels, int n, int k)
{
    char path[700], legend[700], name[64];
    int rc = fig_gmt(f, "subplot", "set %d", k);
    if (!rc)
        rc = fig_gmt(f, "basemap", "-R0/1/0/1 -JX6c/6c -Bxa0.2f0.1g0.2+l\"False positive rate\" "
                                   "-Bya0.2f0.1g0.2+l\"True positive rate\" "
                                   "-BWSne+t\"%c   Class %d (%s) vs rest\" --MAP_GRID_PEN_PRIMARY=0.25p,225",
                     'A' + k, k, fig_class_name[k]);
    if (!rc) rc = fig_write_text(f, "diagonal.txt", "0 0\n1 1\n", path, sizeof path);
    if (!rc) rc = fig_gmt(f, "plot", "%s -W0.8p,120,-", path);
    FILE *lf = rc ? NULL : fig_datafile(f, "legend.txt", legend, sizeof legend);
    if (!rc && !lf) rc = SQK_EIO;
    for (int i = 0; i < n && !rc; i++) {
        snprintf(name, sizeof name, "roc_%d_%d.txt", k, i);
        FILE *fp = fig_datafile(f, name, path, sizeof path);
        if (!fp) { rc = SQK_EIO; break; }
        for (size_t j = 0; j < ev[i].roc[k].n; j++)
            fprintf(fp, "%.6f %.6f\n", ev[i].roc[k].fpr[j], ev[i].roc[k].tpr[j]);
        fclose(fp);
        if (ev[i].roc[k].n >= 2) rc = fig_gmt(f, "plot", "%s -W1.3p,%s", path, fig_series_color(i));
        char label[256], auc[32];
        fig_escape_label(fig_label(ev, labels, i), label, sizeof label);
        double a = class_auc(&ev[i], k);
        if (isfinite(a)) snprintf(auc, sizeof auc, "AUC %.3f", a);
        else snprintf(auc, sizeof auc, "no curve: class absent");
        fprintf(lf, "S 0.3c - 0.55c - 1.6p,%s 0.75c %s (%s)\n", fig_series_color(i), label, auc);
    }
    if (lf) {
        fprintf(lf, "S 0.3c - 0.55c - 0.8p,120,- 0.75c Chance (AUC 0.5)\n");
        if (fclose(lf) && !rc) rc = sqk_fail(SQK_EIO, "cannot write %s", legend);
    }
    /* Up to three curves the legend fits in the empty lower right; more go below the panel. */
    if (!rc && n <= 3)
        rc = fig_gmt(f, "legend", "%s -DjBR+o0.15c -F+gwhite@10+p0.4p,150 --FONT_ANNOT_PRIMARY=7.5p", legend);
    else if (!rc)
        rc = fig_gmt(f, "legend", "%s -DJBC+o0/1.25c+w6c -F+gwhite+p0.4p,150 --FONT_ANNOT_PRIMARY=7.5p", legend);
    return rc;
}

static int draw_roc(fig_ctx *f, const void *ctx)
{
    const fig_folders *s = ctx;
    /* Legends below the panels (more than three curves) need room under the origin. */
    int rc = fig_gmt(f, "subplot", "begin 1x3 -Fs6c/6c -M0.5c/0.3c -R0/1/0/1 -JX6c/6c %s", s->n > 3 ? "-Y12c" : "");
    for (int k = 0; k < SQK_FIG_NCLASS && !rc; k++) rc = roc_panel(f, s->ev, s->labels, s->n, k);
    if (!rc) rc = fig_gmt(f, "subplot", "end");
    return rc;
}

int sqk_fig_roc(const char *const *eval_dirs, const char *const *labels, int n, const char *out_prefix)
{
    sqk_evaluation *ev;
    int rc = fig_read_folders(eval_dirs, n, &ev);
    if (rc) return rc;
    fig_folders s = {ev, labels, n};
    rc = fig_render(out_prefix, draw_roc, &s);
    fig_free_folders(ev, n);
    if (rc) return sqk_fail_context(rc, "ROC figure %s", out_prefix);
    return SQK_OK;
}
