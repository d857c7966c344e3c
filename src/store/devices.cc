// The devices table: LwM2M endpoints provisioned with their DTLS pre-shared keys.
#include <openssl/rand.h>

#include <nlohmann/json.hpp>

#include "common/digest.h"
#include "common/utc_time.h"
#include "store/database.h"
#include "store/store.h"

namespace tml::store {
namespace {

constexpr const char* kDeviceColumns = "id, endpoint, psk_identity, psk_key_hex, tags_json, created_at";

DeviceRecord ReadDevice(const Statement& s) {
  DeviceRecord d;
  d.id = s.Int(0);
  d.endpoint = s.Text(1);
  d.psk_identity = s.Text(2);
  d.psk_key_hex = s.Text(3);
  const auto tags = nlohmann::json::parse(s.Text(4), nullptr, false);
  if (tags.is_array()) {
    for (const auto& t : tags) {
      if (t.is_string()) d.tags.push_back(t.get<std::string>());
    }
  }
  d.created_at = s.Text(5);
  return d;
}

}  // namespace

StoreResult<DeviceRecord> Store::AddDevice(const std::string& endpoint, const std::vector<std::string>& tags) {
  std::lock_guard lock(mutex_);
  if (auto r = ValidateName("endpoint name", endpoint); !r) return tl::unexpected(r.error());
  for (const std::string& tag : tags) {
    if (auto r = ValidateName("tag", tag); !r) return tl::unexpected(r.error());
  }
  unsigned char key[16];
  if (RAND_bytes(key, sizeof(key)) != 1) return StoreFail(StoreErrorCode::kIo, "no randomness for a device key");
  try {
    Statement s = db_->Prepare(
        "INSERT INTO devices (endpoint, psk_identity, psk_key_hex, tags_json, created_at) VALUES (?1, ?1, ?2, ?3, ?4)");
    s.Bind(1, endpoint).Bind(2, common::ToHex(key, sizeof(key))).Bind(3, nlohmann::json(tags).dump()).Bind(4, common::NowUtc()).Run();
  } catch (const DatabaseError& e) {
    if (e.constraint()) return StoreFail(StoreErrorCode::kConflict, "a device named " + endpoint + " is provisioned");
    throw;
  }
  return GetDevice(endpoint);
}

StoreResult<DeviceRecord> Store::GetDevice(const std::string& endpoint) {
  std::lock_guard lock(mutex_);
  Statement s = db_->Prepare(std::string("SELECT ") + kDeviceColumns + " FROM devices WHERE endpoint = ?1");
  if (!s.Bind(1, endpoint).Step()) return StoreFail(StoreErrorCode::kNotFound, "no device " + endpoint);
  return ReadDevice(s);
}

std::optional<DeviceRecord> Store::FindDeviceByIdentity(const std::string& psk_identity) {
  std::lock_guard lock(mutex_);
  Statement s = db_->Prepare(std::string("SELECT ") + kDeviceColumns + " FROM devices WHERE psk_identity = ?1");
  if (!s.Bind(1, psk_identity).Step()) return std::nullopt;
  return ReadDevice(s);
}

std::vector<DeviceRecord> Store::ListDevices(const Page& page) {
  std::lock_guard lock(mutex_);
  Statement s = db_->Prepare(std::string("SELECT ") + kDeviceColumns + " FROM devices WHERE id > ?1 ORDER BY id LIMIT ?2");
  s.Bind(1, page.after_id).Bind(2, page.limit);
  std::vector<DeviceRecord> devices;
  while (s.Step()) devices.push_back(ReadDevice(s));
  return devices;
}

StoreResult<void> Store::DeleteDevice(const std::string& endpoint) {
  std::lock_guard lock(mutex_);
  db_->Prepare("DELETE FROM devices WHERE endpoint = ?1").Bind(1, endpoint).Run();
  if (db_->Changes() == 0) return StoreFail(StoreErrorCode::kNotFound, "no device " + endpoint);
  return {};
}

}  // namespace tml::store
