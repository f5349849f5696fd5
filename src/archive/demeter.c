/* DEMETER ISL level-1 files: a headerless sequence of 289-byte big-endian blocks, one per
 * sample (layout in formats.md, section 2). Decoding checks the time fields of every block;
 * physically impossible values become NaN and are counted, never altered otherwise. */
#include "sqk/archive.h"
#include "sqk/core.h"
#include "sqk/geo.h"
#include "sqk/time.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define DEG (M_PI / 180.0)

/* ------------------------------------------------------------------ big-endian fields */

static uint32_t get_u16(const uint8_t *b) { return (uint32_t)b[0] << 8 | b[1]; }
static int get_i16(const uint8_t *b) { return (int16_t)(uint16_t)get_u16(b); }
static uint32_t get_u24(const uint8_t *b) { return (uint32_t)b[0] << 16 | (uint32_t)b[1] << 8 | b[2]; }
static uint32_t get_u32(const uint8_t *b)
{
    return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}
static float get_f32(const uint8_t *b)
{
    uint32_t u = get_u32(b);
    float f;
    memcpy(&f, &u, 4);
    return f;
}

static void put_u16(uint8_t *b, uint32_t v) { b[0] = (uint8_t)(v >> 8); b[1] = (uint8_t)v; }
static void put_u24(uint8_t *b, uint32_t v) { b[0] = (uint8_t)(v >> 16); put_u16(b + 1, v); }
static void put_u32(uint8_t *b, uint32_t v) { put_u16(b, v >> 16); put_u16(b + 2, v); }
static void put_f32(uint8_t *b, float f)
{
    uint32_t u;
    memcpy(&u, &f, 4);
    put_u32(b, u);
}

/* Field offsets of one block. */
enum {
    OFF_PFIELD = 0, OFF_DAYS = 1, OFF_MS = 4, OFF_CIVIL = 8, OFF_ORBIT = 22, OFF_SUBORBIT = 24,
    OFF_STATION = 26, OFF_GEO = 38, OFF_ATT = 128, OFF_ATT_Q = 200, OFF_TYPE = 204,
    OFF_TRES = 246, OFF_UNITS = 250, OFF_NE = 265, OFF_NI = 269, OFF_TE = 273, OFF_VP = 277,
    OFF_VF = 281, OFF_VS = 285
};

/* ------------------------------------------------------------------ one block */

int sqk_demeter_decode_block(const uint8_t b[SQK_DEMETER_BLOCK], sqk_isl_record *r)
{
    memset(r, 0, sizeof *r);
    uint32_t days = get_u24(b + OFF_DAYS), ms = get_u32(b + OFF_MS);
    int f[7];
    for (int i = 0; i < 7; i++) f[i] = get_i16(b + OFF_CIVIL + 2 * i);
    r->orbit = (int)get_u16(b + OFF_ORBIT);
    r->suborbit = (int)get_u16(b + OFF_SUBORBIT);
    for (int i = 0; i < 22; i++) r->geo[i] = get_f32(b + OFF_GEO + 4 * i);
    r->lat = r->geo[0];
    r->lon = r->geo[1];
    r->alt_km = r->geo[2];
    r->lt_h = r->geo[3];
    memcpy(r->data_type, b + OFF_TYPE, 10);
    r->data_type[10] = '\0';
    r->time_resolution_s = get_f32(b + OFF_TRES);
    r->ne = get_f32(b + OFF_NE);
    r->ni = get_f32(b + OFF_NI);
    r->te = get_f32(b + OFF_TE);
    r->plasma_pot = get_f32(b + OFF_VP);
    r->float_pot = get_f32(b + OFF_VF);
    r->sat_pot = get_f32(b + OFF_VS);
    r->t_days = SQK_DEMETER_EPOCH + days * SQK_DAY_S + ms / 1000.0;

    sqk_civil c = {f[0], f[1], f[2], f[3], f[4], f[5]};
    if (f[5] < 0 || f[5] > 59 || f[6] < 0 || f[6] > 999)
        return sqk_fail(SQK_EVALUE, "civil time %04d-%02d-%02d %02d:%02d:%02d.%03d: seconds/milliseconds out of range",
                        f[0], f[1], f[2], f[3], f[4], f[5], f[6]);
    int st = sqk_time_from_civil(&c, &r->t);
    if (st) return sqk_fail_context(st, "civil time fields");
    r->t += f[6] / 1000.0;
    if (ms >= 86400000u)
        return sqk_fail(SQK_EVALUE, "milliseconds of day %u is more than a day", ms);
    if (fabs(r->t - r->t_days) > 1.5e-3) {
        char a[32], d[32];
        sqk_time_format_iso(r->t, a);
        sqk_time_format_iso(r->t_days, d);
        return sqk_fail(SQK_EVALUE, "civil time %s disagrees with days since 1950 + ms of day (%u, %u) = %s", a,
                        days, ms, d);
    }
    return SQK_OK;
}

