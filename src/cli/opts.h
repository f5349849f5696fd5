/* The option parser shared by the subcommands, in the style of getopt_long: each command
 * describes its options in a table and cli_parse() walks argv once.
 *
 *   --name VALUE and --name=VALUE; -h / --help; "--" ends the options; arguments that are not
 *   options are positional (an error unless the command takes some).
 *
 * Errors print "seqnetquake CMD: ..." on stderr and make cli_parse() return CLI_USAGE, which a
 * command returns as its exit status (2, bad usage). */
#ifndef SQK_CLI_OPTS_H
#define SQK_CLI_OPTS_H

#include <stdint.h>

typedef enum {
    CLI_FLAG,   /* no value: *(int *)dest = 1 */
    CLI_SET,    /* no value: *(int *)dest = min (a --no-... option, one of several choices) */
    CLI_STRING, /* *(const char **)dest = value */
    CLI_INT,    /* *(int *)dest = value, an integer in [min, max] (both 0: any int) */
    CLI_U64,    /* *(uint64_t *)dest = value, a non-negative integer */
    CLI_DOUBLE, /* *(double *)dest = value, a finite or infinite number (never NaN) */
    CLI_CALL,   /* call(cmd, option, value, dest): returns 0, or CLI_USAGE after printing */
} cli_kind;

typedef struct {
    const char *name; /* the long name without its leading "--" */
    cli_kind kind;
    void *dest;
    long long min, max;
    int (*call)(const char *cmd, const char *option, const char *value, void *dest);
} cli_option;

enum { CLI_OK = 0, CLI_HELP = 1, CLI_USAGE = 2 };

/* Parses argv[1..argc-1] (argv[0] is the command's name) against the n options. Positional
 * arguments go to positional[*n_positional++] (an array of at least argc entries) when
 * positional is not NULL, and are an error otherwise. Returns CLI_OK, CLI_HELP when -h or
 * --help was given (and nothing was wrong), or CLI_USAGE after printing what was wrong. */
int cli_parse(const char *cmd, int argc, char **argv, const cli_option *opts, int n,
              const char **positional, int *n_positional);

/* Table entries. */
#define CLI_OPT(name, kind, dest) {(name), (kind), (dest), 0, 0, NULL}
#define CLI_OPT_INT(name, dest, lo, hi) {(name), CLI_INT, (dest), (lo), (hi), NULL}
#define CLI_OPT_SET(name, dest, value) {(name), CLI_SET, (dest), (value), 0, NULL}
#define CLI_OPT_CALL(name, fn, ctx) {(name), CLI_CALL, (ctx), 0, 0, (fn)}
#define CLI_NOPTS(table) ((int)(sizeof(table) / sizeof((table)[0])))

#endif
