/* The sensitivity curve and the null check (sqk/sensitivity.h, docs/sensitivity.md). Folder:
 *
 *   OUT/settings.txt          archive seed, days and swap partners (a later run into OUT must
 *                             have the same)
 *   OUT/archives/sS/          synth's archive at strength S (removed once its datasets exist)
 *   OUT/datasets/D-sS.h5      DataSet 07 under design D             (null check: aA.h5)
 *   OUT/models/D-M-sS-tT.h5   model M, training seed T               (null check: M-aA.h5)
 *   OUT/pred/NAME.test.csv, NAME.val.csv
 *   OUT/eval/D-M-sS/          evaluate --null with every training seed as a pair
 *   OUT/logs/STEP.log         what each child command printed
 *
 * Each child command writes its output atomically, so a file in place is complete and a rerun
 * skips it; the evaluations (seconds) are always redone. */
#include "exp_internal.h"
#include "sqk/eval.h"
#include "sqk/sensitivity.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

typedef struct {
    const sqk_sensitivity_options *o;
    double t0, done, total;
} sens_run;

static int exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

static void step_done(sens_run *R, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void step_done(sens_run *R, const char *fmt, ...)
{
    R->done += 1;
    sqk_progress_report(R->o->progress, "sensitivity", R->done, R->total);
    if (!R->o->on_step) return;
    char msg[512], line[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(line, sizeof line, "[%4.0f s] %s", exp_now_s() - R->t0, msg);
    R->o->on_step(R->o->ctx, line);
}

static int run_step(sens_run *R, exp_cmdline *c, const char *step)
{
    char log[4200];
    snprintf(log, sizeof log, "%s/logs/%s.log", R->o->out, step);
    exp_arg(c, "--threads");
    exp_arg(c, "%d", R->o->threads);
    exp_arg(c, "--quiet");
    return exp_spawn(R->o->self_exe, c, NULL, log, step);
}

/* The archive of (seed, strength) and DataSet 07 under each design from it, unless they all
 * exist; the archive is removed afterwards unless kept (or it is a link put there by hand). */
static int archive_and_datasets(sens_run *R, uint64_t seed, double strength, const char *tag,
                                int n_designs, char ds_path[][4200])
{
    const sqk_sensitivity_options *o = R->o;
    int need = 0;
    for (int d = 0; d < n_designs; d++) need |= !exists(ds_path[d]);
    if (!need) return SQK_OK;
    char arch[4200], done_file[4300], step[96];
    snprintf(arch, sizeof arch, "%s/archives/%s", o->out, tag);
    snprintf(done_file, sizeof done_file, "%s/synth.txt", arch);
    int rc = SQK_OK;
    if (!exists(done_file)) {
        if ((rc = sqk_rm_tree(arch))) return rc;
        exp_cmdline c = {.argc = 0};
        exp_arg(&c, "synth");
        exp_arg(&c, "--out");
        exp_arg(&c, "%s", arch);
        exp_arg(&c, "--seed");
        exp_arg(&c, "%llu", (unsigned long long)seed);
        exp_arg(&c, "--satellites");
        exp_arg(&c, "cses");
        exp_arg(&c, "--cses-days");
        exp_arg(&c, "%d", o->days);
        exp_arg(&c, "--precursor-strength");
        exp_arg(&c, "%g", strength);
        snprintf(step, sizeof step, "synth-%s", tag);
        if ((rc = run_step(R, &c, step))) return rc;
    }
    for (int d = 0; d < n_designs && !rc; d++) {
        if (exists(ds_path[d])) continue;
        exp_cmdline c = {.argc = 0};
        exp_arg(&c, "build");
        exp_arg(&c, "--archive");
        exp_arg(&c, "%s", arch);
        exp_arg(&c, "--preset");
        exp_arg(&c, "07");
        exp_arg(&c, "--design");
        exp_arg(&c, "%s", o->designs[d]);
        if (o->swap_partners[0] && !strcmp(o->designs[d], "rigorous")) {
            exp_arg(&c, "--swap-partners");
            exp_arg(&c, "%s", o->swap_partners);
        }
        exp_arg(&c, "--seed");
        exp_arg(&c, "%llu", (unsigned long long)seed);
        exp_arg(&c, "--out");
        exp_arg(&c, "%s", ds_path[d]);
        snprintf(step, sizeof step, "build-%s-%s", o->designs[d], tag);
        rc = run_step(R, &c, step);
    }
    struct stat st;
    if (!rc && !o->keep_archives && lstat(arch, &st) == 0 && !S_ISLNK(st.st_mode)) rc = sqk_rm_tree(arch);
    return rc;
}

/* A model trained on data with a training seed, and its test and validation predictions. */
static int train_predict(sens_run *R, const char *data, const char *model, uint64_t train_seed, const char *name)
{
    const sqk_sensitivity_options *o = R->o;
    char mpath[4200], test[4200], val[4200];
    snprintf(mpath, sizeof mpath, "%s/models/%s.h5", o->out, name);
    snprintf(test, sizeof test, "%s/pred/%s.test.csv", o->out, name);
    snprintf(val, sizeof val, "%s/pred/%s.val.csv", o->out, name);
    if (exists(val) && exists(test)) return SQK_OK;
    int rc = SQK_OK;
    char step[160];
    if (!exists(mpath)) {
        exp_cmdline c = {.argc = 0};
        exp_arg(&c, "train");
        exp_arg(&c, "--data");
        exp_arg(&c, "%s", data);
        exp_arg(&c, "--model");
        exp_arg(&c, "%s", model);
        exp_arg(&c, "--seed");
        exp_arg(&c, "%llu", (unsigned long long)train_seed);
        exp_arg(&c, "--out");
        exp_arg(&c, "%s", mpath);
        snprintf(step, sizeof step, "train-%s", name);
        if ((rc = run_step(R, &c, step))) return rc;
    }
    for (int k = 0; k < 2 && !rc; k++) {
        exp_cmdline c = {.argc = 0};
        exp_arg(&c, "predict");
        exp_arg(&c, "--model");
        exp_arg(&c, "%s", mpath);
        exp_arg(&c, "--data");
        exp_arg(&c, "%s", data);
        exp_arg(&c, "--split");
        exp_arg(&c, "%s", k ? "validation" : "test");
        exp_arg(&c, "--out");
        exp_arg(&c, "%s", k ? val : test);
        snprintf(step, sizeof step, "predict-%s-%s", k ? "val" : "test", name);
        rc = run_step(R, &c, step);
    }
    return rc;
}

/* Checks the options, makes the folders and checks (or writes) settings.txt: the given lines
 * and the swap partners. */
static int prepare(const sqk_sensitivity_options *o, const char *settings)
{
    if (!o->out || !o->self_exe) return sqk_fail(SQK_EARG, "an output folder and the seqnetquake executable are needed");
    if (o->days < 1) return sqk_fail(SQK_EARG, "days must be at least 1 (%d given)", o->days);
    if (o->n_models < 1 || o->n_models > SQK_SENS_MAX_MODELS)
        return sqk_fail(SQK_EARG, "between 1 and %d models (%d given)", SQK_SENS_MAX_MODELS, o->n_models);
    if (o->n_designs < 1 || o->n_designs > SQK_SENS_MAX_DESIGNS)
        return sqk_fail(SQK_EARG, "one or two designs (%d given)", o->n_designs);
    for (int d = 0; d < o->n_designs; d++)
        if (strcmp(o->designs[d], "paper") && strcmp(o->designs[d], "rigorous"))
            return sqk_fail(SQK_EARG, "design '%s': paper or rigorous", o->designs[d]);
    if (o->swap_partners[0] && strcmp(o->swap_partners, "random") && strcmp(o->swap_partners, "magnitude"))
        return sqk_fail(SQK_EARG, "--swap-partners: expected random or magnitude, not '%s'", o->swap_partners);
    static const char *const sub[] = {"archives", "datasets", "models", "pred", "eval", "logs"};
    int rc = sqk_mkdir_p(o->out);
    for (int i = 0; i < 6 && !rc; i++) {
        char dir[4200];
        snprintf(dir, sizeof dir, "%s/%s", o->out, sub[i]);
        rc = sqk_mkdir_p(dir);
    }
    if (rc) return rc;
    char text[512];
    snprintf(text, sizeof text, "%s%s%s%s", settings, o->swap_partners[0] ? "swap partners " : "", o->swap_partners,
             o->swap_partners[0] ? "\n" : "");
    return exp_check_same_text(o->out, "settings.txt", text, "experiment (settings)");
}

/* ---- the curve ---- */

typedef struct {
    int design, model;
    double strength;
    sqk_null_corrected nc;
} sens_cell;

static int evaluate_cell(sens_run *R, int d, int m, double s, const char *ds, sens_cell *cell)
{
    const sqk_sensitivity_options *o = R->o;
    int k = o->n_train_seeds;
    char (*p)[4][4200] = sqk_malloc((size_t)k * sizeof *p);
    const char *(*pairs)[4] = sqk_malloc((size_t)k * sizeof *pairs);
    if (!p || !pairs) { free(p); free(pairs); return SQK_EMEM; }
    for (int t = 0; t < k; t++) {
        const char *kind[4] = {"test", "test", "val", "val"};
        for (int j = 0; j < 4; j++) {
            double sj = j % 2 ? 0 : s;
            snprintf(p[t][j], sizeof p[t][j], "%s/pred/%s-%s-s%g-t%d.%s.csv", o->out, o->designs[d],
                     o->models[m], sj, t + 1, kind[j]);
            pairs[t][j] = p[t][j];
        }
    }
    char out[4200], name[160];
    snprintf(out, sizeof out, "%s/eval/%s-%s-s%g", o->out, o->designs[d], o->models[m], s);
    snprintf(name, sizeof name, "%s (%s design, strength %g)", o->models[m], o->designs[d], s);
    sqk_evaluate_options eo = {.pred = pairs[0][0], .null_pred = pairs[0][1], .val_pred = pairs[0][2],
                               .null_val_pred = pairs[0][3], .data = ds, .out = out, .name = name,
                               .n_pairs = k - 1, .pairs = pairs + 1, .n_boot = o->n_boot, .n_perm = 0,
                               .seed = o->seed};
    sqk_evaluate_result r;
    int rc = sqk_evaluate_run(&eo, NULL, &r);
    if (!rc) {
        *cell = (sens_cell){.design = d, .model = m, .strength = s, .nc = r.nc};
        sqk_evaluate_result_free(&r);
    }
    free(p);
    free(pairs);
    return rc;
}

static void ci3(FILE *f, const sqk_ci *c)
{
    fprintf(f, ",%.6g,%.6g,%.6g", c->value, c->lo, c->hi);
}

static int write_curve_csv(const sqk_sensitivity_options *o, const sens_cell *cells, int n)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/sensitivity.csv", o->out);
    sqk_atomic_file a;
    int rc = sqk_atomic_open(&a, path);
    if (rc) return rc;
    fprintf(a.f, "design,model,strength,metric,planted,planted_lo,planted_hi,null,null_lo,null_hi,diff,diff_lo,"
                 "diff_hi,p_diff,train_seeds,n_units\n");
    for (int i = 0; i < n; i++)
        for (int k = 0; k < SQK_NC_COUNT; k++) {
            const sqk_null_corrected *c = &cells[i].nc;
            fprintf(a.f, "%s,%s,%g,%s", o->designs[cells[i].design], o->models[cells[i].model], cells[i].strength,
                    sqk_nc_name(k));
            ci3(a.f, &c->planted[k]);
            ci3(a.f, &c->null[k]);
            ci3(a.f, &c->diff[k]);
            fprintf(a.f, ",%.6g,%zu,%zu\n", c->p_diff[k], c->n_pairs, c->n_units);
        }
    return sqk_atomic_close(&a, SQK_OK);
}

/* s* of (design, model): the smallest strength > 0 whose interval of the null-corrected MCC
 * seismic/control lies above 0; NaN when none does. */
static double s_star(const sens_cell *cells, int n, int d, int m)
{
    double best = NAN;
    for (int i = 0; i < n; i++) {
        const sens_cell *c = &cells[i];
        if (c->design == d && c->model == m && c->strength > 0 && c->nc.diff[SQK_NC_MCC_SVC].lo > 0 &&
            (isnan(best) || c->strength < best))
            best = c->strength;
    }
    return best;
}

static const sens_cell *find_cell(const sens_cell *cells, int n, int d, int m, double s)
{
    for (int i = 0; i < n; i++)
        if (cells[i].design == d && cells[i].model == m && cells[i].strength == s) return &cells[i];
    return NULL;
}

static void fmt_ci(char *buf, size_t n, const sqk_ci *c)
{
    snprintf(buf, n, "%.2f [%.2f, %.2f]", c->value, c->lo, c->hi);
}

static int write_sstar_and_report(const sqk_sensitivity_options *o, const sens_cell *cells, int n)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/sstar.csv", o->out);
    sqk_atomic_file a;
    int rc = sqk_atomic_open(&a, path);
    if (rc) return rc;
    fprintf(a.f, "design,model,s_star,diff_at_1,diff_at_1_lo,diff_at_1_hi,raw_at_0,raw_at_0_lo,raw_at_0_hi\n");
    const sqk_ci none = {NAN, NAN, NAN, 0};
    for (int d = 0; d < o->n_designs; d++)
        for (int m = 0; m < o->n_models; m++) {
            double ss = s_star(cells, n, d, m);
            const sens_cell *c1 = find_cell(cells, n, d, m, 1), *c0 = find_cell(cells, n, d, m, 0);
            const sqk_ci *at1 = c1 ? &c1->nc.diff[SQK_NC_MCC_SVC] : &none, *at0 = c0 ? &c0->nc.planted[SQK_NC_MCC_SVC] : &none;
            if (isnan(ss)) fprintf(a.f, "%s,%s,none", o->designs[d], o->models[m]);
            else fprintf(a.f, "%s,%s,%g", o->designs[d], o->models[m], ss);
            ci3(a.f, at1);
            ci3(a.f, at0);
            fputc('\n', a.f);
        }
    if ((rc = sqk_atomic_close(&a, SQK_OK))) return rc;

    snprintf(path, sizeof path, "%s/sensitivity.md", o->out);
    if ((rc = sqk_atomic_open(&a, path))) return rc;
    char strengths[256] = "";
    for (int i = 0; i < o->n_strengths; i++)
        snprintf(strengths + strlen(strengths), sizeof strengths - strlen(strengths), "%s%g",
                 i ? (i + 1 == o->n_strengths ? " and " : ", ") : "", o->strengths[i]);
    fprintf(a.f,
            "## Sensitivity: null-corrected skill against precursor strength\n\n"
            "CSES-like archive, %d days, seed %llu; DataSet 07 (night, T = 20, Dobrovolsky radius); strengths "
            "%s (paired archives: strength 0 is every other's null)%s%s; %d training seed%s per model and "
            "strength. Null-corrected skill = MCC seismic/control on the planted archive minus on the null "
            "one, averaged over the training seeds (seed t on the planted archive against seed t on the "
            "null). 95%% interval: %d resamples, each drawing the test events with replacement (the same "
            "events on both sides and for every seed) and the training seeds with replacement, so the "
            "interval holds both event sampling and training noise. s* = the smallest strength whose "
            "interval lies above 0. Raw = the planted side alone at strength 0: what the design gives "
            "away without any precursor.\n\n"
            "| design | model | s* | null-corrected MCC at strength 1 | raw MCC at strength 0 |\n"
            "|---|---|---|---|---|\n",
            o->days, (unsigned long long)o->seed, strengths,
            o->swap_partners[0] ? "; the rigorous design's matched controls swap times between earthquakes " : "",
            !strcmp(o->swap_partners, "magnitude") ? "of nearest magnitude"
            : !strcmp(o->swap_partners, "random")  ? "paired at random"
                                                   : "",
            o->n_train_seeds, o->n_train_seeds == 1 ? "" : "s",
            o->n_boot);
    for (int d = 0; d < o->n_designs; d++)
        for (int m = 0; m < o->n_models; m++) {
            double ss = s_star(cells, n, d, m);
            const sens_cell *c1 = find_cell(cells, n, d, m, 1), *c0 = find_cell(cells, n, d, m, 0);
            char b1[96] = "-", b0[96] = "-", bs[32] = "never";
            if (c1) fmt_ci(b1, sizeof b1, &c1->nc.diff[SQK_NC_MCC_SVC]);
            if (c0) fmt_ci(b0, sizeof b0, &c0->nc.planted[SQK_NC_MCC_SVC]);
            if (!isnan(ss)) snprintf(bs, sizeof bs, "%g", ss);
            fprintf(a.f, "| %s | %s | %s | %s | %s |\n", o->designs[d], o->models[m], bs, b1, b0);
        }
    fprintf(a.f, "\n![sensitivity](sensitivity.png)\n");
    return sqk_atomic_close(&a, SQK_OK);
}

