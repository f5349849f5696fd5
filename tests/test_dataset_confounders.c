/* The confounder controls of the dataset builder on hand-made inputs with known answers:
 * native cadence per window and the harmonised cadence (a burst stretch next to a survey one),
 * matched controls (placed at the earthquake's epicentre, refused where the catalogue leaves
 * no free time), relative features, and the design switch with its bad values. */
#include "testutil.h"

#include "sqk/dataset.h"
#include "sqk/geo.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DAY 86400.0
#define T2020 1577836800.0 /* 2020-01-01T00:00:00Z */

/* 40 survey samples 3 s apart, then (without a gap) 40 burst samples 1.5 s apart, all at one
 * place; Ne and Te wiggle (not linear, so that an interpolated sample can be told from a
 * measured one). */
static void burst_next_to_survey(sqk_pass *p)
{
    memset(p, 0, sizeof *p);
    snprintf(p->path, sizeof p->path, "mem");
    assert_int_equal(sqk_pass_alloc(p, 80, 0, 0, 1), SQK_OK);
    assert_int_equal(sqk_pass_add_var(p, "Ne", "cm^-3"), 0);
    assert_int_equal(sqk_pass_add_var(p, "Te", "K"), 1);
    p->satellite = SQK_SAT_CSES;
    double t = T2020;
    for (size_t i = 0; i < 80; i++) {
        p->t[i] = t;
        t += i < 40 ? 3.0 : 1.5; /* sample 39 is the last survey one; 40 comes 3 s later */
        p->lat[i] = 10;
        p->lon[i] = 20;
        p->mode[i] = i < 40 ? SQK_MODE_SURVEY : SQK_MODE_BURST;
        p->var[0].v[i] = 1e4 * (1 + 0.2 * sin(0.7 * (double)i * (double)i));
        p->var[1].v[i] = 2000 * (1 + 0.1 * cos(1.3 * (double)i));
    }
}

/* Samples of the window at a (T samples) that are exactly the midpoint of their neighbours. */
static int midpoints(const sqk_series *s, size_t a, int T)
{
    int n = 0;
    for (int i = 1; i + 1 < T; i++) {
        double x0 = s->x[2 * (a + i - 1)], x1 = s->x[2 * (a + i)], x2 = s->x[2 * (a + i + 1)];
        n += fabs(x1 - 0.5 * (x0 + x2)) <= 1e-3 * fabs(x1);
    }
    return n;
}

static void test_cadence_paper(void **state)
{
    (void)state;
    sqk_build_config c;
    sqk_build_config_default(&c);
    sqk_pass p;
    burst_next_to_survey(&p);
    sqk_series s;
    sqk_sample_counts sc = {0};
    assert_int_equal(sqk_series_prepare(&p, &c, &s, &sc), SQK_OK);
    /* Two stretches: survey 117 s -> 79 samples interpolated; burst 40 samples unchanged. */
    assert_int_equal(s.nstretch, 2);
    assert_int_equal(s.stretch_start[1], 79);
    assert_int_equal(s.n, 79 + 40);
    for (size_t k = 0; k < s.n; k++) assert_int_equal(s.burst[k], k >= 79);
    /* The fingerprint: every other survey sample is a midpoint, burst samples are not. */
    assert_true(midpoints(&s, 0, 20) >= 9);
    assert_true(midpoints(&s, 79, 20) <= 1);
    sqk_series_free(&s);
    sqk_pass_free(&p);
}