void sqk_demeter_encode_block(const sqk_isl_record *r, uint8_t b[SQK_DEMETER_BLOCK])
{
    memset(b, 0, SQK_DEMETER_BLOCK);
    /* CCSDS P-field of a CDS time code: agency epoch, 24-bit day, no sub-millisecond. */
    b[OFF_PFIELD] = 0x4C;
    int64_t ms_all = llround((r->t - SQK_DEMETER_EPOCH) * 1000.0);
    if (ms_all < 0) ms_all = 0;
    int64_t days = ms_all / 86400000, ms = ms_all % 86400000;
    put_u24(b + OFF_DAYS, (uint32_t)days);
    put_u32(b + OFF_MS, (uint32_t)ms);
    int y, mo, d;
    sqk_civil_from_days(days + (int64_t)(SQK_DEMETER_EPOCH / SQK_DAY_S), &y, &mo, &d);
    int f[7] = {y, mo, d, (int)(ms / 3600000), (int)(ms / 60000 % 60), (int)(ms / 1000 % 60), (int)(ms % 1000)};
    for (int i = 0; i < 7; i++) put_u16(b + OFF_CIVIL + 2 * i, (uint32_t)(uint16_t)f[i]);
    put_u16(b + OFF_ORBIT, (uint32_t)r->orbit);
    put_u16(b + OFF_SUBORBIT, (uint32_t)r->suborbit);
    memcpy(b + OFF_STATION, "TOULOUSE", 8);
    b[34] = 1; b[36] = 1;              /* software / calibration versions 1.0 */
    float geo[22];
    memcpy(geo, r->geo, sizeof geo);
    geo[0] = r->lat; geo[1] = r->lon; geo[2] = r->alt_km; geo[3] = r->lt_h;
    for (int i = 0; i < 22; i++) put_f32(b + OFF_GEO + 4 * i, geo[i]);
    b[126] = 1;
    for (int m = 0; m < 2; m++)        /* attitude: identity matrices (satellite frame = orbital frame) */
        for (int i = 0; i < 3; i++) put_f32(b + OFF_ATT + 36 * m + 16 * i, 1.0f);
    put_u16(b + OFF_ATT_Q, 0);
    b[202] = 1;
    char type[11];
    snprintf(type, sizeof type, "%-10s", r->data_type);
    memcpy(b + OFF_TYPE, type, 10);
    put_f32(b + OFF_TRES, r->time_resolution_s);
    memcpy(b + OFF_UNITS, "cm-3 cm-3 K    ", 15);
    put_f32(b + OFF_NE, r->ne);
    put_f32(b + OFF_NI, r->ni);
    put_f32(b + OFF_TE, r->te);
    put_f32(b + OFF_VP, r->plasma_pot);
    put_f32(b + OFF_VF, r->float_pot);
    put_f32(b + OFF_VS, r->sat_pot);
}

/* ------------------------------------------------------------------ file names */

typedef struct { int apid, orbit, suborbit; } dmt_name;

