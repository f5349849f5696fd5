/* Satellite passes: the in-memory half-orbit series shared by the CSES and DEMETER readers
 * (which file reader to use is filekind.c's business). */
#include "sqk/archive.h"
#include "sqk/core.h"
#include "sqk/h5.h"
#include "sqk/isolate.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static double *nan_array(size_t n)
{
    double *v = sqk_malloc((n ? n : 1) * sizeof *v);
    if (v)
        for (size_t i = 0; i < n; i++) v[i] = NAN;
    return v;
}

/* Everything but the path is reset, so a fresh (uninitialised) struct is fine. */
int sqk_pass_alloc(sqk_pass *p, size_t n, int with_alt, int with_mlat, int with_mode)
{
    char path[sizeof p->path];
    memcpy(path, p->path, sizeof path);
    path[sizeof path - 1] = '\0';
    memset(p, 0, sizeof *p);
    memcpy(p->path, path, sizeof path);
    p->n = n;
    p->orbit = -1;
    p->direction = SQK_DIR_UNKNOWN;
    p->t = nan_array(n);
    p->lat = nan_array(n);
    p->lon = nan_array(n);
    p->alt_km = with_alt ? nan_array(n) : NULL;
    p->mlat = with_mlat ? nan_array(n) : NULL;
    p->mode = with_mode ? sqk_malloc(n ? n : 1) : NULL;
    if (p->mode) memset(p->mode, SQK_MODE_UNKNOWN, n);
    if (!p->t || !p->lat || !p->lon || (with_alt && !p->alt_km) || (with_mlat && !p->mlat) ||
        (with_mode && !p->mode)) {
        sqk_pass_free(p);
        return SQK_EMEM;
    }
    return SQK_OK;
}

int sqk_pass_add_var(sqk_pass *p, const char *name, const char *units)
{
    if (p->nvar >= SQK_PASS_MAXVAR)
        return sqk_fail(SQK_EARG, "%s: too many variables (at most %d per pass)", p->path, SQK_PASS_MAXVAR);
    sqk_var *v = &p->var[p->nvar];
    memset(v, 0, sizeof *v);
    snprintf(v->name, sizeof v->name, "%s", name);
    snprintf(v->units, sizeof v->units, "%s", units ? units : "");
    v->v = nan_array(p->n);
    if (!v->v) return SQK_EMEM;
    return p->nvar++;
}

int sqk_pass_find_var(const sqk_pass *p, const char *name)
{
    for (int i = 0; i < p->nvar; i++)
        if (!strcmp(p->var[i].name, name)) return i;
    return -1;
}

void sqk_pass_free(sqk_pass *p)
{
    if (!p) return;
    free(p->t);
    free(p->lat);
    free(p->lon);
    free(p->alt_km);
    free(p->mlat);
    free(p->mode);
    for (int i = 0; i < p->nvar; i++) free(p->var[i].v);
    p->t = p->lat = p->lon = p->alt_km = p->mlat = NULL;
    p->mode = NULL;
    p->nvar = 0;
    p->n = 0;
}

/* ------------------------------------------------------------------ across a process boundary */

int sqk_pass_pack(const sqk_pass *p, sqk_buf *b)
{
    sqk_pass head = *p;
    uint8_t has[3] = {p->alt_km != NULL, p->mlat != NULL, p->mode != NULL};
    size_t nb = p->n * sizeof(double);
    int st = sqk_buf_put(b, &head, sizeof head);
    if (!st) st = sqk_buf_put(b, has, sizeof has);
    if (!st) st = sqk_buf_put(b, p->t, nb);
    if (!st) st = sqk_buf_put(b, p->lat, nb);
    if (!st) st = sqk_buf_put(b, p->lon, nb);
    if (!st && has[0]) st = sqk_buf_put(b, p->alt_km, nb);
    if (!st && has[1]) st = sqk_buf_put(b, p->mlat, nb);
    if (!st && has[2]) st = sqk_buf_put(b, p->mode, p->n);
    for (int i = 0; !st && i < p->nvar; i++) st = sqk_buf_put(b, p->var[i].v, nb);
    return st;
}

int sqk_pass_unpack(sqk_buf *b, sqk_pass *p)
{
    sqk_pass head;
    uint8_t has[3];
    memset(p, 0, sizeof *p);
    int st = sqk_buf_get(b, &head, sizeof head);
    if (!st) st = sqk_buf_get(b, has, sizeof has);
    if (st) return st;
    size_t left = b->n - b->pos;
    if (head.nvar < 0 || head.nvar > SQK_PASS_MAXVAR || head.n > left / sizeof(double))
        return sqk_fail(SQK_EFORMAT, "%s: bad reply of a reader process", head.path);
    memcpy(p->path, head.path, sizeof p->path);
    if ((st = sqk_pass_alloc(p, head.n, has[0], has[1], has[2]))) return st;
    size_t nb = head.n * sizeof(double);
    st = sqk_buf_get(b, p->t, nb);
    if (!st) st = sqk_buf_get(b, p->lat, nb);
    if (!st) st = sqk_buf_get(b, p->lon, nb);
    if (!st && has[0]) st = sqk_buf_get(b, p->alt_km, nb);
    if (!st && has[1]) st = sqk_buf_get(b, p->mlat, nb);
    if (!st && has[2]) st = sqk_buf_get(b, p->mode, head.n);
    for (int i = 0; !st && i < head.nvar; i++) {
        sqk_var *v = &p->var[i];
        *v = head.var[i];
        v->v = sqk_malloc(nb ? nb : 1);
        if (!v->v) st = SQK_EMEM;
        else p->nvar = i + 1;
        if (!st) st = sqk_buf_get(b, v->v, nb);
    }
    if (st) { sqk_pass_free(p); return st; }
    p->satellite = head.satellite;
    p->orbit = head.orbit;
    p->direction = head.direction;
    p->n_fill = head.n_fill;
    p->n_time_mismatch = head.n_time_mismatch;
    memcpy(p->warning, head.warning, sizeof p->warning);
    return SQK_OK;
}
