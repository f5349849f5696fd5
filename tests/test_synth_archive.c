/* ctest-labels: slow */
/* Synthetic archive on disk: byte-identical output for the same seed whatever the number of
 * threads, files readable by the archive readers with the generated values, the null archive,
 * real catalogue / Kp inputs, and bad input leaving nothing behind. */
#include "testutil.h"

#include "sqk/archive.h"
#include "sqk/synth.h"
#include "sqk/time.h"

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static void small_config(sqk_synth_config *c, uint64_t seed)
{
    sqk_synth_defaults(c);
    c->seed = seed;
    c->cses_days = 2;
    c->demeter_days = 1;
}

static int run(const char *dir, const sqk_synth_config *c, sqk_synth_summary *s)
{
    sqk_progress none = {0};
    return sqk_synth_run(dir, c, &none, s);
}

/* Compares every regular file of a/sub with b/sub byte for byte; returns the count. */
static int compare_dir(const char *a, const char *b, const char *sub)
{
    char da[4096], db[4096];
    snprintf(da, sizeof da, "%s/%s", a, sub);
    snprintf(db, sizeof db, "%s/%s", b, sub);
    DIR *d = opendir(da);
    assert_non_null(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        char pa[8192], pb[8192];
        snprintf(pa, sizeof pa, "%s/%s", da, e->d_name);
        snprintf(pb, sizeof pb, "%s/%s", db, e->d_name);
        struct stat st;
        if (stat(pa, &st) || !S_ISREG(st.st_mode)) continue;
        size_t na, nb;
        char *x = test_read_file(pa, &na), *y = test_read_file(pb, &nb);
        assert_non_null(x);
        if (!y) fail_msg("%s missing in the second archive", e->d_name);
        assert_int_equal(na, nb);
        if (memcmp(x, y, na)) fail_msg("%s differs", e->d_name);
        free(x);
        free(y);
        n++;
    }
    closedir(d);
    return n;
}

static void test_same_bytes_any_threads(void **state)
{
    (void)state;
    char *base = test_tmpdir();
    char a[4096], b[4096], c2[4096];
    snprintf(a, sizeof a, "%s/a", base);
    snprintf(b, sizeof b, "%s/b", base);
    snprintf(c2, sizeof c2, "%s/c", base);
    sqk_synth_config c;
    small_config(&c, 42);
    sqk_synth_summary s1, s2;
    c.threads = 1;
    assert_int_equal(run(a, &c, &s1), SQK_OK);
    c.threads = 3;
    assert_int_equal(run(b, &c, &s2), SQK_OK);
    assert_int_equal(s1.files_cses, s2.files_cses);
    assert_true(s1.files_cses > 50 && s1.files_demeter > 20);
    assert_int_equal(compare_dir(a, b, "."), 4); /* catalog, kp, truth, synth.txt */
    assert_int_equal(compare_dir(a, b, "cses"), (int)s1.files_cses);
    assert_int_equal(compare_dir(a, b, "demeter"), (int)s1.files_demeter);
    assert_int_equal(test_count_files(a, ".tmp"), 0);
    /* Another seed, another archive. */
    small_config(&c, 43);
    assert_int_equal(run(c2, &c, NULL), SQK_OK);
    char pa[4200], pc[4200];
    snprintf(pa, sizeof pa, "%s/catalog.csv", a);
    snprintf(pc, sizeof pc, "%s/catalog.csv", c2);
    char *x = test_read_file(pa, NULL), *y = test_read_file(pc, NULL);
    assert_true(strcmp(x, y) != 0);
    free(x);
    free(y);
    test_rmtree(base);
    free(base);
}

static int count_lines_text(const char *s)
{
    int n = 0;
    for (const char *p = s; *p; p++) n += *p == '\n';
    return n;
}

static int count_lines(const char *path)
{
    char *s = test_read_file(path, NULL);
    assert_non_null(s);
    int n = count_lines_text(s);
    free(s);
    return n;
}

/* Files read back through the archive readers carry the generated samples; the catalogue,
 * Kp and truth tables read back consistently. */
