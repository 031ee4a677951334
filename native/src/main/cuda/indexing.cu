// Index-driven kernels: embedding gather and its scatter-add gradient, and gather / scatter-add along one dim
// (torch.gather semantics). Scatter-adds use atomicAdd because several indices may name the same row.
// An index out of range records an index error (see common.cuh) and reads as NaN / adds nothing.
#include "common.cuh"

// index-error codes, mirrored by rlhf4j.cuda.IndexErrors
#define OP_EMBEDDING 1
#define OP_EMBEDDING_BACKWARD 2
#define OP_GATHER 3
#define OP_SCATTER_ADD 4

// out (n_ids, C) = weight[ids] with weight (V, C) contiguous and I32 ids of any layout.
extern "C" __global__ void embedding_forward(long long n_ids, long long C, long long V, const float* weight,
                                             Layout lids, const int* ids, float* out, int* error) {
    GRID_STRIDE_LOOP(e, n_ids * C) {
        long long row = e / C, c = e % C;
        int id = ids[element_offset(lids, row)];
        if (id < 0 || id >= V) { report_index_error(error, OP_EMBEDDING, id); out[e] = __int_as_float(0x7fc00000); }
        else out[e] = weight[(long long)id * C + c];
    }
}

// dweight[ids[i], c] += dout[i, c] with dout (n_ids, C) and dweight (V, C) contiguous.
extern "C" __global__ void embedding_backward(long long n_ids, long long C, long long V, const float* dout,
                                              Layout lids, const int* ids, float* dweight, int* error) {
    GRID_STRIDE_LOOP(e, n_ids * C) {
        long long row = e / C, c = e % C;
        int id = ids[element_offset(lids, row)];
        if (id < 0 || id >= V) report_index_error(error, OP_EMBEDDING_BACKWARD, id);
        else atomicAdd(&dweight[(long long)id * C + c], dout[e]);
    }
}

// Offsets of element i (row-major over index's shape) in index and, with the coordinate along dim left out, in
// the other operand (whose layout has the same rank; its size along dim may differ).
__device__ __forceinline__ void gather_offsets(const Layout& lindex, const Layout& lother, int dim, long long i,
                                               long long* index_off, long long* other_off) {
    long long io = lindex.offset, oo = lother.offset;
    for (int d = lindex.rank - 1; d >= 0; d--) {
        long long c = i % lindex.size[d];
        i /= lindex.size[d];
        io += c * lindex.stride[d];
        if (d != dim) oo += c * lother.stride[d];
    }
    *index_off = io;
    *other_off = oo;
}

// out[p] = x[p with coordinate dim replaced by index[p]]; out contiguous of index's shape.
extern "C" __global__ void gather_dim(long long n, int dim, Layout lx, const float* x, Layout lindex,
                                      const int* index, float* out, int* error) {
    GRID_STRIDE_LOOP(i, n) {
        long long io, xo;
        gather_offsets(lindex, lx, dim, i, &io, &xo);
        int k = index[io];
        if (k < 0 || k >= lx.size[dim]) { report_index_error(error, OP_GATHER, k); out[i] = __int_as_float(0x7fc00000); }
        else out[i] = x[xo + (long long)k * lx.stride[dim]];
    }
}

// dx[p with coordinate dim replaced by index[p]] += dout[p]: gather's gradient.
extern "C" __global__ void scatter_add_dim(long long n, int dim, Layout ldout, const float* dout, Layout lindex,
                                           const int* index, Layout ldx, float* dx, int* error) {
    GRID_STRIDE_LOOP(i, n) {
        long long io, xo;
        gather_offsets(lindex, ldx, dim, i, &io, &xo);
        int k = index[io];
        if (k < 0 || k >= ldx.size[dim]) report_index_error(error, OP_SCATTER_ADD, k);
        else atomicAdd(&dx[xo + (long long)k * ldx.stride[dim]], dout[element_offset(ldout, i)]);
    }
}
