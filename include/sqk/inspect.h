/* Inspection: a human summary of any file the pipeline reads or writes (CSES Level-2 HDF5,
 * DEMETER ISL, ComCat catalogue, Kp table, dataset, model), its kind found by the one sniffer
 * (sqk_file_kind_of). For `seqnetquake inspect` and any program that wants the same text. */
#ifndef SQK_INSPECT_H
#define SQK_INSPECT_H

#include <stdio.h>

/* Writes the summary of path to out; SQK_OK, or a status with the message naming the file.
 * With isolation on (sqk/isolate.h) the file is read in a worker process, and nothing is
 * written to out unless the whole file was read. */
int sqk_inspect(const char *path, FILE *out);

#endif