static void test_read_back(void **state)
{
    (void)state;
    char *dir = test_tmpdir();
    sqk_synth_config c;
    small_config(&c, 5);
    c.cses_days = 1;
    assert_int_equal(run(dir, &c, NULL), SQK_OK);
    sqk_synth_model m;
    assert_int_equal(sqk_synth_model_init(&m, &c), SQK_OK);
    sqk_orbit orbits[2] = {sqk_orbit_cses(), sqk_orbit_demeter()};
    const char *subs[2] = {"cses", "demeter"};
    for (int s = 0; s < 2; s++) {
        char sub[4200];
        snprintf(sub, sizeof sub, "%s/%s", dir, subs[s]);
        DIR *d = opendir(sub);
        assert_non_null(d);
        struct dirent *e;
        int checked = 0;
        while ((e = readdir(d)) && checked < 6) {
            if (e->d_name[0] == '.') continue;
            char path[8400];
            snprintf(path, sizeof path, "%s/%s", sub, e->d_name);
            sqk_pass r;
            if (sqk_pass_read(path, &r) != SQK_OK) fail_msg("%s: %s", path, sqk_last_error());
            assert_int_equal(r.satellite, orbits[s].satellite);
            double t0 = s ? c.demeter_start : c.cses_start;
            sqk_pass g;
            int present;
            assert_int_equal(sqk_synth_half_orbit(&m, &orbits[s], r.orbit, r.direction, t0,
                                                  t0 + (s ? c.demeter_days : c.cses_days) * SQK_DAY_S,
                                                  &g, &present), SQK_OK);
            assert_true(present);
            int ine = sqk_pass_find_var(&r, "Ne"), ite = sqk_pass_find_var(&r, "Te");
            assert_true(ine >= 0 && ite >= 0);
            /* DEMETER splits survey and burst samples into two files: match by time. */
            size_t j = 0, matched = 0;
            for (size_t i = 0; i < r.n; i++) {
                while (j < g.n && g.t[j] < r.t[i] - 1e-3) j++;
                assert_true(j < g.n);
                assert_close(r.t[i], g.t[j], 1e-3);
                assert_close(r.lat[i], g.lat[j], 1e-3);
                double ne = g.var[0].v[j], te = g.var[1].v[j];
                if (ne == ne) assert_close(r.var[ine].v[i] / ne, 1.0, 1e-6);
                else assert_true(isnan(r.var[ine].v[i]));
                if (te == te) assert_close(r.var[ite].v[i] / te, 1.0, 1e-6);
                matched++;
            }
            assert_int_equal(matched, r.n);
            sqk_pass_free(&g);
            sqk_pass_free(&r);
            checked++;
        }
        closedir(d);
        assert_true(checked == 6);
    }
    char path[4200];
    snprintf(path, sizeof path, "%s/catalog.csv", dir);
    sqk_catalog cat;
    assert_int_equal(sqk_catalog_read(path, 4.8, 0, &cat), SQK_OK);
    size_t neq = 0;
    for (size_t i = 0; i < m.cat.n; i++) neq += !strcmp(m.cat.ev[i].type, "earthquake");
    assert_int_equal(cat.n, neq);
    sqk_catalog_free(&cat);
    snprintf(path, sizeof path, "%s/kp.txt", dir);
    sqk_kp kp;
    assert_int_equal(sqk_kp_read(path, &kp), SQK_OK);
    assert_int_equal(kp.n, m.kp.n);
    for (size_t k = 0; k < kp.n; k += 97) assert_close(kp.kp[k], m.kp.kp[k], 1e-3);
    sqk_kp_free(&kp);
    snprintf(path, sizeof path, "%s/truth.csv", dir);
    assert_int_equal(count_lines(path), (int)m.nprec + 1);
    char *truth = test_read_file(path, NULL);
    const char *header = "event_id,time,lat,lon,mag,onset_days_before,duration_days,amplitude,strength,"
                         "unit_amplitude,unit_irregularity,radius_km\n";
    assert_true(strncmp(truth, header, strlen(header)) == 0);
    free(truth);
    sqk_synth_model_free(&m);
    test_rmtree(dir);
    free(dir);
}


/* Lines of text a (a table) that are absent from text b; 0 when a's lines all occur in b. */
static size_t lines_missing(const char *a, const char *b)
{
    size_t missing = 0;
    for (const char *l = a; *l;) {
        const char *e = strchr(l, '\n');
        size_t n = e ? (size_t)(e - l) + 1 : strlen(l);
        char *line = strndup(l, n);
        const char *hit = strstr(b, line);
        /* a whole line of b, not the tail of a longer one */
        while (hit && hit != b && hit[-1] != '\n') hit = strstr(hit + 1, line);
        missing += hit == NULL;
        free(line);
        l += n;
    }
    return missing;
}

