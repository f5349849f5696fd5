/* The evaluation folder (contracts): metrics.json, per_class.csv, confusion.csv, roc.csv,
 * bootstrap.csv, events.csv and predictions.csv. Each file is written under a temporary name
 * and renamed into place, so a reader never sees half a file. Numbers are written with the
 * fewest digits (15 to 17) that read back as the same double; undefined values are NaN in
 * CSV and null in JSON. */
#include "sqk/eval.h"
#include "sqk/csv.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

/* The tables' columns, for the writer and the reader. */
static const char *const per_class_cols[] = {"class", "precision", "recall", "f1", "support", "auc"};
static const char *const confusion_cols[] = {"true", "pred0", "pred1", "pred2"};
static const char *const roc_cols[] = {"class", "threshold", "fpr", "tpr"};
static const char *const bootstrap_cols[] = {"metric", "value", "lo", "hi"};
enum { N_PER_CLASS = 6, N_CONFUSION = 4, N_ROC = 4, N_BOOTSTRAP = 4 };

/* events.csv: one row per event (sqk_event_row). A count or a share is a member of the row;
 * the id comes from the dataset (or the folder read back), the kind is written in words, and
 * the last two columns follow from the score and the thresholds (written, not read back). */
enum { EV_I64, EV_F64, EV_ID, EV_KIND, EV_PREDICTED_SEISMIC, EV_DETECTED_CODE };
typedef struct {
    const char *name;
    int type;
    size_t off; /* member of sqk_event_row (EV_I64, EV_F64) */
} event_column;
#define ROW(name, type, member) {name, type, offsetof(sqk_event_row, member)}
static const event_column event_cols[] = {
    ROW("event", EV_I64, event),           {"id", EV_ID, 0},
    {"kind", EV_KIND, 0},                  ROW("n_windows", EV_I64, n_windows),
    ROW("n_correct", EV_I64, n_correct),   ROW("n_pred0", EV_I64, n_pred[0]),
    ROW("n_pred1", EV_I64, n_pred[1]),     ROW("n_pred2", EV_I64, n_pred[2]),
    ROW("n_quiet", EV_I64, n_quiet),       ROW("n_quiet_pred1", EV_I64, n_quiet_pred1),
    ROW("frac_correct", EV_F64, frac_correct), ROW("score", EV_F64, score),
    {"predicted_seismic", EV_PREDICTED_SEISMIC, 0}, {"detected_code", EV_DETECTED_CODE, 0},
};
#undef ROW
#define N_EVENT_COLS ((int)(sizeof event_cols / sizeof event_cols[0]))
static const char *const kind_names[] = {"unknown", "control", "earthquake"}; /* SQK_KIND_* + 1 */

static void put_header(FILE *f, const char *const *cols, int n)
{
    for (int k = 0; k < n; k++) fprintf(f, "%s%c", cols[k], k + 1 < n ? ',' : '\n');
}

static void event_col_names(const char **names)
{
    for (int k = 0; k < N_EVENT_COLS; k++) names[k] = event_cols[k].name;
}

/* ctx: the predictions file to copy (write_copy); unused by the others. */
typedef int (*writer_fn)(FILE *f, const sqk_evaluation *ev, const char *ctx);

static int write_atomic(const char *dir, const char *name, writer_fn w, const sqk_evaluation *ev,
                        const char *ctx)
{
    char path[4096];
    if (snprintf(path, sizeof path, "%s/%s", dir, name) >= (int)sizeof path)
        return sqk_fail(SQK_EARG, "%s: path too long", dir);
    sqk_atomic_file a;
    int st = sqk_atomic_open(&a, path);
    if (st) return st;
    return sqk_atomic_close(&a, w(a.f, ev, ctx));
}

/* Shortest of %.15g, %.16g, %.17g that reads back as the same double. */
static void put_double(FILE *f, double v)
{
    char buf[40];
    for (int digits = 15; digits <= 17; digits++) {
        snprintf(buf, sizeof buf, "%.*g", digits, v);
        if (digits == 17 || strtod(buf, NULL) == v) break;
    }
    fputs(buf, f);
}

/* ---- JSON */

