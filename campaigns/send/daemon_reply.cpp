#include "campaigns/send/daemon_reply.hpp"

namespace campaigns::send {

std::string queue_id_from_reply(std::string_view text) {
  constexpr std::string_view kMarker = "queued as ";
  auto at = text.find(kMarker);
  if (at == std::string_view::npos) return {};
  auto id = text.substr(at + kMarker.size());
  std::size_t n = 0;
  auto allowed = [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
  };
  while (n < id.size() && allowed(id[n]))
    ++n;
  if (n == 0 || n > kMaxQueueId) return {};
  return std::string(id.substr(0, n));
}

}  // namespace campaigns::send
