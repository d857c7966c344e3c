#include "firmware/host/firmware_builder.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>

#include "compiler/compile.h"
#include "common/digest.h"
#include "compiler/file_io.h"
#include "compiler/loaded_plan.h"
#include "firmware/host/board_spec.h"
#include "firmware/host/model_slot.h"
#include "firmware/host/process.h"
#include "runtime/kernel_table.h"
#include "runtime/plan.h"

namespace tml::firmware {
namespace {

namespace fs = std::filesystem;
using compiler::Fail;
using compiler::Result;

std::string Hex(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "0x%08X", v);
  return buf;
}

/// Kernel ids and names a plan uses.
std::map<uint16_t, std::string> PlanKernels(const Plan& plan) {
  std::map<uint16_t, std::string> used;
  for (uint32_t i = 0; i < plan.num_ops(); ++i) {
    const KernelInfo* k = FindKernel(plan.op(i).kernel_id);
    used[plan.op(i).kernel_id] = k != nullptr ? k->name : "?";
  }
  return used;
}

/// The model's input and output tensors, as the manifest lists them.
nlohmann::json TensorList(const Plan& plan, bool inputs) {
  nlohmann::json list = nlohmann::json::array();
  const uint32_t count = inputs ? plan.num_inputs() : plan.num_outputs();
  for (uint32_t i = 0; i < count; ++i) {
    const uint32_t index = inputs ? plan.input_tensor(i) : plan.output_tensor(i);
    const TensorRecord& t = plan.tensor(index);
    const char* type = t.type == DType::kFloat32 ? "float32" : t.type == DType::kInt8 ? "int8" : "other";
    list.push_back({{"name", plan.tensor_name(index)},
                    {"type", type},
                    {"shape", std::vector<int32_t>(t.dims, t.dims + t.rank)},
                    {"bytes", t.bytes},
                    {"scale", t.scale},
                    {"zero_point", t.zero_point}});
  }
  return list;
}

/// The manifest's "model" section.
nlohmann::json ModelJson(const std::vector<uint8_t>& tflite, const std::string& name) {
  return {{"file", name}, {"sha256", common::Sha256Hex(tflite)}, {"bytes", tflite.size()}};
}

std::vector<std::string> KernelNames(const Plan& plan) {
  std::set<std::string> names;
  for (const auto& [id, name] : PlanKernels(plan)) names.insert(name);
  return {names.begin(), names.end()};
}

/// The manifest's "plan" section (its kernels and op set: what a firmware must have to run
/// the plan in its model slot).
nlohmann::json PlanJson(const Plan& plan) {
  const PlanHeader& header = plan.header();
  return {{"sha256", common::ToHex(header.content_sha256, 32)},
          {"bytes", header.total_bytes},
          {"arena_bytes", header.arena_bytes},
          {"format_version", header.format_version},
          {"opset_version", header.opset_version},
          {"kernels", KernelNames(plan)},
          {"inputs", TensorList(plan, true)},
          {"outputs", TensorList(plan, false)}};
}

/// Compiles `tflite` and loads the plan once, for every question the builder asks of it.
struct CompiledPlan {
  std::vector<uint8_t> bytes;
  compiler::LoadedPlan loaded;
  const PlanHeader& header() const { return loaded.plan().header(); }
};

Result<CompiledPlan> CompileToPlan(const std::vector<uint8_t>& tflite) {
  auto compiled = compiler::Compile(tflite);
  if (!compiled) return tl::unexpected(compiled.error());
  auto loaded = compiler::LoadedPlan::From(compiled->plan);
  if (!loaded) return tl::unexpected(loaded.error());
  return CompiledPlan{std::move(compiled->plan), std::move(*loaded)};
}

/// Symbol values from `nm`.
Result<std::map<std::string, uint32_t>> Symbols(const std::string& nm, const std::string& elf, const std::string& cwd) {
  auto out = RunCommand({nm, elf}, cwd);
  if (!out) return tl::unexpected(out.error());
  std::map<std::string, uint32_t> symbols;
  std::istringstream lines(*out);
  std::string value, type, name;
  while (lines >> value >> type >> name) symbols[name] = static_cast<uint32_t>(std::stoul(value, nullptr, 16));
  return symbols;
}

std::string LinkerScript(const std::string& template_text, const BoardSpec& b) {
  std::string s = template_text;
  const std::map<std::string, std::string> values = {
      {"@FLASH_BASE@", Hex(b.flash_base)}, {"@CODE_BYTES@", std::to_string(b.slot_base - b.flash_base)},
      {"@SLOT_BASE@", Hex(b.slot_base)},   {"@SLOT_BYTES@", std::to_string(b.slot_bytes)},
      {"@RAM_BASE@", Hex(b.ram_base)},     {"@RAM_BYTES@", std::to_string(b.ram_bytes)},
      {"@STACK_BYTES@", std::to_string(b.stack_bytes)}};
  for (const auto& [key, value] : values) {
    for (size_t at; (at = s.find(key)) != std::string::npos;) s.replace(at, key.size(), value);
  }
  return s;
}

/// A scratch folder removed on scope exit.
struct TempDir {
  std::string path;
  TempDir() {
    char pattern[] = "/tmp/tmlc-firmware-XXXXXX";
    path = mkdtemp(pattern);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

}  // namespace

Result<nlohmann::json> BuildFirmware(const std::vector<uint8_t>& tflite, const std::string& model_name,
                                     const FirmwareOptions& o, const std::string& out_dir,
                                     std::vector<std::string>* log) {
  auto board = LoadBoard(o.kit_dir, o.board);
  if (!board) return tl::unexpected(board.error());
  auto compiled = CompileToPlan(tflite);
  if (!compiled) return tl::unexpected(compiled.error());
  const std::vector<uint8_t>& plan = compiled->bytes;
  const PlanHeader& header = compiled->header();
  if (plan.size() > board->slot_bytes) {
    return Fail("the model does not fit " + board->name + ": its plan needs " + std::to_string(plan.size()) +
                " bytes, the model slot holds " + std::to_string(board->slot_bytes));
  }
  const std::map<uint16_t, std::string> used = PlanKernels(compiled->loaded.plan());
  std::vector<std::string> kernel_names;
  std::string selection;
  uint32_t kernel_count = 0;
  const KernelInfo* all = AllKernels(&kernel_count);
  for (uint32_t i = 0; i < kernel_count; ++i) {
    if (o.only_model_kernels && !used.count(all[i].id)) continue;
    kernel_names.push_back(all[i].name);
    selection += (selection.empty() ? "" : ",") + std::to_string(all[i].id);
  }

  TempDir work;
  const std::string cxx = o.toolchain_prefix + "g++";
  std::vector<std::string> flags = board->cpu_flags;
  if (auto r = compiler::WriteFile(work.path + "/model.tmlp", plan.data(), plan.size()); !r) return tl::unexpected(r.error());
  const std::string model_asm = ".section .tml_model,\"a\"\n.balign 8\n.incbin \"model.tmlp\"\n";
  if (auto r = compiler::WriteFile(work.path + "/model.S", model_asm.data(), model_asm.size()); !r) {
    return tl::unexpected(r.error());
  }
  auto link_template = compiler::ReadFile(o.kit_dir + "/" + board->arch + "/link.ld.in");
  if (!link_template) return tl::unexpected(link_template.error());
  const std::string script = LinkerScript(std::string(link_template->begin(), link_template->end()), *board);
  if (auto r = compiler::WriteFile(work.path + "/link.ld", script.data(), script.size()); !r) return tl::unexpected(r.error());

  // The tools run inside the scratch folder with relative paths: no path reaches the image.
  std::vector<std::string> table_cmd = {cxx};
  table_cmd.insert(table_cmd.end(), flags.begin(), flags.end());
  for (const char* f : {"-std=c++20", "-O2", "-g0", "-ffreestanding", "-fno-exceptions", "-fno-rtti",
                        "-ffunction-sections", "-fdata-sections", "-c"}) {
    table_cmd.push_back(f);
  }
  table_cmd.push_back("-DTML_KERNEL_SELECTION=" + selection);
  table_cmd.push_back("-I" + o.kit_dir + "/include");
  table_cmd.push_back("-ffile-prefix-map=" + o.kit_dir + "=kit");
  for (const std::string& a : {o.kit_dir + "/src/kernel_table.cc", std::string("-o"), std::string("kernel_table.o")}) {
    table_cmd.push_back(a);
  }
  if (log) log->push_back("compiling the kernel table (" + std::to_string(kernel_names.size()) + " kernels)");
  if (auto r = RunCommand(table_cmd, work.path); !r) return tl::unexpected(r.error());
  std::vector<std::string> asm_cmd = {cxx};
  asm_cmd.insert(asm_cmd.end(), flags.begin(), flags.end());
  for (const char* a : {"-c", "model.S", "-o", "model.o"}) asm_cmd.push_back(a);
  if (auto r = RunCommand(asm_cmd, work.path); !r) return tl::unexpected(r.error());
  // gcc, not g++, drives the link: the firmware uses no libstdc++.
  std::vector<std::string> link_cmd = {o.toolchain_prefix + "gcc"};
  link_cmd.insert(link_cmd.end(), flags.begin(), flags.end());
  for (const char* a : {"-nostartfiles", "--specs=nano.specs", "--specs=nosys.specs", "-Wl,--gc-sections",
                        "-Wl,--build-id=none", "-Wl,-u,Reset_Handler", "-T", "link.ld", "kernel_table.o", "model.o"}) {
    link_cmd.push_back(a);
  }
  link_cmd.push_back(o.kit_dir + "/boards/" + board->name + "/libfirmware.a");
  for (const char* a : {"-lm", "-o", "firmware.elf"}) link_cmd.push_back(a);
  if (log) log->push_back("linking for " + board->name);
  if (auto r = RunCommand(link_cmd, work.path); !r) return tl::unexpected(r.error());
  if (auto r = RunCommand({o.toolchain_prefix + "objcopy", "-O", "binary", "firmware.elf", "firmware.bin"}, work.path);
      !r) {
    return tl::unexpected(r.error());
  }
  auto symbols = Symbols(o.toolchain_prefix + "nm", "firmware.elf", work.path);
  if (!symbols) return tl::unexpected(symbols.error());
  auto sym = [&](const char* name) { return symbols->count(name) ? symbols->at(name) : 0u; };
  const uint32_t arena_capacity = sym("__arena_end") - sym("__arena_start");
  const uint32_t static_ram = sym("__bss_end") - sym("__data_start");
  if (header.arena_bytes > arena_capacity) {
    return Fail("the model does not fit " + board->name + "'s RAM: its arena needs " +
                std::to_string(header.arena_bytes) + " bytes, " + std::to_string(arena_capacity) + " are free (" +
                std::to_string(board->ram_bytes) + " RAM - " + std::to_string(static_ram) + " static - " +
                std::to_string(board->stack_bytes) + " stack)");
  }
  auto bin = compiler::ReadFile(work.path + "/firmware.bin");
  if (!bin) return tl::unexpected(bin.error());
  const uint32_t code_bytes = sym("__data_load_start") - board->flash_base + (sym("__data_end") - sym("__data_start"));

  const fs::path out = out_dir;
  fs::create_directories(out);
  for (const char* f : {"firmware.elf", "firmware.bin"}) {
    fs::copy_file(fs::path(work.path) / f, out / f, fs::copy_options::overwrite_existing);
  }

  nlohmann::json m;
  m["manifest_version"] = 1;
  m["board"] = board->name;
  m["version"] = TML_FIRMWARE_VERSION;
  m["model"] = ModelJson(tflite, model_name);
  m["plan"] = PlanJson(compiled->loaded.plan());
  m["runtime"] = {{"opset_version", kOpSetVersion},
                  {"kernels", kernel_names},
                  {"only_model_kernels", o.only_model_kernels}};
  m["image"] = {{"file", "firmware.bin"}, {"elf", "firmware.elf"}, {"sha256", common::Sha256Hex(*bin)}, {"bytes", bin->size()}};
  m["sizes"] = {{"code_bytes", code_bytes},
                {"plan_bytes", plan.size()},
                {"flash_bytes", code_bytes + plan.size()},
                {"static_ram_bytes", static_ram},
                {"stack_bytes", board->stack_bytes},
                {"arena_bytes", header.arena_bytes},
                {"arena_capacity_bytes", arena_capacity}};
  m["flash_layout"] = {{"flash_base", board->flash_base},
                       {"flash_bytes", board->flash_bytes},
                       {"image_base", board->flash_base},
                       {"code", {{"address", board->flash_base}, {"size", board->slot_base - board->flash_base}}},
                       {"model_slot", {{"address", board->slot_base}, {"size", board->slot_bytes}}}};
  m["qemu"] = {{"binary", board->qemu_binary}, {"machine", board->qemu_machine}};
  const std::string text = m.dump(2) + "\n";
  if (auto r = compiler::WriteFile((out / "manifest.json").string(), text.data(), text.size()); !r) {
    return tl::unexpected(r.error());
  }
  return m;
}

}  // namespace tml::firmware

namespace tml::firmware {

Result<nlohmann::json> ReadManifest(const std::string& dir) {
  const std::string path = (fs::path(dir) / "manifest.json").string();
  auto bytes = compiler::ReadFile(path);
  if (!bytes) return Fail(path + ": cannot open (is this a tmlc firmware output folder?)");
  auto manifest = nlohmann::json::parse(bytes->begin(), bytes->end(), nullptr, false);
  if (manifest.is_discarded() || !manifest.contains("plan") || !manifest.contains("flash_layout")) {
    return Fail(path + ": not a firmware manifest");
  }
  return manifest;
}

Result<SlotUpdate> ReplaceModel(const std::vector<uint8_t>& tflite, const std::string& model_name,
                                const std::string& bin_path, const std::string& out_path) {
  auto manifest = ReadManifest(fs::path(bin_path).parent_path().string());
  if (!manifest) return tl::unexpected(manifest.error());
  auto bin = compiler::ReadFile(bin_path);
  if (!bin) return tl::unexpected(bin.error());
  auto compiled = CompileToPlan(tflite);
  if (!compiled) return tl::unexpected(compiled.error());
  const std::vector<uint8_t>& plan = compiled->bytes;
  // The same checks and manifest as a model-only update on a device (model_slot.h).
  const nlohmann::json model = {{"model", ModelJson(tflite, model_name)},
                                {"plan", PlanJson(compiled->loaded.plan())},
                                {"sizes", {{"plan_bytes", plan.size()}}}};
  auto image = WithModel(*bin, *manifest, std::string_view(reinterpret_cast<const char*>(plan.data()), plan.size()), model);
  if (!image) return tl::unexpected(image.error());
  const std::vector<uint8_t>& updated = image->bin;

  SlotUpdate update;
  const size_t span = std::max(bin->size(), updated.size());
  for (size_t i = 0; i < span; ++i) {
    const int before = i < bin->size() ? (*bin)[i] : -1;
    const int after = i < updated.size() ? updated[i] : -1;
    if (before == after) continue;
    if (!update.changed) update.first_changed = static_cast<uint32_t>(i);
    update.last_changed = static_cast<uint32_t>(i);
    update.changed = true;
  }
  if (auto r = compiler::WriteFile(out_path, updated.data(), updated.size()); !r) return tl::unexpected(r.error());
  const std::string text = image->manifest.dump(2) + "\n";
  const fs::path out_manifest = fs::path(out_path).parent_path() / "manifest.json";
  if (auto r = compiler::WriteFile(out_manifest.string(), text.data(), text.size()); !r) {
    return tl::unexpected(r.error());
  }
  update.manifest = std::move(image->manifest);
  return update;
}

}  // namespace tml::firmware
