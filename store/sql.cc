#include "store/sql.h"

namespace silta::store::sql {

std::int64_t Row::i64(std::size_t i) const {
  const auto& v = values.at(i);
  return v.index() == 1 ? std::get<1>(v) : 0;
}

std::string Row::text(std::size_t i) const {
  const auto& v = values.at(i);
  return v.index() == 2 ? std::get<2>(v) : std::string();
}

const Bytes& Row::blob(std::size_t i) const {
  static const Bytes empty;
  const auto& v = values.at(i);
  return v.index() == 3 ? std::get<3>(v) : empty;
}

std::optional<SysTime> Row::opt_time(std::size_t i) const {
  if (is_null(i)) return std::nullopt;
  return time(i);
}

Result<std::unique_ptr<Pool>> Pool::open(Connector connect, unsigned size, bool grow) {
  std::unique_ptr<Pool> pool(new Pool(std::move(connect), grow));
  for (unsigned i = 0; i < size; ++i) {
    auto c = pool->connect_();
    if (!c) return c.error();
    pool->idle_.push_back(std::move(*c));
  }
  return pool;
}

Pool::Handle::~Handle() {
  if (pool_ != nullptr) pool_->release(std::move(c_));
}

Result<Pool::Handle> Pool::acquire() {
  std::unique_ptr<Connection> c;
  {
    std::unique_lock lock(mu_);
    if (!grow_) cv_.wait(lock, [this] { return !idle_.empty(); });
    if (!idle_.empty()) {
      c = std::move(idle_.back());
      idle_.pop_back();
    }
  }
  if (c == nullptr || !c->healthy()) {
    c.reset();
    auto fresh = connect_();
    if (!fresh) {
      if (!grow_) release(nullptr);  // keep the slot; the next caller tries again
      return fresh.error();
    }
    c = std::move(*fresh);
  }
  return Handle(this, std::move(c));
}

void Pool::release(std::unique_ptr<Connection> c) {
  {
    std::lock_guard lock(mu_);
    idle_.push_back(std::move(c));
  }
  cv_.notify_one();
}

}  // namespace silta::store::sql
