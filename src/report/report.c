/* The report: a table of several evaluations (Markdown, CSV), comparative figures and an HTML
 * page. Everything is read and checked first; the folder is then written under a temporary
 * name and put in place whole (sqk_commit_dir): an earlier report there is replaced, never
 * mixed with this one, and on a failure or a kill nothing of this run is left. */
#include "sqk/report.h"

#include "sqk/csv.h"
#include "sqk/eval.h"
#include "sqk/figures.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* The columns of Tables 1 and 2: bootstrap.csv names and their headings. */
#define NCOL 7
static const char *const col_metric[NCOL] = {"f1_weighted", "mcc", "mcc_seismic_vs_control", "accuracy",
                                             "auc0", "auc1", "auc2"};
static const char *const col_title[NCOL] = {"F1 (weighted)", "MCC", "MCC seismic/control", "Accuracy",
                                            "AUC 0 (control)", "AUC 1 (seismic)", "AUC 2 (storm)"};

typedef struct report_row {
    sqk_evaluation ev;
    sqk_eval_metric m[NCOL];
    long n_windows;
    uint64_t test_set;        /* order-free hash of the (window, y_true) pairs; 0 unknown */
    int has_png[3];           /* figures/confusion.png, ternary.png, map.png exist */
} report_row;

static const char *const eval_fig[3] = {"confusion", "ternary", "map"};

static int file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* FNV-1a of one "window,y_true" pair; summed over rows so that the order does not matter. */
static uint64_t fnv1a(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++) { h ^= (unsigned char)s[i]; h *= 1099511628211ULL; }
    return h;
}

/* *hash of the evaluation's test set: 0 when the folder has no predictions.csv. */
static int test_set_hash(const char *dir, uint64_t *hash)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/predictions.csv", dir);
    *hash = 0;
    if (!file_exists(path)) return SQK_OK;
    sqk_pred p;
    int rc = sqk_pred_read(path, &p);
    if (rc) return rc;
    uint64_t sum = 0;
    for (size_t i = 0; i < p.n; i++) {
        char key[64];
        int n = snprintf(key, sizeof key, "%lld,%d", (long long)p.window[i], p.y_true[i]);
        sum += fnv1a(key, (size_t)n);
    }
    *hash = p.n ? (sum ^ (p.n * 0x9E3779B97F4A7C15ULL)) | 1 : 0;
    sqk_pred_free(&p);
    return SQK_OK;
}

static int read_row(const char *dir, report_row *r)
{
    memset(r, 0, sizeof *r);
    int rc = sqk_evaluation_read(dir, &r->ev);
    if (rc) return rc;
    for (int c = 0; c < NCOL && !rc; c++) rc = sqk_evaluation_metric(&r->ev, col_metric[c], &r->m[c]);
    if (rc) { sqk_evaluation_free(&r->ev); return rc; }
    for (int i = 0; i < SQK_FIG_NCLASS; i++)
        for (int j = 0; j < SQK_FIG_NCLASS; j++) r->n_windows += (long)r->ev.m.confusion[i][j];
    if ((rc = test_set_hash(dir, &r->test_set))) {
        sqk_evaluation_free(&r->ev);
        return rc;
    }
    char path[1300];
    for (int k = 0; k < 3; k++) {
        snprintf(path, sizeof path, "%s/figures/%s.png", dir, eval_fig[k]);
        r->has_png[k] = file_exists(path);
    }
    return SQK_OK;
}

/* A table of the report: which kind, and which evaluations are its rows (in order). */
typedef struct report_table {
    int kind;                 /* SQK_TABLE1 or SQK_TABLE2 */
    int n, *idx;
} report_table;

static int make_table(report_table *t, int kind, const int *idx, int n)
{
    t->kind = kind;
    t->n = n;
    t->idx = sqk_malloc((size_t)n * sizeof *t->idx);
    if (!t->idx) return SQK_EMEM;
    memcpy(t->idx, idx, (size_t)n * sizeof *idx);
    return SQK_OK;
}

