// libsodium must be initialised once before use; every user in this module calls this first.
#pragma once

namespace silta::audit {

void ensure_sodium();

}  // namespace silta::audit
