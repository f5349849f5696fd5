/* What an HDF5 input file may not do to us: make us read another file (external raw storage,
 * external links, virtual datasets), or size our buffers with a claim the file cannot hold. */
#include "testutil.h"

#include "sqk/core.h"
#include "sqk/h5.h"

#include <stdlib.h>
#include <string.h>

static char *dir;

static int setup(void **state) { (void)state; dir = test_tmpdir(); return 0; }
static int teardown(void **state) { (void)state; test_rmtree(dir); free(dir); return 0; }

static void test_external_storage_refused(void **state)
{
    (void)state;
    char path[1024], other[1024];
    snprintf(path, sizeof path, "%s/ext.h5", dir);
    snprintf(other, sizeof other, "%s/secret.bin", dir);
    double secret[4] = {1, 2, 3, 4};
    assert_int_equal(test_write_file(other, secret, sizeof secret), 0);
    hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    hsize_t n = 4;
    hid_t sp = H5Screate_simple(1, &n, NULL), dcpl = H5Pcreate(H5P_DATASET_CREATE);
    assert_true(H5Pset_external(dcpl, other, 0, sizeof secret) >= 0);
    hid_t ds = H5Dcreate2(f, "GEO_LAT", H5T_IEEE_F64LE, sp, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    assert_true(ds >= 0);
    H5Dclose(ds);
    H5Pclose(dcpl);
    H5Sclose(sp);
    assert_true(H5Lcreate_external(other, "/x", f, "LINKED", H5P_DEFAULT, H5P_DEFAULT) >= 0);
    H5Fclose(f);

    hid_t in;
    assert_int_equal(sqk_h5_open_read(path, &in), SQK_OK);
    double v[4] = {0};
    assert_int_equal(sqk_h5_read_f64(in, "GEO_LAT", v, 4), SQK_EFORMAT);
    assert_non_null(strstr(sqk_last_error(), "GEO_LAT' keeps its data in other files (external storage): refused"));
    assert_non_null(strstr(sqk_last_error(), path));
    assert_true(v[0] == 0);
    sqk_h5_dset d;
    assert_int_equal(sqk_h5_dset_open(in, "GEO_LAT", &d), SQK_EFORMAT);
    /* the external link is not followed */
    int rank;
    size_t dims[4];
    assert_int_not_equal(sqk_h5_dims(in, "LINKED", &rank, dims), SQK_OK);
    H5Fclose(in);
}

static void test_size_claim_refused(void **state)
{
    (void)state;
    char path[1024];
    snprintf(path, sizeof path, "%s/claim.h5", dir);
    hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    hsize_t n[3] = {(hsize_t)1 << 31, 20, 2}, chunk[3] = {1, 20, 2};
    hid_t sp = H5Screate_simple(3, n, NULL), dcpl = H5Pcreate(H5P_DATASET_CREATE);
    H5Pset_chunk(dcpl, 3, chunk);
    hid_t ds = H5Dcreate2(f, "X", H5T_IEEE_F32LE, sp, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    assert_true(ds >= 0);
    H5Dclose(ds);
    H5Pclose(dcpl);
    H5Sclose(sp);
    H5Fclose(f);
    hid_t in;
    assert_int_equal(sqk_h5_open_read(path, &in), SQK_OK);
    int rank;
    size_t dims[4];
    assert_int_equal(sqk_h5_dims(in, "X", &rank, dims), SQK_EFORMAT);
    assert_non_null(strstr(sqk_last_error(), "dataset 'X' claims 85899345920 values"));
    assert_non_null(strstr(sqk_last_error(), "the file is corrupt"));
    H5Fclose(in);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_external_storage_refused),
        cmocka_unit_test(test_size_claim_refused),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
