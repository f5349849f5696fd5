/* Training and prediction on small hand-made dataset files: the model learns a planted
 * pattern, same seed + one thread gives identical weights, save/load gives identical
 * predictions, transfer learning and freezing, and the errors for bad input. */
#include "testutil.h"
#include "sqk/geo.h"
#include "sqk/h5.h"
#include "sqk/train.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A dataset in the contract layout: class 1 = a bump in the first half of feature 0, class 2 =
 * a bump in the second half, class 0 = noise only. Splits 60/20/20 by row. */
static void write_dataset(const char *path, size_t N, int T, int F, const char *features, uint64_t seed)
{
    float *X = malloc(sizeof(float) * N * T * F);
    int32_t *y = malloc(sizeof(int32_t) * N);
    uint8_t *split = malloc(N);
    int64_t *event = malloc(sizeof(int64_t) * N);
    sqk_rng r;
    sqk_rng_seed(&r, seed);
    for (size_t i = 0; i < N; i++) {
        y[i] = (int32_t)(i % 3);
        split[i] = i < N * 6 / 10 ? 0 : i < N * 8 / 10 ? 1 : 2;
        event[i] = (int64_t)(i / 4);
        int centre = (int)(y[i] == 1 ? T / 4 : 3 * T / 4) + (int)sqk_rng_below(&r, 3) - 1;
        for (int t = 0; t < T; t++)
            for (int f = 0; f < F; f++) {
                double v = 1000.0 * (f + 1) + 50.0 * sqk_rng_normal(&r);
                if (y[i] && f == 0) v += 400.0 * exp(-0.5 * (t - centre) * (t - centre));
                X[((size_t)i * T + t) * F + f] = (float)v;
            }
    }
    test_write_window_dataset(path, N, T, F, X, y, split, event, features, "T=20\nsatellite=test\n");
    free(X); free(y); free(split); free(event);
}

typedef struct {
    char *dir;
    char data[512], data_t10[512], model[512], model2[512], pred[512], log[512];
} fixture;

static int setup(void **state)
{
    fixture *fx = calloc(1, sizeof *fx);
    fx->dir = test_tmpdir();
    snprintf(fx->data, sizeof fx->data, "%s/data.h5", fx->dir);
    snprintf(fx->data_t10, sizeof fx->data_t10, "%s/data_t10.h5", fx->dir);
    snprintf(fx->model, sizeof fx->model, "%s/model.h5", fx->dir);
    snprintf(fx->model2, sizeof fx->model2, "%s/model2.h5", fx->dir);
    snprintf(fx->pred, sizeof fx->pred, "%s/pred.csv", fx->dir);
    snprintf(fx->log, sizeof fx->log, "%s/epochs.csv", fx->dir);
    write_dataset(fx->data, 600, 20, 2, "Ne,Te", 5);
    write_dataset(fx->data_t10, 60, 10, 2, "Ne,Te", 6);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    fixture *fx = *state;
    test_rmtree(fx->dir);
    free(fx->dir);
    free(fx);
    return 0;
}

static const char *small[] = {"units_lstm=16", "units_fc=16", "epochs=12", "batch_size=20",
                              "dropout=0.25", "patience=0"};

static sqk_train_options options(const fixture *fx, const char *out)
{
    return (sqk_train_options){.data_path = fx->data, .kind = "seqnet", .sets = small,
                               .n_sets = 6, .threads = 1, .out_path = out, .log_path = fx->log};
}

