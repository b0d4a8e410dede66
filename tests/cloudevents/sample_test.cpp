// A real-data round trip: the GitHub webhook examples converted to CloudEvents JSON lines by
// tools/fetch-sample (data/webhooks/, not in the repository). Skipped, with a message, when
// the sample has not been fetched.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "orchestrix/cloudevents/attribute_blob.hpp"
#include "orchestrix/cloudevents/decoder.hpp"
#include "orchestrix/cloudevents/writer.hpp"

using namespace orchestrix;
using namespace orchestrix::cloudevents;

TEST_CASE("real sample: every webhook event survives JSON and store-field round trips") {
  const std::filesystem::path path =
      std::filesystem::path(ORCHESTRIX_SAMPLE_DIR) / "cloudevents.jsonl";
  if (!std::filesystem::exists(path)) {
    MESSAGE("skipped: " << path.string() << " is absent (run tools/fetch-sample)");
    return;
  }
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string text = buffer.str();

  Decoder d;
  const auto events = d.decode_lines(text);
  CHECK(events.size() == 329);

  std::string out;
  append_lines(out, events);
  CHECK(out == text);  // the sample is written in the writer's own form

  std::size_t blob_bytes = 0;
  RestoredEvent r;
  for (const CloudEvent& e : events) {
    CHECK(e.data_kind == DataKind::kJson);
    const StoreFields f = store_fields(e);
    std::vector<std::byte> blob(attribute_blob_size(e, e.subject));
    write_attribute_blob(e, e.subject, blob);
    blob_bytes += blob.size();
    StoredEvent stored{e.subject,
                       f.type,
                       f.source,
                       f.content_type,
                       f.id.value_or(Uuid::v7()),
                       f.time.value_or(Timestamp()),
                       f.data};
    CHECK(same_event(r.restore(stored, blob), e));
  }
  CHECK(blob_bytes == 0);
}