static void json_str(FILE *f, const char *s)
{
    if (!s) { fputs("null", f); return; }
    fputc('"', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') fprintf(f, "\\%c", c);
        else if (c < 0x20) fprintf(f, "\\u%04x", c);
        else fputc(c, f);
    }
    fputc('"', f);
}

static void json_num(FILE *f, double v)
{
    if (isfinite(v)) put_double(f, v); else fputs("null", f);
}

static void json_kv(FILE *f, const char *indent, const char *key, double v, int comma)
{
    fprintf(f, "%s\"%s\": ", indent, key);
    json_num(f, v);
    fputs(comma ? ",\n" : "\n", f);
}

static void json_binary(FILE *f, const char *key, const char *definition, double thr, double val_mcc,
                        const sqk_binary *b, int with_auc, const sqk_evaluation *ev)
{
    fprintf(f, "    \"%s\": {\n      \"definition\": ", key);
    json_str(f, definition);
    fputs(",\n", f);
    json_kv(f, "      ", "threshold", thr, 1);
    json_kv(f, "      ", "validation_mcc", val_mcc, 1);
    fprintf(f, "      \"tp\": %lld, \"fp\": %lld, \"tn\": %lld, \"fn\": %lld,\n", (long long)b->tp,
            (long long)b->fp, (long long)b->tn, (long long)b->fn);
    json_kv(f, "      ", "mcc", b->mcc, 1);
    json_kv(f, "      ", "f1", b->f1, 1);
    json_kv(f, "      ", "precision", b->precision, 1);
    json_kv(f, "      ", "recall", b->recall, 1);
    json_kv(f, "      ", "accuracy", b->accuracy, with_auc);
    if (with_auc) {
        json_kv(f, "      ", "roc_auc", ev->ev_roc_auc, 1);
        json_kv(f, "      ", "pr_auc", ev->ev_pr_auc, 1);
        fputs("      \"bootstrap\": {", f);
        for (int k = 0; k < SQK_EBM_COUNT; k++) {
            fprintf(f, "%s\"%s\": {\"lo\": ", k ? ", " : "", sqk_ebm_name(k));
            json_num(f, ev->ev_boot[k].lo);
            fputs(", \"hi\": ", f);
            json_num(f, ev->ev_boot[k].hi);
            fprintf(f, ", \"n_valid\": %d}", ev->ev_boot[k].n_valid);
        }
        fputs("}\n", f);
    }
    fputs("    }", f);
}

static void json_matrix(FILE *f, const char *key, const sqk_metrics *m, int mode)
{
    /* mode 0 counts, 1 % of all, 2 % of the true class (row), 3 % of the predicted class (column) */
    fprintf(f, "  \"%s\": [", key);
    for (int i = 0; i < SQK_NCLASS; i++) {
        fputs(i ? ", [" : "[", f);
        for (int j = 0; j < SQK_NCLASS; j++) {
            double c = (double)m->confusion[i][j];
            double den = mode == 1 ? (double)m->n : mode == 2 ? (double)m->support[i] : (double)m->predicted[j];
            if (j) fputs(", ", f);
            if (mode == 0) fprintf(f, "%lld", (long long)m->confusion[i][j]);
            else json_num(f, den > 0 ? 100.0 * c / den : NAN);
        }
        fputc(']', f);
    }
    fputs("],\n", f);
}

