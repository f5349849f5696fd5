/* A program outside the source tree using the installed library: only <seqnetquake.h>, found
 * through pkg-config or CMake's find_package. Usage: consumer VERSION CATALOGUE.csv */
#include <seqnetquake.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#define CHECK(cond) do { if (!(cond)) { fprintf(stderr, "consumer: failed: %s (%s)\n", #cond, sqk_last_error()); return 1; } } while (0)

int main(int argc, char **argv)
{
    CHECK(argc == 3);
    CHECK(!strcmp(sqk_version(), argv[1]));
    /* a catalogue into columns: two events of M >= 4.5 in time order, the later M 5.8 at
     * 52.5575 N */
    sqk_table *t;
    CHECK(sqk_table_read(&t, argv[2], NULL, 4.5) == SQK_OK);
    CHECK(!strcmp(sqk_table_kind(t), "catalog"));
    CHECK(sqk_table_rows(t) == 2);
    CHECK(!strcmp(sqk_table_column_name(t, 4), "mag"));
    CHECK(sqk_table_column(t, 0)[0] < sqk_table_column(t, 0)[1]);
    CHECK(fabs(sqk_table_column(t, 4)[1] - 5.8) < 1e-12);
    CHECK(fabs(sqk_table_column(t, 1)[1] - 52.5575) < 1e-12);
    sqk_table_free(t);
    /* errors come back as a status and a message naming the file */
    sqk_model *m;
    CHECK(sqk_model_load(&m, "/nonexistent/model.h5") != SQK_OK);
    CHECK(strstr(sqk_last_error(), "/nonexistent/model.h5") != NULL);
    const char *args[] = {"train", "--no-such-option"};
    CHECK(sqk_command(2, args) == 2);
    CHECK(strstr(sqk_last_error(), "--no-such-option") != NULL);
    printf("consumer: seqnetquake %s OK\n", sqk_version());
    return 0;
}
