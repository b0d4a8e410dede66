// RunResult as JSON (budget --json) and back (swap reads its children's output).
#pragma once

#include <nlohmann/json.hpp>

#include "run.hpp"

namespace orchestrix::tools {

nlohmann::json to_json(const RunResult& result);
// Throws nlohmann::json::exception when a field is missing or has the wrong type.
RunResult result_from_json(const nlohmann::json& json);

}  // namespace orchestrix::tools
