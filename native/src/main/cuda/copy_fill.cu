// Copy between any two views of the same shape, converting F32 <-> I32, and fill of any view.
// Elements are 32-bit words; the dtype codes are rlhf4j.tensor.DType ordinals (F32 = 0, I32 = 1).
#include "common.cuh"

#define DTYPE_F32 0
#define DTYPE_I32 1

// dst[i] = (dst type) src[i]. F32 -> I32 truncates toward zero, saturates, and maps NaN to 0 (__float2int_rz),
// exactly like Java's (int) cast.
extern "C" __global__ void copy_convert(long long n, int src_type, int dst_type,
                                        Layout ls, const int* src, Layout ld, int* dst) {
    GRID_STRIDE_LOOP(i, n) {
        int w = src[element_offset(ls, i)];
        if (src_type != dst_type) {
            if (src_type == DTYPE_F32) w = __float2int_rz(__int_as_float(w));  // F32 -> I32
            else w = __float_as_int((float)w);                                 // I32 -> F32 (round to nearest)
        }
        dst[element_offset(ld, i)] = w;
    }
}

// dst[i] = word, where word is the value's bit pattern in dst's dtype (encoded by the host).
extern "C" __global__ void fill_words(long long n, int word, Layout ld, int* dst) {
    GRID_STRIDE_LOOP(i, n) dst[element_offset(ld, i)] = word;
}
