/* Plans of `seqnetquake experiment` (docs/experiment.md): one entry per line,
 *
 *   seed N
 *   dataset NAME preset=NN [build option=value ...]
 *   search  NAME data=DATASET model=KIND [trials=N] [max-epochs=N] [patience=N]
 *                [algorithm=tpe|hyperopt|random]
 *                [startup=N] [pruner=none|median|asha|floor|collapse] [prune-startup=N] [prune-warmup=N]
 *                [min-resource=N] [reduction-factor=N] [floor-epochs=N]
 *   model   NAME data=DATASET kind=KIND [params=SEARCH] [init=MODEL] [freeze=LAYERS]
 *                [epochs=N] [bootstrap=B] [permutations=P] [figures=0|1]
 *   report  NAME eval=MODEL,MODEL... [table=1|2|auto] [title="..."]
 *
 * '#' starts a comment. Every reference must name an entry above it, so the plan's order is a
 * valid order to run it in. Everything is checked before anything runs. */
#include "sqk/experiment.h"
#include "sqk/dataset.h"
#include "sqk/model.h"
#include "sqk/tuning.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The paper's experiment (method.md sections 5-7; the paper's Table 1, Table 2, Figures 3-8). */
static const char paper_plan[] =
    "# The paper's experiment: DataSets 01-11, a 100-trial TPE search per model, initial\n"
    "# training on DEMETER (11) and transfer to CSES (07), Table 1, Table 2, Figures 3-8.\n"
    "seed 1\n"
    "dataset ds01 preset=01\n"
    "dataset ds02 preset=02\n"
    "dataset ds03 preset=03\n"
    "dataset ds04 preset=04\n"
    "dataset ds05 preset=05\n"
    "dataset ds06 preset=06\n"
    "dataset ds07 preset=07\n"
    "dataset ds08 preset=08\n"
    "dataset ds09 preset=09\n"
    "dataset ds10 preset=10\n"
    "dataset ds11 preset=11\n"
    "search seqnet-01 data=ds01 model=seqnet trials=100\n"
    "search seqnet-02 data=ds02 model=seqnet trials=100\n"
    "search seqnet-03 data=ds03 model=seqnet trials=100\n"
    "search seqnet-04 data=ds04 model=seqnet trials=100\n"
    "search seqnet-05 data=ds05 model=seqnet trials=100\n"
    "search seqnet-06 data=ds06 model=seqnet trials=100\n"
    "search seqnet-07 data=ds07 model=seqnet trials=100\n"
    "search seqnet-08 data=ds08 model=seqnet trials=100\n"
    "search seqnet-09 data=ds09 model=seqnet trials=100\n"
    "search seqnet-10 data=ds10 model=seqnet trials=100\n"
    "search seqnet-11 data=ds11 model=seqnet trials=100\n"
    "search gbm-07 data=ds07 model=gbm trials=100\n"
    "search rf-07 data=ds07 model=rf trials=100\n"
    "search dnn-07 data=ds07 model=dnn trials=100\n"
    "search cnn-07 data=ds07 model=cnn trials=100\n"
    "search lstm-07 data=ds07 model=lstm trials=100\n"
    "model seqnet-01 data=ds01 kind=seqnet params=seqnet-01\n"
    "model seqnet-02 data=ds02 kind=seqnet params=seqnet-02\n"
    "model seqnet-03 data=ds03 kind=seqnet params=seqnet-03\n"
    "model seqnet-04 data=ds04 kind=seqnet params=seqnet-04\n"
    "model seqnet-05 data=ds05 kind=seqnet params=seqnet-05\n"
    "model seqnet-06 data=ds06 kind=seqnet params=seqnet-06\n"
    "model seqnet-07 data=ds07 kind=seqnet params=seqnet-07\n"
    "model seqnet-08 data=ds08 kind=seqnet params=seqnet-08\n"
    "model seqnet-09 data=ds09 kind=seqnet params=seqnet-09\n"
    "model seqnet-10 data=ds10 kind=seqnet params=seqnet-10\n"
    "# initial training on DEMETER (TS0), then all weights retrained on CSES 07 (TS1)\n"
    "model seqnet-11 data=ds11 kind=seqnet params=seqnet-11\n"
    "model seqnet-11to07 data=ds07 kind=seqnet params=seqnet-11 init=seqnet-11\n"
    "model gbm-07 data=ds07 kind=gbm params=gbm-07\n"
    "model rf-07 data=ds07 kind=rf params=rf-07\n"
    "model dnn-07 data=ds07 kind=dnn params=dnn-07\n"
    "model cnn-07 data=ds07 kind=cnn params=cnn-07\n"
    "model lstm-07 data=ds07 kind=lstm params=lstm-07\n"
    "# the where-and-when baseline: what latitude, longitude and time alone give away\n"
    "model geo-07 data=ds07 kind=geo\n"
    "report table1 table=1 title=\"Table 1: SeqNetQuake on DataSets 01-10, initial training (TS0) and transfer (TS1)\" "
    "eval=seqnet-01,seqnet-02,seqnet-03,seqnet-04,seqnet-05,seqnet-06,seqnet-07,seqnet-08,seqnet-09,seqnet-10,seqnet-11,seqnet-11to07\n"
    "report table2 table=2 title=\"Table 2: every classifier on TS1 (DataSet 07)\" "
    "eval=seqnet-07,gbm-07,rf-07,dnn-07,cnn-07,lstm-07,geo-07\n"
    "report fig3 table=1 title=\"Figure 3: night (01) and day (02)\" eval=seqnet-01,seqnet-02\n"
    "report fig4 table=1 title=\"Figure 4: window lengths T = 10, 20, 30, 40, 50 (01, 03-06)\" "
    "eval=seqnet-01,seqnet-03,seqnet-04,seqnet-05,seqnet-06\n"
    "report fig5 table=1 title=\"Figure 5: radii 3, 5, 7, 12 deg and Dobrovolsky (03, 08-10, 07)\" "
    "eval=seqnet-03,seqnet-08,seqnet-09,seqnet-10,seqnet-07\n"
    "report fig6 table=1 title=\"Figure 6: initial (11), transfer (11 to 07) and direct (07) training\" "
    "eval=seqnet-11,seqnet-11to07,seqnet-07,geo-07\n"
    "report fig7 table=2 title=\"Figure 7: ternary plots and confusion matrices of transfer and direct training\" "
    "eval=seqnet-11to07,seqnet-07\n"
    "report fig8 table=2 title=\"Figure 8: all models on DataSet 07\" "
    "eval=seqnet-07,gbm-07,rf-07,dnn-07,cnn-07,lstm-07,geo-07\n";

