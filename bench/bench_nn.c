/* Network engine benchmark: training throughput (samples/s) of the paper-sized SeqNetQuake
 * model and of a large one, single-window inference latency, achieved GFLOP/s against the
 * machine's measured SGEMM rate. Prints `key value` lines that bench/bench_nn.sh reads.
 * Usage: bench_nn [threads] [seconds per measurement] [paper|large|latency (default all)] */
#include "sqk/nn.h"

#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* CPU seconds of the whole process (all threads): on a shared, loaded machine samples per CPU
 * second is the steadier number. */
static double cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* SGEMM rate of a large square product (GFLOP/s), best of a few. */
static double sgemm_gflops(int n)
{
    float *a = malloc(sizeof(float) * n * n), *b = malloc(sizeof(float) * n * n), *c = malloc(sizeof(float) * n * n);
    for (int i = 0; i < n * n; i++) a[i] = b[i] = (float)(i % 7) * 0.1f;
    double best = 0;
    for (int r = 0; r < 4; r++) {
        double t0 = now_s();
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0f, a, n, b, n, 0.0f, c, n);
        double g = 2.0 * n * n * n / (now_s() - t0) / 1e9;
        if (g > best) best = g;
    }
    free(a); free(b); free(c);
    return best;
}

static int paper_layers(sqk_layer_spec *L, int units)
{
    int n = 0;
    L[n++] = (sqk_layer_spec){.kind = SQK_LAYER_SPLIT_STEPS, .name = "td_split", .units = 2};
    L[n++] = (sqk_layer_spec){.kind = SQK_LAYER_CONV1D, .name = "conv1", .units = 4, .kernel = 3, .act = SQK_ACT_RELU};
    L[n++] = (sqk_layer_spec){.kind = SQK_LAYER_CONV1D, .name = "conv2", .units = 4, .kernel = 3, .act = SQK_ACT_RELU};
    L[n++] = (sqk_layer_spec){.kind = SQK_LAYER_DROPOUT, .name = "td_dropout", .rate = 0.5f};
    L[n++] = (sqk_layer_spec){.kind = SQK_LAYER_MAXPOOL1D, .name = "td_pool"};
    L[n++] = (sqk_layer_spec){.kind = SQK_LAYER_FLATTEN, .name = "td_flatten"};
    L[n++] = (sqk_layer_spec){.kind = SQK_LAYER_MERGE_STEPS, .name = "td_merge", .units = 2};
    L[n++] = (sqk_layer_spec){.kind = SQK_LAYER_BILSTM, .name = "bilstm1", .units = units};
    L[n++] = (sqk_layer_spec){.kind = SQK_LAYER_DROPOUT, .name = "dropout", .rate = 0.5f};
    L[n++] = (sqk_layer_spec){.kind = SQK_LAYER_DENSE, .name = "fc1", .units = 128, .act = SQK_ACT_RELU};
    L[n++] = (sqk_layer_spec){.kind = SQK_LAYER_DENSE, .name = "output", .units = 3};
    L[n++] = (sqk_layer_spec){.kind = SQK_LAYER_SOFTMAX, .name = "softmax"};
    return n;
}

/* Multiply-adds x2 of one forward pass of one window (T=20, F=2, 2 steps of 10). */
static double forward_flops(int U)
{
    double f = 0;
    f += 2.0 * 2 * 8 * 3 * 2 * 4;     /* conv1: 2 steps x 8 outputs x k*in x filters */
    f += 2.0 * 2 * 6 * 3 * 4 * 4;     /* conv2 */
    f += 2 * (2.0 * 2 * 12 * 4 * U); /* LSTM input projection: 2 dirs x 2 steps x 12 x 4U */
    f += 2 * (2.0 * 1 * U * 4 * U);  /* recurrent: one step with h != 0 per direction */
    f += 2.0 * 2 * U * 128 + 2.0 * 128 * 3;
    return f;
}

