/* Search-quality benchmark of the TPE (docs/tuning.md): four test problems with known minima,
 * searched with our default TPE (multivariate; and without its width-weighted scoring),
 * hyperopt's algorithm and random search; prints
 * one CSV row per (problem, sampler, seed) with the regret (best value found - minimum) after
 * 25, 50 and 100 trials. bench/tpe_peer.py defines the same problems for optuna and prints the
 * same rows; bench/bench_tpe.sh runs both and summarises.
 *
 *   bench_tpe quality SEEDS [TRIALS [FIRST]]  seeds FIRST (1).. ; CSV: problem,sampler,seed,regret25,regret50,regret100
 *   bench_tpe cost N...                  seconds per suggestion after N observed trials
 *   bench_tpe draws HIST REPS            one suggestion per seed 1..REPS after the history HIST
 *
 * Problems: branin (2-d), hartmann6 (6-d), mixed10 (4 uniform with a coupling, 2 log-uniform
 * coupled, 2 stepped, 2 categorical), conditional (the paper's dnn-like space: an optimizer
 * choice with its own learning rate, and momentum for sgd, plus layers, units, dropout, batch). */
#include "sqk/tuning.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct {
    const char *name;
    const sqk_tpe_param *p;
    int n;
    double (*f)(const double *x);
    double f_min;
} problem;

/* ---- branin: x1 in [-5, 10], x2 in [0, 15]; minimum 0.397887 ---- */
static const sqk_tpe_param branin_p[] = {
    {"x1", SQK_TPE_UNIFORM, -5, 10, 0, 0, -1, 0},
    {"x2", SQK_TPE_UNIFORM, 0, 15, 0, 0, -1, 0},
};
static double branin(const double *x)
{
    double b = 5.1 / (4 * M_PI * M_PI), c = 5 / M_PI, t = 1 / (8 * M_PI);
    double a = x[1] - b * x[0] * x[0] + c * x[0] - 6;
    return a * a + 10 * (1 - t) * cos(x[0]) + 10;
}

/* ---- hartmann6 on [0, 1]^6; minimum -3.32237 ---- */
static const sqk_tpe_param hartmann6_p[] = {
    {"x1", SQK_TPE_UNIFORM, 0, 1, 0, 0, -1, 0}, {"x2", SQK_TPE_UNIFORM, 0, 1, 0, 0, -1, 0},
    {"x3", SQK_TPE_UNIFORM, 0, 1, 0, 0, -1, 0}, {"x4", SQK_TPE_UNIFORM, 0, 1, 0, 0, -1, 0},
    {"x5", SQK_TPE_UNIFORM, 0, 1, 0, 0, -1, 0}, {"x6", SQK_TPE_UNIFORM, 0, 1, 0, 0, -1, 0},
};
static double hartmann6(const double *x)
{
    static const double alpha[4] = {1.0, 1.2, 3.0, 3.2};
    static const double A[4][6] = {{10, 3, 17, 3.5, 1.7, 8}, {0.05, 10, 17, 0.1, 8, 14},
                                   {3, 3.5, 1.7, 10, 17, 8}, {17, 8, 0.05, 10, 0.1, 14}};
    static const double P[4][6] = {{0.1312, 0.1696, 0.5569, 0.0124, 0.8283, 0.5886},
                                   {0.2329, 0.4135, 0.8307, 0.3736, 0.1004, 0.9991},
                                   {0.2348, 0.1451, 0.3522, 0.2883, 0.3047, 0.6650},
                                   {0.4047, 0.8828, 0.8732, 0.5743, 0.1091, 0.0381}};
    double s = 0;
    for (int i = 0; i < 4; i++) {
        double e = 0;
        for (int j = 0; j < 6; j++) e += A[i][j] * (x[j] - P[i][j]) * (x[j] - P[i][j]);
        s += alpha[i] * exp(-e);
    }
    return -s;
}

/* ---- mixed10; minimum 0 at u = (1.5, -2, 0.75, 0), lr = 10^-2.5, wd = lr 10^-1.5, n = 12,
 * m = 35, c1 = 1, c2 = 2 ---- */