const char *sqk_plan_paper_text(void) { return paper_plan; }

/* The keys each entry accepts; a trailing '*' marks a required one. */
static const char *const dataset_keys[] = {"preset*", "satellite", "time", "T", "radius", "min-mag",
    "days-before", "features", "control-lat", "split", "test-fraction", "val-fraction", "design",
    "cadence", "controls", "swap-partners", "survey-cadence", NULL};
static const char *const search_keys[] = {"data*", "model*", "trials", "max-epochs", "patience", "algorithm",
    "startup", "pruner", "prune-startup", "prune-warmup", "min-resource", "reduction-factor", "floor-epochs", NULL};
static const char *const model_keys[] = {"data*", "kind*", "params", "init", "freeze", "epochs",
    "bootstrap", "permutations", "figures", NULL};
static const char *const report_keys[] = {"eval*", "table", "title", NULL};

static const char *const *keys_of(sqk_unit_type t)
{
    return t == SQK_UNIT_DATASET ? dataset_keys : t == SQK_UNIT_SEARCH ? search_keys
         : t == SQK_UNIT_MODEL ? model_keys : report_keys;
}

static const char *type_name(sqk_unit_type t)
{
    static const char *names[] = {"dataset", "search", "model", "report"};
    return names[t];
}

const char *sqk_plan_get(const sqk_plan_unit *u, const char *key)
{
    for (int i = 0; i < u->n_kv; i++)
        if (!strcmp(u->key[i], key)) return u->value[i];
    return NULL;
}

void sqk_plan_free(sqk_plan *p)
{
    free(p->text);
    free(p->units);
    memset(p, 0, sizeof *p);
}

