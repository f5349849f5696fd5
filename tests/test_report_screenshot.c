/* ctest-labels: slow */
/* report.html renders in a browser with its figures: headless Chromium takes a screenshot,
 * which must be much richer (its PNG much larger) than one of the same page with the figure
 * files taken away, and dumps the DOM, whose <img> sources must all exist. A missing Chromium
 * fails the test (scripts/install-deps.sh installs it), it is not skipped. */
#include "testutil.h"

#include "sqk/figures.h"
#include "sqk/report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FIX "tests/fixtures/figures"
#define CHROMIUM "/usr/bin/chromium"

static unsigned be32(const unsigned char *p) { return (unsigned)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3]; }

/* Runs Chromium headless on url with extra (--screenshot=... or --dump-dom); stdout to out_path. */
static int chromium(const char *tmp, const char *extra, const char *url, const char *out_path)
{
    char cmd[8192];
    snprintf(cmd, sizeof cmd,
             "timeout 60 " CHROMIUM " --headless --no-sandbox --disable-gpu --disable-quic --no-first-run "
             "--disable-background-networking --disable-component-update --disable-sync "
             "--user-data-dir='%s/profile' --window-size=1200,2000 %s '%s' > '%s' 2>/dev/null",
             tmp, extra, url, out_path);
    return system(cmd);
}

/* Screenshot of url (1200 x 2000); returns the PNG's size in bytes. */
static size_t screenshot_bytes(const char *tmp, const char *url, const char *name)
{
    char shot[1300], arg[1400], log[1300];
    snprintf(shot, sizeof shot, "%s/%s", tmp, name);
    snprintf(arg, sizeof arg, "--screenshot='%s'", shot);
    snprintf(log, sizeof log, "%s/chromium.log", tmp);
    assert_int_equal(chromium(tmp, arg, url, log), 0);
    size_t n = 0;
    unsigned char *png = (unsigned char *)test_read_file(shot, &n);
    if (!png) fail_msg("Chromium wrote no screenshot %s", shot);
    assert_true(n > 24);
    assert_memory_equal(png, "\x89PNG\r\n\x1a\n", 8);
    assert_int_equal(be32(png + 16), 1200);
    assert_int_equal(be32(png + 20), 2000);
    free(png);
    return n;
}

static void test_report_renders_with_figures(void **state)
{
    (void)state;
    if (access(CHROMIUM, X_OK) != 0)
        fail_msg(CHROMIUM " is missing: this test needs headless Chromium (run `make check`, which "
                 "installs it through scripts/install-deps.sh)");
    char *tmp = test_tmpdir(), cmd[4096], a[1200], b[1200], out[1200];
    snprintf(cmd, sizeof cmd, "cp -r " FIX "/eval_a " FIX "/eval_b '%s'", tmp);
    assert_int_equal(system(cmd), 0);
    snprintf(a, sizeof a, "%s/eval_a", tmp);
    snprintf(b, sizeof b, "%s/eval_b", tmp);
    if (sqk_fig_evaluation(a, FIX "/dataset.h5", NULL)) fail_msg("%s", sqk_last_error());
    snprintf(out, sizeof out, "%s/report", tmp);
    const char *dirs[2] = {a, b};
    sqk_report_opts o = {dirs, 2, out, "Screenshot check", SQK_TABLE_AUTO, NULL, 0, NULL, 0};
    if (sqk_report(&o, NULL, NULL)) fail_msg("%s", sqk_last_error());

    char url[1300], dom[1300];
    snprintf(url, sizeof url, "file://%s/report.html", out);
    snprintf(dom, sizeof dom, "%s/dom.html", tmp);
    size_t with = screenshot_bytes(tmp, url, "shot.png");
    /* The same page without its figures: what the text and tables alone weigh. */
    snprintf(cmd, sizeof cmd, "mkdir '%s/bare' && cp '%s/report.html' '%s/bare/'", tmp, out, tmp);
    assert_int_equal(system(cmd), 0);
    char bare[1300];
    snprintf(bare, sizeof bare, "file://%s/bare/report.html", tmp);
    size_t without = screenshot_bytes(tmp, bare, "bare.png");
    if (with < without * 3 / 2)
        fail_msg("screenshot with figures has %zu bytes, without %zu: the figures did not render", with, without);

    assert_int_equal(chromium(tmp, "--dump-dom", url, dom), 0);
    char *html = test_read_file(dom, NULL);
    assert_non_null(html);
    assert_non_null(strstr(html, "<table>"));
    int imgs = 0;
    for (const char *s = strstr(html, "<img src=\""); s; s = strstr(s + 1, "<img src=\"")) {
        const char *src = s + 10, *end = strchr(src, '"');
        assert_non_null(end);
        char path[2600];
        snprintf(path, sizeof path, "%s/%.*s", out, (int)(end - src), src);
        if (access(path, R_OK) != 0) fail_msg("report.html shows %s, which does not exist", path);
        imgs++;
    }
    /* roc, metrics; eval_a's confusion, ternary and map (eval_b has no figures). */
    assert_int_equal(imgs, 5);
    free(html);
    test_rmtree(tmp);
    free(tmp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_report_renders_with_figures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
