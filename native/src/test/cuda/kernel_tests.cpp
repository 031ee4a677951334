// Runs every kernel of native/src/main/cuda on the host emulator (cuda_emu.h) against double-precision references
// and central differences. Built and run by KernelEmulationTest when g++ is installed:
//   g++ -std=c++20 -O1 -pthread -include cuda_emu.h -I ../../main/cuda -x c++ ../../main/cuda/*.cu -x none kernel_tests.cpp
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>
#include "common.cuh"

extern "C" {
void unary_f32(int, float, long long, Layout, const float*, Layout, float*);
void unary_backward_f32(int, float, long long, Layout, const float*, Layout, const float*, Layout, const float*, Layout, float*);
void binary_f32(int, long long, Layout, const float*, Layout, const float*, Layout, float*);
void where_f32(long long, int, Layout, const int*, Layout, const float*, Layout, const float*, Layout, float*);
void copy_convert(long long, int, int, Layout, const int*, Layout, int*);
void fill_words(long long, int, Layout, int*);
void reduce_rows(int, long long, long long, const float*, void*);
void softmax_forward(long long, long long, int, const float*, float*);
void softmax_backward(long long, long long, int, const float*, const float*, float*);
void layernorm_forward(long long, long long, float, const float*, const float*, const float*, float*, float*, float*);
void layernorm_backward_input(long long, long long, const float*, const float*, const float*, const float*, const float*, float*);
void layernorm_params_partial(long long, long long, long long, const float*, const float*, const float*, const float*, float*, float*);
void sum_partials(long long, long long, const float*, float*);
void rmsnorm_forward(long long, long long, float, const float*, const float*, float*, float*);
void rmsnorm_backward_input(long long, long long, const float*, const float*, const float*, const float*, float*);
void rmsnorm_params_partial(long long, long long, long long, const float*, const float*, const float*, float*);
void cross_entropy_forward(long long, long long, int, const float*, const int*, float*, float*, int*);
void cross_entropy_backward(long long, long long, int, const float*, const int*, const float*, const float*, float*);
void embedding_forward(long long, long long, long long, const float*, Layout, const int*, float*, int*);
void embedding_backward(long long, long long, long long, const float*, Layout, const int*, float*, int*);
void gather_dim(long long, int, Layout, const float*, Layout, const int*, float*, int*);
void scatter_add_dim(long long, int, Layout, const float*, Layout, const int*, Layout, float*, int*);
void random_uniform(long long, unsigned long long, float, float, float*);
void random_normal(long long, unsigned long long, float, float, float*);
void dropout_forward(long long, float, unsigned long long, Layout, const float*, float*, float*);
void causal_mask(long long, long long, long long, long long, float, Layout, const float*, float*);
void adamw_step(long long, float*, const float*, float*, float*, float, float, float, float, float, float, float);
}

static int checks = 0, failures = 0;

static void expect(bool ok, const char* what, long i, double got, double want) {
    checks++;
    if (!ok && failures++ < 30) std::printf("FAIL %s [%ld]: got %.9g, want %.9g\n", what, i, got, want);
}

// |got − want| ≤ atol + rtol·|want|; NaN never passes.
static void close(const char* what, long i, float got, double want, double rtol, double atol) {
    bool ok = !std::isnan(got) && !std::isnan(want) && std::fabs(got - want) <= atol + rtol * std::fabs(want);
    expect(ok, what, i, got, want);
}

static Layout layout(std::vector<long long> size, std::vector<long long> stride, long long offset = 0) {
    Layout l{};
    for (int d = 0; d < MAX_DIMS; d++) { l.size[d] = 1; l.stride[d] = 0; }
    for (size_t d = 0; d < size.size(); d++) { l.size[d] = size[d]; l.stride[d] = stride[d]; }
    l.offset = offset;
    l.rank = (int)size.size();
    return l;
}

static Layout dense(long long n) { return layout({n}, {1}); }

static std::mt19937 rng(5);
static std::vector<float> uniform(size_t n, float lo, float hi) {
    std::uniform_real_distribution<float> d(lo, hi);
    std::vector<float> v(n);
    for (auto& x : v) x = d(rng);
    return v;
}

static const float NaN = std::nanf("");

// ---- elementwise ----------------------------------------------------------------------------------------------

