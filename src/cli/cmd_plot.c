/* seqnetquake plot: quick looks of the data (plot pass). */
#include "cli.h"
#include "opts.h"
#include "sqk/figures.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *f)
{
    fprintf(f,
        "usage: seqnetquake plot pass FILE [--dataset DATASET.h5] [--out PREFIX[.png|.pdf]] [options]\n"
        "       seqnetquake plot pass --event ID --dataset DATASET.h5 [--out PREFIX]\n"
        "       seqnetquake plot pass --class control|seismic|storm --dataset DATASET.h5 [--out PREFIX]\n\n"
        "Draws one half-orbit (CSES LAP or DEMETER ISL file) as the paper's Figure 1: Ne and Te on\n"
        "log scales against UTC (below) and latitude (above), the cadence (survey/burst) with the\n"
        "invalid or fill samples marked, Kp along the pass, every window of the dataset that came\n"
        "from the file shaded by its label (blue control, red seismic, green storm), numbered and\n"
        "listed with its event (id, magnitude, distance, days before) and split, and a map of the\n"
        "track with the events in reach. PREFIX.png (200 dpi) and PREFIX.pdf are both written.\n\n"
        "  --dataset DATASET.h5  show the windows of this dataset (matched by file name)\n"
        "  --event ID            plot every pass with windows of this event (needs --dataset);\n"
        "                        the figures are PREFIX_<file stem>.png/.pdf\n"
        "  --class C             plot the file with the most windows of class C (0/control,\n"
        "                        1/seismic, 2/storm) in the dataset\n"
        "  --kp FILE             Kp table (default: the dataset's, if it still opens; else the\n"
        "                        Kp stored with the windows)\n"
        "  --catalog FILE        without a dataset: the M>=4.8 earthquakes in reach from this\n"
        "                        USGS catalogue (Dobrovolsky radius, 15 days before)\n"
        "  --out PREFIX          output name (default: the file's stem, or event-ID)\n"
        "  --quiet               print nothing on success\n");
}

static void print_figure(void *ctx, const char *prefix)
{
    if (!*(int *)ctx) printf("wrote %s.png and %s.pdf\n", prefix, prefix);
}

static int plot_pass(int argc, char **argv)
{
    sqk_fig_pass_options o;
    memset(&o, 0, sizeof o);
    int quiet = 0, npos = 0;
    const char *out = NULL, *cls = NULL, **pos = calloc((size_t)argc + 1, sizeof *pos);
    if (!pos) return cli_fail("plot pass");
    const cli_option opts[] = {
        CLI_OPT("dataset", CLI_STRING, &o.dataset), CLI_OPT("event", CLI_STRING, &o.event_id),
        CLI_OPT("kp", CLI_STRING, &o.kp_path), CLI_OPT("catalog", CLI_STRING, &o.catalog_path),
        CLI_OPT("out", CLI_STRING, &out), CLI_OPT("quiet", CLI_FLAG, &quiet),
        CLI_OPT("class", CLI_STRING, &cls),
    };
    int st = cli_parse("plot pass", argc, argv, opts, CLI_NOPTS(opts), pos, &npos);
    if (st == CLI_HELP) usage(stdout);
    if (!st && npos > 1) {
        fprintf(stderr, "seqnetquake plot pass: one file at a time ('%s' and '%s')\n", pos[0], pos[1]);
        st = CLI_USAGE;
    }
    if (!st && npos == 1) o.file = pos[0];
    free(pos);
    if (st) return st == CLI_HELP ? 0 : st;
    o.pick_class = -1;
    if (cls) {
        static const char *const names[3][2] = {{"0", "control"}, {"1", "seismic"}, {"2", "storm"}};
        for (int k = 0; k < 3; k++)
            if (!strcmp(cls, names[k][0]) || !strcmp(cls, names[k][1])) o.pick_class = k;
        if (o.pick_class < 0) {
            fprintf(stderr, "seqnetquake plot pass: --class: expected control, seismic or storm (or 0, 1, 2)\n");
            return 2;
        }
    }
    if ((o.file != NULL) + (o.event_id != NULL) + (cls != NULL) != 1) {
        fprintf(stderr, "seqnetquake plot pass: give one of: a satellite FILE, --event ID, --class C\n");
        usage(stderr);
        return 2;
    }
    if ((o.event_id || cls) && !o.dataset) { fprintf(stderr, "seqnetquake plot pass: --event and --class need --dataset\n"); return 2; }
    char prefix[1100];
    if (out) {
        snprintf(prefix, sizeof prefix, "%s", out);
        size_t n = strlen(prefix);
        if (n > 4 && (!strcmp(prefix + n - 4, ".png") || !strcmp(prefix + n - 4, ".pdf"))) prefix[n - 4] = '\0';
    } else if (o.file) {
        const char *b = strrchr(o.file, '/');
        snprintf(prefix, sizeof prefix, "%s", b ? b + 1 : o.file);
        char *dot = strrchr(prefix, '.');
        if (dot) *dot = '\0';
    } else if (o.event_id) {
        snprintf(prefix, sizeof prefix, "event-%s", o.event_id);
    } else {
        snprintf(prefix, sizeof prefix, "pass-%s", cls);
    }
    o.out_prefix = prefix;
    o.on_figure = print_figure;
    o.ctx = &quiet;
    sqk_fig_pass_result r;
    if (sqk_fig_pass(&o, &r)) return cli_fail("plot pass");
    return 0;
}

int cmd_plot(int argc, char **argv)
{
    if (argc < 2 || cli_is_help(argv[1])) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (!strcmp(argv[1], "pass")) return plot_pass(argc - 1, argv + 1);
    fprintf(stderr, "seqnetquake plot: unknown figure '%s' (expected: pass)\n", argv[1]);
    return 2;
}