static void test_cadence_harmonised(void **state)
{
    (void)state;
    sqk_build_config c;
    sqk_build_config_default(&c);
    c.cadence_mode = SQK_CADENCE_MODE_HARMONISED;
    sqk_pass p;
    burst_next_to_survey(&p);
    sqk_series s;
    sqk_sample_counts sc = {0};
    assert_int_equal(sqk_series_prepare(&p, &c, &s, &sc), SQK_OK);
    /* Burst thinned to 3 s (samples 40, 42, ..., 78): one stretch of 40 + 20 samples 3 s apart,
     * 177 s -> 119 samples at 1.5 s. */
    assert_int_equal(s.nstretch, 1);
    assert_int_equal(s.n, 119);
    /* Output sample k lies at 1.5 k s; burst-made from t = 120 s (sample 40) on: k >= 80. */
    for (size_t k = 0; k < s.n; k++) assert_int_equal(s.burst[k], k >= 80);
    /* The burst part is made like the survey part: the same midpoint fingerprint. */
    assert_true(midpoints(&s, 0, 20) >= 9);
    assert_true(midpoints(&s, 80, 20) >= 9);
    /* Samples at the kept burst times are the measured values. */
    assert_close(s.x[2 * 80], p.var[0].v[40], 1e-2);
    assert_close(s.x[2 * 82], p.var[0].v[42], 1e-2);
    sqk_series_free(&s);
    sqk_pass_free(&p);
}

/* Windows (T = 20) of the pass around one earthquake: survey, one mixed, burst. */
static void test_window_cadence(void **state)
{
    (void)state;
    sqk_build_config c;
    sqk_build_config_default(&c);
    c.radius_deg = 3;
    c.time_of_day = SQK_TIME_ALL;
    float kpv[80];
    for (int i = 0; i < 80; i++) kpv[i] = 1.0f;
    sqk_kp kp = {T2020 - 5 * DAY, 80, kpv, SQK_KP_FMT_GFZ};
    sqk_event ev = {.kind = SQK_EVENT_QUAKE, .status = SQK_EVENT_KEPT, .t = T2020 + DAY, .lat = 10,
                    .lon = 20, .mag = 6, .radius_deg = 3};
    snprintf(ev.id, sizeof ev.id, "Q");
    for (int mode = 0; mode < 2; mode++) {
        c.cadence_mode = mode;
        sqk_pass p;
        burst_next_to_survey(&p);
        sqk_window_set ws = {0};
        sqk_sample_counts sc = {0};
        sqk_window_counts wc = {0};
        assert_int_equal(sqk_window_pass(&p, &c, &ev, 1, &kp, 0, &ws, &sc, &wc), SQK_OK);
        if (mode == SQK_CADENCE_MODE_PAPER) {
            /* survey stretch 79 samples -> 3 windows; burst stretch 40 -> 2 windows */
            assert_int_equal(ws.n, 5);
            uint8_t want[] = {0, 0, 0, 1, 1};
            for (size_t i = 0; i < ws.n; i++) assert_int_equal(ws.w[i].cadence, want[i]);
        } else {
            /* 119 samples -> 5 windows: [0,20) [20,40) [40,60) survey, [60,80) survey,
             * [80,100) burst; none straddles k = 80, so no mixed window here */
            assert_int_equal(ws.n, 5);
            uint8_t want[] = {0, 0, 0, 0, 1};
            for (size_t i = 0; i < ws.n; i++) assert_int_equal(ws.w[i].cadence, want[i]);
        }
        sqk_window_set_free(&ws);
        sqk_pass_free(&p);
    }
    /* A shorter window that straddles the boundary is mixed: T = 30 -> [60, 90). */
    c.T = 30;
    c.cadence_mode = SQK_CADENCE_MODE_HARMONISED;
    sqk_pass p;
    burst_next_to_survey(&p);
    sqk_window_set ws = {0};
    sqk_sample_counts sc = {0};
    sqk_window_counts wc = {0};
    assert_int_equal(sqk_window_pass(&p, &c, &ev, 1, &kp, 0, &ws, &sc, &wc), SQK_OK);
    assert_int_equal(ws.n, 3);
    assert_int_equal(ws.w[0].cadence, SQK_CADENCE_SURVEY);
    assert_int_equal(ws.w[2].cadence, SQK_CADENCE_MIXED);
    sqk_window_set_free(&ws);
    sqk_pass_free(&p);
}