static void test_unary_derivatives() {
    // every UnaryOp: the backward kernel's derivative against central differences of the forward kernel
    const float params[20] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1.7f, -1.5f, 0.75f, 0.25f, 0.25f, 0.25f};
    for (int op = 0; op < 20; op++) {
        const int n = 64;
        std::vector<float> x(n), xp(n), xm(n), yp(n), ym(n), y(n), dy(n, 1.f), dx(n, NaN);
        float h = 1e-2f, p = params[op];
        for (int i = 0; i < n; i++) {
            x[i] = 0.3f + 1.7f * i / n;
            if (std::fabs(x[i] - p) < 0.05f) x[i] += 0.1f;         // away from kinks at x = p
            xp[i] = x[i] + h;
            xm[i] = x[i] - h;
        }
        emu_launch(1, 32, [&] {
            unary_f32(op, p, n, dense(n), x.data(), dense(n), y.data());
            unary_f32(op, p, n, dense(n), xp.data(), dense(n), yp.data());
            unary_f32(op, p, n, dense(n), xm.data(), dense(n), ym.data());
        });
        emu_launch(1, 32, [&] {
            unary_backward_f32(op, p, n, dense(n), x.data(), dense(n), y.data(), dense(n), dy.data(), dense(n), dx.data());
        });
        char what[64];
        std::snprintf(what, sizeof what, "unary op %d derivative", op);
        for (int i = 0; i < n; i++) close(what, i, dx[i], (yp[i] - ym[i]) / (2.0 * h), 2e-3, 2e-3);
    }
}

static void test_unary_values_on_a_transposed_view() {
    // x is a (3, 4) view of storage laid out (4, 3): strides (1, 3)
    std::vector<float> s = uniform(12, -2, 2), out(12, NaN);
    emu_launch(1, 32, [&] { unary_f32(6 /*GELU*/, 0, 12, layout({3, 4}, {1, 3}), s.data(), dense(12), out.data()); });
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 4; j++) {
            double x = s[j * 3 + i];
            double want = 0.5 * x * (1 + std::tanh(std::sqrt(2 / M_PI) * (x + 0.044715 * x * x * x)));
            close("gelu on a view", i * 4 + j, out[i * 4 + j], want, 1e-5, 1e-6);
        }
}

static void test_binary_broadcast_and_where() {
    // a (2, 1, 3) and b (4, 3) broadcast to (2, 4, 3)
    std::vector<float> a = uniform(6, 0.5f, 2), b = uniform(12, 0.5f, 2), out(24, NaN);
    b[5] = NaN;
    Layout la = layout({2, 4, 3}, {3, 0, 1}), lb = layout({2, 4, 3}, {0, 3, 1}), lo = dense(24);
    const char* names[] = {"add", "sub", "mul", "div", "max", "min", "pow", "eq", "gt", "lt"};
    for (int op = 0; op < 10; op++) {
        emu_launch(2, 32, [&] { binary_f32(op, 24, la, a.data(), lb, b.data(), lo, out.data()); });
        for (int i = 0; i < 2; i++)
            for (int k = 0; k < 4; k++)
                for (int j = 0; j < 3; j++) {
                    double x = a[i * 3 + j], y = b[k * 3 + j];
                    double want = op == 0 ? x + y : op == 1 ? x - y : op == 2 ? x * y : op == 3 ? x / y
                            : op == 4 ? (std::isnan(y) ? y : std::max(x, y)) : op == 5 ? (std::isnan(y) ? y : std::min(x, y))
                            : op == 6 ? std::pow(x, y) : op == 7 ? (x == y) : op == 8 ? (x > y) : (x < y);
                    float got = out[i * 12 + k * 3 + j];
                    if (std::isnan(want)) expect(std::isnan(got), names[op], i * 12 + k * 3 + j, got, want);
                    else close(names[op], i * 12 + k * 3 + j, got, want, 1e-6, 0);
                }
    }
    std::vector<int> cond = {0, 3, 0};                              // (3, 1) broadcast over 4 columns
    std::vector<float> wa = uniform(12, -1, 1), wb = uniform(4, -1, 1), w(12, NaN);
    emu_launch(1, 32, [&] {
        where_f32(12, 0, layout({3, 4}, {1, 0}), cond.data(), dense(12), wa.data(), layout({3, 4}, {0, 1}), wb.data(),
                  dense(12), w.data());
    });
    for (int i = 0; i < 12; i++) close("where", i, w[i], cond[i / 4] ? wa[i] : wb[i % 4], 0, 0);
}

