/* Adam (Keras form) and SGD with momentum: flat loops over the trainable tensors. */
/* Vectorising the element-wise loops needs GCC to if-convert float selects, which it does only
 * when floating-point exceptions are not observed; no program here reads FP flags, and
 * results are the same IEEE values (this is not -ffast-math). */
#if defined(__GNUC__) && !defined(__clang__) /* a GCC pragma; clang has no equivalent */
#pragma GCC optimize("no-trapping-math", "no-math-errno")
#endif

#include "sqk/nn.h"
#include "sqk/core.h"

#include <math.h>
#include <stdlib.h>
#ifdef __SSE2__
#include <immintrin.h>
#endif

int sqk_optimizer_init(sqk_optimizer *o, sqk_opt_kind kind, double lr, double momentum, size_t n)
{
    *o = (sqk_optimizer){.kind = kind, .beta1 = 0.9, .beta2 = 0.999, .eps = 1e-7,
                         .momentum = momentum, .n = n};
    o->lr = lr > 0 ? lr : kind == SQK_OPT_ADAM ? 1e-3 : 1e-2;
    o->m = sqk_calloc(n ? n : 1, sizeof *o->m);
    o->v = sqk_calloc(n ? n : 1, sizeof *o->v);
    if (!o->m || !o->v) {
        sqk_optimizer_free(o);
        return SQK_EMEM;
    }
    return SQK_OK;
}

void sqk_optimizer_free(sqk_optimizer *o)
{
    free(o->m);
    free(o->v);
    o->m = o->v = NULL;
}

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
/* Eight at a time where the CPU has AVX; the same IEEE operations, so the same bits. */
__attribute__((target("avx")))
static size_t adam_avx(float *restrict p, const float *restrict g, float *restrict m,
                       float *restrict v, size_t n, float alpha, float fb1, float fb2, float feps)
{
    const __m256 B1 = _mm256_set1_ps(fb1), OB1 = _mm256_set1_ps(1.0f - fb1), B2 = _mm256_set1_ps(fb2),
                 OB2 = _mm256_set1_ps(1.0f - fb2), A = _mm256_set1_ps(alpha), E = _mm256_set1_ps(feps);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 gi = _mm256_loadu_ps(g + i);
        __m256 mi = _mm256_add_ps(_mm256_mul_ps(B1, _mm256_loadu_ps(m + i)), _mm256_mul_ps(OB1, gi));
        __m256 vi = _mm256_add_ps(_mm256_mul_ps(B2, _mm256_loadu_ps(v + i)),
                                  _mm256_mul_ps(_mm256_mul_ps(OB2, gi), gi));
        __m256 step = _mm256_div_ps(_mm256_mul_ps(A, mi), _mm256_add_ps(_mm256_sqrt_ps(vi), E));
        _mm256_storeu_ps(m + i, mi);
        _mm256_storeu_ps(v + i, vi);
        _mm256_storeu_ps(p + i, _mm256_sub_ps(_mm256_loadu_ps(p + i), step));
    }
    return i;
}
#endif

void sqk_adam_update(float *restrict p, const float *restrict g, float *restrict m,
                     float *restrict v, size_t n, double lr, double b1, double b2, double eps, long t)
{
    float alpha = (float)(lr * sqrt(1.0 - pow(b2, (double)t)) / (1.0 - pow(b1, (double)t)));
    float fb1 = (float)b1, fb2 = (float)b2, feps = (float)eps;
    size_t i = 0;
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
    if (__builtin_cpu_supports("avx")) i = adam_avx(p, g, m, v, n, alpha, fb1, fb2, feps);
#endif
#ifdef __SSE2__
    /* the same operations in the same order, four at a time: GCC leaves sqrtf scalar unless
     * errno is switched off for the whole build */
    const __m128 B1 = _mm_set1_ps(fb1), OB1 = _mm_set1_ps(1.0f - fb1), B2 = _mm_set1_ps(fb2),
                 OB2 = _mm_set1_ps(1.0f - fb2), A = _mm_set1_ps(alpha), E = _mm_set1_ps(feps);
    for (; i + 4 <= n; i += 4) {
        __m128 gi = _mm_loadu_ps(g + i);
        __m128 mi = _mm_add_ps(_mm_mul_ps(B1, _mm_loadu_ps(m + i)), _mm_mul_ps(OB1, gi));
        __m128 vi = _mm_add_ps(_mm_mul_ps(B2, _mm_loadu_ps(v + i)), _mm_mul_ps(_mm_mul_ps(OB2, gi), gi));
        __m128 step = _mm_div_ps(_mm_mul_ps(A, mi), _mm_add_ps(_mm_sqrt_ps(vi), E));
        _mm_storeu_ps(m + i, mi);
        _mm_storeu_ps(v + i, vi);
        _mm_storeu_ps(p + i, _mm_sub_ps(_mm_loadu_ps(p + i), step));
    }
#endif
    for (; i < n; i++) {
        m[i] = fb1 * m[i] + (1.0f - fb1) * g[i];
        v[i] = fb2 * v[i] + (1.0f - fb2) * g[i] * g[i];
        p[i] -= alpha * m[i] / (sqrtf(v[i]) + feps);
    }
}

void sqk_optimizer_step(sqk_optimizer *o, sqk_net *net)
{
    float *p = sqk_net_params(net), *g = sqk_net_grads(net);
    o->t++;
    for (int k = 0; k < sqk_net_num_tensors(net); k++) {
        const sqk_param_tensor *ts = sqk_net_tensor(net, k);
        if (!ts->trainable) continue;
        size_t off = ts->offset, n = ts->size;
        if (o->kind == SQK_OPT_ADAM) {
            sqk_adam_update(p + off, g + off, o->m + off, o->v + off, n, o->lr, o->beta1,
                            o->beta2, o->eps, o->t);
        } else {
            float mom = (float)o->momentum, lr = (float)o->lr;
            for (size_t i = off; i < off + n; i++) {
                o->m[i] = mom * o->m[i] - lr * g[i];
                p[i] += o->m[i];
            }
        }
    }
}