static char *read_in(const char *dir, const char *name)
{
    char path[8400];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    char *s = test_read_file(path, NULL);
    assert_non_null(s);
    return s;
}

/* Paired archives: the same options with precursor strength 1 and 0 give the same catalogue
 * (same ids), the same Kp, the same would-be precursors in truth.csv and, read back from the
 * files, the same samples everywhere outside the precursors' footprints; inside them the
 * planted archive differs. A satellite's span (catalogue rows and ids, Kp, files) is the same
 * whether the other satellite is generated or not. */
static void test_paired_archives(void **state)
{
    (void)state;
    char *base = test_tmpdir();
    char a[4200], b[4200], only[4200];
    snprintf(a, sizeof a, "%s/planted", base);
    snprintf(b, sizeof b, "%s/null", base);
    snprintf(only, sizeof only, "%s/cses-only", base);
    sqk_synth_config c;
    small_config(&c, 7);
    c.cses_days = 4;
    assert_int_equal(run(a, &c, NULL), SQK_OK);
    c.precursor_strength = 0;
    assert_int_equal(run(b, &c, NULL), SQK_OK);
    c.precursor_strength = 1;
    c.demeter = 0;
    assert_int_equal(run(only, &c, NULL), SQK_OK);

    const char *same[] = {"catalog.csv", "kp.txt"};
    for (int k = 0; k < 2; k++) {
        char *x = read_in(a, same[k]), *y = read_in(b, same[k]);
        if (strcmp(x, y)) fail_msg("%s differs between strength 1 and 0", same[k]);
        free(x);
        free(y);
    }
    /* truth.csv: the same rows up to the amplitude and strength columns. */
    char *ta = read_in(a, "truth.csv"), *tb = read_in(b, "truth.csv");
    assert_int_equal(count_lines_text(ta), count_lines_text(tb));
    assert_true(count_lines_text(ta) > 5);
    for (const char *la = strchr(ta, '\n') + 1, *lb = strchr(tb, '\n') + 1; *la;
         la = strchr(la, '\n') + 1, lb = strchr(lb, '\n') + 1) {
        /* id .. duration_days (7 fields) agree; then amplitude, strength, unit columns */
        const char *ea = la, *eb = lb;
        for (int f = 0; f < 7; f++) { ea = strchr(ea, ',') + 1; eb = strchr(eb, ',') + 1; }
        assert_int_equal(ea - la, eb - lb);
        assert_memory_equal(la, lb, (size_t)(ea - la));
        double amp_a, s_a, u_a, amp_b, s_b, u_b;
        assert_int_equal(sscanf(ea, "%lf,%lf,%lf", &amp_a, &s_a, &u_a), 3);
        assert_int_equal(sscanf(eb, "%lf,%lf,%lf", &amp_b, &s_b, &u_b), 3);
        assert_true(s_a == 1 && s_b == 0 && amp_b == 0 && amp_a == u_a && u_a == u_b && u_a != 0);
    }
    /* The CSES-only archive: its rows all occur in the two-satellite one (same ids). */
    char *ca = read_in(a, "catalog.csv"), *co = read_in(only, "catalog.csv");
    char *ka = read_in(a, "kp.txt"), *ko = read_in(only, "kp.txt");
    char *to = read_in(only, "truth.csv");
    assert_int_equal(lines_missing(co, ca), 0);
    assert_int_equal(lines_missing(ko, ka), 0);
    assert_int_equal(lines_missing(to, ta), 0);
    assert_true(count_lines_text(co) > 20 && count_lines_text(co) < count_lines_text(ca));
    free(ca); free(co); free(ka); free(ko); free(to); free(ta); free(tb);
    assert_true(compare_dir(a, only, "cses") > 100); /* byte for byte */

    /* Sample by sample, planted vs null, through the readers. */
    sqk_synth_config cfg;
    small_config(&cfg, 7);
    cfg.cses_days = 4;
    sqk_synth_model m;
    assert_int_equal(sqk_synth_model_init(&m, &cfg), SQK_OK);
    size_t n_out = 0, n_in = 0, n_in_diff = 0, files = 0;
    const char *subs[2] = {"cses", "demeter"};
    for (int s = 0; s < 2; s++) {
        char da[4300], db[4300];
        snprintf(da, sizeof da, "%s/%s", a, subs[s]);
        snprintf(db, sizeof db, "%s/%s", b, subs[s]);
        DIR *d = opendir(da);
        assert_non_null(d);
        struct dirent *e;
        while ((e = readdir(d))) {
            if (e->d_name[0] == '.') continue;
            char pa[8400], pb[8400];
            snprintf(pa, sizeof pa, "%s/%s", da, e->d_name);
            snprintf(pb, sizeof pb, "%s/%s", db, e->d_name);
            sqk_pass x, y;
            if (sqk_pass_read(pa, &x) != SQK_OK) fail_msg("%s: %s", pa, sqk_last_error());
            if (sqk_pass_read(pb, &y) != SQK_OK) fail_msg("%s: %s", pb, sqk_last_error());
            assert_int_equal(x.n, y.n);
            assert_int_equal(x.nvar, y.nvar);
            for (size_t i = 0; i < x.n; i++) {
                assert_true(x.t[i] == y.t[i] && x.lat[i] == y.lat[i] && x.lon[i] == y.lon[i]);
                double w = 0;
                for (size_t k = 0; k < m.nprec; k++)
                    w = fmax(w, sqk_synth_precursor_weight(&m.prec[k], x.t[i], x.lat[i], x.lon[i]));
                int differs = 0;
                for (int v = 0; v < x.nvar; v++) {
                    double p = x.var[v].v[i], q = y.var[v].v[i];
                    differs |= !(p == q || (p != p && q != q));
                }
                if (w == 0) {
                    if (differs) fail_msg("%s sample %zu differs outside every footprint", e->d_name, i);
                    n_out++;
                } else {
                    n_in++;
                    n_in_diff += differs;
                }
            }
            sqk_pass_free(&x);
            sqk_pass_free(&y);
            files++;
        }
        closedir(d);
    }
    print_message("paired: %zu files, %zu samples outside footprints (identical), %zu inside (%zu differ)\n",
                  files, n_out, n_in, n_in_diff);
    assert_true(n_out > 100000);
    assert_true(n_in > 100 && n_in_diff > n_in / 2);
    sqk_synth_model_free(&m);
    test_rmtree(base);
    free(base);
}

