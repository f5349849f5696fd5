/* Checked HDF5 helpers. */
#include "sqk/h5.h"
#include "sqk/core.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

void sqk_h5_init(void)
{
    /* Per thread: a thread-safe HDF5 keeps the error-printing setting per thread. */
    static _Thread_local int done;
    if (!done) {
        H5open();
        H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
        /* An input file must never make us open another file: without its class, an external
         * link cannot be followed (our files have none). */
        if (H5Lis_registered(H5L_TYPE_EXTERNAL) > 0) H5Lunregister(H5L_TYPE_EXTERNAL);
        done = 1;
    }
}

/* Checks a dataset before its size is trusted or its data read: its data must lie in this
 * file (no external raw storage, no virtual dataset, both of which read other files), and the
 * bytes it claims must fit the file (a corrupt or hostile header must not size our buffers):
 * at most the file's size when stored plainly, about 1000 times it when compressed. */
static int check_storage(hid_t ds, hid_t loc, const char *name, size_t count)
{
    char fn[512];
    hsize_t fsize = 0;
    if (H5Fget_filesize(loc, &fsize) < 0) {
        hid_t file = H5Iget_file_id(ds);
        if (file >= 0) { H5Fget_filesize(file, &fsize); H5Fclose(file); }
    }
    /* The common case, cheaply: contiguous data allocated in this file (external storage and
     * virtual datasets have no such place). */
    haddr_t off = H5Dget_offset(ds);
    if (off != HADDR_UNDEF) {
        hsize_t stored = H5Dget_storage_size(ds);
        hid_t t = H5Dget_type(ds);
        size_t elem = t >= 0 ? H5Tget_size(t) : 0;
        if (t >= 0) H5Tclose(t);
        if ((double)count * (double)elem <= (double)stored && off + stored <= fsize) return SQK_OK;
        return sqk_fail(SQK_EFORMAT, "%s: dataset '%s' claims %zu values (%.3g bytes at %llu), more than the "
                        "%llu-byte file holds: the file is corrupt", sqk_h5_filename(loc, fn, sizeof fn), name,
                        count, (double)count * (double)elem, (unsigned long long)off, (unsigned long long)fsize);
    }
    hid_t dcpl = H5Dget_create_plist(ds);
    if (dcpl < 0) return sqk_fail(SQK_EFORMAT, "%s: dataset '%s' has no readable layout", sqk_h5_filename(loc, fn, sizeof fn), name);
    H5D_layout_t layout = H5Pget_layout(dcpl);
    int external = H5Pget_external_count(dcpl);
    H5Pclose(dcpl);
    if (external != 0 || layout == H5D_VIRTUAL)
        return sqk_fail(SQK_EFORMAT, "%s: dataset '%s' keeps its data in other files (%s): refused, an input "
                        "file must not make the program read other files", sqk_h5_filename(loc, fn, sizeof fn), name,
                        layout == H5D_VIRTUAL ? "a virtual dataset" : "external storage");
    if (layout < 0) return sqk_fail(SQK_EFORMAT, "%s: dataset '%s' has no readable layout", sqk_h5_filename(loc, fn, sizeof fn), name);
    hid_t t = H5Dget_type(ds);
    size_t elem = t >= 0 ? H5Tget_size(t) : 0;
    if (t >= 0) H5Tclose(t);
    double claimed = (double)count * (double)(elem ? elem : 1);
    double room = (double)fsize * (layout == H5D_CHUNKED ? 1100.0 : 1.0) + 4096;
    if (claimed > room)
        return sqk_fail(SQK_EFORMAT, "%s: dataset '%s' claims %zu values (%.3g bytes), more than the %llu-byte "
                        "file can hold: the file is corrupt", sqk_h5_filename(loc, fn, sizeof fn), name, count,
                        claimed, (unsigned long long)fsize);
    return SQK_OK;
}

/* Files opened from memory carry this after their path (see sqk_h5_open_image). */
#define IMAGE_SUFFIX "#in-memory"