static void json_window(FILE *f, const sqk_evaluation *ev)
{
    const sqk_metrics *m = &ev->m;
    json_kv(f, "  ", "accuracy", m->accuracy, 1);
    json_kv(f, "  ", "balanced_accuracy", m->balanced_accuracy, 1);
    json_kv(f, "  ", "f1_weighted", m->f1_weighted, 1);
    json_kv(f, "  ", "f1_macro", m->f1_macro, 1);
    json_kv(f, "  ", "f1_micro", m->f1_micro, 1);
    json_kv(f, "  ", "mcc", m->mcc, 1);
    json_kv(f, "  ", "mcc_p_value", ev->perm_p, 1);
    json_kv(f, "  ", "mcc_p_value_stratified", ev->perm_p_strat, 1);
    json_kv(f, "  ", "mcc_seismic_vs_control", m->mcc_seismic_vs_control, 1);
    for (int k = 0; k < SQK_NCLASS; k++) {
        char key[16];
        snprintf(key, sizeof key, "auc%d", k);
        json_kv(f, "  ", key, m->auc[k], 1);
    }
    json_kv(f, "  ", "auc_macro", m->auc_macro, 1);
    fputs("  \"per_class\": [\n", f);
    for (int k = 0; k < SQK_NCLASS; k++) {
        fprintf(f, "    {\"class\": %d, \"precision\": ", k);
        json_num(f, m->precision[k]);
        fputs(", \"recall\": ", f);
        json_num(f, m->recall[k]);
        fputs(", \"f1\": ", f);
        json_num(f, m->f1[k]);
        fprintf(f, ", \"support\": %lld, \"predicted\": %lld, \"auc\": ", (long long)m->support[k],
                (long long)m->predicted[k]);
        json_num(f, m->auc[k]);
        fputs(k + 1 < SQK_NCLASS ? "},\n" : "}\n", f);
    }
    fputs("  ],\n", f);
    json_matrix(f, "confusion", m, 0);
    json_matrix(f, "confusion_overall_pct", m, 1);
    json_matrix(f, "confusion_row_pct", m, 2);
    json_matrix(f, "confusion_col_pct", m, 3);
}

static void json_uncertainty(FILE *f, const sqk_evaluation *ev)
{
    const sqk_eval_opts *o = &ev->opts;
    fprintf(f, "  \"bootstrap\": {\n    \"resamples\": %d,\n    \"seed\": %llu,\n    \"level\": ",
            o->n_boot, (unsigned long long)o->seed);
    json_num(f, o->level);
    fprintf(f, ",\n    \"unit\": \"event (a window without an event is its own unit)\",\n"
               "    \"units\": %zu,\n    \"interval\": \"percentile\",\n    \"metrics\": {\n", ev->n_units);
    for (int k = 0; k < SQK_BM_COUNT; k++) {
        fprintf(f, "      \"%s\": {\"value\": ", sqk_bm_name(k));
        json_num(f, ev->boot[k].value);
        fputs(", \"lo\": ", f);
        json_num(f, ev->boot[k].lo);
        fputs(", \"hi\": ", f);
        json_num(f, ev->boot[k].hi);
        fprintf(f, ", \"n_valid\": %d}%s\n", ev->boot[k].n_valid, k + 1 < SQK_BM_COUNT ? "," : "");
    }
    fputs("    }\n  },\n", f);
    fprintf(f, "  \"permutation\": {\"permutations\": %d, \"seed\": %llu, \"statistic\": \"mcc\", "
               "\"shuffled\": \"event kinds over events (storm labels fixed)\", \"p_value\": ", o->n_perm, (unsigned long long)o->seed);
    json_num(f, ev->perm_p);
    static const char *const scheme[] = {
        "none (the dataset lacks cadence, event position and pair columns)",
        "event kinds within strata of cadence x 10-degree |magnetic latitude| band x hemisphere",
        "event kinds flipped within matched pairs (earthquake and its control at the same place)"};
    static const char *const assumed[] = {
        "",
        "earthquake and control events of the same cadence, magnetic-latitude band and hemisphere are exchangeable",
        "the two events of a matched pair are exchangeable (same place and magnitude, another time)"};
    int s = ev->perm_scheme >= 0 && ev->perm_scheme <= 2 ? ev->perm_scheme : 0;
    fprintf(f, ", \"plain_assumes\": \"every earthquake and control event exchangeable (not so under the "
               "paper's design)\", \"stratified\": {\"shuffled\": \"%s\", \"assumes\": \"%s\", \"p_value\": ",
            scheme[s], assumed[s]);
    json_num(f, ev->perm_p_strat);
    fputs("}},\n", f);
}

