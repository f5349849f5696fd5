/* ctest-labels: slow */
/* The five baseline kinds (gbm, rf, cnn, lstm, dnn) through the model interface: each trains on
 * a small hand-made DATASET.h5 (contract layout) with a learnable pattern and beats chance,
 * survives a save/load round trip bit for bit, gives the same model for the same seed, and the
 * neural ones pass a whole-model gradient check. Also: hyperparameter errors and --init rules. */
#include "testutil.h"

#include "sqk/core.h"
#include "sqk/h5.h"
#include "sqk/model.h"
#include "sqk/nn.h"
#include "sqk/rng.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern const sqk_model_kind sqk_kind_gbm, sqk_kind_rf, sqk_kind_cnn, sqk_kind_lstm, sqk_kind_dnn;

#define N_WIN 600
#define T_LEN 20
#define F_DIM 2

typedef struct {
    char *dir;
    char dataset[512];
    float *X;                /* (N, T, F) */
    int32_t *y;
    uint8_t *split;
    size_t N;
    int T, F;
} fixture;

/* ---- a hand-made DATASET.h5 ------------------------------------------------------------- */

/* Class 0: quiet Ne and Te; class 1: a bump in Ne in the middle of the window (the "seismic"
 * perturbation); class 2: Te rising through the window (the "storm"). Values in cm^-3 and K. */
static void make_window(float *w, int label, sqk_rng *rng)
{
    for (int t = 0; t < T_LEN; t++) {
        double ne = 2.0e4 + 1.5e3 * sqk_rng_normal(rng), te = 1500 + 60 * sqk_rng_normal(rng);
        if (label == 1) ne += 2.5e3 * exp(-0.5 * pow((t - T_LEN / 2.0) / 3.0, 2));
        if (label == 2) te += 150.0 * t / (T_LEN - 1);
        w[t * F_DIM] = (float)ne;
        w[t * F_DIM + 1] = (float)te;
    }
}