static int parse_dmt_name(const char *path, dmt_name *nm)
{
    const char *b = strrchr(path, '/');
    b = b ? b + 1 : path;
    char orb[7] = {0};
    int n = 0;
    if (sscanf(b, "DMT_N1_%4d_%6[0-9]_%*8[0-9]_%*6[0-9]_%*8[0-9]_%*6[0-9].%*3[DATdat]%n", &nm->apid, orb, &n) != 2 ||
        n == 0 || b[n] != '\0' || strlen(orb) != 6)
        return 0;
    nm->suborbit = orb[5] - '0';
    orb[5] = '\0';
    nm->orbit = atoi(orb);
    return 1;
}

/* ------------------------------------------------------------------ reading */

/* Physically possible values only (cm^-3, K); the instrument range is the dataset builder's
 * business. Anything else becomes NaN and is counted. */
static double valid_or_nan(float v, double hi)
{
    return isfinite(v) && v > 0 && v <= hi ? (double)v : NAN;
}

static void store_sample(sqk_pass *p, size_t i, const sqk_isl_record *r, int apid, int *bad)
{
    p->t[i] = r->t;
    p->lat[i] = isfinite(r->lat) && fabsf(r->lat) <= 90 ? r->lat : NAN;
    p->lon[i] = isfinite(r->lon) && fabsf(r->lon) <= 360 ? sqk_lon_wrap(r->lon) : NAN;
    p->alt_km[i] = isfinite(r->alt_km) && r->alt_km > 0 && r->alt_km < 5000 ? r->alt_km : NAN;
    p->mlat[i] = isfinite(r->geo[4]) && fabsf(r->geo[4]) <= 90 ? r->geo[4] : NAN;
    if (!strncmp(r->data_type, "ISL BURST", 9)) p->mode[i] = SQK_MODE_BURST;
    else if (!strncmp(r->data_type, "ISL SURVEY", 10)) p->mode[i] = SQK_MODE_SURVEY;
    else p->mode[i] = apid == SQK_DEMETER_APID_BURST ? SQK_MODE_BURST
                      : apid == SQK_DEMETER_APID_SURVEY ? SQK_MODE_SURVEY : SQK_MODE_UNKNOWN;
    p->var[0].v[i] = valid_or_nan(r->ne, 1e8);
    p->var[1].v[i] = valid_or_nan(r->ni, 1e8);
    p->var[2].v[i] = valid_or_nan(r->te, 1e5);
    *bad = isnan(p->var[0].v[i]) || isnan(p->var[1].v[i]) || isnan(p->var[2].v[i]);
}

static int read_blocks(FILE *f, const char *path, uint8_t **buf, size_t *n)
{
    struct stat st;
    if (fstat(fileno(f), &st) != 0) return sqk_fail(SQK_EIO, "%s: cannot stat the file", path);
    size_t size = (size_t)st.st_size;
    if (size == 0) return sqk_fail(SQK_EEMPTY, "%s: empty file (no 289-byte ISL blocks)", path);
    if (size % SQK_DEMETER_BLOCK)
        return sqk_fail(SQK_EFORMAT, "%s: %zu bytes is %zu whole 289-byte blocks and %zu bytes more: truncated file",
                        path, size, size / SQK_DEMETER_BLOCK, size % SQK_DEMETER_BLOCK);
    *buf = sqk_malloc(size);
    if (!*buf) return SQK_EMEM;
    if (fread(*buf, 1, size, f) != size) {
        free(*buf);
        *buf = NULL;
        return sqk_fail(SQK_EIO, "%s: read error", path);
    }
    *n = size / SQK_DEMETER_BLOCK;
    return SQK_OK;
}