static void json_events(FILE *f, const sqk_evaluation *ev)
{
    size_t n_eq = 0, n_ctl = 0;
    for (size_t k = 0; k < ev->events.n; k++) {
        n_eq += ev->events.rows[k].kind == SQK_KIND_EARTHQUAKE;
        n_ctl += ev->events.rows[k].kind == SQK_KIND_CONTROL;
    }
    fprintf(f, "  \"event_level\": {\n    \"events\": %zu,\n    \"earthquake_events\": %zu,\n"
               "    \"control_events\": %zu,\n    \"kinds_from\": \"%s\",\n    \"threshold_source\": \"%s\",\n"
               "    \"validation_events\": %zu,\n", ev->events.n, n_eq, n_ctl,
            ev->ds ? "dataset events/kind" : "window labels", ev->threshold_from_val ? "validation" : "default",
            ev->val_events);
    json_binary(f, "seismic", "positive = earthquake event; predicted seismic when the share of its "
                "non-storm windows predicted 1 >= threshold (grid 0.01..0.99)",
                ev->threshold[0], ev->val_mcc[0], &ev->ev[0], 1, ev);
    fputs(",\n", f);
    json_binary(f, "code", "[code]: detected when the share of its windows classified correctly >= "
                "threshold (grid 0.70..0.99); a detected event is predicted as its own kind, a missed "
                "one as the other kind; positive = earthquake event",
                ev->threshold[1], ev->val_mcc[1], &ev->ev[1], 0, ev);
    fputs("\n  },\n", f);
}

static void json_recovery(FILE *f, const sqk_evaluation *ev)
{
    fputs("  \"recovery\": ", f);
    if (!ev->has_recovery) { fputs("null,\n", f); return; }
    const sqk_recovery *r = &ev->rec;
    fprintf(f, "{\n    \"planted_not_in_dataset\": %zu,\n    \"planted\": %zu,\n    \"tested\": %zu,\n",
            ev->opts.truth_not_in_dataset, r->n_planted, r->n_tested);
    json_kv(f, "    ", "any_window", r->any, 1);
    json_kv(f, "    ", "any_window_lo", r->any_ci.lo, 1);
    json_kv(f, "    ", "any_window_hi", r->any_ci.hi, 1);
    json_kv(f, "    ", "threshold", ev->threshold[SQK_EVDEF_SEISMIC], 1);
    json_kv(f, "    ", "by_threshold", r->by_threshold, 1);
    json_kv(f, "    ", "by_threshold_lo", r->threshold_ci.lo, 1);
    json_kv(f, "    ", "by_threshold_hi", r->threshold_ci.hi, 1);
    fprintf(f, "    \"control_events\": %zu,\n", r->n_controls);
    json_kv(f, "    ", "control_any_window", r->control_any, 1);
    json_kv(f, "    ", "control_by_threshold", r->control_by_threshold, 1);
    fprintf(f, "    \"window_truth\": %s,\n    \"planted_untouched\": %zu,\n    \"seismic_perturbed_windows\": %zu,\n"
               "    \"seismic_unperturbed_windows\": %zu,\n", r->has_weights ? "true" : "false", r->n_untouched,
            r->n_perturbed, r->n_unperturbed);
    json_kv(f, "    ", "within_seismic_auc", r->within_seismic_auc, 0);
    fputs("  },\n", f);
}

static int write_json(FILE *f, const sqk_evaluation *ev, const char *ctx)
{
    const sqk_eval_opts *o = &ev->opts;
    fprintf(f, "{\n  \"format\": \"seqnetquake-evaluation\",\n  \"format_version\": 1,\n"
               "  \"program_version\": \"%s\",\n  \"name\": ", sqk_version());
    json_str(f, o->name);
    fputs(",\n  \"label\": ", f);
    json_str(f, o->name);
    fputs(",\n  \"inputs\": {\"pred\": ", f);
    json_str(f, o->pred_path);
    fputs(", \"val_pred\": ", f);
    json_str(f, o->val_path);
    fputs(", \"data\": ", f);
    json_str(f, o->data_path);
    fputs(", \"truth\": ", f);
    json_str(f, o->truth_path);
    fprintf(f, "},\n  \"n_windows\": %zu,\n", ev->m.n);
    json_window(f, ev);
    json_uncertainty(f, ev);
    json_events(f, ev);
    json_recovery(f, ev);
    fputs("  \"notes\": [", f);
    for (int i = 0; i < ev->n_notes; i++) {
        fputs(i ? ",\n    " : "\n    ", f);
        json_str(f, ev->notes[i]);
    }
    fputs(ev->n_notes ? "\n  ]\n}\n" : "]\n}\n", f);
    return SQK_OK;
}

/* ---- CSV tables */