static void test_learns_and_predicts(void **state)
{
    fixture *fx = *state;
    sqk_train_options o = options(fx, fx->model);
    sqk_train_summary s;
    assert_int_equal(sqk_train_run(&o, &s), SQK_OK);
    assert_int_equal(s.n_train, 360);
    assert_int_equal(s.n_val, 120);
    assert_true(s.best_val_f1 > 0.9);
    /* the log: header + one line per epoch */
    char *log = test_read_file(fx->log, NULL);
    assert_non_null(log);
    assert_non_null(strstr(log, "epoch,loss,accuracy,val_loss,val_accuracy,val_f1,seconds\n1,"));
    free(log);
    size_t n;
    assert_int_equal(sqk_predict_run(fx->model, fx->data, SQK_SPLIT_TEST, fx->pred, 1, &n), SQK_OK);
    assert_int_equal(n, 120);
    char *csv = test_read_file(fx->pred, NULL);
    assert_non_null(csv);
    assert_true(!strncmp(csv, "window,split,event,y_true,p0,p1,p2,y_pred\n480,2,120,0,", 53));
    /* test accuracy from the file */
    int correct = 0, rows = 0;
    for (char *line = strchr(csv, '\n') + 1; *line; line = strchr(line, '\n') + 1) {
        long w, sp, ev;
        int yt, yp;
        double p0, p1, p2;
        assert_int_equal(sscanf(line, "%ld,%ld,%ld,%d,%lf,%lf,%lf,%d", &w, &sp, &ev, &yt, &p0, &p1, &p2, &yp), 8);
        assert_close(p0 + p1 + p2, 1.0, 1e-4);
        correct += yt == yp;
        rows++;
    }
    assert_int_equal(rows, 120);
    assert_true(correct > 108);
    free(csv);
    assert_int_equal(test_count_files(fx->dir, ".tmp"), 0);
}

static void test_same_seed_same_weights(void **state)
{
    fixture *fx = *state;
    sqk_train_options o = options(fx, fx->model2);
    const char *sets[] = {"units_lstm=8", "units_fc=8", "epochs=2", "batch_size=32"};
    o.sets = sets;
    o.n_sets = 4;
    o.log_path = NULL;
    sqk_train_summary s;
    assert_int_equal(sqk_train_run(&o, &s), SQK_OK);
    sqk_model *a, *b;
    assert_int_equal(sqk_model_load(&a, fx->model2), SQK_OK);
    assert_int_equal(sqk_train_run(&o, &s), SQK_OK);
    assert_int_equal(sqk_model_load(&b, fx->model2), SQK_OK);
    sqk_net *na = sqk_netmodel_net(a), *nb = sqk_netmodel_net(b);
    assert_int_equal(sqk_net_num_params(na), sqk_net_num_params(nb));
    assert_memory_equal(sqk_net_params(na), sqk_net_params(nb), sqk_net_num_params(na) * sizeof(float));
    sqk_model_free(a);
    sqk_model_free(b);
}

static void test_save_load_identical_predictions(void **state)
{
    fixture *fx = *state;
    sqk_train_data d;
    assert_int_equal(sqk_train_data_read(&d, fx->data), SQK_OK);
    sqk_hparams hp;
    sqk_hparams_default(&hp, sqk_model_kind_find("seqnet"));
    assert_int_equal(sqk_hparams_set(&hp, "units_lstm=8"), SQK_OK);
    assert_int_equal(sqk_hparams_set(&hp, "epochs=1"), SQK_OK);
    assert_int_equal(sqk_hparams_set(&hp, "normalize=1"), SQK_OK);
    sqk_model *m, *back;
    assert_int_equal(sqk_model_create(&m, hp.kind, &hp, d.T, d.F, d.features), SQK_OK);
    sqk_model_data tr = {d.X, d.y, 100};
    assert_int_equal(sqk_model_fit(m, &tr, NULL, NULL), SQK_OK);
    float *p1 = malloc(sizeof(float) * 3 * d.N), *p2 = malloc(sizeof(float) * 3 * d.N);
    assert_int_equal(sqk_model_predict(m, d.X, d.N, p1), SQK_OK);
    assert_int_equal(sqk_model_save(m, fx->model2), SQK_OK);
    assert_int_equal(sqk_model_load(&back, fx->model2), SQK_OK);
    assert_int_equal(sqk_model_predict(back, d.X, d.N, p2), SQK_OK);
    assert_memory_equal(p1, p2, sizeof(float) * 3 * d.N);
    assert_string_equal(back->features, "Ne,Te");
    assert_int_equal(back->scaler.normalize, 1);
    free(p1); free(p2);
    sqk_model_free(m);
    sqk_model_free(back);
    sqk_train_data_free(&d);
}

