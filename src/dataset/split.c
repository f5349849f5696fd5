/* Chronological splits (method.md section 6). */
#include "sqk/dataset.h"

#include <math.h>
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

/* The other member's row of a matched pair, or -1. */
static int64_t paired(const sqk_event *ev, size_t nev, size_t e)
{
    return ev[e].pair_id[0] && ev[e].pair >= 0 && (size_t)ev[e].pair < nev ? ev[e].pair : -1;
}

/* Event mode: events with windows ordered by (time, row); every window follows its event,
 * storm windows included, so no event lies on both sides. A matched pair (an earthquake and
 * its control) is one unit ranked at the later of its two times, so that both members land in
 * the same split: the classes then share places in every split, and no training window comes
 * after the start of validation or test. Which member is the later one is as likely either
 * way, so the time order says nothing of the class. */
static int split_by_event(const sqk_window *w, size_t n, const sqk_event *ev, size_t nev,
                          const sqk_build_config *c, uint8_t *split)
{
    uint8_t *has = sqk_calloc(nev ? nev : 1, 1), *ev_split = sqk_malloc(nev ? nev : 1);
    time_rank *order = sqk_malloc((nev ? nev : 1) * sizeof *order);
    if (!has || !ev_split || !order) { free(has); free(ev_split); free(order); return SQK_EMEM; }
    for (size_t i = 0; i < n; i++) {
        if (w[i].event < 0 || (size_t)w[i].event >= nev) {
            free(has); free(ev_split); free(order);
            return sqk_fail(SQK_EVALUE, "window %zu has no event row (%lld)", i, (long long)w[i].event);
        }
        has[w[i].event] = 1;
    }
    size_t m = 0;
    for (size_t e = 0; e < nev; e++)
    for (size_t e = 0; e < nev; e++) {
        int64_t p = paired(ev, nev, e);
        if (p >= 0 && has[p]) has[e] = 1; /* a pair is one unit: both or neither have windows */
    }
    for (size_t e = 0; e < nev; e++) {
        int64_t p = paired(ev, nev, e);
        if (!has[e] || (p >= 0 && (size_t)p < e)) continue; /* a pair once, at its first row */
        order[m++] = (time_rank){p >= 0 && ev[p].t > ev[e].t ? ev[p].t : ev[e].t, e};
    }
    qsort(order, m, sizeof *order, cmp_time_rank);
    for (size_t r = 0; r < m; r++) {
        size_t e = order[r].i;
        int64_t p = paired(ev, nev, e);
        ev_split[e] = split_of_rank(r, m, c);
        if (p >= 0) ev_split[p] = ev_split[e];
    }
    for (size_t i = 0; i < n; i++) split[i] = ev_split[w[i].event];
    free(has); free(ev_split); free(order);
    return SQK_OK;
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
