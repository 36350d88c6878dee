// daemon_reply_fuzz.cpp — fuzzes what `campaign send` reads from the daemon: any bytes through the
// client's bounded ReplyReader (mta/delivery/reply.cpp), and every whole reply's text through
// queue_id_from_reply (campaigns/send/daemon_reply.cpp), whose id must stay within kMaxQueueId characters
// of [A-Za-z0-9._-].
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "campaigns/send/daemon_reply.hpp"
#include "mta/delivery/reply.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  auto check = [](std::string_view text) {
    auto id = campaigns::send::queue_id_from_reply(text);
    if (id.size() > campaigns::send::kMaxQueueId) __builtin_trap();
    for (char c : id)
      if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
            c == '_' || c == '-'))
        __builtin_trap();
  };
  check(input);
  mta::delivery::ReplyReader reader(mta::delivery::ReplyLimits{512, 8});
  mta::delivery::Reply reply;
  // Fed in two pieces, as replies arrive split across reads.
  reader.feed(input.substr(0, size / 2));
  reader.feed(input.substr(size / 2));
  for (int i = 0; i < 64; ++i) {
    auto state = reader.next(reply);
    if (state != mta::delivery::ReplyReader::State::reply) break;
    check(reply.text());
  }
  return 0;
}
