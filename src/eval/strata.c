/* The strata of the honest permutation test (docs/metrics.md section 4): which events are
 * exchangeable under "the kind of an event has nothing to do with its predictions". Under the
 * paper's design a control lies anywhere but an earthquake on a belt, often under burst-mode
 * coverage: their kinds are not exchangeable, and a plain shuffle gives p ~ 0.001 without any
 * precursor. Within a cadence x |magnetic latitude| x hemisphere stratum they are closer to it;
 * a matched pair (an earthquake and its control at the same place, another time) is
 * exchangeable by construction, so the rigorous design's test flips kinds within pairs. */
#include "sqk/eval.h"
#include "sqk/geo.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int sqk_eval_strata(const sqk_eval_dataset *ds, const int64_t *event, size_t n, int64_t **out, int *scheme)
{
    *out = NULL;
    *scheme = SQK_STRATA_NONE;
    size_t ne = ds->n_events;
    int64_t *st = sqk_malloc((ne ? ne : 1) * sizeof *st);
    int64_t *votes = sqk_calloc((ne ? ne : 1) * 3, sizeof *votes);
    uint8_t *has = sqk_calloc(ne ? ne : 1, 1);
    if (!st || !votes || !has) { free(st); free(votes); free(has); return SQK_EMEM; }
    for (size_t i = 0; i < n; i++)
        if (event[i] >= 0 && (size_t)event[i] < ne) {
            has[event[i]] = 1;
            if (ds->cadence && ds->cadence[i] <= 2) votes[3 * event[i] + ds->cadence[i]]++;
        }
    size_t pairs = 0;
    for (size_t e = 0; ds->event_pair && e < ne; e++) {
        int64_t q = ds->event_pair[e];
        st[e] = q >= 0 && has[e] && has[q] ? (q < (int64_t)e ? q : (int64_t)e) : -1;
        pairs += st[e] >= 0;
    }
    if (pairs > 0) {
        *scheme = SQK_STRATA_PAIRS;
    } else if (ds->cadence && ds->event_lat && ds->event_lon) {
        for (size_t e = 0; e < ne; e++) {
            int64_t *v = votes + 3 * e;
            int cad = v[1] > v[0] && v[1] >= v[2] ? 1 : v[2] > v[0] && v[2] > v[1] ? 2 : 0;
            double mlat, mlon;
            sqk_geomag(ds->event_lat[e], ds->event_lon[e], &mlat, &mlon);
            int band = (int)floor(fabs(mlat) / 10.0), north = mlat >= 0;
            st[e] = has[e] ? (int64_t)(cad * 100 + band * 2 + north) : -1;
        }
        *scheme = SQK_STRATA_CADENCE_MLAT;
    }
    free(votes);
    free(has);
    if (*scheme == SQK_STRATA_NONE) { free(st); return SQK_OK; }
    *out = st;
    return SQK_OK;
}