static void test_null_archive(void **state)
{
    (void)state;
    char *dir = test_tmpdir();
    sqk_synth_config c;
    small_config(&c, 9);
    c.demeter = 0;
    c.cses_days = 1;
    c.precursor_strength = 0;
    assert_int_equal(run(dir, &c, NULL), SQK_OK);
    char path[4200];
    snprintf(path, sizeof path, "%s/truth.csv", dir);
    assert_true(count_lines(path) > 1); /* the would-be precursors, amplitude 0 */
    snprintf(path, sizeof path, "%s/synth.txt", dir);
    char *conf = test_read_file(path, NULL);
    assert_non_null(strstr(conf, "precursor_strength=0\n"));
    assert_non_null(strstr(conf, "satellites=cses\n"));
    free(conf);
    snprintf(path, sizeof path, "%s/demeter", dir);
    struct stat st;
    assert_int_not_equal(stat(path, &st), 0); /* only the satellites asked for */
    /* Never written over: a second run into the same folder fails and leaves it intact. */
    snprintf(path, sizeof path, "%s/truth.csv", dir);
    char *before = test_read_file(path, NULL);
    c.precursor_strength = 1;
    assert_int_equal(run(dir, &c, NULL), SQK_EARG);
    assert_non_null(strstr(sqk_last_error(), "already holds an archive"));
    char *after = test_read_file(path, NULL);
    assert_string_equal(before, after);
    free(before);
    free(after);
    test_rmtree(dir);
    free(dir);
}

