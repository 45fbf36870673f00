#include "common/json_check.h"

namespace silta::json_check {

void Issues::add(std::string path, std::string message) {
  list_.push_back(Issue{std::move(path), std::move(message)});
}

std::string Issues::format(std::string_view prefix) const {
  std::string out;
  for (const auto& i : list_) {
    out.append(prefix);
    out.append(i.path.empty() ? "/" : i.path);
    out.append(": ");
    out.append(i.message);
    out.push_back('\n');
  }
  return out;
}

std::string child_pointer(std::string_view parent, std::string_view token) {
  std::string out(parent);
  out.push_back('/');
  for (char c : token) {
    if (c == '~') {
      out.append("~0");
    } else if (c == '/') {
      out.append("~1");
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string child_pointer(std::string_view parent, std::size_t index) {
  return std::string(parent) + "/" + std::to_string(index);
}

Object::Object(Issues& issues, const nlohmann::json& value, std::string path)
    : issues_(&issues), value_(&value), path_(std::move(path)) {
  if (!value.is_object()) {
    issues_->add(path_, "expected an object");
    value_ = nullptr;
  }
}

bool Object::has(std::string_view key) const {
  return value_ != nullptr && value_->find(key) != value_->end();
}

const nlohmann::json* Object::lookup(std::string_view key, Need need, const char* expected) {
  seen_.emplace(key);
  if (value_ == nullptr) return nullptr;
  auto it = value_->find(key);
  if (it == value_->end()) {
    if (need == Need::kRequired) issues_->add(path_of(key), std::string("required: ") + expected);
    return nullptr;
  }
  return &*it;
}

const nlohmann::json* Object::any(std::string_view key, Need need) {
  return lookup(key, need, "a value");
}

std::optional<std::string> Object::string(std::string_view key, Need need) {
  const auto* v = lookup(key, need, "a string");
  if (v == nullptr) return std::nullopt;
  if (!v->is_string()) {
    issues_->add(path_of(key), "expected a string");
    return std::nullopt;
  }
  return v->get<std::string>();
}

std::string Object::string_or(std::string_view key, std::string fallback) {
  auto v = string(key);
  return v ? *v : std::move(fallback);
}

std::optional<std::int64_t> Object::integer(std::string_view key, Need need, std::int64_t min,
                                            std::int64_t max) {
  const auto* v = lookup(key, need, "an integer");
  if (v == nullptr) return std::nullopt;
  if (!v->is_number_integer() ||
      (v->is_number_unsigned() &&
       v->get<std::uint64_t>() > static_cast<std::uint64_t>(INT64_MAX)) ||
      v->get<std::int64_t>() < min || v->get<std::int64_t>() > max) {
    issues_->add(path_of(key),
                 "expected an integer from " + std::to_string(min) + " to " + std::to_string(max));
    return std::nullopt;
  }
  return v->get<std::int64_t>();
}

std::int64_t Object::integer_or(std::string_view key, std::int64_t fallback, std::int64_t min,
                                std::int64_t max) {
  auto v = integer(key, Need::kOptional, min, max);
  return v ? *v : fallback;
}

std::optional<bool> Object::boolean(std::string_view key, Need need) {
  const auto* v = lookup(key, need, "true or false");
  if (v == nullptr) return std::nullopt;
  if (!v->is_boolean()) {
    issues_->add(path_of(key), "expected true or false");
    return std::nullopt;
  }
  return v->get<bool>();
}

bool Object::boolean_or(std::string_view key, bool fallback) {
  auto v = boolean(key);
  return v ? *v : fallback;
}

std::optional<SysTime> Object::time(std::string_view key, Need need) {
  auto text = string(key, need);
  if (!text) return std::nullopt;
  auto t = parse_rfc3339(*text);
  if (!t) issues_->add(path_of(key), "expected an RFC 3339 time, e.g. 2026-11-23T10:00:00Z");
  return t;
}

std::optional<std::vector<std::string>> Object::strings(std::string_view key, Need need) {
  const auto* v = array(key, need);
  if (v == nullptr) return std::nullopt;
  std::vector<std::string> out;
  bool all = true;
  for (std::size_t i = 0; i < v->size(); ++i) {
    if (!(*v)[i].is_string()) {
      issues_->add(child_pointer(path_of(key), i), "expected a string");
      all = false;
    } else {
      out.push_back((*v)[i].get<std::string>());
    }
  }
  if (!all) return std::nullopt;
  return out;
}

const nlohmann::json* Object::array(std::string_view key, Need need) {
  const auto* v = lookup(key, need, "an array");
  if (v == nullptr) return nullptr;
  if (!v->is_array()) {
    issues_->add(path_of(key), "expected an array");
    return nullptr;
  }
  return v;
}

std::optional<Object> Object::object(std::string_view key, Need need) {
  const auto* v = lookup(key, need, "an object");
  if (v == nullptr) return std::nullopt;
  Object o(*issues_, *v, path_of(key));
  if (!o.valid()) return std::nullopt;
  return o;
}

void Object::no_other_keys() {
  if (value_ == nullptr) return;
  for (auto it = value_->begin(); it != value_->end(); ++it) {
    if (seen_.find(it.key()) == seen_.end()) issues_->add(path_of(it.key()), "unknown key");
  }
}

}  // namespace silta::json_check
