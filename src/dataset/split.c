/* Chronological splits (method.md section 6). */
#include "sqk/dataset.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Split of the item of rank r among n items ordered in time: the last test_fraction test, the
 * last val_fraction of the rest validation, the others training. */
static uint8_t split_of_rank(size_t r, size_t n, const sqk_build_config *c)
{
    double test_fraction = c->test_fraction, val_fraction = c->val_fraction;
    size_t n_test = (size_t)llround(test_fraction * (double)n);
    size_t n_trainval = n - n_test;
    size_t n_val = (size_t)llround(val_fraction * (double)n_trainval);
    if (r >= n_trainval) return SQK_SPLIT_TEST;
    if (r >= n_trainval - n_val) return SQK_SPLIT_VAL;
    return SQK_SPLIT_TRAIN;
}

typedef struct { double t; size_t i; } time_rank;

static int cmp_time_rank(const void *a, const void *b)
{
    const time_rank *x = a, *y = b;
    if (x->t != y->t) return x->t < y->t ? -1 : 1;
    return (x->i > y->i) - (x->i < y->i);
}

static int matched_unit(const sqk_event *e) { return e->pair_id[0] && e->unit >= 0; }

/* Event mode: events with windows ordered by (time, row); every window follows its event,
 * storm windows included, so no event lies on both sides. A matched swap unit (two
 * earthquakes and their two controls at the same two places and times) is ranked as one at its
 * latest time, so that all four land in the same split: the classes then share places and
 * times in every split, and no training window comes after validation or test begins. */
static int split_by_event(const sqk_window *w, size_t n, const sqk_event *ev, size_t nev,
                          const sqk_build_config *c, uint8_t *split)
{
    size_t nu = 0;
    for (size_t e = 0; e < nev; e++)
        if (matched_unit(&ev[e]) && (size_t)ev[e].unit + 1 > nu) nu = (size_t)ev[e].unit + 1;
    uint8_t *has = sqk_calloc(nev ? nev : 1, 1), *ev_split = sqk_malloc(nev ? nev : 1);
    uint8_t *u_has = sqk_calloc(nu ? nu : 1, 1), *u_split = sqk_malloc(nu ? nu : 1);
    double *u_t = sqk_malloc((nu ? nu : 1) * sizeof *u_t);
    size_t *u_row = sqk_malloc((nu ? nu : 1) * sizeof *u_row);
    time_rank *order = sqk_malloc((nev ? nev : 1) * sizeof *order);
    int st = has && ev_split && u_has && u_split && u_t && u_row && order ? SQK_OK : SQK_EMEM;
    for (size_t i = 0; !st && i < n; i++) {
        if (w[i].event < 0 || (size_t)w[i].event >= nev)
            st = sqk_fail(SQK_EVALUE, "window %zu has no event row (%lld)", i, (long long)w[i].event);
        else has[w[i].event] = 1;
    }
    for (size_t u = 0; !st && u < nu; u++) { u_t[u] = -INFINITY; u_row[u] = SIZE_MAX; }
    for (size_t e = 0; !st && e < nev; e++) {
        if (!matched_unit(&ev[e])) continue;
        size_t u = (size_t)ev[e].unit;
        u_has[u] |= has[e];
        if (ev[e].t > u_t[u]) u_t[u] = ev[e].t;
        if (e < u_row[u]) u_row[u] = e;
    }
    size_t m = 0;
    for (size_t e = 0; !st && e < nev; e++) {
        if (matched_unit(&ev[e])) {
            size_t u = (size_t)ev[e].unit;
            if (u_has[u] && u_row[u] == e) order[m++] = (time_rank){u_t[u], e}; /* a unit once */
        } else if (has[e]) {
            order[m++] = (time_rank){ev[e].t, e};
        }
    }
    if (!st) {
        qsort(order, m, sizeof *order, cmp_time_rank);
        for (size_t r = 0; r < m; r++) {
            size_t e = order[r].i;
            ev_split[e] = split_of_rank(r, m, c);
            if (matched_unit(&ev[e])) u_split[ev[e].unit] = ev_split[e];
        }
        for (size_t e = 0; e < nev; e++)
            if (matched_unit(&ev[e]) && u_has[ev[e].unit]) ev_split[e] = u_split[ev[e].unit];
        for (size_t i = 0; i < n; i++) split[i] = ev_split[w[i].event];
    }
    free(has); free(ev_split); free(u_has); free(u_split); free(u_t); free(u_row); free(order);
    return st;
}

/* Paper mode: the cut over windows ordered by (time, row). */
static int split_by_window(const sqk_window *w, size_t n, const sqk_build_config *c, uint8_t *split)
{
    time_rank *order = sqk_malloc((n ? n : 1) * sizeof *order);
    if (!order) return SQK_EMEM;
    for (size_t i = 0; i < n; i++) order[i] = (time_rank){w[i].t, i};
    qsort(order, n, sizeof *order, cmp_time_rank);
    for (size_t r = 0; r < n; r++)
        split[order[r].i] = split_of_rank(r, n, c);
    free(order);
    return SQK_OK;
}

int sqk_split_assign(const sqk_window *w, size_t n, const sqk_event *ev, size_t nev,
                     const sqk_build_config *c, uint8_t *split)
{
    if (c->split_mode == SQK_SPLITMODE_PAPER) return split_by_window(w, n, c, split);
    return split_by_event(w, n, ev, nev, c, split);
}