/* The largest group of evaluations with the same test windows (same labels), earliest first
 * on ties; a single evaluation when no two share a test set. */
static void largest_test_set(const report_row *rows, int n, int *idx, int *count)
{
    int best = 0, best_n = 0;
    for (int i = 0; i < n; i++) {
        int k = 0;
        for (int j = 0; j < n; j++) k += rows[i].test_set && rows[j].test_set == rows[i].test_set;
        if (k > best_n) { best = i; best_n = k; }
    }
    *count = 0;
    for (int j = 0; j < n; j++)
        if (j == best || (rows[best].test_set && rows[j].test_set == rows[best].test_set)) idx[(*count)++] = j;
}

/* Auto: Table 2 alone when every evaluation has the same test set; otherwise Table 1 of all
 * of them, plus Table 2 of the largest group sharing a test set when there is one (a study
 * that compares datasets and, on one test set, models: the paper's two tables). A forced kind
 * gives that table of all evaluations. */
static int plan_tables(const report_row *rows, int n, int want, report_table t[2], int *nt)
{
    int *all = sqk_malloc((size_t)n * sizeof *all), *group = sqk_malloc((size_t)n * sizeof *group);
    int rc = all && group ? SQK_OK : SQK_EMEM, g = 0;
    *nt = 0;
    if (!rc) {
        for (int i = 0; i < n; i++) all[i] = i;
        largest_test_set(rows, n, group, &g);
        if (want == SQK_TABLE_AUTO) want = g == n && n > 1 ? SQK_TABLE2 : 0;
        if (want) {
            rc = make_table(&t[0], want, all, n);
            *nt = !rc;
        } else {
            rc = make_table(&t[0], SQK_TABLE1, all, n);
            *nt = !rc;
            if (!rc && g >= 2) {
                rc = make_table(&t[1], SQK_TABLE2, group, g);
                *nt += !rc;
            }
        }
    }
    free(all);
    free(group);
    return rc;
}

/* The best value of column c over the table's rows (all metrics: higher is better); NaN with
 * one row, so that nothing is marked. Every row that reaches it is marked (ties). */
static double best_value(const report_row *rows, const report_table *t, int c)
{
    double best = NAN;
    for (int i = 0; i < t->n && t->n > 1; i++) {
        double v = rows[t->idx[i]].m[c].value;
        if (isfinite(v) && !(v <= best)) best = v;
    }
    return best;
}

static void cell_text(const sqk_eval_metric *m, char *buf, size_t n)
{
    if (!isfinite(m->value)) snprintf(buf, n, "n/a");
    else if (isfinite(m->lo) && isfinite(m->hi)) snprintf(buf, n, "%.4f [%.3f, %.3f]", m->value, m->lo, m->hi);
    else snprintf(buf, n, "%.4f", m->value);
}

/* Labels in Markdown cells: a '|' would split the cell. */
static void md_label(FILE *f, const char *s)
{
    for (; *s; s++) {
        if (*s == '|') fputs("\\|", f);
        else if (*s != '\n' && *s != '\r') fputc(*s, f);
    }
}

static void html_text(FILE *f, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '&': fputs("&amp;", f); break;
        case '"': fputs("&quot;", f); break;
        default: fputc(*s, f);
        }
    }
}

static void csv_num(FILE *f, double v)
{
    if (isfinite(v)) fprintf(f, ",%.6g", v);
    else fputs(",NaN", f);
}

typedef struct report_ctx {
    const sqk_report_opts *o;
    report_row *rows;
    report_table table[2];
    int n_tables;
    const char *title;
    /* o->sections: the Markdown of sensitivity.md and nullcheck.md, and whether a figure goes
     * with it */
    char *section_md[SQK_REPORT_MAX_SECTIONS][2];
    int section_png[SQK_REPORT_MAX_SECTIONS];
} report_ctx;

typedef int (*writer_fn)(FILE *f, const report_ctx *r, const report_table *t);

