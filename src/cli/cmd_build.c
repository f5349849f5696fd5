/* seqnetquake build: archive + catalogue + Kp -> labelled, windowed, split DATASET.h5. */
#include "cli.h"
#include "opts.h"
#include "sqk/audit.h"
#include "sqk/dataset.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *f)
{
    fprintf(f,
        "usage: seqnetquake build (--archive DIR | --files GLOB --catalog CSV --kp FILE) --out DATASET.h5 [options]\n\n"
        "Builds the labelled, windowed, split dataset of the method (method.md sections 2-6).\n"
        "--archive DIR uses DIR/cses/*.h5 or DIR/demeter/*.DAT, DIR/catalog.csv, DIR/kp.txt and,\n"
        "when present, DIR/truth.csv (planted precursors of a synthetic archive).\n"
        "A summary is printed and written to DATASET.h5.summary.txt.\n\n"
        "inputs:\n"
        "  --archive DIR          archive folder\n"
        "  --files GLOB           satellite files instead of DIR/<satellite>/ (quote the pattern)\n"
        "  --catalog CSV          USGS ComCat catalogue (default DIR/catalog.csv)\n"
        "  --kp FILE              Kp table, GFZ / WDC / CelesTrak (default DIR/kp.txt)\n"
        "  --truth CSV            planted precursors (default DIR/truth.csv when present)\n"
        "  --out DATASET.h5       output file (written atomically)\n"
        "dataset (method.md section 5 presets, then any option below overrides):\n"
        "  --preset 01..11        the paper's datasets\n"
        "  --satellite cses|demeter   (cses)\n"
        "  --time night|day|all   by each window's middle-sample local time (night)\n"
        "  --T N                  samples per window, 1.5 s apart (20)\n"
        "  --radius R             3|5|7|12 (degrees, any value) or dobrovolsky (3)\n"
        "  --min-mag M            catalogue magnitude cut (4.8)\n"
        "  --days-before D        association window before each event (15)\n"
        "  --features LIST        pass variables as features (Ne,Te)\n"
        "  --control-lat DEG      paper controls drawn in +-DEG latitude (65)\n"
        "confounders (docs/confounders.md; --design first, the options below override it):\n"
        "  --design paper|rigorous    paper: the method as published (default); rigorous:\n"
        "                         --cadence harmonised --controls matched --swap-partners magnitude\n"
        "                         --features Ne,Te,dlogNe,dlogTe\n"
        "  --cadence paper|harmonised harmonised: burst data thinned to the survey cadence before\n"
        "                         resampling, so every window is interpolated the same way (paper)\n"
        "  --controls paper|matched   matched: one control per kept earthquake at its epicentre and\n"
        "                         magnitude, at a time no earthquake could label (paper)\n"
        "  --swap-partners random|magnitude   matched controls: each earthquake swaps times with\n"
        "                         a random one, or with the one of nearest magnitude, which keeps\n"
        "                         more windows once units are balanced (random; the rigorous\n"
        "                         design: magnitude)\n"
        "  --survey-cadence S     the survey cadence harmonised data are thinned to (3 s)\n"
        "  (features named dlog<VAR>, e.g. dlogNe, are log VAR with each window's mean and linear\n"
        "   trend removed)\n"
        "splits:\n"
        "  --split event|paper    chronological by event (default) or by window time\n"
        "  --test-fraction F      (0.2)\n"
        "  --val-fraction F       validation cut from the end of training (0.2)\n"
        "  --seed N               control events (1)\n"
        "running:\n"
        "  --skip-bad             build without unreadable files (default: fail, write nothing)\n"
        "  --threads N            files read in parallel (OpenMP default)\n"
        "  --no-file-checksums    identify satellite files by name and size only, not sha256\n"
        "  --quiet                no progress line and no summary on stdout\n");
}

static int set_satellite(const char *cmd, const char *opt, const char *v, void *dest)
{
    int *sat = dest;
    if (!strcmp(v, "cses")) *sat = SQK_SAT_CSES;
    else if (!strcmp(v, "demeter")) *sat = SQK_SAT_DEMETER;
    else { fprintf(stderr, "seqnetquake %s: --%s: expected cses or demeter\n", cmd, opt); return CLI_USAGE; }
    return CLI_OK;
}