/* dlogNe: log Ne minus the window's least-squares line. Ne growing exponentially gives 0;
 * a bump on top of it comes out as the bump minus its own line. */
static void test_relative_features(void **state)
{
    (void)state;
    sqk_build_config c;
    sqk_build_config_default(&c);
    assert_int_equal(sqk_build_config_set_features(&c, "Ne,dlogNe,dlogTe"), SQK_OK);
    c.T = 10;
    c.radius_deg = 3;
    c.time_of_day = SQK_TIME_ALL;
    float kpv[80];
    for (int i = 0; i < 80; i++) kpv[i] = 1.0f;
    sqk_kp kp = {T2020 - 5 * DAY, 80, kpv, SQK_KP_FMT_GFZ};
    sqk_event ev = {.kind = SQK_EVENT_QUAKE, .status = SQK_EVENT_KEPT, .t = T2020 + DAY, .lat = 0,
                    .lon = 0, .mag = 6, .radius_deg = 3};
    sqk_pass p;
    memset(&p, 0, sizeof p);
    assert_int_equal(sqk_pass_alloc(&p, 10, 0, 0, 0), SQK_OK);
    assert_int_equal(sqk_pass_add_var(&p, "Ne", "cm^-3"), 0);
    assert_int_equal(sqk_pass_add_var(&p, "Te", "K"), 1);
    p.satellite = SQK_SAT_CSES;
    double bump[10] = {0, 0, 0, 0, 0.1, 0, 0, 0, 0, 0};
    for (int i = 0; i < 10; i++) {
        p.t[i] = T2020 + 1.5 * i;
        p.lat[i] = 0;
        p.lon[i] = 0;
        p.var[0].v[i] = 2e4 * exp(0.03 * i + bump[i]);
        p.var[1].v[i] = 1500 + 10 * i;
    }
    sqk_window_set ws = {0};
    sqk_sample_counts sc = {0};
    sqk_window_counts wc = {0};
    assert_int_equal(sqk_window_pass(&p, &c, &ev, 1, &kp, 0, &ws, &sc, &wc), SQK_OK);
    assert_int_equal(ws.n, 1);
    assert_int_equal(ws.F, 3);
    /* the bump's own line: mean 0.01, slope (4 - 4.5) * 0.1 / 82.5 */
    double slope = (4 - 4.5) * 0.1 / 82.5;
    for (int i = 0; i < 10; i++) {
        assert_close(ws.x[i * 3 + 0], p.var[0].v[i], 1e-2);               /* raw Ne */
        assert_close(ws.x[i * 3 + 1], bump[i] - 0.01 - slope * (i - 4.5), 1e-5);
    }
    double sum = 0, trend = 0;
    for (int i = 0; i < 10; i++) { sum += ws.x[i * 3 + 2]; trend += (i - 4.5) * ws.x[i * 3 + 2]; }
    assert_close(sum, 0, 1e-5);    /* dlogTe: mean and trend removed */
    assert_close(trend, 0, 1e-5);
    sqk_window_set_free(&ws);
    /* A feature whose variable the pass lacks is refused by name. */
    assert_int_equal(sqk_build_config_set_features(&c, "dlogXe"), SQK_OK);
    assert_int_not_equal(sqk_window_pass(&p, &c, &ev, 1, &kp, 0, &ws, &sc, &wc), SQK_OK);
    assert_non_null(strstr(sqk_last_error(), "Xe"));
    sqk_window_set_free(&ws);
    sqk_pass_free(&p);
}

static sqk_quake quake(const char *id, double t_days, double lat, double lon, double mag)
{
    sqk_quake q;
    memset(&q, 0, sizeof q);
    snprintf(q.id, sizeof q.id, "%s", id);
    q.t = T2020 + t_days * DAY;
    q.lat = lat;
    q.lon = lon;
    q.mag = mag;
    snprintf(q.type, sizeof q.type, "earthquake");
    return q;
}