static int write_csv(FILE *f, const report_ctx *r, const report_table *t)
{
    fputs(t->kind == SQK_TABLE2 ? "model" : "dataset", f);
    fputs(",n_windows", f);
    for (int c = 0; c < NCOL; c++) fprintf(f, ",%s,%s_lo,%s_hi", col_metric[c], col_metric[c], col_metric[c]);
    fputs(",folder\n", f);
    for (int i = 0; i < t->n; i++) {
        const report_row *row = &r->rows[t->idx[i]];
        sqk_csv_put_text(f, row->ev.label);
        fprintf(f, ",%ld", row->n_windows);
        for (int c = 0; c < NCOL; c++) {
            csv_num(f, row->m[c].value);
            csv_num(f, row->m[c].lo);
            csv_num(f, row->m[c].hi);
        }
        fputc(',', f);
        sqk_csv_put_text(f, r->o->eval_dirs[t->idx[i]]);
        fputc('\n', f);
    }
    return SQK_OK;
}

static const char *table_caption(int kind)
{
    return kind == SQK_TABLE2
               ? "Performance of every model on the same test set (one row per model)."
               : "Performance on the test set of each dataset (one row per dataset or configuration).";
}

static const char *const uncertainty_note =
    "Values are estimates on all test windows; brackets give 95% confidence intervals from a "
    "bootstrap that resamples events, not windows (windows of one event are correlated, so "
    "resampling windows would give intervals that are too narrow). F1 is weighted by class "
    "support (the paper's F1), MCC is the multiclass Matthews correlation coefficient, MCC "
    "seismic/control the binary MCC of 'predicted 1' on the windows of true class 0 or 1 (the "
    "paper's question without storms; on a null archive it measures what geography alone gives "
    "away), and AUC k "
    "the one-vs-rest ROC AUC of class k (0 control, 1 seismic, 2 storm). Bold marks the best "
    "value in each column. Decision thresholds (event level) were chosen on the validation set, "
    "never on the test set.";

static int write_md(FILE *f, const report_ctx *r, const report_table *t)
{
    fprintf(f, "# %s\n\n**Table %d.** %s\n\n| %s | N |", r->title, t->kind, table_caption(t->kind),
            t->kind == SQK_TABLE2 ? "Model" : "Dataset");
    for (int c = 0; c < NCOL; c++) fprintf(f, " %s |", col_title[c]);
    fputs("\n|---|---:|", f);
    for (int c = 0; c < NCOL; c++) fputs("---|", f);
    fputc('\n', f);
    double best[NCOL];
    for (int c = 0; c < NCOL; c++) best[c] = best_value(r->rows, t, c);
    for (int i = 0; i < t->n; i++) {
        const report_row *row = &r->rows[t->idx[i]];
        fputs("| ", f);
        md_label(f, row->ev.label);
        fprintf(f, " | %ld |", row->n_windows);
        for (int c = 0; c < NCOL; c++) {
            char cell[96];
            cell_text(&row->m[c], cell, sizeof cell);
            fprintf(f, row->m[c].value == best[c] ? " **%s** |" : " %s |", cell);
        }
        fputc('\n', f);
    }
    fprintf(f, "\n%s\n", uncertainty_note);
    return SQK_OK;
}

static const char *const css =
    "body{font-family:Helvetica,Arial,sans-serif;max-width:1100px;margin:24px auto;padding:0 16px;"
    "color:#222;line-height:1.45}h1{font-size:26px;margin-bottom:4px}h2{font-size:19px;margin-top:34px;"
    "border-bottom:1px solid #ddd;padding-bottom:4px}h3{font-size:16px;margin-bottom:6px}"
    ".meta{color:#666;font-size:13px}table{border-collapse:collapse;font-size:13px;margin:10px 0}"
    "th,td{border:1px solid #ccc;padding:5px 8px;text-align:right}th{background:#f0f3f7}"
    "td.label,th.label{text-align:left}td.best{font-weight:bold;background:#eef6ee}"
    ".ci{font-weight:normal;color:#666;font-size:12px;white-space:nowrap}"
    "figure{margin:14px 0}figure img,.pair img{max-width:100%;border:1px solid #eee}"
    "figcaption,.caption{font-size:13px;color:#444;max-width:1000px}.pair img{vertical-align:top;margin:0 6px 6px 0}"
    "code{background:#f5f5f5;padding:1px 3px}";

