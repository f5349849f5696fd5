/* seqnetquake build: archive + catalogue + Kp -> labelled, windowed, split DATASET.h5. */
#include "cli.h"
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
        "                         --cadence harmonised --controls matched --features Ne,Te,dlogNe,dlogTe\n"
        "  --cadence paper|harmonised harmonised: burst data thinned to the survey cadence before\n"
        "                         resampling, so every window is interpolated the same way (paper)\n"
        "  --controls paper|matched   matched: one control per kept earthquake at its epicentre and\n"
        "                         magnitude, at a time no earthquake could label (paper)\n"
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

static int parse_double(const char *opt, const char *s, double *v)
{
    char *end;
    *v = strtod(s, &end);
    if (end == s || *end) { fprintf(stderr, "seqnetquake build: %s: '%s' is not a number\n", opt, s); return -1; }
    return 0;
}

static int parse_int(const char *opt, const char *s, long *v)
{
    char *end;
    *v = strtol(s, &end, 10);
    if (end == s || *end) { fprintf(stderr, "seqnetquake build: %s: '%s' is not an integer\n", opt, s); return -1; }
    return 0;
}

/* One option with its value; returns 0, or 2 for a usage error (message printed). */
static int apply_option(const char *o, const char *v, sqk_build_config *c, sqk_build_inputs *in)
{
    double d;
    long l;
    if (!strcmp(o, "--archive")) in->archive_dir = v;
    else if (!strcmp(o, "--files")) in->files_glob = v;
    else if (!strcmp(o, "--catalog")) in->catalog_path = v;
    else if (!strcmp(o, "--kp")) in->kp_path = v;
    else if (!strcmp(o, "--truth")) in->truth_path = v;
    else if (!strcmp(o, "--out")) in->out_path = v;
    else if (!strcmp(o, "--preset") || !strcmp(o, "--design")) return 0; /* applied first, see cmd_build */
    else if (!strcmp(o, "--cadence")) {
        if (!strcmp(v, "paper")) c->cadence_mode = SQK_CADENCE_MODE_PAPER;
        else if (!strcmp(v, "harmonised")) c->cadence_mode = SQK_CADENCE_MODE_HARMONISED;
        else { fprintf(stderr, "seqnetquake build: --cadence: expected paper or harmonised, not '%s'\n", v); return 2; }
    } else if (!strcmp(o, "--controls")) {
        if (!strcmp(v, "paper")) c->controls_mode = SQK_CONTROLS_PAPER;
        else if (!strcmp(v, "matched")) c->controls_mode = SQK_CONTROLS_MATCHED;
        else { fprintf(stderr, "seqnetquake build: --controls: expected paper or matched, not '%s'\n", v); return 2; }
    } else if (!strcmp(o, "--survey-cadence")) {
        if (parse_double(o, v, &d)) return 2;
        c->survey_s = d;
    }
    else if (!strcmp(o, "--satellite")) {
        if (!strcmp(v, "cses")) c->satellite = SQK_SAT_CSES;
        else if (!strcmp(v, "demeter")) c->satellite = SQK_SAT_DEMETER;
        else { fprintf(stderr, "seqnetquake build: --satellite: expected cses or demeter\n"); return 2; }
    } else if (!strcmp(o, "--time")) {
        if (!strcmp(v, "night")) c->time_of_day = SQK_TIME_NIGHT;
        else if (!strcmp(v, "day")) c->time_of_day = SQK_TIME_DAY;
        else if (!strcmp(v, "all")) c->time_of_day = SQK_TIME_ALL;
        else { fprintf(stderr, "seqnetquake build: --time: expected night, day or all\n"); return 2; }
    } else if (!strcmp(o, "--split")) {
        if (!strcmp(v, "event")) c->split_mode = SQK_SPLITMODE_EVENT;
        else if (!strcmp(v, "paper")) c->split_mode = SQK_SPLITMODE_PAPER;
        else { fprintf(stderr, "seqnetquake build: --split: expected event or paper\n"); return 2; }
    } else if (!strcmp(o, "--T")) { if (parse_int(o, v, &l)) return 2; c->T = (int)l; }
    else if (!strcmp(o, "--seed")) { if (parse_int(o, v, &l) || l < 0) return 2; c->seed = (uint64_t)l; }
    else if (!strcmp(o, "--threads")) { if (parse_int(o, v, &l)) return 2; c->threads = (int)l; }
    else if (!strcmp(o, "--min-mag")) { if (parse_double(o, v, &d)) return 2; c->min_mag = d; }
    else if (!strcmp(o, "--days-before")) { if (parse_double(o, v, &d)) return 2; c->days_before = d; }
    else if (!strcmp(o, "--test-fraction")) { if (parse_double(o, v, &d)) return 2; c->test_fraction = d; }
    else if (!strcmp(o, "--val-fraction")) { if (parse_double(o, v, &d)) return 2; c->val_fraction = d; }
    else if (!strcmp(o, "--control-lat")) { if (parse_double(o, v, &d)) return 2; c->control_lat_deg = d; }
    else if (!strcmp(o, "--radius")) {
        if (sqk_build_config_set_radius(c, v)) { fprintf(stderr, "seqnetquake build: %s\n", sqk_last_error()); return 2; }
    } else if (!strcmp(o, "--features")) {
        if (sqk_build_config_set_features(c, v)) { fprintf(stderr, "seqnetquake build: %s\n", sqk_last_error()); return 2; }
    } else {
        fprintf(stderr, "seqnetquake build: unknown option '%s' (see --help)\n", o);
        return 2;
    }
    return 0;
}

static int parse_args(int argc, char **argv, sqk_build_config *c, sqk_build_inputs *in, int *quiet)
{
    sqk_build_config_default(c);
    memset(in, 0, sizeof *in);
    /* The preset and the design first, so that the other options override them wherever
     * they stand. */
    for (int i = 1; i + 1 < argc; i++)
        if ((!strcmp(argv[i], "--preset") && sqk_build_config_preset(c, argv[i + 1])) ||
            (!strcmp(argv[i], "--design") && sqk_build_config_design(c, argv[i + 1]))) {
            fprintf(stderr, "seqnetquake build: %s\n", sqk_last_error());
            return 2;
        }
    for (int i = 1; i < argc; i++) {
        const char *o = argv[i];
        if (cli_is_help(o)) { usage(stdout); return -1; }
        if (!strcmp(o, "--quiet")) { *quiet = 1; continue; }
        if (!strcmp(o, "--skip-bad")) { c->skip_bad = 1; continue; }
        if (!strcmp(o, "--no-file-checksums")) { c->file_checksums = 0; continue; }
        if (i + 1 >= argc) {
            fprintf(stderr, "seqnetquake build: %s needs a value (see --help)\n", o);
            return 2;
        }
        int st = apply_option(o, argv[++i], c, in);
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
    if (!quiet) printf("wrote %s (%zu windows) and %s.summary.txt\n", in.out_path, r.n_windows, in.out_path);
    sqk_build_result_free(&r);
    return 0;
}
