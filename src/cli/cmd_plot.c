/* seqnetquake plot: quick looks of the data (plot pass). */
#include "cli.h"
#include "sqk/figures.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *f)
{
    fprintf(f,
        "usage: seqnetquake plot pass FILE [--dataset DATASET.h5] [--out PREFIX[.png|.pdf]] [options]\n"
        "       seqnetquake plot pass --event ID --dataset DATASET.h5 [--out PREFIX]\n\n"
        "Draws one half-orbit (CSES LAP or DEMETER ISL file) as the paper's Figure 1: Ne and Te on\n"
        "log scales against UTC (below) and latitude (above), the cadence (survey/burst) with the\n"
        "invalid or fill samples marked, Kp along the pass, every window of the dataset that came\n"
        "from the file shaded by its label (blue control, red seismic, green storm), numbered and\n"
        "listed with its event (id, magnitude, distance, days before) and split, and a map of the\n"
        "track with the events in reach. PREFIX.png (200 dpi) and PREFIX.pdf are both written.\n\n"
        "  --dataset DATASET.h5  show the windows of this dataset (matched by file name)\n"
        "  --event ID            plot every pass with windows of this event (needs --dataset);\n"
        "                        the figures are PREFIX_<file stem>.png/.pdf\n"
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
    int quiet = 0;
    const char *out = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (cli_is_help(a)) { usage(stdout); return 0; }
        if (!strcmp(a, "--quiet")) { quiet = 1; continue; }
        if (a[0] != '-' || !a[1]) {
            if (o.file) { fprintf(stderr, "seqnetquake plot pass: one file at a time ('%s' and '%s')\n", o.file, a); return 2; }
            o.file = a;
            continue;
        }
        if (i + 1 >= argc) { fprintf(stderr, "seqnetquake plot pass: %s needs a value (or is unknown); see --help\n", a); return 2; }
        const char *v = argv[++i];
        if (!strcmp(a, "--dataset")) o.dataset = v;
        else if (!strcmp(a, "--event")) o.event_id = v;
        else if (!strcmp(a, "--kp")) o.kp_path = v;
        else if (!strcmp(a, "--catalog")) o.catalog_path = v;
        else if (!strcmp(a, "--out")) out = v;
        else { fprintf(stderr, "seqnetquake plot pass: unknown option %s; see --help\n", a); return 2; }
    }
    if (!o.file == !o.event_id) {
        fprintf(stderr, "seqnetquake plot pass: give one satellite FILE or --event ID\n");
        usage(stderr);
        return 2;
    }
    if (o.event_id && !o.dataset) { fprintf(stderr, "seqnetquake plot pass: --event needs --dataset\n"); return 2; }
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
    } else {
        snprintf(prefix, sizeof prefix, "event-%s", o.event_id);
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
