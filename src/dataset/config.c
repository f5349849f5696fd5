/* Build configuration: defaults, the paper's dataset presets, parsing and the stored text. */
#include "sqk/dataset.h"
#include "sqk/geo.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sqk_build_config_default(sqk_build_config *c)
{
    memset(c, 0, sizeof *c);
    c->satellite = SQK_SAT_CSES;
    c->time_of_day = SQK_TIME_NIGHT;
    c->T = 20;
    c->radius_deg = 3.0;
    c->min_mag = 4.8;
    c->days_before = 15.0;
    c->split_mode = SQK_SPLITMODE_EVENT;
    c->test_fraction = 0.2;
    c->val_fraction = 0.2;
    c->seed = 1;
    c->nfeat = 2;
    strcpy(c->feature[0], "Ne");
    strcpy(c->feature[1], "Te");
    c->dt_s = 1.5;
    c->aftershock_box_deg = 1.0;
    c->aftershock_days = 15.0;
    c->control_box_deg = 10.0;
    c->control_days = 15.0;
    /* Both satellites take data between about +-65 deg magnetic latitude (formats.md). */
    c->control_lat_deg = 65.0;
    c->control_tries = 1000;
    c->kp_storm = 3.0;
    c->ne_min = 5e2;
    c->ne_max = 1e7;
    c->te_min = 500.0;
    c->te_max = 10000.0;
    c->file_checksums = 1;
    c->survey_s = 3.0;  /* both satellites' survey cadence (formats.md, synthetic-archive.md) */
}

int sqk_build_config_design(sqk_build_config *c, const char *design)
{
    if (!strcmp(design, "paper")) {
        c->cadence_mode = SQK_CADENCE_MODE_PAPER;
        c->controls_mode = SQK_CONTROLS_PAPER;
        c->swap_partners = SQK_PARTNERS_RANDOM; /* not used by the paper's controls */
        return sqk_build_config_set_features(c, "Ne,Te");
    }
    if (!strcmp(design, "rigorous")) {
        c->cadence_mode = SQK_CADENCE_MODE_HARMONISED;
        c->controls_mode = SQK_CONTROLS_MATCHED;
        c->swap_partners = SQK_PARTNERS_MAGNITUDE;
        return sqk_build_config_set_features(c, "Ne,Te,dlogNe,dlogTe");
    }
    return sqk_fail(SQK_EARG, "design '%s': expected paper or rigorous", design);
}

static int has_relative_feature(const sqk_build_config *c)
{
    for (int f = 0; f < c->nfeat; f++)
        if (!strncmp(c->feature[f], "dlog", 4) && c->feature[f][4]) return 1;
    return 0;
}

const char *sqk_build_config_design_name(const sqk_build_config *c)
{
    int rel = has_relative_feature(c);
    if (c->cadence_mode == SQK_CADENCE_MODE_PAPER && c->controls_mode == SQK_CONTROLS_PAPER && !rel)
        return "paper";
    if (c->cadence_mode == SQK_CADENCE_MODE_HARMONISED && c->controls_mode == SQK_CONTROLS_MATCHED && rel)
        return "rigorous";
    return "custom";
}

/* method.md section 5 (Supplementary Table S1). radius 0 = Dobrovolsky. */
static const struct { const char *id; int sat, tod, T; double radius; } PRESETS[] = {
    {"01", SQK_SAT_CSES, SQK_TIME_NIGHT, 10, 3},  {"02", SQK_SAT_CSES, SQK_TIME_DAY, 10, 3},
    {"03", SQK_SAT_CSES, SQK_TIME_NIGHT, 20, 3},  {"04", SQK_SAT_CSES, SQK_TIME_NIGHT, 30, 3},
    {"05", SQK_SAT_CSES, SQK_TIME_NIGHT, 40, 3},  {"06", SQK_SAT_CSES, SQK_TIME_NIGHT, 50, 3},
    {"07", SQK_SAT_CSES, SQK_TIME_NIGHT, 20, 0},  {"08", SQK_SAT_CSES, SQK_TIME_NIGHT, 20, 5},
    {"09", SQK_SAT_CSES, SQK_TIME_NIGHT, 20, 7},  {"10", SQK_SAT_CSES, SQK_TIME_NIGHT, 20, 12},
    {"11", SQK_SAT_DEMETER, SQK_TIME_NIGHT, 20, 0},
};