const char *sqk_h5_filename(hid_t loc, char *buf, size_t bufsize)
{
    if (H5Fget_name(loc, buf, bufsize) < 0) snprintf(buf, bufsize, "(HDF5 file)");
    size_t len = strlen(buf), k = strlen(IMAGE_SUFFIX);
    if (len > k && !strcmp(buf + len - k, IMAGE_SUFFIX)) buf[len - k] = '\0'; /* messages name the file */
    return buf;
}

static const unsigned char hdf5_sig[8] = {0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};

int sqk_h5_signature(const void *bytes, size_t n)
{
    const unsigned char *b = bytes;
    for (size_t at = 0; b && n >= 8 && at <= n - 8; at = at ? 2 * at : 512)
        if (!memcmp(b + at, hdf5_sig, 8)) return 1;
    return 0;
}

/* The signature is looked for by our own reads, not H5Fis_hdf5: no libhdf5 in this process
 * on a file not yet known to be sound, and no HDF5 lock held by a thread while another forks
 * a reader process (sqk/isolate.h). */
int sqk_h5_is_file(const char *path, const void *head, size_t n)
{
    if (sqk_h5_signature(head, n)) return 1;
    struct stat st;
    FILE *f = fopen(path, "rb");
    if (!f) return 0;
    int found = 0;
    if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode))
        for (long long at = 0; !found && at + 8 <= (long long)st.st_size; at = at ? 2 * at : 512) {
            unsigned char buf[8];
            found = fseeko(f, (off_t)at, SEEK_SET) == 0 && fread(buf, 1, 8, f) == 8 && sqk_h5_signature(buf, 8);
        }
    fclose(f);
    return found;
}

int sqk_h5_open_read(const char *path, hid_t *file)
{
    sqk_h5_init();
    FILE *f = fopen(path, "rb");
    if (!f) return sqk_fail(SQK_EIO, "%s: cannot open the file", path);
    fclose(f);
    if (H5Fis_hdf5(path) <= 0) return sqk_fail(SQK_EFORMAT, "%s: not an HDF5 file (or truncated)", path);
    *file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (*file < 0) return sqk_fail(SQK_EFORMAT, "%s: HDF5 cannot open the file (corrupt?)", path);
    return SQK_OK;
}

/* Creation properties without HDF5's object time stamps: files written from the same inputs are
 * then byte-identical (dataset files, model files). */
static hid_t cpl_no_times(hid_t cls)
{
    hid_t p = H5Pcreate(cls);
    H5Pset_obj_track_times(p, 0);
    return p;
}

int sqk_h5_create(const char *path, hid_t *file)
{
    sqk_h5_init();
    hid_t fcpl = cpl_no_times(H5P_FILE_CREATE);
    *file = H5Fcreate(path, H5F_ACC_TRUNC, fcpl, H5P_DEFAULT);
    H5Pclose(fcpl);
    if (*file < 0) return sqk_fail(SQK_EIO, "%s: cannot create the HDF5 file", path);
    return SQK_OK;
}

/* The file is made in memory (HDF5's core driver without a backing store) and its bytes are
 * written by the caller: HDF5 itself never writes to the disk, so a full disk is an ordinary
 * write error with errno's words ("No space left on device") naming the file, and not a file
 * HDF5 cannot close (which it then tries to flush again at exit, and crashes). */
