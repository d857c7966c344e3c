#include "cli/tmlc/arena_svg.h"

#include <algorithm>
#include <cstdio>

namespace tml::cli {
namespace {

std::string Escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string Format(const char* fmt, double a, double b, double c, double d) {
  char buf[160];
  std::snprintf(buf, sizeof(buf), fmt, a, b, c, d);
  return buf;
}

}  // namespace

std::string RenderArenaSvg(const compiler::PlanSummary& s, const std::string& title) {
  const double width = 960, height = 540, left = 80, right = 20, top = 50, bottom = 50;
  const double plot_w = width - left - right, plot_h = height - top - bottom;
  const double ops = std::max<double>(1.0, static_cast<double>(s.ops.size()) + 1.0);
  const double arena = std::max<double>(1.0, s.arena_bytes);
  std::string svg;
  svg += "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"960\" height=\"540\" "
         "font-family=\"sans-serif\" font-size=\"12\">\n";
  svg += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  svg += "<text x=\"80\" y=\"22\" font-size=\"16\">" + Escape(title) + "</text>\n";
  svg += "<text x=\"80\" y=\"40\">arena " + std::to_string(s.arena_bytes) + " bytes, " +
         std::to_string(s.ops.size()) + " ops, " + std::to_string(s.total_macs) +
         " MACs; boxes = tensors live over ops</text>\n";
  svg += Format("<rect x=\"%.0f\" y=\"%.0f\" width=\"%.0f\" height=\"%.0f\" fill=\"#f6f6f6\" stroke=\"#999\"/>\n",
                left, top, plot_w, plot_h);
  size_t color = 0;
  for (const compiler::TensorSummary& t : s.tensors) {
    if (t.constant || t.first_op < 0 || t.bytes == 0) continue;
    const double x0 = left + plot_w * t.first_op / ops;
    const double x1 = left + plot_w * (t.last_op + 1) / ops;
    const double y0 = top + plot_h * (1.0 - (t.offset + t.bytes) / arena);
    const double y1 = top + plot_h * (1.0 - t.offset / arena);
    const int hue = static_cast<int>((color++ * 47) % 360);
    svg += Format("<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" ", x0, y0,
                  std::max(1.0, x1 - x0), std::max(1.0, y1 - y0));
    svg += "fill=\"hsl(" + std::to_string(hue) + ",65%,60%)\" fill-opacity=\"0.8\" stroke=\"#333\" stroke-width=\"0.5\">";
    svg += "<title>" + Escape(t.name) + " " + compiler::ShapeToString(t.shape) + " " + t.type + ", " +
           std::to_string(t.bytes) + " bytes at offset " + std::to_string(t.offset) + ", ops " +
           std::to_string(t.first_op) + ".." + std::to_string(t.last_op) + "</title></rect>\n";
  }
  // Axes: op index along x, arena offset along y.
  for (size_t i = 0; i <= s.ops.size(); i += std::max<size_t>(1, s.ops.size() / 10)) {
    const double x = left + plot_w * static_cast<double>(i) / ops;
    svg += Format("<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%.0f</text>\n", x, height - bottom + 16,
                  static_cast<double>(i), 0);
  }
  for (int k = 0; k <= 4; ++k) {
    const double y = top + plot_h * (1.0 - k / 4.0);
    svg += Format("<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%.0f</text>\n", left - 6, y + 4,
                  arena * k / 4.0, 0);
  }
  svg += Format("<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">op index</text>\n", left + plot_w / 2,
                height - 12, 0, 0);
  svg += "<text x=\"16\" y=\"270\" transform=\"rotate(-90 16 270)\" text-anchor=\"middle\">arena offset (bytes)</text>\n";
  svg += "</svg>\n";
  return svg;
}

}  // namespace tml::cli