static void csv_num(FILE *f, double v)
{
    if (isnan(v)) fputs("NaN", f); else put_double(f, v);
}

static int write_per_class(FILE *f, const sqk_evaluation *ev, const char *ctx)
{
    const sqk_metrics *m = &ev->m;
    put_header(f, per_class_cols, N_PER_CLASS);
    for (int k = 0; k < SQK_NCLASS; k++) {
        fprintf(f, "%d,", k);
        csv_num(f, m->precision[k]); fputc(',', f);
        csv_num(f, m->recall[k]); fputc(',', f);
        csv_num(f, m->f1[k]);
        fprintf(f, ",%lld,", (long long)m->support[k]);
        csv_num(f, m->auc[k]); fputc('\n', f);
    }
    return SQK_OK;
}

static int write_confusion(FILE *f, const sqk_evaluation *ev, const char *ctx)
{
    put_header(f, confusion_cols, N_CONFUSION);
    for (int i = 0; i < SQK_NCLASS; i++)
        fprintf(f, "%d,%lld,%lld,%lld\n", i, (long long)ev->m.confusion[i][0],
                (long long)ev->m.confusion[i][1], (long long)ev->m.confusion[i][2]);
    return SQK_OK;
}

static int write_roc(FILE *f, const sqk_evaluation *ev, const char *ctx)
{
    put_header(f, roc_cols, N_ROC);
    for (int k = 0; k < SQK_NCLASS; k++)
        for (size_t i = 0; i < ev->roc[k].n; i++) {
            fprintf(f, "%d,", k);
            csv_num(f, ev->roc[k].threshold[i]); fputc(',', f);
            csv_num(f, ev->roc[k].fpr[i]); fputc(',', f);
            csv_num(f, ev->roc[k].tpr[i]); fputc('\n', f);
        }
    return SQK_OK;
}

static void boot_row(FILE *f, const char *name, const sqk_ci *c)
{
    fprintf(f, "%s,", name);
    csv_num(f, c->value); fputc(',', f);
    csv_num(f, c->lo); fputc(',', f);
    csv_num(f, c->hi); fputc('\n', f);
}

static int write_bootstrap(FILE *f, const sqk_evaluation *ev, const char *ctx)
{
    put_header(f, bootstrap_cols, N_BOOTSTRAP);
    for (int k = 0; k < SQK_BM_COUNT; k++) boot_row(f, sqk_bm_name(k), &ev->boot[k]);
    if (ev->events.n > 0)
        for (int k = 0; k < SQK_EBM_COUNT; k++) boot_row(f, sqk_ebm_name(k), &ev->ev_boot[k]);
    if (ev->has_recovery) {
        boot_row(f, "recovery_any_window", &ev->rec.any_ci);
        boot_row(f, "recovery_by_threshold", &ev->rec.threshold_ci);
    }
    return SQK_OK;
}

static int write_events(FILE *f, const sqk_evaluation *ev, const char *ctx)
{
    const char *names[N_EVENT_COLS];
    event_col_names(names);
    put_header(f, names, N_EVENT_COLS);
    for (size_t k = 0; k < ev->events.n; k++) {
        const sqk_event_row *r = &ev->events.rows[k];
        for (int c = 0; c < N_EVENT_COLS; c++) {
            const event_column *col = &event_cols[c];
            const char *member = (const char *)r + col->off;
            if (c) fputc(',', f);
            switch (col->type) {
            case EV_I64: fprintf(f, "%lld", (long long)*(const int64_t *)member); break;
            case EV_F64: csv_num(f, *(const double *)member); break;
            case EV_ID:
                sqk_csv_put_text(f, ev->event_id ? ev->event_id[k]
                                    : ev->ds && (uint64_t)r->event < ev->ds->n_events ? ev->ds->event_id[r->event] : "");
                break;
            case EV_KIND: fputs(kind_names[r->kind >= -1 && r->kind <= 1 ? r->kind + 1 : 0], f); break;
            case EV_PREDICTED_SEISMIC:
                fprintf(f, "%d", !isnan(r->score) && r->score >= ev->threshold[SQK_EVDEF_SEISMIC]);
                break;
            default: fprintf(f, "%d", r->frac_correct >= ev->threshold[SQK_EVDEF_CODE]); break;
            }
        }
        fputc('\n', f);
    }
    return SQK_OK;
}

