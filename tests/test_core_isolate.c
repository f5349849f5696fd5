/* Worker processes (sqk/isolate.h): replies come back whole, a crash or a hang becomes an
 * error naming the file, and the next call on the same worker gets a fresh process. */
#include "testutil.h"

#include "sqk/core.h"
#include "sqk/isolate.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int echo(const char *path, const void *arg, sqk_buf *reply)
{
    (void)arg;
    if (!strcmp(path, "crash")) raise(SIGSEGV);
    if (!strcmp(path, "hang")) for (;;) pause();
    if (!strcmp(path, "fail")) return sqk_fail(SQK_EFORMAT, "fail: a reader's own message");
    if (!strcmp(path, "big")) {
        for (int i = 0; i < 300000; i++) if (sqk_buf_put(reply, &i, sizeof i)) return SQK_EMEM;
        return SQK_OK;
    }
    return sqk_buf_put(reply, path, strlen(path) + 1);
}

static void test_isolated_calls(void **state)
{
    (void)state;
    sqk_buf b;
    assert_int_equal(sqk_isolated("test", "hello", echo, NULL, &b), SQK_OK);
    assert_string_equal((const char *)b.p, "hello");
    sqk_buf_free(&b);
    assert_int_equal(sqk_isolated("test", "fail", echo, NULL, &b), SQK_EFORMAT);
    assert_string_equal(sqk_last_error(), "fail: a reader's own message");
    assert_int_equal(sqk_isolated("test", "crash", echo, NULL, &b), SQK_EFORMAT);
    assert_non_null(strstr(sqk_last_error(), "crash: the test library crashed reading this file (signal 11"));
    assert_null(b.p);
}

static void test_worker_survives(void **state)
{
    (void)state;
    setenv("SQK_READ_TIMEOUT_S", "0.5", 1);
    sqk_worker *w;
    sqk_buf b;
    assert_int_equal(sqk_worker_new(&w, "test", echo, NULL), SQK_OK);
    assert_int_equal(sqk_worker_call(w, "big", &b), SQK_OK);
    assert_int_equal(b.n, 300000 * sizeof(int));
    int last;
    memcpy(&last, b.p + b.n - sizeof last, sizeof last);
    assert_int_equal(last, 299999);
    sqk_buf_free(&b);
    assert_int_equal(sqk_worker_call(w, "hang", &b), SQK_EFORMAT);
    assert_non_null(strstr(sqk_last_error(), "hang: the test library did not finish reading this file within 0.5 s"));
    assert_int_equal(sqk_worker_call(w, "crash", &b), SQK_EFORMAT);
    assert_int_equal(sqk_worker_call(w, "again", &b), SQK_OK);
    assert_string_equal((const char *)b.p, "again");
    sqk_buf_free(&b);
    sqk_worker_free(w);
    unsetenv("SQK_READ_TIMEOUT_S");
}

static void test_off_runs_here(void **state)
{
    (void)state;
    setenv("SQK_NO_ISOLATION", "1", 1);
    assert_false(sqk_isolation_on());
    sqk_buf b;
    assert_int_equal(sqk_isolated("test", "here", echo, NULL, &b), SQK_OK);
    assert_string_equal((const char *)b.p, "here");
    sqk_buf_free(&b);
    unsetenv("SQK_NO_ISOLATION");
    assert_true(sqk_isolation_on());
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_isolated_calls),
        cmocka_unit_test(test_worker_survives),
        cmocka_unit_test(test_off_runs_here),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