static int set_time(const char *cmd, const char *opt, const char *v, void *dest)
{
    int *t = dest;
    if (!strcmp(v, "night")) *t = SQK_TIME_NIGHT;
    else if (!strcmp(v, "day")) *t = SQK_TIME_DAY;
    else if (!strcmp(v, "all")) *t = SQK_TIME_ALL;
    else { fprintf(stderr, "seqnetquake %s: --%s: expected night, day or all\n", cmd, opt); return CLI_USAGE; }
    return CLI_OK;
}

static int set_split(const char *cmd, const char *opt, const char *v, void *dest)
{
    int *m = dest;
    if (!strcmp(v, "event")) *m = SQK_SPLITMODE_EVENT;
    else if (!strcmp(v, "paper")) *m = SQK_SPLITMODE_PAPER;
    else { fprintf(stderr, "seqnetquake %s: --%s: expected event or paper\n", cmd, opt); return CLI_USAGE; }
    return CLI_OK;
}

static int set_radius(const char *cmd, const char *opt, const char *v, void *c)
{
    if (!sqk_build_config_set_radius(c, v)) return CLI_OK;
    fprintf(stderr, "seqnetquake %s: %s\n", cmd, sqk_last_error());
    return CLI_USAGE;
}

static int set_features(const char *cmd, const char *opt, const char *v, void *c)
{
    if (!sqk_build_config_set_features(c, v)) return CLI_OK;
    fprintf(stderr, "seqnetquake %s: %s\n", cmd, sqk_last_error());
    return CLI_USAGE;
}

static int set_cadence(const char *cmd, const char *opt, const char *v, void *dest)
{
    int *m = dest;
    if (!strcmp(v, "paper")) *m = SQK_CADENCE_MODE_PAPER;
    else if (!strcmp(v, "harmonised")) *m = SQK_CADENCE_MODE_HARMONISED;
    else { fprintf(stderr, "seqnetquake %s: --%s: expected paper or harmonised, not '%s'\n", cmd, opt, v); return CLI_USAGE; }
    return CLI_OK;
}

static int set_controls(const char *cmd, const char *opt, const char *v, void *dest)
{
    int *m = dest;
    if (!strcmp(v, "paper")) *m = SQK_CONTROLS_PAPER;
    else if (!strcmp(v, "matched")) *m = SQK_CONTROLS_MATCHED;
    else { fprintf(stderr, "seqnetquake %s: --%s: expected paper or matched, not '%s'\n", cmd, opt, v); return CLI_USAGE; }
    return CLI_OK;
}

static int set_partners(const char *cmd, const char *opt, const char *v, void *dest)
{
    int *m = dest;
    if (!strcmp(v, "random")) *m = SQK_PARTNERS_RANDOM;
    else if (!strcmp(v, "magnitude")) *m = SQK_PARTNERS_MAGNITUDE;
    else { fprintf(stderr, "seqnetquake %s: --%s: expected random or magnitude, not '%s'\n", cmd, opt, v); return CLI_USAGE; }
    return CLI_OK;
}