int sqk_build_config_preset(sqk_build_config *c, const char *id)
{
    char norm[8];
    /* Accept "7" as well as "07". */
    if (strlen(id) == 1) snprintf(norm, sizeof norm, "0%s", id);
    else snprintf(norm, sizeof norm, "%s", id);
    for (size_t i = 0; i < sizeof PRESETS / sizeof PRESETS[0]; i++) {
        if (strcmp(PRESETS[i].id, norm)) continue;
        c->satellite = PRESETS[i].sat;
        c->time_of_day = PRESETS[i].tod;
        c->T = PRESETS[i].T;
        c->radius_deg = PRESETS[i].radius;
        snprintf(c->preset, sizeof c->preset, "%s", norm);
        return SQK_OK;
    }
    return sqk_fail(SQK_EARG, "unknown dataset preset '%s' (expected 01..11)", id);
}

int sqk_build_config_set_features(sqk_build_config *c, const char *list)
{
    int n = 0;
    const char *p = list;
    while (*p) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len == 0 || len >= sizeof c->feature[0])
            return sqk_fail(SQK_EARG, "features '%s': empty or too long name", list);
        if (n == SQK_MAX_FEATURES)
            return sqk_fail(SQK_EARG, "features '%s': at most %d features", list, SQK_MAX_FEATURES);
        memcpy(c->feature[n], p, len);
        c->feature[n][len] = '\0';
        n++;
        p += len + (e ? 1 : 0);
    }
    if (n == 0) return sqk_fail(SQK_EARG, "features: empty list");
    c->nfeat = n;
    return SQK_OK;
}

int sqk_build_config_set_radius(sqk_build_config *c, const char *s)
{
    if (!strcmp(s, "dobrovolsky")) { c->radius_deg = 0; return SQK_OK; }
    char *end;
    double r = strtod(s, &end);
    if (end == s || *end || !(r > 0 && r <= 180))
        return sqk_fail(SQK_EARG, "radius '%s': expected degrees in (0, 180] or 'dobrovolsky'", s);
    c->radius_deg = r;
    return SQK_OK;
}

int sqk_build_config_check(const sqk_build_config *c)
{
    if (c->satellite != SQK_SAT_CSES && c->satellite != SQK_SAT_DEMETER)
        return sqk_fail(SQK_EARG, "satellite must be cses or demeter");
    if (c->T < 2 || c->T > 100000) return sqk_fail(SQK_EARG, "T = %d: expected 2..100000 samples", c->T);
    if (!(c->test_fraction >= 0 && c->test_fraction < 1))
        return sqk_fail(SQK_EARG, "test fraction %g: expected [0, 1)", c->test_fraction);
    if (!(c->val_fraction >= 0 && c->val_fraction < 1))
        return sqk_fail(SQK_EARG, "validation fraction %g: expected [0, 1)", c->val_fraction);
    if (!(c->days_before > 0)) return sqk_fail(SQK_EARG, "days before %g: expected > 0", c->days_before);
    if (!(c->dt_s > 0)) return sqk_fail(SQK_EARG, "resampling period %g s: expected > 0", c->dt_s);
    if (!(c->control_lat_deg > 0 && c->control_lat_deg <= 90))
        return sqk_fail(SQK_EARG, "control latitude band %g: expected (0, 90]", c->control_lat_deg);
    if (c->nfeat < 1) return sqk_fail(SQK_EARG, "no features");
    if (c->cadence_mode != SQK_CADENCE_MODE_PAPER && c->cadence_mode != SQK_CADENCE_MODE_HARMONISED)
        return sqk_fail(SQK_EARG, "cadence must be paper or harmonised");
    if (c->controls_mode != SQK_CONTROLS_PAPER && c->controls_mode != SQK_CONTROLS_MATCHED)
        return sqk_fail(SQK_EARG, "controls must be paper or matched");
    if (c->swap_partners != SQK_PARTNERS_RANDOM && c->swap_partners != SQK_PARTNERS_MAGNITUDE)
        return sqk_fail(SQK_EARG, "swap partners must be random or magnitude");
    if (!(c->survey_s >= c->dt_s && c->survey_s <= 1000))
        return sqk_fail(SQK_EARG, "survey cadence %g s: expected from the resampling period (%g s) to 1000 s",
                        c->survey_s, c->dt_s);
    return SQK_OK;
}

double sqk_event_radius_deg(const sqk_build_config *c, double mag)
{
    if (c->radius_deg > 0) return c->radius_deg;
    return sqk_km_to_deg(sqk_dobrovolsky_radius_km(mag));
}

/* Shortest of %.15g / %.17g that reads back to the same double (4.8, not 4.7999999999999998). */
static const char *num(char *buf, double v)
{
    snprintf(buf, 32, "%.15g", v);
    if (strtod(buf, NULL) != v) snprintf(buf, 32, "%.17g", v);
    return buf;
}

static const char *tod_name(int t) { return t == SQK_TIME_NIGHT ? "night" : t == SQK_TIME_DAY ? "day" : "all"; }