static sqk_event source(const char *id, double t_days, double lat, double lon, double mag)
{
    sqk_event e;
    memset(&e, 0, sizeof e);
    snprintf(e.id, sizeof e.id, "%s", id);
    e.kind = SQK_EVENT_QUAKE;
    e.t = T2020 + t_days * DAY;
    e.lat = lat;
    e.lon = lon;
    e.mag = mag;
    return e;
}

/* A at (0, 0) has an earthquake every 10 days through the whole span: no time is free there,
 * it must be refused. B, C, D are alone: one swap among them (two earthquakes trading times,
 * each control at its earthquake's epicentre with its magnitude) leaves the third alone. */
static void test_matched_controls(void **state)
{
    (void)state;
    sqk_build_config c;
    sqk_build_config_default(&c);
    c.radius_deg = 3;
    sqk_quake real[24];
    size_t n = 0;
    for (int d = -20; d <= 120; d += 10) real[n++] = quake("a", d, 0.5, 0.5, 5);
    real[n++] = quake("B", 30, 40, 100, 5.5);
    real[n++] = quake("C", 60, -30, -70, 5);
    real[n++] = quake("D", 80, 35, 140, 6);
    for (size_t i = 1; i < n; i++) /* sorted by time */
        for (size_t j = i; j > 0 && real[j].t < real[j - 1].t; j--) { sqk_quake w = real[j]; real[j] = real[j - 1]; real[j - 1] = w; }
    sqk_event src[] = {source("B", 30, 40, 100, 5.5), source("A", 50, 0, 0, 6), source("C", 60, -30, -70, 5),
                       source("D", 80, 35, 140, 6)};
    sqk_event out[4], again[4];
    uint8_t matched[4];
    int64_t unit[4];
    size_t placed = 9;
    double t0 = T2020, t1 = T2020 + 100 * DAY;
    assert_int_equal(sqk_place_matched_controls(real, n, src, 4, &c, t0, t1, 15 * DAY, out, matched, unit, &placed), SQK_OK);
    assert_int_equal(placed, 2);
    assert_int_equal(matched[1], 0);
    assert_int_equal(unit[1], -1);
    assert_int_equal(matched[0] + matched[2] + matched[3], 2);
    for (size_t i = 0; i < placed; i++) {
        const sqk_event *e = &out[i], *o = &out[1 - i];
        int k = -1, j = -1;
        for (int q = 0; q < 4; q++) {
            if (!strcmp(src[q].id, e->pair_id)) k = q;
            if (!strcmp(src[q].id, o->pair_id)) j = q;
        }
        assert_true(k >= 0 && j >= 0 && k != j && matched[k] && matched[j]);
        assert_int_equal(e->kind, SQK_EVENT_CONTROL);
        assert_close(e->lat, src[k].lat, 0);
        assert_close(e->lon, src[k].lon, 0);
        assert_close(e->mag, src[k].mag, 0);
        assert_close(e->t, src[j].t, 0);      /* the swap: its partner's time */
        assert_int_equal(e->unit, 0);
        assert_int_equal(unit[k], 0);
        assert_true(fabs(e->t - src[k].t) > 15 * DAY);
    }
    /* Same seed, same controls. */
    size_t placed2;
    assert_int_equal(sqk_place_matched_controls(real, n, src, 4, &c, t0, t1, 15 * DAY, again, NULL, NULL, &placed2), SQK_OK);
    assert_int_equal(placed2, placed);
    assert_memory_equal(out, again, placed * sizeof out[0]);
    /* The zones meet within the sum of both radii (3 + 3 deg): earthquakes all through the
     * span 5.9 deg from B leave it no time; 6.1 deg away they do not matter. */
    for (int k = 0; k < 2; k++) {
        sqk_quake ring[20];
        size_t m = 0;
        for (int d = -20; d <= 120; d += 10) ring[m++] = quake("r", d, 40 + (k ? 6.1 : 5.9), 100, 5);
        sqk_event two[] = {src[0], src[3]};
        assert_int_equal(sqk_place_matched_controls(ring, m, two, 2, &c, t0, t1, 15 * DAY, again, matched, unit, &placed2), SQK_OK);
        assert_int_equal(placed2, (size_t)(2 * k));
        assert_int_equal(matched[0], k);
        assert_int_equal(matched[1], k);
    }
    /* Times outside [t0, t1) are never lent: with D's time cut off, only B and C can swap. */
    assert_int_equal(sqk_place_matched_controls(real, n, src, 4, &c, t0, T2020 + 70 * DAY, 15 * DAY, out, matched, unit, &placed2), SQK_OK);
    assert_int_equal(placed2, 2);
    assert_true(matched[0] && matched[2] && !matched[3]);
}

