/* The option parser shared by the subcommands (see opts.h). */
#include "opts.h"
#include "sqk/core.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A usage error: printed, and kept as the last error for callers of sqk_command. */
__attribute__((format(printf, 1, 2))) static void usage_error(const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fputs(msg, stderr);
    msg[strcspn(msg, "\n")] = '\0';
    sqk_fail(SQK_EARG, "%s", msg);
}

static const cli_option *find(const cli_option *opts, int n, const char *name, size_t len)
{
    for (int i = 0; i < n; i++)
        if (strlen(opts[i].name) == len && !strncmp(opts[i].name, name, len)) return &opts[i];
    return NULL;
}

static int set_int(const char *cmd, const cli_option *o, const char *v)
{
    long long lo = o->min, hi = o->max;
    if (lo == 0 && hi == 0) lo = INT_MIN, hi = INT_MAX;
    char *end;
    errno = 0;
    long long x = strtoll(v, &end, 10);
    if (end == v || *end || errno || x < lo || x > hi) {
        if (hi == INT_MAX && lo == INT_MIN)
            usage_error("seqnetquake %s: --%s wants an integer, not '%s'\n", cmd, o->name, v);
        else if (hi >= INT_MAX)
            usage_error("seqnetquake %s: --%s wants an integer >= %lld, not '%s'\n", cmd, o->name, lo, v);
        else
            usage_error("seqnetquake %s: --%s wants an integer in %lld..%lld, not '%s'\n", cmd, o->name, lo,
                    hi, v);
        return CLI_USAGE;
    }
    *(int *)o->dest = (int)x;
    return CLI_OK;
}

static int set_u64(const char *cmd, const cli_option *o, const char *v)
{
    char *end;
    errno = 0;
    unsigned long long x = strtoull(v, &end, 10);
    if (end == v || *end || errno || v[0] == '-') {
        usage_error("seqnetquake %s: --%s wants a non-negative integer, not '%s'\n", cmd, o->name, v);
        return CLI_USAGE;
    }
    *(uint64_t *)o->dest = (uint64_t)x;
    return CLI_OK;
}

static int set_double(const char *cmd, const cli_option *o, const char *v)
{
    char *end;
    errno = 0;
    double x = strtod(v, &end);
    if (end == v || *end || isnan(x) || (errno == ERANGE && fabs(x) > 1)) {
        usage_error("seqnetquake %s: --%s: '%s' is not a number\n", cmd, o->name, v);
        return CLI_USAGE;
    }
    *(double *)o->dest = x;
    return CLI_OK;
}

static int apply(const char *cmd, const cli_option *o, const char *v)
{
    switch (o->kind) {
    case CLI_FLAG: *(int *)o->dest = 1; return CLI_OK;
    case CLI_SET: *(int *)o->dest = (int)o->min; return CLI_OK;
    case CLI_STRING: *(const char **)o->dest = v; return CLI_OK;
    case CLI_INT: return set_int(cmd, o, v);
    case CLI_U64: return set_u64(cmd, o, v);
    case CLI_DOUBLE: return set_double(cmd, o, v);
    case CLI_CALL: return o->call(cmd, o->name, v, o->dest);
    }
    return CLI_USAGE;
}

int cli_parse(const char *cmd, int argc, char **argv, const cli_option *opts, int n,
              const char **positional, int *n_positional)
{
    int help = 0, only_positional = 0;
    if (n_positional) *n_positional = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (only_positional || a[0] != '-' || !a[1]) {
            if (!positional) {
                usage_error("seqnetquake %s: unexpected argument '%s' (see --help)\n", cmd, a);
                return CLI_USAGE;
            }
            positional[(*n_positional)++] = a;
            continue;
        }
        if (!strcmp(a, "--")) { only_positional = 1; continue; }
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) { help = 1; continue; }
        const char *name = a + 2, *eq = strchr(a, '=');
        const cli_option *o = a[1] == '-' ? find(opts, n, name, eq ? (size_t)(eq - name) : strlen(name)) : NULL;
        if (!o) {
            usage_error("seqnetquake %s: unknown option '%.*s' (see --help)\n", cmd,
                    eq && a[1] == '-' ? (int)(eq - a) : (int)strlen(a), a);
            return CLI_USAGE;
        }
        const char *v = NULL;
        if (o->kind == CLI_FLAG || o->kind == CLI_SET) {
            if (eq) {
                usage_error("seqnetquake %s: --%s takes no value\n", cmd, o->name);
                return CLI_USAGE;
            }
        } else if (eq) {
            v = eq + 1;
        } else if (i + 1 < argc) {
            v = argv[++i];
        } else {
            usage_error("seqnetquake %s: --%s needs a value (see --help)\n", cmd, o->name);
            return CLI_USAGE;
        }
        int st = apply(cmd, o, v);
        if (st) return CLI_USAGE;
    }
    return help ? CLI_HELP : CLI_OK;
}
