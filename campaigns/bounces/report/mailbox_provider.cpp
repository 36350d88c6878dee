#include "campaigns/bounces/report/mailbox_provider.hpp"

#include <algorithm>
#include <cctype>
#include <string>

namespace campaigns {
namespace {

// From the providers' published MX records (dig MX gmail.com, outlook.com, yahoo.com, ...).
constexpr ProviderSuffix kSuffixes[] = {
    {"google.com", "Gmail / Google Workspace"},  // gmail-smtp-in.l.google.com, aspmx.l.google.com
    {"googlemail.com", "Gmail / Google Workspace"},
    {"outlook.com", "Microsoft"},  // *.mail.protection.outlook.com, *.olc.protection.outlook.com
    {"hotmail.com", "Microsoft"},
    {"msn.com", "Microsoft"},
    {"yahoodns.net", "Yahoo / AOL"},  // mta5.am0.yahoodns.net, mx-aol.mail.gm0.yahoodns.net
    {"yahoo.com", "Yahoo / AOL"},
    {"aol.com", "Yahoo / AOL"},
    {"icloud.com", "Apple iCloud"},  // mx01.mail.icloud.com
    {"mail.me.com", "Apple iCloud"},
    {"me.com", "Apple iCloud"},
    {"comcast.net", "Comcast"},   // mx1.comcast.net
    {"gmx.net", "GMX / web.de"},  // mx00.emig.gmx.net
    {"gmx.com", "GMX / web.de"},
    {"gmx.de", "GMX / web.de"},
    {"web.de", "GMX / web.de"},  // mx-ha03.web.de
    {"mail.com", "GMX / web.de"},
    {"kundenserver.de", "IONOS"},  // mx00.kundenserver.de (1&1 IONOS hosting)
    {"ionos.com", "IONOS"},
    {"ionos.de", "IONOS"},
    {"orange.fr", "Orange"},  // smtp-in.orange.fr
    {"wanadoo.fr", "Orange"},
    {"mail.ru", "Mail.ru"},    // mxs.mail.ru
    {"yandex.net", "Yandex"},  // mx.yandex.net
    {"yandex.ru", "Yandex"},
    {"qq.com", "QQ / Tencent"},    // mx1.qq.com, mxbiz1.qq.com
    {"mimecast.com", "Mimecast"},  // eu-smtp-inbound-1.mimecast.com
    {"mimecast.co.za", "Mimecast"},
    {"pphosted.com", "Proofpoint"},  // mx0a-00123401.pphosted.com
    {"ppe-hosted.com", "Proofpoint"},
    {"barracudanetworks.com", "Barracuda"},  // d123.a.ess.barracudanetworks.com
    {"zoho.com", "Zoho"},                    // mx.zoho.com
    {"zoho.eu", "Zoho"},
    {"zohomail.com", "Zoho"},
    {"messagingengine.com", "Fastmail"},  // in1-smtp.messagingengine.com
    {"protonmail.ch", "Proton"},
    {"secureserver.net", "GoDaddy"},
    {"t-online.de", "T-Online"},
    {"free.fr", "Free"},
    {"163.com", "NetEase"},
    {"126.com", "NetEase"},
    {"naver.com", "Naver"},
    {"seznam.cz", "Seznam"},
};

}  // namespace

std::span<const ProviderSuffix> provider_suffixes() {
  return kSuffixes;
}

std::string_view provider_for_mx(std::string_view mx_host) {
  std::string host;
  for (char c : mx_host)
    host += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  while (!host.empty() && host.back() == '.')
    host.pop_back();
  const ProviderSuffix* best = nullptr;
  for (const auto& entry : kSuffixes) {
    auto s = entry.suffix;
    bool matches =
        host == s || (host.size() > s.size() && host.ends_with(s) && host[host.size() - s.size() - 1] == '.');
    if (matches && (!best || s.size() > best->suffix.size())) best = &entry;
  }
  return best ? best->provider : kOtherProvider;
}

}  // namespace campaigns
