// One vocabulary per enumeration: how each value is spelt in the catalog files, the API, the
// audit log and the store. The name written and the name read come from the same table, so they
// cannot drift apart, and a reader's "expected one of ..." lists exactly the names it accepts.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "common/json_check.h"

namespace silta::policy {

template <typename E>
struct Term {
  E value;
  const char* name;
};

// Written as {{{E::kA, "a"}, {E::kB, "b"}}}; the first term is the default name.
template <typename E, std::size_t N>
struct Vocabulary {
  Term<E> terms[N];

  // The name of `value` (the first term's for a value outside the enumeration).
  constexpr const char* name(E value) const {
    // Tables list the values in their declared order, so the value is usually its own index.
    auto i = static_cast<std::size_t>(value);
    if (i < N && terms[i].value == value) return terms[i].name;
    for (const auto& t : terms) {
      if (t.value == value) return t.name;
    }
    return terms[0].name;
  }

  constexpr std::optional<E> find(std::string_view name) const {
    for (const auto& t : terms) {
      if (name == t.name) return t.value;
    }
    return std::nullopt;
  }

  // "expected pull or push", "expected one of ordinary, art9, art10": a reader's message.
  std::string expected() const {
    std::string out = N == 2 ? "expected " : "expected one of ";
    for (std::size_t i = 0; i < N; ++i) {
      if (i != 0) out += N == 2 ? " or " : ", ";
      out += terms[i].name;
    }
    return out;
  }
};

// Reads the name at `key` of `o`; a name outside the vocabulary is an issue at its path.
template <typename E, std::size_t N>
std::optional<E> read_term(json_check::Object& o, std::string_view key,
                           const Vocabulary<E, N>& vocabulary,
                           json_check::Need need = json_check::Need::kRequired) {
  auto name = o.string(key, need);
  if (!name) return std::nullopt;
  auto value = vocabulary.find(*name);
  if (!value) o.issues().add(o.path_of(key), vocabulary.expected());
  return value;
}

}  // namespace silta::policy
