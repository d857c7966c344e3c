#pragma once
// Integer arithmetic with the exact rounding of TFLite's reference kernels (gemmlowp's
// fixed-point semantics, double rounding as in TFLite's default build). Every quantized
// kernel goes through these functions, so they are the single place where bit-exactness
// with TFLite is decided. Freestanding: header-only, no libc.

#include <stdint.h>

namespace tml::qmath {

inline constexpr int32_t kInt32Min = -2147483647 - 1;
inline constexpr int32_t kInt32Max = 2147483647;

template <typename T>
constexpr T Min(T a, T b) { return a < b ? a : b; }
template <typename T>
constexpr T Max(T a, T b) { return a > b ? a : b; }
constexpr int32_t Clamp(int32_t v, int32_t lo, int32_t hi) { return Min(Max(v, lo), hi); }

/// round(a * b / 2^31), saturating the single overflow case a == b == INT32_MIN.
inline int32_t SaturatingRoundingDoublingHighMul(int32_t a, int32_t b) {
  if (a == b && a == kInt32Min) return kInt32Max;
  const int64_t ab = static_cast<int64_t>(a) * static_cast<int64_t>(b);
  const int32_t nudge = ab >= 0 ? (1 << 30) : (1 - (1 << 30));
  return static_cast<int32_t>((ab + nudge) / (int64_t{1} << 31));
}

/// x / 2^exponent rounded to nearest, ties away from zero.
inline int32_t RoundingDivideByPOT(int32_t x, int exponent) {
  const int32_t mask = static_cast<int32_t>((int64_t{1} << exponent) - 1);
  const int32_t remainder = x & mask;
  const int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

/// x * multiplier * 2^shift with multiplier in Q0.31: TFLite's MultiplyByQuantizedMultiplier.
inline int32_t MultiplyByQuantizedMultiplier(int32_t x, int32_t multiplier, int shift) {
  const int left_shift = shift > 0 ? shift : 0;
  const int right_shift = shift > 0 ? 0 : -shift;
  return RoundingDivideByPOT(
      SaturatingRoundingDoublingHighMul(static_cast<int32_t>(static_cast<uint32_t>(x) << left_shift),
                                        multiplier),
      right_shift);
}

/// TFLite's MultiplyByQuantizedMultiplierGreaterThanOne (left shift only).
inline int32_t MultiplyByQuantizedMultiplierGreaterThanOne(int32_t x, int32_t multiplier,
                                                           int left_shift) {
  return SaturatingRoundingDoublingHighMul(
      static_cast<int32_t>(static_cast<uint32_t>(x) << left_shift), multiplier);
}

/// Saturating x * 2^exponent for exponent > 0, rounding x / 2^-exponent for exponent < 0.
inline int32_t SaturatingRoundingMultiplyByPOT(int32_t x, int exponent) {
  if (exponent == 0) return x;
  if (exponent < 0) return RoundingDivideByPOT(x, -exponent);
  const int32_t threshold = static_cast<int32_t>((int64_t{1} << (31 - exponent)) - 1);
  if (x > threshold) return kInt32Max;
  if (x < -threshold) return kInt32Min;
  return static_cast<int32_t>(static_cast<uint32_t>(x) << exponent);
}

/// (a + b) / 2 rounded away from zero, computed without overflow.
inline int32_t RoundingHalfSum(int32_t a, int32_t b) {
  const int64_t sum = int64_t{a} + int64_t{b};
  const int64_t sign = sum >= 0 ? 1 : -1;
  return static_cast<int32_t>((sum + sign) / 2);
}

inline int CountLeadingZeros(uint32_t x) { return x == 0 ? 32 : __builtin_clz(x); }

/// Wrapping add/sub/neg on raw fixed-point values (gemmlowp does not saturate int32 sums).
inline int32_t WrapAdd(int32_t a, int32_t b) {
  return static_cast<int32_t>(static_cast<uint32_t>(a) + static_cast<uint32_t>(b));
}
inline int32_t WrapSub(int32_t a, int32_t b) {
  return static_cast<int32_t>(static_cast<uint32_t>(a) - static_cast<uint32_t>(b));
}

/// A Q(integer_bits).(31 - integer_bits) value is a raw int32; products of two such values
/// have integer_bits summed. Constants below are raw values of the named real numbers.
inline constexpr int32_t kOneQ0 = kInt32Max;  // 1.0 is not representable in Q0.31

/// exp(a) for a in [-1/4, 0), a in Q0.31, result in Q0.31 (Taylor series around -1/8).
inline int32_t ExpOnIntervalNegQuarterTo0(int32_t a) {
  const int32_t constant_term = 1895147668;     // exp(-1/8)
  const int32_t constant_1_over_3 = 715827883;  // 1/3
  const int32_t x = WrapAdd(a, 1 << 28);        // a + 1/8
  const int32_t x2 = SaturatingRoundingDoublingHighMul(x, x);
  const int32_t x3 = SaturatingRoundingDoublingHighMul(x2, x);
  const int32_t x4 = SaturatingRoundingDoublingHighMul(x2, x2);
  const int32_t x4_over_4 = SaturatingRoundingMultiplyByPOT(x4, -2);
  const int32_t poly = SaturatingRoundingMultiplyByPOT(
      WrapAdd(SaturatingRoundingDoublingHighMul(WrapAdd(x4_over_4, x3), constant_1_over_3), x2), -1);
  return WrapAdd(constant_term, SaturatingRoundingDoublingHighMul(constant_term, WrapAdd(x, poly)));
}

/// exp(a) for a <= 0 given in Q(integer_bits); result in Q0.31.
inline int32_t ExpOnNegativeValues(int32_t a, int integer_bits) {
  const int fractional_bits = 31 - integer_bits;
  const int32_t one_quarter = int32_t{1} << (fractional_bits - 2);
  const int32_t mask = one_quarter - 1;
  const int32_t a_mod_quarter_minus_one_quarter = WrapSub(a & mask, one_quarter);
  int32_t result = ExpOnIntervalNegQuarterTo0(
      SaturatingRoundingMultiplyByPOT(a_mod_quarter_minus_one_quarter, integer_bits));
  const int32_t remainder = WrapSub(a_mod_quarter_minus_one_quarter, a);
  // Barrel shifter: multiply by exp(-2^k) for each set bit of the remainder.
  constexpr int32_t kMultipliers[7] = {1672461947, 1302514674, 790015084, 290630308,
                                       39332535,   720401,     242};
  for (int k = -2; k <= 4; ++k) {
    if (integer_bits > k) {
      const int shift = fractional_bits + k;
      if (remainder & (int32_t{1} << shift)) {
        result = SaturatingRoundingDoublingHighMul(result, kMultipliers[k + 2]);
      }
    }
  }
  if (integer_bits > 5) {
    const int32_t clamp = -(int32_t{1} << (36 - integer_bits));  // -32.0
    if (a < clamp) result = 0;
  }
  if (a == 0) result = kOneQ0;
  return result;
}

/// Newton-Raphson iterations shared by 1/(1+x) and (1-x)/(1+x); returns x in Q2.29.
inline int32_t ReciprocalHalfDenominatorQ2(int32_t half_denominator) {
  const int32_t constant_48_over_17 = 1515870810;
  const int32_t constant_neg_32_over_17 = -1010580540;
  const int32_t one_q2 = int32_t{1} << 29;
  int32_t x = WrapAdd(constant_48_over_17,
                      SaturatingRoundingDoublingHighMul(half_denominator, constant_neg_32_over_17));
  for (int i = 0; i < 3; ++i) {
    const int32_t half_denominator_times_x = SaturatingRoundingDoublingHighMul(half_denominator, x);
    const int32_t one_minus = WrapSub(one_q2, half_denominator_times_x);
    x = WrapAdd(x, SaturatingRoundingMultiplyByPOT(SaturatingRoundingDoublingHighMul(x, one_minus), 2));
  }
  return x;
}

/// 1 / (1 + a) for a in [0, 1), Q0.31 in and out.
inline int32_t OneOverOnePlusX(int32_t a) {
  const int32_t x = ReciprocalHalfDenominatorQ2(RoundingHalfSum(a, kOneQ0));
  return SaturatingRoundingMultiplyByPOT(x, 1);  // x / 2, rescaled from Q1 to Q0
}

/// (1 - a) / (1 + a) for a in [0, 1), Q0.31 in and out.
inline int32_t OneMinusXOverOnePlusX(int32_t a) {
  const int32_t x = ReciprocalHalfDenominatorQ2(RoundingHalfSum(a, kOneQ0));
  return SaturatingRoundingMultiplyByPOT(WrapSub(x, int32_t{1} << 29), 2);
}

/// logistic(a) for a in Q(integer_bits); result in Q0.31.
inline int32_t Logistic(int32_t a, int integer_bits) {
  if (a == 0) return int32_t{1} << 30;  // 0.5
  const int32_t abs_a = a > 0 ? a : -a;
  const int32_t positive = OneOverOnePlusX(ExpOnNegativeValues(-abs_a, integer_bits));
  return a > 0 ? positive : WrapSub(kOneQ0, positive);
}

/// tanh(a) for a in Q(integer_bits); result in Q0.31.
inline int32_t Tanh(int32_t a, int integer_bits) {
  if (a == 0) return 0;
  const int32_t negative = a < 0 ? a : -a;
  // exp(2 * n): doubling is a change of format (one more integer bit), not of the raw value.
  const int32_t t = OneMinusXOverOnePlusX(ExpOnNegativeValues(negative, integer_bits + 1));
  return a < 0 ? -t : t;
}

/// 1 / x for x in Q(x_integer_bits); returns Q0.31 and the extra exponent, as TFLite's GetReciprocal.
inline int32_t GetReciprocal(int32_t x, int x_integer_bits, int* num_bits_over_unit) {
  const int headroom_plus_one = CountLeadingZeros(static_cast<uint32_t>(x));
  *num_bits_over_unit = x_integer_bits - headroom_plus_one;
  const int32_t shifted_sum_minus_one = static_cast<int32_t>(
      (static_cast<uint32_t>(x) << headroom_plus_one) - (uint32_t{1} << 31));
  return OneOverOnePlusX(shifted_sum_minus_one);
}

// ---- int16 variants used by HARD_SWISH ----

inline int16_t SaturatingRoundingDoublingHighMul16(int16_t a, int16_t b) {
  if (a == b && a == -32768) return 32767;
  const int32_t ab = int32_t{a} * int32_t{b};
  const int32_t nudge = ab >= 0 ? (1 << 14) : (1 - (1 << 14));
  return static_cast<int16_t>((ab + nudge) / (1 << 15));
}

inline int16_t SaturatingDoublingHighMul16(int16_t a, int16_t b) {
  if (a == b && a == -32768) return 32767;
  return static_cast<int16_t>((int32_t{a} * int32_t{b}) / (1 << 15));
}

inline int16_t RoundingDivideByPOT16(int16_t x, int exponent) {
  const int16_t mask = static_cast<int16_t>((1 << exponent) - 1);
  const int16_t remainder = static_cast<int16_t>(x & mask);
  const int16_t threshold = static_cast<int16_t>((mask >> 1) + (x < 0 ? 1 : 0));
  return static_cast<int16_t>((x >> exponent) + (remainder > threshold ? 1 : 0));
}

inline int16_t SaturatingLeftShift16(int16_t x, int amount) {
  const int32_t r = int32_t{x} * (int32_t{1} << amount);
  return static_cast<int16_t>(Clamp(r, -32768, 32767));
}

}  // namespace tml::qmath