int sqk_h5_file_image(const char *path, int (*write)(hid_t f, const void *ctx), const void *ctx,
                      unsigned char **bytes, size_t *nbytes)
{
    sqk_h5_init();
    *bytes = NULL;
    *nbytes = 0;
    char name[4200];
    snprintf(name, sizeof name, "%s" IMAGE_SUFFIX, path); /* messages of write() name the file */
    hid_t fcpl = cpl_no_times(H5P_FILE_CREATE), fapl = H5Pcreate(H5P_FILE_ACCESS);
    hid_t f = fapl >= 0 && H5Pset_fapl_core(fapl, (size_t)1 << 20, 0) >= 0
                  ? H5Fcreate(name, H5F_ACC_TRUNC, fcpl, fapl) : -1;
    H5Pclose(fcpl);
    if (fapl >= 0) H5Pclose(fapl);
    if (f < 0) return sqk_fail(SQK_EMEM, "writing %s: HDF5 cannot make the file in memory", path);
    int st = write(f, ctx);
    ssize_t size = st ? -1 : (H5Fflush(f, H5F_SCOPE_LOCAL) < 0 ? -1 : H5Fget_file_image(f, NULL, 0));
    if (!st && size < 0) st = sqk_fail(SQK_EIO, "%s: HDF5 cannot finish the file", path);
    if (!st && !(*bytes = sqk_malloc((size_t)size))) st = SQK_EMEM;
    if (!st && H5Fget_file_image(f, *bytes, (size_t)size) != size)
        st = sqk_fail(SQK_EIO, "%s: HDF5 cannot finish the file", path);
    H5Fclose(f);
    if (st) {
        free(*bytes);
        *bytes = NULL;
        return sqk_fail_context(st, "writing %s", path);
    }
    *nbytes = (size_t)size;
    return SQK_OK;
}

int sqk_h5_write_file(const char *path, int (*write)(hid_t f, const void *ctx), const void *ctx)
{
    unsigned char *image;
    size_t size;
    int st = sqk_h5_file_image(path, write, ctx, &image, &size);
    if (!st) st = sqk_write_file_atomic(path, image, size);
    free(image);
    return st ? sqk_fail_context(st, "writing %s", path) : SQK_OK;
}

hid_t sqk_h5_create_group(hid_t loc, const char *name)
{
    char fn[512];
    hid_t gcpl = cpl_no_times(H5P_GROUP_CREATE);
    hid_t g = H5Gcreate2(loc, name, H5P_DEFAULT, gcpl, H5P_DEFAULT);
    H5Pclose(gcpl);
    if (g < 0) sqk_fail(SQK_EIO, "%s: cannot create group '%s'", sqk_h5_filename(loc, fn, sizeof fn), name);
    return g;
}

int sqk_h5_exists(hid_t loc, const char *name)
{
    sqk_h5_init();
    return H5Lexists(loc, name, H5P_DEFAULT) > 0;
}

int sqk_h5_dims(hid_t loc, const char *name, int *rank, size_t dims[4])
{
    char fn[512];
    if (!sqk_h5_exists(loc, name))
        return sqk_fail(SQK_EFORMAT, "%s: dataset '%s' is missing", sqk_h5_filename(loc, fn, sizeof fn), name);
    hid_t ds = H5Dopen2(loc, name, H5P_DEFAULT);
    if (ds < 0) return sqk_fail(SQK_EFORMAT, "%s: cannot open dataset '%s'", sqk_h5_filename(loc, fn, sizeof fn), name);
    hid_t sp = H5Dget_space(ds);
    int r = H5Sget_simple_extent_ndims(sp);
    hsize_t d[H5S_MAX_RANK];
    int st = SQK_OK;
    if (r < 0 || r > 4) {
        st = sqk_fail(SQK_EFORMAT, "%s: dataset '%s' has unsupported rank %d", sqk_h5_filename(loc, fn, sizeof fn), name, r);
    } else {
        H5Sget_simple_extent_dims(sp, d, NULL);
        *rank = r;
        size_t count = 1;
        for (int i = 0; i < 4; i++) {
            dims[i] = i < r ? (size_t)d[i] : 1;
            count = dims[i] && count > SIZE_MAX / dims[i] ? SIZE_MAX : count * dims[i];
        }
        st = check_storage(ds, loc, name, count);
    }
    H5Sclose(sp);
    H5Dclose(ds);
    return st;
}