static void html_table(FILE *f, const report_ctx *r, const report_table *t)
{
    fprintf(f, "<table>\n<tr><th class=\"label\">%s</th><th>N windows</th>",
            t->kind == SQK_TABLE2 ? "Model" : "Dataset");
    for (int c = 0; c < NCOL; c++) fprintf(f, "<th>%s</th>", col_title[c]);
    fputs("</tr>\n", f);
    double best[NCOL];
    for (int c = 0; c < NCOL; c++) best[c] = best_value(r->rows, t, c);
    for (int i = 0; i < t->n; i++) {
        const report_row *row = &r->rows[t->idx[i]];
        fputs("<tr><td class=\"label\">", f);
        html_text(f, row->ev.label);
        fprintf(f, "</td><td>%ld</td>", row->n_windows);
        for (int c = 0; c < NCOL; c++) {
            const sqk_eval_metric *m = &row->m[c];
            fprintf(f, "<td%s>", m->value == best[c] ? " class=\"best\"" : "");
            if (!isfinite(m->value)) fputs("n/a", f);
            else fprintf(f, "%.4f", m->value);
            if (isfinite(m->value) && isfinite(m->lo) && isfinite(m->hi))
                fprintf(f, "<br><span class=\"ci\">[%.3f, %.3f]</span>", m->lo, m->hi);
            fputs("</td>", f);
        }
        fputs("</tr>\n", f);
    }
    fputs("</table>\n", f);
}

/* Figure files of table ti: roc and metrics for the first, roc_table2 and metrics_table2 for
 * the second. */
static void figure_name(int ti, int bars, char *buf, size_t n)
{
    snprintf(buf, n, "%s%s", bars ? "metrics" : "roc", ti > 0 ? "_table2" : "");
}

static void html_figures(FILE *f, const report_ctx *r, int ti, int *fig_no)
{
    char name[64];
    const char *rows = r->table[ti].kind == SQK_TABLE2 ? "models of Table 2" : "rows of Table 1";
    figure_name(ti, 0, name, sizeof name);
    fprintf(f, "<h2>Figure %d. ROC curves (%s)</h2>\n<figure><img src=\"%s.png\" alt=\"ROC curves per class\" "
               "style=\"width:1060px\"><figcaption><b>Figure %d.</b> One-vs-rest ROC curves of the test "
               "windows for (A) class 0 control, (B) class 1 seismic and (C) class 2 storm, one curve per "
               "%s: the true positive rate against the false positive rate as the threshold on that "
               "class's probability falls. The dashed diagonal is chance; the legend gives each curve's "
               "area under the curve (AUC).</figcaption></figure>\n", *fig_no, rows, name, *fig_no, rows);
    ++*fig_no;
    figure_name(ti, 1, name, sizeof name);
    fprintf(f, "<h2>Figure %d. MCC, F1 and accuracy (%s)</h2>\n<figure><img src=\"%s.png\" alt=\"Bar plot of "
               "MCC, F1 and accuracy\" style=\"width:720px\"><figcaption><b>Figure %d.</b> Matthews "
               "correlation coefficient, support-weighted F1 and accuracy of the predicted classes on the "
               "test windows. Error bars are 95%% confidence intervals from a bootstrap over events "
               "(windows of one event are resampled together); overlapping bars do not separate the "
               "evaluations.</figcaption></figure>\n", *fig_no, rows, name, *fig_no);
    ++*fig_no;
}

