/* The windows, labels and splits of a dataset file, read by the dataset module, in the form
 * training and prediction use. */
#include "sqk/train.h"
#include "sqk/dataset.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int sqk_train_data_read(sqk_train_data *d, const char *path)
{
    memset(d, 0, sizeof *d);
    sqk_dataset ds;
    int rc = sqk_dataset_read(path, "X,y,split,event?,sha256", &ds);
    if (rc) return sqk_fail_context(rc, "reading %s", path);
    d->N = ds.n;
    d->T = ds.T;
    d->F = ds.F;
    memcpy(d->features, ds.features, sizeof d->features);
    memcpy(d->sha256, ds.sha256, sizeof d->sha256);
    d->X = ds.X, ds.X = NULL;
    d->y = ds.y, ds.y = NULL;
    d->split = ds.split, ds.split = NULL;
    d->config = ds.config, ds.config = NULL;
    d->event = ds.event, ds.event = NULL;
    sqk_dataset_free(&ds);
    if (!d->event) { /* a dataset without event numbers: every window its own */
        d->event = sqk_malloc((d->N ? d->N : 1) * sizeof *d->event);
        if (!d->event) {
            sqk_train_data_free(d);
            return SQK_EMEM;
        }
        for (size_t i = 0; i < d->N; i++) d->event[i] = -1;
    }
    return SQK_OK;
}

void sqk_train_data_free(sqk_train_data *d)
{
    free(d->X);
    free(d->y);
    free(d->split);
    free(d->event);
    free(d->config);
    memset(d, 0, sizeof *d);
}

int sqk_train_data_select(const sqk_train_data *d, int split, float **X, int32_t **y,
                          size_t **rows, size_t *n)
{
    size_t row = (size_t)d->T * d->F, k = 0;
    for (size_t i = 0; i < d->N; i++) k += split == SQK_SPLIT_ALL || d->split[i] == split;
    *X = sqk_malloc((k ? k : 1) * row * sizeof **X);
    *y = sqk_malloc((k ? k : 1) * sizeof **y);
    size_t *r = sqk_malloc((k ? k : 1) * sizeof *r);
    if (!*X || !*y || !r) {
        free(*X); free(*y); free(r);
        *X = NULL; *y = NULL;
        return SQK_EMEM;
    }
    k = 0;
    for (size_t i = 0; i < d->N; i++)
        if (split == SQK_SPLIT_ALL || d->split[i] == split) {
            memcpy(*X + k * row, d->X + i * row, row * sizeof **X);
            (*y)[k] = d->y[i];
            r[k++] = i;
        }
    *n = k;
    if (rows) *rows = r;
    else free(r);
    return SQK_OK;
}

int sqk_split_parse(const char *name)
{
    if (!strcmp(name, "train")) return SQK_SPLIT_TRAIN;
    if (!strcmp(name, "validation")) return SQK_SPLIT_VALIDATION;
    if (!strcmp(name, "test")) return SQK_SPLIT_TEST;
    if (!strcmp(name, "all")) return SQK_SPLIT_ALL;
    return -2;
}