#define PLAN_FAIL(p, line, ...) plan_fail(p, line, __VA_ARGS__)
static int plan_fail(const sqk_plan *p, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int plan_fail(const sqk_plan *p, int line, const char *fmt, ...)
{
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return sqk_fail(SQK_EFORMAT, "%s:%d: %s", p->source, line, msg);
}

static int find_unit(const sqk_plan *p, sqk_unit_type type, const char *name, int before)
{
    for (int i = 0; i < before; i++)
        if (p->units[i].type == type && !strcmp(p->units[i].name, name)) return i;
    return -1;
}

/* Splits a line into words; a word may hold a double-quoted part (title="a b"). Returns the
 * number of words or -1 on an unterminated quote. */
static int split_words(char *s, char **w, int max)
{
    int n = 0;
    while (*s) {
        while (isspace((unsigned char)*s)) s++;
        if (!*s) break;
        if (n == max) return max + 1;
        char *out = s;
        w[n++] = s;
        int quoted = 0;
        while (*s && (quoted || !isspace((unsigned char)*s))) {
            if (*s == '"') { quoted = !quoted; s++; continue; }
            *out++ = *s++;
        }
        if (quoted) return -1;
        if (*s) s++;
        *out = 0;
    }
    return n;
}

/* Window length T and feature count F of a dataset entry, as build would make it. */
static int dataset_shape(const sqk_plan *p, sqk_plan_unit *u)
{
    sqk_build_config c;
    sqk_build_config_default(&c);
    const char *v;
    if (sqk_build_config_preset(&c, sqk_plan_get(u, "preset")))
        return PLAN_FAIL(p, u->line, "dataset %s: preset=%s is not one of 01..11", u->name, sqk_plan_get(u, "preset"));
    if ((v = sqk_plan_get(u, "design")) && sqk_build_config_design(&c, v))
        return PLAN_FAIL(p, u->line, "dataset %s: design=%s is not paper or rigorous", u->name, v);
    static const struct { const char *key, *a, *b; } choices[] = {
        {"cadence", "paper", "harmonised"}, {"controls", "paper", "matched"}, {"swap-partners", "random", "magnitude"}};
    for (size_t i = 0; i < sizeof choices / sizeof choices[0]; i++)
        if ((v = sqk_plan_get(u, choices[i].key)) && strcmp(v, choices[i].a) && strcmp(v, choices[i].b))
            return PLAN_FAIL(p, u->line, "dataset %s: %s=%s is not %s or %s", u->name, choices[i].key, v, choices[i].a,
                             choices[i].b);
    if ((v = sqk_plan_get(u, "T"))) {
        char *end;
        long T = strtol(v, &end, 10);
        if (*end || T < 2 || T > 100000) return PLAN_FAIL(p, u->line, "dataset %s: T=%s is not a window length >= 2", u->name, v);
        c.T = (int)T;
    }
    if ((v = sqk_plan_get(u, "features")) && sqk_build_config_set_features(&c, v))
        return PLAN_FAIL(p, u->line, "dataset %s: features=%s: %s", u->name, v, sqk_last_error());
    u->T = c.T;
    u->F = c.nfeat;
    return SQK_OK;
}

static int check_model_kind(const sqk_plan *p, const sqk_plan_unit *u, const char *key)
{
    /* searches need a space (the paper's six); models may also be the baselines of
     * docs/confounders.md and docs/sensitivity.md: geo (where-and-when), rough, oracle, multiscale */
    static const char *kinds[] = {"seqnet", "cnn", "lstm", "dnn", "gbm", "rf", "geo", "rough", "oracle", "multiscale"};
    size_t n_kinds = u->type == SQK_UNIT_SEARCH ? 6 : sizeof kinds / sizeof kinds[0];
    const char *v = sqk_plan_get(u, key);
    for (size_t i = 0; i < n_kinds; i++)
        if (!strcmp(v, kinds[i])) return SQK_OK;
    return PLAN_FAIL(p, u->line, "%s %s: %s=%s is not a model kind (seqnet, cnn, lstm, dnn, gbm, rf%s)",
                     type_name(u->type), u->name, key, v, n_kinds > 6 ? ", geo, rough, oracle, multiscale" : "");
}

static int check_int(const sqk_plan *p, const sqk_plan_unit *u, const char *key, long lo)
{
    const char *v = sqk_plan_get(u, key);
    if (!v) return SQK_OK;
    char *end;
    errno = 0;
    long x = strtol(v, &end, 10);
    if (*end || end == v || errno || x < lo || x > 1000000000)
        return PLAN_FAIL(p, u->line, "%s %s: %s=%s is not an integer >= %ld", type_name(u->type), u->name, key, v, lo);
    return SQK_OK;
}

/* A search's pruner (docs/experiment.md, "Pruning"): its name, and each setting only with the
 * pruner it belongs to, within tune's bounds; a pruned search journals every epoch's F1, so
 * its trials are capped at FARM_MAX_CURVE (run.c) epochs. */
static int check_pruner(const sqk_plan *p, const sqk_plan_unit *u)
{
    static const struct { const char *key, *pruner; long lo; } settings[] = {
        {"prune-startup", "median|floor|collapse", 0}, {"prune-warmup", "median", 0},
        {"min-resource", "asha", 1}, {"reduction-factor", "asha", 2}, {"floor-epochs", "floor|collapse", 1}};
    const char *v = sqk_plan_get(u, "pruner"), *name = v ? v : "none";
    sqk_pruner_kind kind_of;
    if (v && sqk_pruner_parse(&kind_of, v))
        return PLAN_FAIL(p, u->line, "search %s: pruner=%s is not none, median, asha, floor or collapse", u->name, v);
    for (size_t i = 0; i < sizeof settings / sizeof settings[0]; i++) {
        if (!sqk_plan_get(u, settings[i].key)) continue;
        char bar_name[40], bar_list[40];
        snprintf(bar_name, sizeof bar_name, "|%s|", name);
        snprintf(bar_list, sizeof bar_list, "|%s|", settings[i].pruner);
        if (!strstr(bar_list, bar_name))
            return PLAN_FAIL(p, u->line, "search %s: %s= is a setting of pruner=%s, and this search's pruner is %s",
                             u->name, settings[i].key, settings[i].pruner, name);
        int rc = check_int(p, u, settings[i].key, settings[i].lo);
        if (rc) return rc;
    }
    if (!strcmp(name, "none")) return SQK_OK;
    const char *kind = sqk_plan_get(u, "model");
    if (!sqk_model_kind_trains_epochs(sqk_model_kind_find(kind)))
        return PLAN_FAIL(p, u->line, "search %s: pruner=%s: a %s trains no epochs, so there is nothing to prune",
                         u->name, name, kind);
    if ((v = sqk_plan_get(u, "reduction-factor")) && atol(v) > 1000)
        return PLAN_FAIL(p, u->line, "search %s: reduction-factor=%s is over 1000", u->name, v);
    if ((v = sqk_plan_get(u, "max-epochs")) && atol(v) > SQK_PLAN_MAX_PRUNED_EPOCHS)
        return PLAN_FAIL(p, u->line, "search %s: max-epochs=%s: a search that prunes records every epoch's F1, "
                         "at most %d epochs", u->name, v, SQK_PLAN_MAX_PRUNED_EPOCHS);
    return SQK_OK;
}

/* References and the transfer rule of one entry (all entries above it are parsed). */
static int resolve(sqk_plan *p, int i)
{
    sqk_plan_unit *u = &p->units[i];
    int rc;
    u->data = u->params = u->init = -1;
    switch (u->type) {
    case SQK_UNIT_DATASET:
        return dataset_shape(p, u);
    case SQK_UNIT_SEARCH:
        if ((u->data = find_unit(p, SQK_UNIT_DATASET, sqk_plan_get(u, "data"), i)) < 0)
            return PLAN_FAIL(p, u->line, "search %s: data=%s names no dataset above", u->name, sqk_plan_get(u, "data"));
        if ((rc = check_model_kind(p, u, "model")) || (rc = check_int(p, u, "trials", 1)) ||
            (rc = check_int(p, u, "max-epochs", 1)) || (rc = check_int(p, u, "patience", 1)) ||
            (rc = check_int(p, u, "startup", 1)))
            return rc;
        if (sqk_plan_get(u, "patience") && !sqk_model_kind_trains_epochs(sqk_model_kind_find(sqk_plan_get(u, "model"))))
            return PLAN_FAIL(p, u->line, "search %s: patience=: a %s trains no epochs, so it has no early stopping",
                             u->name, sqk_plan_get(u, "model"));
        if (sqk_plan_get(u, "algorithm") && strcmp(sqk_plan_get(u, "algorithm"), "tpe") &&
            strcmp(sqk_plan_get(u, "algorithm"), "hyperopt") && strcmp(sqk_plan_get(u, "algorithm"), "random"))
            return PLAN_FAIL(p, u->line, "search %s: algorithm=%s is not tpe, hyperopt or random", u->name,
                             sqk_plan_get(u, "algorithm"));
        return check_pruner(p, u);
    case SQK_UNIT_MODEL: {
        const char *v;
        if ((u->data = find_unit(p, SQK_UNIT_DATASET, sqk_plan_get(u, "data"), i)) < 0)
            return PLAN_FAIL(p, u->line, "model %s: data=%s names no dataset above", u->name, sqk_plan_get(u, "data"));
        if ((rc = check_model_kind(p, u, "kind")) || (rc = check_int(p, u, "epochs", 1)) ||
            (rc = check_int(p, u, "bootstrap", 0)) || (rc = check_int(p, u, "permutations", 0)))
            return rc;
        if ((v = sqk_plan_get(u, "figures")) && strcmp(v, "0") && strcmp(v, "1"))
            return PLAN_FAIL(p, u->line, "model %s: figures=%s is not 0 or 1", u->name, v);
        if ((v = sqk_plan_get(u, "params"))) {
            if ((u->params = find_unit(p, SQK_UNIT_SEARCH, v, i)) < 0)
                return PLAN_FAIL(p, u->line, "model %s: params=%s names no search above", u->name, v);
            const char *sk = sqk_plan_get(&p->units[u->params], "model");
            if (strcmp(sk, sqk_plan_get(u, "kind")))
                return PLAN_FAIL(p, u->line, "model %s: params=%s searched %s, not %s", u->name, v, sk, sqk_plan_get(u, "kind"));
        }
        if ((v = sqk_plan_get(u, "init"))) {
            if ((u->init = find_unit(p, SQK_UNIT_MODEL, v, i)) < 0)
                return PLAN_FAIL(p, u->line, "model %s: init=%s names no model above", u->name, v);
            const sqk_plan_unit *from = &p->units[u->init];
            if (strcmp(sqk_plan_get(from, "kind"), sqk_plan_get(u, "kind")))
                return PLAN_FAIL(p, u->line, "model %s: cannot transfer from %s: it is a %s, not a %s", u->name, v,
                                 sqk_plan_get(from, "kind"), sqk_plan_get(u, "kind"));
            const sqk_plan_unit *a = &p->units[from->data], *b = &p->units[u->data];
            if (a->T != b->T || a->F != b->F)
                return PLAN_FAIL(p, u->line, "model %s: cannot transfer from %s: its windows (%s) are T=%d x %d features, "
                                 "those of %s are T=%d x %d", u->name, v, a->name, a->T, a->F, b->name, b->T, b->F);
        }
        return SQK_OK;
    }
    case SQK_UNIT_REPORT: {
        const char *v = sqk_plan_get(u, "table");
        if (v && strcmp(v, "1") && strcmp(v, "2") && strcmp(v, "auto"))
            return PLAN_FAIL(p, u->line, "report %s: table=%s is not 1, 2 or auto", u->name, v);
        char list[sizeof u->value[0]];
        snprintf(list, sizeof list, "%s", sqk_plan_get(u, "eval"));
        for (char *save = NULL, *m = strtok_r(list, ",", &save); m; m = strtok_r(NULL, ",", &save))
            if (find_unit(p, SQK_UNIT_MODEL, m, i) < 0)
                return PLAN_FAIL(p, u->line, "report %s: eval=%s names no model above", u->name, m);
        return SQK_OK;
    }
    }
    return SQK_OK;
}

static int parse_entry(sqk_plan *p, char **w, int nw, int line)
{
    static const char *types[] = {"dataset", "search", "model", "report"};
    int t = -1;
    for (int k = 0; k < 4; k++)
        if (!strcmp(w[0], types[k])) t = k;
    if (t < 0) return PLAN_FAIL(p, line, "unknown entry '%s' (seed, dataset, search, model, report)", w[0]);
    if (nw < 2 || strchr(w[1], '=')) return PLAN_FAIL(p, line, "%s needs a name", w[0]);
    sqk_plan_unit *u = &p->units[p->n_units];
    memset(u, 0, sizeof *u);
    u->type = (sqk_unit_type)t;
    u->line = line;
    if (strlen(w[1]) >= sizeof u->name || strspn(w[1], "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") != strlen(w[1]) || w[1][0] == '.')
        return PLAN_FAIL(p, line, "%s name '%s': use letters, digits, '-', '_' and '.' (at most 63)", w[0], w[1]);
    snprintf(u->name, sizeof u->name, "%s", w[1]);
    if (find_unit(p, u->type, u->name, p->n_units) >= 0)
        return PLAN_FAIL(p, line, "%s %s is defined twice", w[0], u->name);
    const char *const *keys = keys_of(u->type);
    for (int k = 2; k < nw; k++) {
        char *eq = strchr(w[k], '=');
        if (!eq || eq == w[k]) return PLAN_FAIL(p, line, "%s %s: '%s' is not key=value", w[0], u->name, w[k]);
        *eq = 0;
        int known = 0;
        for (int j = 0; keys[j]; j++)
            known |= !strncmp(keys[j], w[k], strlen(w[k])) && (keys[j][strlen(w[k])] == 0 || keys[j][strlen(w[k])] == '*');
        if (!known) {
            char list[256] = "";
            for (int j = 0; keys[j]; j++)
                snprintf(list + strlen(list), sizeof list - strlen(list), "%s%.*s", j ? ", " : "",
                         (int)strcspn(keys[j], "*"), keys[j]);
            return PLAN_FAIL(p, line, "%s %s: unknown key '%s' (%s)", w[0], u->name, w[k], list);
        }
        if (sqk_plan_get(u, w[k])) return PLAN_FAIL(p, line, "%s %s: %s given twice", w[0], u->name, w[k]);
        if (u->n_kv == SQK_PLAN_MAX_KV || strlen(eq + 1) >= sizeof u->value[0])
            return PLAN_FAIL(p, line, "%s %s: too many or too long options", w[0], u->name);
        if (!eq[1]) return PLAN_FAIL(p, line, "%s %s: %s has no value", w[0], u->name, w[k]);
        snprintf(u->key[u->n_kv], sizeof u->key[0], "%s", w[k]);
        snprintf(u->value[u->n_kv], sizeof u->value[0], "%s", eq + 1);
        u->n_kv++;
    }
    for (int j = 0; keys[j]; j++) {
        size_t len = strcspn(keys[j], "*");
        if (keys[j][len] != '*') continue;
        char key[32];
        snprintf(key, sizeof key, "%.*s", (int)len, keys[j]);
        if (!sqk_plan_get(u, key)) return PLAN_FAIL(p, line, "%s %s: missing %s=", w[0], u->name, key);
    }
    p->n_units++;
    return resolve(p, p->n_units - 1);
}

static int set_trials(sqk_plan *p, int trials)
{
    for (int i = 0; i < p->n_units; i++) {
        sqk_plan_unit *u = &p->units[i];
        if (u->type != SQK_UNIT_SEARCH) continue;
        int k = -1;
        for (int j = 0; j < u->n_kv; j++)
            if (!strcmp(u->key[j], "trials")) k = j;
        if (k < 0) {
            if (u->n_kv == SQK_PLAN_MAX_KV) return plan_fail(p, u->line, "too many options");
            k = u->n_kv++;
            snprintf(u->key[k], sizeof u->key[k], "trials");
        }
        snprintf(u->value[k], sizeof u->value[k], "%d", trials);
    }
    /* the text too (--print-plan, OUT/plan.txt): each search line's trials= set or added */
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f) return SQK_EMEM;
    int line = 0;
    for (const char *c = p->text; *c;) {
        size_t n = strcspn(c, "\n"), body = strcspn(c, "#\n");
        int search = 0;
        line++;
        for (int i = 0; i < p->n_units; i++) search |= p->units[i].line == line && p->units[i].type == SQK_UNIT_SEARCH;
        const char *t = NULL;
        for (size_t k = 1; search && !t && k + 7 <= body; k++)
            if ((c[k - 1] == ' ' || c[k - 1] == '\t') && !strncmp(c + k, "trials=", 7)) t = c + k;
        if (!search) fprintf(f, "%.*s", (int)n, c);
        else if (t) {
            size_t skip = strcspn(t, " \t#\n");
            fprintf(f, "%.*strials=%d%.*s", (int)(t - c), c, trials, (int)(n - (size_t)(t - c) - skip), t + skip);
        } else {
            while (body > 0 && (c[body - 1] == ' ' || c[body - 1] == '\t')) body--;
            fprintf(f, "%.*s trials=%d%.*s", (int)body, c, trials, (int)(n - body), c + body);
        }
        c += n;
        if (*c == '\n') fputc(*c++, f);
    }
    if (fclose(f) != 0 || !text) {
        free(text);
        return SQK_EMEM;
    }
    free(p->text);
    p->text = text;
    return SQK_OK;
}