static int read_any(hid_t loc, const char *name, hid_t memtype, void *out, size_t n)
{
    char fn[512];
    int rank;
    size_t dims[4];
    int st = sqk_h5_dims(loc, name, &rank, dims);
    if (st) return st;
    size_t count = 1;
    for (int i = 0; i < rank; i++) count *= dims[i];
    if (count != n)
        return sqk_fail(SQK_EFORMAT, "%s: dataset '%s' has %zu values, expected %zu",
                        sqk_h5_filename(loc, fn, sizeof fn), name, count, n);
    hid_t ds = H5Dopen2(loc, name, H5P_DEFAULT);
    herr_t e = H5Dread(ds, memtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, out);
    H5Dclose(ds);
    if (e < 0)
        return sqk_fail(SQK_EFORMAT, "%s: cannot read dataset '%s' (corrupt or wrong type)",
                        sqk_h5_filename(loc, fn, sizeof fn), name);
    return SQK_OK;
}

int sqk_h5_read_f64(hid_t l, const char *n, double *o, size_t c) { return read_any(l, n, H5T_NATIVE_DOUBLE, o, c); }
int sqk_h5_read_f32(hid_t l, const char *n, float *o, size_t c) { return read_any(l, n, H5T_NATIVE_FLOAT, o, c); }
int sqk_h5_read_i64(hid_t l, const char *n, int64_t *o, size_t c) { return read_any(l, n, H5T_NATIVE_INT64, o, c); }
int sqk_h5_read_i32(hid_t l, const char *n, int32_t *o, size_t c) { return read_any(l, n, H5T_NATIVE_INT32, o, c); }
int sqk_h5_read_u8(hid_t l, const char *n, uint8_t *o, size_t c) { return read_any(l, n, H5T_NATIVE_UINT8, o, c); }

int sqk_h5_write(hid_t loc, const char *name, hid_t filetype, hid_t memtype, int rank,
                 const size_t *dims, const void *v)
{
    char fn[512];
    hsize_t d[4] = {0};
    for (int i = 0; i < rank; i++) d[i] = dims[i];
    hid_t sp = H5Screate_simple(rank, d, NULL), dcpl = cpl_no_times(H5P_DATASET_CREATE);
    hid_t ds = H5Dcreate2(loc, name, filetype, sp, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    size_t count = 1;
    for (int i = 0; i < rank; i++) count *= dims[i];
    herr_t e = ds < 0 ? -1 : count ? H5Dwrite(ds, memtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) : 0;
    if (ds >= 0) H5Dclose(ds);
    H5Pclose(dcpl);
    H5Sclose(sp);
    if (e < 0) return sqk_fail(SQK_EIO, "%s: cannot write dataset '%s'", sqk_h5_filename(loc, fn, sizeof fn), name);
    return SQK_OK;
}

int sqk_h5_write_f64(hid_t l, const char *n, int r, const size_t *d, const double *v) { return sqk_h5_write(l, n, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, r, d, v); }
int sqk_h5_write_f32(hid_t l, const char *n, int r, const size_t *d, const float *v) { return sqk_h5_write(l, n, H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, r, d, v); }
int sqk_h5_write_i64(hid_t l, const char *n, int r, const size_t *d, const int64_t *v) { return sqk_h5_write(l, n, H5T_STD_I64LE, H5T_NATIVE_INT64, r, d, v); }
int sqk_h5_write_i32(hid_t l, const char *n, int r, const size_t *d, const int32_t *v) { return sqk_h5_write(l, n, H5T_STD_I32LE, H5T_NATIVE_INT32, r, d, v); }
int sqk_h5_write_u8(hid_t l, const char *n, int r, const size_t *d, const uint8_t *v) { return sqk_h5_write(l, n, H5T_STD_U8LE, H5T_NATIVE_UINT8, r, d, v); }

int sqk_h5_write_strings(hid_t loc, const char *name, const char *const *s, size_t n)
{
    size_t w = 1;
    for (size_t i = 0; i < n; i++) { size_t l = strlen(s[i]); if (l > w) w = l; }
    char *buf = sqk_calloc(n ? n : 1, w);
    if (!buf) return SQK_EMEM;
    for (size_t i = 0; i < n; i++) memcpy(buf + i * w, s[i], strlen(s[i]));
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, w);
    H5Tset_strpad(t, H5T_STR_NULLPAD);
    size_t d = n;
    int st = sqk_h5_write(loc, name, t, t, 1, &d, buf);
    H5Tclose(t);
    free(buf);
    return st;
}

