#include "orchestrix/bus/symbol.hpp"

#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

namespace orchestrix::bus {
namespace {

// One interned text. Heap-allocated and never moved, so `view` (what a Symbol points to) and the
// map key (a view of `text`) stay valid.
struct Node {
  explicit Node(std::string_view t) : text(t), view(text) {}
  const std::string text;
  const std::string_view view;
};

struct Table {
  std::mutex mutex;
  std::unordered_map<std::string_view, std::unique_ptr<Node>> nodes;
};

Table& table() {
  // Leaked on purpose: symbols stay valid until exit, including during static destruction.
  static Table* t = new Table;
  return *t;
}

}  // namespace

Symbol Symbol::intern(std::string_view text) {
  if (text.empty()) return Symbol{};
  Table& t = table();
  std::lock_guard lock(t.mutex);
  auto it = t.nodes.find(text);
  if (it == t.nodes.end()) {
    auto node = std::make_unique<Node>(text);
    const std::string_view key = node->view;
    it = t.nodes.emplace(key, std::move(node)).first;
  }
  return Symbol{&it->second->view};
}

}  // namespace orchestrix::bus
