/* Readers of an evaluation folder (the files `seqnetquake evaluate` writes). Every problem is
 * reported with the file and line, and nothing is half-filled on failure. */
#include "fig_internal.h"

#include "sqk/csv.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

const char *const fig_class_name[SQK_FIG_NCLASS] = {"control", "seismic", "storm"};
const char *const fig_class_color[SQK_FIG_NCLASS] = {"30/90/200", "215/40/40", "30/150/60"};

const char *fig_series_color(int i)
{
    /* Okabe-Ito palette (distinguishable with colour-blindness), its pale yellow replaced by
     * a dark wine that reads on white. */
    static const char *const c[] = {"0/114/178", "213/94/0", "0/158/115", "204/121/167",
                                    "230/159/0", "86/180/233", "0/0/0", "136/34/85"};
    return c[i % (int)(sizeof c / sizeof c[0])];
}

int fig_check_dir(const char *eval_dir)
{
    struct stat st;
    if (!eval_dir || !*eval_dir) return sqk_fail(SQK_EARG, "no evaluation folder given");
    if (stat(eval_dir, &st) != 0)
        return sqk_fail(SQK_EIO, "evaluation folder %s: %s", eval_dir, strerror(errno));
    if (!S_ISDIR(st.st_mode)) return sqk_fail(SQK_EARG, "%s is not a folder", eval_dir);
    return SQK_OK;
}

/* Opens dir/name and finds the n named columns. */
static int table_open(sqk_csv *c, char *path, size_t size, const char *dir, const char *name,
                      const char *const *cols, int n, int *col)
{
    if (snprintf(path, size, "%s/%s", dir, name) >= (int)size) return sqk_fail(SQK_EARG, "%s: path too long", dir);
    int rc = sqk_csv_open(c, path);
    if (rc) return rc;
    if ((rc = sqk_csv_columns(c, cols, n, col))) sqk_csv_close(c);
    return rc;
}

/* ---- metrics.json: only the label is needed; a tolerant scan, not a full JSON parser ---- */

static int json_string(const char *text, const char *key, char *out, size_t outsize)
{
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\"", key);
    for (const char *s = strstr(text, pat); s; s = strstr(s + 1, pat)) {
        const char *q = s + strlen(pat);
        while (isspace((unsigned char)*q)) q++;
        if (*q != ':') continue;
        q++;
        while (isspace((unsigned char)*q)) q++;
        if (*q != '"') continue;
        size_t n = 0;
        for (q++; *q && *q != '"' && n + 1 < outsize; q++) {
            if (*q == '\\' && q[1]) q++; /* keep escaped characters literally */
            out[n++] = *q;
        }
        out[n] = '\0';
        return n > 0;
    }
    return 0;
}

static int read_label(const char *dir, char *label, size_t size)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/metrics.json", dir);
    FILE *fp = fopen(path, "r");
    if (!fp) return sqk_fail(SQK_EIO, "cannot open %s: %s", path, strerror(errno));
    char text[65536];
    size_t n = fread(text, 1, sizeof text - 1, fp);
    fclose(fp);
    text[n] = '\0';
    if (!strchr(text, '{')) return sqk_fail(SQK_EFORMAT, "%s: not a JSON object", path);
    if (json_string(text, "label", label, size) || json_string(text, "name", label, size)) return SQK_OK;
    /* No name: the folder's own name says which evaluation this is. */
    char tmp[1024];
    snprintf(tmp, sizeof tmp, "%s", dir);
    size_t len = strlen(tmp);
    while (len > 1 && tmp[len - 1] == '/') tmp[--len] = '\0';
    const char *base = strrchr(tmp, '/');
    snprintf(label, size, "%s", base ? base + 1 : tmp);
    return SQK_OK;
}

