/* Confusion matrix tiles as the paper's Fig 7D: counts with overall %, sum tiles with row %
 * (recall) on the right, column % (precision) below and the overall accuracy in the corner. */
#include "fig_internal.h"

#include <stdio.h>

/* White to the paper's class-0 blue, by share of the largest tile (t in 0..1). */
static void ramp(double t, int rgb[3])
{
    static const int lo[3] = {247, 251, 255}, hi[3] = {8, 69, 148};
    if (t < 0) t = 0;
    if (t > 1) t = 1;
    for (int c = 0; c < 3; c++) rgb[c] = (int)(lo[c] + t * (hi[c] - lo[c]) + 0.5);
}

static void tile(FILE *fp, double x, double y, const char *fill)
{
    fprintf(fp, "> -G%s\n%g %g\n%g %g\n%g %g\n%g %g\n", fill, x, y, x + 1, y, x + 1, y + 1, x, y + 1);
}

/* A sum tile: the share right (green) over the share wrong (red). */
static void sum_tile(FILE *tiles, FILE *text, double x, double y, double right, double wrong)
{
    tile(tiles, x, y, "235/235/235");
    if (right + wrong <= 0) {
        fprintf(text, "%g %g 9p,Helvetica,100 n/a\n", x + 0.5, y + 0.5);
        return;
    }
    double r = 100 * right / (right + wrong);
    fprintf(text, "%g %g 10p,Helvetica-Bold,0/120/50 %.1f%%\n", x + 0.5, y + 0.6, r);
    fprintf(text, "%g %g 8p,Helvetica,190/30/30 %.1f%%\n", x + 0.5, y + 0.3, 100 - r);
}

static int write_tiles(const sqk_evaluation *ev, FILE *tiles, FILE *text)
{
    const int64_t(*cm)[SQK_FIG_NCLASS] = ev->m.confusion;
    double total = 0, diag = 0, maxc = 0;
    for (int i = 0; i < SQK_FIG_NCLASS; i++)
        for (int j = 0; j < SQK_FIG_NCLASS; j++) {
            total += cm[i][j];
            if (i == j) diag += cm[i][j];
            if (cm[i][j] > maxc) maxc = cm[i][j];
        }
    if (total <= 0) return sqk_fail(SQK_EEMPTY, "%s/confusion.csv: all counts are zero", ev->dir);
    /* True class i on row y = 3 - i (class 0 on top), predicted class j in column x = j. */
    for (int i = 0; i < SQK_FIG_NCLASS; i++) {
        double row = 0;
        for (int j = 0; j < SQK_FIG_NCLASS; j++) {
            double x = j, y = 3 - i;
            int rgb[3];
            ramp(cm[i][j] / maxc, rgb);
            char fill[32];
            snprintf(fill, sizeof fill, "%d/%d/%d", rgb[0], rgb[1], rgb[2]);
            tile(tiles, x, y, fill);
            const char *ink = cm[i][j] / maxc > 0.55 ? "white" : "black";
            fprintf(text, "%g %g 12p,Helvetica-Bold,%s %lld\n", x + 0.5, y + 0.58, ink, (long long)cm[i][j]);
            fprintf(text, "%g %g 8p,Helvetica,%s %.1f%%\n", x + 0.5, y + 0.3, ink, 100 * cm[i][j] / total);
            row += cm[i][j];
        }
        sum_tile(tiles, text, 3, 3 - i, cm[i][i], row - cm[i][i]); /* recall */
    }
    for (int j = 0; j < SQK_FIG_NCLASS; j++) {
        double col = 0;
        for (int i = 0; i < SQK_FIG_NCLASS; i++) col += cm[i][j];
        sum_tile(tiles, text, j, 0, cm[j][j], col - cm[j][j]); /* precision */
    }
    sum_tile(tiles, text, 3, 0, diag, total - diag); /* accuracy */
    return SQK_OK;
}

/* Class names along the axes, headings of the sum tiles, axis titles and the figure title:
 * "x y font angle justify text" rows. */
static void write_labels(FILE *fp, const char *title)
{
    for (int k = 0; k < SQK_FIG_NCLASS; k++) {
        fprintf(fp, "%g -0.12 10p,Helvetica,black 0 TC %d %s\n", k + 0.5, k, fig_class_name[k]);
        fprintf(fp, "-0.12 %g 10p,Helvetica,black 0 RM %d %s\n", 3.5 - k, k, fig_class_name[k]);
    }
    fprintf(fp, "3.5 -0.12 10p,Helvetica-Oblique,black 0 TC accuracy\n");
    fprintf(fp, "3.5 4.08 10p,Helvetica-Oblique,black 0 BC recall\n");
    fprintf(fp, "-0.12 0.5 10p,Helvetica-Oblique,black 0 RM precision\n");
    fprintf(fp, "1.5 -0.42 12p,Helvetica,black 0 TC Predicted class\n");
    fprintf(fp, "-1.25 2.5 12p,Helvetica,black 90 BC True class\n");
    fprintf(fp, "2 4.42 12p,Helvetica-Bold,black 0 BC Confusion matrix: %s\n", title);
}

static int draw(fig_ctx *f, const void *ctx)
{
    const sqk_evaluation *ev = ctx;
    char tiles_path[700], text_path[700], label_path[700], name[300];
    FILE *tiles = fig_datafile(f, "tiles.txt", tiles_path, sizeof tiles_path);
    FILE *text = tiles ? fig_datafile(f, "text.txt", text_path, sizeof text_path) : NULL;
    FILE *labels = text ? fig_datafile(f, "labels.txt", label_path, sizeof label_path) : NULL;
    int rc = labels ? write_tiles(ev, tiles, text) : SQK_EIO;
    fig_escape_label(ev->label, name, sizeof name);
    if (labels) write_labels(labels, name);
    if (tiles) fclose(tiles);
    if (text) fclose(text);
    if (labels) fclose(labels);
    if (rc) return rc;
    char sep_path[700];
    rc = fig_write_text(f, "separator.txt", "> -W1.2p,80\n3 0\n3 4\n> -W1.2p,80\n0 1\n4 1\n"
                                            "> -W0.8p,100\n0 0\n4 0\n4 4\n0 4\n0 0\n", sep_path, sizeof sep_path);
    /* The region reaches past the tiles so that every label lies inside it (2.5 cm a tile);
     * GMT's -N does not keep rotated text outside the region when run through the API. */
    if (!rc) rc = fig_gmt(f, "plot", "%s -R-1.5/4/-0.7/4.7 -JX13.75c/13.5c -W1p,white -B+n", tiles_path);
    if (!rc) rc = fig_gmt(f, "plot", "%s", sep_path);
    if (!rc) rc = fig_gmt(f, "text", "%s -F+f+jCM", text_path);
    if (!rc) rc = fig_gmt(f, "text", "%s -F+f+a+j", label_path);
    return rc;
}

int sqk_fig_confusion(const char *eval_dir, const char *out_prefix)
{
    sqk_evaluation ev;
    int rc = sqk_evaluation_read(eval_dir, &ev);
    if (rc) return sqk_fail_context(rc, "confusion figure %s", out_prefix);
    rc = fig_render(out_prefix, draw, &ev);
    sqk_evaluation_free(&ev);
    if (rc) return sqk_fail_context(rc, "confusion figure %s", out_prefix);
    return SQK_OK;
}
