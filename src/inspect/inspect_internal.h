/* Inspection (sqk/inspect.h): one summary function per kind of file. Each writes a human
 * summary to out and returns SQK_OK or a library status (the message is in sqk_last_error()). */
#ifndef SQK_INSPECT_INTERNAL_H
#define SQK_INSPECT_INTERNAL_H

#include <stdio.h>

/* CSES L2 .h5 or (demeter) DEMETER .DAT, as the file-kind sniffer told. */
int inspect_pass_file(const char *path, int demeter, FILE *out);
int inspect_catalog(const char *path, FILE *out);     /* USGS ComCat CSV */
int inspect_kp(const char *path, FILE *out);          /* any supported Kp table */

#endif
