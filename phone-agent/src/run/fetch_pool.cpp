#include "run/fetch_pool.hpp"

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace phone_agent {

namespace asio = boost::asio;

fetch_pool::fetch_pool(asio::any_io_executor executor, completion_handler on_complete)
    : executor_(std::move(executor)), on_complete_(std::move(on_complete)) {}

fetch_pool::~fetch_pool() = default;

bool fetch_pool::start(std::uint64_t id, fetch_job job) {
    if (inflight_.count(id) != 0) return false;
    auto owned = std::make_unique<inflight>();
    inflight* entry = owned.get();
    auto slot = entry->signal.slot();
    inflight_.emplace(id, std::move(owned));
    asio::co_spawn(executor_, run(*entry, std::move(job)),
                   asio::bind_cancellation_slot(slot, [this, id, entry](std::exception_ptr e) {
                       if (e) {
                           // fetch() reports failures as values; an exception here is an abort
                           // of the coroutine itself (e.g. cancelled before its first step).
                           entry->result = {};
                           entry->body.clear();
                           entry->result.error = common::net::fetch_error::cancelled;
                           try {
                               std::rethrow_exception(e);
                           } catch (const std::exception& ex) {
                               entry->result.detail = ex.what();
                           }
                       }
                       // Not from inside this handler: the slot it is bound to belongs to the
                       // entry's signal, which finish() destroys.
                       asio::post(executor_, [this, id] { finish(id); });
                   }));
    return true;
}

asio::awaitable<void> fetch_pool::run(inflight& entry, fetch_job job) {
    const auto executor = co_await asio::this_coro::executor;
    entry.result = co_await common::net::fetch_to_string(executor, job.request, job.limits, job.tls.get(),
                                                         job.tls_settings, entry.body);
}

bool fetch_pool::cancel(std::uint64_t id) {
    auto it = inflight_.find(id);
    if (it == inflight_.end() || it->second->cancelled) return false;
    it->second->cancelled = true;
    it->second->signal.emit(asio::cancellation_type::terminal);
    return true;
}

void fetch_pool::cancel_all() {
    for (auto& [id, entry] : inflight_) {
        if (entry->cancelled) continue;
        entry->cancelled = true;
        entry->signal.emit(asio::cancellation_type::terminal);
    }
}

void fetch_pool::when_empty(std::function<void()> callback) {
    if (inflight_.empty()) {
        asio::post(executor_, std::move(callback));
        return;
    }
    when_empty_ = std::move(callback);
}

void fetch_pool::finish(std::uint64_t id) {
    auto it = inflight_.find(id);
    if (it == inflight_.end()) return;
    auto entry = std::move(it->second);
    inflight_.erase(it);
    fetch_completion done{id, entry->cancelled, std::move(entry->result), std::move(entry->body)};
    entry.reset();
    on_complete_(std::move(done));
    if (inflight_.empty() && when_empty_) {
        auto callback = std::move(when_empty_);
        when_empty_ = nullptr;
        callback();
    }
}

}  // namespace phone_agent