static const sqk_tpe_param mixed10_p[] = {
    {"u1", SQK_TPE_UNIFORM, -5, 5, 0, 0, -1, 0}, {"u2", SQK_TPE_UNIFORM, -5, 5, 0, 0, -1, 0},
    {"u3", SQK_TPE_UNIFORM, -5, 5, 0, 0, -1, 0}, {"u4", SQK_TPE_UNIFORM, -5, 5, 0, 0, -1, 0},
    {"lr", SQK_TPE_LOGUNIFORM, -11.512925464970229, 0, 0, 0, -1, 0},  /* 1e-5 .. 1 */
    {"wd", SQK_TPE_LOGUNIFORM, -13.815510557964274, -2.302585092994046, 0, 0, -1, 0}, /* 1e-6 .. 0.1 */
    {"n", SQK_TPE_QUNIFORM, 1, 32, 1, 0, -1, 0},
    {"m", SQK_TPE_QUNIFORM, 0, 100, 5, 0, -1, 0},
    {"c1", SQK_TPE_CHOICE, 0, 0, 0, 3, -1, 0},
    {"c2", SQK_TPE_CHOICE, 0, 0, 0, 5, -1, 0},
};
static double mixed10(const double *x)
{
    static const double pen1[3] = {0.3, 0, 0.15}, pen2[5] = {0.2, 0.2, 0, 0.1, 0.3};
    double a = x[0] - 1.5, b = x[1] + 2, c = x[2] - 0.5 * x[0], d = x[3];
    double l = log10(x[4]) + 2.5, w = log10(x[5]) - log10(x[4]) + 1.5;
    double n = (x[6] - 12) / 31, m = (x[7] - 35) / 100;
    return (a * a + b * b + c * c + d * d) / 25 + l * l / 20 + w * w / 25 + n * n + m * m +
           pen1[(int)x[8]] + pen2[(int)x[9]];
}

/* ---- conditional (the paper's dnn space in miniature); minimum 0 with sgd at lr = e^-4,
 * momentum 0.9, 4 layers, 256 units, dropout 0.5, batch 40 ---- */
static const sqk_tpe_param conditional_p[] = {
    {"optimizer", SQK_TPE_CHOICE, 0, 0, 0, 2, -1, 0},        /* adam, sgd */
    {"lr_adam", SQK_TPE_LOGUNIFORM, -10, 0, 0, 0, 0, 0},
    {"lr_sgd", SQK_TPE_LOGUNIFORM, -15, 1, 0, 0, 0, 1},
    {"momentum", SQK_TPE_UNIFORM, 0, 1, 0, 0, 0, 1},
    {"num_layers", SQK_TPE_CHOICE, 0, 0, 0, 5, -1, 0},       /* 2 .. 6 */
    {"units", SQK_TPE_CHOICE, 0, 0, 0, 4, -1, 0},            /* 64 .. 512 */
    {"dropout", SQK_TPE_CHOICE, 0, 0, 0, 3, -1, 0},          /* 0.25, 0.5, 0.75 */
    {"batch_size", SQK_TPE_QUNIFORM, 10, 100, 10, 0, -1, 0},
};
static double conditional(const double *x)
{
    static const double pen_dropout[3] = {0.05, 0, 0.1};
    double v;
    if ((int)x[0] == 0) {
        double l = (log(x[1]) + 7) / 10;
        v = 0.02 + l * l;
    } else {
        double l = (log(x[2]) + 4) / 16, mo = x[3] - 0.9;
        v = l * l + mo * mo;
    }
    double bs = (x[7] - 40) / 90;
    return v + 0.1 * fabs(x[4] - 2) / 4 + 0.1 * fabs(x[5] - 2) / 3 + pen_dropout[(int)x[6]] + 0.2 * bs * bs;
}

static const problem problems[] = {
    {"branin", branin_p, 2, branin, 0.397887357729738},
    {"hartmann6", hartmann6_p, 6, hartmann6, -3.32236801141551},
    {"mixed10", mixed10_p, 10, mixed10, 0},
    {"conditional", conditional_p, 8, conditional, 0},
};
enum { N_PROBLEMS = sizeof problems / sizeof problems[0] };

/* sampler: "tpe" (our default), "tpe-plain" (the default without width-weighted scoring),
 * "hyperopt", "random" */
