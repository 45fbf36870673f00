// Consents, permits and prohibitions as the decision engine sees them (docs/law.md §4).
// This header is the contract between [policy] (which decides with them) and [store] (which
// keeps them): the store adds the encrypted identity codes, the engine never sees a plain one.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/time.h"

namespace silta::policy {

// What the record is, legally.
enum class ConsentKind {
  kSuostumus,         // consent that lifts secrecy (ATL 6 §, JulkL 26 §, OHL 19 §)
  kLuovutuslupa,      // a client's permit to disclose between providers (ATL 53 §, 58 §)
  kKielto,            // a prohibition by the person or a guardian (ATL 59 §); beats any permit
  kMinorProhibition,  // a minor's prohibition of disclosure to their guardians (ATL 51 §)
  // The subject's own refusal: an adult's, or a minor's assessed capable (ATL 34 §, 51 §) — it
  // beats a guardian's consent or permit, which a guardian's kielto does not need to.
  kRefusal,
};

// In which capacity the person gave it.
enum class Capacity {
  kSelf,         // the subject themself
  kGuardian,     // huoltaja
  kLegalRep,     // laillinen edustaja
  kEdunvalvoja,  // a guardian ad litem appointed under LSL 22 §
};

enum class ConsentForm { kWritten, kElectronic, kOralRecorded };

struct ConsentGrantor {
  Capacity capacity = Capacity::kSelf;
  // Pseudonym of the person who gave it (a guardian is a person too); never a plain code.
  std::string person_pseudonym;
  // For a minor subject giving it themself: whether a professional assessed them capable
  // (by age and maturity, ATL 34 §), by whom and when.
  bool minor_capable = false;
  std::string assessed_by;
  std::optional<SysTime> assessed_at;
};

struct ConsentRevocation {
  SysTime at;
  std::string by_agency;                // the agency that recorded the revocation
  std::string by_actor;                 // the person at that agency
  Capacity capacity = Capacity::kSelf;  // who revoked, in which capacity
  std::string channel;                  // e.g. "in_person", "letter", "phone"
  std::string reason;
};

struct ConsentRecord {
  std::string id;                 // e.g. "c-7f3a..." (random, not derived from the subject)
  std::string subject_pseudonym;  // keyed BLAKE2b of the normalised identity code, hex
  ConsentKind kind = ConsentKind::kSuostumus;
  std::vector<ConsentGrantor> granted_by;
  // Scope: who may disclose (by agency kind or agency id) and to whom; empty = any.
  std::vector<std::string> from_kinds, from_agencies;
  std::vector<std::string> to_kinds, to_agencies;
  std::vector<std::string> categories;  // catalog category ids; empty = any
  std::vector<std::string> purposes;    // catalog purpose ids; empty = any
  // A permit may cover only data recorded in a period (STM decree 457/2024 25 §).
  std::optional<SysTime> data_recorded_from, data_recorded_until;
  SysTime valid_from;
  std::optional<SysTime> valid_until;  // open-ended when absent (ATL 58 §: until revoked)
  ConsentForm form = ConsentForm::kWritten;
  std::string informed_text_hash;  // SHA-256 hex of the information the person was given
  std::string recorded_by_agency;
  std::string recorded_by_actor;
  SysTime recorded_at;
  std::optional<ConsentRevocation> revoked;
};

}  // namespace silta::policy