static void html_each_evaluation(FILE *f, const report_ctx *r, int fig_no)
{
    int any = 0;
    for (int i = 0; i < r->o->n; i++) any |= r->rows[i].has_png[0] | r->rows[i].has_png[1] | r->rows[i].has_png[2];
    if (!any) return;
    fprintf(f, "<h2>Figure %d. Each evaluation</h2>\n<p class=\"caption\"><b>Figure %d.</b> Per evaluation: "
               "the confusion matrix of the test windows (counts and share of all windows; right "
               "column: row %% = recall, bottom row: column %% = precision, corner: accuracy); ternary "
               "diagrams of the predicted probabilities (p0, p1, p2) of the windows of each true "
               "class, where the dashed lines bound the region in which each class has the highest "
               "probability; and, when the dataset was given, a map of the events and of the test "
               "windows coloured by predicted class.</p>\n", fig_no, fig_no);
    static const char *const alt[3] = {"confusion matrix", "ternary diagrams", "map"};
    static const int width[3] = {340, 700, 760};
    for (int i = 0; i < r->o->n; i++) {
        const report_row *row = &r->rows[i];
        if (!row->has_png[0] && !row->has_png[1] && !row->has_png[2]) continue;
        fputs("<h3>", f);
        html_text(f, row->ev.label);
        fputs("</h3>\n<div class=\"pair\">", f);
        for (int k = 0; k < 3; k++)
            if (row->has_png[k])
                fprintf(f, "<img src=\"eval%d_%s.png\" alt=\"%s\" style=\"width:%dpx\"> ", i + 1, eval_fig[k],
                        alt[k], width[k]);
        fputs("</div>\n", f);
    }
}

/* The PNGs given with --figure: the data and the use of the models beside the tables. */
static void html_more_figures(FILE *f, const report_ctx *r, int fig_no)
{
    if (r->o->n_figures <= 0) return;
    fprintf(f, "<h2>Figure %d. The data and the use of the models</h2>\n<p class=\"caption\"><b>Figure %d.</b> "
               "Figures given to the report: half-orbits with their labelled windows (seqnetquake plot pass), "
               "scans of new orbits and their Molchan diagrams (seqnetquake scan); each is named by its file.</p>\n",
            fig_no, fig_no);
    for (int i = 0; i < r->o->n_figures; i++) {
        const char *b = strrchr(r->o->figures[i], '/');
        fprintf(f, "<figure><img src=\"figure%d.png\" alt=\"", i + 1);
        html_text(f, b ? b + 1 : r->o->figures[i]);
        fputs("\" style=\"max-width:100%\"><figcaption>", f);
        html_text(f, b ? b + 1 : r->o->figures[i]);
        fputs("</figcaption></figure>\n", f);
    }
}

/* The little Markdown the sections are written in: "## " headings, paragraphs, pipe tables
 * (the first row a header, the |---| row skipped), "![alt](file.png)" the section's figure. */
static void html_markdown(FILE *f, char *md, int section, int has_png)
{
    int in_p = 0, in_table = 0, row = 0;
    for (char *line = md; line && *line;) {
        char *nl = strchr(line, '\n');
        if (nl) *nl = 0;
        size_t n = strlen(line);
        int table_line = line[0] == '|';
        if ((in_p && (!n || table_line || line[0] == '#' || line[0] == '!')) ) { fputs("</p>\n", f); in_p = 0; }
        if (in_table && !table_line) { fputs("</table>\n", f); in_table = 0; }
        if (!n) {
        } else if (!strncmp(line, "## ", 3)) {
            fputs("<h2>", f);
            html_text(f, line + 3);
            fputs("</h2>\n", f);
        } else if (line[0] == '!' && line[1] == '[') {
            if (has_png) fprintf(f, "<figure><img src=\"section%d.png\" alt=\"%s\" style=\"max-width:100%%\"></figure>\n",
                                 section + 1, "null-corrected skill against precursor strength");
        } else if (table_line) {
            if (!in_table) { fputs("<table>\n", f); in_table = 1; row = 0; }
            if (strspn(line, "|-: ") == n) { if (nl) *nl = '\n'; line = nl ? nl + 1 : NULL; continue; }
            const char *cell = row ? "td" : "th";
            fputs("<tr>", f);
            char *c = line + 1;
            while (*c) {
                char *bar = strchr(c, '|');
                if (!bar) break;
                *bar = 0;
                char *a = c, *b = bar;
                while (*a == ' ') a++;
                while (b > a && b[-1] == ' ') *--b = 0;
                fprintf(f, "<%s>", cell);
                html_text(f, a);
                fprintf(f, "</%s>", cell);
                *bar = '|';
                c = bar + 1;
            }
            fputs("</tr>\n", f);
            row++;
        } else {
            fputs(in_p ? "\n" : "<p class=\"caption\">", f);
            in_p = 1;
            html_text(f, line);
        }
        if (nl) *nl = '\n';
        line = nl ? nl + 1 : NULL;
    }
    if (in_p) fputs("</p>\n", f);
    if (in_table) fputs("</table>\n", f);
}

