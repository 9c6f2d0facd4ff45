"""Events in the region silo: releases, the event store, the eventstream and the save path."""
