// The data category ids of the catalog (docs/law.md §5). The policy catalog is the authority on
// categories; adapters check against this list so that a typo in an adapter config, a demo
// fixture or an adapter service's answer is caught. Keep it in step with policy/catalogs/fi.
#pragma once

#include <string_view>
#include <vector>

namespace silta::adapters {

const std::vector<std::string_view>& catalog_categories();
bool is_catalog_category(std::string_view id);

}  // namespace silta::adapters
