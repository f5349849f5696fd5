/* Space weather: solar flux over the solar cycle, a synthetic 3-hourly Kp series with
 * storms, and the storm index that drives the ionospheric storm effects. */
#include "synth_internal.h"

#include "sqk/time.h"

#include <math.h>
#include <stdlib.h>

#define KP_STEP_S 10800.0

static double year_of(double t) { return 1970.0 + t / (365.2425 * SQK_DAY_S); }

double sqk_synth_f107(double t)
{
    /* Solar minima (decimal years) and the maximum F10.7 (81-day mean, sfu) of the cycle
     * that follows: cycle 23 peaked ~180, cycle 24 ~130, cycle 25 ~170. Between minima the
     * flux follows a hump skewed towards the rise (maximum ~40% into the cycle) that falls
     * off faster in the declining phase (sin^3), so early 2006 is ~90 sfu and 2019-2020 ~70. */
    static const double minima[] = {1996.4, 2008.9, 2019.9, 2030.9};
    static const double peak[] = {180.0, 130.0, 170.0};
    const double floor_sfu = 68.0;
    double y = year_of(t);
    for (int k = 0; k < 3; k++) {
        if (y < minima[k] || y >= minima[k + 1]) continue;
        double x = (y - minima[k]) / (minima[k + 1] - minima[k]);
        double phase = x < 0.4 ? 0.5 * x / 0.4 : 0.5 + 0.5 * (x - 0.4) / 0.6;
        double s = sin(M_PI * phase);
        return floor_sfu + (peak[k] - floor_sfu) * s * s * (phase > 0.5 ? s : 1.0);
    }
    return floor_sfu + 50.0;
}

/* Kp in thirds: round to the nearest 1/3, clip to [0, 9]. */
static float kp_thirds(double x)
{
    if (x < 0) x = 0;
    if (x > 9) x = 9;
    return (float)(round(x * 3.0) / 3.0);
}

/* Mean number of Kp > 3 intervals a storm of this model produces (peak 3.7 + Exp(1.6),
 * decay e-folding 4 intervals), and the share of quiet-time intervals above 3; both measured
 * on ten-year simulated series. They set the onset rate for a target share. */
#define KP_STORM_INTERVALS 2.9
#define KP_QUIET_SHARE 0.005

/* Kp is a function of absolute time: the 3-hour interval j draws from its own stream, and
 * the recursions (quiet-level memory, storm recovery) run over blocks of KP_BLOCK intervals
 * aligned on absolute time, each started KP_BURN_IN intervals early from rest (the memory of
 * that start, e^-20 of the quiet level's, is far below the rounding to thirds). So any span
 * of the table reads the same whatever other span is generated with it. */
#define KP_BLOCK 240   /* 30 days */
#define KP_BURN_IN 160 /* 20 days */

static void kp_draws(const sqk_rng *root, int64_t j, double x[5])
{
    sqk_rng r = sqk_rng_fork(root, (uint64_t)j);
    x[0] = sqk_rng_normal(&r);          /* quiet-level innovation */
    x[1] = sqk_rng_uniform(&r);         /* storm onset */
    x[2] = sqk_rng_exponential(&r, 1.0 / 1.6); /* storm peak above 3.7 */
    x[3] = sqk_rng_normal(&r);          /* quiet jitter */
    x[4] = sqk_rng_normal(&r);          /* storm jitter */
}

int sqk_synth_kp(uint64_t seed, double storm_share, double t0, int n_days, sqk_kp *out)
{
    if (n_days <= 0) return sqk_fail(SQK_EARG, "synthetic Kp: %d days", n_days);
    sqk_rng root, r;
    sqk_rng_seed(&root, seed);
    r = sqk_rng_fork(&root, KEY_KP);
    out->t0 = floor(t0 / SQK_DAY_S) * SQK_DAY_S;
    out->n = (size_t)n_days * 8;
    out->format = SQK_KP_FMT_GFZ;
    out->kp = sqk_malloc(out->n * sizeof *out->kp);
    if (!out->kp) return SQK_EMEM;
    double share = storm_share - KP_QUIET_SHARE;
    double onset_rate = share > 0 ? share / KP_STORM_INTERVALS : 0.0; /* per interval */
    /* Quiet level: AR(1) with a one-day memory around Kp ~1.3. Storm: sudden rise to a peak,
     * then exponential recovery; overlapping storms add. */
    double rho = exp(-KP_STEP_S / SQK_DAY_S);
    const double decay = exp(-1.0 / 4.0);
    int64_t j0 = (int64_t)llround(out->t0 / KP_STEP_S), j1 = j0 + (int64_t)out->n;
    int64_t b = j0 >= 0 ? j0 / KP_BLOCK : -((-j0 + KP_BLOCK - 1) / KP_BLOCK);
    for (int64_t start = b * KP_BLOCK; start < j1; start += KP_BLOCK) {
        double quiet = 0.0, storm = 0.0, x[5];
        for (int64_t j = start - KP_BURN_IN; j < start + KP_BLOCK && j < j1; j++) {
            kp_draws(&r, j, x);
            quiet = rho * quiet + sqrt(1.0 - rho * rho) * x[0];
            storm *= decay;
            if (x[1] < onset_rate) storm += 3.7 + x[2];
            double q = 1.3 + 0.75 * quiet + 0.25 * x[3];
            if (j >= j0 && j >= start) out->kp[j - j0] = kp_thirds(storm > q ? storm + 0.3 * x[4] : q);
        }
    }
    return SQK_OK;
}

/* Storm index: each interval with Kp > 3 adds (Kp - 3)/3 (a Kp 6 interval adds 1), decaying
 * with a one-day e-folding, so the ionosphere stays disturbed into the recovery phase. It is
 * summed over the STORM_MEMORY intervals before (e^-30 of an older interval is left), not run
 * from the table's start, so its value at t does not depend on where the table starts.
 * Missing Kp counts as quiet. */
#define STORM_MEMORY 240

int synth_storm_series(const sqk_kp *kp, float **out)
{
    float *s = sqk_malloc((kp->n ? kp->n : 1) * sizeof *s);
    if (!s) return SQK_EMEM;
    double decay = exp(-KP_STEP_S / SQK_DAY_S);
    for (size_t j = 0; j < kp->n; j++) {
        double x = 0.0, w = 1.0;
        for (size_t k = 0; k <= STORM_MEMORY && k <= j; k++, w *= decay) {
            double v = kp->kp[j - k];
            if (v == v && v > 3.0) x += w * (v - 3.0) / 3.0;
        }
        s[j] = (float)(x > 4.0 ? 4.0 : x);
    }
    *out = s;
    return SQK_OK;
}

double sqk_synth_storm_index(const sqk_synth_model *m, double t)
{
    if (!m->storm || m->kp.n == 0) return 0.0;
    double x = (t - m->kp.t0) / KP_STEP_S;
    if (x < 0 || x >= (double)m->kp.n) return 0.0;
    size_t j = (size_t)x;
    /* Within an interval, move from the previous interval's value to this one's over the
     * first hour, so a storm switches on quickly but not as a step. The time into the
     * interval is taken from the interval's start (exact), not from x, whose rounding would
     * depend on where the table starts. */
    double into = t - (m->kp.t0 + (double)j * KP_STEP_S);
    double prev = j > 0 ? m->storm[j - 1] : 0.0, frac = 3.0 * into / KP_STEP_S;
    return prev + (m->storm[j] - prev) * (frac < 1.0 ? frac : 1.0);
}