static void train_bench(const char *label, int units, int batch, int threads, double seconds)
{
    sqk_layer_spec L[16];
    int n = paper_layers(L, units);
    sqk_net *net;
    if (sqk_net_create(&net, L, n, 20, 2, batch) || sqk_net_init_keras(net, 1)) {
        fprintf(stderr, "bench_nn: %s\n", sqk_last_error());
        exit(1);
    }
    int N = batch * 50;
    float *X = malloc(sizeof(float) * N * 40);
    int32_t *y = malloc(sizeof(int32_t) * N);
    sqk_rng r;
    sqk_rng_seed(&r, 3);
    for (int i = 0; i < N * 40; i++) X[i] = (float)sqk_rng_normal(&r);
    for (int i = 0; i < N; i++) y[i] = (int32_t)sqk_rng_below(&r, 3);
    sqk_optimizer opt;
    sqk_optimizer_init(&opt, SQK_OPT_ADAM, 1e-3, 0, sqk_net_num_params(net));
    double t0 = now_s(), c0 = cpu_s(), done = 0;
    long samples = 0;
    int warm = 5;
    for (long it = 0;; it++) {
        int b = (int)(it % (N / batch));
        if (it == warm) { t0 = now_s(); c0 = cpu_s(); samples = 0; }
        double loss;
        if (sqk_net_train_batch(net, X + (size_t)b * batch * 40, y + (size_t)b * batch, batch, &r, NULL, &loss)) exit(1);
        sqk_optimizer_step(&opt, net);
        samples += batch;
        done = now_s() - t0;
        if (it > warm && done > seconds) break;
    }
    double sps = samples / done;
    printf("%s_train_samples_per_s %.0f\n", label, sps);
    printf("%s_train_samples_per_cpu_s %.0f\n", label, samples / (cpu_s() - c0));
    printf("%s_train_gflops %.2f\n", label, sps * 3 * forward_flops(units) / 1e9);
    printf("%s_params %zu\n", label, sqk_net_num_params(net));
    (void)threads;
    sqk_optimizer_free(&opt);
    free(X); free(y);
    sqk_net_free(net);
}

static void latency_bench(double seconds)
{
    sqk_layer_spec L[16];
    int n = paper_layers(L, 128);
    sqk_net *net;
    if (sqk_net_create(&net, L, n, 20, 2, 1) || sqk_net_init_keras(net, 1)) exit(1);
    float x[40];
    for (int i = 0; i < 40; i++) x[i] = (float)i / 40;
    double t0 = now_s(), c0 = cpu_s(), el = 0, best = 1e9;
    long it = 0;
    volatile float sink = 0;
    while (el < seconds) {
        double t1 = now_s();
        for (int k = 0; k < 100; k++) {
            const float *p;
            if (sqk_net_forward(net, x, 1, 0, NULL, &p)) exit(1);
            sink += p[0];
        }
        double per = (now_s() - t1) / 100;
        if (per < best) best = per;
        it += 100;
        el = now_s() - t0;
    }
    (void)sink;
    printf("paper_latency_us %.2f\n", el / it * 1e6);
    printf("paper_latency_cpu_us %.2f\n", (cpu_s() - c0) / it * 1e6);
    printf("paper_latency_best_us %.2f\n", best * 1e6);
    sqk_net_free(net);
}

int main(int argc, char **argv)
{
    int threads = argc > 1 ? atoi(argv[1]) : 2;
    double seconds = argc > 2 ? atof(argv[2]) : 3.0;
    const char *only = argc > 3 ? argv[3] : NULL;
    printf("threads %d\n", threads);
    openblas_set_num_threads(threads); /* the machine's SGEMM rate on all the threads used */
    if (!only) printf("sgemm_gflops %.1f\n", sgemm_gflops(1536));
    sqk_nn_set_threads(threads);
    if (!only || !strcmp(only, "paper")) train_bench("paper", 128, 60, threads, seconds);
    if (!only || !strcmp(only, "large")) train_bench("large", 512, 100, threads, seconds);
    /* single-window inference runs on one thread: threads only add overhead at B = 1 */
    sqk_nn_set_threads(1);
    if (!only || !strcmp(only, "latency")) latency_bench(seconds);
    return 0;
}
