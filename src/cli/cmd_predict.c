/* seqnetquake predict: MODEL.h5 + DATASET.h5 -> PRED.csv. */
#include "cli.h"
#include "opts.h"
#include "sqk/train.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *f)
{
    fprintf(f,
        "usage: seqnetquake predict --model MODEL.h5 --data DATASET.h5 --out PRED.csv [options]\n\n"
        "Writes the class probabilities of a model for the windows of one split:\n"
        "window,split,event,y_true,p0,p1,p2,y_pred (one row per window, in dataset order).\n\n"
        "  --model MODEL.h5      model written by seqnetquake train\n"
        "  --data DATASET.h5     dataset with the same T and features\n"
        "  --split NAME          test | validation | train | all (test)\n"
        "  --threads N           CPU threads (default 1)\n"
        "  --out PRED.csv        output (written atomically)\n"
        "  --quiet               print nothing on success\n");
}

int cmd_predict(int argc, char **argv)
{
    const char *model = NULL, *data = NULL, *out = NULL, *split_name = "test";
    int quiet = 0, threads = 1;
    const cli_option opts[] = {
        CLI_OPT("model", CLI_STRING, &model), CLI_OPT("data", CLI_STRING, &data), CLI_OPT("out", CLI_STRING, &out),
        CLI_OPT("split", CLI_STRING, &split_name), CLI_OPT_INT("threads", &threads, 1, INT_MAX),
        CLI_OPT("quiet", CLI_FLAG, &quiet),
    };
    int st = cli_parse("predict", argc, argv, opts, CLI_NOPTS(opts), NULL, NULL);
    if (st == CLI_HELP) { usage(stdout); return 0; }
    if (st) return st;
    if (!model || !data || !out) {
        fprintf(stderr, "seqnetquake predict: --model, --data and --out are required\n");
        usage(stderr);
        return 2;
    }
    int split = sqk_split_parse(split_name);
    if (split < -1) {
        fprintf(stderr, "seqnetquake predict: --split: expected test, validation, train or all\n");
        return 2;
    }
    size_t n;
    if (sqk_predict_run(model, data, split, out, threads, &n)) return cli_fail("predict");
    if (!quiet) printf("%zu windows (%s) -> %s\n", n, split_name, out);
    return 0;
}