int sqk_build_config_text(const sqk_build_config *c, char *buf, size_t bufsize)
{
    char radius[32], feats[SQK_MAX_FEATURES * 33] = "", b[16][32];
    if (c->radius_deg > 0) num(radius, c->radius_deg);
    else snprintf(radius, sizeof radius, "dobrovolsky");
    for (int i = 0; i < c->nfeat; i++) {
        if (i) strcat(feats, ",");
        strcat(feats, c->feature[i]);
    }
    int n = snprintf(buf, bufsize,
        "preset=%s\nsatellite=%s\ntime=%s\nT=%d\nradius=%s\nmin_mag=%s\ndays_before=%s\n"
        "split=%s\ntest_fraction=%s\nval_fraction=%s\nseed=%llu\nfeatures=%s\ndt_s=%s\n"
        "aftershock_box_deg=%s\naftershock_days=%s\ncontrol_box_deg=%s\n"
        "control_days=%s\ncontrol_lat_deg=%s\ncontrol_tries=%d\nkp_storm_above=%s\n"
        "ne_range_cm3=%s,%s\nte_range_K=%s,%s\nskip_bad=%d\nfile_checksums=%d\n"
        "design=%s\ncadence=%s\nsurvey_s=%s\ncontrols=%s\nswap_partners=%s\n",
        c->preset[0] ? c->preset : "none", c->satellite == SQK_SAT_CSES ? "cses" : "demeter",
        tod_name(c->time_of_day), c->T, radius, num(b[0], c->min_mag), num(b[1], c->days_before),
        c->split_mode == SQK_SPLITMODE_EVENT ? "event" : "paper", num(b[2], c->test_fraction),
        num(b[3], c->val_fraction), (unsigned long long)c->seed, feats, num(b[4], c->dt_s),
        num(b[5], c->aftershock_box_deg), num(b[6], c->aftershock_days), num(b[7], c->control_box_deg),
        num(b[8], c->control_days), num(b[9], c->control_lat_deg), c->control_tries,
        num(b[10], c->kp_storm), num(b[11], c->ne_min), num(b[12], c->ne_max), num(b[13], c->te_min),
        num(b[14], c->te_max), c->skip_bad, c->file_checksums, sqk_build_config_design_name(c),
        c->cadence_mode == SQK_CADENCE_MODE_HARMONISED ? "harmonised" : "paper", num(b[15], c->survey_s),
        c->controls_mode == SQK_CONTROLS_MATCHED ? "matched" : "paper",
        c->swap_partners == SQK_PARTNERS_MAGNITUDE ? "magnitude" : "random");
    if (n < 0 || (size_t)n >= bufsize) return sqk_fail(SQK_EARG, "configuration text too long");
    return SQK_OK;
}

static int parse_num(const char *key, const char *v, double *out)
{
    char *end;
    *out = strtod(v, &end);
    if (end == v || *end) return sqk_fail(SQK_EFORMAT, "build setting %s=%s: not a number", key, v);
    return SQK_OK;
}

static int parse_pair(const char *key, const char *v, double *a, double *b)
{
    char tmp[96], *comma;
    snprintf(tmp, sizeof tmp, "%s", v);
    comma = strchr(tmp, ',');
    if (!comma) return sqk_fail(SQK_EFORMAT, "build setting %s=%s: expected two numbers 'lo,hi'", key, v);
    *comma = '\0';
    int st = parse_num(key, tmp, a);
    return st ? st : parse_num(key, comma + 1, b);
}