int sqk_h5_read_strings(hid_t loc, const char *name, char ***out, size_t *n)
{
    char fn[512];
    int rank;
    size_t dims[4];
    int st = sqk_h5_dims(loc, name, &rank, dims);
    if (st) return st;
    size_t count = dims[0] * dims[1] * dims[2] * dims[3];
    hid_t ds = H5Dopen2(loc, name, H5P_DEFAULT);
    hid_t ft = H5Dget_type(ds);
    if (H5Tget_class(ft) != H5T_STRING) {
        H5Tclose(ft); H5Dclose(ds);
        return sqk_fail(SQK_EFORMAT, "%s: dataset '%s' is not a string dataset", sqk_h5_filename(loc, fn, sizeof fn), name);
    }
    char **res = sqk_calloc(count ? count : 1, sizeof *res);
    if (!res) { H5Tclose(ft); H5Dclose(ds); return SQK_EMEM; }
    herr_t e;
    if (H5Tis_variable_str(ft) > 0) {
        hid_t mt = H5Tcopy(H5T_C_S1);
        H5Tset_cset(mt, H5Tget_cset(ft));
        H5Tset_size(mt, H5T_VARIABLE);
        char **tmp = sqk_calloc(count ? count : 1, sizeof *tmp);
        e = tmp ? H5Dread(ds, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, tmp) : -1;
        for (size_t i = 0; e >= 0 && i < count; i++) res[i] = sqk_strdup(tmp[i] ? tmp[i] : "");
        if (e >= 0) {
            hid_t sp = H5Dget_space(ds);
            H5Dvlen_reclaim(mt, sp, H5P_DEFAULT, tmp);
            H5Sclose(sp);
        }
        free(tmp);
        H5Tclose(mt);
    } else {
        size_t w = H5Tget_size(ft);
        char *buf = sqk_calloc(count ? count : 1, w + 1);
        hid_t mt = H5Tcopy(H5T_C_S1);
        H5Tset_cset(mt, H5Tget_cset(ft));
        H5Tset_size(mt, w);
        H5Tset_strpad(mt, H5T_STR_NULLPAD);
        e = buf ? H5Dread(ds, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) : -1;
        for (size_t i = 0; e >= 0 && i < count; i++) {
            res[i] = sqk_calloc(w + 1, 1);
            if (res[i]) memcpy(res[i], buf + i * w, w);
        }
        free(buf);
        H5Tclose(mt);
    }
    H5Tclose(ft);
    H5Dclose(ds);
    if (e < 0) {
        sqk_h5_free_strings(res, count);
        return sqk_fail(SQK_EFORMAT, "%s: cannot read strings '%s'", sqk_h5_filename(loc, fn, sizeof fn), name);
    }
    *out = res;
    *n = count;
    return SQK_OK;
}

void sqk_h5_free_strings(char **s, size_t n)
{
    if (!s) return;
    for (size_t i = 0; i < n; i++) free(s[i]);
    free(s);
}

int sqk_h5_attr_exists(hid_t loc, const char *obj, const char *attr)
{
    sqk_h5_init();
    return H5Aexists_by_name(loc, obj, attr, H5P_DEFAULT) > 0;
}

static int set_attr(hid_t loc, const char *obj, const char *attr, hid_t ft, hid_t mt, hid_t sp, const void *v)
{
    char fn[512];
    if (H5Aexists_by_name(loc, obj, attr, H5P_DEFAULT) > 0) H5Adelete_by_name(loc, obj, attr, H5P_DEFAULT);
    hid_t a = H5Acreate_by_name(loc, obj, attr, ft, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    herr_t e = a < 0 ? -1 : H5Awrite(a, mt, v);
    if (a >= 0) H5Aclose(a);
    if (e < 0)
        return sqk_fail(SQK_EIO, "%s: cannot write attribute '%s' of '%s'", sqk_h5_filename(loc, fn, sizeof fn), attr, obj);
    return SQK_OK;
}

int sqk_h5_set_attr_str(hid_t loc, const char *obj, const char *attr, const char *value)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, strlen(value) ? strlen(value) : 1);
    H5Tset_strpad(t, H5T_STR_NULLTERM);
    hid_t sp = H5Screate(H5S_SCALAR);
    int st = set_attr(loc, obj, attr, t, t, sp, strlen(value) ? value : "");
    H5Sclose(sp);
    H5Tclose(t);
    return st;
}

