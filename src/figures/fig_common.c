/* What the figures share: class names and colours, the evaluation folder check, its
 * predictions, and labels safe for GMT. (The folder's tables are read by src/eval.) */
#include "fig_internal.h"

#include "sqk/csv.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

const char *const fig_class_name[SQK_FIG_NCLASS] = {"control", "seismic", "storm"};
const char *const fig_class_color[SQK_FIG_NCLASS] = {"30/90/200", "215/40/40", "30/150/60"};

const char *fig_series_color(int i)
{
    /* Okabe-Ito palette (distinguishable with colour-blindness), its pale yellow replaced by
     * a dark wine that reads on white. */
    static const char *const c[] = {"0/114/178", "213/94/0", "0/158/115", "204/121/167",
                                    "230/159/0", "86/180/233", "0/0/0", "136/34/85"};
    return c[i % (int)(sizeof c / sizeof c[0])];
}

int fig_check_dir(const char *eval_dir)
{
    struct stat st;
    if (!eval_dir || !*eval_dir) return sqk_fail(SQK_EARG, "no evaluation folder given");
    if (stat(eval_dir, &st) != 0)
        return sqk_fail(SQK_EIO, "evaluation folder %s: %s", eval_dir, strerror(errno));
    if (!S_ISDIR(st.st_mode)) return sqk_fail(SQK_EARG, "%s is not a folder", eval_dir);
    return SQK_OK;
}

/* ---- predictions.csv ---- */

int fig_read_predictions(const char *eval_dir, sqk_pred *pr)
{
    memset(pr, 0, sizeof *pr);
    int rc = fig_check_dir(eval_dir);
    if (rc) return rc;
    char path[4096];
    if (snprintf(path, sizeof path, "%s/predictions.csv", eval_dir) >= (int)sizeof path)
        return sqk_fail(SQK_EARG, "%s: path too long", eval_dir);
    return sqk_pred_read(path, pr);
}

void fig_escape_label(const char *in, char *out, size_t outsize)
{
    /* GMT reads @ as an escape and a leading/trailing space as nothing; keep printable ASCII. */
    size_t n = 0;
    for (; *in && n + 1 < outsize; in++) {
        unsigned char ch = (unsigned char)*in;
        if (ch == '@' || ch == '"' || ch == '\'' || ch == '\\' || ch < 32) ch = ' ';
        out[n++] = (char)ch;
    }
    out[n] = '\0';
}