static int read_per_class(const char *dir, sqk_evalfolder *ev)
{
    static const char *const cols[] = {"class", "precision", "recall", "f1", "support", "auc"};
    sqk_csv c;
    char path[1200];
    int col[6];
    int rc = table_open(&c, path, sizeof path, dir, "per_class.csv", cols, 6, col);
    if (rc) return rc;
    int seen[SQK_FIG_NCLASS] = {0};
    while ((rc = sqk_csv_next(&c)) == 1) {
        int64_t k, sup;
        if ((rc = sqk_csv_i64(&c, col[0], 0, SQK_FIG_NCLASS - 1, &k)) ||
            (rc = sqk_csv_f64_or_nan(&c, col[1], &ev->precision[k])) ||
            (rc = sqk_csv_f64_or_nan(&c, col[2], &ev->recall[k])) ||
            (rc = sqk_csv_f64_or_nan(&c, col[3], &ev->f1[k])) ||
            (rc = sqk_csv_i64(&c, col[4], 0, INT64_C(1) << 40, &sup)) ||
            (rc = sqk_csv_f64_or_nan(&c, col[5], &ev->auc[k])))
            break;
        ev->support[k] = sup;
        seen[k] = 1;
    }
    sqk_csv_close(&c);
    if (rc < 0) return rc;
    for (int k = 0; k < SQK_FIG_NCLASS; k++)
        if (!seen[k]) return sqk_fail(SQK_EFORMAT, "%s: no row for class %d", path, k);
    return SQK_OK;
}

static int read_confusion(const char *dir, sqk_evalfolder *ev)
{
    static const char *const cols[] = {"true", "pred0", "pred1", "pred2"};
    sqk_csv c;
    char path[1200];
    int col[4];
    int rc = table_open(&c, path, sizeof path, dir, "confusion.csv", cols, 4, col);
    if (rc) return rc;
    int seen[SQK_FIG_NCLASS] = {0};
    while ((rc = sqk_csv_next(&c)) == 1) {
        int64_t k, v;
        if ((rc = sqk_csv_i64(&c, col[0], 0, SQK_FIG_NCLASS - 1, &k))) break;
        for (int j = 0; j < SQK_FIG_NCLASS && !rc; j++)
            if (!(rc = sqk_csv_i64(&c, col[1 + j], 0, INT64_C(1) << 40, &v))) ev->confusion[k][j] = v;
        if (rc) break;
        seen[k] = 1;
    }
    sqk_csv_close(&c);
    if (rc < 0) return rc;
    for (int k = 0; k < SQK_FIG_NCLASS; k++)
        if (!seen[k]) return sqk_fail(SQK_EFORMAT, "%s: no row for true class %d", path, k);
    return SQK_OK;
}

static int cmp_point(const void *a, const void *b)
{
    const double *p = a, *q = b;
    if (p[0] != q[0]) return p[0] < q[0] ? -1 : 1;
    return (p[1] > q[1]) - (p[1] < q[1]);
}