int sqk_demeter_read(const char *path, sqk_pass *out)
{
    memset(out, 0, sizeof *out);
    FILE *f = fopen(path, "rb");
    if (!f) return sqk_fail(SQK_EIO, "%s: cannot open the file", path);
    uint8_t *buf = NULL;
    size_t n = 0;
    int st = read_blocks(f, path, &buf, &n);
    fclose(f);
    if (st) return st;
    snprintf(out->path, sizeof out->path, "%s", path);
    st = sqk_pass_alloc(out, n, 1, 1, 1);
    out->satellite = SQK_SAT_DEMETER;
    if (!st) st = sqk_pass_add_var(out, "Ne", "cm^-3") < 0;
    if (!st) st = sqk_pass_add_var(out, "Ni", "cm^-3") < 0;
    if (!st) st = sqk_pass_add_var(out, "Te", "K") < 0;
    if (st) { free(buf); sqk_pass_free(out); return SQK_EMEM; }
    dmt_name nm = {0, -1, -1};
    int named = parse_dmt_name(path, &nm);
    int orbit0 = -1, sub0 = -1, orbit_changes = 0, type_vs_apid = 0;
    int apid_mode = nm.apid == SQK_DEMETER_APID_BURST ? SQK_MODE_BURST
                    : nm.apid == SQK_DEMETER_APID_SURVEY ? SQK_MODE_SURVEY : SQK_MODE_UNKNOWN;
    for (size_t i = 0; i < n; i++) {
        sqk_isl_record r;
        st = sqk_demeter_decode_block(buf + i * SQK_DEMETER_BLOCK, &r);
        if (st) { st = sqk_fail_context(st, "%s: record %zu (byte %zu)", path, i, i * SQK_DEMETER_BLOCK); break; }
        int bad;
        store_sample(out, i, &r, nm.apid, &bad);
        out->n_fill += (size_t)bad;
        if (i == 0) { orbit0 = r.orbit; sub0 = r.suborbit; }
        else if (r.orbit != orbit0 || r.suborbit != sub0) orbit_changes++;
        type_vs_apid += apid_mode != SQK_MODE_UNKNOWN && out->mode[i] != apid_mode;
    }
    free(buf);
    if (st) { sqk_pass_free(out); return st; }
    out->orbit = orbit0;
    out->direction = sub0 == 0 || sub0 == 1 ? sub0 : SQK_DIR_UNKNOWN;
    size_t len = 0;
    if (named && (nm.orbit != orbit0 || nm.suborbit != sub0))
        len += (size_t)snprintf(out->warning + len, sizeof out->warning - len,
                                "orbit %d-%d in the blocks but %d-%d in the file name; ", orbit0, sub0, nm.orbit,
                                nm.suborbit);
    if (orbit_changes && len < sizeof out->warning)
        len += (size_t)snprintf(out->warning + len, sizeof out->warning - len,
                                "%d blocks name another orbit than the first; ", orbit_changes);
    if (type_vs_apid && len < sizeof out->warning)
        len += (size_t)snprintf(out->warning + len, sizeof out->warning - len,
                                "%d blocks' data type disagrees with apid %d in the file name; ", type_vs_apid, nm.apid);
    if (!named && len < sizeof out->warning)
        len += (size_t)snprintf(out->warning + len, sizeof out->warning - len,
                                "file name does not follow DMT_N1_<apid>_<orbit><suborbit>_<start>_<end>.DAT; ");
    if (len >= sizeof out->warning) len = sizeof out->warning - 1;
    while (len >= 2 && out->warning[len - 2] == ';') out->warning[len -= 2] = '\0';
    return SQK_OK;
}

/* ------------------------------------------------------------------ writing */

/* Geographic point of dipole coordinates (inverse of sqk_geomag). */
static void geo_from_mag(double mlat, double mlon, double *lat, double *lon)
{
    double pl, pL;
    sqk_dipole_pole(&pl, &pL);
    pl *= DEG;
    pL *= DEG;
    double x2 = cos(mlat * DEG) * cos(mlon * DEG), y1 = cos(mlat * DEG) * sin(mlon * DEG), z2 = sin(mlat * DEG);
    double x1 = x2 * sin(pl) + z2 * cos(pl), z = -x2 * cos(pl) + z2 * sin(pl);
    double x = x1 * cos(pL) - y1 * sin(pL), y = x1 * sin(pL) + y1 * cos(pL);
    *lat = asin(z > 1 ? 1 : z < -1 ? -1 : z) / DEG;
    *lon = atan2(y, x) / DEG;
}

