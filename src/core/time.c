/* Calendar arithmetic (Howard Hinnant's days_from_civil) and the time encodings of the inputs. */
#include "sqk/time.h"
#include "sqk/core.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

int64_t sqk_days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const int64_t yoe = y - era * 400;
    const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void sqk_civil_from_days(int64_t z, int *year, int *month, int *day)
{
    z += 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const int64_t doe = z - era * 146097;
    const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const int64_t mp = (5 * doy + 2) / 153;
    const int d = (int)(doy - (153 * mp + 2) / 5 + 1);
    const int m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *year = (int)(yoe + era * 400 + (m <= 2));
    *month = m;
    *day = d;
}

static int days_in_month(int y, int m)
{
    static const int dm[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return dm[m - 1] + (m == 2 && leap);
}

int sqk_time_from_civil(const sqk_civil *c, double *t)
{
    if (c->month < 1 || c->month > 12)
        return sqk_fail(SQK_EVALUE, "month %d out of range 1-12", c->month);
    if (c->day < 1 || c->day > days_in_month(c->year, c->month))
        return sqk_fail(SQK_EVALUE, "day %d out of range for %04d-%02d", c->day, c->year, c->month);
    if (c->hour < 0 || c->hour > 23 || c->minute < 0 || c->minute > 59 || !(c->second >= 0) ||
        !(c->second < 60.0))
        return sqk_fail(SQK_EVALUE, "time of day %02d:%02d:%06.3f out of range", c->hour, c->minute,
                        c->second);
    *t = (double)sqk_days_from_civil(c->year, c->month, c->day) * SQK_DAY_S + c->hour * 3600.0 +
         c->minute * 60.0 + c->second;
    return SQK_OK;
}

void sqk_time_to_civil(double t, sqk_civil *c)
{
    /* Round to the millisecond first so that 59.9999999 s does not print as 60. */
    double ms_total = floor(t * 1000.0 + 0.5);
    int64_t days = (int64_t)floor(ms_total / 86400000.0);
    double ms = ms_total - (double)days * 86400000.0;
    sqk_civil_from_days(days, &c->year, &c->month, &c->day);
    int64_t msi = (int64_t)ms;
    c->hour = (int)(msi / 3600000);
    c->minute = (int)(msi / 60000 % 60);
    c->second = (double)(msi % 60000) / 1000.0;
}

static int parse_int(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return 0;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 1;
}

int sqk_time_parse_iso(const char *s, double *t)
{
    sqk_civil c = {0};
    size_t len = strlen(s);
    if (len < 10 || !parse_int(s, 4, &c.year) || s[4] != '-' || !parse_int(s + 5, 2, &c.month) ||
        s[7] != '-' || !parse_int(s + 8, 2, &c.day))
        return sqk_fail(SQK_EVALUE, "bad date '%s' (expected YYYY-MM-DD...)", s);
    const char *p = s + 10;
    if (*p == 'T' || *p == ' ') {
        p++;
        if (strlen(p) < 5 || !parse_int(p, 2, &c.hour) || p[2] != ':' || !parse_int(p + 3, 2, &c.minute))
            return sqk_fail(SQK_EVALUE, "bad time in '%s' (expected hh:mm[:ss[.fff]])", s);
        p += 5;
        if (*p == ':') {
            int sec;
            if (!parse_int(p + 1, 2, &sec)) return sqk_fail(SQK_EVALUE, "bad seconds in '%s'", s);
            c.second = sec;
            p += 3;
            if (*p == '.') {
                double scale = 0.1, frac = 0;
                p++;
                if (*p < '0' || *p > '9') return sqk_fail(SQK_EVALUE, "bad fraction in '%s'", s);
                while (*p >= '0' && *p <= '9') { frac += (*p - '0') * scale; scale *= 0.1; p++; }
                c.second += frac;
            }
        }
    }
    if (*p == 'Z') p++;
    if (*p != '\0') return sqk_fail(SQK_EVALUE, "unexpected text '%s' in time '%s'", p, s);
    int st = sqk_time_from_civil(&c, t);
    if (st) return sqk_fail_context(st, "time '%s'", s);
    return SQK_OK;
}

void sqk_time_format_iso(double t, char *buf)
{
    sqk_civil c;
    sqk_time_to_civil(t, &c);
    int ms = (int)floor(c.second * 1000.0 + 0.5);
    char tmp[96];
    snprintf(tmp, sizeof tmp, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", c.year, c.month, c.day, c.hour,
             c.minute, ms / 1000, ms % 1000);
    memcpy(buf, tmp, 24);
    buf[24] = '\0';
}

int sqk_time_from_cses_utc(int64_t v, double *t)
{
    if (v < 10000000000000000LL || v > 99999999999999999LL)
        return sqk_fail(SQK_EVALUE, "UTC_TIME %lld is not a 17-digit YYYYMMDDhhmmssmmm value", (long long)v);
    sqk_civil c;
    int ms = (int)(v % 1000); v /= 1000;
    int sec = (int)(v % 100); v /= 100;
    c.minute = (int)(v % 100); v /= 100;
    c.hour = (int)(v % 100); v /= 100;
    c.day = (int)(v % 100); v /= 100;
    c.month = (int)(v % 100); v /= 100;
    c.year = (int)v;
    c.second = sec + ms / 1000.0;
    if (sec > 59) return sqk_fail(SQK_EVALUE, "UTC_TIME seconds %d out of range", sec);
    int st = sqk_time_from_civil(&c, t);
    if (st) return sqk_fail_context(st, "UTC_TIME");
    /* Re-add the milliseconds exactly (avoids 0.001 rounding drift in c.second). */
    *t = floor(*t) + ms / 1000.0;
    return SQK_OK;
}

int64_t sqk_time_to_cses_utc(double t)
{
    sqk_civil c;
    sqk_time_to_civil(t, &c);
    int64_t ms = (int64_t)floor(c.second * 1000.0 + 0.5);
    return ((((((int64_t)c.year * 100 + c.month) * 100 + c.day) * 100 + c.hour) * 100 + c.minute) *
                100000) + ms;
}

double sqk_time_from_verse(int64_t ms) { return SQK_VERSE_EPOCH + (double)ms / 1000.0; }
int64_t sqk_time_to_verse(double t) { return (int64_t)llround((t - SQK_VERSE_EPOCH) * 1000.0); }

static int n_digits(const char *s, int n)
{
    for (int i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9') return 0;
    return 1;
}

int sqk_time_parse_stamp(const char *s, double *t)
{
    if (strnlen(s, 15) < 15 || !n_digits(s, 8) || s[8] != '_' || !n_digits(s + 9, 6))
        return sqk_fail(SQK_EFORMAT, "bad date/time '%.15s' (expected YYYYMMDD_hhmmss)", s);
    int v[6];
    sscanf(s, "%4d%2d%2d_%2d%2d%2d", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5]);
    sqk_civil c = {v[0], v[1], v[2], v[3], v[4], v[5]};
    int st = sqk_time_from_civil(&c, t);
    return st ? sqk_fail_context(st, "date/time '%.15s'", s) : SQK_OK;
}

void sqk_time_format_stamp(double t, char *buf)
{
    sqk_civil c;
    sqk_time_to_civil(floor(t), &c);
    snprintf(buf, 32, "%04d%02d%02d_%02d%02d%02d", c.year % 10000, c.month, c.day, c.hour, c.minute, (int)c.second);
}
