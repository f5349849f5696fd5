/* The sensitivity figure (the project's headline): MCC seismic/control against precursor
 * strength with 95% intervals, one column per design; top row the null-corrected skill
 * (planted minus paired null), bottom row the planted archive alone (what a single archive's
 * score would claim). Input: sensitivity.csv of `seqnetquake sensitivity`. */
#include "fig_internal.h"
#include "sqk/csv.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { MAX_ROWS = 1024, MAX_NAMES = 8 };

typedef struct {
    int design, model;
    double s, v[2], lo[2], hi[2]; /* [0] diff, [1] planted */
} sens_point;

typedef struct {
    sens_point *pt;
    int n, n_designs, n_models;
    char designs[MAX_NAMES][32], models[MAX_NAMES][32];
    double smax, ymin;
} sens_fig;

static int name_index(char names[][32], int *n, const char *s)
{
    for (int i = 0; i < *n; i++)
        if (!strcmp(names[i], s)) return i;
    if (*n >= MAX_NAMES) return -1;
    snprintf(names[*n], 32, "%s", s);
    return (*n)++;
}

static int read_csv(const char *path, sens_fig *F)
{
    sqk_csv c;
    int rc = sqk_csv_open(&c, path);
    if (rc) return rc;
    static const char *const cols[] = {"design", "model", "strength", "metric", "diff", "diff_lo", "diff_hi",
                                       "planted", "planted_lo", "planted_hi"};
    int col[10];
    if ((rc = sqk_csv_columns(&c, cols, 10, col))) { sqk_csv_close(&c); return rc; }
    F->ymin = -0.2;
    while (!rc && (rc = sqk_csv_next(&c)) == 1) {
        rc = SQK_OK;
        if (strcmp(sqk_csv_get(&c, col[3]), "mcc_seismic_vs_control")) continue;
        if (F->n >= MAX_ROWS) { rc = sqk_csv_fail(&c, SQK_EFORMAT, "more than %d rows of MCC seismic/control", MAX_ROWS); break; }
        sens_point *p = &F->pt[F->n];
        p->design = name_index(F->designs, &F->n_designs, sqk_csv_get(&c, col[0]));
        p->model = name_index(F->models, &F->n_models, sqk_csv_get(&c, col[1]));
        if (p->design < 0 || p->model < 0) { rc = sqk_csv_fail(&c, SQK_EFORMAT, "more than %d designs or models", MAX_NAMES); break; }
        if ((rc = sqk_csv_f64(&c, col[2], &p->s))) break;
        for (int k = 0; k < 2 && !rc; k++) {
            if ((rc = sqk_csv_f64_or_nan(&c, col[4 + 3 * k], &p->v[k])) ||
                (rc = sqk_csv_f64_or_nan(&c, col[5 + 3 * k], &p->lo[k])) ||
                (rc = sqk_csv_f64_or_nan(&c, col[6 + 3 * k], &p->hi[k])))
                break;
            if (p->lo[k] < F->ymin) F->ymin = p->lo[k];
            if (p->v[k] < F->ymin) F->ymin = p->v[k];
        }
        if (p->s > F->smax) F->smax = p->s;
        F->n++;
    }
    sqk_csv_close(&c);
    if (rc < 0) return rc;
    if (F->n == 0) return sqk_fail(SQK_EFORMAT, "%s: no mcc_seismic_vs_control row to draw", path);
    F->ymin = floor(F->ymin * 10 - 0.5) / 10;
    if (F->ymin < -1) F->ymin = -1;
    return SQK_OK;
}

static int draw(fig_ctx *f, const void *ctx)
{
    const sens_fig *F = ctx;
    double xmax = F->smax * 1.1 + 0.2;
    int rc = fig_gmt(f, "subplot", "begin 2x%d -Fs9c/6c -M0.6c/0.9c -A -R-0.2/%g/%g/1 -Bwsne -Bxaf -Byaf "
                     "-SRl+l\"MCC seismic/control\" -SCb+l\"precursor strength\"", F->n_designs, xmax, F->ymin);
    char path[700], text[256];
    for (int row = 0; row < 2 && !rc; row++)
        for (int d = 0; d < F->n_designs && !rc; d++) {
            if ((rc = fig_gmt(f, "subplot", "set %d,%d", row, d))) break;
            char title[128];
            fig_escape_label(F->designs[d], title, sizeof title);
            rc = fig_gmt(f, "basemap", "-R-0.2/%g/%g/1 -JX? -B+t\"%s: %s\"", xmax, F->ymin, title, row ? "planted archive alone" : "planted minus paired null");
            snprintf(text, sizeof text, "-0.2 0\n%g 0\n", xmax);
            if (!rc) rc = fig_write_text(f, "zero.txt", text, path, sizeof path);
            if (!rc) rc = fig_gmt(f, "plot", "%s -W0.5p,gray,-", path);
            for (int m = 0; m < F->n_models && !rc; m++) {
                char name[64];
                snprintf(name, sizeof name, "pts_%d_%d_%d.txt", row, d, m);
                FILE *pf = fig_datafile(f, name, path, sizeof path);
                if (!pf) { rc = SQK_EIO; break; }
                double dx = (m - (F->n_models - 1) / 2.0) * 0.06;
                for (int i = 0; i < F->n; i++) {
                    const sens_point *p = &F->pt[i];
                    if (p->design != d || p->model != m || !isfinite(p->v[row])) continue;
                    double lo = isfinite(p->lo[row]) ? p->v[row] - p->lo[row] : 0;
                    double hi = isfinite(p->hi[row]) ? p->hi[row] - p->v[row] : 0;
                    fprintf(pf, "%.6f %.6f %.6f %.6f\n", p->s + dx, p->v[row], lo, hi);
                }
                if (fclose(pf)) { rc = sqk_fail(SQK_EIO, "cannot write %s", path); break; }
                const char *c = fig_series_color(m);
                char label[64];
                fig_escape_label(F->models[m], label, sizeof label);
                rc = fig_gmt(f, "plot", "%s -W1p,%s", path, c);
                if (!rc) rc = fig_gmt(f, "plot", "%s -Sc0.15c -G%s -Ey+a+p0.8p,%s%s%s", path, c, c,
                                      row == 0 && d == 0 ? " -l" : "", row == 0 && d == 0 ? label : "");
            }
        }
    if (!rc) rc = fig_gmt(f, "subplot", "end");
    return rc;
}

int sqk_fig_sensitivity(const char *csv_path, const char *out_prefix)
{
    sens_fig F = {0};
    F.pt = sqk_malloc(MAX_ROWS * sizeof *F.pt);
    if (!F.pt) return SQK_EMEM;
    int rc = read_csv(csv_path, &F);
    if (!rc) rc = fig_render(out_prefix, draw, &F);
    free(F.pt);
    return rc;
}
