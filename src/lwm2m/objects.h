#pragma once
// The object definitions TinyMLaaS speaks (LwM2M 1.1 core objects 0, 1, 3, 5, 9 and our
// inference object), as data: what each resource is called, its type, operations and
// multiplicity. Codecs take the types from here (TypeOfResource); docs/lwm2m.md describes
// the inference object with an OMA-style XML model (docs/lwm2m/26241.xml).

#include <cstdint>
#include <span>
#include <string_view>

#include "lwm2m/value.h"

namespace tml::lwm2m {

inline constexpr uint16_t kSecurityObject = 0;
inline constexpr uint16_t kServerObject = 1;
inline constexpr uint16_t kDeviceObject = 3;
inline constexpr uint16_t kFirmwareObject = 5;
inline constexpr uint16_t kSoftwareObject = 9;
/// From the range for vendor objects that are not registered with OMNA (26241-32768).
inline constexpr uint16_t kInferenceObject = 26241;

enum Operations : uint8_t { kRead = 1, kWrite = 2, kExecute = 4 };

struct ResourceDef {
  uint16_t id;
  std::string_view name;
  uint8_t operations;
  bool multiple;
  bool mandatory;
  DataType type;  ///< kNone for executable resources
};

struct ObjectDef {
  uint16_t id;
  std::string_view name;
  bool multiple_instances;
  bool mandatory;
  std::span<const ResourceDef> resources;
};

/// The definition of an object we know, or null.
const ObjectDef* FindObject(uint16_t id);
const ResourceDef* FindResource(uint16_t object, uint16_t resource);
/// The type of the resource at a path of depth 3 or 4 (kNone when unknown): a TypeOf.
DataType TypeOfResource(const Path& path);

}  // namespace tml::lwm2m
