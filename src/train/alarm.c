/* The alarm rule a model carries for scans: the p1 threshold chosen on validation windows. */
#include "sqk/train.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    double p;
    int pos;
} scored;

static int by_score_desc(const void *a, const void *b)
{
    const scored *x = a, *y = b;
    return x->p > y->p ? -1 : x->p < y->p ? 1 : 0;
}

static double binary_mcc(double tp, double fp, double fn, double tn)
{
    double d = (tp + fp) * (tp + fn) * (tn + fp) * (tn + fn);
    return d > 0 ? (tp * tn - fp * fn) / sqrt(d) : 0.0;
}

int sqk_alarm_threshold(const float *probs, const int32_t *y, size_t n, sqk_alarm_choice *out)
{
    memset(out, 0, sizeof *out);
    out->threshold = out->mcc = out->alarm_fraction = NAN;
    size_t npos = 0;
    for (size_t i = 0; i < n; i++) npos += y[i] == 1;
    out->n = n;
    out->n_seismic = npos;
    if (npos == 0 || npos == n)
        return sqk_fail(SQK_EEMPTY, "no alarm threshold: the %zu validation windows hold %s seismic windows", n,
                        npos ? "only" : "no");
    scored *s = sqk_malloc(n * sizeof *s);
    if (!s) return SQK_EMEM;
    for (size_t i = 0; i < n; i++) {
        s[i].p = probs[3 * i + 1];
        s[i].pos = y[i] == 1;
        if (!isfinite(s[i].p)) { free(s); return sqk_fail(SQK_EVALUE, "validation window %zu: p1 is not finite", i); }
    }
    qsort(s, n, sizeof *s, by_score_desc);
    double tp = 0, fp = 0, best = -2;
    size_t best_i = 0;
    /* Alarm when p1 >= threshold: evaluated at the end of each run of equal scores; on equal
     * MCC the higher threshold (fewer alarms) is kept. */
    for (size_t i = 0; i < n; i++) {
        if (s[i].pos) tp++; else fp++;
        if (i + 1 < n && s[i + 1].p == s[i].p) continue;
        double m = binary_mcc(tp, fp, (double)npos - tp, (double)(n - npos) - fp);
        if (m > best) { best = m; best_i = i; }
    }
    out->threshold = s[best_i].p;
    out->mcc = best;
    out->alarm_fraction = (double)(best_i + 1) / (double)n;
    free(s);
    return SQK_OK;
}