static int write_events(hid_t file)
{
    hid_t g = H5Gcreate2(file, "events", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (g < 0) return -1;
    const char *ids[2] = {"ctl0001", "us7000abcd"};
    size_t n = 2;
    double t[2] = {1.5e9, 1.51e9}, lat[2] = {10, -20}, lon[2] = {100, 120}, mag[2] = {5.1, 6.0};
    uint8_t kind[2] = {0, 1}, status[2] = {0, 0};
    int rc = sqk_h5_write_strings(g, "id", ids, n) || sqk_h5_write_u8(g, "kind", 1, &n, kind) ||
             sqk_h5_write_f64(g, "time", 1, &n, t) || sqk_h5_write_f64(g, "lat", 1, &n, lat) ||
             sqk_h5_write_f64(g, "lon", 1, &n, lon) || sqk_h5_write_f64(g, "mag", 1, &n, mag) ||
             sqk_h5_write_u8(g, "status", 1, &n, status);
    H5Gclose(g);
    return rc;
}

static int write_dataset(const char *path, const float *X, const int32_t *y, const uint8_t *split)
{
    size_t n = N_WIN, dims[3] = {N_WIN, T_LEN, F_DIM};
    double *f64 = calloc(n, sizeof *f64);
    int64_t *event = calloc(n, sizeof *event);
    int32_t *i32 = calloc(n, sizeof *i32);
    uint8_t *u8 = calloc(n, sizeof *u8), *sat = calloc(n, sizeof *sat);
    for (size_t i = 0; i < n; i++) { event[i] = y[i] == 1; u8[i] = y[i] == 1; sat[i] = 1; f64[i] = 1.5e9 + 60.0 * i; }
    hid_t f;
    int rc = sqk_h5_create(path, &f);
    if (rc) return rc;
    const char *files[1] = {"CSES_TEST.h5"};
    int64_t version = 1, T = T_LEN, F = F_DIM;
    rc = sqk_h5_set_attr_str(f, ".", "format", "seqnetquake-dataset") ||
         sqk_h5_set_attr_i64(f, ".", "format_version", &version, 1) ||
         sqk_h5_set_attr_i64(f, ".", "T", &T, 1) || sqk_h5_set_attr_i64(f, ".", "F", &F, 1) ||
         sqk_h5_set_attr_str(f, ".", "features", "Ne,Te") ||
         sqk_h5_set_attr_str(f, ".", "config", "satellite=cses\nT=20\n") ||
         sqk_h5_set_attr_str(f, ".", "program_version", "test") ||
         sqk_h5_write_f32(f, "X", 3, dims, X) || sqk_h5_write_i32(f, "y", 1, &n, y) ||
         sqk_h5_write_u8(f, "split", 1, &n, split) || sqk_h5_write_f64(f, "time", 1, &n, f64) ||
         sqk_h5_write_f64(f, "lat", 1, &n, f64) || sqk_h5_write_f64(f, "lon", 1, &n, f64) ||
         sqk_h5_write_f64(f, "lt_h", 1, &n, f64) || sqk_h5_write_i64(f, "event", 1, &n, event) ||
         sqk_h5_write_u8(f, "event_kind", 1, &n, u8) || sqk_h5_write_f64(f, "magnitude", 1, &n, f64) ||
         sqk_h5_write_f64(f, "distance_km", 1, &n, f64) || sqk_h5_write_f64(f, "days_before", 1, &n, f64) ||
         sqk_h5_write_u8(f, "satellite", 1, &n, sat) || sqk_h5_write_i32(f, "orbit", 1, &n, i32) ||
         sqk_h5_write_i32(f, "file", 1, &n, i32) || sqk_h5_write_strings(f, "files", files, 1) ||
         write_events(f);
    H5Fclose(f);
    free(f64); free(event); free(i32); free(u8); free(sat);
    return rc ? SQK_EIO : SQK_OK;
}

/* Reads what a model needs back from the file, as a user of the contract would. */
static int read_dataset(fixture *fx)
{
    hid_t f;
    int rc = sqk_h5_open_read(fx->dataset, &f);
    if (rc) return rc;
    double T = 0, F = 0;
    size_t got = 0, dims[4];
    int rank = 0;
    rc = sqk_h5_get_attr_f64(f, ".", "T", &T, 1, &got) || sqk_h5_get_attr_f64(f, ".", "F", &F, 1, &got) ||
         sqk_h5_dims(f, "y", &rank, dims);
    if (!rc) {
        fx->T = (int)T; fx->F = (int)F; fx->N = dims[0];
        fx->X = malloc(fx->N * fx->T * fx->F * sizeof *fx->X);
        fx->y = malloc(fx->N * sizeof *fx->y);
        fx->split = malloc(fx->N);
        rc = sqk_h5_read_f32(f, "X", fx->X, fx->N * fx->T * fx->F) ||
             sqk_h5_read_i32(f, "y", fx->y, fx->N) || sqk_h5_read_u8(f, "split", fx->split, fx->N);
    }
    H5Fclose(f);
    return rc ? SQK_EFORMAT : SQK_OK;
}

static int setup(void **state)
{
    fixture *fx = calloc(1, sizeof *fx);
    fx->dir = test_tmpdir();
    snprintf(fx->dataset, sizeof fx->dataset, "%s/DATASET.h5", fx->dir);
    float *X = malloc(sizeof(float) * N_WIN * T_LEN * F_DIM);
    int32_t y[N_WIN];
    uint8_t split[N_WIN];
    sqk_rng rng;
    sqk_rng_seed(&rng, 2024);
    for (int i = 0; i < N_WIN; i++) {
        y[i] = (int32_t)sqk_rng_below(&rng, 3);
        split[i] = i < N_WIN * 6 / 10 ? 0 : i < N_WIN * 8 / 10 ? 1 : 2;
        make_window(X + (size_t)i * T_LEN * F_DIM, y[i], &rng);
    }
    int rc = write_dataset(fx->dataset, X, y, split);
    free(X);
    if (rc || read_dataset(fx)) return -1;
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    fixture *fx = *state;
    test_rmtree(fx->dir);
    free(fx->dir); free(fx->X); free(fx->y); free(fx->split); free(fx);
    return 0;
}

/* Rows of one split, copied out (X (n, T, F), y). */
static size_t take_split(const fixture *fx, int which, float **X, int32_t **y)
{
    size_t D = (size_t)fx->T * fx->F, n = 0;
    *X = malloc(fx->N * D * sizeof **X);
    *y = malloc(fx->N * sizeof **y);
    for (size_t i = 0; i < fx->N; i++)
        if (fx->split[i] == which) {
            memcpy(*X + n * D, fx->X + i * D, D * sizeof **X);
            (*y)[n++] = fx->y[i];
        }
    return n;
}

/* ---- helpers ---------------------------------------------------------------------------- */

/* Small, quick settings per kind; the rest stays at the kind's defaults. */
static void quick_hparams(sqk_hparams *hp, const sqk_model_kind *kind)
{
    sqk_hparams_default(hp, kind);
    const char *name = kind->name;
    const char *sets[8] = {0};
    if (!strcmp(name, "gbm")) { sets[0] = "n_estimators=40"; sets[1] = "early_stopping_rounds=0"; }
    else if (!strcmp(name, "rf")) { sets[0] = "n_estimators=40"; sets[1] = "max_depth=8"; }
    else if (!strcmp(name, "cnn")) { sets[0] = "epochs=12"; sets[1] = "batch_size=32"; sets[2] = "units_fc=32"; }
    else if (!strcmp(name, "lstm")) { sets[0] = "epochs=12"; sets[1] = "batch_size=32"; sets[2] = "units_lstm=16"; sets[3] = "units_fc=16"; }
    else if (!strcmp(name, "dnn")) { sets[0] = "epochs=12"; sets[1] = "batch_size=32"; sets[2] = "num_layers=2"; sets[3] = "units_1=32"; sets[4] = "units_2=32"; }
    for (int i = 0; sets[i]; i++)
        if (sqk_hparams_set(hp, sets[i])) fail_msg("%s %s: %s", name, sets[i], sqk_last_error());
}

static sqk_model *train(const fixture *fx, const sqk_model_kind *kind, const sqk_hparams *hp)
{
    sqk_model *m = NULL;
    float *Xtr, *Xva;
    int32_t *ytr, *yva;
    size_t ntr = take_split(fx, 0, &Xtr, &ytr), nva = take_split(fx, 1, &Xva, &yva);
    if (sqk_model_create(&m, kind, hp, fx->T, fx->F, "Ne,Te")) fail_msg("create %s: %s", kind->name, sqk_last_error());
    sqk_model_data tr = {Xtr, ytr, ntr}, va = {Xva, yva, nva};
    sqk_fit_options o = {0};
    o.threads = 1;
    if (sqk_model_fit(m, &tr, &va, &o)) fail_msg("fit %s: %s", kind->name, sqk_last_error());
    free(Xtr); free(ytr); free(Xva); free(yva);
    return m;
}

static float *predict_split(const fixture *fx, sqk_model *m, int which, int32_t **y, size_t *n)
{
    float *X;
    *n = take_split(fx, which, &X, y);
    float *p = malloc(*n * 3 * sizeof *p);
    if (sqk_model_predict(m, X, *n, p)) fail_msg("predict %s: %s", m->kind->name, sqk_last_error());
    free(X);
    return p;
}

/* ---- per-kind checks -------------------------------------------------------------------- */

/* Trains, beats chance on the test split, and reloads bit for bit from a model file. */
static void check_kind(void **state, const sqk_model_kind *kind)
{
    fixture *fx = *state;
    sqk_hparams hp;
    quick_hparams(&hp, kind);
    sqk_model *m = train(fx, kind, &hp);
    int32_t *y;
    size_t n;
    float *p = predict_split(fx, m, 2, &y, &n);
    double acc = test_accuracy(p, y, n);
    if (acc < 0.6) fail_msg("%s: test accuracy %.3f does not beat chance (1/3) clearly", kind->name, acc);
    for (size_t i = 0; i < n; i++) assert_close(p[3 * i] + p[3 * i + 1] + p[3 * i + 2], 1.0, 1e-4);

    char path[600];
    snprintf(path, sizeof path, "%s/%s.h5", fx->dir, kind->name);
    assert_int_equal(sqk_model_save(m, path), SQK_OK);
    sqk_model *back = NULL;
    if (sqk_model_load(&back, path)) fail_msg("load %s: %s", kind->name, sqk_last_error());
    assert_ptr_equal(back->kind, kind);
    int32_t *y2;
    float *p2 = predict_split(fx, back, 2, &y2, &n);
    assert_memory_equal(p, p2, n * 3 * sizeof *p);

    /* Same seed, same model: a second training run predicts bit for bit the same. */
    sqk_model *again = train(fx, kind, &hp);
    int32_t *y3;
    float *p3 = predict_split(fx, again, 2, &y3, &n);
    assert_memory_equal(p, p3, n * 3 * sizeof *p);

    free(p); free(p2); free(p3); free(y); free(y2); free(y3);
    sqk_model_free(m); sqk_model_free(back); sqk_model_free(again);
}

static void test_gbm(void **state) { check_kind(state, &sqk_kind_gbm); }
static void test_rf(void **state) { check_kind(state, &sqk_kind_rf); }
static void test_cnn(void **state) { check_kind(state, &sqk_kind_cnn); }
static void test_lstm(void **state) { check_kind(state, &sqk_kind_lstm); }
static void test_dnn(void **state) { check_kind(state, &sqk_kind_dnn); }

/* Every baseline is reachable by name (seqnetquake train --model NAME). */
static void test_registry(void **state)
{
    (void)state;
    const sqk_model_kind *kinds[] = {&sqk_kind_gbm, &sqk_kind_rf, &sqk_kind_cnn, &sqk_kind_lstm, &sqk_kind_dnn};
    for (int i = 0; i < 5; i++)
        if (sqk_model_kind_find(kinds[i]->name) != kinds[i])
            fail_msg("model kind %s is not in the registry: %s", kinds[i]->name, sqk_last_error());
}

/* ---- whole-model gradient check --------------------------------------------------------- */

static double loss_at(sqk_net *net, const float *X, const int32_t *y, int B, const sqk_rng *rng0)
{
    sqk_rng rng = *rng0; /* the same dropout masks on every evaluation */
    assert_int_equal(sqk_net_forward(net, X, B, 1, &rng, NULL), SQK_OK);
    sqk_net_zero_grads(net);
    return sqk_net_backward(net, y, B);
}

/* Central differences on a spread of every trainable tensor's entries; an entry where the two
 * one-sided differences disagree sits on a kink (max pooling, clipping) and is skipped. */
static void gradient_check(const sqk_model_kind *kind, const char *const *sets)
{
    sqk_hparams hp;
    sqk_hparams_default(&hp, kind);
    for (int i = 0; sets[i]; i++)
        if (sqk_hparams_set(&hp, sets[i])) fail_msg("%s %s: %s", kind->name, sets[i], sqk_last_error());
    sqk_model *m = NULL;
    if (sqk_model_create(&m, kind, &hp, 8, 2, NULL)) fail_msg("create %s: %s", kind->name, sqk_last_error());
    sqk_net *net = sqk_netmodel_net(m);
    enum { B = 5 };
    float X[B * 8 * 2];
    int32_t y[B] = {0, 1, 2, 1, 0};
    sqk_rng rng;
    sqk_rng_seed(&rng, 99);
    for (size_t i = 0; i < sizeof X / sizeof *X; i++) X[i] = (float)sqk_rng_normal(&rng);
    sqk_rng drop;
    sqk_rng_seed(&drop, 7);

    size_t np = sqk_net_num_params(net);
    float *params = sqk_net_params(net), *analytic = malloc(np * sizeof *analytic);
    loss_at(net, X, y, B, &drop);
    memcpy(analytic, sqk_net_grads(net), np * sizeof *analytic);
    int checked = 0, kinks = 0;
    for (int t = 0; t < sqk_net_num_tensors(net); t++) {
        const sqk_param_tensor *pt = sqk_net_tensor(net, t);
        if (!pt->trainable) continue;
        size_t step = pt->size > 12 ? pt->size / 12 : 1;
        for (size_t k = 0; k < pt->size; k += step) {
            size_t i = pt->offset + k;
            const float h = 2e-3f;
            float keep = params[i];
            double f0 = loss_at(net, X, y, B, &drop);
            params[i] = keep + h;
            double fp = loss_at(net, X, y, B, &drop);
            params[i] = keep - h;
            double fm = loss_at(net, X, y, B, &drop);
            params[i] = keep;
            double dp = (fp - f0) / h, dm = (f0 - fm) / h, numeric = (fp - fm) / (2 * h);
            if (fabs(dp - dm) > 0.05 * fmax(fabs(dp), fabs(dm)) + 2e-3) { kinks++; continue; }
            double tol = 2e-3 + 2e-2 * fabs(numeric);
            if (fabs(numeric - analytic[i]) > tol)
                fail_msg("%s %s[%zu]: analytic %.6g, numeric %.6g", kind->name, pt->name, k, analytic[i], numeric);
            checked++;
        }
    }
    assert_true(checked > 5 * kinks); /* mostly smooth: the check really checked */
    free(analytic);
    sqk_model_free(m);
}

static void test_gradients(void **state)
{
    (void)state;
    const char *cnn[] = {"num_cnn_layers=2", "num_filters_cnn=3", "size_kernel_cnn=2", "activation_cnn=tanh",
                         "num_fc_layers=3", "units_fc=5", "activation_fc=sigmoid", "dropout=0.25", NULL};
    const char *lstm[] = {"num_lstm_layers=2", "units_lstm=4", "num_fc_layers=2", "units_fc=5",
                          "activation_fc=tanh", "dropout=0.25", NULL};
    const char *dnn[] = {"num_layers=2", "units_1=6", "units_2=5", "dropout_1=0.25", "dropout_2=0.5",
                         "activation=tanh", NULL};
    gradient_check(&sqk_kind_cnn, cnn);
    gradient_check(&sqk_kind_lstm, lstm);
    gradient_check(&sqk_kind_dnn, dnn);
}

/* ---- hyperparameters and --init --------------------------------------------------------- */

static void test_hparam_errors(void **state)
{
    (void)state;
    sqk_hparams hp;
    sqk_hparams_default(&hp, &sqk_kind_rf);
    assert_int_equal(sqk_hparams_set(&hp, "criterion=gini"), SQK_EARG);       /* no XGBoost counterpart */
    assert_non_null(strstr(sqk_last_error(), "max_leaf_nodes"));               /* lists the valid keys */
    assert_int_equal(sqk_hparams_set(&hp, "bootstrap=2"), SQK_EARG);
    assert_int_equal(sqk_hparams_set(&hp, "max_leaf_nodes=1"), SQK_OK); /* in range, refused at fit */
    sqk_model *rf = NULL;
    assert_int_equal(sqk_model_create(&rf, &sqk_kind_rf, &hp, 4, 2, NULL), SQK_OK);
    float X[8 * 6] = {0};
    int32_t y[6] = {0, 1, 2, 0, 1, 2};
    sqk_model_data tr = {X, y, 6}, none = {NULL, NULL, 0};
    sqk_fit_options o = {0};
    assert_int_equal(sqk_model_fit(rf, &tr, &none, &o), SQK_EARG);
    assert_non_null(strstr(sqk_last_error(), "max_leaf_nodes"));
    sqk_model_free(rf);
    sqk_hparams_default(&hp, &sqk_kind_gbm);
    assert_int_equal(sqk_hparams_set(&hp, "max_features=half"), SQK_EARG);
    assert_non_null(strstr(sqk_last_error(), "log2"));
    assert_int_equal(sqk_hparams_set(&hp, "max_features=sqrt"), SQK_OK);
    sqk_hparams_default(&hp, &sqk_kind_dnn);
    assert_int_equal(sqk_hparams_set(&hp, "num_layers=7"), SQK_EARG);
    assert_int_equal(sqk_hparams_set(&hp, "optimizer=sgd"), SQK_OK);
    assert_int_equal(sqk_hparams_set(&hp, "momentum=0.9"), SQK_OK);
    sqk_hparams_default(&hp, &sqk_kind_cnn);
    assert_int_equal(sqk_hparams_set(&hp, "activation_cnn=gelu"), SQK_EARG);
    /* A kernel longer than the window is refused when the network is built. */
    assert_int_equal(sqk_hparams_set(&hp, "size_kernel_cnn=30"), SQK_OK);
    sqk_model *m = NULL;
    assert_int_not_equal(sqk_model_create(&m, &sqk_kind_cnn, &hp, T_LEN, F_DIM, NULL), SQK_OK);
    assert_null(m);
}

/* gbm --init continues boosting from the stored booster; rf refuses with the reason. */
static void test_init(void **state)
{
    fixture *fx = *state;
    const sqk_model_kind *kinds[2] = {&sqk_kind_gbm, &sqk_kind_rf};
    for (int k = 0; k < 2; k++) {
        sqk_hparams hp;
        quick_hparams(&hp, kinds[k]);
        sqk_model *first = train(fx, kinds[k], &hp), *next = NULL;
        char path[600];
        snprintf(path, sizeof path, "%s/init_%s.h5", fx->dir, kinds[k]->name);
        assert_int_equal(sqk_model_save(first, path), SQK_OK);
        assert_int_equal(sqk_model_create(&next, kinds[k], &hp, fx->T, fx->F, "Ne,Te"), SQK_OK);
        int rc = sqk_model_init_from(next, path);
        float *X;
        int32_t *y;
        size_t n = take_split(fx, 0, &X, &y);
        sqk_model_data tr = {X, y, n}, none = {NULL, NULL, 0};
        sqk_fit_options o = {0};
        o.threads = 1;
        if (rc == SQK_OK) rc = sqk_model_fit(next, &tr, &none, &o);
        if (k == 0) {
            if (rc) fail_msg("gbm --init: %s", sqk_last_error());
            assert_int_equal(next->best_epoch, 80); /* 40 stored rounds + 40 new ones */
        } else {
            assert_int_equal(rc, SQK_EARG);
            assert_non_null(strstr(sqk_last_error(), "random forest"));
        }
        free(X); free(y);
        sqk_model_free(first);
        sqk_model_free(next);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_registry),
        cmocka_unit_test(test_gbm),
        cmocka_unit_test(test_rf),
        cmocka_unit_test(test_cnn),
        cmocka_unit_test(test_lstm),
        cmocka_unit_test(test_dnn),
        cmocka_unit_test(test_gradients),
        cmocka_unit_test(test_hparam_errors),
        cmocka_unit_test(test_init),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