static int write_html(FILE *f, const report_ctx *r, const report_table *unused)
{
    (void)unused;
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>", f);
    html_text(f, r->title);
    fprintf(f, "</title>\n<style>%s</style>\n</head>\n<body>\n<h1>", css);
    html_text(f, r->title);
    fprintf(f, "</h1>\n<p class=\"meta\">%d evaluation%s, collected by seqnetquake %s. Tables as files:",
            r->o->n, r->o->n == 1 ? "" : "s", sqk_version());
    for (int ti = 0; ti < r->n_tables; ti++)
        fprintf(f, "%s <a href=\"table%d.md\">table%d.md</a>, <a href=\"table%d.csv\">table%d.csv</a>",
                ti ? ";" : "", r->table[ti].kind, r->table[ti].kind, r->table[ti].kind, r->table[ti].kind);
    fputs(".</p>\n", f);
    for (int i = 0; i < r->o->n_sections; i++)
        for (int k = 0; k < 2; k++)
            if (r->section_md[i][k]) html_markdown(f, r->section_md[i][k], i, k == 0 && r->section_png[i]);
    for (int ti = 0; ti < r->n_tables; ti++) {
        const report_table *t = &r->table[ti];
        fprintf(f, "<h2>Table %d</h2>\n<p class=\"caption\"><b>Table %d.</b> %s</p>\n", t->kind, t->kind,
                table_caption(t->kind));
        html_table(f, r, t);
        fprintf(f, "<p class=\"caption\">%s</p>\n", uncertainty_note);
    }
    int fig_no = 1;
    for (int ti = 0; ti < r->n_tables; ti++) html_figures(f, r, ti, &fig_no);
    html_each_evaluation(f, r, fig_no);
    html_more_figures(f, r, fig_no + 1);
    fputs("<h2>Evaluation folders</h2>\n<ol>\n", f);
    for (int i = 0; i < r->o->n; i++) {
        fputs("<li>", f);
        html_text(f, r->rows[i].ev.label);
        fputs(": <code>", f);
        html_text(f, r->o->eval_dirs[i]);
        fputs("</code></li>\n", f);
    }
    fputs("</ol>\n</body>\n</html>\n", f);
    return SQK_OK;
}

static int write_file(const char *dir, const char *name, writer_fn w, const report_ctx *r,
                      const report_table *t)
{
    char path[1200];
    if (snprintf(path, sizeof path, "%s/%s", dir, name) >= (int)sizeof path)
        return sqk_fail(SQK_EARG, "%s: path too long", dir);
    sqk_atomic_file a;
    int rc = sqk_atomic_open(&a, path);
    if (rc) return rc;
    return sqk_atomic_close(&a, w(a.f, r, t));
}

static int copy_file(const char *src, const char *dst)
{
    char tmp[1300];
    int rc = sqk_tmp_path(dst, tmp, sizeof tmp);
    if (rc) return rc;
    FILE *in = fopen(src, "rb");
    if (!in) return sqk_fail(SQK_EIO, "cannot read %s: %s", src, strerror(errno));
    FILE *out = fopen(tmp, "wb");
    if (!out) { fclose(in); return sqk_fail(SQK_EIO, "cannot write %s: %s", tmp, strerror(errno)); }
    char buf[65536];
    size_t k;
    while ((k = fread(buf, 1, sizeof buf, in)) > 0)
        if (fwrite(buf, 1, k, out) != k) { rc = sqk_fail(SQK_EIO, "cannot write %s", tmp); break; }
    if (ferror(in) && !rc) rc = sqk_fail(SQK_EIO, "cannot read %s", src);
    fclose(in);
    if (fclose(out) && !rc) rc = sqk_fail(SQK_EIO, "cannot write %s", tmp);
    if (rc) { sqk_abandon_file(tmp); return rc; }
    return sqk_commit_file(tmp, dst);
}

