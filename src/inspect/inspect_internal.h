/* Inspection (sqk/inspect.h): one summary function per kind of file. Each writes a human
 * summary to out and returns SQK_OK or a library status (the message is in sqk_last_error()). */
#ifndef SQK_INSPECT_INTERNAL_H
#define SQK_INSPECT_INTERNAL_H

#include <stdio.h>

int inspect_pass_file(const char *path, FILE *out);   /* CSES L2 .h5, DEMETER .DAT */
int inspect_catalog(const char *path, FILE *out);     /* USGS ComCat CSV */
int inspect_kp(const char *path, FILE *out);          /* any supported Kp table */

#endif
