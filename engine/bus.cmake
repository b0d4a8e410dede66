# orchestrix_bus: the message bus (sync + async).
