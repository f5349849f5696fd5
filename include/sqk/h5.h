/* Small checked HDF5 helpers shared by the CSES files, dataset files and model files.
 * All report failures through sqk_fail with the file and object names. HDF5's own error
 * stack printing is switched off by sqk_h5_init (called by every helper). */
#ifndef SQK_H5_H
#define SQK_H5_H

#include <hdf5.h>
#include <stddef.h>
#include <stdint.h>

void sqk_h5_init(void);

/* The HDF5 signature: 1 when bytes (n of them) hold it at 0 or after a user block at 512,
 * 1024, 2048... (where HDF5 itself looks). */
int sqk_h5_signature(const void *bytes, size_t n);
/* 1 when path is an HDF5 file: the signature at 0, or after a user block at 512, 1024, 2048...
 * (where HDF5 itself looks; head: the file's first n bytes when already read, else NULL). */
int sqk_h5_is_file(const char *path, const void *head, size_t n);

/* Opens read-only; a clear message when the file is missing or not HDF5. */
int sqk_h5_open_read(const char *path, hid_t *file);
/* Creates (truncating) a file; used with sqk_tmp_path for atomic writes. */
int sqk_h5_create(const char *path, hid_t *file);

int sqk_h5_exists(hid_t loc, const char *name);
/* Dimensions of a dataset (up to 4); rank returned in *rank. */
int sqk_h5_dims(hid_t loc, const char *name, int *rank, size_t dims[4]);

/* Whole-dataset reads converted to the memory type; n must equal the element count. */
int sqk_h5_read_f64(hid_t loc, const char *name, double *out, size_t n);
int sqk_h5_read_f32(hid_t loc, const char *name, float *out, size_t n);
int sqk_h5_read_i64(hid_t loc, const char *name, int64_t *out, size_t n);
int sqk_h5_read_i32(hid_t loc, const char *name, int32_t *out, size_t n);
int sqk_h5_read_u8(hid_t loc, const char *name, uint8_t *out, size_t n);

/* Writes a contiguous dataset of rank 1..4 (dims given) of any HDF5 file type from memory of
 * memtype. Like every writer here, without HDF5's object time stamps, so that the same
 * content gives the same file bytes. */
int sqk_h5_write(hid_t loc, const char *name, hid_t filetype, hid_t memtype, int rank,
                 const size_t *dims, const void *v);
/* A new group without time stamps; < 0 with the message set when it cannot be made. */
hid_t sqk_h5_create_group(hid_t loc, const char *name);
/* Writes a whole HDF5 file atomically and durably (sqk_write_file_atomic): the file is made
 * in memory without time stamps by write(f, ctx), then its bytes written; on any failure
 * nothing is left and the message starts "writing <path>". */
int sqk_h5_write_file(const char *path, int (*write)(hid_t f, const void *ctx), const void *ctx);
/* The same file's bytes only (malloc'd), for outputs committed together with others. */
int sqk_h5_file_image(const char *path, int (*write)(hid_t f, const void *ctx), const void *ctx,
                      unsigned char **bytes, size_t *nbytes);
/* Typed shorthands of sqk_h5_write. */
int sqk_h5_write_f64(hid_t loc, const char *name, int rank, const size_t *dims, const double *v);
int sqk_h5_write_f32(hid_t loc, const char *name, int rank, const size_t *dims, const float *v);
int sqk_h5_write_i64(hid_t loc, const char *name, int rank, const size_t *dims, const int64_t *v);
int sqk_h5_write_i32(hid_t loc, const char *name, int rank, const size_t *dims, const int32_t *v);
int sqk_h5_write_u8(hid_t loc, const char *name, int rank, const size_t *dims, const uint8_t *v);
/* A 1-D dataset of fixed-length strings (each padded to the longest). */
int sqk_h5_write_strings(hid_t loc, const char *name, const char *const *s, size_t n);
/* Reads a 1-D string dataset (fixed or variable length): *out is an array of n malloc'd
 * strings (free with sqk_h5_free_strings). */
int sqk_h5_read_strings(hid_t loc, const char *name, char ***out, size_t *n);
void sqk_h5_free_strings(char **s, size_t n);

/* Attributes on a file, group or dataset (obj = "." for loc itself). */
int sqk_h5_attr_exists(hid_t loc, const char *obj, const char *attr);
int sqk_h5_set_attr_str(hid_t loc, const char *obj, const char *attr, const char *value);
int sqk_h5_set_attr_f64(hid_t loc, const char *obj, const char *attr, const double *v, size_t n);
int sqk_h5_set_attr_i64(hid_t loc, const char *obj, const char *attr, const int64_t *v, size_t n);
/* String attribute (fixed or variable length, scalar or 1-element array) into buf. */
int sqk_h5_get_attr_str(hid_t loc, const char *obj, const char *attr, char *buf, size_t bufsize);
/* Numeric attribute: first n values converted to double; *got receives the count present. */
int sqk_h5_get_attr_f64(hid_t loc, const char *obj, const char *attr, double *v, size_t n, size_t *got);

/* The file name HDF5 knows for a location (for messages). */
const char *sqk_h5_filename(hid_t loc, char *buf, size_t bufsize);

/* Opens read-only an HDF5 file whose bytes the caller has already read (one read instead of
 * HDF5's many small ones; path names it in messages, as sqk_h5_open_read would). HDF5 works on
 * the bytes in place, without a copy: they must stay unchanged until the file is closed. */
int sqk_h5_open_image(const char *path, const void *bytes, size_t size, hid_t *file);

/* A dataset opened once: its shape, attributes (sqk_h5_get_attr_* with id and ".") and data
 * all come from the same handle. */
typedef struct {
    hid_t id;
    int rank;          /* 1..4 */
    size_t dims[4];    /* 1 past rank */
    size_t count;      /* number of elements */
} sqk_h5_dset;
/* Same checks and messages as sqk_h5_dims. */
int sqk_h5_dset_open(hid_t loc, const char *name, sqk_h5_dset *d);
/* The whole dataset converted to memtype (d->count elements); name is for messages. */
int sqk_h5_dset_read(const sqk_h5_dset *d, const char *name, hid_t memtype, void *out);
/* Where the data of a contiguous dataset stored as one of the given file types sits in the
 * file: returns the index of that type and sets *offset (from the start of the file), or -1
 * when there is no such place (chunked, compact, compressed, external, not allocated, or
 * another type), so that the caller can read the bytes itself or fall back to H5Dread. */
int sqk_h5_dset_raw(const sqk_h5_dset *d, const hid_t *types, int ntypes, size_t *offset);
void sqk_h5_dset_close(sqk_h5_dset *d);

#endif
