// One AdamW step in place on contiguous param, m, v (one thread per element):
//   m = β1·m + (1−β1)·g;  v = β2·v + (1−β2)·g²
//   param −= lr·(m̂/(√v̂ + eps) + weight_decay·param),  m̂ = m / (1−β1^step),  v̂ = v / (1−β2^step)
// The bias corrections 1−β^step are computed once on the host.
#include "common.cuh"

extern "C" __global__ void adamw_step(long long n, float* param, const float* grad, float* m, float* v, float lr,
                                      float beta1, float beta2, float eps, float weight_decay,
                                      float bias_correction1, float bias_correction2) {
    GRID_STRIDE_LOOP(i, n) {
        float g = grad[i];
        float mi = beta1 * m[i] + (1.f - beta1) * g;
        float vi = beta2 * v[i] + (1.f - beta2) * g * g;
        m[i] = mi;
        v[i] = vi;
        float m_hat = mi / bias_correction1, v_hat = vi / bias_correction2;
        param[i] -= lr * (m_hat / (sqrtf(v_hat) + eps) + weight_decay * param[i]);
    }
}
