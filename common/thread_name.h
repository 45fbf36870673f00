// Names the calling thread, so that `top -H`, `ps -L` and `perf report --sort comm` tell the
// gateway's threads apart (I/O, store, audit writer and syncers, indexer).
#pragma once

#include <pthread.h>

#include <string>

namespace silta {

// Linux keeps at most 15 characters; a longer name is cut.
inline void name_this_thread(const std::string& name) {
  pthread_setname_np(pthread_self(), name.substr(0, 15).c_str());
}

}  // namespace silta