static void test_real_catalog_and_kp(void **state)
{
    (void)state;
    char *dir = test_tmpdir();
    sqk_synth_config c;
    small_config(&c, 4);
    c.demeter = 0;
    c.cses_days = 1;
    char cat_path[4096], kp_path[4096];
    snprintf(cat_path, sizeof cat_path, "%s", test_shared("data/real/usgs_M4.5_2019-11-30_2020-12-31.csv"));
    c.catalog_path = cat_path;
    snprintf(kp_path, sizeof kp_path, "%s", test_shared("data/real/celestrak_SW-All.csv"));
    c.kp_path = kp_path;
    sqk_synth_summary s;
    if (run(dir, &c, &s) != SQK_OK) fail_msg("%s", sqk_last_error());
    sqk_catalog orig, copy;
    char path[4200];
    snprintf(path, sizeof path, "%s/catalog.csv", dir);
    assert_int_equal(sqk_catalog_read(c.catalog_path, 4.8, 0, &orig), SQK_OK);
    assert_int_equal(sqk_catalog_read(path, 4.8, 0, &copy), SQK_OK);
    assert_int_equal(orig.n, copy.n);
    for (size_t i = 0; i < orig.n; i += 50) {
        assert_string_equal(orig.ev[i].id, copy.ev[i].id);
        assert_close(orig.ev[i].t, copy.ev[i].t, 1e-3);
    }
    /* Precursors only before real M >= 4.8 mainshocks (declustered by the 2x2 deg rule). */
    assert_true(s.precursors > 0 && s.precursors < copy.n);
    snprintf(path, sizeof path, "%s/truth.csv", dir);
    char *truth = test_read_file(path, NULL);
    char id[64];
    char *line = strchr(truth, '\n') + 1;
    assert_int_equal(sscanf(line, "%63[^,]", id), 1);
    size_t k = 0;
    while (k < copy.n && strcmp(copy.ev[k].id, id)) k++;
    assert_true(k < copy.n);
    /* the real file starts at M 4.5: only M >= 4.8 events carry precursors */
    for (char *l = line; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
        double mag;
        assert_int_equal(sscanf(l, "%*[^,],%*[^,],%*[^,],%*[^,],%lf", &mag), 1);
        assert_true(mag >= 4.8);
    }
    free(truth);
    sqk_catalog_free(&orig);
    sqk_catalog_free(&copy);
    snprintf(path, sizeof path, "%s/kp.txt", dir);
    sqk_kp a, b;
    assert_int_equal(sqk_kp_read(kp_path, &a), SQK_OK);
    assert_int_equal(sqk_kp_read(path, &b), SQK_OK);
    assert_int_equal(b.format, SQK_KP_FMT_GFZ);
    double t = c.cses_start + 5000;
    assert_close(sqk_kp_at(&a, t), sqk_kp_at(&b, t), 1e-3);
    sqk_kp_free(&a);
    sqk_kp_free(&b);
    test_rmtree(dir);
    free(dir);
}

static void test_bad_input_leaves_nothing(void **state)
{
    (void)state;
    char *base = test_tmpdir();
    char dir[4200];
    snprintf(dir, sizeof dir, "%s/out", base);
    sqk_synth_config c;
    struct stat st;
    small_config(&c, 1);
    c.cses_days = -3;
    assert_int_equal(run(dir, &c, NULL), SQK_EARG);
    assert_int_not_equal(stat(dir, &st), 0);
    small_config(&c, 1);
    c.catalog_path = "/nonexistent/catalog.csv";
    assert_true(run(dir, &c, NULL) < 0);
    assert_non_null(strstr(sqk_last_error(), "/nonexistent/catalog.csv"));
    assert_int_not_equal(stat(dir, &st), 0);
    small_config(&c, 1);
    c.kp_path = "/nonexistent/kp.txt";
    assert_true(run(dir, &c, NULL) < 0);
    assert_int_not_equal(stat(dir, &st), 0);
    /* A Kp table that is not one: a catalogue passed as --kp. */
    small_config(&c, 1);
    c.kp_path = test_shared("data/real/usgs_M4.5_2019-11-30_2020-12-31.csv");
    assert_true(run(dir, &c, NULL) < 0);
    assert_int_not_equal(stat(dir, &st), 0);
    /* An output folder under a regular file cannot be created. */
    char file[4300], under[4400];
    snprintf(file, sizeof file, "%s/plainfile", base);
    assert_int_equal(test_write_file(file, "x", 1), 0);
    snprintf(under, sizeof under, "%s/out", file);
    small_config(&c, 1);
    c.demeter = 0;
    c.cses_days = 0.2;
    assert_true(run(under, &c, NULL) < 0);
    assert_int_equal(test_count_files(base, ""), 1);
    test_rmtree(base);
    free(base);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_bytes_any_threads),
        cmocka_unit_test(test_read_back),
        cmocka_unit_test(test_paired_archives),
        cmocka_unit_test(test_null_archive),
        cmocka_unit_test(test_real_catalog_and_kp),
        cmocka_unit_test(test_bad_input_leaves_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
