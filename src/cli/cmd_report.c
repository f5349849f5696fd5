/* seqnetquake report: several evaluation folders -> Table 1 or 2, comparative figures, HTML. */
#include "cli.h"
#include "opts.h"
#include "sqk/report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *f)
{
    fputs("usage: seqnetquake report --eval DIR [--eval DIR ...] --out REPORTDIR [options]\n\n"
          "Collects evaluation folders (from seqnetquake evaluate) into one table with 95%\n"
          "bootstrap intervals (Markdown and CSV), ROC curves and metric bars of all of them\n"
          "(PNG and PDF), and report.html showing the tables and figures (docs/figures.md).\n\n"
          "options:\n"
          "  --eval DIR           an evaluation folder; repeat for each row, in order\n"
          "  --out DIR            report folder to write (created if needed)\n"
          "  --title TEXT         title of the page (default: SeqNetQuake evaluation report)\n"
          "  --table1             one model on many datasets: a row per dataset (the paper's Table 1)\n"
          "  --table2             many models on one test set: a row per model (the paper's Table 2)\n"
          "  --table auto|1|2     the same; auto (default): Table 2 when every evaluation has the\n"
          "                       same test windows, else Table 1 of all and, when some share a\n"
          "                       test set, Table 2 of the largest such group\n"
          "  --figure PNG         one more figure to show (e.g. a plot pass or a scan's\n"
          "                       molchan.png); repeatable\n"
          "  --sensitivity DIR    a folder of seqnetquake sensitivity: its sensitivity.md with\n"
          "                       sensitivity.png (the curve) and nullcheck.md (the test of chance)\n"
          "                       are shown first, as the headline; repeatable (4 at most)\n"
          "  --quiet              print nothing but errors\n"
          "  -h, --help           this help\n", f);
}

typedef struct {
    const char **evals, **figures;
    const char *sections[SQK_REPORT_MAX_SECTIONS];
    int n_evals, n_figures, n_sections, table, quiet;
    const char *out, *title;
} report_args;

static int parse_table(const char *cmd, const char *opt, const char *s, void *dest)
{
    int *table = dest;
    if (!strcmp(s, "auto")) *table = SQK_TABLE_AUTO;
    else if (!strcmp(s, "1")) *table = SQK_TABLE1;
    else if (!strcmp(s, "2")) *table = SQK_TABLE2;
    else {
        fprintf(stderr, "seqnetquake %s: --%s wants auto, 1 or 2, not '%s'\n", cmd, opt, s);
        return CLI_USAGE;
    }
    return CLI_OK;
}

static int add_eval(const char *cmd, const char *opt, const char *v, void *dest)
{
    report_args *a = dest;
    a->evals[a->n_evals++] = v;
    return CLI_OK;
}

static int add_section(const char *cmd, const char *opt, const char *v, void *dest)
{
    report_args *a = dest;
    if (a->n_sections >= SQK_REPORT_MAX_SECTIONS) {
        fprintf(stderr, "seqnetquake %s: --%s: at most %d folders\n", cmd, opt, SQK_REPORT_MAX_SECTIONS);
        return CLI_USAGE;
    }
    a->sections[a->n_sections++] = v;
    return CLI_OK;
}

static int add_figure(const char *cmd, const char *opt, const char *v, void *dest)
{
    (void)cmd; (void)opt;
    report_args *a = dest;
    a->figures[a->n_figures++] = v;
    return CLI_OK;
}

/* Returns 0 to go on, or an exit code + 1 (help: 1, usage error: 3). */
static int parse_args(int argc, char **argv, report_args *a)
{
    const cli_option opts[] = {
        CLI_OPT_CALL("eval", add_eval, a), CLI_OPT("out", CLI_STRING, &a->out),
        CLI_OPT("title", CLI_STRING, &a->title), CLI_OPT_SET("table1", &a->table, SQK_TABLE1),
        CLI_OPT_SET("table2", &a->table, SQK_TABLE2), CLI_OPT_CALL("table", parse_table, &a->table),
        CLI_OPT("quiet", CLI_FLAG, &a->quiet), CLI_OPT_CALL("figure", add_figure, a),
        CLI_OPT_CALL("sensitivity", add_section, a),
    };
    int st = cli_parse("report", argc, argv, opts, CLI_NOPTS(opts), NULL, NULL);
    if (st == CLI_HELP) { usage(stdout); return 1; }
    if (st) return 3;
    const char *missing = a->n_evals == 0 ? "--eval" : !a->out ? "--out" : NULL;
    if (missing) {
        fprintf(stderr, "seqnetquake report: %s is required\n\n", missing);
        usage(stderr);
        return 3;
    }
    return 0;
}

int cmd_report(int argc, char **argv)
{
    /* At most one evaluation per argument pair. */
    report_args a = {.evals = calloc((size_t)argc + 1, sizeof(char *)), .figures = calloc((size_t)argc + 1, sizeof(char *))};
    if (!a.evals || !a.figures) {
        free(a.evals);
        free(a.figures);
        fprintf(stderr, "seqnetquake report: out of memory\n");
        return 1;
    }
    int st = parse_args(argc, argv, &a);
    if (st) {
        free(a.evals);
        free(a.figures);
        return st - 1;
    }
    sqk_progress prog = cli_progress(a.quiet);
    sqk_report_opts o = {.eval_dirs = a.evals, .n = a.n_evals, .out_dir = a.out, .title = a.title,
                         .table = a.table, .figures = a.figures, .n_figures = a.n_figures,
                         .sections = a.sections, .n_sections = a.n_sections};
    int tables = 0;
    st = sqk_report(&o, &prog, &tables);
    free(a.evals);
    free(a.figures);
    if (st) return cli_fail("report");
    cli_progress_done();
    if (!a.quiet)
        printf("report: %d evaluation%s, %s -> %s/report.html\n", o.n, o.n == 1 ? "" : "s",
               tables == (SQK_TABLE1 | SQK_TABLE2) ? "Table 1 (every evaluation) and Table 2 (models on one test set)"
               : tables == SQK_TABLE2 ? "Table 2 (models on one test set)" : "Table 1 (one row per dataset)", a.out);
    return 0;
}
