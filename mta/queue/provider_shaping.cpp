// provider_shaping.cpp — the table. Connection counts are per destination (one MX set), from one host;
// messages per connection keep sessions short enough that a provider's per-session limits never bite.
#include "mta/queue/provider_shaping.hpp"

namespace mta::queue {

const std::vector<config::Shaping>& provider_shaping() {
  using config::Rate;
  using config::Shaping;
  static const std::vector<Shaping> table{
      // Gmail and Google Workspace: gmail-smtp-in.l.google.com, aspmx.l.google.com, ...
      Shaping{"*.google.com", 10, 100, Rate{}},
      // Outlook.com and Microsoft 365: *.olc.protection.outlook.com, *.mail.protection.outlook.com
      Shaping{"*.protection.outlook.com", 5, 20, Rate{}},
      // Yahoo and AOL: mta5.am0.yahoodns.net, ...
      Shaping{"*.yahoodns.net", 5, 20, Rate{}},
      // Apple iCloud: mx01.mail.icloud.com, ...
      Shaping{"*.mail.icloud.com", 5, 20, Rate{}},
      // Comcast: mx1.comcast.net, ...
      Shaping{"*.comcast.net", 4, 20, Rate{}},
      // GMX and WEB.DE (1&1): mx00.gmx.net, mx-ha02.web.de, ...
      Shaping{"*.gmx.net", 5, 50, Rate{}},
      Shaping{"*.web.de", 5, 50, Rate{}},
      // Orange: smtp-in.orange.fr, known for strict per-IP limits
      Shaping{"*.orange.fr", 2, 20, Rate{}},
  };
  return table;
}

std::vector<config::Shaping> effective_shaping(const std::vector<config::Shaping>& configured) {
  std::vector<config::Shaping> out = configured;
  out.insert(out.end(), provider_shaping().begin(), provider_shaping().end());
  return out;
}

}  // namespace mta::queue