static int write_copy(FILE *f, const sqk_evaluation *ev, const char *copy_source)
{
    (void)ev;
    FILE *in = fopen(copy_source, "rb");
    if (!in) return sqk_fail(SQK_EIO, "%s: cannot open: %s", copy_source, strerror(errno));
    char buf[65536];
    size_t got;
    while ((got = fread(buf, 1, sizeof buf, in)) > 0)
        if (fwrite(buf, 1, got, f) != got) break;
    int bad = ferror(in);
    fclose(in);
    return bad ? sqk_fail(SQK_EIO, "%s: read error", copy_source) : SQK_OK;
}

int sqk_evaluation_write(const sqk_evaluation *ev, const char *pred_path, const char *dir)
{
    int st = sqk_mkdir_p(dir);
    if (st) return st;
    /* predictions.csv first and metrics.json last: a folder with metrics.json is complete. */
    static const struct { const char *name; writer_fn w; } files[] = {
        {"predictions.csv", write_copy}, {"per_class.csv", write_per_class},
        {"confusion.csv", write_confusion}, {"roc.csv", write_roc},
        {"bootstrap.csv", write_bootstrap}, {"events.csv", write_events},
        {"metrics.json", write_json},
    };
    for (size_t i = 0; i < sizeof files / sizeof files[0] && !st; i++)
        st = write_atomic(dir, files[i].name, files[i].w, ev, pred_path);
    return st;
}

/* ------------------------------------------------------------------ reading it back */

