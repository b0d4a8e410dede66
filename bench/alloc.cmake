# bench/alloc