int sqk_sensitivity_run(const sqk_sensitivity_options *o)
{
    if (o->n_strengths < 2 || o->n_strengths > SQK_SENS_MAX_STRENGTHS || o->strengths[0] != 0)
        return sqk_fail(SQK_EARG, "the strengths must start with 0 (the null archive) and hold 2 to %d values",
                        SQK_SENS_MAX_STRENGTHS);
    for (int i = 1; i < o->n_strengths; i++)
        if (!(o->strengths[i] > o->strengths[i - 1]))
            return sqk_fail(SQK_EARG, "the strengths must rise (%g after %g)", o->strengths[i], o->strengths[i - 1]);
    if (o->n_train_seeds < 1 || o->n_train_seeds > SQK_SENS_MAX_SEEDS)
        return sqk_fail(SQK_EARG, "between 1 and %d training seeds (%d given)", SQK_SENS_MAX_SEEDS, o->n_train_seeds);
    char settings[256];
    snprintf(settings, sizeof settings, "sensitivity curve\nseed %llu\ndays %d\n", (unsigned long long)o->seed, o->days);
    int rc = prepare(o, settings);
    if (rc) return rc;
    sens_run R = {.o = o, .t0 = exp_now_s()};
    int nd = o->n_designs, nm = o->n_models, ns = o->n_strengths, nt = o->n_train_seeds;
    R.total = ns + (double)nd * nm * ns * nt + (double)nd * nm; /* archives, trainings, evaluations */
    char (*ds)[4200] = sqk_malloc((size_t)ns * nd * sizeof *ds);
    sens_cell *cells = sqk_calloc((size_t)nd * nm * ns, sizeof *cells);
    if (!ds || !cells) { free(ds); free(cells); return SQK_EMEM; }
    for (int i = 0; i < ns && !rc; i++) {
        char tag[32];
        snprintf(tag, sizeof tag, "s%g", o->strengths[i]);
        for (int d = 0; d < nd; d++)
            snprintf(ds[i * nd + d], sizeof ds[0], "%s/datasets/%s-%s.h5", o->out, o->designs[d], tag);
        rc = archive_and_datasets(&R, o->seed, o->strengths[i], tag, nd, ds + i * nd);
        if (!rc) step_done(&R, "strength %g: archive and datasets", o->strengths[i]);
    }
    int n_cells = 0;
    for (int d = 0; d < nd && !rc; d++)
        for (int m = 0; m < nm && !rc; m++) {
            /* strength 0 first: it is every other strength's null */
            for (int i = 0; i < ns && !rc; i++)
                for (int t = 1; t <= nt && !rc; t++) {
                    char name[160];
                    snprintf(name, sizeof name, "%s-%s-s%g-t%d", o->designs[d], o->models[m], o->strengths[i], t);
                    rc = train_predict(&R, ds[i * nd + d], o->models[m], (uint64_t)t, name);
                    if (!rc) step_done(&R, "%s", name);
                }
            for (int i = 0; i < ns && !rc; i++) {
                rc = evaluate_cell(&R, d, m, o->strengths[i], ds[i * nd + d], &cells[n_cells]);
                if (!rc) n_cells++;
            }
            if (!rc) step_done(&R, "%s design, %s: evaluated at every strength", o->designs[d], o->models[m]);
            else sqk_fail_context(rc, "%s design, %s", o->designs[d], o->models[m]);
        }
    if (!rc) rc = write_curve_csv(o, cells, n_cells);
    if (!rc) rc = write_sstar_and_report(o, cells, n_cells);
    free(ds);
    free(cells);
    return rc;
}

