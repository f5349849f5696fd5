/* Window-level truth: a dataset built from a synthetic archive stores, per window, the
 * planted precursor's footprint weight and event; built from the paired null archive it
 * stores the same weights, and the windows of weight 0 hold the same samples on both sides
 * while every window of weight > 0 differs. A bad truth.csv fails the build naming the line. */
#include "testutil.h"

#include "sqk/dataset.h"
#include "sqk/h5.h"
#include "sqk/synth.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    size_t n, T, F, nev;
    float *x;
    double *weight;
    int64_t *pev;
    int32_t *y;
    uint8_t *kind;
} truth_ds;

static void read_ds(const char *path, truth_ds *d)
{
    hid_t f;
    assert_int_equal(sqk_h5_open_read(path, &f), SQK_OK);
    int rank;
    size_t dims[4];
    assert_int_equal(sqk_h5_dims(f, "X", &rank, dims), SQK_OK);
    d->n = dims[0]; d->T = dims[1]; d->F = dims[2];
    d->x = malloc(d->n * d->T * d->F * sizeof *d->x);
    d->weight = malloc(d->n * sizeof *d->weight);
    d->pev = malloc(d->n * sizeof *d->pev);
    d->y = malloc(d->n * sizeof *d->y);
    assert_int_equal(sqk_h5_read_f32(f, "X", d->x, d->n * d->T * d->F), SQK_OK);
    assert_int_equal(sqk_h5_read_f64(f, "precursor_weight", d->weight, d->n), SQK_OK);
    assert_int_equal(sqk_h5_read_i64(f, "precursor_event", d->pev, d->n), SQK_OK);
    assert_int_equal(sqk_h5_read_i32(f, "y", d->y, d->n), SQK_OK);
    assert_int_equal(sqk_h5_dims(f, "events/kind", &rank, dims), SQK_OK);
    d->nev = dims[0];
    d->kind = malloc(d->nev);
    assert_int_equal(sqk_h5_read_u8(f, "events/kind", d->kind, d->nev), SQK_OK);
    H5Fclose(f);
}

static void free_ds(truth_ds *d)
{
    free(d->x); free(d->weight); free(d->pev); free(d->y); free(d->kind);
}

static void build(const char *archive, const char *out, const char *truth)
{
    sqk_build_config c;
    sqk_build_config_default(&c);
    assert_int_equal(sqk_build_config_preset(&c, "07"), SQK_OK);
    c.threads = 2;
    sqk_build_inputs in = {.archive_dir = archive, .out_path = out, .truth_path = truth};
    sqk_build_result r;
    sqk_progress none = {0};
    int st = sqk_build(&c, &in, &none, &r);
    if (st) fail_msg("build %s: %s", archive, sqk_last_error());
    assert_true(r.has_truth && r.truth_windows[1] > 0);
    sqk_build_result_free(&r);
}

static void test_paired_window_truth(void **state)
{
    (void)state;
    char *base = test_tmpdir();
    char a[4200], b[4200], da[4300], db[4300];
    snprintf(a, sizeof a, "%s/planted", base);
    snprintf(b, sizeof b, "%s/null", base);
    snprintf(da, sizeof da, "%s/a.h5", base);
    snprintf(db, sizeof db, "%s/b.h5", base);
    sqk_synth_config c;
    sqk_synth_defaults(&c);
    c.seed = 2;
    c.demeter = 0;
    c.cses_days = 12;
    sqk_progress none = {0};
    assert_int_equal(sqk_synth_run(a, &c, &none, NULL), SQK_OK);
    c.precursor_strength = 0;
    assert_int_equal(sqk_synth_run(b, &c, &none, NULL), SQK_OK);
    build(a, da, NULL);
    build(b, db, NULL);
    truth_ds x, y;
    read_ds(da, &x);
    read_ds(db, &y);
    assert_int_equal(x.n, y.n);
    size_t TF = x.T * x.F, inside = 0, full = 0;
    for (size_t i = 0; i < x.n; i++) {
        assert_true(x.weight[i] == y.weight[i] && x.pev[i] == y.pev[i] && x.y[i] == y.y[i]);
        assert_true(x.weight[i] >= 0 && x.weight[i] <= 1);
        int same = !memcmp(x.x + i * TF, y.x + i * TF, TF * sizeof *x.x);
        if (x.weight[i] == 0) {
            assert_true(same);
            assert_int_equal(x.pev[i], -1);
        } else {
            if (same && x.weight[i] > 1e-4) fail_msg("window %zu of weight %g is the same in both", i, x.weight[i]);
            inside++;
            full += x.weight[i] == 1;
            /* its event, when in the table, is an earthquake */
            if (x.pev[i] >= 0) assert_int_equal(x.kind[x.pev[i]], 1);
        }
    }
    print_message("%zu windows, %zu inside a footprint (%zu at full weight)\n", x.n, inside, full);
    assert_true(inside > 20 && full > 5);
    free_ds(&x);
    free_ds(&y);

    /* A truth.csv with a bad row: the build fails naming the file and line, writes nothing. */
    char bad[4300], out[4300];
    snprintf(bad, sizeof bad, "%s/bad-truth.csv", base);
    snprintf(out, sizeof out, "%s/bad.h5", base);
    FILE *f = fopen(bad, "w");
    fprintf(f, "event_id,time,lat,lon,mag,onset_days_before,duration_days,amplitude\n"
               "sq1,2020-01-05T00:00:00.000Z,10,20,5.0,3,2,0.08\n"
               "sq2,2020-01-06T00:00:00.000Z,ten,20,5.0,3,2,0.08\n");
    fclose(f);
    sqk_build_config bc;
    sqk_build_config_default(&bc);
    assert_int_equal(sqk_build_config_preset(&bc, "07"), SQK_OK);
    sqk_build_inputs in = {.archive_dir = a, .out_path = out, .truth_path = bad};
    sqk_build_result r;
    assert_int_not_equal(sqk_build(&bc, &in, &none, &r), SQK_OK);
    assert_non_null(strstr(sqk_last_error(), "bad-truth.csv line 3"));
    assert_non_null(strstr(sqk_last_error(), "lat"));
    sqk_build_result_free(&r);
    f = fopen(out, "r");
    assert_null(f);
    test_rmtree(base);
    free(base);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_paired_window_truth),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