static int parse_args(int argc, char **argv, sqk_build_config *c, sqk_build_inputs *in, int *quiet)
{
    const char *preset = NULL, *design = NULL;
    const cli_option opts[] = {
        CLI_OPT("archive", CLI_STRING, &in->archive_dir), CLI_OPT("files", CLI_STRING, &in->files_glob),
        CLI_OPT("catalog", CLI_STRING, &in->catalog_path), CLI_OPT("kp", CLI_STRING, &in->kp_path),
        CLI_OPT("truth", CLI_STRING, &in->truth_path), CLI_OPT("out", CLI_STRING, &in->out_path),
        CLI_OPT("preset", CLI_STRING, &preset), CLI_OPT("design", CLI_STRING, &design),
        CLI_OPT_CALL("cadence", set_cadence, &c->cadence_mode),
        CLI_OPT_CALL("controls", set_controls, &c->controls_mode),
        CLI_OPT_CALL("swap-partners", set_partners, &c->swap_partners),
        CLI_OPT("survey-cadence", CLI_DOUBLE, &c->survey_s),
        CLI_OPT_CALL("satellite", set_satellite, &c->satellite),
        CLI_OPT_CALL("time", set_time, &c->time_of_day),
        CLI_OPT_CALL("split", set_split, &c->split_mode),
        CLI_OPT_INT("T", &c->T, 0, 0), CLI_OPT("seed", CLI_U64, &c->seed), CLI_OPT_INT("threads", &c->threads, 0, 0),
        CLI_OPT("min-mag", CLI_DOUBLE, &c->min_mag), CLI_OPT("days-before", CLI_DOUBLE, &c->days_before),
        CLI_OPT("test-fraction", CLI_DOUBLE, &c->test_fraction), CLI_OPT("val-fraction", CLI_DOUBLE, &c->val_fraction),
        CLI_OPT("control-lat", CLI_DOUBLE, &c->control_lat_deg),
        CLI_OPT_CALL("radius", set_radius, c), CLI_OPT_CALL("features", set_features, c),
        CLI_OPT("skip-bad", CLI_FLAG, &c->skip_bad), CLI_OPT_SET("no-file-checksums", &c->file_checksums, 0),
        CLI_OPT("quiet", CLI_FLAG, quiet),
    };
    sqk_build_config_default(c);
    memset(in, 0, sizeof *in);
    int st = cli_parse("build", argc, argv, opts, CLI_NOPTS(opts), NULL, NULL);
    if (st == CLI_HELP) { usage(stdout); return -1; }
    if (st) return st;
    if (preset || design) { /* the preset and the design first, so that the other options
                               override them wherever they stand */
        sqk_build_config_default(c);
        if ((preset && sqk_build_config_preset(c, preset)) || (design && sqk_build_config_design(c, design))) {
            fprintf(stderr, "seqnetquake build: %s\n", sqk_last_error());
            return 2;
        }
        st = cli_parse("build", argc, argv, opts, CLI_NOPTS(opts), NULL, NULL);
        if (st) return st;
    }
    if (!in->out_path) { fprintf(stderr, "seqnetquake build: --out DATASET.h5 is required\n"); return 2; }
    if (!in->archive_dir && !(in->files_glob && in->catalog_path && in->kp_path)) {
        fprintf(stderr, "seqnetquake build: give --archive DIR, or --files, --catalog and --kp\n");
        return 2;
    }
    return 0;
}

int cmd_build(int argc, char **argv)
{
    sqk_build_config c;
    sqk_build_inputs in;
    int quiet = 0;
    int st = parse_args(argc, argv, &c, &in, &quiet);
    if (st) return st < 0 ? 0 : st;
    sqk_progress prog = cli_progress(quiet);
    sqk_build_result r;
    /* The leakage report trains the where-and-when baseline (a model): the build command, which
     * sits above both, hands it to the dataset stage, which knows no models. */
    in.audit = sqk_leakage_report;
    st = sqk_build(&c, &in, &prog, &r);
    cli_progress_done();
    for (size_t i = 0; i < r.files_bad; i++)
        fprintf(stderr, "seqnetquake build: %s: %s\n", st ? "unreadable" : "skipped", r.bad[i]);
    if (st) {
        int code = cli_fail("build");
        sqk_build_result_free(&r);
        return code;
    }
    if (!quiet) fputs(r.summary, stdout);
    if (r.audit.warn && !quiet) /* the summary (stdout, file) has it too */
        fprintf(stderr, "seqnetquake build: warning: place, time and cadence alone separate seismic from "
                "control windows (leakage report in %s.summary.txt; docs/confounders.md)\n", in.out_path);
    if (!quiet) printf("wrote %s (%zu windows) and %s.summary.txt\n", in.out_path, r.n_windows, in.out_path);
    sqk_build_result_free(&r);
    return 0;
}