static void test_copy_and_fill() {
    std::vector<float> s = {2.7f, -2.7f, 0.2f, 7.f, -0.9f, 1e6f};    // (2, 3) read transposed as (3, 2)
    std::vector<int> d(6, -1);
    int words[6];
    std::memcpy(words, s.data(), 24);
    emu_launch(1, 32, [&] { copy_convert(6, 0, 1, layout({3, 2}, {1, 3}), words, dense(6), d.data()); });
    int want[6] = {2, 7, -2, 0, 0, 1000000};
    for (int i = 0; i < 6; i++) expect(d[i] == want[i], "copy F32->I32 of a transpose", i, d[i], want[i]);
    std::vector<int> back(6);
    emu_launch(1, 32, [&] { copy_convert(6, 1, 0, dense(6), d.data(), dense(6), back.data()); });
    for (int i = 0; i < 6; i++) close("copy I32->F32", i, __int_as_float(back[i]), want[i], 0, 0);
    std::vector<int> m(20, 0);                                      // fill columns 1..2 of a (4, 5) matrix
    emu_launch(1, 32, [&] { fill_words(8, 9, layout({4, 2}, {5, 1}, 1), m.data()); });
    for (int i = 0; i < 20; i++) expect(m[i] == ((i % 5 == 1 || i % 5 == 2) ? 9 : 0), "fill a view", i, m[i], 9);
}

// ---- reductions and row kernels -------------------------------------------------------------------------------

static void test_reductions() {
    const int rows = 5, r = 300;                                    // r > threads: threads loop; rows > blocks
    std::vector<float> x = uniform(rows * r, -3, 3);
    x[1 * r + 7] = 99; x[1 * r + 200] = 99;                         // a tie: the first index wins
    x[3 * r + 250] = NaN;                                           // NaN propagates / wins argmax
    for (int op = 0; op < 5; op++) {
        std::vector<float> out(rows, NaN);
        emu_launch(2, 64, [&] { reduce_rows(op, rows, r, x.data(), out.data()); });
        for (int row = 0; row < rows; row++) {
            double sum = 0, mx = -INFINITY, mn = INFINITY;
            int arg = 0;
            bool nan = false;
            for (int j = 0; j < r; j++) {
                double v = x[row * r + j];
                if (std::isnan(v)) { if (!nan) arg = j; nan = true; continue; }
                sum += v; mx = std::max(mx, v); mn = std::min(mn, v);
                if (!nan && v > x[row * r + arg]) arg = j;
            }
            if (op == 4) {
                int got = __float_as_int(out[row]);
                expect(got == arg, "argmax", row, got, arg);
            } else if (nan && op >= 2) {
                expect(std::isnan(out[row]), "max/min propagate NaN", row, out[row], NAN);
            } else if (!nan || op < 2) {
                if (nan) { expect(std::isnan(out[row]), "sum with NaN", row, out[row], NAN); continue; }
                double want = op == 0 ? sum : op == 1 ? sum / r : op == 2 ? mx : mn;
                close("reduce", row * 10 + op, out[row], want, 1e-5, 1e-4);
            }
        }
    }
    std::vector<float> empty_out(2, NaN);
    emu_launch(1, 32, [&] { reduce_rows(0, 2, 0, x.data(), empty_out.data()); });
    close("sum of nothing", 0, empty_out[0], 0, 0, 0);
}

static std::vector<double> softmax_ref(const std::vector<float>& x, int c, bool log) {
    std::vector<double> y(x.size());
    for (size_t r = 0; r < x.size() / c; r++) {
        double m = -INFINITY, s = 0;
        for (int j = 0; j < c; j++) m = std::max(m, (double)x[r * c + j]);
        for (int j = 0; j < c; j++) s += std::exp(x[r * c + j] - m);
        for (int j = 0; j < c; j++) y[r * c + j] = log ? x[r * c + j] - m - std::log(s) : std::exp(x[r * c + j] - m) / s;
    }
    return y;
}