static int check_dir(const char *dir)
{
    struct stat st;
    if (!dir || !*dir) return sqk_fail(SQK_EARG, "no evaluation folder given");
    if (stat(dir, &st) != 0) return sqk_fail(SQK_EIO, "evaluation folder %s: %s", dir, strerror(errno));
    if (!S_ISDIR(st.st_mode)) return sqk_fail(SQK_EARG, "%s is not a folder", dir);
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

/* A table of one row per class (per_class.csv, confusion.csv): the class from column 0, the
 * rest of the row by row_fn into m, and a row for every class (what: the class's name). */
typedef int (*class_row_fn)(const sqk_csv *c, const int *col, int64_t k, sqk_metrics *m);

static int read_class_table(const char *dir, const char *name, const char *const *cols, int n, const char *what,
                            class_row_fn row_fn, sqk_metrics *m)
{
    sqk_csv c;
    char path[1200];
    int col[8];
    int rc = table_open(&c, path, sizeof path, dir, name, cols, n, col);
    if (rc) return rc;
    int seen[SQK_NCLASS] = {0};
    while ((rc = sqk_csv_next(&c)) == 1) {
        int64_t k;
        if ((rc = sqk_csv_i64(&c, col[0], 0, SQK_NCLASS - 1, &k)) || (rc = row_fn(&c, col, k, m))) break;
        seen[k] = 1;
    }
    sqk_csv_close(&c);
    if (rc < 0) return rc;
    for (int k = 0; k < SQK_NCLASS; k++)
        if (!seen[k]) return sqk_fail(SQK_EFORMAT, "%s: no row for %s %d", path, what, k);
    return SQK_OK;
}

static int per_class_row(const sqk_csv *c, const int *col, int64_t k, sqk_metrics *m)
{
    int rc;
    if ((rc = sqk_csv_f64_or_nan(c, col[1], &m->precision[k])) || (rc = sqk_csv_f64_or_nan(c, col[2], &m->recall[k])) ||
        (rc = sqk_csv_f64_or_nan(c, col[3], &m->f1[k])) ||
        (rc = sqk_csv_i64(c, col[4], 0, INT64_C(1) << 40, &m->support[k])))
        return rc;
    return sqk_csv_f64_or_nan(c, col[5], &m->auc[k]);
}

static int confusion_row(const sqk_csv *c, const int *col, int64_t k, sqk_metrics *m)
{
    int rc = SQK_OK;
    for (int j = 0; j < SQK_NCLASS && !rc; j++) rc = sqk_csv_i64(c, col[1 + j], 0, INT64_C(1) << 40, &m->confusion[k][j]);
    return rc;
}

/* confusion.csv, then every metric that follows from the matrix, then per_class.csv's
 * precision, recall, F1, support and AUC (as written) over them. */
static int read_window_metrics(const char *dir, sqk_evaluation *ev)
{
    sqk_metrics cm;
    memset(&cm, 0, sizeof cm);
    int rc = read_class_table(dir, "confusion.csv", confusion_cols, N_CONFUSION, "true class", confusion_row, &cm);
    if (rc) return rc;
    sqk_metrics_from_confusion(cm.confusion, &ev->m);
    if ((rc = read_class_table(dir, "per_class.csv", per_class_cols, N_PER_CLASS, "class", per_class_row, &ev->m)))
        return rc;
    double sum = 0;
    int defined = 0;
    for (int k = 0; k < SQK_NCLASS; k++)
        if (!isnan(ev->m.auc[k])) sum += ev->m.auc[k], defined++;
    ev->m.auc_macro = defined ? sum / defined : NAN;
    return SQK_OK;
}

/* ROC points as (fpr, tpr, threshold), sorted by fpr then tpr. */
static int cmp_point(const void *a, const void *b)
{
    const double *p = a, *q = b;
    if (p[0] != q[0]) return p[0] < q[0] ? -1 : 1;
    return (p[1] > q[1]) - (p[1] < q[1]);
}

static int read_roc(const char *dir, sqk_evaluation *ev)
{
    const char *const *cols = roc_cols;
    sqk_csv c;
    char path[1200];
    int col[4];
    int rc = table_open(&c, path, sizeof path, dir, "roc.csv", cols, N_ROC, col);
    if (rc) return rc;
    double *pts[SQK_NCLASS] = {0}; /* (fpr, tpr, threshold) triples */
    size_t cap[SQK_NCLASS] = {0}, n[SQK_NCLASS] = {0};
    while ((rc = sqk_csv_next(&c)) == 1) {
        int64_t k;
        double thr, fpr, tpr;
        if ((rc = sqk_csv_i64(&c, col[0], 0, SQK_NCLASS - 1, &k)) ||
            (rc = sqk_csv_f64_or_nan(&c, col[1], &thr)) || (rc = sqk_csv_f64_or_nan(&c, col[2], &fpr)) ||
            (rc = sqk_csv_f64_or_nan(&c, col[3], &tpr)))
            break;
        /* NaN: the class has no positive (or no negative) window, so it has no curve. */
        if (isnan(fpr) || isnan(tpr)) continue;
        if (!(fpr >= 0 && fpr <= 1 && tpr >= 0 && tpr <= 1)) {
            rc = sqk_csv_fail(&c, SQK_EVALUE, "fpr and tpr must lie in [0, 1]");
            break;
        }
        if ((rc = sqk_grow((void **)&pts[k], &cap[k], 3 * (n[k] + 1), sizeof(double)))) break;
        double *q = pts[k] + 3 * n[k]++;
        q[0] = fpr, q[1] = tpr, q[2] = thr;
    }
    sqk_csv_close(&c);
    for (int k = 0; k < SQK_NCLASS && rc >= 0; k++) {
        if (n[k] == 0) continue;
        qsort(pts[k], n[k], 3 * sizeof(double), cmp_point);
        sqk_roc *r = &ev->roc[k];
        r->fpr = sqk_malloc(n[k] * sizeof(double));
        r->tpr = sqk_malloc(n[k] * sizeof(double));
        r->threshold = sqk_malloc(n[k] * sizeof(double));
        if (!r->fpr || !r->tpr || !r->threshold) { rc = SQK_EMEM; break; }
        for (size_t i = 0; i < n[k]; i++) {
            r->fpr[i] = pts[k][3 * i];
            r->tpr[i] = pts[k][3 * i + 1];
            r->threshold[i] = pts[k][3 * i + 2];
        }
        r->n = n[k];
    }
    for (int k = 0; k < SQK_NCLASS; k++) free(pts[k]);
    return rc < 0 ? rc : SQK_OK;
}

static int read_bootstrap(const char *dir, sqk_evaluation *ev)
{
    const char *const *cols = bootstrap_cols;
    sqk_csv c;
    char path[1200];
    int col[4];
    int rc = table_open(&c, path, sizeof path, dir, "bootstrap.csv", cols, N_BOOTSTRAP, col);
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

/* events.csv into ev->events and ev->event_id, by the columns the writer writes. */
static int read_events(const char *dir, sqk_evaluation *ev)
{
    const char *names[N_EVENT_COLS];
    event_col_names(names);
    sqk_csv c;
    char path[1200];
    int col[N_EVENT_COLS];
    int rc = table_open(&c, path, sizeof path, dir, "events.csv", names, N_EVENT_COLS, col);
    if (rc) return rc;
    size_t cap = 0, idcap = 0;
    while ((rc = sqk_csv_next(&c)) == 1) {
        if ((rc = sqk_grow((void **)&ev->events.rows, &cap, ev->events.n + 1, sizeof *ev->events.rows)) ||
            (rc = sqk_grow((void **)&ev->event_id, &idcap, ev->events.n + 1, sizeof *ev->event_id)))
            break;
        sqk_event_row *r = &ev->events.rows[ev->events.n];
        memset(r, 0, sizeof *r);
        ev->event_id[ev->events.n] = NULL;
        ev->events.n++;
        for (int k = 0; k < N_EVENT_COLS && !rc; k++) {
            const event_column *ec = &event_cols[k];
            char *member = (char *)r + ec->off;
            const char *text = sqk_csv_get(&c, col[k]);
            if (ec->type == EV_I64)
                rc = sqk_csv_i64(&c, col[k], 0, INT64_C(1) << 40, (int64_t *)member);
            else if (ec->type == EV_F64)
                rc = sqk_csv_f64_or_nan(&c, col[k], (double *)member);
            else if (ec->type == EV_ID)
                rc = (ev->event_id[ev->events.n - 1] = sqk_strdup(text)) ? SQK_OK : SQK_EMEM;
            else if (ec->type == EV_KIND) {
                r->kind = -2;
                for (int j = 0; j < 3; j++)
                    if (!strcmp(text, kind_names[j])) r->kind = j - 1;
                if (r->kind == -2)
                    rc = sqk_csv_fail(&c, SQK_EFORMAT, "kind '%s': expected earthquake, control or unknown", text);
            }
        }
        if (rc) break;
    }
    sqk_csv_close(&c);
    return rc < 0 ? rc : SQK_OK;
}

int sqk_evaluation_read(const char *dir, sqk_evaluation *ev)
{
    memset(ev, 0, sizeof *ev);
    /* What only metrics.json holds is not read back. */
    ev->perm_p = ev->perm_p_strat = ev->ev_roc_auc = ev->ev_pr_auc = NAN;
    for (int k = 0; k < 2; k++) ev->threshold[k] = ev->val_mcc[k] = NAN;
    int rc = check_dir(dir);
    if (rc) return rc;
    if (strlen(dir) >= sizeof ev->dir) return sqk_fail(SQK_EARG, "%s: path too long", dir);
    snprintf(ev->dir, sizeof ev->dir, "%s", dir);
    rc = read_label(dir, ev->label, sizeof ev->label);
    if (!rc) rc = read_window_metrics(dir, ev);
    if (!rc) rc = read_roc(dir, ev);
    if (!rc) rc = read_bootstrap(dir, ev);
    if (!rc) rc = read_events(dir, ev);
    if (rc) sqk_evaluation_free(ev);
    return rc;
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

int sqk_evaluation_metric(const sqk_evaluation *ev, const char *name, sqk_eval_metric *out)
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
    /* Accuracy, weighted F1, multiclass MCC or seismic-vs-control MCC from the confusion matrix. */
    const double from_confusion[4] = {ev->m.accuracy, ev->m.f1_weighted, ev->m.mcc, ev->m.mcc_seismic_vs_control};
    if (names != single && which < 4 && ev->m.n > 0) {
        out->value = from_confusion[which];
        return SQK_OK;
    }
    if (names != single && which >= 4 && isfinite(ev->m.auc[which - 4])) {
        out->value = ev->m.auc[which - 4];
        return SQK_OK;
    }
    return sqk_fail(SQK_EEMPTY, "%s: no '%s' in bootstrap.csv and no way to compute it", ev->dir, name);
}

