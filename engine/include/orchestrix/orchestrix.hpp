// orchestrix/orchestrix.hpp — the whole public API of Orchestrix in one include.
//
// Header guide (start with event_store.hpp):
//   event_store.hpp         EventStore: append, read, read_all, snapshots, memory_stats
//   event.hpp               EventData (what you append), EventView (what you read), Position
//   event_range.hpp         read results and the view-lifetime rule
//   expected_version.hpp    optimistic concurrency: any / no_stream / exact
//   snapshot.hpp            SnapshotData, Snapshot handles
//   store_options.hpp       StoreOptions (memory resource, segment size, shards, retention)
//   store_memory_stats.hpp  StoreMemoryStats: bytes by category, bytes per event
//   uuid.hpp, timestamp.hpp, errors.hpp   value types and typed errors
#pragma once

#include "orchestrix/bus/bus.hpp"  // MessageBus, AsyncMessageBus, StoreSubscription (orchestrix::bus)
#include "orchestrix/errors.hpp"
#include "orchestrix/event.hpp"
#include "orchestrix/event_range.hpp"
#include "orchestrix/event_store.hpp"
#include "orchestrix/expected_version.hpp"
#include "orchestrix/snapshot.hpp"
#include "orchestrix/store_memory_stats.hpp"
#include "orchestrix/store_options.hpp"
#include "orchestrix/timestamp.hpp"
#include "orchestrix/uuid.hpp"