static void test_transfer_and_freeze(void **state)
{
    fixture *fx = *state;
    /* a source model */
    sqk_train_options o = options(fx, fx->model2);
    const char *sets[] = {"units_lstm=8", "units_fc=8", "epochs=1", "batch_size=32"};
    o.sets = sets;
    o.n_sets = 4;
    o.log_path = NULL;
    sqk_train_summary s;
    assert_int_equal(sqk_train_run(&o, &s), SQK_OK);
    sqk_model *src;
    assert_int_equal(sqk_model_load(&src, fx->model2), SQK_OK);
    /* continue from it with conv1 and bilstm1 frozen: those weights stay, fc1 moves */
    char out[600];
    snprintf(out, sizeof out, "%s/transfer.h5", fx->dir);
    sqk_train_options t = o;
    const char *tsets[] = {"epochs=1"};
    t.sets = tsets;
    t.n_sets = 1;
    t.init_path = fx->model2;
    t.freeze = "conv1,bilstm1";
    t.out_path = out;
    assert_int_equal(sqk_train_run(&t, &s), SQK_OK);
    sqk_model *dst;
    assert_int_equal(sqk_model_load(&dst, out), SQK_OK);
    sqk_net *a = sqk_netmodel_net(src), *b = sqk_netmodel_net(dst);
    const char *same[] = {"conv1/kernel", "conv1/bias", "bilstm1/forward/kernel", "bilstm1/backward/recurrent_kernel"};
    for (int i = 0; i < 4; i++) {
        const sqk_param_tensor *ta = sqk_net_find_tensor(a, same[i]);
        assert_non_null(ta);
        assert_memory_equal(sqk_net_params(a) + ta->offset, sqk_net_params(b) + ta->offset, ta->size * sizeof(float));
    }
    const sqk_param_tensor *fc = sqk_net_find_tensor(a, "fc1/kernel");
    assert_true(memcmp(sqk_net_params(a) + fc->offset, sqk_net_params(b) + fc->offset, fc->size * sizeof(float)));
    sqk_model_free(src);
    sqk_model_free(dst);

    /* a different architecture is refused with the key named */
    const char *other[] = {"units_lstm=16"};
    t.sets = other;
    t.freeze = NULL;
    assert_int_equal(sqk_train_run(&t, &s), SQK_EARG);
    assert_non_null(strstr(sqk_last_error(), "units_lstm"));
    /* a dataset of another window length is refused */
    t.sets = tsets;
    t.data_path = fx->data_t10;
    assert_int_equal(sqk_train_run(&t, &s), SQK_EARG);
    if (!strstr(sqk_last_error(), "T=20")) fail_msg("%s", sqk_last_error());
    /* an unknown layer to freeze lists the layers */
    t.data_path = fx->data;
    t.freeze = "conv9";
    assert_int_equal(sqk_train_run(&t, &s), SQK_EARG);
    assert_non_null(strstr(sqk_last_error(), "bilstm1"));
}

static void test_predict_refuses_other_shape(void **state)
{
    fixture *fx = *state;
    if (sqk_train_run(&(sqk_train_options){.data_path = fx->data, .kind = "seqnet", .sets = (const char *[]){"units_lstm=4", "units_fc=4", "epochs=1"}, .n_sets = 3, .threads = 1, .out_path = fx->model2}, &(sqk_train_summary){0}))
        fail_msg("%s", sqk_last_error());
    assert_int_equal(sqk_predict_run(fx->model2, fx->data_t10, SQK_SPLIT_ALL, fx->pred, 1, NULL), SQK_EARG);
    assert_non_null(strstr(sqk_last_error(), "T=20"));
}