static int search(const problem *pb, const char *sampler, uint64_t seed, int trials, double *best_at)
{
    sqk_tpe_config c;
    if (!strcmp(sampler, "random")) {
        sqk_tpe_config_default(&c);
        c.n_startup = trials + 1;
    } else if (!strcmp(sampler, "tpe-plain")) {
        sqk_tpe_config_default(&c);
        c.width_weighted_scoring = 0;
    } else if (sqk_tpe_config_for(&c, sampler)) {
        return 1;
    }
    sqk_tpe *t;
    if (sqk_tpe_create(&t, pb->p, pb->n, &c, seed)) return 1;
    double x[16], best = INFINITY;
    for (int i = 0; i < trials; i++) {
        if (sqk_tpe_suggest(t, x)) return 1;
        double v = pb->f(x);
        if (v < best) best = v;
        best_at[i] = best - pb->f_min;
        if (sqk_tpe_observe(t, x, v)) return 1;
    }
    sqk_tpe_free(t);
    return 0;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Seconds per suggestion on mixed10 after n trials observed (random points, their values). */
static double suggestion_cost(int n)
{
    const problem *pb = &problems[2];
    /* r draws the random history; t, past its startup, is timed on it */
    sqk_tpe_config c;
    sqk_tpe_config_default(&c);
    sqk_tpe *t, *r;
    if (sqk_tpe_create(&t, pb->p, pb->n, &c, 1)) return NAN;
    c.n_startup = n + 1;
    if (sqk_tpe_create(&r, pb->p, pb->n, &c, 1)) return NAN;
    double x[16];
    for (int i = 0; i < n; i++) {
        sqk_tpe_suggest(r, x);
        sqk_tpe_observe(t, x, pb->f(x));
    }
    sqk_tpe_free(r);
    int reps = 0;
    double t0 = now_s(), el;
    do {
        sqk_tpe_suggest(t, x);
        reps++;
    } while ((el = now_s() - t0) < 0.5 && reps < 10000);
    sqk_tpe_free(t);
    return el / reps;
}

/* The suggestions after a fixed history: for seeds 1..reps, a TPE that has observed the
 * history (mixed10 points and values, one per line of hist, as tpe_peer.py draws writes them)
 * suggests once; prints each point (lr and wd as their logarithms). */
static int draws(const char *hist, int reps)
{
    const problem *pb = &problems[2];
    FILE *f = fopen(hist, "r");
    if (!f) return 1;
    double (*h)[11] = malloc(5000 * sizeof *h);
    int n = 0;
    while (h && n < 5000) {
        int k = 0;
        while (k < 11 && fscanf(f, "%lf", &h[n][k]) == 1) k++;
        if (k < 11) break;
        n++;
    }
    fclose(f);
    for (int s = 1; h && s <= reps; s++) {
        sqk_tpe *t;
        double x[16];
        if (sqk_tpe_create(&t, pb->p, pb->n, NULL, (uint64_t)s)) return 1;
        for (int i = 0; i < n; i++)
            if (sqk_tpe_observe(t, h[i], h[i][10])) return 1;
        if (sqk_tpe_suggest(t, x)) return 1;
        x[4] = log(x[4]);
        x[5] = log(x[5]);
        for (int j = 0; j < pb->n; j++) printf("%.10g%c", x[j], j + 1 < pb->n ? ' ' : '\n');
        sqk_tpe_free(t);
    }
    free(h);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc >= 3 && !strcmp(argv[1], "quality")) {
        int seeds = atoi(argv[2]), trials = argc > 3 ? atoi(argv[3]) : 100, first = argc > 4 ? atoi(argv[4]) : 1;
        if (seeds < 1 || trials < 100 || first < 1) {
            fprintf(stderr, "bench_tpe quality: SEEDS >= 1, TRIALS >= 100, FIRST >= 1\n");
            return 2;
        }
        const char *samplers[] = {"tpe", "tpe-plain", "hyperopt", "random"};
        double *best_at = malloc((size_t)trials * sizeof *best_at);
        printf("problem,sampler,seed,regret25,regret50,regret100\n");
        for (int p = 0; p < N_PROBLEMS; p++)
            for (int s = 0; s < 4; s++)
                for (int seed = first; seed < first + seeds; seed++) {
                    if (search(&problems[p], samplers[s], (uint64_t)seed, trials, best_at)) {
                        fprintf(stderr, "bench_tpe: %s\n", sqk_last_error());
                        return 1;
                    }
                    printf("%s,ours-%s,%d,%.6g,%.6g,%.6g\n", problems[p].name, samplers[s], seed,
                           best_at[24], best_at[49], best_at[99]);
                }
        free(best_at);
        return 0;
    }
    if (argc >= 3 && !strcmp(argv[1], "cost")) {
        for (int i = 2; i < argc; i++) printf("suggest_s_at_%d %.6g\n", atoi(argv[i]), suggestion_cost(atoi(argv[i])));
        return 0;
    }
    if (argc == 4 && !strcmp(argv[1], "draws")) return draws(argv[2], atoi(argv[3]));
    fprintf(stderr, "usage: bench_tpe quality SEEDS [TRIALS [FIRST]] | bench_tpe cost N... | bench_tpe draws HIST REPS\n");
    return 2;
}