/* ---- the null check ---- */

typedef struct {
    int model;
    uint64_t archive_seed;
    double p_strat, p_plain;
    int scheme;
    sqk_ci mcc;
} null_row;

int sqk_nullcheck_run(const sqk_sensitivity_options *o, sqk_nullcheck_model res[SQK_SENS_MAX_MODELS])
{
    if (o->n_archive_seeds < 2 || o->n_archive_seeds > 10000)
        return sqk_fail(SQK_EARG, "the null check needs 2 to 10000 archive seeds (%d given)", o->n_archive_seeds);
    if (o->n_perm < 1) return sqk_fail(SQK_EARG, "the null check needs permutations (%d given)", o->n_perm);
    char settings[256];
    snprintf(settings, sizeof settings, "null check\nfirst archive seed %llu\ndays %d\ndesign %s\n",
             (unsigned long long)o->seed, o->days, o->n_designs > 0 ? o->designs[0] : "?");
    int rc = prepare(o, settings);
    if (rc) return rc;
    sens_run R = {.o = o, .t0 = exp_now_s()};
    int na = o->n_archive_seeds, nm = o->n_models;
    R.total = (double)na * (1 + nm);
    null_row *rows = sqk_calloc((size_t)na * nm, sizeof *rows);
    if (!rows) return SQK_EMEM;
    int n_rows = 0;
    for (int a = 0; a < na && !rc; a++) {
        uint64_t seed = o->seed + (uint64_t)a;
        char tag[32], ds[1][4200];
        snprintf(tag, sizeof tag, "a%llu", (unsigned long long)seed);
        snprintf(ds[0], sizeof ds[0], "%s/datasets/%s.h5", o->out, tag);
        rc = archive_and_datasets(&R, seed, 0, tag, 1, ds);
        if (!rc) step_done(&R, "archive seed %llu: archive and dataset", (unsigned long long)seed);
        for (int m = 0; m < nm && !rc; m++) {
            char name[160], test[4200], val[4200], out[4200], label[200];
            snprintf(name, sizeof name, "%s-%s", o->models[m], tag);
            if ((rc = train_predict(&R, ds[0], o->models[m], seed, name))) break;
            snprintf(test, sizeof test, "%s/pred/%s.test.csv", o->out, name);
            snprintf(val, sizeof val, "%s/pred/%s.val.csv", o->out, name);
            snprintf(out, sizeof out, "%s/eval/%s", o->out, name);
            snprintf(label, sizeof label, "%s (%s design, no precursor, archive seed %llu)", o->models[m],
                     o->designs[0], (unsigned long long)seed);
            sqk_evaluate_options eo = {.pred = test, .val_pred = val, .data = ds[0], .out = out, .name = label,
                                       .n_boot = o->n_boot, .n_perm = o->n_perm, .seed = seed};
            sqk_evaluate_result r;
            if ((rc = sqk_evaluate_run(&eo, NULL, &r))) break;
            rows[n_rows++] = (null_row){.model = m, .archive_seed = seed, .p_strat = r.ev.perm_p_strat,
                                        .p_plain = r.ev.perm_p, .scheme = r.ev.perm_scheme,
                                        .mcc = r.ev.boot[SQK_BM_MCC_SVC]};
            sqk_evaluate_result_free(&r);
            step_done(&R, "archive seed %llu, %s: MCC seismic/control %.3f [%.3f, %.3f], permutation p %.3f",
                      (unsigned long long)seed, o->models[m], rows[n_rows - 1].mcc.value, rows[n_rows - 1].mcc.lo,
                      rows[n_rows - 1].mcc.hi, rows[n_rows - 1].p_strat);
        }
    }
    double *p = rc ? NULL : sqk_malloc((size_t)na * sizeof *p), *q = rc ? NULL : sqk_malloc((size_t)na * sizeof *q);
    if (!rc && (!p || !q)) rc = SQK_EMEM;
    for (int m = 0; m < nm && !rc; m++) {
        sqk_nullcheck_model *s = &res[m];
        memset(s, 0, sizeof *s);
        int n = 0, n_plain = 0;
        for (int i = 0; i < n_rows; i++) {
            if (rows[i].model != m) continue;
            if (!isnan(rows[i].p_strat)) p[n++] = rows[i].p_strat;
            q[n_plain++] = rows[i].p_plain;
            s->n_contain_0 += rows[i].mcc.lo <= 0 && rows[i].mcc.hi >= 0;
        }
        s->n = n_plain;
        s->ks_d = s->ks_p = s->ks_small_d = s->ks_small_p = NAN;
        if (n && ((rc = sqk_ks_uniform(p, (size_t)n, &s->ks_d, &s->ks_p)) ||
                  (rc = sqk_ks_uniform_small(p, (size_t)n, &s->ks_small_d, &s->ks_small_p))))
            break;
        if ((rc = sqk_ks_uniform(q, (size_t)n_plain, &s->ks_d_plain, &s->ks_p_plain))) break;
    }
    free(p);
    free(q);
    char path[4200];
    sqk_atomic_file a;
    if (!rc) {
        snprintf(path, sizeof path, "%s/nullcheck.csv", o->out);
        if (!(rc = sqk_atomic_open(&a, path))) {
            fprintf(a.f, "model,archive_seed,p_stratified,scheme,p_plain,mcc_seismic_vs_control,mcc_lo,mcc_hi,contains_0\n");
            for (int i = 0; i < n_rows; i++) {
                const null_row *r = &rows[i];
                fprintf(a.f, "%s,%llu,%.6g,%s,%.6g,%.6g,%.6g,%.6g,%d\n", o->models[r->model],
                        (unsigned long long)r->archive_seed, r->p_strat,
                        r->scheme == SQK_STRATA_PAIRS ? "matched_pairs" : r->scheme == SQK_STRATA_CADENCE_MLAT ? "strata" : "none",
                        r->p_plain, r->mcc.value, r->mcc.lo, r->mcc.hi, r->mcc.lo <= 0 && r->mcc.hi >= 0);
            }
            rc = sqk_atomic_close(&a, SQK_OK);
        }
    }
    if (!rc) {
        snprintf(path, sizeof path, "%s/nullcheck_summary.csv", o->out);
        if (!(rc = sqk_atomic_open(&a, path))) {
            fprintf(a.f, "model,archive_seeds,ks_d,ks_p,ks_small_d,ks_small_p,ks_d_plain,ks_p_plain,"
                         "mcc_intervals_containing_0\n");
            for (int m = 0; m < nm; m++)
                fprintf(a.f, "%s,%d,%.6g,%.6g,%.6g,%.6g,%.6g,%.6g,%d\n", o->models[m], res[m].n, res[m].ks_d,
                        res[m].ks_p, res[m].ks_small_d, res[m].ks_small_p, res[m].ks_d_plain, res[m].ks_p_plain,
                        res[m].n_contain_0);
            rc = sqk_atomic_close(&a, SQK_OK);
        }
    }
    if (!rc) {
        snprintf(path, sizeof path, "%s/nullcheck.md", o->out);
        if (!(rc = sqk_atomic_open(&a, path))) {
            fprintf(a.f,
                    "## Null check: no skill without a precursor\n\n"
                    "%s design, no precursor (strength 0), %d archive seeds (%llu to %llu), %d days of CSES data "
                    "each, DataSet 07; each model trained with the archive's seed. Per archive: the %s permutation "
                    "test of MCC seismic/control (%d permutations) and its 95%% event-bootstrap interval (%d "
                    "resamples). Under the null the p-values are uniform: Kolmogorov-Smirnov against U(0, 1), "
                    "exact p-values, two-sided and one-sided against an excess of small p-values (what a leak "
                    "would give; ties and degenerate predictions give p = 1, too many large p-values, which "
                    "only the two-sided test sees).\n\n"
                    "| model | archives | KS D | KS p | KS p, excess of small p | plain test's KS p | MCC intervals containing 0 |\n"
                    "|---|---|---|---|---|---|---|\n",
                    o->designs[0], na, (unsigned long long)o->seed, (unsigned long long)(o->seed + (uint64_t)na - 1),
                    o->days, !strcmp(o->designs[0], "rigorous") ? "matched-pair" : "stratified", o->n_perm, o->n_boot);
            for (int m = 0; m < nm; m++)
                fprintf(a.f, "| %s | %d | %.3f | %.3f | %.3f | %.3f | %d of %d |\n", o->models[m], res[m].n,
                        res[m].ks_d, res[m].ks_p, res[m].ks_small_p, res[m].ks_p_plain, res[m].n_contain_0, res[m].n);
            rc = sqk_atomic_close(&a, SQK_OK);
        }
    }
    free(rows);
    return rc;
}