/* The 22 geolocation floats from the position, with a centred dipole (B0 = 30000 nT) for the
 * magnetic ones and a simple solar ephemeris; see docs/formats-notes.md for the slot order. */
static void fill_geolocation(double t, double lat, double lon, double alt_km, float g[22])
{
    double mlat, mlon, clat, clon;
    sqk_geomag(lat, lon, &mlat, &mlon);
    double lt = sqk_local_time_h(t, lon);
    double r = 1.0 + alt_km / SQK_EARTH_RADIUS_KM, cm = cos(mlat * DEG);
    double L = r / (cm * cm);
    double inv = acos(sqrt(1.0 / L > 1 ? 1 : 1.0 / L)) / DEG * (mlat < 0 ? -1 : 1);
    double mlt = fmod(lt + sqk_lon_diff_deg(mlon, lon) / 15.0 + 48.0, 24.0);
    geo_from_mag(-mlat, mlon, &clat, &clon);
    double b0 = 30000.0 / (r * r * r);
    double br = -2 * b0 * sin(mlat * DEG), bth = b0 * cm;
    double bmag = sqrt(br * br + bth * bth);
    double doy = fmod((t / SQK_DAY_S), 365.2422);
    double dec = 23.44 * sin(2 * M_PI * (doy - 79.0) / 365.2422) * DEG;
    double sslon = -15.0 * (fmod(t / 3600.0, 24.0) - 12.0) * DEG;
    double v[22] = {lat, lon, alt_km, lt, mlat, mlon, mlt, inv, L, clat, clon, clat, clon, clat, clon,
                    br, bth, 0.0, 0.01525 * bmag, cos(dec) * cos(sslon), cos(dec) * sin(sslon), sin(dec)};
    for (int i = 0; i < 22; i++) g[i] = (float)v[i];
}

static float median_step_s(const sqk_pass *p)
{
    size_t m = p->n > 1 ? p->n - 1 : 0, k = 0;
    double *d = malloc((m ? m : 1) * sizeof *d);
    if (!d) return NAN;
    for (size_t i = 0; i < m; i++)
        if (p->t[i + 1] > p->t[i]) d[k++] = p->t[i + 1] - p->t[i];
    qsort(d, k, sizeof *d, sqk_cmp_f64);
    float med = k ? (float)d[k / 2] : NAN;
    free(d);
    return med;
}

static int check_writable(const sqk_pass *p, int apid)
{
    if (apid != SQK_DEMETER_APID_BURST && apid != SQK_DEMETER_APID_SURVEY)
        return sqk_fail(SQK_EARG, "writing a DEMETER file: apid %d is neither 1143 (burst) nor 1144 (survey)", apid);
    if (sqk_pass_find_var(p, "Ne") < 0 || sqk_pass_find_var(p, "Te") < 0)
        return sqk_fail(SQK_EARG, "writing a DEMETER file: the pass needs variables Ne and Te");
    if (p->n == 0) return sqk_fail(SQK_EARG, "writing a DEMETER file: the pass is empty");
    if (p->orbit < 0 || p->orbit > 65535 || (p->direction != 0 && p->direction != 1))
        return sqk_fail(SQK_EARG, "writing a DEMETER file: orbit %d / sub-orbit %d out of range", p->orbit,
                        p->direction);
    /* One file is one product: 1143 holds burst blocks only, 1144 survey blocks only. */
    int other = apid == SQK_DEMETER_APID_BURST ? SQK_MODE_SURVEY : SQK_MODE_BURST;
    for (size_t i = 0; p->mode && i < p->n; i++)
        if (p->mode[i] == other)
            return sqk_fail(SQK_EARG, "writing a DEMETER file: sample %zu is %s but apid %d holds %s data only", i,
                            other == SQK_MODE_BURST ? "burst" : "survey", apid,
                            other == SQK_MODE_BURST ? "survey" : "burst");
    for (size_t i = 0; i < p->n; i++)
        if (!isfinite(p->t[i]) || p->t[i] < SQK_DEMETER_EPOCH || p->t[i] > SQK_DEMETER_EPOCH + 16777215.0 * SQK_DAY_S)
            return sqk_fail(SQK_EARG, "writing a DEMETER file: sample %zu has no valid time", i);
    return SQK_OK;
}

