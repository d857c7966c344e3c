#include "runtime/kernels/data_movement.h"

#include "runtime/kernels/internal/prepare_util.h"

namespace tml {
namespace {

void CopyBytes(uint8_t* dst, const uint8_t* src, uint32_t n) { __builtin_memmove(dst, src, n); }

Status PrepareGather(const OpContext& ctx) {
  using namespace prepare;
  if (!Signature<GatherParams>(ctx, 1, 1, 1)) return Status::kBadParams;
  const TensorView& in = ctx.input(0);
  const TensorView& out = ctx.output(0);
  if (in.type() != out.type()) return Status::kBadParams;
  const GatherParams& p = ctx.param<GatherParams>();
  int64_t count = 1;
  int64_t lo = p.base;
  int64_t hi = p.base;
  for (uint32_t d = 0; d < kMaxRank; ++d) {
    if (p.out_dims[d] < 1) return Status::kBadParams;
    count *= p.out_dims[d];
    const int64_t reach = int64_t{p.out_dims[d] - 1} * p.in_strides[d];
    if (reach < 0) lo += reach; else hi += reach;
  }
  return Check(count == out.count() && lo >= 0 && hi < in.count());
}

template <typename T>
void Gather(const GatherParams& p, const T* in, T* out) {
  const int32_t* d = p.out_dims;
  const int32_t* s = p.in_strides;
  int32_t o = 0;
  for (int32_t i0 = 0; i0 < d[0]; ++i0)
    for (int32_t i1 = 0; i1 < d[1]; ++i1)
      for (int32_t i2 = 0; i2 < d[2]; ++i2)
        for (int32_t i3 = 0; i3 < d[3]; ++i3)
          for (int32_t i4 = 0; i4 < d[4]; ++i4) {
            const int32_t base = p.base + i0 * s[0] + i1 * s[1] + i2 * s[2] + i3 * s[3] + i4 * s[4];
            for (int32_t i5 = 0; i5 < d[5]; ++i5) out[o++] = in[base + i5 * s[5]];
          }
}

void EvalGather(const OpContext& ctx) {
  const GatherParams& p = ctx.param<GatherParams>();
  switch (DTypeSize(ctx.output(0).type())) {
    case 1: Gather(p, ctx.input(0).as<uint8_t>(), ctx.output(0).as<uint8_t>()); break;
    case 2: Gather(p, ctx.input(0).as<uint16_t>(), ctx.output(0).as<uint16_t>()); break;
    default: Gather(p, ctx.input(0).as<uint32_t>(), ctx.output(0).as<uint32_t>()); break;
  }
}

}  // namespace

Status PrepareCopy(const OpContext& ctx) {
  using namespace prepare;
  if (!SignatureNoParams(ctx, 1, 1, 1)) return Status::kBadParams;
  return Check(ctx.input(0).type() == ctx.output(0).type() &&
               ctx.input(0).bytes() == ctx.output(0).bytes());
}

void EvalCopy(const OpContext& ctx) {
  if (ctx.input(0).data == ctx.output(0).data) return;
  CopyBytes(ctx.output(0).data, ctx.input(0).data, ctx.output(0).bytes());
}

Status PrepareConcatenation(const OpContext& ctx) {
  using namespace prepare;
  if (!Signature<ConcatenationParams>(ctx, 1, ctx.num_inputs, 1)) return Status::kBadParams;
  const TensorView& out = ctx.output(0);
  const int32_t axis = ctx.param<ConcatenationParams>().axis;
  if (axis < 0 || axis >= out.rank()) return Status::kBadParams;
  int32_t axis_total = 0;
  for (int i = 0; i < ctx.num_inputs; ++i) {
    const TensorView& in = ctx.input(i);
    if (!in.present() || in.type() != out.type() || in.rank() != out.rank()) {
      return Status::kBadParams;
    }
    for (int d = 0; d < out.rank(); ++d) {
      if (d != axis && in.dim(d) != out.dim(d)) return Status::kBadParams;
    }
    axis_total += in.dim(axis);
  }
  return Check(axis_total == out.dim(axis));
}

void EvalConcatenation(const OpContext& ctx) {
  const TensorView& out = ctx.output(0);
  const int32_t axis = ctx.param<ConcatenationParams>().axis;
  int32_t outer = 1;
  for (int d = 0; d < axis; ++d) outer *= out.dim(d);
  const uint32_t element = DTypeSize(out.type());
  uint8_t* dst = out.data;
  for (int32_t o = 0; o < outer; ++o) {
    for (int i = 0; i < ctx.num_inputs; ++i) {
      const TensorView& in = ctx.input(i);
      const uint32_t chunk = static_cast<uint32_t>(in.count() / outer) * element;
      CopyBytes(dst, in.data + o * chunk, chunk);
      dst += chunk;
    }
  }
}

Status PreparePad(const OpContext& ctx) {
  using namespace prepare;
  if (!Signature<PadParams>(ctx, 1, 1, 1)) return Status::kBadParams;
  const TensorView& in = ctx.input(0);
  const TensorView& out = ctx.output(0);
  const PadParams& p = ctx.param<PadParams>();
  if (in.type() != out.type() || in.rank() != p.rank || out.rank() != p.rank) {
    return Status::kBadParams;
  }
  for (int d = 0; d < p.rank; ++d) {
    if (p.before[d] < 0 || p.after[d] < 0 || in.dim(d) + p.before[d] + p.after[d] != out.dim(d)) {
      return Status::kBadParams;
    }
  }
  return Status::kOk;
}

void EvalPad(const OpContext& ctx) {
  const PadParams& p = ctx.param<PadParams>();
  const TensorView& in = ctx.input(0);
  const TensorView& out = ctx.output(0);
  const uint32_t element = DTypeSize(out.type());
  const int32_t total = out.count();
  // Fill with the pad value, then copy the input's innermost rows into place.
  for (int32_t i = 0; i < total; ++i) CopyBytes(out.data + i * element, reinterpret_cast<const uint8_t*>(&p.pad_bits), element);
  const int last = p.rank - 1;
  const int32_t row = p.rank == 0 ? 1 : in.dim(last);
  const int32_t rows = p.rank == 0 ? 1 : in.count() / row;
  for (int32_t r = 0; r < rows; ++r) {
    // Decompose the row index into the input's outer coordinates.
    int32_t rest = r;
    int32_t out_index = 0;
    int32_t coords[kMaxRank] = {};
    for (int d = last - 1; d >= 0; --d) {
      coords[d] = rest % in.dim(d);
      rest /= in.dim(d);
    }
    for (int d = 0; d < last; ++d) out_index = out_index * out.dim(d) + coords[d] + p.before[d];
    out_index = p.rank == 0 ? 0 : out_index * out.dim(last) + p.before[last];
    CopyBytes(out.data + out_index * element, in.data + r * row * element, row * element);
  }
}

Status PrepareTranspose(const OpContext& ctx) { return PrepareGather(ctx); }
void EvalTranspose(const OpContext& ctx) { EvalGather(ctx); }
Status PrepareStridedSlice(const OpContext& ctx) { return PrepareGather(ctx); }
void EvalStridedSlice(const OpContext& ctx) { EvalGather(ctx); }

}  // namespace tml
