/* seqnetquake inspect FILE...: detects what each file is and prints a human summary. */
#include "cli.h"
#include "opts.h"

#include "sqk/inspect.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

static void usage(FILE *f)
{
    fprintf(f,
        "usage: seqnetquake inspect [--quiet] FILE...\n\n"
        "Summarises each FILE, whose kind is found from its content:\n"
        "  CSES Level-2 HDF5 (LAP, or any instrument through the generic container),\n"
        "  DEMETER ISL level-1 (.DAT, 289-byte blocks), a USGS ComCat CSV catalogue,\n"
        "  a Kp table (GFZ, WDC or CelesTrak), a seqnetquake dataset or model (.h5).\n"
        "For satellite files: time span, sample count, sampling periods and gaps, fill/invalid\n"
        "counts per variable, latitude/longitude/local-time ranges, orbit and direction, and\n"
        "any disagreement between the file name and the file's own attributes.\n\n"
        "options:\n"
        "  --quiet      print nothing but errors; the exit status says whether every file reads\n"
        "  -h, --help   this help\n\n"
        "exit status: 0 all files read, 1 a file could not be read, 2 bad usage\n");
}

int cmd_inspect(int argc, char **argv)
{
    int quiet = 0, nfiles = 0, failed = 0;
    const cli_option opts[] = {CLI_OPT("quiet", CLI_FLAG, &quiet)};
    const char **files = malloc(((size_t)argc + 1) * sizeof *files);
    if (!files) {
        fprintf(stderr, "seqnetquake inspect: out of memory\n");
        return 1;
    }
    int st = cli_parse("inspect", argc, argv, opts, CLI_NOPTS(opts), files, &nfiles);
    if (st == CLI_HELP) usage(stdout);
    else if (st == CLI_USAGE) fputc('\n', stderr), usage(stderr);
    else if (nfiles == 0) {
        fprintf(stderr, "seqnetquake inspect: no FILE given\n\n");
        usage(stderr);
        st = CLI_USAGE;
    }
    if (st) {
        free(files);
        return st == CLI_HELP ? 0 : 2;
    }
    FILE *out = quiet ? fopen("/dev/null", "w") : stdout;
    if (!out) out = stdout;
    for (int i = 0; i < nfiles; i++) {
        if (i && !quiet) fputc('\n', out);
        sqk_clear_error();
        if (sqk_inspect(files[i], out) != SQK_OK) {
            fflush(out);
            cli_fail("inspect");
            failed++;
        }
    }
    free(files);
    if (out != stdout) fclose(out);
    fflush(stdout);
    return failed ? 1 : 0;
}