static void test_softmax() {
    const int rows = 3, c = 100;
    for (int log = 0; log < 2; log++) {
        std::vector<float> x = uniform(rows * c, -6, 6), y(rows * c, NaN), dy = uniform(rows * c, -1, 1), dx(rows * c, NaN);
        emu_launch(2, 32, [&] { softmax_forward(rows, c, log, x.data(), y.data()); });
        auto ref = softmax_ref(x, c, log);
        for (int i = 0; i < rows * c; i++) close("softmax", i, y[i], ref[i], 1e-5, 1e-7);
        emu_launch(2, 32, [&] { softmax_backward(rows, c, log, y.data(), dy.data(), dx.data()); });
        for (int r = 0; r < rows; r++) {                            // central differences of Σ dy·softmax(x)
            for (int j = 0; j < c; j++) {
                std::vector<float> xp = x, xm = x;
                float h = 1e-3f;
                xp[r * c + j] += h; xm[r * c + j] -= h;
                auto up = softmax_ref(xp, c, log), down = softmax_ref(xm, c, log);
                double g = 0;
                for (int k = 0; k < c; k++) g += dy[r * c + k] * (up[r * c + k] - down[r * c + k]);
                close("softmax backward", r * c + j, dx[r * c + j], g / (2 * h), 1e-2, 1e-4);
            }
        }
    }
}

static std::vector<double> norm_ref(const std::vector<double>& x, const std::vector<double>& w, const std::vector<double>& b,
                                    int c, double eps, bool rms) {
    std::vector<double> y(x.size());
    for (size_t r = 0; r < x.size() / c; r++) {
        double mu = 0, q = 0;
        if (!rms) { for (int j = 0; j < c; j++) mu += x[r * c + j]; mu /= c; }
        for (int j = 0; j < c; j++) q += (x[r * c + j] - mu) * (x[r * c + j] - mu);
        double rs = 1 / std::sqrt(q / c + eps);
        for (int j = 0; j < c; j++) y[r * c + j] = (x[r * c + j] - mu) * rs * w[j] + (rms ? 0 : b[j]);
    }
    return y;
}

// ∂/∂v[i] of Σ dy·f(v), by central differences in double
template <class F>
static std::vector<double> fd(F f, std::vector<double> v, const std::vector<float>& dy) {
    std::vector<double> g(v.size());
    for (size_t i = 0; i < v.size(); i++) {
        double s = v[i], h = 1e-6;
        v[i] = s + h; auto up = f(v);
        v[i] = s - h; auto down = f(v);
        v[i] = s;
        double acc = 0;
        for (size_t k = 0; k < dy.size(); k++) acc += dy[k] * (up[k] - down[k]);
        g[i] = acc / (2 * h);
    }
    return g;
}

// The parameter gradients as CudaBackend runs them: per-chunk column sums into scratch, then sum_partials.
// mean == nullptr: RMSNorm (dw only).
static void norm_params(long long n, long long c, long long chunk_rows, unsigned blocks, unsigned threads,
                        const float* dy, const float* x, const float* mean, const float* rstd, float* dw, float* db) {
    long long chunks = (n + chunk_rows - 1) / chunk_rows;
    std::vector<float> pw(chunks * c, NaN), pb(chunks * c, NaN);
    emu_launch(blocks, threads, [&] {
        if (mean) layernorm_params_partial(n, c, chunk_rows, dy, x, mean, rstd, pw.data(), pb.data());
        else rmsnorm_params_partial(n, c, chunk_rows, dy, x, rstd, pw.data());
    });
    emu_launch(2, 32, [&] { sum_partials(chunks, c, pw.data(), dw); });
    if (mean) emu_launch(2, 32, [&] { sum_partials(chunks, c, pb.data(), db); });
}

