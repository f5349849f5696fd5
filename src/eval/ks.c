/* One-sample Kolmogorov-Smirnov test against the uniform distribution on (0, 1), with the
 * exact two-sided p-value (Marsaglia, Tsang and Wang 2003, "Evaluating Kolmogorov's
 * distribution", J. Stat. Softw. 8(18): P(D_n < d) as the k-th diagonal element of H^n,
 * exponents carried apart so that no power overflows), and the one-sided test of an excess
 * of small values (Birnbaum and Tingey 1951, "One-sided confidence contours for probability
 * distribution functions", Ann. Math. Stat. 22: P(D+_n >= d) in closed form). */
#include "sqk/eval.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static void mat_mul(const double *a, const double *b, double *c, int m)
{
    for (int i = 0; i < m; i++)
        for (int j = 0; j < m; j++) {
            double s = 0;
            for (int k = 0; k < m; k++) s += a[i * m + k] * b[k * m + j];
            c[i * m + j] = s;
        }
}

/* v = a^n with v's decimal exponent in *ev (a's is 0); tmp holds m*m doubles. */
static void mat_pow(const double *a, double *v, int *ev, double *tmp, int m, int n)
{
    if (n == 1) {
        memcpy(v, a, (size_t)m * m * sizeof *v);
        *ev = 0;
        return;
    }
    mat_pow(a, v, ev, tmp, m, n / 2);
    mat_mul(v, v, tmp, m);
    *ev *= 2;
    if (n % 2) mat_mul(a, tmp, v, m);
    else memcpy(v, tmp, (size_t)m * m * sizeof *v);
    if (v[(m / 2) * m + m / 2] > 1e140) {
        for (int i = 0; i < m * m; i++) v[i] *= 1e-140;
        *ev += 140;
    }
}

/* P(D_n < d), exactly. */
static int kolmogorov_cdf(int n, double d, double *out)
{
    if (d <= 0) { *out = 0; return SQK_OK; }
    if (d >= 1) { *out = 1; return SQK_OK; }
    int k = (int)(n * d) + 1, m = 2 * k - 1;
    double h = k - n * d;
    double *H = sqk_malloc((size_t)m * m * 3 * sizeof *H);
    if (!H) return SQK_EMEM;
    double *Q = H + (size_t)m * m, *tmp = Q + (size_t)m * m;
    for (int i = 0; i < m; i++)
        for (int j = 0; j < m; j++) H[i * m + j] = i - j + 1 < 0 ? 0 : 1;
    for (int i = 0; i < m; i++) {
        H[i * m] -= pow(h, i + 1);
        H[(m - 1) * m + i] -= pow(h, m - i);
    }
    H[(m - 1) * m] += 2 * h - 1 > 0 ? pow(2 * h - 1, m) : 0;
    for (int i = 0; i < m; i++)
        for (int j = 0; j < m; j++)
            if (i - j + 1 > 0)
                for (int g = 1; g <= i - j + 1; g++) H[i * m + j] /= g;
    int eq = 0;
    mat_pow(H, Q, &eq, tmp, m, n);
    double s = Q[(k - 1) * m + k - 1];
    for (int i = 1; i <= n; i++) {
        s = s * i / n;
        if (s < 1e-140) {
            s *= 1e140;
            eq -= 140;
        }
    }
    *out = s * pow(10.0, eq);
    free(H);
    return SQK_OK;
}

/* Checks the values and returns the one-sided distances of their empirical distribution from
 * the uniform one: D+ = max (i/n - x_(i)) (an excess of small values), D- = max (x_(i) -
 * (i-1)/n). */
static int ks_distances(const double *x, size_t n, double *d_plus, double *d_minus)
{
    if (n == 0) return sqk_fail(SQK_EARG, "a Kolmogorov-Smirnov test needs at least one value");
    if (n > 10000)
        return sqk_fail(SQK_EARG, "the exact Kolmogorov-Smirnov p-value is computed for at most 10000 values (%zu given)", n);
    double *s = sqk_malloc(n * sizeof *s);
    if (!s) return SQK_EMEM;
    for (size_t i = 0; i < n; i++) {
        if (!(x[i] >= 0 && x[i] <= 1)) {
            free(s);
            return sqk_fail(SQK_EARG, "value %zu (%g) is not in [0, 1]: not a p-value", i + 1, x[i]);
        }
        s[i] = x[i];
    }
    qsort(s, n, sizeof *s, sqk_cmp_f64);
    double dp = 0, dm = 0;
    for (size_t i = 0; i < n; i++) {
        double above = (double)(i + 1) / n - s[i], below = s[i] - (double)i / n;
        if (above > dp) dp = above;
        if (below > dm) dm = below;
    }
    free(s);
    *d_plus = dp;
    *d_minus = dm;
    return SQK_OK;
}

int sqk_ks_uniform_small(const double *x, size_t n, double *d_out, double *p_value)
{
    double d, d_minus;
    int st = ks_distances(x, n, &d, &d_minus);
    if (st) return st;
    *d_out = d;
    if (d <= 0) {
        *p_value = 1;
        return SQK_OK;
    }
    /* P(D+ >= d) = d sum_{j=0}^{floor(n(1-d))} C(n,j) (1 - d - j/n)^(n-j) (d + j/n)^(j-1) */
    double sum = 0, nn = (double)n;
    int jmax = (int)floor(nn * (1 - d) + 1e-12);
    for (int j = 0; j <= jmax; j++) {
        double a = 1 - d - j / nn, b = d + j / nn;
        double lc = lgamma(nn + 1) - lgamma(j + 1.0) - lgamma(nn - j + 1);
        double la = n - (size_t)j == 0 ? 0 : a > 0 ? (nn - j) * log(a) : -INFINITY;
        sum += exp(lc + la + (j - 1) * log(b));
    }
    double p = d * sum;
    *p_value = p < 0 ? 0 : p > 1 ? 1 : p;
    return SQK_OK;
}

int sqk_ks_uniform(const double *x, size_t n, double *d_out, double *p_value)
{
    double d_plus, d_minus;
    int st = ks_distances(x, n, &d_plus, &d_minus);
    if (st) return st;
    double d = d_plus > d_minus ? d_plus : d_minus, cdf;
    st = kolmogorov_cdf((int)n, d, &cdf);
    if (st) return st;
    *d_out = d;
    *p_value = cdf >= 1 ? 0 : cdf <= 0 ? 1 : 1 - cdf;
    return SQK_OK;
}
