/* Keras default initialisers and the thread setting. */
#include "sqk/nn.h"
#include "sqk/core.h"

#include <cblas.h>
#include <math.h>
#include <omp.h>
#include <stdlib.h>

/* Per calling thread: two library users in one process do not change each other's setting. */
static _Thread_local int nn_threads = 0;

void sqk_nn_set_threads(int n)
{
    if (n <= 0) n = omp_get_num_procs();
    nn_threads = n;
    openblas_set_num_threads(1);
}

sqk_nn_thread_state sqk_nn_threads_push(int n)
{
    sqk_nn_thread_state s = {.nn = nn_threads, .blas = openblas_get_num_threads()};
    sqk_nn_set_threads(n);
    return s;
}

void sqk_nn_threads_pop(sqk_nn_thread_state s)
{
    nn_threads = s.nn;
    openblas_set_num_threads(s.blas);
}

/* Until set, one thread, with OpenBLAS single-threaded too, so a library user never gets BLAS
 * threads nested inside the batch threads. */
int sqk_nn_threads(void)
{
    if (nn_threads == 0) sqk_nn_set_threads(1);
    return nn_threads;
}

void sqk_init_glorot_uniform(float *w, size_t n, double fan_in, double fan_out, sqk_rng *rng)
{
    double limit = sqrt(6.0 / (fan_in + fan_out));
    for (size_t i = 0; i < n; i++) w[i] = (float)sqk_rng_uniform_range(rng, -limit, limit);
}

/* Keras Orthogonal (gain 1): for rows < cols, QR of a (cols, rows) Gaussian matrix, Q's columns
 * multiplied by sign(diag R), transposed. Modified Gram-Schmidt in double gives the same Q as
 * Householder QR up to those signs, which the correction fixes. */
int sqk_init_orthogonal(float *w, int rows, int cols, sqk_rng *rng)
{
    int tall = rows >= cols;
    int m = tall ? rows : cols, n = tall ? cols : rows; /* a is (m, n), m >= n */
    /* stored by column (q[j*m + i]) so the Gram-Schmidt loops run over contiguous memory; the
     * Gaussian draws fill a row-major (m, n) matrix, as numpy would */
    double *q = sqk_malloc((size_t)m * n * sizeof *q);
    if (!q) return SQK_EMEM;
    for (int i = 0; i < m; i++)
        for (int j = 0; j < n; j++) q[(size_t)j * m + i] = sqk_rng_normal(rng);
    for (int j = 0; j < n; j++) {
        double *qj = q + (size_t)j * m;
        for (int k = 0; k < j; k++) {
            const double *qk = q + (size_t)k * m;
            double d = 0;
            for (int i = 0; i < m; i++) d += qk[i] * qj[i];
            for (int i = 0; i < m; i++) qj[i] -= d * qk[i];
        }
        double nrm = 0;
        for (int i = 0; i < m; i++) nrm += qj[i] * qj[i];
        nrm = sqrt(nrm);
        if (nrm == 0) nrm = 1; /* measure zero for a Gaussian matrix */
        /* R's diagonal is +nrm in Gram-Schmidt, so Q already has the corrected signs */
        for (int i = 0; i < m; i++) qj[i] /= nrm;
    }
    for (int i = 0; i < m; i++)
        for (int j = 0; j < n; j++) {
            double v = q[(size_t)j * m + i];
            if (tall) w[(size_t)i * cols + j] = (float)v;
            else w[(size_t)j * cols + i] = (float)v;
        }
    free(q);
    return SQK_OK;
}