static void test_norms() {
    const int n = 3, c = 70;
    const float eps = 1e-5f;
    for (int rms = 0; rms < 2; rms++) {
        std::vector<float> x = uniform(n * c, -2, 3), w = uniform(c, 0.5f, 1.5f), b = uniform(c, -1, 1), dy = uniform(n * c, -1, 1);
        std::vector<float> y(n * c, NaN), mean(n, NaN), rstd(n, NaN), dx(n * c, NaN), dw(c, 0.5f), db(c, -0.25f);
        std::vector<double> xd(x.begin(), x.end()), wd(w.begin(), w.end()), bd(b.begin(), b.end());
        emu_launch(2, 32, [&] {
            if (rms) rmsnorm_forward(n, c, eps, x.data(), w.data(), y.data(), rstd.data());
            else layernorm_forward(n, c, eps, x.data(), w.data(), b.data(), y.data(), mean.data(), rstd.data());
        });
        auto ref = norm_ref(xd, wd, bd, c, eps, rms);
        for (int i = 0; i < n * c; i++) close(rms ? "rmsnorm" : "layernorm", i, y[i], ref[i], 1e-4, 1e-5);
        emu_launch(2, 32, [&] {
            if (rms) rmsnorm_backward_input(n, c, dy.data(), x.data(), w.data(), rstd.data(), dx.data());
            else layernorm_backward_input(n, c, dy.data(), x.data(), w.data(), mean.data(), rstd.data(), dx.data());
        });
        norm_params(n, c, 2, 2, 64, dy.data(), x.data(), rms ? nullptr : mean.data(), rstd.data(), dw.data(), db.data());
        auto gx = fd([&](const std::vector<double>& v) { return norm_ref(v, wd, bd, c, eps, rms); }, xd, dy);
        auto gw = fd([&](const std::vector<double>& v) { return norm_ref(xd, v, bd, c, eps, rms); }, wd, dy);
        auto gb = fd([&](const std::vector<double>& v) { return norm_ref(xd, wd, v, c, eps, rms); }, bd, dy);
        for (int i = 0; i < n * c; i++) close(rms ? "rmsnorm dx" : "layernorm dx", i, dx[i], gx[i], 1e-3, 1e-4);
        for (int j = 0; j < c; j++) close(rms ? "rmsnorm dw (+=)" : "layernorm dw (+=)", j, dw[j], gw[j] + 0.5, 1e-3, 1e-4);
        if (!rms) for (int j = 0; j < c; j++) close("layernorm db (+=)", j, db[j], gb[j] - 0.25, 1e-3, 1e-4);
    }
}

// Many chunks (the last one short), column tiles with idle lanes, fewer blocks than (chunk, tile) items: the
// two-stage sums equal the column sums in double.
static void test_norm_params_over_many_rows() {
    const long long n = 4100, c = 70, chunk_rows = 64;
    std::vector<float> x = uniform(n * c, -2, 3), dy = uniform(n * c, -1, 1), mean = uniform(n, -0.5f, 0.5f),
                       rstd = uniform(n, 0.5f, 2);
    for (int rms = 0; rms < 2; rms++) {
        std::vector<float> dw(c, 1.f), db(c, -1.f);
        norm_params(n, c, chunk_rows, 5, 256, dy.data(), x.data(), rms ? nullptr : mean.data(), rstd.data(), dw.data(), db.data());
        for (long long j = 0; j < c; j++) {
            double sw = 1, sb = -1;
            for (long long r = 0; r < n; r++) {
                double xhat = ((double)x[r * c + j] - (rms ? 0.0 : (double)mean[r])) * rstd[r];
                sw += (double)dy[r * c + j] * xhat;
                sb += dy[r * c + j];
            }
            close(rms ? "rmsnorm dw, 4100 rows" : "layernorm dw, 4100 rows", (long)j, dw[j], sw, 1e-5, 1e-3);
            if (!rms) close("layernorm db, 4100 rows", (long)j, db[j], sb, 1e-5, 1e-3);
        }
    }
}

