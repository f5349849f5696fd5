/* The command line: one binary, one subcommand per pipeline stage. Only this folder prints,
 * reads argv and chooses exit codes. */
#ifndef SQK_CLI_H
#define SQK_CLI_H

#include "sqk/core.h"

/* argv[0] is the program, argv[1] the command; returns the exit status. */
int cli_main(int argc, char **argv);

int cmd_synth(int argc, char **argv);
int cmd_inspect(int argc, char **argv);
int cmd_build(int argc, char **argv);
int cmd_train(int argc, char **argv);
int cmd_tune(int argc, char **argv);
int cmd_predict(int argc, char **argv);
int cmd_evaluate(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_plot(int argc, char **argv);
int cmd_scan(int argc, char **argv);
int cmd_experiment(int argc, char **argv);
int cmd_sensitivity(int argc, char **argv);

/* A progress reporter that draws one updating line on stderr when stderr is a terminal and
 * quiet is 0; otherwise it reports nothing. */
sqk_progress cli_progress(int quiet);
/* Ends the progress line (newline) if one was drawn. */
void cli_progress_done(void);

/* Prints "seqnetquake CMD: <last library error>" to stderr and returns exit code 1. */
int cli_fail(const char *cmd);
/* True when arg equals "-h" or "--help". */
int cli_is_help(const char *arg);

#endif