/* Swap partners of nearest magnitude: four earthquakes far apart, 20 days from each other (every
 * swap is free), of magnitudes 5.0, 6.0, 5.02, 6.03: whatever the seed, the units pair 5.0 with
 * 5.02 and 6.0 with 6.03; random partners (the default) pair them otherwise for some seed. */
static void test_matched_partners_by_magnitude(void **state)
{
    (void)state;
    sqk_build_config c;
    sqk_build_config_default(&c);
    c.radius_deg = 3;
    sqk_quake real[] = {quake("P", 10, 0, 0, 5.0), quake("Q", 30, 40, 100, 6.0), quake("R", 50, -30, -70, 5.02),
                        quake("S", 70, 35, 140, 6.03)};
    sqk_event src[] = {source("P", 10, 0, 0, 5.0), source("Q", 30, 40, 100, 6.0), source("R", 50, -30, -70, 5.02),
                       source("S", 70, 35, 140, 6.03)};
    sqk_event out[4];
    uint8_t matched[4];
    int64_t unit[4];
    size_t placed;
    int random_differs = 0;
    for (int partners = 0; partners < 2; partners++) {
        c.swap_partners = partners ? SQK_PARTNERS_MAGNITUDE : SQK_PARTNERS_RANDOM;
        for (uint64_t seed = 1; seed <= 8; seed++) {
            c.seed = seed;
            assert_int_equal(sqk_place_matched_controls(real, 4, src, 4, &c, T2020, T2020 + 100 * DAY, 15 * DAY,
                                                        out, matched, unit, &placed), SQK_OK);
            assert_int_equal(placed, 4);
            int by_magnitude = unit[0] == unit[2] && unit[1] == unit[3];
            if (partners) assert_true(by_magnitude);
            else random_differs |= !by_magnitude;
        }
    }
    assert_true(random_differs);
    /* The setting is part of the dataset's configuration text and reads back. */
    char text[4096];
    sqk_build_config back;
    assert_int_equal(sqk_build_config_text(&c, text, sizeof text), SQK_OK);
    assert_non_null(strstr(text, "\nswap_partners=magnitude\n"));
    assert_int_equal(sqk_build_config_parse(text, &back), SQK_OK);
    assert_int_equal(back.swap_partners, SQK_PARTNERS_MAGNITUDE);
    c.swap_partners = 7;
    assert_int_equal(sqk_build_config_check(&c), SQK_EARG);
}

/* A swap unit of four events with 3, 1, 2 and 4 seismic/control windows keeps one of each,
 * storm windows stay; an event outside any unit keeps all of its windows. */