int sqk_h5_set_attr_f64(hid_t loc, const char *obj, const char *attr, const double *v, size_t n)
{
    hsize_t d = n;
    hid_t sp = H5Screate_simple(1, &d, NULL);
    int st = set_attr(loc, obj, attr, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, sp, v);
    H5Sclose(sp);
    return st;
}

int sqk_h5_set_attr_i64(hid_t loc, const char *obj, const char *attr, const int64_t *v, size_t n)
{
    hsize_t d = n;
    hid_t sp = H5Screate_simple(1, &d, NULL);
    int st = set_attr(loc, obj, attr, H5T_STD_I64LE, H5T_NATIVE_INT64, sp, v);
    H5Sclose(sp);
    return st;
}

static hid_t open_attr(hid_t loc, const char *obj, const char *attr)
{
    char fn[512];
    sqk_h5_init();
    if (H5Aexists_by_name(loc, obj, attr, H5P_DEFAULT) <= 0) {
        sqk_fail(SQK_EFORMAT, "%s: attribute '%s' of '%s' is missing", sqk_h5_filename(loc, fn, sizeof fn), attr, obj);
        return -1;
    }
    return H5Aopen_by_name(loc, obj, attr, H5P_DEFAULT, H5P_DEFAULT);
}

int sqk_h5_get_attr_str(hid_t loc, const char *obj, const char *attr, char *buf, size_t bufsize)
{
    char fn[512];
    hid_t a = open_attr(loc, obj, attr);
    if (a < 0) return SQK_EFORMAT;
    hid_t ft = H5Aget_type(a);
    hid_t sp = H5Aget_space(a);
    hssize_t npts = H5Sget_simple_extent_npoints(sp);
    int st = SQK_OK;
    buf[0] = '\0';
    if (H5Tget_class(ft) == H5T_STRING && npts == 0) {
        /* a null dataspace reads as "" */
    } else if (H5Tget_class(ft) != H5T_STRING || npts < 1) {
        st = sqk_fail(SQK_EFORMAT, "%s: attribute '%s' of '%s' is not a string", sqk_h5_filename(loc, fn, sizeof fn), attr, obj);
    } else if (H5Tis_variable_str(ft) > 0) {
        hid_t mt = H5Tcopy(H5T_C_S1);
        H5Tset_cset(mt, H5Tget_cset(ft)); /* HDF5 does not convert between ASCII and UTF-8 */
        H5Tset_size(mt, H5T_VARIABLE);
        char **tmp = sqk_calloc((size_t)npts, sizeof *tmp);
        if (tmp && H5Aread(a, mt, tmp) >= 0) {
            snprintf(buf, bufsize, "%s", tmp[0] ? tmp[0] : "");
            H5Dvlen_reclaim(mt, sp, H5P_DEFAULT, tmp);
        } else {
            st = sqk_fail(SQK_EFORMAT, "%s: cannot read attribute '%s'", sqk_h5_filename(loc, fn, sizeof fn), attr);
        }
        free(tmp);
        H5Tclose(mt);
    } else {
        size_t w = H5Tget_size(ft);
        char *tmp = sqk_calloc((size_t)npts * w + 1, 1);
        hid_t mt = H5Tcopy(H5T_C_S1);
        H5Tset_cset(mt, H5Tget_cset(ft));
        H5Tset_size(mt, w);
        H5Tset_strpad(mt, H5T_STR_NULLPAD);
        if (tmp && H5Aread(a, mt, tmp) >= 0) {
            size_t len = strnlen(tmp, w);
            if (len >= bufsize) len = bufsize - 1;
            memcpy(buf, tmp, len);
            buf[len] = '\0';
        } else {
            st = sqk_fail(SQK_EFORMAT, "%s: cannot read attribute '%s'", sqk_h5_filename(loc, fn, sizeof fn), attr);
        }
        free(tmp);
        H5Tclose(mt);
    }
    H5Sclose(sp);
    H5Tclose(ft);
    H5Aclose(a);
    return st;
}

