/* seqnetquake scan: a trained model on new orbits -> scored windows, alarms, Molchan diagrams. */
#include "cli.h"
#include "opts.h"
#include "sqk/scan.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *f)
{
    fprintf(f,
        "usage: seqnetquake scan --model MODEL.h5 --files 'GLOB' --kp KP --out DIR [--catalog CAT] [options]\n"
        "       seqnetquake scan --model MODEL.h5 --out DIR --score --catalog CAT\n\n"
        "Applies a trained model to new half-orbit files (no labels): each file is cleaned,\n"
        "resampled and windowed exactly as the model's training dataset was (its build\n"
        "configuration is stored in the model file), every window is scored, and a window is an\n"
        "alarm when p1 (seismic) reaches the threshold chosen on the validation split at training.\n"
        "Writes into DIR: windows.csv (file, orbit, time, lat, lon, local time, cadence, Kp,\n"
        "p0, p1, p2, alarm), alarms_daily.csv (alarmed windows per day and region), alarms.png/.pdf,\n"
        "scanned.tsv (the files handled) and scan.txt. Files already in scanned.tsv are skipped;\n"
        "an unreadable file is reported, recorded and skipped; a killed scan resumes where it was.\n"
        "With a catalogue, the alarms are scored as a forecast: molchan.csv/.txt/.png (fraction of\n"
        "earthquakes missed against fraction of space-time alarmed, the random-guess diagonal and\n"
        "its 95%% band, the probability gain) beside a where-and-when baseline: each window scored\n"
        "by the past seismicity of its cell (the catalogue before the scan), so it alarms where\n"
        "the belts are, when the satellite looked, without reading the plasma.\n\n"
        "  --model MODEL.h5     model written by seqnetquake train\n"
        "  --files 'GLOB'       new CSES LAP or DEMETER ISL files (quote the pattern)\n"
        "  --kp FILE            Kp table (GFZ, WDC or CelesTrak) for the Kp column\n"
        "  --out DIR            the scan folder (created; reuse it to scan incrementally)\n"
        "  --catalog CAT        USGS catalogue covering the scanned period: Molchan diagrams\n"
        "  --score              only rescore DIR with --catalog (no --files needed)\n"
        "  --baseline DIR2      another scan folder of the same files (e.g. of the where-and-when\n"
        "                       model, train --model geo): its Molchan curve beside this one\n"
        "  --threshold P        alarm when p1 >= P instead of the model's validation threshold\n"
        "  --cell DEG           regions and Molchan cells, DEG x DEG degrees (5)\n"
        "  --no-figures         no map and no Molchan figure\n"
        "  --quiet              print nothing on success\n");
}

int cmd_scan(int argc, char **argv)
{
    sqk_scan_options o;
    sqk_scan_options_default(&o);
    int quiet = 0, score_only = 0, no_figures = 0;
    const cli_option opts[] = {
        CLI_OPT("model", CLI_STRING, &o.model_path), CLI_OPT("files", CLI_STRING, &o.files_glob),
        CLI_OPT("kp", CLI_STRING, &o.kp_path), CLI_OPT("out", CLI_STRING, &o.out_dir),
        CLI_OPT("catalog", CLI_STRING, &o.catalog_path), CLI_OPT("score", CLI_FLAG, &score_only),
        CLI_OPT("baseline", CLI_STRING, &o.baseline_dir),
        CLI_OPT("threshold", CLI_DOUBLE, &o.threshold), CLI_OPT("cell", CLI_DOUBLE, &o.cell_deg),
        CLI_OPT("no-figures", CLI_FLAG, &no_figures), CLI_OPT("quiet", CLI_FLAG, &quiet),
    };
    int st = cli_parse("scan", argc, argv, opts, CLI_NOPTS(opts), NULL, NULL);
    if (st == CLI_HELP) { usage(stdout); return 0; }
    if (st) return st;
    if (!o.model_path || !o.out_dir) {
        fprintf(stderr, "seqnetquake scan: --model and --out are required\n");
        return 2;
    }
    if (score_only && (o.files_glob || !o.catalog_path)) {
        fprintf(stderr, "seqnetquake scan: --score rescores DIR with --catalog, without --files\n");
        return 2;
    }
    if (!score_only && (!o.files_glob || !o.kp_path)) {
        fprintf(stderr, "seqnetquake scan: --files and --kp are required (or --score --catalog CAT)\n");
        return 2;
    }
    if (!isnan(o.threshold) && !(o.threshold >= 0 && o.threshold <= 1)) {
        fprintf(stderr, "seqnetquake scan: --threshold: expected a probability in [0, 1]\n");
        return 2;
    }
    o.figures = !no_figures;
    sqk_progress prog = cli_progress(quiet);
    o.progress = &prog;
    sqk_scan_result r;
    st = sqk_scan_run(&o, &r);
    cli_progress_done();
    for (size_t i = 0; i < r.files_bad; i++) fprintf(stderr, "seqnetquake scan: skipped %s\n", r.bad[i]);
    if (st) {
        int code = cli_fail("scan");
        sqk_scan_result_free(&r);
        return code;
    }
    if (!quiet) fputs(r.summary, stdout);
    sqk_scan_result_free(&r);
    return 0;
}
