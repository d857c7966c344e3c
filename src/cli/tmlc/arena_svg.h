#pragma once
// Draws a plan's arena: x = op index, y = arena offset, one box per tensor for the ops
// during which it is live. The picture shows at a glance where memory goes.

#include <string>

#include "compiler/plan_inspector.h"

namespace tml::cli {

/// A standalone SVG document.
std::string RenderArenaSvg(const compiler::PlanSummary& summary, const std::string& title);

}  // namespace tml::cli