int sqk_h5_get_attr_f64(hid_t loc, const char *obj, const char *attr, double *v, size_t n, size_t *got)
{
    char fn[512];
    hid_t a = open_attr(loc, obj, attr);
    if (a < 0) return SQK_EFORMAT;
    hid_t sp = H5Aget_space(a);
    hid_t ft = H5Aget_type(a);
    hssize_t npts = H5Sget_simple_extent_npoints(sp);
    int st = SQK_OK;
    H5T_class_t cls = H5Tget_class(ft);
    if ((cls != H5T_FLOAT && cls != H5T_INTEGER) || npts < 1) {
        st = sqk_fail(SQK_EFORMAT, "%s: attribute '%s' of '%s' is not numeric", sqk_h5_filename(loc, fn, sizeof fn), attr, obj);
    } else {
        double *tmp = sqk_malloc((size_t)npts * sizeof *tmp);
        if (!tmp || H5Aread(a, H5T_NATIVE_DOUBLE, tmp) < 0) {
            st = sqk_fail(SQK_EFORMAT, "%s: cannot read attribute '%s'", sqk_h5_filename(loc, fn, sizeof fn), attr);
        } else {
            size_t m = (size_t)npts < n ? (size_t)npts : n;
            memcpy(v, tmp, m * sizeof *v);
            if (got) *got = (size_t)npts;
        }
        free(tmp);
    }
    H5Tclose(ft);
    H5Sclose(sp);
    H5Aclose(a);
    return st;
}

/* ------------------------------------------------------------------ files in memory */

/* The caller's bytes, shared (not copied) by the property lists and the core driver that
 * HDF5 makes from them; freed when the last of those lets go. All these callbacks run inside
 * HDF5 calls, i.e. under its lock, so the count needs no atomics. */
typedef struct {
    const void *bytes;
    size_t size;
    int refs;
} image_share;

static void *image_malloc(size_t size, H5FD_file_image_op_t op, void *udata)
{
    image_share *s = udata;
    (void)op;
    return size == s->size ? (void *)s->bytes : NULL; /* read-only: never written through */
}

static void *image_memcpy(void *dest, const void *src, size_t size, H5FD_file_image_op_t op, void *udata)
{
    (void)op; (void)udata;
    if (dest != src) memcpy(dest, src, size); /* the shared bytes onto themselves: nothing to do */
    return dest;
}

static void *image_realloc(void *ptr, size_t size, H5FD_file_image_op_t op, void *udata)
{
    (void)ptr; (void)size; (void)op; (void)udata;
    return NULL; /* opened read-only: HDF5 never grows it */
}

static herr_t image_free(void *ptr, H5FD_file_image_op_t op, void *udata)
{
    (void)ptr; (void)op; (void)udata;
    return 0; /* the bytes belong to the caller */
}

static void *image_udata_copy(void *udata)
{
    ((image_share *)udata)->refs++;
    return udata;
}

static herr_t image_udata_free(void *udata)
{
    image_share *s = udata;
    if (--s->refs == 0) free(s);
    return 0;
}

