#pragma once
// A JSON string literal written without a JSON value, for request and answer texts written
// straight into a buffer (the HA peers' batched lease updates, sync/bulk_apply_json.h).
#include <string>
#include <string_view>

namespace tandem::api {

// Appends `text` as a JSON string literal exactly as nlohmann's dump writes it (ensure_ascii
// off, control characters as \u00xx, invalid UTF-8 replaced by U+FFFD), run by run.
void appendJsonString(std::string_view text, std::string& out);

}  // namespace tandem::api
