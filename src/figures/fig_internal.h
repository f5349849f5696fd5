/* Internal helpers of the figures stage: one GMT modern-mode figure in a private working
 * folder, and readers of an evaluation folder's files. */
#ifndef SQK_FIG_INTERNAL_H
#define SQK_FIG_INTERNAL_H

#include "sqk/eval.h"
#include "sqk/figures.h"

#include <stdio.h>

/* One figure being drawn. All data files and GMT's session folder live in dir, which is
 * removed at the end, so concurrent figures never share state. GMT's console messages are
 * captured (last lines kept for error messages), never printed. */
typedef struct fig_ctx {
    void *api;          /* GMT session */
    char dir[512];      /* private temporary folder */
    char name[600];     /* dir/fig: the figure GMT writes as .png and .pdf */
    char old_tmpdir[512], old_sessiondir[512], old_userdir[512], old_session[128];
    int had_tmpdir, had_sessiondir, had_userdir, had_session;
} fig_ctx;

/* Starts a modern-mode figure with the project's look (fonts, pens). */
int fig_open(fig_ctx *f);
/* Runs one GMT module with printf-formatted arguments; on failure the message names the
 * module and carries GMT's own error text. */
int fig_gmt(fig_ctx *f, const char *module, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Opens dir/name for writing a data file for GMT; path receives the full path. */
FILE *fig_datafile(fig_ctx *f, const char *name, char *path, size_t pathsize);
/* Finishes the figure and moves <out_prefix>.png and <out_prefix>.pdf into place (both or
 * neither). The context is released either way. */
int fig_close(fig_ctx *f, const char *out_prefix);
/* Releases the context without writing anything (after an error). */
void fig_abort(fig_ctx *f);
/* One whole figure: fig_open, draw(f, ctx), then fig_close into out_prefix when draw succeeds,
 * fig_abort (nothing written) when it fails. */
typedef int (*fig_draw_fn)(fig_ctx *f, const void *ctx);
int fig_render(const char *out_prefix, fig_draw_fn draw, const void *ctx);

/* Class names used in labels. */
extern const char *const fig_class_name[SQK_FIG_NCLASS];
/* Colours of the classes (GMT colour names), as the paper: blue, red, green. */
extern const char *const fig_class_color[SQK_FIG_NCLASS];
/* Line colours for overlaid evaluations (colour-blind friendly order). */
const char *fig_series_color(int i);

/* The rows of predictions.csv. */
/* eval_dir/predictions.csv through the evaluation stage's reader (free with sqk_pred_free). */
int fig_read_predictions(const char *eval_dir, sqk_pred *pr);

/* Checks that eval_dir is a readable folder (clear message otherwise). */
int fig_check_dir(const char *eval_dir);
/* Replaces characters GMT's text modules treat specially, for labels in -B and legends. */
void fig_escape_label(const char *in, char *out, size_t outsize);

/* Several evaluation folders at once (all or none), and the label to show for folder i. */
int fig_read_folders(const char *const *dirs, int n, sqk_evaluation **out);
void fig_free_folders(sqk_evaluation *ev, int n);
const char *fig_label(const sqk_evaluation *ev, const char *const *labels, int i);
/* The evaluations a comparative figure overlays (fig_render's ctx for roc and bars). */
typedef struct fig_folders {
    const sqk_evaluation *ev;
    const char *const *labels;
    int n;
} fig_folders;
/* Writes text to a data file in the figure's folder. */
int fig_write_text(fig_ctx *f, const char *name, const char *text, char *path, size_t pathsize);

#endif