int sqk_h5_open_image(const char *path, const void *bytes, size_t size, hid_t *file)
{
    sqk_h5_init();
    *file = -1;
    /* HDF5 finds a superblock after a user block too; the plain path's check covers those. */
    if (!sqk_h5_signature(bytes, size)) return sqk_h5_open_read(path, file);
    image_share *s = sqk_malloc(sizeof *s);
    if (!s) return SQK_EMEM;
    *s = (image_share){bytes, size, 1};
    H5FD_file_image_callbacks_t cb = {image_malloc, image_memcpy, image_realloc, image_free,
                                      image_udata_copy, image_udata_free, s};
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    int ok = fapl >= 0 && H5Pset_fapl_core(fapl, 65536, 0) >= 0 &&
             H5Pset_file_image_callbacks(fapl, &cb) >= 0 &&
             H5Pset_file_image(fapl, (void *)bytes, size) >= 0;
    /* The core driver refuses a name that exists on disk (it would not be "in memory"). */
    char *name = ok ? sqk_malloc(strlen(path) + sizeof IMAGE_SUFFIX) : NULL;
    if (name) {
        strcpy(name, path);
        strcat(name, IMAGE_SUFFIX);
        *file = H5Fopen(name, H5F_ACC_RDONLY, fapl);
        free(name);
    }
    if (fapl >= 0) H5Pclose(fapl);
    image_udata_free(s); /* ours; the file holds its own while open */
    if (*file < 0) return sqk_h5_open_read(path, file); /* same messages as the plain path */
    return SQK_OK;
}

/* ------------------------------------------------------------------ datasets opened once */

int sqk_h5_dset_open(hid_t loc, const char *name, sqk_h5_dset *d)
{
    char fn[512];
    sqk_h5_init();
    memset(d, 0, sizeof *d);
    d->id = -1;
    d->id = H5Dopen2(loc, name, H5P_DEFAULT); /* asking whether it exists only when that fails */
    if (d->id < 0 && !sqk_h5_exists(loc, name))
        return sqk_fail(SQK_EFORMAT, "%s: dataset '%s' is missing", sqk_h5_filename(loc, fn, sizeof fn), name);
    if (d->id < 0) return sqk_fail(SQK_EFORMAT, "%s: cannot open dataset '%s'", sqk_h5_filename(loc, fn, sizeof fn), name);
    hid_t sp = H5Dget_space(d->id);
    int r = H5Sget_simple_extent_ndims(sp);
    hsize_t dd[H5S_MAX_RANK];
    int st = SQK_OK;
    if (r < 0 || r > 4) {
        st = sqk_fail(SQK_EFORMAT, "%s: dataset '%s' has unsupported rank %d", sqk_h5_filename(loc, fn, sizeof fn), name, r);
    } else {
        H5Sget_simple_extent_dims(sp, dd, NULL);
        d->rank = r;
        d->count = 1;
        for (int i = 0; i < 4; i++) {
            d->dims[i] = i < r ? (size_t)dd[i] : 1;
            d->count = d->dims[i] && d->count > SIZE_MAX / d->dims[i] ? SIZE_MAX : d->count * d->dims[i];
        }
        st = check_storage(d->id, loc, name, d->count);
    }
    H5Sclose(sp);
    if (st) sqk_h5_dset_close(d);
    return st;
}

int sqk_h5_dset_read(const sqk_h5_dset *d, const char *name, hid_t memtype, void *out)
{
    char fn[512];
    if (H5Dread(d->id, memtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, out) < 0)
        return sqk_fail(SQK_EFORMAT, "%s: cannot read dataset '%s' (corrupt or wrong type)",
                        sqk_h5_filename(d->id, fn, sizeof fn), name);
    return SQK_OK;
}

int sqk_h5_dset_raw(const sqk_h5_dset *d, const hid_t *types, int ntypes, size_t *offset)
{
    /* H5Dget_offset answers only for contiguous, allocated storage in this file (chunked and
     * hence filtered, compact and external data give HADDR_UNDEF). */
    haddr_t a = H5Dget_offset(d->id);
    if (a == HADDR_UNDEF) return -1;
    hid_t t = H5Dget_type(d->id);
    if (t < 0) return -1;
    int k = -1;
    for (int i = 0; i < ntypes && k < 0; i++)
        if (H5Tequal(t, types[i]) > 0) k = i;
    H5Tclose(t);
    if (k < 0 || H5Dget_storage_size(d->id) != (hsize_t)d->count * H5Tget_size(types[k])) return -1;
    *offset = (size_t)a;
    return k;
}

void sqk_h5_dset_close(sqk_h5_dset *d)
{
    if (d->id >= 0) H5Dclose(d->id);
    d->id = -1;
}