static void test_hparam_errors(void **state)
{
    (void)state;
    sqk_hparams hp;
    sqk_hparams_default(&hp, sqk_model_kind_find("seqnet"));
    assert_int_equal(sqk_hparams_set(&hp, "units=3"), SQK_EARG);
    assert_non_null(strstr(sqk_last_error(), "units_lstm"));
    assert_int_equal(sqk_hparams_set(&hp, "dropout=1.5"), SQK_EARG);
    assert_non_null(strstr(sqk_last_error(), "range"));
    assert_int_equal(sqk_hparams_set(&hp, "activation_fc=gelu"), SQK_EARG);
    assert_non_null(strstr(sqk_last_error(), "relu,tanh,sigmoid"));
    assert_int_equal(sqk_hparams_set(&hp, "num_cnn_layers=2.5"), SQK_EARG);
    assert_int_equal(sqk_hparams_set(&hp, "lr"), SQK_EARG);
    assert_int_equal(sqk_hparams_set(&hp, "activation_fc=tanh"), SQK_OK);
    char c[16];
    assert_string_equal(sqk_hp_choice(&hp, "activation_fc", c, sizeof c), "tanh");
    assert_null(sqk_model_kind_find("transformer"));
    assert_non_null(strstr(sqk_last_error(), "seqnet"));
    /* n_steps must divide T */
    sqk_model *m;
    assert_int_equal(sqk_hparams_set(&hp, "n_steps=3"), SQK_OK);
    assert_int_equal(sqk_model_create(&m, hp.kind, &hp, 20, 2, NULL), SQK_EARG);
}

static void test_bad_files(void **state)
{
    fixture *fx = *state;
    sqk_train_options o = options(fx, fx->model2);
    char missing[600], notds[600];
    snprintf(missing, sizeof missing, "%s/none.h5", fx->dir);
    o.data_path = missing;
    sqk_train_summary s;
    assert_int_not_equal(sqk_train_run(&o, &s), SQK_OK);
    snprintf(notds, sizeof notds, "%s/not.h5", fx->dir);
    assert_int_equal(test_write_file(notds, "hello", 5), 0);
    o.data_path = notds;
    assert_int_not_equal(sqk_train_run(&o, &s), SQK_OK);
    /* a NaN in X and a label out of range are refused with the window named */
    char bad[600];
    snprintf(bad, sizeof bad, "%s/bad.h5", fx->dir);
    write_dataset(bad, 30, 10, 2, "Ne,Te", 7);
    hid_t h;
    float Xb[30 * 10 * 2];
    int32_t yb[30];
    size_t dims[3] = {30, 10, 2};
    assert_int_equal(sqk_h5_open_read(bad, &h), SQK_OK);
    assert_int_equal(sqk_h5_read_f32(h, "X", Xb, 600), SQK_OK);
    assert_int_equal(sqk_h5_read_i32(h, "y", yb, 30), SQK_OK);
    H5Fclose(h);
    Xb[7 * 20 + 3] = NAN;
    h = H5Fopen(bad, H5F_ACC_RDWR, H5P_DEFAULT);
    H5Ldelete(h, "X", H5P_DEFAULT);
    assert_int_equal(sqk_h5_write_f32(h, "X", 3, dims, Xb), SQK_OK);
    H5Fclose(h);
    sqk_train_data d;
    assert_int_equal(sqk_train_data_read(&d, bad), SQK_EFORMAT);
    assert_non_null(strstr(sqk_last_error(), "window 7"));
    Xb[7 * 20 + 3] = 1.0f;
    yb[4] = 5;
    h = H5Fopen(bad, H5F_ACC_RDWR, H5P_DEFAULT);
    H5Ldelete(h, "X", H5P_DEFAULT);
    H5Ldelete(h, "y", H5P_DEFAULT);
    assert_int_equal(sqk_h5_write_f32(h, "X", 3, dims, Xb), SQK_OK);
    assert_int_equal(sqk_h5_write_i32(h, "y", 1, dims, yb), SQK_OK);
    H5Fclose(h);
    assert_int_equal(sqk_train_data_read(&d, bad), SQK_EFORMAT);
    assert_non_null(strstr(sqk_last_error(), "window 4 has label y=5"));
    /* a dataset file is not a model file */
    assert_int_equal(sqk_predict_run(fx->data, fx->data, SQK_SPLIT_TEST, fx->pred, 1, NULL), SQK_EFORMAT);
    assert_non_null(strstr(sqk_last_error(), "not a seqnetquake model"));
    assert_int_equal(test_count_files(fx->dir, ".tmp"), 0);
}