static void test_cross_entropy() {
    const int n = 4, v = 90, ignore = -100;
    std::vector<float> logits = uniform(n * v, -5, 5), loss(n, NaN), lse(n, NaN), dl = uniform(n, 0.5f, 1.5f), dlog(n * v, NaN);
    std::vector<int> t = {3, ignore, 89, 0}, err = {0, 0};
    emu_launch(2, 32, [&] { cross_entropy_forward(n, v, ignore, logits.data(), t.data(), loss.data(), lse.data(), err.data()); });
    emu_launch(2, 32, [&] { cross_entropy_backward(n, v, ignore, logits.data(), t.data(), lse.data(), dl.data(), dlog.data()); });
    for (int r = 0; r < n; r++) {
        double m = -INFINITY, s = 0;
        for (int j = 0; j < v; j++) m = std::max(m, (double)logits[r * v + j]);
        for (int j = 0; j < v; j++) s += std::exp(logits[r * v + j] - m);
        double l = m + std::log(s);
        close("logsumexp", r, lse[r], l, 1e-6, 1e-6);
        close("cross entropy", r, loss[r], t[r] == ignore ? 0 : l - logits[r * v + t[r]], 1e-5, 1e-5);
        for (int j = 0; j < v; j++) {
            double want = t[r] == ignore ? 0 : dl[r] * (std::exp(logits[r * v + j] - l) - (j == t[r]));
            close("cross entropy backward", r * v + j, dlog[r * v + j], want, 1e-5, 1e-7);
        }
    }
    expect(err[0] == 0, "no index error", 0, err[0], 0);
    t[2] = 90;
    emu_launch(1, 32, [&] { cross_entropy_forward(n, v, ignore, logits.data(), t.data(), loss.data(), lse.data(), err.data()); });
    expect(err[0] == 5 && err[1] == 90, "bad target recorded", 0, err[1], 90);
}

// ---- indexing -------------------------------------------------------------------------------------------------

static void test_embedding() {
    const int vocab = 6, c = 5;
    std::vector<float> w = uniform(vocab * c, -1, 1), out(4 * c, NaN), dout = uniform(4 * c, -1, 1), dw(vocab * c, 1.f);
    std::vector<int> ids = {4, 0, 4, 2}, err = {0, 0};
    emu_launch(2, 32, [&] { embedding_forward(4, c, vocab, w.data(), layout({2, 2}, {2, 1}), ids.data(), out.data(), err.data()); });
    emu_launch(2, 32, [&] { embedding_backward(4, c, vocab, dout.data(), dense(4), ids.data(), dw.data(), err.data()); });
    std::vector<double> want(vocab * c, 1.0);
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < c; j++) {
            close("embedding", i * c + j, out[i * c + j], w[ids[i] * c + j], 0, 0);
            want[ids[i] * c + j] += dout[i * c + j];
        }
    for (int i = 0; i < vocab * c; i++) close("embedding backward", i, dw[i], want[i], 1e-6, 1e-6);
    expect(err[0] == 0, "no index error", 0, err[0], 0);
    ids[1] = -3;
    emu_launch(1, 32, [&] { embedding_forward(4, c, vocab, w.data(), dense(4), ids.data(), out.data(), err.data()); });
    expect(err[0] == 1 && err[1] == -3, "bad id recorded", 0, err[1], -3);
    expect(std::isnan(out[c]), "a bad id's row reads NaN", 0, out[c], NAN);
}

static void test_gather_scatter() {
    // x (2, 3, 4); index (2, 2, 4) along dim 1
    std::vector<float> x = uniform(24, -1, 1), out(16, NaN), dout = uniform(16, -1, 1), dx(24, 0.f);
    std::vector<int> idx(16), err = {0, 0};
    for (int i = 0; i < 16; i++) idx[i] = (i * 7 + 1) % 3;
    Layout lx = layout({2, 3, 4}, {12, 4, 1}), li = layout({2, 2, 4}, {8, 4, 1});
    emu_launch(1, 32, [&] { gather_dim(16, 1, lx, x.data(), li, idx.data(), out.data(), err.data()); });
    emu_launch(1, 32, [&] { scatter_add_dim(16, 1, dense(16), dout.data(), li, idx.data(), lx, dx.data(), err.data()); });
    std::vector<double> want(24, 0);
    for (int a = 0; a < 2; a++)
        for (int b = 0; b < 2; b++)
            for (int c = 0; c < 4; c++) {
                int i = a * 8 + b * 4 + c;
                close("gather", i, out[i], x[a * 12 + idx[i] * 4 + c], 0, 0);
                want[a * 12 + idx[i] * 4 + c] += dout[i];
            }
    for (int i = 0; i < 24; i++) close("scatter add", i, dx[i], want[i], 1e-6, 1e-7);
    expect(err[0] == 0, "no index error", 0, err[0], 0);
}

// ---- random, mask, optimizer ----------------------------------------------------------------------------------