static int read_roc(const char *dir, sqk_evalfolder *ev)
{
    static const char *const cols[] = {"class", "threshold", "fpr", "tpr"};
    sqk_csv c;
    char path[1200];
    int col[4];
    int rc = table_open(&c, path, sizeof path, dir, "roc.csv", cols, 4, col);
    if (rc) return rc;
    double *pts[SQK_FIG_NCLASS] = {0}; /* (fpr, tpr) pairs */
    size_t cap[SQK_FIG_NCLASS] = {0}, n[SQK_FIG_NCLASS] = {0};
    while ((rc = sqk_csv_next(&c)) == 1) {
        int64_t k;
        double thr, fpr, tpr;
        if ((rc = sqk_csv_i64(&c, col[0], 0, SQK_FIG_NCLASS - 1, &k)) ||
            (rc = sqk_csv_f64_or_nan(&c, col[1], &thr)) || (rc = sqk_csv_f64_or_nan(&c, col[2], &fpr)) ||
            (rc = sqk_csv_f64_or_nan(&c, col[3], &tpr)))
            break;
        /* NaN: the class has no positive (or no negative) window, so it has no curve. */
        if (isnan(fpr) || isnan(tpr)) continue;
        if (!(fpr >= 0 && fpr <= 1 && tpr >= 0 && tpr <= 1)) {
            rc = sqk_csv_fail(&c, SQK_EVALUE, "fpr and tpr must lie in [0, 1]");
            break;
        }
        if ((rc = sqk_grow((void **)&pts[k], &cap[k], 2 * (n[k] + 1), sizeof(double)))) break;
        pts[k][2 * n[k]] = fpr;
        pts[k][2 * n[k] + 1] = tpr;
        n[k]++;
    }
    sqk_csv_close(&c);
    for (int k = 0; k < SQK_FIG_NCLASS && rc >= 0; k++) {
        if (n[k] == 0) continue;
        qsort(pts[k], n[k], 2 * sizeof(double), cmp_point);
        ev->roc_fpr[k] = sqk_malloc(n[k] * sizeof(double));
        ev->roc_tpr[k] = sqk_malloc(n[k] * sizeof(double));
        if (!ev->roc_fpr[k] || !ev->roc_tpr[k]) { rc = SQK_EMEM; break; }
        for (size_t i = 0; i < n[k]; i++) {
            ev->roc_fpr[k][i] = pts[k][2 * i];
            ev->roc_tpr[k][i] = pts[k][2 * i + 1];
        }
        ev->roc_n[k] = n[k];
    }
    for (int k = 0; k < SQK_FIG_NCLASS; k++) free(pts[k]);
    return rc < 0 ? rc : SQK_OK;
}

static int read_bootstrap(const char *dir, sqk_evalfolder *ev)
{
    static const char *const cols[] = {"metric", "value", "lo", "hi"};
    sqk_csv c;
    char path[1200];
    int col[4];
    int rc = table_open(&c, path, sizeof path, dir, "bootstrap.csv", cols, 4, col);
    if (rc) return rc;
    size_t cap = 0;
    while ((rc = sqk_csv_next(&c)) == 1) {
        sqk_eval_metric m;
        if (!*sqk_csv_get(&c, col[0])) { rc = sqk_csv_fail(&c, SQK_EFORMAT, "empty metric name"); break; }
        if ((rc = sqk_csv_text(&c, col[0], m.name, sizeof m.name)) ||
            (rc = sqk_csv_f64_or_nan(&c, col[1], &m.value)) || (rc = sqk_csv_f64_or_nan(&c, col[2], &m.lo)) ||
            (rc = sqk_csv_f64_or_nan(&c, col[3], &m.hi)) ||
            (rc = sqk_grow((void **)&ev->metrics, &cap, ev->n_metrics + 1, sizeof m)))
            break;
        ev->metrics[ev->n_metrics++] = m;
    }
    sqk_csv_close(&c);
    return rc < 0 ? rc : SQK_OK;
}

int sqk_evalfolder_read(const char *dir, sqk_evalfolder *ev)
{
    memset(ev, 0, sizeof *ev);
    for (int k = 0; k < SQK_FIG_NCLASS; k++) ev->auc[k] = NAN;
    int rc = fig_check_dir(dir);
    if (rc) return rc;
    if (strlen(dir) >= sizeof ev->dir) return sqk_fail(SQK_EARG, "%s: path too long", dir);
    snprintf(ev->dir, sizeof ev->dir, "%s", dir);
    rc = read_label(dir, ev->label, sizeof ev->label);
    if (!rc) rc = read_per_class(dir, ev);
    if (!rc) rc = read_confusion(dir, ev);
    if (!rc) rc = read_roc(dir, ev);
    if (!rc) rc = read_bootstrap(dir, ev);
    if (rc) sqk_evalfolder_free(ev);
    return rc;
}

void sqk_evalfolder_free(sqk_evalfolder *ev)
{
    for (int k = 0; k < SQK_FIG_NCLASS; k++) {
        free(ev->roc_fpr[k]);
        free(ev->roc_tpr[k]);
        ev->roc_fpr[k] = ev->roc_tpr[k] = NULL;
        ev->roc_n[k] = 0;
    }
    free(ev->metrics);
    ev->metrics = NULL;
    ev->n_metrics = 0;
}