/* A dataset with no validation windows has nothing to stop early or choose the alarm on: the
 * library refuses it naming the file and the split counts (it used to report "val F1 nan" and
 * succeed). */
static void test_no_validation_windows(void **state)
{
    fixture *fx = *state;
    char noval[600];
    snprintf(noval, sizeof noval, "%s/noval.h5", fx->dir);
    write_dataset(noval, 30, 20, 2, "Ne,Te", 8);
    uint8_t split[30];
    size_t n = 30;
    for (size_t i = 0; i < n; i++) split[i] = i < 24 ? SQK_SPLIT_TRAIN : SQK_SPLIT_TEST;
    hid_t h = H5Fopen(noval, H5F_ACC_RDWR, H5P_DEFAULT);
    assert_true(h >= 0);
    H5Ldelete(h, "split", H5P_DEFAULT);
    assert_int_equal(sqk_h5_write_u8(h, "split", 1, &n, split), SQK_OK);
    H5Fclose(h);
    sqk_train_options o = options(fx, fx->model2);
    o.data_path = noval;
    o.log_path = NULL;
    sqk_train_summary s;
    int rc = sqk_train_run(&o, &s);
    const char *e = sqk_last_error();
    if (rc != SQK_EEMPTY) fail_msg("status %d: %s", rc, e);
    assert_non_null(strstr(e, noval));
    assert_non_null(strstr(e, "no validation windows (split 1)"));
    assert_non_null(strstr(e, "24 training, 0 validation and 6 test windows"));
    char *out = NULL;
    assert_int_not_equal(test_cli(&out, "train --data %s --out %s --quiet", noval, fx->model2), 0);
    assert_non_null(strstr(out, "no validation windows"));
    free(out);
}

/* --params must name a readable regular file: a folder reads as empty on Linux and used to
 * train silently with the defaults. */
static void test_params_not_a_file(void **state)
{
    fixture *fx = *state;
    char *out = NULL;
    assert_int_equal(test_cli(&out, "train --data %s --out %s --params %s --quiet", fx->data, fx->model2, fx->dir), 1);
    assert_non_null(strstr(out, fx->dir));
    assert_non_null(strstr(out, "is a folder"));
    free(out);
    char missing[600];
    snprintf(missing, sizeof missing, "%s/none.params", fx->dir);
    assert_int_equal(test_cli(&out, "train --data %s --out %s --params %s --quiet", fx->data, fx->model2, missing), 1);
    assert_non_null(strstr(out, missing));
    assert_non_null(strstr(out, "No such file"));
    free(out);
}