static void test_random_matches_java() {
    // rlhf4j.tensor.CounterRng.uniform(42, i) and normal(42, i) bits, and bits(-7, i), printed by the JVM
    const long long idx[5] = {0, 1, 2, 1000, 123456789};
    const int uniform_bits[5] = {1058577215, 1042560720, 1042965548, 1062736056, 1055453898};
    const int normal_bits[5] = {1060637479, 1058240717, 1048994608, 1033421495, 1057226713};
    // uniform: run the kernel over [0, 1001) and check the listed counters (the last one via the device function)
    std::vector<float> small(1001, NaN);
    emu_launch(2, 64, [&] { random_uniform(1001, 42, 0.f, 1.f, small.data()); });
    for (int k = 0; k < 4; k++) expect(__float_as_int(small[idx[k]]) == uniform_bits[k], "uniform bits", idx[k], small[idx[k]], __int_as_float(uniform_bits[k]));
    std::vector<float> normals(1001, NaN);
    emu_launch(2, 64, [&] { random_normal(1001, 42, 0.f, 1.f, normals.data()); });
    for (int k = 0; k < 4; k++) {
        int diff = std::abs(__float_as_int(normals[idx[k]]) - normal_bits[k]);
        expect(diff <= 1, "normal within 1 ulp", idx[k], normals[idx[k]], __int_as_float(normal_bits[k]));
    }
    // dropout: mask = 1/(1 − p) where uniform ≥ p
    std::vector<float> x = uniform(1001, -1, 1), out(1001, NaN), mask(1001, NaN);
    emu_launch(2, 64, [&] { dropout_forward(1001, 0.25f, 42, dense(1001), x.data(), out.data(), mask.data()); });
    for (int i = 0; i < 1001; i++) {
        float m = small[i] >= 0.25f ? 1.f / 0.75f : 0.f;
        close("dropout mask", i, mask[i], m, 0, 0);
        close("dropout out", i, out[i], x[i] * m, 0, 0);
    }
}

static void test_causal_mask() {
    const int t = 4, s = 6;
    std::vector<float> x = uniform(2 * t * s, -1, 1), out(2 * t * s, NaN);
    emu_launch(1, 32, [&] { causal_mask(2 * t * s, t, s, 1, -1e9f, dense(2 * t * s), x.data(), out.data()); });
    for (int e = 0; e < 2 * t * s; e++) {
        int j = e % s, i = (e / s) % t;
        close("causal mask", e, out[e], j > i + 1 ? -1e9 : x[e], 0, 0);
    }
}

static void test_adamw() {
    const int n = 100;
    float lr = 1e-2f, b1 = 0.9f, b2 = 0.95f, eps = 1e-8f, wd = 0.1f;
    std::vector<float> p = uniform(n, -1, 1), m(n, 0.f), v(n, 0.f);
    std::vector<double> pd(p.begin(), p.end()), md(n), vd(n);
    for (int step = 1; step <= 3; step++) {
        std::vector<float> g = uniform(n, -1, 1);
        float bc1 = 1 - std::pow(b1, step), bc2 = 1 - std::pow(b2, step);
        emu_launch(1, 64, [&] { adamw_step(n, p.data(), g.data(), m.data(), v.data(), lr, b1, b2, eps, wd, bc1, bc2); });
        for (int i = 0; i < n; i++) {
            md[i] = b1 * md[i] + (1 - b1) * g[i];
            vd[i] = b2 * vd[i] + (1 - b2) * g[i] * g[i];
            pd[i] -= lr * ((md[i] / bc1) / (std::sqrt(vd[i] / bc2) + eps) + wd * pd[i]);
        }
    }
    for (int i = 0; i < n; i++) close("adamw", i, p[i], pd[i], 1e-5, 1e-6);
}

int main() {
    test_unary_derivatives();
    test_unary_values_on_a_transposed_view();
    test_binary_broadcast_and_where();
    test_copy_and_fill();
    test_reductions();
    test_softmax();
    test_norms();
    test_norm_params_over_many_rows();
    test_cross_entropy();
    test_embedding();
    test_gather_scatter();
    test_random_matches_java();
    test_causal_mask();
    test_adamw();
    std::printf("%s: %d checks, %d failures\n", failures ? "FAILED" : "PASSED", checks, failures);
    return failures ? 1 : 0;
}
