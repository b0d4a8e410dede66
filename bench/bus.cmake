# bench/bus