/* One key=value line of sqk_build_config_text. */
static int config_apply(sqk_build_config *c, const char *k, const char *v)
{
    double d;
    int st = SQK_OK;
    if (!strcmp(k, "preset")) snprintf(c->preset, sizeof c->preset, "%s", strcmp(v, "none") ? v : "");
    else if (!strcmp(k, "satellite")) {
        if (!strcmp(v, "cses")) c->satellite = SQK_SAT_CSES;
        else if (!strcmp(v, "demeter")) c->satellite = SQK_SAT_DEMETER;
        else st = sqk_fail(SQK_EFORMAT, "build setting satellite=%s: expected cses or demeter", v);
    } else if (!strcmp(k, "time")) {
        if (!strcmp(v, "night")) c->time_of_day = SQK_TIME_NIGHT;
        else if (!strcmp(v, "day")) c->time_of_day = SQK_TIME_DAY;
        else if (!strcmp(v, "all")) c->time_of_day = SQK_TIME_ALL;
        else st = sqk_fail(SQK_EFORMAT, "build setting time=%s: expected night, day or all", v);
    } else if (!strcmp(k, "split")) {
        if (!strcmp(v, "event")) c->split_mode = SQK_SPLITMODE_EVENT;
        else if (!strcmp(v, "paper")) c->split_mode = SQK_SPLITMODE_PAPER;
        else st = sqk_fail(SQK_EFORMAT, "build setting split=%s: expected event or paper", v);
    } else if (!strcmp(k, "design")) {
        /* what the keys below amount to (they are all written): checked, not applied */
        if (strcmp(v, "paper") && strcmp(v, "rigorous") && strcmp(v, "custom"))
            st = sqk_fail(SQK_EFORMAT, "build setting design=%s: expected paper, rigorous or custom", v);
    } else if (!strcmp(k, "cadence")) {
        if (!strcmp(v, "paper")) c->cadence_mode = SQK_CADENCE_MODE_PAPER;
        else if (!strcmp(v, "harmonised")) c->cadence_mode = SQK_CADENCE_MODE_HARMONISED;
        else st = sqk_fail(SQK_EFORMAT, "build setting cadence=%s: expected paper or harmonised", v);
    } else if (!strcmp(k, "controls")) {
        if (!strcmp(v, "paper")) c->controls_mode = SQK_CONTROLS_PAPER;
        else if (!strcmp(v, "matched")) c->controls_mode = SQK_CONTROLS_MATCHED;
        else st = sqk_fail(SQK_EFORMAT, "build setting controls=%s: expected paper or matched", v);
    } else if (!strcmp(k, "swap_partners")) {
        if (!strcmp(v, "random")) c->swap_partners = SQK_PARTNERS_RANDOM;
        else if (!strcmp(v, "magnitude")) c->swap_partners = SQK_PARTNERS_MAGNITUDE;
        else st = sqk_fail(SQK_EFORMAT, "build setting swap_partners=%s: expected random or magnitude", v);
    } else if (!strcmp(k, "radius")) {
        st = sqk_build_config_set_radius(c, v);
    } else if (!strcmp(k, "features")) {
        st = sqk_build_config_set_features(c, v);
    } else if (!strcmp(k, "ne_range_cm3")) {
        st = parse_pair(k, v, &c->ne_min, &c->ne_max);
    } else if (!strcmp(k, "te_range_K")) {
        st = parse_pair(k, v, &c->te_min, &c->te_max);
    } else {
        static const char *const reals[] = {"min_mag", "days_before", "test_fraction", "val_fraction",
                                            "dt_s", "aftershock_box_deg", "aftershock_days",
                                            "control_box_deg", "control_days", "control_lat_deg",
                                            "kp_storm_above", "survey_s", "T", "seed", "control_tries",
                                            "skip_bad", "file_checksums"};
        double *dst[] = {&c->min_mag, &c->days_before, &c->test_fraction, &c->val_fraction, &c->dt_s,
                         &c->aftershock_box_deg, &c->aftershock_days, &c->control_box_deg,
                         &c->control_days, &c->control_lat_deg, &c->kp_storm, &c->survey_s};
        size_t i = 0, n = sizeof reals / sizeof reals[0];
        while (i < n && strcmp(k, reals[i])) i++;
        if (i == n) return sqk_fail(SQK_EFORMAT, "unknown build setting '%s' (written by a newer seqnetquake?)", k);
        st = parse_num(k, v, &d);
        if (st) return st;
        if (i < sizeof dst / sizeof dst[0]) *dst[i] = d;
        else if (d != floor(d) || d < 0 || d > 1e15)
            return sqk_fail(SQK_EFORMAT, "build setting %s=%s: expected a whole number", k, v);
        else if (!strcmp(k, "T")) c->T = (int)d;
        else if (!strcmp(k, "seed")) c->seed = (uint64_t)d;
        else if (!strcmp(k, "control_tries")) c->control_tries = (int)d;
        else if (!strcmp(k, "skip_bad")) c->skip_bad = (int)d;
        else c->file_checksums = (int)d;
    }
    return st;
}

int sqk_build_config_parse(const char *text, sqk_build_config *c)
{
    sqk_build_config_default(c);
    size_t line = 0;
    for (const char *p = text; p && *p;) {
        const char *e = strchr(p, '\n');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        char buf[512];
        line++;
        if (len >= sizeof buf) return sqk_fail(SQK_EFORMAT, "build configuration line %zu: too long", line);
        memcpy(buf, p, len);
        buf[len] = '\0';
        p += len + (e ? 1 : 0);
        if (!buf[0]) continue;
        char *eq = strchr(buf, '=');
        if (!eq) return sqk_fail(SQK_EFORMAT, "build configuration line %zu: expected key=value, got '%s'", line, buf);
        *eq = '\0';
        int st = config_apply(c, buf, eq + 1);
        if (st) return sqk_fail_context(st, "build configuration line %zu", line);
    }
    return sqk_build_config_check(c);
}