static void encode_pass(const sqk_pass *p, int apid, uint8_t *buf)
{
    int ine = sqk_pass_find_var(p, "Ne"), ite = sqk_pass_find_var(p, "Te"), ini = sqk_pass_find_var(p, "Ni");
    float tres = median_step_s(p);
    for (size_t i = 0; i < p->n; i++) {
        sqk_isl_record r;
        memset(&r, 0, sizeof r);
        r.t = p->t[i];
        r.orbit = p->orbit;
        r.suborbit = p->direction;
        double alt = p->alt_km ? p->alt_km[i] : NAN;
        fill_geolocation(p->t[i], p->lat[i], p->lon[i], alt, r.geo);
        if (p->mlat) r.geo[4] = (float)p->mlat[i];
        r.lat = r.geo[0]; r.lon = r.geo[1]; r.alt_km = r.geo[2]; r.lt_h = r.geo[3];
        snprintf(r.data_type, sizeof r.data_type, "%s", apid == SQK_DEMETER_APID_BURST ? "ISL BURST " : "ISL SURVEY");
        r.time_resolution_s = tres;
        r.ne = (float)p->var[ine].v[i];
        r.ni = (float)p->var[ini >= 0 ? ini : ine].v[i]; /* quasi-neutral plasma: Ni ~ Ne */
        r.te = (float)p->var[ite].v[i];
        /* Typical ISL probe potentials (V): the pipeline does not use them. */
        r.plasma_pot = 1.0f;
        r.float_pot = -0.12f;
        r.sat_pot = -0.106f;
        sqk_demeter_encode_block(&r, buf + i * SQK_DEMETER_BLOCK);
    }
}

int sqk_demeter_write(const char *dir, const sqk_pass *p, int apid, char *path_out, size_t path_size)
{
    int st = check_writable(p, apid);
    if (st) return st;
    char a[32], b[32], path[2048], tmp[2100];
    sqk_time_format_stamp(p->t[0], a);
    sqk_time_format_stamp(p->t[p->n - 1], b);
    int k = snprintf(path, sizeof path, "%s/DMT_N1_%d_%05d%d_%s_%s.DAT", dir, apid, p->orbit, p->direction, a, b);
    if (k < 0 || (size_t)k >= sizeof path || (size_t)k >= path_size)
        return sqk_fail(SQK_EARG, "%s: path too long", dir);
    if ((st = sqk_tmp_path(path, tmp, sizeof tmp))) return st;
    uint8_t *buf = sqk_malloc(p->n * SQK_DEMETER_BLOCK);
    if (!buf) return SQK_EMEM;
    encode_pass(p, apid, buf);
    FILE *f = fopen(tmp, "wb");
    if (!f) { free(buf); return sqk_fail(SQK_EIO, "%s: cannot create the file", tmp); }
    size_t size = p->n * SQK_DEMETER_BLOCK;
    int ok = fwrite(buf, 1, size, f) == size;
    ok = (fclose(f) == 0) && ok;
    free(buf);
    if (!ok) { sqk_abandon_file(tmp); return sqk_fail(SQK_EIO, "%s: write error", tmp); }
    if ((st = sqk_commit_file(tmp, path))) return st;
    snprintf(path_out, path_size, "%s", path);
    return SQK_OK;
}