/* The ROC and bar figures of table ti. */
static int draw_figures(const report_ctx *r, int ti)
{
    const report_table *t = &r->table[ti];
    const char **dirs = sqk_calloc((size_t)t->n, sizeof *dirs), **labels = sqk_calloc((size_t)t->n, sizeof *labels);
    int rc = dirs && labels ? SQK_OK : SQK_EMEM;
    for (int i = 0; i < t->n && !rc; i++) {
        dirs[i] = r->o->eval_dirs[t->idx[i]];
        labels[i] = r->rows[t->idx[i]].ev.label;
    }
    char name[64], prefix[1200];
    for (int k = 0; k < 2 && !rc; k++) {
        figure_name(ti, k, name, sizeof name);
        snprintf(prefix, sizeof prefix, "%s/%s", r->o->out_dir, name);
        rc = k == 0 ? sqk_fig_roc(dirs, labels, t->n, prefix) : sqk_fig_bars(dirs, labels, t->n, prefix);
    }
    free(dirs);
    free(labels);
    return rc;
}

static int copy_eval_figures(const report_ctx *r)
{
    char src[1300], dst[1300];
    int rc = SQK_OK;
    for (int i = 0; i < r->o->n && !rc; i++)
        for (int k = 0; k < 3 && !rc; k++) {
            if (!r->rows[i].has_png[k]) continue;
            snprintf(src, sizeof src, "%s/figures/%s.png", r->o->eval_dirs[i], eval_fig[k]);
            snprintf(dst, sizeof dst, "%s/eval%d_%s.png", r->o->out_dir, i + 1, eval_fig[k]);
            rc = copy_file(src, dst);
        }
    for (int i = 0; i < r->o->n_figures && !rc; i++) {
        size_t n = strlen(r->o->figures[i]);
        if (n < 4 || strcmp(r->o->figures[i] + n - 4, ".png"))
            return sqk_fail(SQK_EARG, "--figure %s: expected a .png file", r->o->figures[i]);
        snprintf(dst, sizeof dst, "%s/figure%d.png", r->o->out_dir, i + 1);
        rc = copy_file(r->o->figures[i], dst);
    }
    return rc;
}

static int write_report(report_ctx *r, const sqk_progress *p)
{
    const char *out = r->o->out_dir;
    int rc = sqk_mkdir_p(out);
    char name[32];
    for (int ti = 0; ti < r->n_tables && !rc; ti++) {
        snprintf(name, sizeof name, "table%d.csv", r->table[ti].kind);
        rc = write_file(out, name, write_csv, r, &r->table[ti]);
        snprintf(name, sizeof name, "table%d.md", r->table[ti].kind);
        if (!rc) rc = write_file(out, name, write_md, r, &r->table[ti]);
    }
    for (int ti = 0; ti < r->n_tables && !rc; ti++) {
        sqk_progress_report(p, "report figures", ti, r->n_tables);
        rc = draw_figures(r, ti);
    }
    if (!rc) rc = copy_eval_figures(r);
    for (int i = 0; i < r->o->n_sections && !rc; i++) {
        if (!r->section_png[i]) continue;
        char src[1300], dst[1300];
        snprintf(src, sizeof src, "%s/sensitivity.png", r->o->sections[i]);
        snprintf(dst, sizeof dst, "%s/section%d.png", out, i + 1);
        rc = copy_file(src, dst);
    }
    if (!rc) rc = write_file(out, "report.html", write_html, r, NULL);
    if (!rc) sqk_progress_report(p, "report figures", r->n_tables, r->n_tables);
    return rc;
}

/* The sections' Markdown, read before anything is written: each folder must hold
 * sensitivity.md or nullcheck.md. */