static int parse_text(sqk_plan *p)
{
    size_t lines = 1;
    for (const char *c = p->text; *c; c++) lines += *c == '\n';
    if (!(p->units = sqk_calloc(lines, sizeof *p->units))) return SQK_EMEM;
    p->seed = 1;
    int line = 0, rc = SQK_OK;
    for (const char *s = p->text; *s && !rc;) {
        line++;
        size_t len = strcspn(s, "\n");
        char buf[4096], *w[SQK_PLAN_MAX_KV + 4];
        if (len >= sizeof buf) return plan_fail(p, line, "line too long");
        memcpy(buf, s, len);
        buf[len] = 0;
        s += len + (s[len] == '\n');
        char *hash = strchr(buf, '#');
        if (hash) *hash = 0;
        int nw = split_words(buf, w, SQK_PLAN_MAX_KV + 3);
        if (nw < 0) return plan_fail(p, line, "unterminated quote");
        if (nw > SQK_PLAN_MAX_KV + 2) return plan_fail(p, line, "too many options");
        if (nw == 0) continue;
        if (!strcmp(w[0], "seed")) {
            char *end;
            unsigned long long v = nw == 2 ? strtoull(w[1], &end, 10) : 0;
            if (nw != 2 || *end || w[1][0] == '-') return plan_fail(p, line, "seed needs one non-negative integer");
            p->seed = v;
            continue;
        }
        rc = parse_entry(p, w, nw, line);
    }
    if (!rc && p->n_units == 0) rc = sqk_fail(SQK_EFORMAT, "%s: the plan has no entries", p->source);
    return rc;
}

