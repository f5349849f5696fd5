/* The leakage report on hand-made window tables with known answers: standardised differences
 * and the cadence rule's MCC computed by hand, the where-and-when baseline's cross-validated
 * AUC near 1 (with its warning) when the classes sit at different latitudes and near 0.5 when
 * both classes share every place and time. */
#include "testutil.h"

#include "sqk/audit.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define T2020 1577836800.0

/* n events of each class, 2 windows each; class 1 at latitude lat1 + jitter, class 0 at lat0 +
 * jitter; everything else shared. Windows of event e: rows 2e, 2e + 1. */
static void table(size_t n, double lat0, double lat1, sqk_window_set *ws, sqk_event **ev, uint8_t **split)
{
    size_t nev = 2 * n, nw = 2 * nev;
    memset(ws, 0, sizeof *ws);
    ws->T = 1;
    ws->F = 1;
    ws->n = ws->cap = nw;
    ws->w = calloc(nw, sizeof *ws->w);
    ws->x = calloc(nw, sizeof *ws->x);
    *ev = calloc(nev, sizeof **ev);
    *split = calloc(nw, 1);
    for (size_t e = 0; e < nev; e++) {
        int y = (int)(e % 2);
        (*ev)[e].kind = (uint8_t)y;
        for (int k = 0; k < 2; k++) {
            sqk_window *w = &ws->w[2 * e + k];
            w->event = (int64_t)e;
            w->y = y;
            w->lat = (y ? lat1 : lat0) + (double)((e / 2) % 7) + k;
            w->lon = (double)((e / 2) % 13) * 10 - 60;
            w->t = T2020 + 86400.0 * (double)((e / 2) % 30);
            w->lt_h = 1.0 + (double)((e / 2) % 5);
            w->kp = 1.0;
            w->cadence = y ? SQK_CADENCE_BURST : SQK_CADENCE_SURVEY;
        }
    }
}

static void drop(sqk_window_set *ws, sqk_event *ev, uint8_t *split)
{
    sqk_window_set_free(ws);
    free(ev);
    free(split);
}

/* Column c of row r of the stored table. */
static double value(const sqk_build_audit *a, int r, const char *col)
{
    char names[512];
    snprintf(names, sizeof names, "%s", a->col_names);
    int c = 0;
    for (char *s, *t = strtok_r(names, ",", &s); t; t = strtok_r(NULL, ",", &s), c++)
        if (!strcmp(t, col)) return a->values[(size_t)r * a->cols + c];
    fail_msg("no column %s", col);
    return NAN;
}

static void test_known_differences(void **state)
{
    (void)state;
    sqk_window_set ws;
    sqk_event *ev;
    uint8_t *split;
    table(100, -40, 40, &ws, &ev, &split);
    sqk_build_config c;
    sqk_build_config_default(&c);
    sqk_build_audit a;
    assert_int_equal(sqk_leakage_report(NULL, &c, &ws, split, ev, 2 * 100, &a), SQK_OK);
    assert_int_equal(a.rows, 4);
    assert_string_equal(a.row_names, "all,train,validation,test");
    /* latitudes differ by 80 deg with the same spread: d = 80 / s, s the sd of e%7 + k */
    double m = 0, ss = 0;
    size_t n = 0;
    for (size_t i = 0; i < ws.n; i++)
        if (ws.w[i].y == 0) { double v = ws.w[i].lat + 40; m += v; ss += v * v; n++; }
    m /= (double)n;
    double sd = sqrt((ss - (double)n * m * m) / (double)(n - 1));
    assert_close(value(&a, 0, "lat"), 80 / sd, 1e-9);
    assert_close(value(&a, 1, "lat"), 80 / sd, 1e-9); /* all windows are training */
    assert_true(isnan(value(&a, 3, "lat")));           /* no test windows */
    assert_close(value(&a, 0, "local_time"), 0, 1e-12);
    assert_close(value(&a, 0, "kp"), 0, 0);
    assert_close(value(&a, 0, "windows_per_event"), 0, 0);
    assert_true(isinf(value(&a, 0, "native_cadence_share")) && value(&a, 0, "native_cadence_share") > 0);
    assert_close(value(&a, 0, "cadence_rule_mcc"), 1, 1e-12);
    assert_close(value(&a, 0, "n_control"), 200, 0);
    assert_close(value(&a, 0, "n_seismic"), 200, 0);
    /* latitude alone separates the classes: AUC ~1 and a warning */
    assert_true(value(&a, 1, "geo_cv_auc") > 0.95);
    assert_int_equal(a.warn, 1);
    assert_non_null(strstr(a.text, "WARNING"));
    sqk_build_audit_free(&a);
    drop(&ws, ev, split);
}

static void test_shared_places_no_warning(void **state)
{
    (void)state;
    sqk_window_set ws;
    sqk_event *ev;
    uint8_t *split;
    table(100, 10, 10, &ws, &ev, &split);
    for (size_t i = 0; i < ws.n; i++) ws.w[i].cadence = (uint8_t)((i / 4) % 2); /* shared by both classes */
    /* events 2u and 2u + 1 are one matched unit: the same places and times, one of each class;
     * the folds keep a unit together (a model that saw one twin would call the other wrong) */
    for (size_t e = 0; e < 200; e++) {
        snprintf(ev[e].pair_id, sizeof ev[e].pair_id, "twin");
        ev[e].unit = (int64_t)(e / 2);
    }
    sqk_build_config c;
    sqk_build_config_default(&c);
    sqk_build_audit a;
    assert_int_equal(sqk_leakage_report(NULL, &c, &ws, split, ev, 2 * 100, &a), SQK_OK);
    assert_close(value(&a, 0, "lat"), 0, 1e-12);
    assert_close(value(&a, 0, "cadence_rule_mcc"), 0, 1e-12);
    double auc = value(&a, 1, "geo_cv_auc");
    if (!(auc > 0.4 && auc < 0.6)) fail_msg("AUC %g", auc);
    assert_int_equal(a.warn, 0);
    assert_null(strstr(a.text, "WARNING"));
    sqk_build_audit_free(&a);
    drop(&ws, ev, split);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_differences),
        cmocka_unit_test(test_shared_places_no_warning),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