/* The command line: help, a bad --set, and train + predict end to end. */
static void test_cli_train_predict(void **state)
{
    fixture *fx = *state;
    char *out = NULL;
    assert_int_equal(test_cli(&out, "train --help"), 0);
    assert_non_null(strstr(out, "units_lstm"));
    free(out);
    assert_int_equal(test_cli(&out, "train --data %s --out %s --set units=3 --quiet", fx->data, fx->model2), 2);
    assert_non_null(strstr(out, "valid: num_cnn_layers"));
    free(out);
    assert_int_equal(test_cli(&out, "train --data %s --out %s --set units_lstm=8 --set units_fc=8 "
                                    "--set epochs=2 --log %s --quiet", fx->data, fx->model2, fx->log), 0);
    free(out);
    assert_int_equal(test_cli(&out, "predict --model %s --data %s --split validation --out %s --quiet",
                              fx->model2, fx->data, fx->pred), 0);
    free(out);
    char *csv = test_read_file(fx->pred, NULL);
    assert_non_null(csv);
    int lines = 0;
    for (char *c = csv; *c; c++) lines += *c == '\n';
    assert_int_equal(lines, 121);
    free(csv);
    assert_int_equal(test_cli(&out, "predict --model %s --data %s --out %s", fx->model2, fx->data_t10, fx->pred), 1);
    assert_non_null(strstr(out, "T=20"));
    free(out);
}

/* Adds the where-and-when columns to a dataset file: windows of class 1 at latitude +40, the
 * others at -40 when placed, else at random latitudes (no information). */
static void add_where_when(const char *path, int placed, int with_cadence)
{
    sqk_train_data d;
    assert_int_equal(sqk_train_data_read(&d, path), SQK_OK);
    size_t n = d.N;
    double *t = malloc(n * sizeof *t), *lat = malloc(n * sizeof *lat), *lon = malloc(n * sizeof *lon);
    double *lt = malloc(n * sizeof *lt);
    uint8_t *cad = malloc(n);
    sqk_rng r;
    sqk_rng_seed(&r, 9);
    for (size_t i = 0; i < n; i++) {
        t[i] = 1577836800.0 + 86400.0 * (double)(i % 90);
        lat[i] = placed ? (d.y[i] == 1 ? 40 : -40) + 5 * sqk_rng_normal(&r) : sqk_rng_uniform_range(&r, -60, 60);
        lon[i] = sqk_rng_uniform_range(&r, -180, 180);
        lt[i] = sqk_rng_uniform_range(&r, 0, 24);
        cad[i] = (uint8_t)(i % 2);
    }
    hid_t f = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
    assert_true(f >= 0);
    assert_int_equal(sqk_h5_write_f64(f, "time", 1, &n, t), SQK_OK);
    assert_int_equal(sqk_h5_write_f64(f, "lat", 1, &n, lat), SQK_OK);
    assert_int_equal(sqk_h5_write_f64(f, "lon", 1, &n, lon), SQK_OK);
    assert_int_equal(sqk_h5_write_f64(f, "lt_h", 1, &n, lt), SQK_OK);
    if (with_cadence) assert_int_equal(sqk_h5_write_u8(f, "cadence", 1, &n, cad), SQK_OK);
    H5Fclose(f);
    free(t); free(lat); free(lon); free(lt); free(cad);
    sqk_train_data_free(&d);
}

/* Share of the test windows of classes 0 and 1 whose predicted class (0 or 1) is right. */
static double seismic_control_accuracy(const char *pred_csv)
{
    FILE *f = fopen(pred_csv, "r");
    assert_non_null(f);
    char line[512];
    size_t n = 0, ok = 0;
    assert_non_null(fgets(line, sizeof line, f));
    while (fgets(line, sizeof line, f)) {
        int yt, yp;
        double p0, p1, p2;
        long long w, e;
        int s;
        assert_int_equal(sscanf(line, "%lld,%d,%lld,%d,%lf,%lf,%lf,%d", &w, &s, &e, &yt, &p0, &p1, &p2, &yp), 8);
        if (yt > 1) continue;
        n++;
        ok += (p1 > p0) == (yt == 1);
    }
    fclose(f);
    return n ? (double)ok / (double)n : 0;
}

