#include "lwm2m/objects.h"

namespace tml::lwm2m {
namespace {

constexpr uint8_t R = kRead, W = kWrite, RW = kRead | kWrite, E = kExecute;
using T = DataType;

constexpr ResourceDef kSecurity[] = {
    {0, "LWM2M Server URI", 0, false, true, T::kString},
    {1, "Bootstrap-Server", 0, false, true, T::kBoolean},
    {2, "Security Mode", 0, false, true, T::kInteger},
    {3, "Public Key or Identity", 0, false, true, T::kOpaque},
    {4, "Server Public Key", 0, false, true, T::kOpaque},
    {5, "Secret Key", 0, false, true, T::kOpaque},
    {10, "Short Server ID", 0, false, false, T::kInteger},
};

constexpr ResourceDef kServer[] = {
    {0, "Short Server ID", R, false, true, T::kInteger},
    {1, "Lifetime", RW, false, true, T::kInteger},
    {2, "Default Minimum Period", RW, false, false, T::kInteger},
    {3, "Default Maximum Period", RW, false, false, T::kInteger},
    {4, "Disable", E, false, false, T::kNone},
    {5, "Disable Timeout", RW, false, false, T::kInteger},
    {6, "Notification Storing When Disabled or Offline", RW, false, true, T::kBoolean},
    {7, "Binding", RW, false, true, T::kString},
    {8, "Registration Update Trigger", E, false, true, T::kNone},
};

constexpr ResourceDef kDevice[] = {
    {0, "Manufacturer", R, false, false, T::kString},
    {1, "Model Number", R, false, false, T::kString},
    {2, "Serial Number", R, false, false, T::kString},
    {3, "Firmware Version", R, false, false, T::kString},  // TinyMLaaS: the build id of the image
    {4, "Reboot", E, false, true, T::kNone},
    {5, "Factory Reset", E, false, false, T::kNone},
    {6, "Available Power Sources", R, true, false, T::kInteger},
    {7, "Power Source Voltage", R, true, false, T::kInteger},
    {8, "Power Source Current", R, true, false, T::kInteger},
    {9, "Battery Level", R, false, false, T::kInteger},
    {10, "Memory Free", R, false, false, T::kInteger},
    {11, "Error Code", R, true, true, T::kInteger},
    {12, "Reset Error Code", E, false, false, T::kNone},
    {13, "Current Time", RW, false, false, T::kTime},
    {14, "UTC Offset", RW, false, false, T::kString},
    {15, "Timezone", RW, false, false, T::kString},
    {16, "Supported Binding and Modes", R, false, true, T::kString},
    {17, "Device Type", R, false, false, T::kString},
    {18, "Hardware Version", R, false, false, T::kString},
    {19, "Software Version", R, false, false, T::kString},  // TinyMLaaS: the sha256 of the running model
    {20, "Battery Status", R, false, false, T::kInteger},
    {21, "Memory Total", R, false, false, T::kInteger},
};

constexpr ResourceDef kFirmware[] = {
    {0, "Package", W, false, true, T::kOpaque},
    {1, "Package URI", RW, false, true, T::kString},
    {2, "Update", E, false, true, T::kNone},
    {3, "State", R, false, true, T::kInteger},
    {5, "Update Result", R, false, true, T::kInteger},
    {6, "PkgName", R, false, false, T::kString},
    {7, "PkgVersion", R, false, false, T::kString},
    {8, "Firmware Update Protocol Support", R, true, false, T::kInteger},
    {9, "Firmware Update Delivery Method", R, false, true, T::kInteger},
};

constexpr ResourceDef kSoftware[] = {
    {0, "PkgName", R, false, true, T::kString},
    {1, "PkgVersion", R, false, true, T::kString},
    {2, "Package", W, false, false, T::kOpaque},
    {3, "Package URI", W, false, false, T::kString},
    {4, "Install", E, false, true, T::kNone},
    {5, "Checkpoint", R, false, false, T::kObjlnk},
    {6, "Uninstall", E, false, true, T::kNone},
    {7, "Update State", R, false, true, T::kInteger},
    {8, "Update Supported Objects", RW, false, false, T::kBoolean},
    {9, "Update Result", R, false, true, T::kInteger},
    {10, "Activate", E, false, true, T::kNone},
    {11, "Deactivate", E, false, true, T::kNone},
    {12, "Activation State", R, false, true, T::kBoolean},
    {13, "Package Settings", RW, false, false, T::kObjlnk},
    {14, "User Name", W, false, false, T::kString},
    {15, "Password", W, false, false, T::kString},
};

constexpr ResourceDef kInference[] = {
    {0, "Input", RW, false, true, T::kOpaque},
    {1, "Run", E, false, true, T::kNone},
    {2, "Output", R, false, true, T::kOpaque},
    {3, "Latency Cycles", R, false, true, T::kInteger},
    {4, "Model SHA-256", R, false, true, T::kString},
    {5, "Arena Bytes", R, false, false, T::kInteger},
    {6, "Inference Count", R, false, false, T::kInteger},
};

constexpr ObjectDef kObjects[] = {
    {kSecurityObject, "LwM2M Security", true, true, kSecurity},
    {kServerObject, "LwM2M Server", true, true, kServer},
    {kDeviceObject, "Device", false, true, kDevice},
    {kFirmwareObject, "Firmware Update", false, false, kFirmware},
    {kSoftwareObject, "LWM2M Software Management", true, false, kSoftware},
    {kInferenceObject, "TinyML Inference", false, false, kInference},
};

}  // namespace

const ObjectDef* FindObject(uint16_t id) {
  for (const ObjectDef& o : kObjects) {
    if (o.id == id) return &o;
  }
  return nullptr;
}

const ResourceDef* FindResource(uint16_t object, uint16_t resource) {
  const ObjectDef* o = FindObject(object);
  if (o == nullptr) return nullptr;
  for (const ResourceDef& r : o->resources) {
    if (r.id == resource) return &r;
  }
  return nullptr;
}

DataType TypeOfResource(const Path& path) {
  if (path.depth < 3) return DataType::kNone;
  const ResourceDef* r = FindResource(path.object(), path.resource());
  return r == nullptr ? DataType::kNone : r->type;
}

}  // namespace tml::lwm2m
