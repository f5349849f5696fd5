/* Window-level truth of a synthetic archive: for each window, the footprint weight of the
 * precursor planted (or, at strength 0, that would have been planted) where and when its
 * samples lie, and that precursor's event. The weight is the generator's own taper
 * (sqk_synth_precursor_weight), so it is the same on an archive and on its paired null. */
#include "sqk/dataset.h"
#include "sqk/synth.h"

#include <stdlib.h>
#include <string.h>

/* A resampled sample is interpolated from the raw samples around it (survey data 3 s apart,
 * i.e. up to two grid steps away), so the footprint seen through the resampling is the
 * generator's dilated by that support. */
#define SUPPORT 2

static double max_weight(const sqk_series *s, size_t j, const sqk_precursor *prec, size_t np)
{
    double m = 0.0;
    for (size_t k = 0; k < np; k++) {
        double x = sqk_synth_precursor_weight(&prec[k], s->t[j], s->lat[j], s->lon[j]);
        if (x > m) m = x;
    }
    return m;
}

int sqk_window_weights(const sqk_series *s, int T, const sqk_precursor *prec, size_t np,
                       sqk_window *w, size_t n)
{
    double *m = sqk_malloc(((size_t)T + 2 * SUPPORT + 1) * sizeof *m);
    if (!m) return SQK_EMEM;
    for (size_t i = 0; i < n; i++) {
        size_t a = (size_t)w[i].sample, lo = a >= SUPPORT ? a - SUPPORT : 0;
        size_t hi = a + (size_t)T + SUPPORT < s->n ? a + (size_t)T + SUPPORT : s->n; /* [lo, hi) */
        double best_sum = 0.0, t0 = s->t[lo], t1 = s->t[hi - 1];
        size_t best = np;
        /* The precursor weighing most over the window (tested on its time span first). */
        for (size_t k = 0; k < np; k++) {
            const sqk_precursor *p = &prec[k];
            if (t0 >= p->t_event || t1 <= p->t_event - p->onset_days * 86400.0) continue;
            double wk = 0.0;
            for (size_t j = lo; j < hi; j++) wk += sqk_synth_precursor_weight(p, s->t[j], s->lat[j], s->lon[j]);
            if (wk > best_sum) { best_sum = wk; best = k; }
        }
        w[i].precursor_weight = 0.0;
        w[i].precursor_event = best < np ? (int64_t)best : -1;
        if (best == np) continue;
        /* The mean over the window of the largest weight within the support of each sample
         * (overlapping footprints do not add). */
        for (size_t j = lo; j < hi; j++) m[j - lo] = max_weight(s, j, prec, np);
        double sum = 0.0;
        for (size_t j = a; j < a + (size_t)T; j++) {
            double v = 0.0;
            for (size_t q = j >= lo + SUPPORT ? j - SUPPORT : lo; q <= j + SUPPORT && q < hi; q++)
                if (m[q - lo] > v) v = m[q - lo];
            sum += v;
        }
        w[i].precursor_weight = sum / T;
    }
    free(m);
    return SQK_OK;
}

int sqk_windows_truth(const sqk_precursor *prec, size_t np, const sqk_event *ev, size_t nev,
                      sqk_window_set *ws, const uint8_t *split, sqk_build_result *r)
{
    int st = SQK_OK;
    int64_t *row = sqk_malloc((np ? np : 1) * sizeof *row);
    uint8_t *in_split = sqk_calloc((nev ? nev : 1) * 3, 1), *touched = sqk_calloc(np ? np : 1, 1);
    if (!row || !in_split || !touched) { st = SQK_EMEM; goto done; }
    for (size_t i = 0; i < ws->n; i++) in_split[ws->w[i].event * 3 + split[i]] = 1;
    r->truth_events = np;
    for (size_t k = 0; k < np; k++) {
        row[k] = -1;
        for (size_t e = 0; e < nev && row[k] < 0; e++)
            if (ev[e].kind == SQK_EVENT_QUAKE && !strcmp(ev[e].id, prec[k].event_id)) row[k] = (int64_t)e;
        if (row[k] < 0) continue;
        r->truth_in_span++;
        int any = 0;
        for (int s = 0; s < 3; s++)
            if (in_split[row[k] * 3 + s]) { r->truth_by_split[s]++; any = 1; }
        if (!any) r->truth_without_windows++;
    }
    for (size_t i = 0; i < ws->n; i++) {
        sqk_window *w = &ws->w[i];
        int64_t k = w->precursor_event;
        if (k < 0) continue;
        touched[k] = 1;
        w->precursor_event = row[k];
        r->truth_windows[w->y]++;
    }
    for (size_t k = 0; k < np; k++) r->truth_events_touched += touched[k];
    r->has_truth = 1;
done:
    free(row);
    free(in_split);
    free(touched);
    return st;
}