/* Appends "# experiment OPTION VALUE" to the plan's text: the plan as run. */
static int record_option(sqk_plan *p, const char *option, const char *value)
{
    size_t n = strlen(p->text);
    char *t = sqk_realloc(p->text, n + 96);
    if (!t) return SQK_EMEM;
    snprintf(t + n, 96, "%s# experiment --%s %s\n", n && t[n - 1] != '\n' ? "\n" : "", option, value);
    p->text = t;
    return SQK_OK;
}

int sqk_plan_load(sqk_plan *p, const char *name_or_path, int trials_override)
{
    memset(p, 0, sizeof *p);
    snprintf(p->source, sizeof p->source, "%s", name_or_path);
    if (!strcmp(name_or_path, "paper")) {
        p->text = sqk_strdup(paper_plan);
    } else {
        FILE *f = fopen(name_or_path, "rb");
        if (!f) return sqk_fail(SQK_EIO, "%s: cannot open the plan: %s", name_or_path, strerror(errno));
        size_t cap = 0, n = 0;
        char chunk[4096];
        size_t k;
        while ((k = fread(chunk, 1, sizeof chunk, f)) > 0) {
            if (n + k > (1u << 20)) {
                fclose(f);
                sqk_plan_free(p);
                return sqk_fail(SQK_EFORMAT, "%s: a plan is a small text file (this is over 1 MiB)", name_or_path);
            }
            if (sqk_grow((void **)&p->text, &cap, n + k + 1, 1)) { fclose(f); sqk_plan_free(p); return SQK_EMEM; }
            memcpy(p->text + n, chunk, k);
            n += k;
        }
        fclose(f);
        if (!p->text && !(p->text = sqk_strdup(""))) return SQK_EMEM;
        p->text[n] = 0;
        if (strlen(p->text) != n) {
            sqk_plan_free(p);
            return sqk_fail(SQK_EFORMAT, "%s: not a text file (NUL bytes)", name_or_path);
        }
    }
    if (!p->text) return SQK_EMEM;
    int rc = parse_text(p);
    if (!rc && trials_override > 0) rc = set_trials(p, trials_override);
    if (!rc && trials_override > 0) { /* recorded, so that a folder of other searches is refused */
        char v[16];
        snprintf(v, sizeof v, "%d", trials_override);
        rc = record_option(p, "trials", v);
    }
    if (rc) sqk_plan_free(p);
    return rc;
}