static int read_sections(report_ctx *r)
{
    if (r->o->n_sections > SQK_REPORT_MAX_SECTIONS)
        return sqk_fail(SQK_EARG, "at most %d sensitivity folders (%d given)", SQK_REPORT_MAX_SECTIONS, r->o->n_sections);
    static const char *const name[2] = {"sensitivity.md", "nullcheck.md"};
    for (int i = 0; i < r->o->n_sections; i++) {
        char path[1300];
        for (int k = 0; k < 2; k++) {
            snprintf(path, sizeof path, "%s/%s", r->o->sections[i], name[k]);
            size_t n = 0;
            unsigned char *text = sqk_slurp(path, &n);
            if (!text) continue;
            if (memchr(text, 0, n)) {
                free(text);
                return sqk_fail(SQK_EFORMAT, "%s: not a text file (a NUL byte)", path);
            }
            char *t = sqk_malloc(n + 1);
            if (!t) { free(text); return SQK_EMEM; }
            memcpy(t, text, n);
            t[n] = 0;
            free(text);
            r->section_md[i][k] = t;
        }
        if (!r->section_md[i][0] && !r->section_md[i][1])
            return sqk_fail(SQK_EARG, "%s: neither sensitivity.md nor nullcheck.md (a folder of seqnetquake "
                            "sensitivity is expected)", r->o->sections[i]);
        snprintf(path, sizeof path, "%s/sensitivity.png", r->o->sections[i]);
        FILE *png = r->section_md[i][0] ? fopen(path, "rb") : NULL;
        r->section_png[i] = png != NULL;
        if (png) fclose(png);
    }
    return SQK_OK;
}

int sqk_report(const sqk_report_opts *o, const sqk_progress *p, int *tables)
{
    if (!o || !o->eval_dirs || o->n <= 0) return sqk_fail(SQK_EARG, "no evaluation folders given");
    if (!o->out_dir || !*o->out_dir) return sqk_fail(SQK_EARG, "no report folder given");
    if (o->table < SQK_TABLE_AUTO || o->table > SQK_TABLE2) return sqk_fail(SQK_EARG, "unknown table kind %d", o->table);
    report_ctx r = {.o = o, .title = o->title && *o->title ? o->title : "SeqNetQuake evaluation report"};
    r.rows = sqk_calloc((size_t)o->n, sizeof *r.rows);
    if (!r.rows) return SQK_EMEM;
    int rc = SQK_OK, nread = 0;
    for (; nread < o->n && !rc; nread++) {
        sqk_progress_report(p, "reading evaluations", nread, o->n);
        rc = read_row(o->eval_dirs[nread], &r.rows[nread]);
        if (rc) sqk_fail_context(rc, "evaluation %d", nread + 1);
    }
    if (rc) nread--;
    if (!rc) rc = read_sections(&r);
    if (!rc) rc = plan_tables(r.rows, o->n, o->table, r.table, &r.n_tables);
    char tmp[1100]; /* the folder names below are at most 1200 bytes */
    sqk_report_opts in_tmp = *o;
    if (!rc) rc = sqk_tmp_dir(o->out_dir, "report.html", tmp, sizeof tmp);
    if (!rc) {
        in_tmp.out_dir = tmp;
        r.o = &in_tmp;
        rc = write_report(&r, p);
        if (rc) sqk_rm_tree(tmp);
        else rc = sqk_commit_dir(tmp, o->out_dir);
    }
    if (!rc && tables) {
        *tables = 0;
        for (int ti = 0; ti < r.n_tables; ti++) *tables |= r.table[ti].kind;
    }
    for (int ti = 0; ti < r.n_tables; ti++) free(r.table[ti].idx);
    for (int i = 0; i < SQK_REPORT_MAX_SECTIONS; i++) {
        free(r.section_md[i][0]);
        free(r.section_md[i][1]);
    }
    for (int i = 0; i < nread; i++) sqk_evaluation_free(&r.rows[i].ev);
    free(r.rows);
    return rc;
}
