#include "lwm2m/object_store.h"

#include "lwm2m/objects.h"

namespace tml::lwm2m {
namespace {

bool SameType(const Value& v, DataType t) {
  switch (t) {
    case DataType::kInteger:
    case DataType::kTime: return std::holds_alternative<int64_t>(v);
    case DataType::kUnsigned: return std::holds_alternative<uint64_t>(v);
    case DataType::kFloat: return std::holds_alternative<double>(v);
    case DataType::kBoolean: return std::holds_alternative<bool>(v);
    case DataType::kString:
    case DataType::kCoreLink: return std::holds_alternative<std::string>(v);
    case DataType::kOpaque: return std::holds_alternative<Bytes>(v);
    case DataType::kObjlnk: return std::holds_alternative<ObjectLink>(v);
    case DataType::kNone: return false;
  }
  return false;
}

}  // namespace

void ObjectStore::OnChange(std::function<void()> fn) {
  std::lock_guard lock(mutex_);
  on_change_ = std::move(fn);
}

void ObjectStore::Changed() {
  std::function<void()> fn;
  {
    std::lock_guard lock(mutex_);
    fn = on_change_;
  }
  if (fn) fn();
}

void ObjectStore::AddInstance(uint16_t object, uint16_t instance) {
  {
    std::lock_guard lock(mutex_);
    instances_.insert({object, instance});
  }
  Changed();
}

void ObjectStore::RemoveInstance(uint16_t object, uint16_t instance) {
  {
    std::lock_guard lock(mutex_);
    instances_.erase({object, instance});
    const Path p = MakePath({object, instance});
    std::erase_if(values_, [&](const auto& kv) { return p.Contains(kv.first); });
  }
  Changed();
}

void ObjectStore::Set(const Path& path, Value value) {
  {
    std::lock_guard lock(mutex_);
    instances_.insert({path.object(), path.instance()});
    values_[path] = std::move(value);
  }
  Changed();
}

void ObjectStore::OnCreate(uint16_t object, CreateFn on_create, DeleteFn on_delete) {
  std::lock_guard lock(mutex_);
  creatable_[object] = {std::move(on_create), std::move(on_delete)};
}

OpResult<uint16_t> ObjectStore::Create(uint16_t object, const std::vector<Record>& records) {
  CreateFn create;
  uint16_t instance = 0;
  {
    std::lock_guard lock(mutex_);
    auto it = creatable_.find(object);
    if (it == creatable_.end()) return OpFail(405, "instances of /" + std::to_string(object) + " cannot be created");
    bool named = false;
    for (const Record& r : records) {
      if (r.path.object() != object || r.path.depth < 2) return OpFail(400, r.path.ToString() + " is not in /" + std::to_string(object));
      if (named && r.path.instance() != instance) return OpFail(400, "a Create names one instance");
      instance = r.path.instance();
      named = true;
    }
    if (named && instances_.count({object, instance})) {
      return OpFail(400, "/" + std::to_string(object) + "/" + std::to_string(instance) + " exists already");
    }
    if (!named) {
      while (instances_.count({object, instance})) {
        if (instance == 65534) return OpFail(500, "no free instance id");
        ++instance;
      }
    }
    instances_.insert({object, instance});
    create = it->second.first;
  }
  if (create) create(instance);
  if (!records.empty()) {
    if (auto w = Write(MakePath({object, instance}), records); !w) {
      RemoveInstance(object, instance);
      return tl::unexpected(w.error());
    }
  }
  return instance;
}

OpResult<void> ObjectStore::Delete(const Path& path) {
  DeleteFn on_delete;
  {
    std::lock_guard lock(mutex_);
    if (path.depth != 2) return OpFail(405, "delete an instance /O/I, not " + path.ToString());
    auto it = creatable_.find(path.object());
    if (it == creatable_.end()) return OpFail(405, "instances of /" + std::to_string(path.object()) + " cannot be deleted");
    if (!instances_.count({path.object(), path.instance()})) return OpFail(404, "no instance " + path.ToString());
    on_delete = it->second.second;
  }
  if (on_delete) {
    if (auto r = on_delete(path.instance()); !r) return r;
  }
  RemoveInstance(path.object(), path.instance());
  return {};
}

void ObjectStore::OnExecute(const Path& resource, ExecuteFn fn) {
  std::lock_guard lock(mutex_);
  executes_[resource] = std::move(fn);
}

void ObjectStore::OnWrite(WriteFn fn) {
  std::lock_guard lock(mutex_);
  on_write_.push_back(std::move(fn));
}

std::vector<Link> ObjectStore::Links() const {
  std::lock_guard lock(mutex_);
  std::vector<Link> links;
  for (const auto& [object, instance] : instances_) {
    if (object != kSecurityObject) links.push_back({MakePath({object, instance}).ToString(), {}});
  }
  return links;
}

std::optional<Value> ObjectStore::Get(const Path& path) const {
  std::lock_guard lock(mutex_);
  auto it = values_.find(path);
  return it == values_.end() ? std::nullopt : std::optional<Value>(it->second);
}

OpResult<std::vector<Record>> ObjectStore::Read(const Path& path) const {
  std::lock_guard lock(mutex_);
  if (path.depth == 0) return OpFail(405, "read the root: name an object");
  if (path.object() == kSecurityObject) return OpFail(401, "the Security object is not readable by a server");
  if (path.depth >= 3) {
    const ResourceDef* def = FindResource(path.object(), path.resource());
    if (def != nullptr && !(def->operations & kRead)) return OpFail(405, path.ToString() + " is not readable");
  }
  std::vector<Record> out;
  for (const auto& [p, v] : values_) {
    if (!path.Contains(p)) continue;
    const ResourceDef* def = FindResource(p.object(), p.resource());
    if (def != nullptr && !(def->operations & kRead)) continue;  // e.g. a write-only Package
    out.push_back({p, v});
  }
  if (out.empty()) {
    const bool instance_exists = path.depth >= 2 && instances_.count({path.object(), path.instance()});
    const bool object_exists = path.depth == 1 && std::any_of(instances_.begin(), instances_.end(), [&](const auto& i) {
                                 return i.first == path.object();
                               });
    if (!(path.depth == 2 && instance_exists) && !object_exists) return OpFail(404, "nothing at " + path.ToString());
  }
  return out;
}

OpResult<std::vector<Link>> ObjectStore::Discover(const Path& path) const {
  std::lock_guard lock(mutex_);
  if (path.depth == 0 || path.depth > 3) return OpFail(400, "discover an object, an instance or a resource");
  std::vector<Link> links;
  std::map<Path, int> dims;  // resource path -> instances (0 for a single resource)
  for (const auto& [p, v] : values_) {
    if (!path.Contains(p) && !(p.depth == 4 && path.Contains(MakePath({p.object(), p.instance(), p.resource()})))) continue;
    Path resource = p;
    resource.depth = 3;
    dims[resource] += p.depth == 4 ? 1 : 0;
  }
  for (const auto& [p, fn] : executes_) {
    if (path.Contains(p)) dims.emplace(p, 0);
  }
  if (path.depth == 1) {
    links.push_back({path.ToString(), {}});
    for (const auto& [object, instance] : instances_) {
      if (object == path.object()) links.push_back({MakePath({object, instance}).ToString(), {}});
    }
  } else if (path.depth == 2) {
    if (!instances_.count({path.object(), path.instance()})) return OpFail(404, "no instance " + path.ToString());
    links.push_back({path.ToString(), {}});
  }
  for (const auto& [p, dim] : dims) {
    Link link{p.ToString(), {}};
    if (dim > 0) link.params["dim"] = std::to_string(dim);
    links.push_back(std::move(link));
  }
  if (links.empty()) return OpFail(404, "nothing at " + path.ToString());
  return links;
}

OpResult<void> ObjectStore::Write(const Path& path, const std::vector<Record>& records) {
  std::vector<WriteFn> listeners;
  {
    std::lock_guard lock(mutex_);
    if (path.depth < 2) return OpFail(405, "write to an instance or a resource, not " + path.ToString());
    if (!instances_.count({path.object(), path.instance()})) return OpFail(404, "no instance " + path.ToString());
    for (const Record& r : records) {
      if (!path.Contains(r.path) || r.path.depth < 3) return OpFail(400, r.path.ToString() + " is not under " + path.ToString());
      const ResourceDef* def = FindResource(r.path.object(), r.path.resource());
      if (def == nullptr) return OpFail(404, "no resource " + r.path.ToString());
      if (!(def->operations & kWrite)) return OpFail(405, r.path.ToString() + " (" + std::string(def->name) + ") is not writable");
      if (!SameType(r.value, def->type)) {
        return OpFail(400, r.path.ToString() + " takes a " + DataTypeName(def->type));
      }
    }
    for (const Record& r : records) values_[r.path] = r.value;
    listeners = on_write_;
  }
  Changed();
  for (const Record& r : records) {
    for (const WriteFn& fn : listeners) fn(r);
  }
  return {};
}

OpResult<void> ObjectStore::Execute(const Path& path, std::string_view arguments) {
  ExecuteFn fn;
  {
    std::lock_guard lock(mutex_);
    if (path.depth != 3) return OpFail(405, "execute needs a resource path, not " + path.ToString());
    const ResourceDef* def = FindResource(path.object(), path.resource());
    if (def == nullptr || !instances_.count({path.object(), path.instance()})) return OpFail(404, "no resource " + path.ToString());
    if (!(def->operations & kExecute)) return OpFail(405, path.ToString() + " (" + std::string(def->name) + ") is not executable");
    auto it = executes_.find(path);
    if (it == executes_.end()) return OpFail(500, path.ToString() + " has no action on this device");
    fn = it->second;
  }
  return fn(arguments);
}

}  // namespace tml::lwm2m