/* --design both: every dataset, search and model once per design (NAME.paper, NAME.rigorous;
 * references follow their design), the paper design's first; each report compares each of its
 * models under the two designs side by side. The expanded plan is the plan as run. */
static int set_design_both(sqk_plan *p)
{
    static const char *const designs[2] = {"paper", "rigorous"};
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f) return SQK_EMEM;
    fprintf(f, "# %s under both designs (experiment --design both): every dataset, search and model once\n"
               "# per design (NAME.paper, NAME.rigorous), the reports side by side\nseed %llu\n",
            p->source, (unsigned long long)p->seed);
    for (int d = 0; d < 2; d++)
        for (int i = 0; i < p->n_units; i++) {
            const sqk_plan_unit *u = &p->units[i];
            if (u->type == SQK_UNIT_REPORT) continue;
            fprintf(f, "%s %s.%s", type_name(u->type), u->name, designs[d]);
            for (int k = 0; k < u->n_kv; k++) {
                int ref = !strcmp(u->key[k], "data") || !strcmp(u->key[k], "params") || !strcmp(u->key[k], "init");
                fprintf(f, strchr(u->value[k], ' ') ? " %s=\"%s%s%s\"" : " %s=%s%s%s", u->key[k], u->value[k],
                        ref ? "." : "", ref ? designs[d] : "");
            }
            if (u->type == SQK_UNIT_DATASET && !sqk_plan_get(u, "design")) fprintf(f, " design=%s", designs[d]);
            fputc('\n', f);
        }
    for (int i = 0; i < p->n_units; i++) {
        const sqk_plan_unit *u = &p->units[i];
        if (u->type != SQK_UNIT_REPORT) continue;
        fprintf(f, "report %s", u->name);
        for (int k = 0; k < u->n_kv; k++) {
            if (!strcmp(u->key[k], "eval")) {
                char list[sizeof u->value[0]];
                snprintf(list, sizeof list, "%s", u->value[k]);
                fprintf(f, " eval=");
                int first = 1;
                for (char *save = NULL, *m = strtok_r(list, ",", &save); m; m = strtok_r(NULL, ",", &save), first = 0)
                    fprintf(f, "%s%s.paper,%s.rigorous", first ? "" : ",", m, m);
            } else if (!strcmp(u->key[k], "title")) {
                fprintf(f, " title=\"%s (paper and rigorous designs)\"", u->value[k]);
            } else {
                fprintf(f, " %s=%s", u->key[k], u->value[k]);
            }
        }
        if (!sqk_plan_get(u, "title")) fprintf(f, " title=\"%s (paper and rigorous designs)\"", u->name);
        fputc('\n', f);
    }
    if (fclose(f) != 0 || !text) {
        free(text);
        return SQK_EMEM;
    }
    sqk_plan q;
    memset(&q, 0, sizeof q);
    snprintf(q.source, sizeof q.source, "%.490s (--design both)", p->source);
    q.text = text;
    int rc = parse_text(&q);
    if (rc) {
        sqk_plan_free(&q);
        return rc;
    }
    snprintf(q.source, sizeof q.source, "%s", p->source);
    sqk_plan_free(p);
    *p = q;
    return SQK_OK;
}

