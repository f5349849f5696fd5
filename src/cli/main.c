/* seqnetquake: the command line. The command table and its dispatch (cli_main) are also in
 * the library, where sqk_command runs a command in-process; main is only the program's. */
#include "cli.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const struct {
    const char *name;
    int (*run)(int, char **);
    const char *what;
} commands[] = {
    {"synth", cmd_synth, "write a synthetic archive with planted precursors (the default input)"},
    {"inspect", cmd_inspect, "summarise a CSES/DEMETER file, a catalogue, a Kp table or a dataset"},
    {"build", cmd_build, "turn an archive + catalogue + Kp into a labelled, split dataset"},
    {"train", cmd_train, "train a model on a dataset (seqnet, cnn, lstm, dnn, gbm, rf)"},
    {"tune", cmd_tune, "search a model kind's hyperparameters on the validation split (TPE)"},
    {"predict", cmd_predict, "write class probabilities of a model for a dataset split"},
    {"evaluate", cmd_evaluate, "metrics, confidence intervals and figures from predictions"},
    {"report", cmd_report, "tables and an HTML page from several evaluations"},
    {"scan", cmd_scan, "a trained model on new orbits: scored windows, alarms, Molchan diagrams"},
    {"plot", cmd_plot, "quick looks of the data: a half-orbit with its labelled windows (plot pass)"},
    {"experiment", cmd_experiment, "a whole experiment (e.g. the paper's) from a plan, resumable"},
    {"sensitivity", cmd_sensitivity, "null-corrected skill against precursor strength; --null-check: chance"},
};
#define NCOMMANDS (sizeof commands / sizeof commands[0])

static void usage(FILE *f)
{
    fprintf(f, "seqnetquake %s - pre-earthquake ionospheric perturbations in CSES/DEMETER data\n\n"
               "usage: seqnetquake COMMAND [options]   (seqnetquake COMMAND --help for details)\n\n"
               "commands, in pipeline order:\n", sqk_version());
    for (size_t i = 0; i < NCOMMANDS; i++) fprintf(f, "  %-11s %s\n", commands[i].name, commands[i].what);
}

int cli_main(int argc, char **argv)
{
    if (argc < 2 || cli_is_help(argv[1])) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (!strcmp(argv[1], "--version")) {
        printf("seqnetquake %s\n", sqk_version());
        return 0;
    }
    for (size_t i = 0; i < NCOMMANDS; i++)
        if (!strcmp(argv[1], commands[i].name)) return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "seqnetquake: unknown command '%s'\n\n", argv[1]);
    usage(stderr);
    return 2;
}

#ifndef SQK_LIBRARY
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>

/* A stage that experiment or sensitivity started (SQK_STAGE_OF = the runner's pid) dies with
 * its runner, so that after kill -9 of the runner no orphan goes on writing into the folder the
 * rerun is rebuilding. */
int main(int argc, char **argv)
{
    const char *runner = getenv("SQK_STAGE_OF");
    if (runner) {
        if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != (pid_t)strtol(runner, NULL, 10)) {
            fprintf(stderr, "seqnetquake: the run that started this stage is gone\n");
            return 1;
        }
        unsetenv("SQK_STAGE_OF");
    }
    return cli_main(argc, argv);
}
#endif