/* Spellings of each canonical metric name that an evaluation may use. */
static const char *const aliases[][6] = {
    {"accuracy", "acc", NULL},
    {"f1_weighted", "f1w", "weighted_f1", "f1-weighted", "f1", NULL},
    {"mcc", "matthews", NULL},
    {"mcc_seismic_vs_control", NULL},
    {"auc0", "auc_0", "auc_class0", "roc_auc_0", "auc_control", NULL},
    {"auc1", "auc_1", "auc_class1", "roc_auc_1", "auc_seismic", NULL},
    {"auc2", "auc_2", "auc_class2", "roc_auc_2", "auc_storm", NULL},
};

/* Accuracy, weighted F1, multiclass MCC or seismic-vs-control MCC (which = 0..3) from the
 * confusion matrix, for folders whose bootstrap.csv lacks them. */
static int from_confusion(const sqk_evalfolder *ev, int which, double *v)
{
    int64_t c[SQK_NCLASS][SQK_NCLASS];
    int64_t total = 0;
    for (int i = 0; i < SQK_NCLASS; i++)
        for (int j = 0; j < SQK_NCLASS; j++) total += c[i][j] = ev->confusion[i][j];
    if (total <= 0) return SQK_EEMPTY;
    sqk_metrics m;
    sqk_metrics_from_confusion(c, &m);
    const double v4[4] = {m.accuracy, m.f1_weighted, m.mcc, m.mcc_seismic_vs_control};
    *v = v4[which];
    return SQK_OK;
}

int sqk_evalfolder_metric(const sqk_evalfolder *ev, const char *name, sqk_eval_metric *out)
{
    const char *const *names = NULL;
    size_t which = 0;
    for (size_t a = 0; a < sizeof aliases / sizeof aliases[0]; a++)
        if (!strcasecmp(aliases[a][0], name)) { names = aliases[a]; which = a; }
    const char *single[2] = {name, NULL};
    if (!names) names = single;
    for (int j = 0; names[j]; j++) /* earlier spellings win */
        for (size_t i = 0; i < ev->n_metrics; i++)
            if (!strcasecmp(ev->metrics[i].name, names[j])) { *out = ev->metrics[i]; return SQK_OK; }
    /* No bootstrap row: the point value from the other tables, without an interval. */
    memset(out, 0, sizeof *out);
    snprintf(out->name, sizeof out->name, "%s", name);
    out->lo = out->hi = NAN;
    if (names != single && which < 4 && from_confusion(ev, (int)which, &out->value) == SQK_OK) return SQK_OK;
    if (names != single && which >= 4 && isfinite(ev->auc[which - 4])) {
        out->value = ev->auc[which - 4];
        return SQK_OK;
    }
    return sqk_fail(SQK_EEMPTY, "%s: no '%s' in bootstrap.csv and no way to compute it", ev->dir, name);
}

/* ---- predictions.csv ---- */

int fig_read_predictions(const char *eval_dir, sqk_pred *pr)
{
    memset(pr, 0, sizeof *pr);
    int rc = fig_check_dir(eval_dir);
    if (rc) return rc;
    char path[4096];
    if (snprintf(path, sizeof path, "%s/predictions.csv", eval_dir) >= (int)sizeof path)
        return sqk_fail(SQK_EARG, "%s: path too long", eval_dir);
    return sqk_pred_read(path, pr);
}

void fig_escape_label(const char *in, char *out, size_t outsize)
{
    /* GMT reads @ as an escape and a leading/trailing space as nothing; keep printable ASCII. */
    size_t n = 0;
    for (; *in && n + 1 < outsize; in++) {
        unsigned char ch = (unsigned char)*in;
        if (ch == '@' || ch == '"' || ch == '\'' || ch == '\\' || ch < 32) ch = ' ';
        out[n++] = (char)ch;
    }
    out[n] = '\0';
}