/* Sets key=value on every search of a neural kind that names no key, checks those searches
 * again (check) and records the option in the plan's text. */
static int set_neural_searches(sqk_plan *p, const char *key, const char *value,
                               int (*check)(const sqk_plan *p, const sqk_plan_unit *u))
{
    for (int i = 0; i < p->n_units; i++) {
        sqk_plan_unit *u = &p->units[i];
        const char *kind = sqk_plan_get(u, "model");
        if (u->type != SQK_UNIT_SEARCH || sqk_plan_get(u, key) ||
            !sqk_model_kind_trains_epochs(sqk_model_kind_find(kind)))
            continue;
        if (u->n_kv == SQK_PLAN_MAX_KV) return plan_fail(p, u->line, "search %s: too many options", u->name);
        snprintf(u->key[u->n_kv], sizeof u->key[0], "%s", key);
        snprintf(u->value[u->n_kv], sizeof u->value[0], "%s", value);
        u->n_kv++;
        int rc = check(p, u);
        if (rc) return rc;
    }
    return record_option(p, key, value);
}

int sqk_plan_set_pruner(sqk_plan *p, const char *pruner)
{
    sqk_pruner_kind kind_of;
    if (sqk_pruner_parse(&kind_of, pruner))
        return sqk_fail(SQK_EARG, "--pruner %s: none, median, asha, floor or collapse", pruner);
    return set_neural_searches(p, "pruner", pruner, check_pruner);
}

static int check_patience(const sqk_plan *p, const sqk_plan_unit *u) { return check_int(p, u, "patience", 1); }

int sqk_plan_set_patience(sqk_plan *p, int patience)
{
    char v[32];
    snprintf(v, sizeof v, "%d", patience);
    return set_neural_searches(p, "patience", v, check_patience);
}

int sqk_plan_set_design(sqk_plan *p, const char *design)
{
    if (!strcmp(design, "both")) return set_design_both(p);
    if (strcmp(design, "paper") && strcmp(design, "rigorous"))
        return sqk_fail(SQK_EARG, "--design %s: paper, rigorous or both", design);
    for (int i = 0; i < p->n_units; i++) {
        sqk_plan_unit *u = &p->units[i];
        if (u->type != SQK_UNIT_DATASET || sqk_plan_get(u, "design")) continue;
        if (u->n_kv == SQK_PLAN_MAX_KV) return plan_fail(p, u->line, "dataset %s: too many options", u->name);
        snprintf(u->key[u->n_kv], sizeof u->key[0], "design");
        snprintf(u->value[u->n_kv], sizeof u->value[0], "%s", design);
        u->n_kv++;
    }
    return record_option(p, "design", design);
}
