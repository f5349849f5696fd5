/* seqnetquake synth: write a synthetic CSES/DEMETER archive with a catalogue, Kp and the
 * truth of the planted precursors. */
#include "cli.h"
#include "opts.h"

#include "sqk/synth.h"
#include "sqk/time.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *f)
{
    fprintf(f,
        "usage: seqnetquake synth --out DIR [options]\n\n"
        "Writes a synthetic archive in the real formats: DIR/cses/*.h5 (CSES LAP L2),\n"
        "DIR/demeter/*.DAT (DEMETER ISL 1144 survey / 1143 burst), DIR/catalog.csv (USGS CSV),\n"
        "DIR/kp.txt (GFZ Kp), DIR/truth.csv (the planted precursors) and DIR/synth.txt (the\n"
        "configuration, written last: the mark of a complete archive). The same seed gives\n"
        "identical files whatever the number of threads. While it runs, DIR/synth.partial\n"
        "holds the options; an archive left incomplete by a killed synth is refused by build\n"
        "and replaced by synth run again on the same folder.\n\n"
        "options:\n"
        "  --out DIR                 output folder (created; never one holding a complete archive)\n"
        "  --seed N                  random seed (1)\n"
        "  --cses-start DATE         first day of CSES data, YYYY-MM-DD (2020-01-01)\n"
        "  --cses-days N             days of CSES data (90)\n"
        "  --demeter-start DATE      first day of DEMETER data (2006-01-01)\n"
        "  --demeter-days N          days of DEMETER data (90)\n"
        "  --satellites LIST         cses,demeter (both)\n"
        "  --catalog FILE            use this USGS CSV catalogue instead of a synthetic one\n"
        "  --kp FILE                 use this Kp table (GFZ, WDC or CelesTrak) instead\n"
        "  --precursor-fraction F    share of mainshocks with a precursor (0.7)\n"
        "  --precursor-strength S    scale of the precursors; 0 = none (1)\n"
        "  --threads N               threads (OpenMP default)\n"
        "  --quiet                   no progress line, no summary\n"
        "  -h, --help                this help\n");
}

static int parse_date(const char *cmd, const char *opt, const char *s, void *out)
{
    if (sqk_time_parse_iso(s, out) != SQK_OK) {
        fprintf(stderr, "seqnetquake %s: --%s: '%s' is not a date (YYYY-MM-DD): %s\n", cmd, opt, s,
                sqk_last_error());
        return CLI_USAGE;
    }
    return CLI_OK;
}

static int parse_satellites(const char *cmd, const char *opt, const char *s, void *config)
{
    sqk_synth_config *c = config;
    c->cses = c->demeter = 0;
    char buf[128];
    snprintf(buf, sizeof buf, "%s", s);
    for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        if (!strcmp(tok, "cses")) c->cses = 1;
        else if (!strcmp(tok, "demeter")) c->demeter = 1;
        else {
            fprintf(stderr, "seqnetquake %s: --%s: unknown satellite '%s' (cses, demeter)\n", cmd, opt, tok);
            return CLI_USAGE;
        }
    }
    return 0;
}

static int parse_args(int argc, char **argv, sqk_synth_config *c, const char **out, int *quiet)
{
    const cli_option opts[] = {
        CLI_OPT("out", CLI_STRING, out), CLI_OPT("seed", CLI_U64, &c->seed),
        CLI_OPT_CALL("cses-start", parse_date, &c->cses_start),
        CLI_OPT_CALL("demeter-start", parse_date, &c->demeter_start),
        CLI_OPT("cses-days", CLI_DOUBLE, &c->cses_days), CLI_OPT("demeter-days", CLI_DOUBLE, &c->demeter_days),
        CLI_OPT_CALL("satellites", parse_satellites, c),
        CLI_OPT("catalog", CLI_STRING, &c->catalog_path), CLI_OPT("kp", CLI_STRING, &c->kp_path),
        CLI_OPT("precursor-fraction", CLI_DOUBLE, &c->precursor_fraction),
        CLI_OPT("precursor-strength", CLI_DOUBLE, &c->precursor_strength),
        CLI_OPT_INT("threads", &c->threads, 1, 1024), CLI_OPT("quiet", CLI_FLAG, quiet),
    };
    int st = cli_parse("synth", argc, argv, opts, CLI_NOPTS(opts), NULL, NULL);
    if (st == CLI_HELP) { usage(stdout); return 1; }
    if (st) return -1;
    if (!*out) {
        fprintf(stderr, "seqnetquake synth: --out DIR is required (see --help)\n");
        return -1;
    }
    return 0;
}

int cmd_synth(int argc, char **argv)
{
    sqk_synth_config c;
    sqk_synth_defaults(&c);
    const char *out = NULL;
    int quiet = 0;
    int rc = parse_args(argc, argv, &c, &out, &quiet);
    if (rc) return rc > 0 ? 0 : 2;
    sqk_progress prog = cli_progress(quiet);
    sqk_synth_summary s;
    if (sqk_synth_run(out, &c, &prog, &s) != SQK_OK) return cli_fail("synth");
    cli_progress_done();
    if (!quiet && s.replaced_incomplete)
        printf("%s held an incomplete archive (an interrupted synth): replaced\n", out);
    if (!quiet)
        printf("%s: %zu CSES + %zu DEMETER files, %zu samples, %.1f MB; %zu events (%zu mainshocks), "
               "%zu precursors; Kp > 3 in %zu of %zu intervals\n",
               out, s.files_cses, s.files_demeter, s.samples, s.bytes / 1e6, s.events, s.mainshocks,
               s.precursors, s.kp_storm, s.kp_intervals);
    return 0;
}
