// ConsentRecord as JSON: the names of its enumerations, and a reader that reports every problem
// with its path. Used by decision test files and `silta catalog explain --consents`; the
// gateway's consent API may use the same form.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/json_check.h"
#include "policy/consent.h"
#include "policy/vocabulary.h"

namespace silta::policy {

class Catalog;

inline constexpr Vocabulary<ConsentKind, 5> kConsentKindNames{{
    {ConsentKind::kSuostumus, "suostumus"},
    {ConsentKind::kLuovutuslupa, "luovutuslupa"},
    {ConsentKind::kKielto, "kielto"},
    {ConsentKind::kMinorProhibition, "minor_prohibition"},
    {ConsentKind::kRefusal, "refusal"},
}};
inline constexpr Vocabulary<Capacity, 4> kCapacityNames{{
    {Capacity::kSelf, "self"},
    {Capacity::kGuardian, "guardian"},
    {Capacity::kLegalRep, "legal_rep"},
    {Capacity::kEdunvalvoja, "edunvalvoja"},
}};
inline constexpr Vocabulary<ConsentForm, 3> kConsentFormNames{{
    {ConsentForm::kWritten, "written"},
    {ConsentForm::kElectronic, "electronic"},
    {ConsentForm::kOralRecorded, "oral_recorded"},
}};

// The same vocabularies as functions (the store passes the readers as function pointers).
const char* consent_kind_name(ConsentKind kind);
const char* capacity_name(Capacity capacity);
const char* consent_form_name(ConsentForm form);
std::optional<ConsentKind> consent_kind_from(std::string_view name);
std::optional<Capacity> capacity_from(std::string_view name);
std::optional<ConsentForm> consent_form_from(std::string_view name);

nlohmann::json consent_to_json(const ConsentRecord& consent);

// Reads a consent record. `subject_pseudonym` is used when the document has none. When
// `catalog` is given, kinds, categories and purposes must be its ids.
ConsentRecord parse_consent(const nlohmann::json& doc, json_check::Issues& issues,
                            const std::string& path, const std::string& subject_pseudonym,
                            const Catalog* catalog);

}  // namespace silta::policy
