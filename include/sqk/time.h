/* Time: everything in the library is seconds since 1970-01-01T00:00:00 UTC (double), no leap
 * seconds. These functions convert the encodings met in the input files. */
#ifndef SQK_TIME_H
#define SQK_TIME_H

#include <stdint.h>

typedef struct {
    int year, month, day, hour, minute;
    double second; /* may carry milliseconds */
} sqk_civil;

/* Days since 1970-01-01 of a proleptic Gregorian date (any year). */
int64_t sqk_days_from_civil(int year, int month, int day);
void sqk_civil_from_days(int64_t days, int *year, int *month, int *day);

/* Validates the fields (month 1-12, day within the month, hour 0-23, minute 0-59,
 * second in [0, 60)) and returns SQK_OK or SQK_EVALUE with a message. */
int sqk_time_from_civil(const sqk_civil *c, double *t);
void sqk_time_to_civil(double t, sqk_civil *c);

/* ISO 8601 "YYYY-MM-DDThh:mm:ss[.fff][Z]" or "YYYY-MM-DD[ hh:mm:ss]". */
int sqk_time_parse_iso(const char *s, double *t);
/* Writes "YYYY-MM-DDThh:mm:ss.mmmZ" into buf (>= 25 bytes). */
void sqk_time_format_iso(double t, char *buf);

/* CSES UTC_TIME: int64 with 17 digits YYYYMMDDhhmmssmmm. */
/* "YYYYMMDD_hhmmss", the stamps in CSES and DEMETER file names: the first 15 characters of s
 * (what follows is not looked at). */
int sqk_time_parse_stamp(const char *s, double *t);
/* The stamp of a time (whole seconds, rounded down) into buf (at least 16 bytes). */
void sqk_time_format_stamp(double t, char *buf);
int sqk_time_from_cses_utc(int64_t v, double *t);
int64_t sqk_time_to_cses_utc(double t);
/* CSES VERSE_TIME: int64 milliseconds since 2009-01-01T00:00:00 UTC, no leap seconds. */
double sqk_time_from_verse(int64_t ms);
int64_t sqk_time_to_verse(double t);

/* Unix seconds of 2009-01-01 and of 1950-01-01 (DEMETER day count origin). */
#define SQK_VERSE_EPOCH 1230768000.0
#define SQK_DEMETER_EPOCH (-631152000.0)
#define SQK_DAY_S 86400.0

#endif