static void test_balance_units(void **state)
{
    (void)state;
    sqk_event ev[5];
    memset(ev, 0, sizeof ev);
    for (int e = 0; e < 4; e++) {
        snprintf(ev[e].pair_id, sizeof ev[e].pair_id, "x");
        ev[e].unit = 0;
        ev[e].kind = (uint8_t)(e % 2);
    }
    ev[4].unit = -1;
    int counts[5] = {3, 1, 2, 4, 3};
    sqk_window_set ws = {0};
    ws.T = 2;
    ws.F = 1;
    ws.cap = 32;
    ws.w = calloc(ws.cap, sizeof *ws.w);
    ws.x = calloc(ws.cap * 2, sizeof *ws.x);
    for (int e = 0; e < 5; e++)
        for (int k = 0; k <= counts[e]; k++) { /* the last one a storm window */
            sqk_window *w = &ws.w[ws.n];
            w->event = e;
            w->y = k == counts[e] ? 2 : e % 2;
            ws.x[2 * ws.n] = (float)ws.n;
            ws.x[2 * ws.n + 1] = (float)e;
            ws.n++;
        }
    size_t dropped[2];
    assert_int_equal(sqk_balance_units(&ws, ev, 5, 1, dropped), SQK_OK);
    int left[5] = {0}, storms = 0;
    for (size_t i = 0; i < ws.n; i++) {
        assert_close(ws.x[2 * i + 1], (double)ws.w[i].event, 0); /* windows move with their X */
        if (i) assert_true(ws.x[2 * i] > ws.x[2 * i - 2]);       /* order kept */
        if (ws.w[i].y == 2) storms++;
        else left[ws.w[i].event]++;
    }
    int want[5] = {1, 1, 1, 1, 3};
    assert_memory_equal(left, want, sizeof want);
    assert_int_equal(storms, 5);
    assert_int_equal(dropped[0] + dropped[1], 2 + 0 + 1 + 3);
    assert_int_equal(dropped[0], 2 + 1);  /* events 0 and 2 are controls */
    sqk_window_set_free(&ws);
}

static void test_design(void **state)
{
    (void)state;
    sqk_build_config c;
    sqk_build_config_default(&c);
    assert_string_equal(sqk_build_config_design_name(&c), "paper");
    assert_int_equal(sqk_build_config_design(&c, "rigorous"), SQK_OK);
    assert_int_equal(c.cadence_mode, SQK_CADENCE_MODE_HARMONISED);
    assert_int_equal(c.controls_mode, SQK_CONTROLS_MATCHED);
    assert_int_equal(c.nfeat, 4);
    assert_string_equal(c.feature[2], "dlogNe");
    assert_string_equal(sqk_build_config_design_name(&c), "rigorous");
    char text[4096];
    assert_int_equal(sqk_build_config_text(&c, text, sizeof text), SQK_OK);
    assert_non_null(strstr(text, "design=rigorous\ncadence=harmonised\nsurvey_s=3\ncontrols=matched\n"));
    c.controls_mode = SQK_CONTROLS_PAPER;
    assert_string_equal(sqk_build_config_design_name(&c), "custom");
    assert_int_equal(sqk_build_config_design(&c, "paper"), SQK_OK);
    assert_string_equal(sqk_build_config_design_name(&c), "paper");
    assert_int_equal(c.nfeat, 2);
    /* bad values */
    assert_int_equal(sqk_build_config_design(&c, "rigourous"), SQK_EARG);
    assert_non_null(strstr(sqk_last_error(), "paper or rigorous"));
    c.survey_s = 1.0; /* finer than the 1.5 s grid */
    assert_int_equal(sqk_build_config_check(&c), SQK_EARG);
    c.survey_s = 3.0;
    c.cadence_mode = 7;
    assert_int_equal(sqk_build_config_check(&c), SQK_EARG);
    c.cadence_mode = 0;
    c.controls_mode = 7;
    assert_int_equal(sqk_build_config_check(&c), SQK_EARG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cadence_paper),
        cmocka_unit_test(test_cadence_harmonised),
        cmocka_unit_test(test_window_cadence),
        cmocka_unit_test(test_relative_features),
        cmocka_unit_test(test_matched_controls),
        cmocka_unit_test(test_matched_partners_by_magnitude),
        cmocka_unit_test(test_balance_units),
        cmocka_unit_test(test_design),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
