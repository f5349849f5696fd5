/* The where-and-when inputs of a window: what a model may learn from its place and time alone
 * (the geo model kind and the build's leakage report read them). Defined in src/train. */
#ifndef SQK_WHEREWHEN_H
#define SQK_WHEREWHEN_H

#define SQK_WHERE_WHEN_F 6
#define SQK_WHERE_WHEN_FEATURES "lat,lon,mlat,lt_h,doy,cadence"

/* lat, lon (deg), centred-dipole magnetic latitude (deg), local time (h), day of year (1 + days
 * since 1 January, fractional) and native cadence (0 survey, 1 burst, 2 mixed) into out[6]. */
void sqk_where_when_row(double t, double lat, double lon, double lt_h, int cadence, float *out);

#endif
