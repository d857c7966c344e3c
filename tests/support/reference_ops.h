#pragma once
// Plain double-precision reference implementations used as test oracles. They are written
// independently of the runtime kernels (explicit zero-padded input, different loop order)
// so that a shared mistake is unlikely.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

namespace tml::testing {

struct Conv2DSpec {
  int batches = 1, in_h = 1, in_w = 1, in_c = 1;
  int out_c = 1, filter_h = 1, filter_w = 1;
  int stride_h = 1, stride_w = 1, dilation_h = 1, dilation_w = 1;
  bool same = false;
  bool depthwise = false;
  int depth_multiplier = 1;

  int out_h() const { return OutSize(in_h, filter_h, stride_h, dilation_h); }
  int out_w() const { return OutSize(in_w, filter_w, stride_w, dilation_w); }
  int OutSize(int in, int f, int s, int d) const {
    const int eff = (f - 1) * d + 1;
    return same ? (in + s - 1) / s : (in - eff + s) / s;
  }
  int PadBefore(int in, int f, int s, int d, int out) const {
    const int total = std::max(0, (out - 1) * s + (f - 1) * d + 1 - in);
    return total / 2;
  }
};

/// Conv (OHWI filter) or depthwise (1HWC filter) in double; output NHWC.
inline std::vector<double> ReferenceConv(const Conv2DSpec& s, const std::vector<double>& in,
                                         const std::vector<double>& filter, const std::vector<double>& bias) {
  const int oh = s.out_h(), ow = s.out_w();
  const int pad_t = s.PadBefore(s.in_h, s.filter_h, s.stride_h, s.dilation_h, oh);
  const int pad_l = s.PadBefore(s.in_w, s.filter_w, s.stride_w, s.dilation_w, ow);
  // Materialize a zero-padded copy of the input large enough for every window.
  const int ph = s.in_h + 2 * (s.filter_h * s.dilation_h + s.stride_h * oh);
  const int pw = s.in_w + 2 * (s.filter_w * s.dilation_w + s.stride_w * ow);
  const int off_h = ph / 2 - s.in_h / 2, off_w = pw / 2 - s.in_w / 2;
  std::vector<double> padded(static_cast<size_t>(s.batches) * ph * pw * s.in_c, 0.0);
  for (int b = 0; b < s.batches; ++b)
    for (int y = 0; y < s.in_h; ++y)
      for (int x = 0; x < s.in_w; ++x)
        for (int c = 0; c < s.in_c; ++c)
          padded[((static_cast<size_t>(b) * ph + y + off_h) * pw + x + off_w) * s.in_c + c] =
              in[((static_cast<size_t>(b) * s.in_h + y) * s.in_w + x) * s.in_c + c];
  std::vector<double> out(static_cast<size_t>(s.batches) * oh * ow * s.out_c, 0.0);
  for (int b = 0; b < s.batches; ++b)
    for (int oc = 0; oc < s.out_c; ++oc)
      for (int oy = 0; oy < oh; ++oy)
        for (int ox = 0; ox < ow; ++ox) {
          double acc = bias.empty() ? 0.0 : bias[oc];
          for (int fy = 0; fy < s.filter_h; ++fy)
            for (int fx = 0; fx < s.filter_w; ++fx) {
              const int y = oy * s.stride_h - pad_t + fy * s.dilation_h + off_h;
              const int x = ox * s.stride_w - pad_l + fx * s.dilation_w + off_w;
              const size_t base = ((static_cast<size_t>(b) * ph + y) * pw + x) * s.in_c;
              if (s.depthwise) {
                const int ic = oc / s.depth_multiplier;
                acc += padded[base + ic] * filter[(static_cast<size_t>(fy) * s.filter_w + fx) * s.out_c + oc];
              } else {
                for (int ic = 0; ic < s.in_c; ++ic)
                  acc += padded[base + ic] *
                         filter[((static_cast<size_t>(oc) * s.filter_h + fy) * s.filter_w + fx) * s.in_c + ic];
              }
            }
          out[((static_cast<size_t>(b) * oh + oy) * ow + ox) * s.out_c + oc] = acc;
        }
  return out;
}

inline int8_t QuantizeToInt8(double real, double scale, int zero_point) {
  const double q = std::round(real / scale) + zero_point;
  return static_cast<int8_t>(std::clamp(q, -128.0, 127.0));
}

}  // namespace tml::testing