/* The where-and-when baseline reads place and time only: it separates the classes when they
 * sit at different latitudes and is at chance when only the windows' Ne/Te differ. */
static void test_geo_where_and_when(void **state)
{
    fixture *fx = *state;
    char placed[600], blind[600], nocad[600], model[600], pred[600];
    snprintf(placed, sizeof placed, "%s/placed.h5", fx->dir);
    snprintf(blind, sizeof blind, "%s/blind.h5", fx->dir);
    snprintf(nocad, sizeof nocad, "%s/nocad.h5", fx->dir);
    snprintf(model, sizeof model, "%s/geo.h5", fx->dir);
    snprintf(pred, sizeof pred, "%s/geo.csv", fx->dir);
    write_dataset(placed, 600, 20, 2, "Ne,Te", 5);
    write_dataset(blind, 600, 20, 2, "Ne,Te", 5);
    write_dataset(nocad, 60, 20, 2, "Ne,Te", 5);
    add_where_when(placed, 1, 1);
    add_where_when(blind, 0, 1);
    add_where_when(nocad, 1, 0);
    /* known answers of the inputs: 2020-02-01T12:00Z is day of year 32.5; the dipole pole
     * has magnetic latitude 90 */
    float row[SQK_WHERE_WHEN_F];
    double plat, plon;
    sqk_dipole_pole(&plat, &plon);
    sqk_where_when_row(1577836800.0 + 31.5 * 86400.0, plat, plon, 3.5, 1, row);
    assert_close(row[2], 90, 1e-3);
    assert_close(row[3], 3.5, 0);
    assert_close(row[4], 32.5, 1e-4);
    assert_close(row[5], 1, 0);
    for (int k = 0; k < 2; k++) {
        const char *data = k ? blind : placed;
        sqk_train_options o = {.data_path = data, .kind = "geo", .threads = 1, .out_path = model};
        sqk_train_summary s;
        assert_int_equal(sqk_train_run(&o, &s), SQK_OK);
        sqk_model *m;
        assert_int_equal(sqk_model_load(&m, model), SQK_OK);
        assert_string_equal(m->kind->name, "geo");
        assert_int_equal(m->T, 1);
        assert_int_equal(m->F, SQK_WHERE_WHEN_F);
        assert_string_equal(m->features, SQK_WHERE_WHEN_FEATURES);
        sqk_model_free(m);
        assert_int_equal(sqk_predict_run(model, data, SQK_SPLIT_TEST, pred, 1, NULL), SQK_OK);
        double acc = seismic_control_accuracy(pred);
        if (k == 0) assert_true(acc > 0.95);
        else assert_true(acc < 0.65);
    }
    /* a dataset without the cadence column is refused by name */
    sqk_train_options o = {.data_path = nocad, .kind = "geo", .threads = 1, .out_path = model};
    sqk_train_summary s;
    assert_int_equal(sqk_train_run(&o, &s), SQK_EFORMAT);
    assert_non_null(strstr(sqk_last_error(), "no cadence column"));
    /* and from the command line */
    char *out = NULL;
    assert_int_equal(test_cli(&out, "train --data %s --model geo --out %s --quiet", placed, model), 0);
    free(out);
    assert_int_equal(test_cli(&out, "predict --model %s --data %s --split test --out %s --quiet", model, placed, pred), 0);
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_learns_and_predicts),
        cmocka_unit_test(test_same_seed_same_weights),
        cmocka_unit_test(test_save_load_identical_predictions),
        cmocka_unit_test(test_transfer_and_freeze),
        cmocka_unit_test(test_predict_refuses_other_shape),
        cmocka_unit_test(test_hparam_errors),
        cmocka_unit_test(test_bad_files),
        cmocka_unit_test(test_no_validation_windows),
        cmocka_unit_test(test_params_not_a_file),
        cmocka_unit_test(test_cli_train_predict),
        cmocka_unit_test(test_geo_where_and_when),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
