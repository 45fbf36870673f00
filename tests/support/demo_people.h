// Identity codes of the demo agencies' invented people (adapters/demo/fixtures.json): temporary
// numbers (900-999) that belong to no one.
#pragma once

namespace silta::test::people {

inline constexpr const char* kVeeti = "110213A913H";  // 13, school attendance (child welfare case)
inline constexpr const char* kTiina = "190685-946J";  // Veeti's mother
inline constexpr const char* kEllaHetu = "140311A9265";  // 15, mental health client, capable
inline constexpr const char* kSari = "250880-9584";      // Ella's mother
inline constexpr const char* kJari = "091278-937U";      // Ella's father
inline constexpr const char* kOnni = "050912A931L";      // 14, shoplifting (police incident)
inline constexpr const char* kAada = "080516A904F";      // 10, address under turvakielto
inline constexpr const char* kJuha = "210784-955N";      // Aada's father: threat against a teacher
inline constexpr const char* kNiko = "170610A979Y";      // 16, in substitute care

}  // namespace silta::test::people
