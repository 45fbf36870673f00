// For the crash test: enqueues referrals one after another and prints each id once its
// transaction has committed, until it is killed.
// usage: store_crash_helper STORE_URL KEY_FILE ID_PREFIX
#include <cstdio>
#include <string>

#include "store/store.h"

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: store_crash_helper STORE_URL KEY_FILE ID_PREFIX\n");
    return 2;
  }
  silta::store::StoreConfig config;
  config.url = argv[1];
  config.key_file = argv[2];
  config.pool_size = 1;
  std::string prefix = argv[3];
  auto store = silta::store::open_store(config);
  if (!store || !(*store)->migrate()) {
    std::fprintf(stderr, "cannot open the store\n");
    return 1;
  }
  for (int i = 0; i < 1000000; ++i) {
    silta::store::NewReferral r;
    r.id = prefix + "-" + std::to_string(i);
    r.kind = "fi.lsl.25.child_welfare_report";
    r.sender_agency = "oulu-poliisi";
    r.recipient_agency = "soite-lastensuojelu";
    r.subject_pseudonym = "p-" + std::to_string(i % 17);
    r.payload = R"({"n":)" + std::to_string(i) + "}";
    r.idempotency_key = "key-" + r.id;
    r.request_hash = "hash-" + r.id;
    r.received_at = silta::now_utc();
    auto result = (*store)->enqueue_referral(r);
    if (!result) {
      std::fprintf(stderr, "enqueue failed: %s\n", result.error().message.c_str());
      return 1;
    }
    std::printf("%s\n", r.id.c_str());
    std::fflush(stdout);
  }
  return 0;
}
