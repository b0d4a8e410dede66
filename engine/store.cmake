# orchestrix_store: the event store (record codec, segments, stream index, snapshots).
